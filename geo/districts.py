"""District polygons (Xinjiang prefectures and counties, Kazakhstan regions) and lookups.

The polygons come from ``geo/data/districts.geojson.gz`` (built by
``python -m geo.build.districts``; see ``geo/data/districts.README.md``), in WGS84.
Ids are stable: ``CN-<6-digit code>`` for Chinese units, ``KZ-<ISO 3166-2 number>`` for
Kazakhstan's regions. The names of each district (every script) are its own English,
Chinese and pinyin/romanised names plus the rows of ``geo/data/aliases.csv`` whose
``target_type`` is ``district`` and whose ``target`` is its id.

The 10 cities of the Xinjiang Production and Construction Corps (codes ``6590xx``) are
county-level units directly under the region (``parent`` is ``CN-650000``); having no
prefecture, each is its own prefecture-level unit for :func:`prefecture_of`, as AMap
counts them. So Xinjiang has 14 prefectures + 10 such cities = 24 prefecture-level units,
and 106 county-level units that tile it.

The polygons show today's units. The map of an earlier year (from 2010) is derived from the
history table (:mod:`geo.history`, ``geo/data/history.csv``): a renamed unit had its
successor's area; a unit cut out of another is given back to it, and one cut out of several is
given back part by part (each polygon part to the listed unit it shares the longest boundary
with). :func:`district_at` with ``year`` names the unit of that year, :func:`unit_in_year`
describes it, and :func:`in_district` tells whether points agree with a named unit of either
generation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo._district import District, Level
from geo._districtfile import (
    ALIASES_FILE,
    DATA_DIR,
    DISTRICTS_FILE,
    DistrictDataError,
    finest_ids_at,
    finest_units,
    read,
    table,
)
from geo._errors import DistrictNotFound
from geo.coords import validate_lonlat_arrays
from geo.history import FIRST_YEAR, History, load_history

__all__ = [
    "ALIASES_FILE",
    "DATA_DIR",
    "DISTRICTS_FILE",
    "District",
    "DistrictDataError",
    "all_districts",
    "district_at",
    "get_district",
    "in_district",
    "load_districts",
    "prefecture_of",
    "unit_in_year",
]

logger = logging.getLogger(__name__)


COLUMNS = ["id", "name", "level", "parent", "country", "names", "label_lon", "label_lat"]


@lru_cache(maxsize=4)
def _load(districts_path: Path, aliases_path: Path) -> gpd.GeoDataFrame:
    """Return the checked district file as a GeoDataFrame (cached, read-only), sorted by id."""
    districts = read(districts_path, aliases_path)
    frame = pd.DataFrame([{c: rec.get(c) for c in COLUMNS} for rec in districts.records])
    frame = frame.astype({"label_lon": "float64", "label_lat": "float64"})
    out = gpd.GeoDataFrame(
        frame[COLUMNS], geometry=gpd.GeoSeries(districts.geometries, crs="EPSG:4326")
    )
    logger.debug("loaded %d districts from %s", len(out), districts_path)
    return out


def load_districts() -> gpd.GeoDataFrame:
    """Return every district as a GeoDataFrame (EPSG:4326), sorted by id.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id, name, level, parent, country, names`` (a tuple of str),
        ``label_lon, label_lat, geometry``; both Chinese levels and Kazakhstan's regions.
        A copy: changing it does not change what the other functions see.

    Raises
    ------
    DistrictDataError
        If the shipped file or the alias table is malformed (naming file, row, field).
    """
    return _load(DISTRICTS_FILE, ALIASES_FILE).copy()


def _by_id(districts_path: Path, aliases_path: Path) -> dict[str, District]:
    return table(districts_path, aliases_path)


def all_districts() -> list[District]:
    """Return every district, sorted by id."""
    return list(_by_id(DISTRICTS_FILE, ALIASES_FILE).values())


def get_district(district_id: str) -> District:
    """Return the district with this id.

    Raises
    ------
    DistrictNotFound
        If no district has the id (the message names it and the closest ids).
    """
    by_id = _by_id(DISTRICTS_FILE, ALIASES_FILE)
    try:
        return by_id[district_id]
    except (KeyError, TypeError):
        pass
    prefix = str(district_id)[:5]
    close = [i for i in by_id if i.startswith(prefix)][:5]
    msg = f"No district has the id {district_id!r}" + (f" (closest: {close!r})" if close else "")
    raise DistrictNotFound(msg, query=str(district_id), candidates=[(c, 0.0) for c in close])


def _finest(
    districts_path: Path, aliases_path: Path
) -> tuple[shapely.STRtree, npt.NDArray[np.object_]]:
    """Return an STRtree of the finest units (CN counties, KZ regions) and their ids."""
    return finest_units(districts_path, aliases_path)


def district_at(
    lons: npt.ArrayLike, lats: npt.ArrayLike, *, year: int | None = None
) -> npt.NDArray[np.object_]:
    """Return the id of the finest district containing each point, or None outside all.

    The finest districts are China's county-level units and Kazakhstan's regions. A point
    on an edge (or where the two countries' sources overlap) belongs to every district it
    touches; the smallest id wins, so the answer is deterministic.

    Parameters
    ----------
    lons, lats : array_like
        WGS84 longitudes and latitudes (scalars or arrays of the same shape).
    year : int, optional
        Name the unit of that year's map instead of today's (2010 on; a change counts from
        the year it took effect): a point of today's Khorgas City is in Huocheng County
        (``CN-654023``) in 2013, one of Kuqa City in Kuqa County (``CN-652923``) in 2018.
        :func:`unit_in_year` describes such an id.

    Returns
    -------
    numpy.ndarray of object
        Same shape as the input; each item a district id (str) or None.

    Raises
    ------
    CoordinateError
        If the shapes differ or a coordinate is not finite or out of range (the message
        names the first bad row).
    ValueError
        If ``year`` is before 2010, where the history table begins.
    """
    if year is not None:
        _check_year(year)
    x, y = validate_lonlat_arrays(lons, lats)
    shape = x.shape
    x, y = x.ravel(), y.ravel()
    out = finest_ids_at(x, y, DISTRICTS_FILE, ALIASES_FILE)
    if year is not None:
        out = _back_to(out, x, y, year, load_history())
    return out.reshape(shape)


def _check_year(year: object) -> int:
    """Return ``year`` if it is an int from 2010 on, else raise ``ValueError`` naming it."""
    if isinstance(year, bool) or not isinstance(year, int | np.integer) or year < FIRST_YEAR:
        msg = (
            f"year {year!r} is not a year from {FIRST_YEAR} on, where the administrative "
            "history table begins"
        )
        raise ValueError(msg)
    return int(year)


def _back_to(
    ids: npt.NDArray[np.object_], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64],
    year: int, history: History,
) -> npt.NDArray[np.object_]:
    """Map today's ids of points to the ids of ``year``'s map, undoing later changes."""
    out = ids.copy()
    for _ in range(len(history.changes) + 1):
        pending = {
            str(u) for u in out if u is not None and not history.exists_in(str(u), year)
        }
        if not pending:
            break
        for unit_id in sorted(pending):
            sources = history.sources_of(unit_id)
            mask = out == unit_id
            if not sources:  # a former id whose generation ended: cannot go back further
                continue
            if len(sources) == 1:
                out[mask] = sources[0].from_id
                continue
            where = np.flatnonzero(mask)
            owners = _part_owners(unit_id, tuple(sorted(c.from_id for c in sources)))
            out[where] = [owners(float(x[i]), float(y[i])) for i in where]
    return out


@lru_cache(maxsize=64)
def _part_owners(unit_id: str, sources: tuple[str, ...]) -> Any:
    """Return ``f(lon, lat)``: which of ``sources`` the part of ``unit_id`` at a point came from.

    Each polygon part of today's ``unit_id`` goes to the source (today's polygon of its
    successor) it shares the longest boundary with, or the nearest if it touches none.
    """
    frame = _load(DISTRICTS_FILE, ALIASES_FILE).set_index("id")
    history = load_history()
    geometry = frame.loc[unit_id, "geometry"]
    parts = list(getattr(geometry, "geoms", [geometry]))
    source_geoms = [frame.loc[history.today(s), "geometry"] for s in sources]
    owner_of_part: list[str] = []
    for part in parts:
        shared = [part.boundary.intersection(g.boundary).length for g in source_geoms]
        if max(shared) > 0:
            owner_of_part.append(sources[int(np.argmax(shared))])
        else:
            owner_of_part.append(sources[int(np.argmin([part.distance(g) for g in source_geoms]))])

    def owner(lon: float, lat: float) -> str:
        point = shapely.Point(lon, lat)
        distances = [part.distance(point) for part in parts]
        return owner_of_part[int(np.argmin(distances))]

    return owner


def unit_in_year(district_id: str, year: int, *, today: str | None = None) -> District:
    """Describe a unit as it was in ``year``: its name, level and parent then.

    Parameters
    ----------
    district_id : str
        An id of that year's map, as :func:`district_at` with ``year`` gives it: today's id, or a
        former unit's (``CN-652923`` Kuqa County).
    year : int
        From 2010 on.
    today : str, optional
        Today's unit at the place asked about, recorded in the result's ``today`` when it
        differs from ``district_id``.

    Returns
    -------
    District
        With ``year`` set. A former unit has its name and names of then, its successor's label
        point, and its parent of then (Gaochang's predecessor, county-level Turpan City
        ``CN-652101``, lies in Turpan Prefecture ``CN-652100``).

    Raises
    ------
    DistrictNotFound
        If the id is neither today's nor a former unit's.
    ValueError
        If ``year`` is before 2010.
    """
    year = _check_year(year)
    history = load_history()
    by_id = _by_id(DISTRICTS_FILE, ALIASES_FILE)
    successor = by_id.get(history.today(district_id))
    if successor is None:
        msg = f"No district, today's or former, has the id {district_id!r}"
        raise DistrictNotFound(msg, query=str(district_id))
    former = next((u for u in history.former_units() if u.id == district_id
                   and history.today(u.id) != district_id), None)
    level = successor.level if former is None else former.level
    names = history.names_in(district_id, year)
    name = history.name_in(district_id, year, successor.name if former is None else former.name)
    parent = successor.parent
    if level in ("county", "prefecture") and parent and parent in by_id:
        then = sorted(history.ids_in_year(parent, year))
        parent = then[0] if then else parent
    return District(
        id=district_id,
        name=name,
        level=cast(Level, level),
        parent=parent,
        country=successor.country,
        names=successor.names if names is None else names,
        label_lon=successor.label_lon,
        label_lat=successor.label_lat,
        year=year,
        today=None if today == district_id else today,
    )


def in_district(
    district_id: str,
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    *,
    year: int | None = None,
) -> npt.NDArray[np.bool_]:
    """Tell whether points lie in a named unit, today or as the map stood in ``year``.

    A list of 2017 may name Kuqa County for a camp that today's map puts in Kuqa City, or
    Huocheng County for one in Khorgas City (cut out of it in 2014). Without ``year`` a point
    agrees with the unit's area today (a former unit's: its successor's); with ``year`` it
    also agrees where its unit of that year and the named unit's unit of that year are the
    same (for a unit cut out of several, any of them).

    Parameters
    ----------
    district_id : str
        Today's id or a former unit's (``CN-652923``), of a county-level unit, a prefecture
        or a Kazakhstan region.
    lons, lats : array_like
        WGS84 points.
    year : int, optional
        The year the record is about (2010 on).

    Returns
    -------
    numpy.ndarray of bool
        Same shape as the input.

    Raises
    ------
    DistrictNotFound
        If ``district_id`` is neither today's nor a former unit's id.
    CoordinateError
        If a coordinate is bad.
    """
    history = load_history()
    by_id = _by_id(DISTRICTS_FILE, ALIASES_FILE)
    today_id = history.today(district_id)
    if today_id not in by_id:
        msg = f"No district, today's or former, has the id {district_id!r}"
        raise DistrictNotFound(msg, query=str(district_id))
    prefecture = by_id[today_id].level == "prefecture"
    now = district_at(lons, lats)
    shape = now.shape
    now = now.ravel()
    units_now = prefecture_of(now) if prefecture else now
    out = np.array([u == today_id for u in units_now], dtype=bool)
    if year is not None:
        year = _check_year(year)
        named = history.ids_in_year(district_id, year)
        cache: dict[object, bool] = {}
        for i, unit in enumerate(now):
            if out[i] or unit is None:
                continue
            if unit not in cache:
                then = history.ids_in_year(str(unit), year)
                if prefecture:
                    then = frozenset(_parent_in_year(u, year, history, by_id) for u in then)
                cache[unit] = bool(then & named)
            out[i] = cache[unit]
    return out.reshape(shape)


def _parent_in_year(
    unit_id: str, year: int, history: History, by_id: dict[str, District]
) -> str:
    """Return the prefecture-level unit of ``year`` holding a county-level unit of ``year``."""
    today = by_id[history.today(unit_id)]
    if today.level != "county" or today.parent not in by_id:
        return today.id  # an XPCC city is its own prefecture-level unit
    return sorted(history.ids_in_year(str(today.parent), year))[0]


@lru_cache(maxsize=4)
def _prefecture_map(districts_path: Path, aliases_path: Path) -> dict[str, str]:
    by_id = _by_id(districts_path, aliases_path)
    out = {}
    for did, d in by_id.items():
        parent = by_id.get(d.parent) if d.parent else None
        out[did] = parent.id if d.level == "county" and parent is not None else did
    return out


def prefecture_of(ids: Iterable[str | None] | npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Map district ids to their prefecture-level unit's id.

    A CN county gives its prefecture (an XPCC city, having none, gives itself); a
    prefecture or a Kazakhstan region gives itself; None (or NaN) gives None.

    Parameters
    ----------
    ids : iterable of str or None
        District ids, e.g. the output of :func:`district_at`.

    Returns
    -------
    numpy.ndarray of object
        Same length (and shape) as ``ids``.

    Raises
    ------
    DistrictNotFound
        If an id is not a district id.
    """
    if isinstance(ids, np.ndarray):
        arr = ids.astype(object)
    else:
        arr = np.array(list(cast(Iterable[Any], ids)), dtype=object)
    mapping = _prefecture_map(DISTRICTS_FILE, ALIASES_FILE)
    flat = arr.ravel()
    out = np.full(flat.shape, None, dtype=object)
    for i, value in enumerate(flat):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            continue
        try:
            out[i] = mapping[value]
        except (KeyError, TypeError):
            msg = f"No district has the id {value!r} (item {i})"
            raise DistrictNotFound(msg, query=str(value)) from None
    return out.reshape(arr.shape)
