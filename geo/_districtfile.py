"""The district file read without geopandas: checked records, shapely polygons, the look-up tree.

``geo/data/districts.geojson.gz`` (written by ``python -m geo.build.districts``) and the
district rows of ``geo/data/aliases.csv`` are read here once, with gzip, json and shapely:

- :func:`read` checks every row (naming file, row, field and value) and returns the records in
  id order with their polygons;
- :func:`table` gives the :class:`~geo._district.District` records;
- :func:`finest_units` and :func:`finest_ids_at` are the point-in-district look-up (China's
  county-level units and Kazakhstan's regions).

:mod:`geo.districts` builds its GeoDataFrame and its functions on these, so there is one reader
and one look-up; the geocoder's index and ``python -m layers validate`` use them directly and so
never load geopandas.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape

from geo._district import LEVELS, District, Level
from geo._errors import GeoError
from geo.coords import validate_lonlat_arrays

__all__ = [
    "ALIASES_FILE",
    "DATA_DIR",
    "DISTRICTS_FILE",
    "DistrictDataError",
    "DistrictFile",
    "finest_id_at",
    "finest_ids_at",
    "finest_units",
    "read",
    "table",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
DISTRICTS_FILE = DATA_DIR / "districts.geojson.gz"
ALIASES_FILE = DATA_DIR / "aliases.csv"

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


def _fail(path: Path, row: int | None, message: str) -> DistrictDataError:
    where = f"{path.name}" if row is None else f"{path.name}: row {row}"
    return DistrictDataError(f"{where}: {message}", path=path, row=row)


@dataclass(frozen=True)
class DistrictFile:
    """The checked district file, in ascending id order.

    Attributes
    ----------
    records : tuple of dict
        Each district's properties (``id, level, parent, country, name, name_zh, name_alt,
        label_lon, label_lat``) and ``names``, every name in every script, own names first.
    geometries : numpy.ndarray of object
        The polygons (WGS84), in the same order.
    """

    records: tuple[dict[str, Any], ...]
    geometries: npt.NDArray[np.object_]


def _read_aliases(path: Path, known: set[str]) -> dict[str, list[str]]:
    """Return ``{district id: [alias, ...]}`` from the alias table, in file order."""
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


def _names(own: Iterable[object], aliases: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in (*own, *aliases):
        if isinstance(value, str) and value.strip():
            seen.setdefault(value.strip(), None)
    return tuple(seen)


def _check_row(path: Path, row_no: int, rec: dict[str, Any], geom: Any) -> None:
    if not isinstance(rec.get("id"), str) or not rec["id"].startswith(("CN-", "KZ-")):
        raise _fail(path, row_no, f"field 'id': {rec.get('id')!r} is not CN-... or KZ-...")
    if rec.get("level") not in LEVELS:
        raise _fail(path, row_no, f"field 'level': {rec.get('level')!r} is not one of {LEVELS!r}")
    if not isinstance(rec.get("name"), str) or not rec["name"].strip():
        raise _fail(path, row_no, f"field 'name': {rec.get('name')!r} is empty")
    if geom is None or geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise _fail(path, row_no, f"field 'geometry' of {rec['id']!r} is not a polygon")


def _check_rows(path: Path, rows: list[dict[str, Any]], geoms: list[Any]) -> None:
    """Raise if the file lacks a column, repeats an id or has an unknown value."""
    present = set().union(*(r.keys() for r in rows)) if rows else set()
    missing = [c for c in (*_FILE_COLUMNS, "label_lon", "label_lat") if c not in present]
    if missing:
        raise _fail(path, None, f"missing column(s) {missing!r}")
    seen: set[str] = set()
    for row_no, (rec, geom) in enumerate(zip(rows, geoms, strict=True), start=1):
        _check_row(path, row_no, rec, geom)
        if rec["id"] in seen:
            raise _fail(path, row_no, f"field 'id': {rec['id']!r} is repeated")
        seen.add(rec["id"])
    for row_no, rec in enumerate(rows, start=1):
        if rec.get("parent") not in seen | {"CN-650000", "KZ"}:
            raise _fail(
                path, row_no, f"field 'parent' of {rec['id']!r}: {rec.get('parent')!r} is unknown"
            )


@lru_cache(maxsize=4)
def read(districts_path: Path = DISTRICTS_FILE, aliases_path: Path = ALIASES_FILE) -> DistrictFile:
    """Read and check the district file and the alias table (cached, read-only).

    Raises
    ------
    DistrictDataError
        If either file is malformed (naming file, row, field and value).
    """
    try:
        document = json.loads(gzip.decompress(Path(districts_path).read_bytes()))
        features = list(document["features"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _fail(Path(districts_path), None, f"cannot be read as GeoJSON: {exc}") from exc
    rows = [dict(f.get("properties") or {}) for f in features]
    geoms = [None if f.get("geometry") is None else shape(f["geometry"]) for f in features]
    _check_rows(Path(districts_path), rows, geoms)
    aliases = _read_aliases(Path(aliases_path), {r["id"] for r in rows})
    for rec in rows:
        rec["names"] = _names(
            (rec.get("name"), rec.get("name_zh"), rec.get("name_alt")), aliases.get(rec["id"], ())
        )
        rec["label_lon"], rec["label_lat"] = float(rec["label_lon"]), float(rec["label_lat"])
    order = sorted(range(len(rows)), key=lambda i: rows[i]["id"])
    geometries = np.empty(len(order), dtype=object)
    geometries[:] = [geoms[i] for i in order]
    return DistrictFile(records=tuple(rows[i] for i in order), geometries=geometries)


@lru_cache(maxsize=4)
def table(
    districts_path: Path = DISTRICTS_FILE, aliases_path: Path = ALIASES_FILE
) -> dict[str, District]:
    """Return every district by id, in id order."""
    return {
        rec["id"]: District(
            id=rec["id"],
            name=rec["name"],
            level=cast(Level, rec["level"]),
            parent=rec.get("parent"),
            country=rec.get("country") or "",
            names=rec["names"],
            label_lon=rec["label_lon"],
            label_lat=rec["label_lat"],
        )
        for rec in read(districts_path, aliases_path).records
    }


@lru_cache(maxsize=4)
def finest_units(
    districts_path: Path = DISTRICTS_FILE, aliases_path: Path = ALIASES_FILE
) -> tuple[shapely.STRtree, npt.NDArray[np.object_]]:
    """Return an STRtree of the finest units and their ids, in ascending id order.

    The smallest tree index is then the smallest id, so a point on a shared edge belongs to
    the unit with the smallest id, deterministically.
    """
    districts = read(districts_path, aliases_path)
    keep = np.array([r["level"] != "prefecture" for r in districts.records], dtype=bool)
    geometries = districts.geometries[keep]
    shapely.prepare(geometries)
    ids = np.array([r["id"] for r in districts.records], dtype=object)[keep]
    return shapely.STRtree(geometries), ids


def finest_ids_at(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    districts_path: Path = DISTRICTS_FILE,
    aliases_path: Path = ALIASES_FILE,
) -> npt.NDArray[np.object_]:
    """Return the finest unit's id at each of the (validated, 1-D) points, or None."""
    tree, ids = finest_units(districts_path, aliases_path)
    out = np.full(x.shape, None, dtype=object)
    if x.size == 0:
        return out
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
    return out


def finest_id_at(lon: float, lat: float) -> str | None:
    """Return the id of the finest unit containing one WGS84 point, or None outside all."""
    x, y = validate_lonlat_arrays([lon], [lat])
    found = finest_ids_at(x.ravel(), y.ravel())[0]
    return None if found is None else str(found)
