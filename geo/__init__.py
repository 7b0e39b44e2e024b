"""Offline multilingual geocoder and district boundaries for Xinjiang and Kazakhstan.

The public API, re-exported here:

- geocoding (:mod:`geo.geocode`): :func:`geocode`, :func:`geocode_many`, :func:`find_district`,
  :class:`Place`, :class:`Candidate`, :class:`Within` (what a ``within`` hint did);
- districts (:mod:`geo.districts`): :class:`District`, :func:`district_at` (today's unit, or
  with ``year`` that year's), :func:`unit_in_year`, :func:`in_district`, :func:`prefecture_of`,
  :func:`load_districts`, :func:`get_district`, :func:`all_districts`;
- administrative history since 2010 (:mod:`geo.history`): :func:`load_history`,
  :class:`HistoryLink` (a result's ``successor`` and ``predecessor``);
- coordinates (:mod:`geo.coords`): :func:`validate_lonlat`, :func:`validate_lonlat_arrays`,
  :func:`to_folium`;
- errors (:mod:`geo._errors`): :class:`GeoError`, :class:`PlaceNotFound`,
  :class:`DistrictNotFound`, :class:`CoordinateError`, and :class:`DataFileError`
  (:mod:`geo.gazetteer`).

The district names are imported on first use, so ``import geo`` stays cheap (geopandas loads
only when a district function is first called), and the geocoder's index is loaded on the first
lookup from a file built once per install (:mod:`geo._cache`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from geo._errors import CoordinateError, DistrictNotFound, GeoError, PlaceNotFound
from geo.coords import to_folium, validate_lonlat, validate_lonlat_arrays
from geo.gazetteer import DataFileError

# Imported eagerly: importing the submodule geo.geocode binds the name ``geocode`` on this
# package to the module; this import binds it back to the function.
from geo.geocode import Candidate, Place, Within, find_district, geocode, geocode_many
from geo.history import HistoryLink, load_history

if TYPE_CHECKING:
    from geo._district import District
    from geo.districts import (
        all_districts,
        district_at,
        get_district,
        in_district,
        load_districts,
        prefecture_of,
        unit_in_year,
    )

__all__ = [
    "Candidate",
    "CoordinateError",
    "DataFileError",
    "District",
    "DistrictNotFound",
    "GeoError",
    "HistoryLink",
    "Place",
    "PlaceNotFound",
    "Within",
    "all_districts",
    "district_at",
    "find_district",
    "geocode",
    "geocode_many",
    "get_district",
    "in_district",
    "load_districts",
    "load_history",
    "prefecture_of",
    "to_folium",
    "unit_in_year",
    "validate_lonlat",
    "validate_lonlat_arrays",
]

_LAZY = {
    "District": "geo._district",
    "all_districts": "geo.districts",
    "district_at": "geo.districts",
    "get_district": "geo.districts",
    "in_district": "geo.districts",
    "load_districts": "geo.districts",
    "prefecture_of": "geo.districts",
    "unit_in_year": "geo.districts",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'geo' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names, loaded or not."""
    return sorted(set(globals()) | set(__all__))
