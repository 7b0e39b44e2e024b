"""Files in and out: import outside lists, check uploads, export GeoJSON, GeoPackage and KML.

Owns: ``python -m layers import`` (:mod:`.importer`) with its readers (:mod:`.importread`,
:mod:`.encoding`, :mod:`.gdal`, the one allow-listed door to GDAL), row checks
(:mod:`.importrows`) and column mappings (:mod:`.mapping`); the app's session-only upload
(:mod:`.upload`); ``python -m layers export`` (:mod:`.export`) and its RFC 7946 features
(:mod:`.geojson`); the spreadsheet-formula guard for every CSV written (:mod:`.csvsafe`).

May import: every other part of :mod:`layers` (it is the top floor), and :mod:`geo`.
"""
