"""Import an outside list (CSV, TSV, GeoJSON, GeoPackage, KML) safely: ``python -m layers import``.

Every row of the file ends in exactly one of three states, and the summary counts add up to the
rows read:

- **accepted**: valid as given, written;
- **flagged**: written, with a note saying what the importer inferred or changed (a geocoded
  place for missing coordinates, a swapped lon/lat pair under ``--fix-swapped``, a repaired
  polygon under ``--repair-geometry``, an empty name, a look-alike dash...);
- **rejected**: not written, with the reason.

Report lines read ``FILE:row:field: status: message``; ``row`` is the line a CSV/TSV record
starts on (the header is line 1) or the feature number (1-based, counted across layers) of a
vector file; row 0 concerns the whole file.

Where rows go (the curated tables belong to the curator):

- ``facilities`` are third-party data, not testimony: they go to
  ``data/imports/<source_id>/facilities.csv`` with a one-resource ``datapackage.json`` (schema
  :func:`layers._mapping.facility_schema`) and ``provenance.json`` (file name, sha256, import
  date, the mapping used, every flagged and rejected row). ``data/datapackage.json`` is not
  touched.
- The curated kinds (people, places, sites, detentions, population_reports, events) are
  appended to ``data/<kind>.csv`` after the whole package, with the candidate rows added, has
  passed :func:`layers.validate.validate_package` in a temporary copy (so quotes, foreign keys
  and dates are checked by the same code as curated rows); rows without an id get the next
  free one. Their provenance goes to ``data/imports/<kind>-<first 12 hex of sha256>/``, and
  importing the same file again is refused. Their ``source_id`` (a column, a mapping constant
  or ``--source-id``) must already be in ``sources.csv`` with its text.

Writing is all-or-nothing per file: everything is written into a temporary directory inside the
data directory and moved into place with :func:`os.replace` at the end.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import importlib
import json
import logging
import math
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import shapely
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geo._errors import CoordinateError, GeoError
from geo.coords import validate_lonlat
from layers._csvsafe import FORMULA_PREFIXES, safe_cell, write_csv
from layers._encoding import EncodingError, EncodingGuess, detect_encoding, open_text
from layers._encoding import undecodable_bytes as _undecodable
from layers._mapping import (
    CURATED_KINDS,
    KINDS,
    Mapping,
    MappingError,
    facility_schema,
    kind_schema,
    load_mapping,
    resolve_columns,
)
from layers.records import DEFAULT_DATA_DIR
from layers.records import source_dir as resolve_source_dir

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "REGION",
    "FileImportError",
    "ImportProblem",
    "ImportReport",
    "add_arguments",
    "import_file",
    "run",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Largest file the importer reads (``--max-size``, in MB on the command line)."""

DEFAULT_MAX_ROWS = 200_000
"""Most rows or features the importer reads (``--max-rows``)."""

REGION = (46.0, 34.0, 97.0, 56.0)
"""Atlas region as (min lon, min lat, max lon, max lat): Xinjiang, Kazakhstan, the border belt."""

Status = Literal["rejected", "flagged", "note"]

_CSV_SUFFIXES = {".csv", ".tsv", ".tab", ".txt"}
_VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".kml", ".kmz", ".shp", ".fgb"}
_MISSING = frozenset({"", "nan", "#n/a", "n/a", "na", "null", "none", "#value!", "-", "?"})
_LOOKALIKES = {
    "\u2013": ("EN DASH (U+2013)", "-"),
    "\u2014": ("EM DASH (U+2014)", "-"),
    "\u2212": ("MINUS SIGN (U+2212)", "-"),
    "\u00a0": ("NO-BREAK SPACE (U+00A0)", " "),
    "\u200b": ("ZERO WIDTH SPACE (U+200B)", ""),
    "\ufeff": ("ZERO WIDTH NO-BREAK SPACE (U+FEFF)", ""),
    "\u2018": ("LEFT SINGLE QUOTATION MARK (U+2018)", "'"),
    "\u2019": ("RIGHT SINGLE QUOTATION MARK (U+2019)", "'"),
    "\u201c": ("LEFT DOUBLE QUOTATION MARK (U+201C)", '"'),
    "\u201d": ("RIGHT DOUBLE QUOTATION MARK (U+201D)", '"'),
}
_FREE_TEXT = frozenset({"description", "note", "quote"})
_KML_DISPLAY = (
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
)
_GEOMETRY_INPUTS = ("lon", "lat", "wkt", "geocode_query")
_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


class FileImportError(ValueError):
    """The whole file cannot be imported (too big, unreadable, bad mapping, already there).

    Parameters
    ----------
    message : str
        The full message, naming the file and the offending value.
    path : str
        The imported file.
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class ImportProblem:
    """One rejected, flagged or noted thing in an imported file.

    Attributes
    ----------
    file : str
        The imported file's name.
    row : int
        CSV line the record starts on, or feature number; 0 for the whole file.
    field : str
        The field (or source column) concerned; ``-`` for a whole row.
    status : {"rejected", "flagged", "note"}
        What happened to the row.
    message : str
        Why, naming the offending value with ``!r``.
    """

    file: str
    row: int
    field: str
    status: Status
    message: str

    def __str__(self) -> str:
        """Return ``FILE:row:field: status: message``."""
        return f"{self.file}:{self.row}:{self.field}: {self.status}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """Return the problem as plain data (for ``provenance.json``)."""
        return {
            "row": self.row,
            "field": self.field,
            "status": self.status,
            "message": self.message,
        }


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, with ``check=True``, would do).

    Attributes
    ----------
    file : str
        The imported file's name.
    kind : str
        The kind of record.
    source_id : str
        The import's source id.
    read, accepted, flagged, rejected : int
        Row counts; ``accepted + flagged + rejected == read``. Accepted and flagged rows are
        written.
    problems : tuple of ImportProblem
        Every rejected and flagged row and every file-level note, in file order.
    written : tuple of Path
        Files written or replaced (empty for a check).
    sha256 : str
        Hash of the imported file.
    encoding : str or None
        How a CSV/TSV was decoded.
    """

    file: str
    kind: str
    source_id: str
    read: int
    accepted: int
    flagged: int
    rejected: int
    problems: tuple[ImportProblem, ...]
    written: tuple[Path, ...]
    sha256: str
    encoding: str | None

    def summary(self) -> str:
        """Return the one-line summary (the counts add up to ``read``)."""
        return (
            f"{self.file}: read {self.read}, accepted {self.accepted}, "
            f"flagged {self.flagged}, rejected {self.rejected}"
        )


@dataclass
class _Raw:
    """One row or feature as read: cells by source column, and its geometry if any."""

    row: int
    cells: dict[str, str]
    geometry: BaseGeometry | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Outcome:
    """The importer's verdict on one row."""

    row: int
    record: dict[str, object]
    flags: list[tuple[str, str]] = field(default_factory=list)
    rejections: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Options:
    source_id: str
    repair_geometry: bool
    fix_swapped: bool
    check_region: bool
    geocoder: Callable[..., Any] | None = None


# --------------------------------------------------------------------------------------------
# Reading


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _detect_delimiter(path: Path, encoding: str) -> str:
    with open_text(path, encoding) as handle:
        first = handle.readline()
    counts = {d: first.count(d) for d in ("\t", ",", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _clean_header(header: list[str], notes: list[ImportProblem], file: str) -> list[str]:
    """Name blank header cells ``column N`` and make duplicate names unique, noting both."""
    seen: Counter[str] = Counter()
    out = []
    for i, raw in enumerate(header, start=1):
        name = raw.strip().lstrip("\ufeff")
        if not name:
            name = f"column {i}"
            notes.append(ImportProblem(file, 1, name, "note", f"header cell {i} is blank"))
        seen[name] += 1
        if seen[name] > 1:
            new = f"{name} ({seen[name]})"
            msg = f"header name {name!r} appears again in column {i}; read as {new!r}"
            notes.append(ImportProblem(file, 1, name, "note", msg))
            name = new
        out.append(name)
    return out


def _read_csv(
    path: Path, encoding: str, delimiter: str, max_rows: int, notes: list[ImportProblem]
) -> tuple[list[str], list[_Raw]]:
    """Stream a delimited text file into rows, each numbered by the line it starts on."""
    file = path.name
    rows: list[_Raw] = []
    with open_text(path, encoding) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header_cells = next(reader)
        except StopIteration:
            msg = f"{file!r} is empty (no header line)"
            raise FileImportError(msg, path=str(path)) from None
        except csv.Error as exc:
            msg = f"{file}:1: cannot read the header: {exc}"
            raise FileImportError(msg, path=str(path)) from exc
        header = _clean_header(header_cells, notes, file)
        previous = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                msg = f"{file}:{previous + 1}: cannot read the row: {exc}"
                raise FileImportError(msg, path=str(path)) from exc
            start, previous = previous + 1, reader.line_num
            if len(rows) >= max_rows:
                msg = f"{file!r} has more than {max_rows} rows (limit --max-rows {max_rows})"
                raise FileImportError(msg, path=str(path))
            raw = _Raw(start, dict(zip(header, cells, strict=False)))
            if cells and len(cells) != len(header):
                msg = (
                    f"the row has {len(cells)} cells but the header has {len(header)}; "
                    "columns may be shifted"
                )
                raw.problems.append(("-", msg))
            rows.append(raw)
    return header, rows


def _cell_text(value: object) -> str:
    """Return a vector attribute as text: missing -> '', 106.0 -> '106'."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _read_vector(
    path: Path, max_rows: int, notes: list[ImportProblem]
) -> tuple[list[str], list[_Raw], str]:
    """Read every layer of a vector file through pyogrio; return header, rows and driver."""
    import pyogrio

    file = path.name
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        infos = [pyogrio.read_info(path, layer=name) for name in layers]
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        msg = f"{file!r}: GDAL cannot read it: {exc}"
        raise FileImportError(msg, path=str(path)) from exc
    total = sum(max(int(info.get("features") or 0), 0) for info in infos)
    if total > max_rows:
        msg = f"{file!r} has {total} features, over the limit of {max_rows} (--max-rows)"
        raise FileImportError(msg, path=str(path))
    driver = str(infos[0].get("driver", "")) if infos else ""
    header: list[str] = []
    rows: list[_Raw] = []
    number = 0
    for name in layers:
        try:
            frame = pyogrio.read_dataframe(path, layer=name, datetime_as_string=True)
        except Exception as exc:
            msg = f"{file!r} layer {name!r}: GDAL cannot read it: {exc}"
            raise FileImportError(msg, path=str(path)) from exc
        if frame.crs is None:
            notes.append(
                ImportProblem(file, 0, name, "note", "no coordinate system given; read as WGS84")
            )
        elif frame.crs.to_epsg() != 4326:
            msg = f"layer {name!r} is in {frame.crs.to_string()!r}; converted to WGS84"
            notes.append(ImportProblem(file, 0, "geometry", "note", msg))
            frame = frame.to_crs(4326)
        columns = [c for c in frame.columns if c != frame.geometry.name]
        header.extend(c for c in columns if c not in header)
        geometries = frame.geometry.array
        records = frame[columns].to_dict("records")
        for i, values in enumerate(records):
            number += 1
            geometry = geometries[i]
            rows.append(
                _Raw(
                    number,
                    {str(k): _cell_text(v) for k, v in values.items()},
                    None if geometry is None else geometry,
                )
            )
    return header, rows, driver


# --------------------------------------------------------------------------------------------
# Checking one row


def _in_region(lon: float, lat: float) -> bool:
    west, south, east, north = REGION
    return west <= lon <= east and south <= lat <= north


def _region_text() -> str:
    west, south, east, north = REGION
    return f"lon {west:g}..{east:g}, lat {south:g}..{north:g}"


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _check_pair(
    lon_text: str, lat_text: str, options: _Options, outcome: _Outcome
) -> tuple[float, float] | None:
    """Validate a lon/lat pair; detect a swapped pair; return the pair to store or None."""
    try:
        lon, lat = validate_lonlat(lon_text, lat_text)
        valid = True
    except CoordinateError as exc:
        valid, error = False, str(exc)
        lon = lat = math.nan
    if valid and (not options.check_region or _in_region(lon, lat)):
        return lon, lat
    swapped_lon, swapped_lat = _as_float(lat_text), _as_float(lon_text)
    if (
        swapped_lon is not None
        and swapped_lat is not None
        and _in_region(swapped_lon, swapped_lat)
        and (not valid or not _in_region(lon, lat))
    ):
        what = f"(lon {lon_text!r}, lat {lat_text!r})"
        if options.fix_swapped:
            outcome.flags.append(
                ("lon", f"likely swapped {what}; swapped to lon {lat_text}, lat {lon_text}")
            )
            return swapped_lon, swapped_lat
        outcome.rejections.append(
            (
                "lon",
                f"likely swapped latitude/longitude {what}: outside the region "
                f"({_region_text()}) but inside it once swapped; fix the file or use "
                "--fix-swapped",
            )
        )
        return None
    if not valid:
        outcome.rejections.append(("lat" if error.startswith("latitude") else "lon", error))
        return None
    outcome.rejections.append(
        ("lon", f"(lon {lon}, lat {lat}) is outside the atlas region ({_region_text()})")
    )
    return None


def _swap_xy(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, lambda xy: xy[:, ::-1])


def _check_geometry(
    geometry: BaseGeometry, options: _Options, outcome: _Outcome
) -> BaseGeometry | None:
    """Check a feature's geometry: type, validity (repair on request), region, swapped axes."""
    geometry = shapely.force_2d(geometry)
    kind = geometry.geom_type
    if kind == "Point":
        pair = _check_pair(repr(geometry.x), repr(geometry.y), options, outcome)
        return None if pair is None else shapely.Point(pair)
    if kind not in {"Point", "MultiPoint", "Polygon", "MultiPolygon"}:
        outcome.rejections.append(
            ("geometry", f"geometry type {kind!r} is not a point or a footprint polygon")
        )
        return None
    if not geometry.is_valid:
        reason = explain_validity(geometry)
        if not options.repair_geometry:
            outcome.rejections.append(
                ("geometry", f"invalid {kind}: {reason}; use --repair-geometry to repair it")
            )
            return None
        repaired = shapely.make_valid(geometry)
        if repaired.geom_type == "GeometryCollection":
            parts = [g for g in shapely.get_parts(repaired) if g.geom_type.endswith("Polygon")]
            repaired = shapely.union_all(parts) if parts else repaired
        if repaired.is_empty or not repaired.geom_type.endswith(("Polygon", "Point")):
            outcome.rejections.append(
                ("geometry", f"invalid {kind} ({reason}) cannot be repaired into a polygon")
            )
            return None
        outcome.flags.append(
            ("geometry", f"invalid {kind} ({reason}) repaired to {repaired.geom_type}")
        )
        geometry = repaired
    west, south, east, north = geometry.bounds
    bounds_ok = all(math.isfinite(v) for v in (west, south, east, north))
    if bounds_ok and (
        not options.check_region or (_in_region(west, south) and _in_region(east, north))
    ):
        return geometry
    if bounds_ok and _in_region(south, west) and _in_region(north, east):
        what = f"bounds {tuple(round(v, 6) for v in geometry.bounds)!r}"
        if options.fix_swapped:
            outcome.flags.append(("geometry", f"likely swapped axes ({what}); swapped"))
            return _swap_xy(geometry)
        outcome.rejections.append(
            (
                "geometry",
                f"likely swapped latitude/longitude ({what}): outside the region "
                f"({_region_text()}) but inside it once swapped; fix the file or use "
                "--fix-swapped",
            )
        )
        return None
    outcome.rejections.append(
        (
            "geometry",
            f"{kind} with bounds {geometry.bounds!r} is not inside the atlas region "
            f"({_region_text()})",
        )
    )
    return None


@lru_cache(maxsize=1)
def _geocoder() -> Callable[..., Any] | None:
    """Return ``geo.geocode`` or None if the geocoder cannot be imported."""
    for module_name in ("geo", "geo.geocode"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        function = getattr(module, "geocode", None)
        if callable(function):
            return function
    logger.warning("geo.geocode is not available; rows without coordinates are rejected")
    return None


def _geocode_row(
    record: dict[str, object], mapping: Mapping, given: str, options: _Options, outcome: _Outcome
) -> tuple[float, float, str] | None:
    """Geocode the first non-empty place field of a row without coordinates."""
    query_field = next((f for f in mapping.geocode if record.get(f)), None)
    if query_field is None:
        outcome.rejections.append(
            (
                "lon",
                f"no coordinates ({given}) and no place name to geocode "
                f"(tried {', '.join(mapping.geocode)})",
            )
        )
        return None
    query = str(record[query_field])
    geocode = options.geocoder or _geocoder()
    if geocode is None:
        outcome.rejections.append(
            ("lon", f"no coordinates ({given}) and the geocoder is not available")
        )
        return None
    try:
        place = geocode(query)
    except (LookupError, GeoError) as exc:
        outcome.rejections.append(
            (query_field, f"no coordinates ({given}) and {query!r} was not found: {exc}")
        )
        return None
    except ImportError as exc:  # the geocoder's data or a module it needs is missing
        outcome.rejections.append(
            ("lon", f"no coordinates ({given}) and the geocoder is not available: {exc}")
        )
        return None
    if getattr(place, "stage", "") == "fuzzy":
        outcome.rejections.append(
            (
                query_field,
                f"no coordinates ({given}) and {query!r} only matches {place.name!r} "
                f"fuzzily (score {place.score}); give coordinates or a geocode_query",
            )
        )
        return None
    lon, lat = float(place.lon), float(place.lat)
    if options.check_region and not _in_region(lon, lat):
        outcome.rejections.append(
            (
                query_field,
                f"no coordinates ({given}); {query!r} geocodes to {place.name!r} "
                f"({lon}, {lat}), outside the atlas region",
            )
        )
        return None
    outcome.flags.append(
        (
            "lon",
            f"no coordinates ({given}); geocoded {query_field} {query!r} -> {place.name!r} "
            f"({place.precision} precision, {getattr(place, 'stage', '?')} match)",
        )
    )
    return lon, lat, str(place.precision)


def _id_part(text: str) -> str:
    return re.sub(r"\s+", "_", text)


def _is_missing(text: str) -> bool:
    return text.strip().lower() in _MISSING


def _locate(
    raw: _Raw,
    record: dict[str, object],
    mapping: Mapping,
    options: _Options,
    outcome: _Outcome,
    *,
    required: bool,
    keep_wkt: bool,
) -> None:
    """Fill ``lon``, ``lat``, ``precision`` (and ``wkt``) of a record, or reject the row."""
    geometry = raw.geometry
    wkt = str(record.pop("wkt", "") or "")
    if geometry is None and wkt:
        try:
            geometry = shapely.from_wkt(wkt)
        except shapely.errors.GEOSException as exc:
            outcome.rejections.append(("wkt", f"{wkt[:60]!r} is not WKT: {exc}"))
            return
    if geometry is not None and not geometry.is_empty:
        checked = _check_geometry(geometry, options, outcome)
        if checked is None:
            return
        point = checked if checked.geom_type == "Point" else checked.representative_point()
        record["lon"], record["lat"] = round(point.x, 7), round(point.y, 7)
        record["precision"] = record.get("precision") or "exact"
        if checked.geom_type != "Point" and keep_wkt:
            record["wkt"] = shapely.to_wkt(checked, rounding_precision=7)
        return
    lon_text = str(record.get("lon") or "")
    lat_text = str(record.get("lat") or "")
    lon_missing, lat_missing = _is_missing(lon_text), _is_missing(lat_text)
    if lon_missing != lat_missing:
        present, absent = ("lon", "lat") if lat_missing else ("lat", "lon")
        value = lat_text if lat_missing else lon_text
        outcome.rejections.append(
            (absent, f"{absent} is missing ({value!r}) while {present} is given")
        )
        return
    if lon_missing:
        if not required:
            record["lon"] = record["lat"] = None
            return
        given = f"lon {lon_text!r}, lat {lat_text!r}"
        found = _geocode_row(record, mapping, given, options, outcome)
        if found is not None:
            record["lon"], record["lat"], record["precision"] = found
        return
    pair = _check_pair(lon_text, lat_text, options, outcome)
    if pair is not None:
        record["lon"], record["lat"] = pair
        record["precision"] = record.get("precision") or "exact"


def _text_checks(record: dict[str, object], outcome: _Outcome, *, lookalikes: bool) -> None:
    """Flag spreadsheet formulas and look-alike characters in text cells."""
    for name, value in record.items():
        if not isinstance(value, str) or not value:
            continue
        if value.startswith(FORMULA_PREFIXES) and safe_cell(value) != value:
            outcome.flags.append(
                (
                    name,
                    f'{value[:40]!r} starts like a spreadsheet formula; stored with a leading "\'"',
                )
            )
        if lookalikes and name not in _FREE_TEXT:
            found = sorted({_LOOKALIKES[ch] for ch in value if ch in _LOOKALIKES})
            if found:
                what = ", ".join(f"{label} (looks like {ascii_!r})" for label, ascii_ in found)
                outcome.flags.append((name, f"{value!r} contains {what}"))


def _build_record(
    raw: _Raw,
    columns: dict[str, str],
    mapping: Mapping,
    used_values: Counter[tuple[str, str, str]],
    outcome: _Outcome,
) -> dict[str, object]:
    """Apply the column mapping, value mapping and constants to one row."""
    record: dict[str, object] = {}
    for fld, column in columns.items():
        text = raw.cells.get(column, "")
        bad = _undecodable(text)
        if bad:
            hexes = ", ".join(f"0x{b:02x}" for b in bad)
            outcome.rejections.append(
                (
                    fld,
                    f"undecodable byte(s) {hexes} in column {column!r} (row starts on this "
                    "line); fix the file or give its --encoding",
                )
            )
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        text = unicodedata.normalize("NFC", text.strip())
        table = mapping.values.get(fld)
        if table and text in table:
            used_values[(fld, text, table[text])] += 1
            text = table[text]
        record[fld] = text
    for fld, value in mapping.constants.items():
        if not record.get(fld):
            record[fld] = value
    return record


# --------------------------------------------------------------------------------------------
# Kinds


def _facility_rows(
    rows: list[_Raw],
    header: list[str],
    columns: dict[str, str],
    mapping: Mapping,
    options: _Options,
    notes: list[ImportProblem],
    file: str,
) -> list[_Outcome]:
    """Turn raw rows into facility records, with per-row verdicts."""
    fields = [f["name"] for f in facility_schema()["fields"]]
    used_values: Counter[tuple[str, str, str]] = Counter()
    has_id = "id" in columns and any(r.cells.get(columns["id"], "").strip() for r in rows)
    has_sub = "id_sub" in columns
    if not has_id:
        notes.append(
            ImportProblem(
                file, 0, "id", "note", "no ids in the file: ids are made from row numbers"
            )
        )
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, tuple[int, str]] = {}
    outcomes = []
    for raw in rows:
        outcome = _Outcome(raw.row, {})
        outcome.rejections.extend(raw.problems)
        if not any(v.strip() for v in raw.cells.values()) and (
            raw.geometry is None or raw.geometry.is_empty
        ):
            outcome.rejections.append(("-", "empty row"))
            outcomes.append(outcome)
            continue
        record = _build_record(raw, columns, mapping, used_values, outcome)
        outcome.record = {f: "" for f in fields}
        _locate(raw, record, mapping, options, outcome, required=True, keep_wkt=True)
        _text_checks(record, outcome, lookalikes=True)
        ident = str(record.get("id") or "")
        sub = str(record.get("id_sub") or "")
        if not ident:
            if has_id:
                outcome.flags.append(("id", "id is empty; facility_id made from the row number"))
            key = f"row{raw.row}"
        else:
            key = _id_part(ident) + (f"-{_id_part(sub)}" if sub else "")
        facility_id = f"{options.source_id}-{key}"
        if facility_id in seen_ids:
            what = f"id {ident!r}" + (f" with id_sub {sub!r}" if sub else "")
            hint = "" if has_sub else "; sub-compounds need an id_sub column"
            outcome.rejections.append(
                ("id", f"duplicate {what} (first on row {seen_ids[facility_id]}){hint}")
            )
        else:
            seen_ids[facility_id] = raw.row
        name = str(record.get("name") or "")
        if not name:
            outcome.flags.append(("name", "name is empty"))
        elif name in seen_names and seen_names[name][1] != ident:
            first_row, first_id = seen_names[name]
            outcome.flags.append(
                ("name", f"name {name!r} is also on row {first_row} (id {first_id!r})")
            )
        else:
            seen_names.setdefault(name, (raw.row, ident))
        if outcome.flags:
            given_note = str(record.get("note") or "")
            record["note"] = "; ".join(
                [*([given_note] if given_note else []), *(m for _, m in outcome.flags)]
            )
        record["facility_id"] = facility_id
        record["source_row"] = raw.row
        outcome.record.update({k: v for k, v in record.items() if k in outcome.record})
        outcomes.append(outcome)
    for (fld, before, after), count in sorted(used_values.items()):
        notes.append(
            ImportProblem(
                file,
                0,
                fld,
                "note",
                f"{before!r} mapped to {after!r} by the mapping ({count} rows)",
            )
        )
    return outcomes


def _curated_rows(
    rows: list[_Raw],
    columns: dict[str, str],
    fields: list[str],
    mapping: Mapping,
    options: _Options,
) -> list[_Outcome]:
    """Turn raw rows into candidate rows of a curated table (checked later by the validator)."""
    used_values: Counter[tuple[str, str, str]] = Counter()
    outcomes = []
    for raw in rows:
        outcome = _Outcome(raw.row, {})
        outcome.rejections.extend(raw.problems)
        if not any(v.strip() for v in raw.cells.values()) and raw.geometry is None:
            outcome.rejections.append(("-", "empty row"))
            outcomes.append(outcome)
            continue
        record = _build_record(raw, columns, mapping, used_values, outcome)
        if "source_id" in fields and not record.get("source_id"):
            record["source_id"] = options.source_id
        if "lon" in fields or raw.geometry is not None:
            country = str(record.get("country") or "")
            local = dataclasses.replace(options, check_region=country in {"CN", "KZ"})
            _locate(raw, record, mapping, local, outcome, required=False, keep_wkt=False)
            if record.get("lon") is None:
                record["precision"] = record.get("precision") or ""
        _text_checks(record, outcome, lookalikes=False)
        outcome.record = {f: "" if record.get(f) is None else record.get(f, "") for f in fields}
        outcomes.append(outcome)
    return outcomes


# --------------------------------------------------------------------------------------------
# Validation and writing


def _frictionless_rejections(
    csv_path: Path, schema: dict[str, Any], outcomes: list[_Outcome]
) -> None:
    """Validate the written candidate CSV with Frictionless; reject rows it finds wrong."""
    import frictionless

    resource = frictionless.Resource(
        path=csv_path.name,
        basepath=str(csv_path.parent),
        schema=frictionless.Schema.from_descriptor(schema),
    )
    report = resource.validate(limit_errors=10**9)
    for task in report.tasks:
        for error in task.errors:
            row_number = getattr(error, "row_number", None)
            if row_number is None:
                msg = f"{csv_path.name}: {error.message}"
                raise FileImportError(msg, path=str(csv_path))
            outcome = outcomes[row_number - 2]
            name = getattr(error, "field_name", None) or "-"
            cell = getattr(error, "cell", None)
            note = getattr(error, "note", "") or error.message
            outcome.rejections.append((name, f"{cell!r}: {note}"))


def _write_facilities(
    stage: Path, outcomes: list[_Outcome], provenance: dict[str, Any], mapping: Mapping
) -> None:
    """Write facilities.csv, datapackage.json and provenance.json into ``stage``; validate."""
    schema = facility_schema()
    fields = [f["name"] for f in schema["fields"]]
    candidates = [o for o in outcomes if not o.rejections]
    target = stage / "facilities.csv"
    write_csv(target, (o.record for o in candidates), fields)
    _frictionless_rejections(target, schema, candidates)
    accepted = [o for o in candidates if not o.rejections]
    if len(accepted) != len(candidates):
        write_csv(target, (o.record for o in accepted), fields)
    resource: dict[str, Any] = {
        "name": "facilities",
        "path": "facilities.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "encoding": "utf-8",
        "schema": schema,
        "sources": [{"title": mapping.meta.get("citation") or provenance["file"]}],
    }
    if mapping.meta.get("licence"):
        resource["licenses"] = [{"name": mapping.meta["licence"]}]
    package = {
        "name": f"import-{provenance['source_id']}",
        "title": f"Imported facility list {provenance['file']}",
        "description": "Written by `python -m layers import`; see provenance.json.",
        "resources": [resource],
    }
    (stage / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


@lru_cache(maxsize=1)
def _validator() -> Callable[..., Any]:
    module = importlib.import_module("layers.validate")  # owned by the validation engineer
    return module.validate_package


def _read_table_header(path: Path) -> list[str] | None:
    if not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), None)


def _append_rows(
    src: Path | None, dst: Path, header: list[str], rows: list[dict[str, object]]
) -> int:
    """Copy ``src`` (byte for byte) to ``dst`` and append ``rows``; return the first new line."""
    if src is not None and src.exists():
        data = src.read_bytes()
        if data and not data.endswith(b"\n"):
            data += b"\n"
        dst.write_bytes(data)
        first_line = data.count(b"\n") + 1
        mode = "a"
    else:
        first_line = 2
        mode = "w"
    with dst.open(mode, encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        if mode == "w":
            writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else safe_cell(v) for k, v in row.items()})
    return first_line


def _assign_ids(schema: dict[str, Any], table: Path, candidates: list[_Outcome]) -> None:
    """Give candidates without an id the next free id of the table's pattern (flagged)."""
    id_field = next((f for f in schema["fields"] if f["name"] == "id"), None)
    pattern = str((id_field or {}).get("constraints", {}).get("pattern", ""))
    prefix_match = re.match(r"([A-Z]+)\[0-9\]", pattern)
    if prefix_match is None:
        return
    prefix = prefix_match[1]
    taken = {str(o.record.get("id") or "") for o in candidates}
    if table.exists():
        with table.open(encoding="utf-8", newline="") as handle:
            taken.update(row.get("id") or "" for row in csv.DictReader(handle))
    numbers = [int(t[len(prefix) :]) for t in taken if re.fullmatch(prefix + r"[0-9]+", t)]
    following = max(numbers, default=0) + 1
    for outcome in candidates:
        if not outcome.record.get("id"):
            outcome.record["id"] = f"{prefix}{following:03d}"
            outcome.flags.append(("id", f"no id given; assigned {outcome.record['id']!r}"))
            following += 1


def _problem_keys(problems: Sequence[Any]) -> set[tuple[str, object, object, str]]:
    return {(p.file, p.row, p.field, str(p.message)) for p in problems}


def _validate_curated(
    kind: str,
    data_dir: Path,
    source_dir: Path,
    outcomes: list[_Outcome],
    stage: Path,
    validate: Callable[[Path, Path], Sequence[Any]],
) -> Path:
    """Check candidates with ``validate_package`` on a copy of the data; return the new table.

    The package is validated three times: as it is (problems already there are not the
    import's), with every candidate appended (problems on a candidate's line reject it), and
    with only the accepted rows (any new problem then fails the whole import).
    """
    copy = stage / "package"
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("imports", ".import-*"))
    table = f"{kind}.csv"
    schema = kind_schema(kind, data_dir / "datapackage.json")
    header = _read_table_header(data_dir / table) or [f["name"] for f in schema["fields"]]
    candidates = [o for o in outcomes if not o.rejections]
    _assign_ids(schema, data_dir / table, candidates)
    baseline = _problem_keys(validate(copy, source_dir))
    rows = [{h: o.record.get(h, "") for h in header} for o in candidates]
    first = _append_rows(data_dir / table, copy / table, header, rows)
    line_to_outcome = {}
    line = first
    for outcome, row in zip(candidates, rows, strict=True):
        line_to_outcome[line] = outcome
        line += 1 + sum(str(v).count("\n") for v in row.values())
    for problem in validate(copy, source_dir):
        target = line_to_outcome.get(problem.row) if problem.file == table else None
        if target is not None:
            target.rejections.append((problem.field or "-", str(problem.message)))
    accepted = [o for o in candidates if not o.rejections]
    final = stage / table
    _append_rows(
        data_dir / table,
        final,
        header,
        [{h: o.record.get(h, "") for h in header} for o in accepted],
    )
    shutil.copyfile(final, copy / table)
    new = sorted(_problem_keys(validate(copy, source_dir)) - baseline, key=str)
    if new:
        msg = f"the accepted rows still make the data package invalid: {new[0]!r}"
        raise FileImportError(msg, path=str(data_dir / table))
    shutil.rmtree(copy)
    return final


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "import"


def _problems(outcomes: list[_Outcome], file: str) -> list[ImportProblem]:
    out = []
    for outcome in outcomes:
        if outcome.rejections:
            for fld, message in outcome.rejections:
                out.append(ImportProblem(file, outcome.row, fld, "rejected", message))
            for fld, message in outcome.flags:
                out.append(ImportProblem(file, outcome.row, fld, "rejected", f"also: {message}"))
        else:
            for fld, message in outcome.flags:
                out.append(ImportProblem(file, outcome.row, fld, "flagged", message))
    return out


def import_file(
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    mapping: Mapping | str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    source_dir: str | os.PathLike[str] | None = None,
    source_id: str | None = None,
    check: bool = False,
    repair_geometry: bool = False,
    fix_swapped: bool = False,
    replace: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    geocoder: Callable[..., Any] | None = None,
    validator: Callable[[Path, Path], Sequence[Any]] | None = None,
) -> ImportReport:
    """Import one file into the data directory (or, with ``check=True``, only report).

    Parameters
    ----------
    path : path-like
        CSV, TSV, GeoJSON, GeoPackage or KML file.
    kind : str, optional
        One of ``facilities, people, places, sites, detentions, population_reports, events``;
        default the mapping's kind, else ``facilities``.
    mapping : Mapping or path-like, optional
        A mapping (or its YAML file); without one, columns are matched by recognised names.
    data_dir : path-like, optional
        The data directory (default the repository's ``data/``).
    source_dir : path-like, optional
        Source texts, for validating curated kinds (default the validator's).
    source_id : str, optional
        The import's source id (default the mapping's, else a slug of the file name).
    check : bool, optional
        Dry run: read, check and report; write nothing.
    repair_geometry : bool, optional
        Repair invalid polygons with ``shapely.make_valid`` (flagged) instead of rejecting.
    fix_swapped : bool, optional
        Swap a likely swapped lon/lat pair (flagged) instead of rejecting the row.
    replace : bool, optional
        Replace an earlier import with the same source id.
    encoding, delimiter : str, optional
        Override the detected text encoding and CSV delimiter.
    max_bytes, max_rows : int, optional
        File size and row/feature limits.
    geocoder : callable, optional
        ``geocode(name) -> Place`` for rows without coordinates; default ``geo.geocode``.
    validator : callable, optional
        ``validate(data_dir, source_dir) -> list of Problem`` for curated kinds; default
        :func:`layers.validate.validate_package`.

    Returns
    -------
    ImportReport

    Raises
    ------
    FileImportError
        If the file as a whole cannot be imported; nothing is written.
    """
    file_path = Path(path)
    file = file_path.name
    if not file_path.is_file():
        msg = f"{str(file_path)!r} is not a file"
        raise FileImportError(msg, path=str(file_path))
    size = file_path.stat().st_size
    if size > max_bytes:
        msg = (
            f"{file!r} is {size / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB "
            "(--max-size)"
        )
        raise FileImportError(msg, path=str(file_path))
    try:
        if mapping is None:
            the_mapping = Mapping()
        elif isinstance(mapping, Mapping):
            the_mapping = mapping
        else:
            the_mapping = load_mapping(Path(mapping))
    except MappingError as exc:
        raise FileImportError(str(exc), path=str(file_path)) from exc
    the_kind = kind or the_mapping.kind or "facilities"
    if the_kind not in KINDS:
        msg = f"unknown kind {the_kind!r} (known: {', '.join(KINDS)})"
        raise FileImportError(msg, path=str(file_path))
    if the_mapping.kind and kind and the_mapping.kind != kind:
        msg = f"--kind {kind!r} but the mapping {the_mapping.path!r} is for {the_mapping.kind!r}"
        raise FileImportError(msg, path=str(file_path))
    the_source_id = source_id or the_mapping.source_id or _slug(file_path.stem)
    if not _SOURCE_ID.fullmatch(the_source_id):
        msg = f"source id {the_source_id!r} must match [a-z0-9][a-z0-9-]*"
        raise FileImportError(msg, path=str(file_path))
    data = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    datapackage = data / "datapackage.json"
    try:
        schema = kind_schema(the_kind, datapackage)
    except (MappingError, OSError) as exc:
        raise FileImportError(str(exc), path=str(file_path)) from exc
    fields = [f["name"] for f in schema["fields"]]
    sha = _sha256(file_path)
    if the_kind == "facilities":
        target_dir = data / "imports" / the_source_id
        if target_dir.exists() and not replace:
            msg = (
                f"source id {the_source_id!r} was imported before ({str(target_dir)!r}); "
                "use --replace or another --source-id"
            )
            raise FileImportError(msg, path=str(file_path))
    else:
        # Rows appended to a curated table cannot be replaced automatically: one provenance
        # directory per imported file (by content), and a second import of it is refused.
        target_dir = data / "imports" / f"{the_kind}-{sha[:12]}"
        if replace:
            msg = f"--replace works for facility lists only; edit {the_kind}.csv by hand"
            raise FileImportError(msg, path=str(file_path))
        if target_dir.exists():
            msg = (
                f"{file!r} (sha256 {sha[:12]}...) was already imported into {the_kind}.csv; "
                f"see {str(target_dir / 'provenance.json')!r}"
            )
            raise FileImportError(msg, path=str(file_path))

    notes: list[ImportProblem] = []
    suffix = file_path.suffix.lower()
    guess: EncodingGuess | None = None
    used_delimiter: str | None = None
    if suffix in _CSV_SUFFIXES:
        try:
            guess = detect_encoding(file_path, given=encoding or the_mapping.encoding)
        except EncodingError as exc:
            raise FileImportError(str(exc), path=str(file_path)) from exc
        if guess.method == "detected":
            notes.append(
                ImportProblem(
                    file,
                    0,
                    "-",
                    "note",
                    f"not UTF-8; read as {guess.encoding} "
                    "(detected); give --encoding if that is wrong",
                )
            )
        used_delimiter = delimiter or the_mapping.delimiter
        if used_delimiter is None:
            used_delimiter = (
                "\t" if suffix in {".tsv", ".tab"} else _detect_delimiter(file_path, guess.encoding)
            )
        header, rows = _read_csv(file_path, guess.encoding, used_delimiter, max_rows, notes)
        driver = "CSV"
    elif suffix in _VECTOR_SUFFIXES:
        header, rows, driver = _read_vector(file_path, max_rows, notes)
    else:
        msg = (
            f"{file!r}: unsupported file type {suffix!r} (CSV/TSV: "
            f"{', '.join(sorted(_CSV_SUFFIXES))}; GDAL: {', '.join(sorted(_VECTOR_SUFFIXES))})"
        )
        raise FileImportError(msg, path=str(file_path))
    extra: tuple[str, ...] = _GEOMETRY_INPUTS
    if the_kind in CURATED_KINDS:
        extra = ("wkt",) if the_kind == "places" else ()
    if driver in {"KML", "LIBKML"}:
        display = [c for c in _KML_DISPLAY if c in header and c not in the_mapping.columns.values()]
        if display:
            notes.append(
                ImportProblem(file, 0, "-", "note", f"KML display columns ignored: {display!r}")
            )
            the_mapping = dataclasses.replace(the_mapping, ignore=(*the_mapping.ignore, *display))
    try:
        resolved = resolve_columns(the_mapping, fields, header, file=file, extra_fields=extra)
    except MappingError as exc:
        raise FileImportError(str(exc), path=str(file_path)) from exc
    for column in resolved.unknown:
        filled = sum(1 for r in rows if r.cells.get(column, "").strip())
        if filled:
            msg = f"column {column!r} matches no {the_kind} field; not imported ({filled} values)"
            notes.append(ImportProblem(file, 0, column, "note", msg))
    empty_unknown = [c for c in resolved.unknown if not any(r.cells.get(c) for r in rows)]
    if empty_unknown:
        notes.append(
            ImportProblem(file, 0, "-", "note", f"empty columns ignored: {empty_unknown!r}")
        )
    options = _Options(the_source_id, repair_geometry, fix_swapped, True, geocoder)
    if the_kind == "facilities":
        outcomes = _facility_rows(rows, header, resolved.columns, the_mapping, options, notes, file)
    else:
        outcomes = _curated_rows(rows, resolved.columns, fields, the_mapping, options)

    provenance: dict[str, Any] = {
        "source_id": the_source_id,
        "kind": the_kind,
        "file": file,
        "bytes": size,
        "sha256": sha,
        "imported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "format": driver,
        "encoding": guess.describe() if guess else None,
        "delimiter": used_delimiter,
        "mapping": the_mapping.to_dict(),
        "columns": resolved.columns,
        "unknown_columns": list(resolved.unknown),
        "options": {"repair_geometry": repair_geometry, "fix_swapped": fix_swapped},
    }
    data.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix=".import-", dir=data) as tmp:
        stage = Path(tmp) / the_source_id
        stage.mkdir()
        table_path: Path | None = None
        if the_kind == "facilities":
            _write_facilities(stage, outcomes, provenance, the_mapping)
        else:
            table_path = _validate_curated(
                the_kind,
                data,
                resolve_source_dir(source_dir),
                outcomes,
                Path(tmp),
                validator or _validator(),
            )
        problems = notes + _problems(outcomes, file)
        counts = _counts(outcomes)
        provenance["counts"] = counts
        provenance["problems"] = [p.to_dict() for p in problems]
        (stage / "provenance.json").write_text(
            json.dumps(provenance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if not check:
            written = _commit(stage, target_dir, table_path, data / f"{the_kind}.csv")
    return ImportReport(
        file=file,
        kind=the_kind,
        source_id=the_source_id,
        read=len(outcomes),
        accepted=counts["accepted"],
        flagged=counts["flagged"],
        rejected=counts["rejected"],
        problems=tuple(problems),
        written=tuple(written),
        sha256=sha,
        encoding=guess.describe() if guess else None,
    )


def _counts(outcomes: Sequence[_Outcome]) -> dict[str, int]:
    rejected = sum(1 for o in outcomes if o.rejections)
    flagged = sum(1 for o in outcomes if o.flags and not o.rejections)
    return {
        "read": len(outcomes),
        "accepted": len(outcomes) - rejected - flagged,
        "flagged": flagged,
        "rejected": rejected,
    }


def _commit(stage: Path, target_dir: Path, table: Path | None, table_target: Path) -> list[Path]:
    """Move the staged import into place with ``os.replace``; undo on failure."""
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    backup: Path | None = None
    if target_dir.exists():
        backup = stage.parent / "previous"
        os.replace(target_dir, backup)
    try:
        os.replace(stage, target_dir)
        if table is not None:
            os.replace(table, table_target)
    except BaseException:
        if target_dir.exists():
            shutil.rmtree(target_dir)
        if backup is not None:
            os.replace(backup, target_dir)
        raise
    written = sorted(target_dir.iterdir())
    return [*written, table_target] if table is not None else written


# --------------------------------------------------------------------------------------------
# Command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``import`` subcommand's arguments to ``parser``."""
    parser.add_argument("file", type=Path, help="CSV, TSV, GeoJSON, GeoPackage or KML file")
    parser.add_argument("--kind", choices=KINDS, help="kind of record (default: the mapping's)")
    parser.add_argument("--mapping", type=Path, help="mapping YAML (see mappings/)")
    parser.add_argument("--check", action="store_true", help="dry run: report, write nothing")
    parser.add_argument(
        "--repair-geometry", action="store_true", help="repair invalid polygons (flagged)"
    )
    parser.add_argument(
        "--fix-swapped", action="store_true", help="swap likely swapped lon/lat (flagged)"
    )
    parser.add_argument("--replace", action="store_true", help="replace an earlier import")
    parser.add_argument("--data", type=Path, default=None, help="data directory (default data/)")
    parser.add_argument("--sources", type=Path, default=None, help="source texts directory")
    parser.add_argument("--source-id", default=None, help="source id of the import")
    parser.add_argument("--encoding", default=None, help="text encoding of a CSV/TSV")
    parser.add_argument("--delimiter", default=None, help="CSV delimiter (default detected)")
    parser.add_argument(
        "--max-size", type=float, default=DEFAULT_MAX_BYTES / 2**20, help="file size limit, MB"
    )
    parser.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, help="row/feature limit")


def run(args: argparse.Namespace) -> int:
    """Run ``python -m layers import``; return 0 (all rows written), 1 (some rejected), 2."""
    try:
        report = import_file(
            args.file,
            kind=args.kind,
            mapping=args.mapping,
            data_dir=args.data,
            source_dir=args.sources,
            source_id=args.source_id,
            check=args.check,
            repair_geometry=args.repair_geometry,
            fix_swapped=args.fix_swapped,
            replace=args.replace,
            encoding=args.encoding,
            delimiter=args.delimiter,
            max_bytes=int(args.max_size * 2**20),
            max_rows=args.max_rows,
        )
    except FileImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in report.problems:
        print(problem)
    if report.encoding:
        print(f"{report.file}: encoding {report.encoding}")
    print(report.summary())
    if args.check:
        print(f"{report.file}: check only; nothing written")
    else:
        for path in report.written:
            print(f"wrote {path}")
    return 1 if report.rejected else 0
