"""Checking one imported row: coordinates, geometry, geocoding, ids, text quirks.

Each row gets an :class:`Outcome`: the record to write, the flags (written with a note) and the
rejections (not written), each as ``(field, message)``.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geo import geocode as geo_geocode
from geo._errors import CoordinateError, GeoError
from geo.coords import validate_lonlat
from geo.districts import district_at
from layers.errors import LayersError
from layers.io.csvsafe import FORMULA_PREFIXES, safe_cell
from layers.io.encoding import undecodable_bytes as _undecodable
from layers.io.importread import FileImportError, ImportProblem, RawRow
from layers.io.mapping import Mapping, facility_schema

__all__ = [
    "REGION",
    "VERBATIM_FIELDS",
    "GeocodeBudget",
    "GeocodeBudgetError",
    "Options",
    "Outcome",
    "curated_rows",
    "default_geocoder",
    "facility_rows",
    "flag_outside_districts",
    "note_from_flags",
]

REGION = (46.0, 34.0, 97.0, 56.0)
"""Atlas region as (min lon, min lat, max lon, max lat): Xinjiang, Kazakhstan, the border belt."""

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
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

VERBATIM_FIELDS = frozenset({"quote"})
"""Fields written without the spreadsheet-formula guard: a quote must match its source text
verbatim (and the validator's quote check already keeps anything not in the source out)."""


@dataclass
class Outcome:
    """The importer's verdict on one row."""

    row: int
    record: dict[str, object]
    flags: list[tuple[str, str]] = field(default_factory=list)
    rejections: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    """What the user asked for, passed down to the row checks.

    ``deadline`` is a :func:`time.monotonic` time after which the import stops with a
    :class:`~layers.io.importread.FileImportError` (its time budget); None for no budget.
    """

    source_id: str
    repair_geometry: bool
    fix_swapped: bool
    check_region: bool
    geocoder: Callable[..., Any] | None = None
    deadline: float | None = None

    def check_time(self, file: str, row: int) -> None:
        """Raise if the import has run past its deadline (naming the row it reached)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            msg = f"{file!r}: the import ran over its time budget at row {row}; nothing written"
            raise FileImportError(msg, path=file)


class GeocodeBudgetError(LayersError, LookupError):
    """A file asks the geocoder for more distinct names than one import may look up."""

    def __init__(self, message: str, *, query: str, limit: int) -> None:
        super().__init__(message)
        self.query = query
        self.limit = limit


class GeocodeBudget:
    """A geocoder that looks each distinct name up once, and at most ``limit`` names per file.

    Parameters
    ----------
    geocode : callable
        ``geocode(name) -> Place``, raising :class:`LookupError` or ``geo.GeoError``.
    limit : int
        Most distinct names looked up; later new names raise :class:`GeocodeBudgetError`.
    """

    def __init__(self, geocode: Callable[..., Any], limit: int) -> None:
        self._geocode = geocode
        self.limit = limit
        self._answers: dict[tuple[str, str | None], Any] = {}

    @property
    def looked_up(self) -> int:
        """Distinct names looked up so far."""
        return len(self._answers)

    def __call__(self, query: str, *, within: str | None = None) -> Any:
        """Return the place for ``query`` (inside ``within``); raise what the geocoder raised.

        Each distinct ``(query, within)`` pair is looked up once.
        """
        key = (query, within)
        if key not in self._answers:
            if len(self._answers) >= self.limit:
                msg = (
                    f"{query!r} was not geocoded: the file names more than {self.limit:,} "
                    "distinct places without coordinates (the geocoding budget of one import)"
                )
                raise GeocodeBudgetError(msg, query=query, limit=self.limit)
            try:
                found = (
                    self._geocode(query) if within is None
                    else self._geocode(query, within=within)
                )
                self._answers[key] = found
            except (LookupError, GeoError) as exc:
                self._answers[key] = exc
        answer = self._answers[key]
        if isinstance(answer, BaseException):
            raise answer.with_traceback(None)
        return answer


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
    lon_text: str, lat_text: str, options: Options, outcome: Outcome
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
        if any(_DECIMAL_COMMA.fullmatch(t.strip()) for t in (lon_text, lat_text)):
            error += " (a decimal comma? write the number with a point)"
        outcome.rejections.append(("lat" if error.startswith("latitude") else "lon", error))
        return None
    outcome.rejections.append(
        ("lon", f"(lon {lon}, lat {lat}) is outside the atlas region ({_region_text()})")
    )
    return None


def _swap_xy(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, lambda xy: xy[:, ::-1])


def _check_geometry(
    geometry: BaseGeometry, options: Options, outcome: Outcome
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
        repaired = _repair(geometry, options, outcome)
        if repaired is None:
            return None
        geometry = repaired
    return _check_bounds(geometry, kind, options, outcome)


def _repair(geometry: BaseGeometry, options: Options, outcome: Outcome) -> BaseGeometry | None:
    """Repair an invalid geometry under ``--repair-geometry`` (flagged); else reject the row."""
    kind = geometry.geom_type
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
    return repaired


def _check_bounds(
    geometry: BaseGeometry, kind: str, options: Options, outcome: Outcome
) -> BaseGeometry | None:
    """Keep a geometry inside the region; swap likely swapped axes on request; else reject.

    ``kind`` is the geometry type as read (before any repair), for the message.
    """
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


def default_geocoder() -> Callable[..., Any] | None:
    """Return the geocoder rows without coordinates use: ``geo.geocode`` (see :func:`_geocoder`)."""
    return _geocoder()


def _geocoder() -> Callable[..., Any] | None:
    """Return ``geo.geocode``; None (only a test's stand-in) means no geocoder at all.

    Rows without coordinates are then rejected with the reason. Kept as a function so tests
    can replace it.
    """
    return geo_geocode


def _district_lookup() -> Callable[..., Any] | None:
    """Return ``geo.district_at``; None (only a test's stand-in) skips the district check.

    Kept as a function so tests can replace it (the district polygons are tested by ``geo``).
    """
    return district_at


def flag_outside_districts(outcomes: list[Outcome], file: str) -> list[ImportProblem]:
    """Flag kept rows whose point is in the atlas box but in no county or Kazakhstan region.

    The box (:data:`REGION`) also holds Kyrgyzstan, Mongolia and parts of Russia; a point there
    is kept (it may be right) but flagged. Returns a note when the lookup is not available.
    """
    kept = [o for o in outcomes if not o.rejections and isinstance(o.record.get("lon"), float)]
    if not kept:
        return []
    lookup = _district_lookup()
    if lookup is None:
        msg = "district check skipped: geo.district_at is not available"
        return [ImportProblem(file, 0, "lon", "note", msg)]
    lons = np.array([o.record["lon"] for o in kept], dtype=np.float64)
    lats = np.array([o.record["lat"] for o in kept], dtype=np.float64)
    try:
        found = lookup(lons, lats)
    except (ImportError, OSError) as exc:
        return [ImportProblem(file, 0, "lon", "note", f"district check skipped: {exc}")]
    for outcome, district in zip(kept, found, strict=True):
        if district is None:
            lon, lat = outcome.record["lon"], outcome.record["lat"]
            outcome.flags.append(
                (
                    "lon",
                    f"(lon {lon}, lat {lat}) is in no Xinjiang county or Kazakhstan region",
                )
            )
    return []


def note_from_flags(outcome: Outcome) -> None:
    """Set the record's ``note``: the file's own note, then every flag's message."""
    given = str(outcome.record.get("note") or "")
    parts = [*([given] if given else []), *(message for _, message in outcome.flags)]
    outcome.record["note"] = "; ".join(parts)


def _geocode_row(
    record: dict[str, object], mapping: Mapping, given: str, options: Options, outcome: Outcome
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
    within = next((str(record[f]) for f in mapping.within if record.get(f)), None)
    geocode = options.geocoder or _geocoder()
    if geocode is None:
        outcome.rejections.append(
            ("lon", f"no coordinates ({given}) and the geocoder is not available")
        )
        return None
    try:
        place = geocode(query) if within is None else geocode(query, within=within)
    except GeocodeBudgetError as exc:
        outcome.rejections.append((query_field, f"no coordinates ({given}) and {exc}"))
        return None
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
    hint = getattr(place, "within", None)
    if hint is not None and not hint.inside:
        outcome.flags.append(
            (
                query_field,
                f"{query!r} names no place inside {within!r}; geocoded to {place.name!r} "
                "outside it",
            )
        )
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
    raw: RawRow,
    record: dict[str, object],
    mapping: Mapping,
    options: Options,
    outcome: Outcome,
    *,
    required: bool,
    keep_wkt: bool,
) -> None:
    """Fill ``lon``, ``lat``, ``precision`` (and ``wkt``) of a record, or reject the row.

    The feature's geometry (or the ``wkt`` column) comes first; else the ``lon``/``lat``
    columns; else, when ``required``, the geocoder.
    """
    geometry = raw.geometry
    wkt = str(record.pop("wkt", "") or "")
    if geometry is None and wkt:
        try:
            geometry = shapely.from_wkt(wkt)
        except shapely.errors.GEOSException as exc:
            outcome.rejections.append(("wkt", f"{wkt[:60]!r} is not WKT: {exc}"))
            return
    if geometry is not None and not geometry.is_empty:
        _locate_geometry(geometry, record, options, outcome, keep_wkt=keep_wkt)
    else:
        _locate_lonlat(record, mapping, options, outcome, required=required)


def _locate_geometry(
    geometry: BaseGeometry,
    record: dict[str, object],
    options: Options,
    outcome: Outcome,
    *,
    keep_wkt: bool,
) -> None:
    """Fill a record's place from a feature's geometry (its point; a polygon's inner point)."""
    checked = _check_geometry(geometry, options, outcome)
    if checked is None:
        return
    point = checked if checked.geom_type == "Point" else checked.representative_point()
    record["lon"], record["lat"] = round(point.x, 7), round(point.y, 7)
    record["precision"] = record.get("precision") or "exact"
    if checked.geom_type != "Point" and keep_wkt:
        record["wkt"] = shapely.to_wkt(checked, rounding_precision=7)


def _locate_lonlat(
    record: dict[str, object],
    mapping: Mapping,
    options: Options,
    outcome: Outcome,
    *,
    required: bool,
) -> None:
    """Fill a record's place from its ``lon``/``lat`` cells, or geocode it when both are missing."""
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


def _text_checks(record: dict[str, object], outcome: Outcome, *, lookalikes: bool) -> None:
    """Flag spreadsheet formulas and look-alike characters in text cells."""
    for name, value in record.items():
        if not isinstance(value, str) or not value:
            continue
        controls = sorted({f"U+{ord(ch):04X}" for ch in _CONTROL.findall(value)})
        if controls:
            outcome.rejections.append(
                (name, f"{value[:40]!r} contains control character(s) {', '.join(controls)}")
            )
        if value.startswith(FORMULA_PREFIXES) and safe_cell(value) != value:
            if name in VERBATIM_FIELDS:
                how = "kept verbatim (it must match the source text)"
            else:
                how = 'stored with a leading "\'"'
            outcome.flags.append((name, f"{value[:40]!r} starts like a spreadsheet formula; {how}"))
        if lookalikes and name not in _FREE_TEXT:
            found = sorted({_LOOKALIKES[ch] for ch in value if ch in _LOOKALIKES})
            if found:
                what = ", ".join(f"{label} (looks like {ascii_!r})" for label, ascii_ in found)
                outcome.flags.append((name, f"{value!r} contains {what}"))


def _build_record(
    raw: RawRow,
    columns: dict[str, str],
    mapping: Mapping,
    used_values: Counter[tuple[str, str, str]],
    outcome: Outcome,
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


class _FacilityIds:
    """The facility ids and names seen so far in one file, for duplicates and look-alikes.

    Parameters
    ----------
    source_id : str
        The import's source id, the first part of every ``facility_id``.
    has_id : bool
        Whether the file gives ids (else ids are made from row numbers, without a flag).
    has_sub : bool
        Whether the file has an ``id_sub`` column (named in the duplicate message if not).
    """

    def __init__(self, source_id: str, *, has_id: bool, has_sub: bool) -> None:
        self.source_id = source_id
        self.has_id = has_id
        self.has_sub = has_sub
        self._rows: dict[str, int] = {}
        self._names: dict[str, tuple[int, str]] = {}

    def facility_id(self, record: dict[str, object], row: int, outcome: Outcome) -> str:
        """Return the row's ``facility_id``; reject a duplicate, flag a missing id."""
        ident = str(record.get("id") or "")
        sub = str(record.get("id_sub") or "")
        if not ident:
            if self.has_id:
                outcome.flags.append(("id", "id is empty; facility_id made from the row number"))
            key = f"row{row}"
        else:
            key = _id_part(ident) + (f"-{_id_part(sub)}" if sub else "")
        facility_id = f"{self.source_id}-{key}"
        if facility_id in self._rows:
            what = f"id {ident!r}" + (f" with id_sub {sub!r}" if sub else "")
            hint = "" if self.has_sub else "; sub-compounds need an id_sub column"
            outcome.rejections.append(
                ("id", f"duplicate {what} (first on row {self._rows[facility_id]}){hint}")
            )
        else:
            self._rows[facility_id] = row
        return facility_id

    def check_name(self, record: dict[str, object], row: int, outcome: Outcome) -> None:
        """Flag an empty name, and a name an earlier row with another id already has."""
        ident = str(record.get("id") or "")
        name = str(record.get("name") or "")
        if not name:
            outcome.flags.append(("name", "name is empty"))
        elif name in self._names and self._names[name][1] != ident:
            first_row, first_id = self._names[name]
            outcome.flags.append(
                ("name", f"name {name!r} is also on row {first_row} (id {first_id!r})")
            )
        else:
            self._names.setdefault(name, (row, ident))


def _start_outcome(raw: RawRow) -> Outcome:
    """Return a row's outcome with what the reader found (problems, flags)."""
    outcome = Outcome(raw.row, {})
    outcome.rejections.extend(raw.problems)
    outcome.flags.extend(raw.flags)
    return outcome


def facility_rows(
    rows: list[RawRow],
    columns: dict[str, str],
    mapping: Mapping,
    options: Options,
    notes: list[ImportProblem],
    file: str,
) -> list[Outcome]:
    """Turn raw rows into facility records, with per-row verdicts."""
    fields = [f["name"] for f in facility_schema()["fields"]]
    used_values: Counter[tuple[str, str, str]] = Counter()
    has_id = "id" in columns and any(r.cells.get(columns["id"], "").strip() for r in rows)
    if not has_id:
        notes.append(
            ImportProblem(
                file, 0, "id", "note", "no ids in the file: ids are made from row numbers"
            )
        )
    ids = _FacilityIds(options.source_id, has_id=has_id, has_sub="id_sub" in columns)
    outcomes = []
    for raw in rows:
        options.check_time(file, raw.row)
        outcome = _start_outcome(raw)
        outcomes.append(outcome)
        if not any(v.strip() for v in raw.cells.values()) and (
            raw.geometry is None or raw.geometry.is_empty
        ):
            outcome.rejections.append(("-", "empty row"))
            continue
        record = _build_record(raw, columns, mapping, used_values, outcome)
        outcome.record = {f: "" for f in fields}
        _locate(raw, record, mapping, options, outcome, required=True, keep_wkt=True)
        _text_checks(record, outcome, lookalikes=True)
        record["facility_id"] = ids.facility_id(record, raw.row, outcome)
        ids.check_name(record, raw.row, outcome)
        record["source_row"] = raw.row
        outcome.record.update({k: v for k, v in record.items() if k in outcome.record})
    notes.extend(_value_notes(used_values, file))
    return outcomes


def _value_notes(used: Counter[tuple[str, str, str]], file: str) -> list[ImportProblem]:
    """One note per value the mapping's ``values`` table replaced, with its row count."""
    return [
        ImportProblem(
            file, 0, fld, "note", f"{before!r} mapped to {after!r} by the mapping ({count} rows)"
        )
        for (fld, before, after), count in sorted(used.items())
    ]


def curated_rows(
    rows: list[RawRow],
    columns: dict[str, str],
    fields: list[str],
    mapping: Mapping,
    options: Options,
    notes: list[ImportProblem],
    file: str,
) -> list[Outcome]:
    """Turn raw rows into candidate rows of a curated table (checked later by the validator)."""
    used_values: Counter[tuple[str, str, str]] = Counter()
    outcomes = []
    for raw in rows:
        options.check_time(file, raw.row)
        outcome = _start_outcome(raw)
        if not any(v.strip() for v in raw.cells.values()) and raw.geometry is None:
            outcome.rejections.append(("-", "empty row"))
            outcomes.append(outcome)
            continue
        record = _build_record(raw, columns, mapping, used_values, outcome)
        if "source_id" in fields and not record.get("source_id") and options.source_id:
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
    notes.extend(_value_notes(used_values, file))
    return outcomes
