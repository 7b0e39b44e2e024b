"""Build the map layers from the records: one GeoDataFrame per layer, and their cache.

Owns: :func:`.assemble.build_layers` (records and facilities -> :class:`layers.layerset.Layers`),
the places resolved once (:mod:`.placepoints`), row helpers and the sensitivity rule every
feature follows (:mod:`.featurerows`), and the parquet cache of built layers (:mod:`.cache`).

May import: :mod:`layers.records`, :mod:`layers.layerset`, :mod:`layers.errors`, :mod:`geo`.
"""
