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
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo._errors import DistrictNotFound, GeoError
from geo.coords import validate_lonlat_arrays

__all__ = [
    "District",
    "DistrictDataError",
    "all_districts",
    "district_at",
    "get_district",
    "load_districts",
    "prefecture_of",
]

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
DISTRICTS_FILE = DATA_DIR / "districts.geojson.gz"
ALIASES_FILE = DATA_DIR / "aliases.csv"

Level = Literal["prefecture", "county", "region"]
LEVELS: tuple[Level, ...] = ("prefecture", "county", "region")
COLUMNS = ["id", "name", "level", "parent", "country", "names", "label_lon", "label_lat"]
_FILE_COLUMNS = ("id", "level", "parent", "country", "name", "name_zh", "name_alt")
_ALIAS_COLUMNS = ("alias", "target_type", "target")


class DistrictDataError(GeoError, ValueError):
    """A district or alias file is malformed; the message names file, row, field and value.

    Parameters
    ----------
    message : str
        The full message.
    path : pathlib.Path
        The offending file.
    row : int or None
        1-based data row (header excluded), when the problem is in one row.
    """

    def __init__(self, message: str, *, path: Path, row: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.row = row


@dataclass(frozen=True)
class District:
    """A county-level unit or prefecture of Xinjiang, or a region of Kazakhstan.

    Attributes
    ----------
    id : str
        Stable id, ``CN-654323`` or ``KZ-63``.
    name : str
        English (or pinyin) name, e.g. ``"Fuhai County"``.
    level : {"prefecture", "county", "region"}
        ``region`` is a Kazakhstan region (oblys or city of republican significance).
    parent : str or None
        County -> its prefecture's id (``CN-650000`` for the XPCC cities); prefecture ->
        ``CN-650000``; region -> ``KZ``.
    country : str
        ISO 3166-1 alpha-2 code, ``CN`` or ``KZ``.
    names : tuple of str
        Every known name in every script, own names first, then the alias table's.
    label_lon, label_lat : float
        A point inside the district, for labels.
    """

    id: str
    name: str
    level: Level
    parent: str | None
    country: str
    names: tuple[str, ...]
    label_lon: float
    label_lat: float

    def to_dict(self) -> dict[str, Any]:
        """Return the CLI contract's view: ``id, name, level, parent, country, names``."""
        return {
            "id": self.id,
            "name": self.name,
            "level": self.level,
            "parent": self.parent,
            "country": self.country,
            "names": list(self.names),
        }


def _fail(path: Path, row: int | None, message: str) -> DistrictDataError:
    where = f"{path.name}" if row is None else f"{path.name}: row {row}"
    return DistrictDataError(f"{where}: {message}", path=path, row=row)


def _read_aliases(path: Path, known: set[str]) -> dict[str, list[str]]:
    """Return ``{district id: [alias, ...]}`` from the alias table, in file order.

    Raises
    ------
    DistrictDataError
        If the file lacks a column, or a ``district`` row has an empty alias or a target
        that is no district id.
    """
    out: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in _ALIAS_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise _fail(path, None, f"missing column(s) {missing!r}")
        for row_no, row in enumerate(reader, start=1):
            if row["target_type"] != "district":
                continue
            alias, target = (row["alias"] or "").strip(), row["target"]
            if target not in known:
                raise _fail(path, row_no, f"field 'target': {target!r} is not a district id")
            if not alias:
                raise _fail(path, row_no, f"field 'alias': {row['alias']!r} is empty")
            out.setdefault(target, []).append(alias)
    return out


def _check_frame(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Raise if the district file lacks a column, repeats an id or has an unknown value."""
    missing = [c for c in (*_FILE_COLUMNS, "label_lon", "label_lat") if c not in frame.columns]
    if missing:
        raise _fail(path, None, f"missing column(s) {missing!r}")
    for row_no, rec in enumerate(frame.itertuples(index=False), start=1):
        if not isinstance(rec.id, str) or not rec.id.startswith(("CN-", "KZ-")):
            raise _fail(path, row_no, f"field 'id': {rec.id!r} is not CN-... or KZ-...")
        if rec.level not in LEVELS:
            raise _fail(path, row_no, f"field 'level': {rec.level!r} is not one of {LEVELS!r}")
        if not isinstance(rec.name, str) or not rec.name.strip():
            raise _fail(path, row_no, f"field 'name': {rec.name!r} is empty")
        geom = rec.geometry
        if geom is None or geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
            raise _fail(path, row_no, f"field 'geometry' of {rec.id!r} is not a polygon")
    dup = frame["id"][frame["id"].duplicated()]
    if len(dup):
        row_no = int(np.flatnonzero(frame["id"].duplicated())[0]) + 1
        raise _fail(path, row_no, f"field 'id': {dup.iloc[0]!r} is repeated")
    ids = set(frame["id"])
    for row_no, (did, parent) in enumerate(zip(frame["id"], frame["parent"], strict=True), 1):
        if parent not in ids | {"CN-650000", "KZ"}:
            raise _fail(path, row_no, f"field 'parent' of {did!r}: {parent!r} is unknown")


def _names(own: Iterable[object], aliases: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in (*own, *aliases):
        if isinstance(value, str) and value.strip():
            seen.setdefault(value.strip(), None)
    return tuple(seen)


@lru_cache(maxsize=4)
def _load(districts_path: Path, aliases_path: Path) -> gpd.GeoDataFrame:
    """Read, check and join the district file and the alias table (cached, read-only)."""
    frame = gpd.read_file(f"/vsigzip/{districts_path}", engine="pyogrio")
    _check_frame(frame, districts_path)
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise _fail(districts_path, None, f"CRS {frame.crs!r} is not EPSG:4326")
    aliases = _read_aliases(aliases_path, set(frame["id"]))
    frame["names"] = [
        _names((rec.name, rec.name_zh, rec.name_alt), aliases.get(rec.id, ()))
        for rec in frame.itertuples(index=False)
    ]
    frame = frame.astype({"label_lon": "float64", "label_lat": "float64"})
    out = gpd.GeoDataFrame(frame[[*COLUMNS, "geometry"]], geometry="geometry", crs="EPSG:4326")
    out = out.sort_values("id", ignore_index=True)
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


@lru_cache(maxsize=4)
def _by_id(districts_path: Path, aliases_path: Path) -> dict[str, District]:
    frame = _load(districts_path, aliases_path)
    return {
        rec.id: District(
            id=rec.id,
            name=rec.name,
            level=cast(Level, rec.level),
            parent=rec.parent,
            country=rec.country,
            names=rec.names,
            label_lon=float(rec.label_lon),
            label_lat=float(rec.label_lat),
        )
        for rec in frame.itertuples(index=False)
    }


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


@lru_cache(maxsize=4)
def _finest(
    districts_path: Path, aliases_path: Path
) -> tuple[shapely.STRtree, npt.NDArray[np.object_]]:
    """Return an STRtree of the finest units (CN counties, KZ regions) and their ids.

    The ids are in ascending order, so the smallest tree index is the smallest id.
    """
    frame = _load(districts_path, aliases_path)
    finest = frame[frame["level"] != "prefecture"]
    geoms = finest.geometry.to_numpy()
    shapely.prepare(geoms)
    return shapely.STRtree(geoms), finest["id"].to_numpy(dtype=object)


def district_at(lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Return the id of the finest district containing each point, or None outside all.

    The finest districts are China's county-level units and Kazakhstan's regions. A point
    on an edge (or where the two countries' sources overlap) belongs to every district it
    touches; the smallest id wins, so the answer is deterministic.

    Parameters
    ----------
    lons, lats : array_like
        WGS84 longitudes and latitudes (scalars or arrays of the same shape).

    Returns
    -------
    numpy.ndarray of object
        Same shape as the input; each item a district id (str) or None.

    Raises
    ------
    CoordinateError
        If the shapes differ or a coordinate is not finite or out of range (the message
        names the first bad row).
    """
    x, y = validate_lonlat_arrays(lons, lats)
    shape = x.shape
    x, y = x.ravel(), y.ravel()
    tree, ids = _finest(DISTRICTS_FILE, ALIASES_FILE)
    out = np.full(x.shape, None, dtype=object)
    if x.size == 0:
        return out.reshape(shape)
    # The tree's bounding boxes give candidate pairs; each district then tests its
    # candidates at once with its prepared polygon (intersects_xy: edges count).
    point_idx, geom_idx = tree.query(shapely.points(x, y))
    order = np.argsort(geom_idx, kind="stable")
    point_idx, geom_idx = point_idx[order], geom_idx[order]
    starts = np.flatnonzero(np.diff(geom_idx, prepend=-1) != 0)
    ends = np.append(starts[1:], len(order))[: len(starts)]
    best = np.full(x.shape, len(ids), dtype=np.intp)
    geoms = tree.geometries
    for start, end in zip(starts, ends, strict=True):
        g = int(geom_idx[start])
        candidates = point_idx[start:end]
        inside = candidates[shapely.intersects_xy(geoms[g], x[candidates], y[candidates])]
        best[inside] = np.minimum(best[inside], g)
    hit = best < len(ids)
    out[hit] = ids[best[hit]]
    return out.reshape(shape)


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
