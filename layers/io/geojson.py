"""RFC 7946 features from layer rows: property order, JSON-safe values, rounded geometry.

And the public redaction (:func:`redact`) applied to a feature before it is written.
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

from layers.build.featurerows import sensitivity_level
from layers.layerset import COMMON_COLUMNS, LAYER_PROPERTIES

__all__ = ["DECIMALS", "feature", "geometry_json", "json_value", "property_names", "redact"]

#: Coordinates are rounded to this many decimals (about 0.1 m).
DECIMALS = 6

#: Free-text and naming properties a public export drops for restricted features.
_RESTRICTED_DROP = ("name", "aliases", "origin", "description", "reporter")


def property_names(layer: str) -> tuple[str, ...]:
    """Return the exported properties of ``layer`` in output order."""
    return COMMON_COLUMNS + LAYER_PROPERTIES[layer]


def json_value(value: Any) -> Any:
    """Return ``value`` as plain JSON data: NA/NaN -> None, numpy scalars -> Python.

    Dicts lose their internal keys (those starting with ``_``); order is kept.
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


def _kept(entries: Any) -> list[dict[str, Any]]:
    """Return list entries (sources, population reports) a public export keeps, redacted.

    An entry without a ``_sensitivity`` key (built in code: a facility's source) is public;
    a blank or unknown ``_sensitivity`` value is private (:func:`sensitivity_level`).
    """
    kept: list[dict[str, Any]] = []
    for entry in entries or []:
        level = sensitivity_level(entry["_sensitivity"]) if "_sensitivity" in entry else "public"
        if level == "private":
            continue
        entry = dict(entry)
        if level == "restricted":
            entry["quote"] = None
            if "reporter" in entry:
                entry["reporter"] = None
        kept.append(entry)
    return kept


def _span(entries: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """Return the years the entries' ``_years`` cover (None where nothing is dated)."""
    firsts = [e["_years"][0] for e in entries if e.get("_years") and e["_years"][0] is not None]
    lasts = [e["_years"][1] for e in entries if e.get("_years") and e["_years"][1] is not None]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def redact(layer: str, row: Mapping[str, Any]) -> tuple[dict[str, Any], Any] | None:
    """Apply the public-export rules to one row; return ``(properties, geometry)`` or None.

    - A ``private`` feature is left out (None); so are private entries of ``sources``,
      ``population_reports`` and ``detained_at``, and the years only they date.
    - A ``restricted`` feature loses its names, aliases and free text, every quote, and (for
      a witness, a link or an event) its exact place: the point is snapped to the district's
      label point, deterministically.
    - Entries of restricted rows inside public features lose their quote and reporter name.

    Every level is read with :func:`layers.build.featurerows.sensitivity_level`: a blank, missing
    or unknown ``sensitivity`` (``"Private"``) is private, so it is left out; the kept
    feature's ``sensitivity`` is the level it was read as.
    """
    level = sensitivity_level(row.get("sensitivity"))
    if level == "private":
        return None
    values = dict(row)
    values["sensitivity"] = level
    geometry = values["geometry"]
    sources = values.get("sources") or []
    kept = _kept(sources)
    if len(kept) != len(sources) and layer in {"sites", "witnesses", "links"}:
        first, last = _span(kept)
        values["year_start"], values["year_end"] = first, last
    values["sources"] = kept
    if layer == "sites":
        reports = _kept(values.get("population_reports"))
        values["population_reports"] = reports
        counts = [r["count"] for r in reports if r.get("count") is not None]
        values["max_population"] = max(counts) if counts else None
    if layer == "witnesses":
        pairs = zip(
            values.get("detained_at") or [],
            values.get("_detained_at_sensitivity") or [],
            strict=True,
        )
        kept_pairs = [(site, held) for site, held in pairs if sensitivity_level(held) != "private"]
        # Trim both lists together, so redacting an already public row changes nothing.
        values["detained_at"] = [site for site, _ in kept_pairs]
        values["_detained_at_sensitivity"] = [held for _, held in kept_pairs]
    if level == "restricted":
        for key in _RESTRICTED_DROP:
            if key in values:
                values[key] = [] if key == "aliases" else None
        values["sources"] = [{**entry, "quote": None} for entry in values["sources"]]
        if layer in {"witnesses", "links", "events"}:
            geometry = values.get("_snapped")
        if layer in {"witnesses", "events"}:
            values["precision"] = values.get("_snapped_precision")
    return values, geometry


def feature(layer: str, values: Mapping[str, Any], geometry: BaseGeometry | None) -> dict[str, Any]:
    """Return one GeoJSON Feature with the properties of :func:`property_names` in order."""
    properties = {name: json_value(values.get(name)) for name in property_names(layer)}
    return {"type": "Feature", "properties": properties, "geometry": geometry_json(geometry)}
