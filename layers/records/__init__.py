"""The curated records: load, read and prove the data package of ``data/``.

Owns: the tables as typed frames (:mod:`.load`), the tables as raw rows with their CSV line
numbers (:mod:`.tables`, :mod:`.csvrows`), ``python -m layers validate`` (:mod:`.validate`)
and its checks (Frictionless, quotes against the source texts, EDTF dates, places, people's
names), what a population report measures (:mod:`.measures`), the years an EDTF date spans
(:mod:`.years`), and the third-party facility list (:mod:`.facilities`).

May import: :mod:`geo`, :mod:`layers.errors`, :mod:`layers.settings`, and third-party
packages; nothing else of ``layers``. Importing it must not load geopandas
(``python -m layers validate`` stays light); only :mod:`.facilities` uses geo's polygons.
"""
