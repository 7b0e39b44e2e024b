"""Map layers of the atlas: records -> GeoDataFrames -> filters -> folium map and exports.

Where things live (each subpackage's docstring says what it owns and may import):

- :mod:`layers.records`: the curated tables, ``python -m layers validate``, the facility list;
- :mod:`layers.build`: one GeoDataFrame per layer, and their parquet cache;
- :mod:`layers.layerset`, :mod:`layers.filters`, :mod:`layers.public`: the layer set, the
  filters, and the one place the public view is made;
- :mod:`layers.atlas`: the layers as the app and the export load them;
- :mod:`layers.render`: the offline folium map, popups and compact payloads;
- :mod:`layers.io`: import, upload and export;
- :mod:`layers.settings`, :mod:`layers.view`, :mod:`layers.errors`: the app's settings, its
  pure functions, and the one error base :class:`~layers.errors.LayersError`.

The public API, re-exported here and imported on first use, so that ``python -m layers
validate`` does not load geopandas:

- :func:`build_layers` -> :class:`Layers`
- :class:`Filters`, :func:`filter_layers`, :func:`make_filters`, :func:`parse_years`,
  :func:`parse_layers`, :func:`resolve_districts`
- :func:`to_geojson_bytes`, :func:`write`
- :data:`LAYER_NAMES`, :data:`LAYER_KINDS`
- :func:`load_records`, :class:`Records`; :func:`load_facilities`, :class:`FacilityLoad`
- :class:`LayersError`
"""

from __future__ import annotations

from typing import Any

from layers.errors import LayersError

__all__ = [
    "LAYER_KINDS",
    "LAYER_NAMES",
    "FacilityLoad",
    "Filters",
    "Layers",
    "LayersError",
    "Records",
    "build_layers",
    "filter_layers",
    "load_facilities",
    "load_records",
    "make_filters",
    "parse_layers",
    "parse_years",
    "resolve_districts",
    "to_geojson_bytes",
    "write",
]


def __getattr__(name: str) -> Any:
    """Import a re-exported name from its module on first use (PEP 562)."""
    if name in {"LAYER_KINDS", "LAYER_NAMES", "Layers"}:
        from layers import layerset

        return getattr(layerset, name)
    if name == "build_layers":
        from layers.build import assemble

        return assemble.build_layers
    if name in {"Filters", "filter_layers", "make_filters", "parse_layers", "parse_years",
                "resolve_districts"}:
        from layers import filters

        return getattr(filters, name)
    if name in {"to_geojson_bytes", "write"}:
        from layers.io import export

        return getattr(export, name)
    if name in {"FacilityLoad", "load_facilities"}:
        from layers.records import facilities

        return getattr(facilities, name)
    if name in {"Records", "load_records"}:
        from layers.records import load

        return getattr(load, name)
    msg = f"module 'layers' has no attribute {name!r}"
    raise AttributeError(msg)
