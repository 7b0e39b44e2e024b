"""RFC 7946 features from layer rows: property order, JSON-safe values, rounded geometry.

It writes what it is given: the public view is made before, once, by
:func:`layers.public.public_layers`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from layers.layerset import COMMON_COLUMNS, LAYER_PROPERTIES

__all__ = ["DECIMALS", "feature", "geometry_json", "json_value", "property_names"]

#: Coordinates are rounded to this many decimals (about 0.1 m).
DECIMALS = 6


def property_names(layer: str) -> tuple[str, ...]:
    """Return the exported properties of ``layer`` in output order."""
    return COMMON_COLUMNS + LAYER_PROPERTIES[layer]


def json_value(value: Any) -> Any:
    """Return ``value`` as plain JSON data: NA/NaN -> None, numpy scalars -> Python.

    Dicts lose their internal keys (those starting with ``_``); order is kept. The exact
    built-in types come first (this runs once per exported property value); other
    mappings, sequences and numpy scalars go to :func:`_json_other`.
    """
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    if kind is dict:
        return {k: json_value(v) for k, v in value.items() if not k.startswith("_")}
    if kind is list:
        return [json_value(v) for v in value]
    return _json_other(value)


def _json_other(value: Any) -> Any:
    """Return a value that is not an exact ``str``/``int``/``float``/``dict``/``list`` as JSON.

    Mappings keep their public keys as strings, sequences and arrays become lists, numpy
    booleans and numbers become Python ones (non-finite floats None), a ``str`` subclass is
    kept, and anything else becomes its ``str``.
    """
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_value(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    return str(value) if not isinstance(value, str) else value


def _round(coords: Any) -> Any:
    """Round nested coordinate sequences to :data:`DECIMALS` (and turn -0.0 into 0.0)."""
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), DECIMALS) + 0.0 for c in coords]
    return [_round(c) for c in coords]


def geometry_json(geometry: BaseGeometry | None) -> dict[str, Any] | None:
    """Return an RFC 7946 geometry: rounded, polygon exterior rings counter-clockwise.

    None or an empty geometry gives None (a feature with ``"geometry": null``).
    """
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in {"Polygon", "MultiPolygon", "GeometryCollection"}:
        geometry = shapely.orient_polygons(geometry, exterior_cw=False)
    shape = mapping(geometry)
    if shape["type"] == "GeometryCollection":
        members = [geometry_json(part) for part in shapely.get_parts(geometry)]
        return {"type": "GeometryCollection", "geometries": members}
    return {"type": shape["type"], "coordinates": _round(shape["coordinates"])}


def feature(layer: str, values: Mapping[str, Any], geometry: BaseGeometry | None) -> dict[str, Any]:
    """Return one GeoJSON Feature with the properties of :func:`property_names` in order."""
    properties = {name: json_value(values.get(name)) for name in property_names(layer)}
    return {"type": "Feature", "properties": properties, "geometry": geometry_json(geometry)}
