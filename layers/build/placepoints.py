"""Resolve the ``places`` table once: point, precision, district and prefecture of every place.

Each place is geocoded once (``geocode_query`` or its written name, with its country as a
hint); a place with ``lon``/``lat`` overrides keeps them. District columns are computed once,
vectorised, with :func:`geo.district_at` and :func:`geo.prefecture_of`, except for places that
*are* a county, prefecture or region, which take the geocoded district and its label point.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import geo
from layers.errors import LayersError

__all__ = ["AREA_PRECISIONS", "UnresolvedPlacesError", "district_names", "resolve_places"]

logger = logging.getLogger(__name__)

#: Precisions whose point is a district's label point rather than a located place.
AREA_PRECISIONS = frozenset({"county", "prefecture", "region"})

#: Precisions whose point may be looked up in the district polygons.
_POINT_PRECISIONS = frozenset({"exact", "settlement"})



@dataclass(frozen=True)
class _Unresolved:
    place_id: str
    name: str
    query: str
    reason: str


class UnresolvedPlacesError(LayersError, LookupError):
    """Some places could not be geocoded; the message names every one of them.

    Parameters
    ----------
    message : str
        The full message.
    places : list of tuple
        ``(place_id, name, query, reason)`` of each place that failed.
    """

    def __init__(self, message: str, *, places: list[tuple[str, str, str, str]]) -> None:
        super().__init__(message)
        self.places = places


def _text(value: object) -> str | None:
    """Return a stripped string, or None for <NA>/NaN/empty."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    text = str(value).strip()
    return text or None


def _number(value: object) -> float | None:
    """Return a float, or None for <NA>/NaN."""
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number


def _matching_district(precision: str, district: geo.District | None) -> geo.District | None:
    """Return the geocoded district if it fits the precision, else None.

    A located place (``exact``, ``settlement``) lies in its district; a county, prefecture or
    region *is* its district, so the levels must agree. Xinjiang as a whole (precision
    ``region`` in China) is no district, whatever unit its centre point falls in.
    """
    if district is None or precision == "country":
        return None
    if precision in _POINT_PRECISIONS or precision == district.level:
        return district
    logger.debug("ignoring district %s (%s) of a %s-precision place", district.id,
                 district.level, precision)
    return None


def district_names(ids: pd.Series) -> pd.Series:
    """Map district ids to their names (None stays None); each distinct id is looked up once."""
    lookup: dict[str, str] = {}
    for district_id in ids.dropna().unique():
        lookup[str(district_id)] = geo.get_district(str(district_id)).name
    return ids.map(lambda i: lookup.get(i) if isinstance(i, str) else None).astype(object)


def resolve_places(places: pd.DataFrame) -> pd.DataFrame:
    """Geocode every place once and compute its district columns.

    Parameters
    ----------
    places : pandas.DataFrame
        The ``places`` table of :class:`layers.records.load.Records`.

    Returns
    -------
    pandas.DataFrame
        Indexed by place id, columns ``name, lon, lat, precision, country, district_id,
        prefecture_id, district, prefecture, ref``.

    Raises
    ------
    UnresolvedPlacesError
        If any place has no override and the geocoder finds nothing for it; the message
        names each place id, written name and the geocoder's reason.
    """
    rows: list[dict[str, object]] = []
    failed: list[_Unresolved] = []
    cache: dict[tuple[str, str | None], geo.Place | Exception] = {}
    for record in places.itertuples(index=False):
        resolved = _resolve(record, cache)
        if isinstance(resolved, _Unresolved):
            failed.append(resolved)
        else:
            rows.append(resolved)
    if failed:
        _raise_unresolved(failed)
    columns = ["place_id", "name", "lon", "lat", "precision", "country", "district_id", "ref"]
    frame = pd.DataFrame(rows, columns=[*columns, "point_lookup"])
    _district_columns(frame)
    frame["district"] = district_names(frame["district_id"])
    frame["prefecture"] = district_names(frame["prefecture_id"])
    logger.debug("resolved %d places", len(frame))
    return frame.drop(columns="point_lookup").set_index("place_id")


def _resolve(
    record: Any, cache: dict[tuple[str, str | None], geo.Place | Exception]
) -> dict[str, object] | _Unresolved:
    """Return one place's row (an override's point, else the geocoder's), or why not."""
    place_id = str(record.id)
    name = _text(record.name) or ""
    country = _text(record.country)
    lon, lat = _number(record.lon), _number(record.lat)
    row: dict[str, object] = {"place_id": place_id, "name": name, "country": country}
    if (lon is None) != (lat is None):
        given = "lon" if lat is None else "lat"
        reason = f"override gives {given} without {'lat' if given == 'lon' else 'lon'}"
        return _Unresolved(place_id, name, "", reason)
    if lon is not None and lat is not None:
        try:
            lon, lat = geo.validate_lonlat(lon, lat)
        except geo.CoordinateError as exc:
            return _Unresolved(place_id, name, "", f"override: {exc}")
        precision = _text(record.precision) or "exact"
        row.update(
            lon=lon, lat=lat, precision=precision, district_id=None,
            ref=f"override:{place_id}", point_lookup=precision != "country",
        )
        return row
    query = _text(record.geocode_query) or name
    hint = country if country and country != "OTHER" else None  # as validate does
    key = (query, hint)
    if key not in cache:
        try:
            cache[key] = geo.geocode(query, country=hint)
        except geo.PlaceNotFound as exc:
            cache[key] = exc
    found = cache[key]
    if isinstance(found, Exception):
        return _Unresolved(place_id, name, query, str(found))
    row.update(_geocoded(found))
    row["country"] = found.country or country
    return row


def _geocoded(found: geo.Place) -> dict[str, object]:
    """Return the point columns of a geocoder's answer (an area at its unit's label point)."""
    district = _matching_district(found.precision, found.district)
    if found.precision in AREA_PRECISIONS and district is not None:
        return {
            "lon": district.label_lon, "lat": district.label_lat, "precision": found.precision,
            "district_id": district.id, "ref": found.ref, "point_lookup": False,
        }
    return {
        "lon": found.lon, "lat": found.lat, "precision": found.precision,
        "district_id": None if district is None else district.id,
        "ref": found.ref,
        "point_lookup": district is None and found.precision in _POINT_PRECISIONS,
    }


def _raise_unresolved(failed: list[_Unresolved]) -> None:
    listing = "; ".join(f"{f.place_id} {f.name!r} (query {f.query!r}): {f.reason}" for f in failed)
    msg = f"{len(failed)} place(s) could not be geocoded: {listing}"
    places = [(f.place_id, f.name, f.query, f.reason) for f in failed]
    raise UnresolvedPlacesError(msg, places=places)


def _district_columns(frame: pd.DataFrame) -> None:
    """Fill ``district_id`` by point where needed, then ``prefecture_id`` (in place)."""
    lookup = frame["point_lookup"].astype(bool).to_numpy()
    if lookup.any():
        found_ids = geo.district_at(
            frame.loc[lookup, "lon"].to_numpy(dtype=float),
            frame.loc[lookup, "lat"].to_numpy(dtype=float),
        )
        frame.loc[lookup, "district_id"] = pd.Series(list(found_ids), index=frame.index[lookup])
    frame["district_id"] = frame["district_id"].astype(object).where(
        frame["district_id"].notna(), None
    )
    # An override coarser than a county belongs to the unit of its precision, not to the
    # county its point happens to fall in: a prefecture to the prefecture, a region only to a
    # Kazakhstan region (Xinjiang as a whole is no district).
    ids = frame["district_id"].to_numpy(dtype=object)
    prefectures = geo.prefecture_of(ids) if len(ids) else np.array([], dtype=object)
    precisions = frame["precision"].to_numpy(dtype=object)
    is_prefecture = (precisions == "prefecture") & lookup
    frame.loc[is_prefecture, "district_id"] = prefectures[is_prefecture]
    not_kz = np.array([not str(i).startswith("KZ") for i in ids], dtype=bool)
    no_unit = (precisions == "region") & lookup & not_kz
    frame.loc[no_unit, "district_id"] = None
    prefectures[no_unit] = None
    frame["prefecture_id"] = list(prefectures)
