"""Gemeente Lindeoord (fictional): a municipality whose claims come from its tax system's
nightly CSV export. `adapter.TaxExportBackend` is the whole integration; `bron.yaml` plugs
it into the reference source; README.md tells the story and lists the test citizens.
"""
