"""Belastingsamenwerking Polderland (fictional): a collection cooperative collecting for
Waterschap Polderdelta and Gemeente Oostervaart, so the source (`bron`) and the creditor
(`schuldeiser`) differ. `adapter.CollectionBackend` maps its collection system's views;
`bron.yaml` plugs it into the reference source; README.md tells the story.
"""
