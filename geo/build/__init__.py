"""Build scripts for the derived files in ``geo/data/``; never imported at run time.

Each module is run by hand after installing ``requirements-build.txt``:

- ``python -m geo.build.gazetteer``: the GeoNames extract ``geo/data/gazetteer.tsv.gz``;
- ``python -m geo.build.districts``: the district polygons ``geo/data/districts.geojson.gz``
  (converted from GCJ-02 to WGS84, simplified) and the measurements in its README;
- ``python -m geo.build.alias_seed --force``: the generated rows of ``geo/data/aliases.csv``.

Each output has a README beside it giving its source and licence.
"""
