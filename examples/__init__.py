"""Onboarding examples: organisations that plug their own data into the reference source.

- `examples.gemeente`: a municipality whose tax system delivers a nightly CSV export.
- `examples.waterschap`: a collection cooperative (belastingsamenwerking) collecting for a
  water board and a municipality, read from its collection system's database views.

Each is certified by the conformance suite in tests/examples/; examples/README.md is the
onboarding guide.
"""
