"""Map layers of the atlas: records -> GeoDataFrames -> filters -> folium map and exports.

The public API, re-exported here and imported on first use (so ``python -m layers validate``
does not load geopandas, and this package stays importable while a module is being written):

- :func:`build_layers` -> :class:`Layers` (``layers.build.assemble``)
- :class:`Filters`, :func:`filter_layers`, :func:`make_filters`, :func:`parse_years`,
  :func:`parse_layers`, :func:`resolve_districts` (``layers.filters``)
- :func:`to_geojson_bytes`, :func:`write` (``layers.io.export``)
- :data:`LAYER_NAMES`, :data:`LAYER_KINDS` (``layers.layerset``)
- :func:`load_records`, :class:`Records` (``layers.records.load``); :func:`load_facilities`,
  :class:`FacilityLoad` (``layers.records.facilities``)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layers.build.assemble import build_layers
    from layers.filters import (
        Filters,
        filter_layers,
        make_filters,
        parse_layers,
        parse_years,
        resolve_districts,
    )
    from layers.io.export import to_geojson_bytes, write
    from layers.layerset import LAYER_KINDS, LAYER_NAMES, Layers
    from layers.records.facilities import FacilityLoad, load_facilities
    from layers.records.load import Records, load_records

_EXPORTS: dict[str, str] = {
    "LAYER_KINDS": "layers.layerset",
    "LAYER_NAMES": "layers.layerset",
    "Layers": "layers.layerset",
    "build_layers": "layers.build.assemble",
    "Filters": "layers.filters",
    "filter_layers": "layers.filters",
    "make_filters": "layers.filters",
    "parse_layers": "layers.filters",
    "parse_years": "layers.filters",
    "resolve_districts": "layers.filters",
    "to_geojson_bytes": "layers.io.export",
    "write": "layers.io.export",
    "FacilityLoad": "layers.records.facilities",
    "load_facilities": "layers.records.facilities",
    "Records": "layers.records.load",
    "load_records": "layers.records.load",
}

__all__ = [
    "LAYER_KINDS",
    "LAYER_NAMES",
    "FacilityLoad",
    "Filters",
    "Layers",
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
    """Import a re-exported name from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'layers' has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(module), name)
