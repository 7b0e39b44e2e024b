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
  :func:`layers.io.mapping.facility_schema`) and ``provenance.json`` (file name, sha256, import
  date, the mapping used, every flagged and rejected row). ``data/datapackage.json`` is not
  touched.
- The curated kinds (people, places, sites, detentions, population_reports, events) are
  appended to ``data/<kind>.csv`` after the whole package, with the candidate rows added, has
  passed :func:`layers.records.validate.validate_package` in a temporary copy (so quotes,
  foreign keys
  and dates are checked by the same code as curated rows); rows without an id get the next
  free one. Their provenance goes to ``data/imports/<kind>-<first 12 hex of sha256>/``, and
  importing the same file again is refused. Their ``source_id`` (a column, a mapping constant
  or ``--source-id``) must already be in ``sources.csv`` with its text.

An import is two steps. :func:`check_file` reads, maps and checks every row (the Frictionless
schema of facility lists included, in memory) and returns a :class:`CheckedImport`: the
outcomes, the problems, the counts, the provenance and the records to write; it writes
nothing, anywhere. :func:`write_import` then writes a checked import into a data directory.
:func:`import_file` (the command line) is the two in turn; the app's upload
(:mod:`layers.io.upload`) uses the check alone.

Writing is all-or-nothing per file: everything is written into a staging folder
(``data/.import-*``, git-ignored) and moved into place with :func:`os.replace` at the end, while
the import holds ``data/.import.lock``; the "already imported" check is made again under that
lock, and a staging folder a killed import left is swept by the next one.

Files are read only through :mod:`layers.io.importread` and :mod:`layers.io.gdal`: name, first bytes
and GDAL driver must agree, and no GDAL driver that reaches other files or URLs is registered.
Costs are bounded by ``max_bytes``, ``max_rows``, ``max_geocode`` and ``max_seconds``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import fcntl
import json
import logging
import math
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import frictionless

from layers.io.csvsafe import csv_bytes, safe_cell
from layers.io.encoding import EncodingError, EncodingGuess, detect_encoding
from layers.io.importread import (
    CSV_SUFFIXES,
    VECTOR_SUFFIXES,
    FileImportError,
    ImportProblem,
    RawRow,
    detect_delimiter,
    read_csv,
    read_vector,
    sha256_file,
)
from layers.io.importrows import (
    REGION,
    VERBATIM_FIELDS,
    GeocodeBudget,
    Options,
    Outcome,
    curated_rows,
    default_geocoder,
    facility_rows,
    flag_outside_districts,
    note_from_flags,
)
from layers.io.mapping import (
    CURATED_KINDS,
    KINDS,
    Mapping,
    MappingError,
    Resolved,
    facility_schema,
    kind_schema,
    load_mapping,
    resolve_columns,
)
from layers.records.load import DEFAULT_DATA_DIR
from layers.records.load import source_dir as resolve_source_dir
from layers.records.validate import validate_package

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_GEOCODE",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_MAX_SECONDS",
    "LOCK_NAME",
    "REGION",
    "CheckedImport",
    "FileImportError",
    "ImportProblem",
    "ImportReport",
    "add_arguments",
    "check_file",
    "facility_csv",
    "import_file",
    "run",
    "write_import",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Largest file the importer reads (``--max-size``, in MB on the command line)."""

DEFAULT_MAX_ROWS = 200_000
"""Most rows or features the importer reads (``--max-rows``)."""

DEFAULT_MAX_GEOCODE = 2_000
"""Most distinct place names one import geocodes (``--max-geocode``); rows past it are rejected."""

DEFAULT_MAX_SECONDS = 600.0
"""Time budget of one import (``--max-seconds``); past it the import stops, writing nothing."""

LOCK_NAME = ".import.lock"
"""Lock file in the data directory that serialises imports (``fcntl.flock``)."""

STAGING_PREFIX = ".import-"
"""Prefix of the staging folders in the data directory (git-ignored; a stale one is swept)."""

_LOCK_WAIT = 120.0

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
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_GEOMETRY_INPUTS = ("lon", "lat", "wkt", "geocode_query")
_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")


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


@dataclass(frozen=True)
class CheckedImport:
    """A file read and checked, not yet written: what :func:`check_file` returns.

    Making one has touched no data directory. :func:`write_import` writes it; :meth:`report`
    says what it would write.

    Attributes
    ----------
    path : Path
        The file read.
    kind : str
        The kind of record.
    source_id : str
        The import's source id.
    sha256 : str
        Hash of the file's bytes.
    encoding : str or None
        How a CSV/TSV was decoded.
    mapping : Mapping
        The mapping as applied (with a KML file's display columns added to ``ignore``).
    notes : tuple of ImportProblem
        File-level notes, in file order.
    outcomes : tuple of Outcome
        Every row's verdict and record, in file order. :func:`write_import` works on a copy.
    provenance : dict
        ``provenance.json`` without its ``counts`` and ``problems``.
    """

    path: Path
    kind: str
    source_id: str
    sha256: str
    encoding: str | None
    mapping: Mapping
    notes: tuple[ImportProblem, ...]
    outcomes: tuple[Outcome, ...]
    provenance: dict[str, Any]

    @property
    def file(self) -> str:
        """The file's name, as the report lines give it."""
        return self.path.name

    @property
    def records(self) -> list[dict[str, object]]:
        """The records to write (accepted and flagged rows), in file order."""
        return [o.record for o in self.outcomes if not o.rejections]

    @property
    def problems(self) -> tuple[ImportProblem, ...]:
        """The notes, then every rejected and flagged row's lines."""
        return (*self.notes, *_problems(self.outcomes, self.file))

    @property
    def counts(self) -> dict[str, int]:
        """Rows ``read``, ``accepted``, ``flagged`` and ``rejected``."""
        return _counts(self.outcomes)

    def report(self) -> ImportReport:
        """Return the report of the check (nothing written).

        For a facility list this is the whole verdict. Rows of a curated kind are also
        checked against the data package, which only :func:`write_import` (and
        ``import_file(check=True)``) does: its report may reject more.
        """
        return _report(self, self.outcomes, self.problems, ())


@dataclass(frozen=True)
class _Plan:
    """What the file and the arguments settle before a row is read."""

    path: Path
    kind: str
    mapping: Mapping
    source_id: str
    explicit_source_id: str
    """The source id given (argument or mapping), '' if none: it fills curated rows' column."""
    fields: list[str]
    size: int
    sha256: str
    deadline: float | None


@dataclass(frozen=True)
class _Reading:
    """How the rows are read and checked (the caller's options)."""

    repair_geometry: bool
    fix_swapped: bool
    encoding: str | None
    delimiter: str | None
    max_bytes: int
    max_rows: int
    max_geocode: int
    geocoder: Callable[..., Any] | None


@dataclass(frozen=True)
class _Table:
    """The rows as read, with how they were read."""

    header: list[str]
    rows: list[RawRow]
    driver: str
    guess: EncodingGuess | None = None
    delimiter: str | None = None


# --------------------------------------------------------------------------------------------
# Check


def check_file(
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    mapping: Mapping | str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    source_id: str | None = None,
    repair_geometry: bool = False,
    fix_swapped: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_geocode: int = DEFAULT_MAX_GEOCODE,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    geocoder: Callable[..., Any] | None = None,
) -> CheckedImport:
    """Read, map and check every row of a file; write nothing.

    The parameters are :func:`import_file`'s. ``data_dir`` is only read, for the schema of a
    curated kind (``datapackage.json``); whether the file was imported before is the
    writer's question (:func:`write_import`).

    Returns
    -------
    CheckedImport

    Raises
    ------
    FileImportError
        If the file as a whole cannot be imported (type, size, limits, encoding, mapping).
    """
    plan = _plan(
        path,
        kind=kind,
        mapping=mapping,
        data_dir=data_dir,
        source_id=source_id,
        max_bytes=max_bytes,
        max_seconds=max_seconds,
    )
    reading = _Reading(
        repair_geometry=repair_geometry,
        fix_swapped=fix_swapped,
        encoding=encoding,
        delimiter=delimiter,
        max_bytes=max_bytes,
        max_rows=max_rows,
        max_geocode=max_geocode,
        geocoder=geocoder,
    )
    return _check_rows(plan, reading)


def _data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    return Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR


def _plan(
    path: str | os.PathLike[str],
    *,
    kind: str | None,
    mapping: Mapping | str | os.PathLike[str] | None,
    data_dir: str | os.PathLike[str] | None,
    source_id: str | None,
    max_bytes: int,
    max_seconds: float | None,
) -> _Plan:
    """Check the file's size, the mapping, kind and source id; hash the file."""
    file_path = Path(path)
    file = file_path.name
    if not file_path.is_file():
        msg = f"{str(file_path)!r} is not a file"
        raise FileImportError(msg, path=str(file_path))
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    size = file_path.stat().st_size
    if size > max_bytes:
        msg = (
            f"{file!r} is {size / 2**20:.1f} MB, over the limit of {max_bytes / 2**20:.1f} MB "
            "(--max-size; 1 MB = 2**20 bytes)"
        )
        raise FileImportError(msg, path=str(file_path))
    the_mapping = _load_mapping(mapping, file_path)
    the_kind = _choose_kind(kind, the_mapping, file_path)
    the_source_id = source_id or the_mapping.source_id or _slug(file_path.stem)
    if not _SOURCE_ID.fullmatch(the_source_id):
        msg = f"source id {the_source_id!r} must match [a-z0-9][a-z0-9-]*"
        raise FileImportError(msg, path=str(file_path))
    try:
        schema = kind_schema(the_kind, _data_dir(data_dir) / "datapackage.json")
    except (MappingError, OSError) as exc:
        raise FileImportError(str(exc), path=str(file_path)) from exc
    return _Plan(
        path=file_path,
        kind=the_kind,
        mapping=the_mapping,
        source_id=the_source_id,
        explicit_source_id=source_id or the_mapping.source_id or "",
        fields=[f["name"] for f in schema["fields"]],
        size=size,
        sha256=sha256_file(file_path),
        deadline=deadline,
    )


def _load_mapping(mapping: Mapping | str | os.PathLike[str] | None, file_path: Path) -> Mapping:
    """Return the mapping given (or read from its YAML file); an empty one if none."""
    try:
        if mapping is None:
            return Mapping()
        if isinstance(mapping, Mapping):
            return mapping
        return load_mapping(Path(mapping))
    except MappingError as exc:
        raise FileImportError(str(exc), path=str(file_path)) from exc


def _choose_kind(kind: str | None, mapping: Mapping, file_path: Path) -> str:
    """Return the kind asked for, else the mapping's, else ``facilities``; refuse a mismatch."""
    the_kind = kind or mapping.kind or "facilities"
    if the_kind not in KINDS:
        msg = f"unknown kind {the_kind!r} (known: {', '.join(KINDS)})"
        raise FileImportError(msg, path=str(file_path))
    if mapping.kind and kind and mapping.kind != kind:
        msg = f"--kind {kind!r} but the mapping {mapping.path!r} is for {mapping.kind!r}"
        raise FileImportError(msg, path=str(file_path))
    return the_kind


def _check_rows(plan: _Plan, reading: _Reading) -> CheckedImport:
    """Read the planned file's rows, map their columns and check each one."""
    file = plan.path.name
    notes: list[ImportProblem] = []
    table = _read_table(plan, reading, notes)
    mapping = _without_kml_display(plan.mapping, table, notes, file)
    resolved = _resolve(plan, mapping, table.header)
    notes.extend(_unknown_column_notes(resolved, table.rows, plan.kind, file))
    outcomes = _outcomes(plan, reading, table.rows, resolved, mapping, notes)
    encoding = table.guess.describe() if table.guess else None
    provenance: dict[str, Any] = {
        "source_id": plan.source_id,
        "kind": plan.kind,
        "file": file,
        "bytes": plan.size,
        "sha256": plan.sha256,
        "imported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "format": table.driver,
        "encoding": encoding,
        "delimiter": table.delimiter,
        "mapping": mapping.to_dict(),
        "columns": resolved.columns,
        "unknown_columns": list(resolved.unknown),
        "options": {"repair_geometry": reading.repair_geometry, "fix_swapped": reading.fix_swapped},
    }
    return CheckedImport(
        path=plan.path,
        kind=plan.kind,
        source_id=plan.source_id,
        sha256=plan.sha256,
        encoding=encoding,
        mapping=mapping,
        notes=tuple(notes),
        outcomes=tuple(outcomes),
        provenance=provenance,
    )


def _read_table(plan: _Plan, reading: _Reading, notes: list[ImportProblem]) -> _Table:
    """Read the file's rows by its type: delimited text, or a vector file through GDAL."""
    suffix = plan.path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_delimited(plan.path, plan.mapping, reading, notes)
    if suffix in VECTOR_SUFFIXES:
        header, rows, driver = read_vector(
            plan.path, reading.max_rows, notes, max_bytes=reading.max_bytes
        )
        return _Table(header, rows, driver)
    msg = (
        f"{plan.path.name!r}: unsupported file type {suffix!r} (CSV/TSV: "
        f"{', '.join(sorted(CSV_SUFFIXES))}; GDAL: {', '.join(sorted(VECTOR_SUFFIXES))})"
    )
    raise FileImportError(msg, path=str(plan.path))


def _read_delimited(
    path: Path, mapping: Mapping, reading: _Reading, notes: list[ImportProblem]
) -> _Table:
    """Read a CSV/TSV: its encoding given or detected (noted), its delimiter given or detected."""
    try:
        guess = detect_encoding(path, given=reading.encoding or mapping.encoding)
    except EncodingError as exc:
        raise FileImportError(str(exc), path=str(path)) from exc
    if guess.method == "detected":
        notes.append(
            ImportProblem(
                path.name,
                0,
                "-",
                "note",
                f"not UTF-8; read as {guess.encoding} (detected); give --encoding if that is wrong",
            )
        )
    delimiter = _delimiter(path, reading.delimiter, mapping.delimiter, guess.encoding)
    header, rows = read_csv(
        path,
        guess.encoding,
        delimiter,
        reading.max_rows,
        notes,
        guessed=guess.method == "detected",
    )
    return _Table(header, rows, "CSV", guess, delimiter)


def _delimiter(path: Path, given: str | None, mapped: str | None, encoding: str) -> str:
    """Return the delimiter given (a character or a name), else the mapping's, else detected."""
    used = _DELIMITER_NAMES.get(given or "", given) or mapped
    if used is not None and len(used) != 1:
        msg = f"delimiter {used!r} must be one character (or tab, comma, ...)"
        raise FileImportError(msg, path=str(path))
    if used is not None:
        return used
    return "\t" if path.suffix.lower() in {".tsv", ".tab"} else detect_delimiter(path, encoding)


def _without_kml_display(
    mapping: Mapping, table: _Table, notes: list[ImportProblem], file: str
) -> Mapping:
    """Return the mapping, ignoring (with a note) the KML display columns the file has."""
    if table.driver not in {"KML", "LIBKML"}:
        return mapping
    display = [c for c in _KML_DISPLAY if c in table.header and c not in mapping.columns.values()]
    if not display:
        return mapping
    notes.append(ImportProblem(file, 0, "-", "note", f"KML display columns ignored: {display!r}"))
    return dataclasses.replace(mapping, ignore=(*mapping.ignore, *display))


def _resolve(plan: _Plan, mapping: Mapping, header: list[str]) -> Resolved:
    """Match the header to the kind's fields (and the importer's geometry inputs)."""
    extra: tuple[str, ...] = _GEOMETRY_INPUTS
    if plan.kind in CURATED_KINDS:
        extra = ("wkt",) if plan.kind == "places" else ()
    try:
        return resolve_columns(
            mapping, plan.fields, header, file=plan.path.name, extra_fields=extra
        )
    except MappingError as exc:
        raise FileImportError(str(exc), path=str(plan.path)) from exc


def _unknown_column_notes(
    resolved: Resolved, rows: list[RawRow], kind: str, file: str
) -> list[ImportProblem]:
    """Note each column that feeds no field: one note per filled one, one for the empty ones."""
    notes = []
    for column in resolved.unknown:
        filled = sum(1 for r in rows if r.cells.get(column, "").strip())
        if filled:
            msg = f"column {column!r} matches no {kind} field; not imported ({filled} values)"
            notes.append(ImportProblem(file, 0, column, "note", msg))
    empty_unknown = [c for c in resolved.unknown if not any(r.cells.get(c) for r in rows)]
    if empty_unknown:
        notes.append(
            ImportProblem(file, 0, "-", "note", f"empty columns ignored: {empty_unknown!r}")
        )
    return notes


def _outcomes(
    plan: _Plan,
    reading: _Reading,
    rows: list[RawRow],
    resolved: Resolved,
    mapping: Mapping,
    notes: list[ImportProblem],
) -> list[Outcome]:
    """Check every row of the kind; a facility list is also checked against its schema."""
    file = plan.path.name
    the_geocoder = reading.geocoder or default_geocoder()
    budget = None if the_geocoder is None else GeocodeBudget(the_geocoder, reading.max_geocode)
    options = Options(
        plan.source_id, reading.repair_geometry, reading.fix_swapped, True, budget, plan.deadline
    )
    if plan.kind != "facilities":
        # Only an explicit source id fills the curated source_id column, never the file name.
        explicit = dataclasses.replace(options, source_id=plan.explicit_source_id)
        return curated_rows(rows, resolved.columns, plan.fields, mapping, explicit, notes, file)
    outcomes = facility_rows(rows, resolved.columns, mapping, options, notes, file)
    notes.extend(flag_outside_districts(outcomes, file))
    for outcome in outcomes:
        note_from_flags(outcome)
    _frictionless_rejections(outcomes, plan.path)
    return outcomes


def facility_csv(records: Iterable[dict[str, object]]) -> bytes:
    """Return facility records as the importer writes ``facilities.csv``, byte for byte.

    UTF-8, the facility schema's columns, every cell through the spreadsheet-formula guard
    (:func:`layers.io.csvsafe.csv_bytes`).
    """
    return csv_bytes(records, [f["name"] for f in facility_schema()["fields"]])


def _frictionless_rejections(outcomes: list[Outcome], path: Path) -> None:
    """Validate the candidate rows, as ``facilities.csv`` would hold them, with Frictionless.

    Rows it finds wrong are rejected. The CSV is the one :func:`facility_csv` makes, checked
    in memory (nothing is written).
    """
    candidates = [o for o in outcomes if not o.rejections]
    resource = frictionless.Resource(
        facility_csv(o.record for o in candidates),
        format="csv",
        schema=frictionless.Schema.from_descriptor(facility_schema()),
    )
    report = resource.validate(limit_errors=10**9)
    for task in report.tasks:
        for error in task.errors:
            row_number = getattr(error, "row_number", None)
            if row_number is None:
                msg = f"facilities.csv: {error.message}"
                raise FileImportError(msg, path=str(path))
            outcome = candidates[row_number - 2]
            name = getattr(error, "field_name", None) or "-"
            cell = getattr(error, "cell", None)
            note = getattr(error, "note", "") or error.message
            outcome.rejections.append((name, f"{cell!r}: {note}"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "import"


def _problems(outcomes: Iterable[Outcome], file: str) -> list[ImportProblem]:
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


def _counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    rejected = sum(1 for o in outcomes if o.rejections)
    flagged = sum(1 for o in outcomes if o.flags and not o.rejections)
    return {
        "read": len(outcomes),
        "accepted": len(outcomes) - rejected - flagged,
        "flagged": flagged,
        "rejected": rejected,
    }


def _report(
    checked: CheckedImport,
    outcomes: Sequence[Outcome],
    problems: Sequence[ImportProblem],
    written: Sequence[Path],
) -> ImportReport:
    counts = _counts(outcomes)
    return ImportReport(
        file=checked.file,
        kind=checked.kind,
        source_id=checked.source_id,
        read=counts["read"],
        accepted=counts["accepted"],
        flagged=counts["flagged"],
        rejected=counts["rejected"],
        problems=tuple(problems),
        written=tuple(written),
        sha256=checked.sha256,
        encoding=checked.encoding,
    )


# --------------------------------------------------------------------------------------------
# Import: check, then write


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
    max_geocode: int = DEFAULT_MAX_GEOCODE,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    geocoder: Callable[..., Any] | None = None,
    validator: Callable[[Path, Path], Sequence[Any]] | None = None,
) -> ImportReport:
    """Import one file into the data directory (or, with ``check=True``, only report).

    :func:`check_file`, then :func:`write_import`; a file already imported is refused before
    its rows are read (and again, under the lock, by the writer).

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
        File size (also the most a KMZ may unzip to) and row/feature limits.
    max_geocode : int, optional
        Most distinct place names geocoded (each looked up once); rows past it are rejected.
    max_seconds : float or None, optional
        Time budget; past it the import stops with :class:`FileImportError`, writing nothing.
    geocoder : callable, optional
        ``geocode(name) -> Place`` for rows without coordinates; default ``geo.geocode``.
    validator : callable, optional
        ``validate(data_dir, source_dir) -> list of Problem`` for curated kinds; default
        :func:`layers.records.validate.validate_package`.

    Returns
    -------
    ImportReport

    Raises
    ------
    FileImportError
        If the file as a whole cannot be imported; nothing is written.
    """
    plan = _plan(
        path,
        kind=kind,
        mapping=mapping,
        data_dir=data_dir,
        source_id=source_id,
        max_bytes=max_bytes,
        max_seconds=max_seconds,
    )
    data = _data_dir(data_dir)
    # Checked now for a quick answer, and again under the import lock before writing.
    _refuse_existing(plan.path, plan.kind, plan.source_id, plan.sha256, data, replace=replace)
    reading = _Reading(
        repair_geometry=repair_geometry,
        fix_swapped=fix_swapped,
        encoding=encoding,
        delimiter=delimiter,
        max_bytes=max_bytes,
        max_rows=max_rows,
        max_geocode=max_geocode,
        geocoder=geocoder,
    )
    checked = _check_rows(plan, reading)
    if check:
        return _rehearse(checked, data, source_dir=source_dir, validator=validator)
    return write_import(checked, data, source_dir=source_dir, replace=replace, validator=validator)


# --------------------------------------------------------------------------------------------
# Write


def write_import(
    checked: CheckedImport,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    source_dir: str | os.PathLike[str] | None = None,
    replace: bool = False,
    validator: Callable[[Path, Path], Sequence[Any]] | None = None,
) -> ImportReport:
    """Write a checked import into the data directory, all or nothing.

    Under the data directory's lock (:data:`LOCK_NAME`; staging folders a killed import left
    are swept and noted), the import is refused if it was made before (unless ``replace``, for
    facility lists); it is staged in ``data/.import-*``: a facility list with its
    ``datapackage.json``, curated rows appended to a copy of their table once the whole
    package with them has passed ``validator`` (rows it finds wrong are rejected), and
    ``provenance.json``; then it is moved into place with :func:`os.replace`.

    Parameters
    ----------
    checked : CheckedImport
        What :func:`check_file` returned (not changed: the writer works on a copy).
    data_dir : path-like, optional
        The data directory (default the repository's ``data/``).
    source_dir : path-like, optional
        Source texts, for validating curated kinds (default the validator's).
    replace : bool, optional
        Replace an earlier import with the same source id (facility lists only).
    validator : callable, optional
        ``validate(data_dir, source_dir) -> list of Problem`` for curated kinds; default
        :func:`layers.records.validate.validate_package`.

    Returns
    -------
    ImportReport
        With the files written or replaced.

    Raises
    ------
    FileImportError
        If the import was made before, the lock is held too long, the accepted rows still
        make the data package invalid, or the files cannot be written; nothing is written.
    """
    data = _data_dir(data_dir)
    notes = list(checked.notes)
    outcomes = _copy_outcomes(checked.outcomes)
    with _write_errors(data, checked.path), _import_lock(data, notes, checked.file):
        target_dir = _refuse_existing(
            checked.path, checked.kind, checked.source_id, checked.sha256, data, replace=replace
        )
        written = _stage_and_commit(
            checked, outcomes, notes, data, target_dir, source_dir, validator or validate_package
        )
    return _report(checked, outcomes, notes + _problems(outcomes, checked.file), written)


def _rehearse(
    checked: CheckedImport,
    data: Path,
    *,
    source_dir: str | os.PathLike[str] | None,
    validator: Callable[[Path, Path], Sequence[Any]] | None,
) -> ImportReport:
    """Return what :func:`write_import` would report, writing nothing (``--check``).

    Curated rows are checked against a copy of the package in the system's temporary
    directory, outside the data directory and without its lock.
    """
    outcomes = _copy_outcomes(checked.outcomes)
    if checked.kind != "facilities":
        with (
            _write_errors(data, checked.path),
            tempfile.TemporaryDirectory(prefix=STAGING_PREFIX) as tmp,
        ):
            _validate_curated(
                checked.kind,
                data,
                resolve_source_dir(source_dir),
                outcomes,
                Path(tmp),
                validator or validate_package,
            )
    problems = [*checked.notes, *_problems(outcomes, checked.file)]
    return _report(checked, outcomes, problems, ())


def _copy_outcomes(outcomes: Iterable[Outcome]) -> list[Outcome]:
    """Return copies the writer may change (ids assigned, rows rejected by the validator)."""
    return [
        dataclasses.replace(
            o, record=dict(o.record), flags=list(o.flags), rejections=list(o.rejections)
        )
        for o in outcomes
    ]


@contextlib.contextmanager
def _write_errors(data: Path, file_path: Path) -> Iterator[None]:
    """Turn an :class:`OSError` while staging or writing into a message naming where."""
    try:
        yield
    except OSError as exc:
        where = exc.filename if exc.filename else str(data)
        msg = f"cannot write the import under {str(where)!r}: {exc.strerror or exc}"
        raise FileImportError(msg, path=str(file_path)) from exc


def _target_dir(data: Path, kind: str, source_id: str, sha: str) -> Path:
    """Return the provenance folder of an import.

    A facility list has one per source id. Rows appended to a curated table cannot be
    replaced automatically: one folder per imported file (by content), and a second import
    of it is refused.
    """
    if kind == "facilities":
        return data / "imports" / source_id
    return data / "imports" / f"{kind}-{sha[:12]}"


def _refuse_existing(
    file_path: Path, kind: str, source_id: str, sha: str, data: Path, *, replace: bool
) -> Path:
    """Return the import's provenance folder; raise if it may not be written there.

    A curated kind cannot be replaced; a facility list imported before needs ``replace``; a
    file already appended to a curated table is refused.
    """
    target_dir = _target_dir(data, kind, source_id, sha)
    if kind != "facilities" and replace:
        msg = f"--replace works for facility lists only; edit {kind}.csv by hand"
        raise FileImportError(msg, path=str(file_path))
    if kind == "facilities":
        if target_dir.exists() and not replace:
            msg = (
                f"source id {source_id!r} was imported before ({str(target_dir)!r}); "
                "use --replace or another --source-id"
            )
            raise FileImportError(msg, path=str(file_path))
    elif target_dir.exists():
        msg = (
            f"{file_path.name!r} (sha256 {sha[:12]}...) was already imported into {kind}.csv; "
            f"see {str(target_dir / 'provenance.json')!r}"
        )
        raise FileImportError(msg, path=str(file_path))
    return target_dir


def _stage_and_commit(
    checked: CheckedImport,
    outcomes: list[Outcome],
    notes: list[ImportProblem],
    data: Path,
    target_dir: Path,
    source_dir: str | os.PathLike[str] | None,
    validate: Callable[[Path, Path], Sequence[Any]],
) -> list[Path]:
    """Stage the import in ``data/.import-*`` and move it into place (the lock is held)."""
    # Staged inside data/ (same file system, so os.replace is atomic) under the lock.
    with tempfile.TemporaryDirectory(prefix=STAGING_PREFIX, dir=data) as tmp:
        stage = Path(tmp) / checked.source_id
        stage.mkdir()
        table_path: Path | None = None
        if checked.kind == "facilities":
            records = [o.record for o in outcomes if not o.rejections]
            _write_facilities(stage, records, checked.provenance, checked.mapping)
        else:
            table_path = _validate_curated(
                checked.kind, data, resolve_source_dir(source_dir), outcomes, Path(tmp), validate
            )
        problems = notes + _problems(outcomes, checked.file)
        provenance = {
            **checked.provenance,
            "counts": _counts(outcomes),
            "problems": [p.to_dict() for p in problems],
        }
        (stage / "provenance.json").write_text(
            json.dumps(provenance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return _commit(stage, target_dir, table_path, data / f"{checked.kind}.csv")


def _write_facilities(
    stage: Path, records: list[dict[str, object]], provenance: dict[str, Any], mapping: Mapping
) -> None:
    """Write facilities.csv (:func:`facility_csv`) and its datapackage.json into ``stage``."""
    (stage / "facilities.csv").write_bytes(facility_csv(records))
    resource: dict[str, Any] = {
        "name": "facilities",
        "path": "facilities.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "encoding": "utf-8",
        "schema": facility_schema(),
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


def _read_table_header(path: Path) -> list[str] | None:
    if not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle), None)


def _append_rows(
    src: Path | None, dst: Path, header: list[str], rows: list[dict[str, object]]
) -> int:
    """Copy ``src`` (byte for byte) to ``dst`` and append ``rows``; return the first new line.

    Cells pass through the spreadsheet-formula guard, except :data:`VERBATIM_FIELDS`; the
    appended lines end like the existing file's (CRLF or LF).
    """
    terminator = "\n"
    if src is not None and src.exists():
        data = src.read_bytes()
        if b"\r\n" in data:
            terminator = "\r\n"
        if data and not data.endswith(b"\n"):
            data += terminator.encode()
        dst.write_bytes(data)
        first_line = data.count(b"\n") + 1
        mode = "a"
    else:
        first_line = 2
        mode = "w"
    with dst.open(mode, encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator=terminator)
        if mode == "w":
            writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: "" if v is None else v if k in VERBATIM_FIELDS else safe_cell(v)
                    for k, v in row.items()
                }
            )
    return first_line


def _assign_ids(schema: dict[str, Any], table: Path, candidates: list[Outcome]) -> None:
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
    outcomes: list[Outcome],
    stage: Path,
    validate: Callable[[Path, Path], Sequence[Any]],
) -> Path:
    """Check candidates with ``validate_package`` on a copy of the data; return the new table.

    The package is validated three times: as it is (problems already there are not the
    import's), with every candidate appended (problems on a candidate's line reject it), and
    with only the accepted rows (any new problem then fails the whole import).
    """
    copy = stage / ".package-copy"
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


@contextlib.contextmanager
def _import_lock(data: Path, notes: list[ImportProblem], file: str) -> Iterator[None]:
    """Hold the data directory's import lock; sweep staging folders a killed import left.

    Every import stages and commits while it holds this lock, so a staging folder found by
    the holder belongs to an import that died (SIGKILL, power loss): it is removed, and the
    report says so.
    """
    data.mkdir(parents=True, exist_ok=True)
    lock_path = data / LOCK_NAME
    with lock_path.open("a") as handle:
        waited_until = time.monotonic() + _LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > waited_until:
                    msg = (
                        f"another import into {str(data)!r} has held {LOCK_NAME!r} for over "
                        f"{_LOCK_WAIT:.0f} s; try again later"
                    )
                    raise FileImportError(msg, path=str(lock_path)) from None
                time.sleep(0.05)
        try:
            for stale in sorted(data.glob(f"{STAGING_PREFIX}*")):
                if stale.is_dir():
                    shutil.rmtree(stale)
                    msg = f"removed {stale.name!r}, left in the data directory by a killed import"
                    notes.append(ImportProblem(file, 0, "-", "note", msg))
                    logger.warning("%s", msg)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _commit(stage: Path, target_dir: Path, table: Path | None, table_target: Path) -> list[Path]:
    """Move the staged import into place with ``os.replace``; undo on failure."""
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    backup: Path | None = None
    if target_dir.exists():
        backup = stage.parent / ".previous"
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
    parser.add_argument(
        "--kind", choices=KINDS, help="kind of record (default: the mapping's, else facilities)"
    )
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
    parser.add_argument(
        "--delimiter",
        default=None,
        help="CSV delimiter: a character, or tab/comma/semicolon/pipe (default detected)",
    )
    parser.add_argument(
        "--max-size",
        type=_positive("--max-size", float),
        default=DEFAULT_MAX_BYTES / 2**20,
        help="file size limit, MB (2**20 bytes); also the most a KMZ may unzip to",
    )
    parser.add_argument(
        "--max-rows",
        type=_positive("--max-rows", int),
        default=DEFAULT_MAX_ROWS,
        help="row/feature limit",
    )
    parser.add_argument(
        "--max-geocode",
        type=_positive("--max-geocode", int),
        default=DEFAULT_MAX_GEOCODE,
        help="most distinct place names to geocode; rows past it are rejected",
    )
    parser.add_argument(
        "--max-seconds",
        type=_positive("--max-seconds", float),
        default=DEFAULT_MAX_SECONDS,
        help="time budget of the import, seconds; past it nothing is written",
    )


def _positive(flag: str, kind: Callable[[str], float]) -> Callable[[str], float]:
    """Return an argparse type: a finite number above 0, else a message naming the value."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            msg = f"{flag} must be a finite number above 0, not {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


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
            max_rows=int(args.max_rows),
            max_geocode=int(args.max_geocode),
            max_seconds=args.max_seconds,
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
