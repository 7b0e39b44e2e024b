"""Reading imported files into numbered rows: delimited text streamed, vector files via pyogrio.

A row's number is the line its record starts on in a CSV/TSV file (the header is line 1), or
its feature number (1-based, counted across layers) in a vector file; 0 means the whole file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry.base import BaseGeometry

from layers.errors import LayersError
from layers.io.encoding import open_text, undecodable_bytes
from layers.io.gdal import (
    ALLOWED_DRIVERS,
    FORMATS,
    Format,
    UnsafeFileError,
    extract_kmz,
    lock_down,
    plain_path,
    sniff,
)

__all__ = [
    "CSV_SUFFIXES",
    "VECTOR_SUFFIXES",
    "FileImportError",
    "ImportProblem",
    "RawRow",
    "detect_delimiter",
    "read_csv",
    "read_vector",
    "sha256_file",
]

Status = Literal["rejected", "flagged", "note"]

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".txt"})
"""File name endings read as delimited text (streamed with :mod:`csv`)."""

VECTOR_SUFFIXES = frozenset(FORMATS)
"""File name endings read through pyogrio/GDAL (its drivers allow-listed: :mod:`layers.io.gdal`)."""


class FileImportError(LayersError, ValueError):
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


@dataclass
class RawRow:
    """One row or feature as read: cells by source column, and its geometry if any.

    ``problems`` reject the row; ``flags`` are written with it as notes (text the reader had to
    guess, such as a detected encoding).
    """

    row: int
    cells: dict[str, str]
    geometry: BaseGeometry | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)
    flags: list[tuple[str, str]] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _decode_error(path: Path, encoding: str, exc: UnicodeError) -> FileImportError:
    msg = f"{path.name!r} cannot be read as {encoding!r}: {exc.__class__.__name__}: {exc}"
    return FileImportError(msg, path=str(path))


def detect_delimiter(path: Path, encoding: str) -> str:
    """Return the delimiter the first line uses most (tab, comma, semicolon, pipe)."""
    try:
        with open_text(path, encoding) as handle:
            first = handle.readline()
    except UnicodeError as exc:
        raise _decode_error(path, encoding, exc) from exc
    counts = {d: first.count(d) for d in ("\t", ",", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _clean_header(header: list[str], notes: list[ImportProblem], file: str) -> list[str]:
    r"""Name blank header cells ``column N``, make duplicates unique, show undecodable bytes.

    Each change is noted; an undecodable byte in a name is written as ``\xNN``.
    """
    seen: Counter[str] = Counter()
    out = []
    for i, raw in enumerate(header, start=1):
        name = raw.strip().lstrip("\ufeff")
        bad = undecodable_bytes(name)
        if bad:
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            hexes = ", ".join(f"0x{b:02x}" for b in bad)
            msg = f"undecodable byte(s) {hexes} in header cell {i}; read as {shown!r}"
            notes.append(ImportProblem(file, 1, shown, "note", msg))
            name = shown
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


def read_csv(
    path: Path,
    encoding: str,
    delimiter: str,
    max_rows: int,
    notes: list[ImportProblem],
    *,
    guessed: bool = False,
) -> tuple[list[str], list[RawRow]]:
    """Stream a delimited text file into rows, each numbered by the line it starts on.

    With ``guessed`` (the encoding was detected, not given or certain), every cell whose text
    the guess decided (any non-ASCII character) is flagged on its row, with the text as read,
    so a wrong guess is seen row by row and not only as one note for the file.
    """
    try:
        return _read_csv(path, encoding, delimiter, max_rows, notes, guessed=guessed)
    except UnicodeError as exc:
        raise _decode_error(path, encoding, exc) from exc


def _read_csv(
    path: Path,
    encoding: str,
    delimiter: str,
    max_rows: int,
    notes: list[ImportProblem],
    *,
    guessed: bool,
) -> tuple[list[str], list[RawRow]]:
    file = path.name
    rows: list[RawRow] = []
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
            raw = RawRow(start, dict(zip(header, cells, strict=False)))
            if cells and len(cells) != len(header):
                msg = (
                    f"the row has {len(cells)} cells but the header has {len(header)}; "
                    "columns may be shifted"
                )
                raw.problems.append(("-", msg))
            if guessed:
                _flag_guessed(raw, encoding)
            rows.append(raw)
    return header, rows


def _flag_guessed(raw: RawRow, encoding: str) -> None:
    """Flag each cell of ``raw`` whose non-ASCII text depends on the guessed encoding."""
    for column, value in raw.cells.items():
        if not value.isascii() and not undecodable_bytes(value):
            msg = (
                f"{value[:60]!r} was decoded as {encoding} (a guess); check its letters, or "
                "give --encoding"
            )
            raw.flags.append((column, msg))


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


def read_vector(
    path: Path, max_rows: int, notes: list[ImportProblem], *, max_bytes: int
) -> tuple[list[str], list[RawRow], str]:
    """Read every layer of a vector file through the locked-down GDAL; return header, rows, driver.

    The file is read only when its name, its first bytes and GDAL's driver agree
    (:mod:`layers.io.gdal`). A KMZ is unzipped here, within ``max_bytes`` and an entry limit, and
    its KML read. A GeoJSON FeatureCollection is also parsed as JSON, so that members GDAL
    would drop (anything not a Feature) become rejected rows, a NUL character that GDAL would
    cut a text at rejects its row, and each row is numbered by its member's position.
    """
    file = path.name
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        msg = f"{file!r}: {path.suffix!r} is not a vector format the atlas reads"
        raise FileImportError(msg, path=str(path))
    try:
        local = plain_path(path)
        sniff(local, fmt)
        lock_down()
        if fmt != "kmz":
            members = _geojson_members(local, file) if fmt == "geojson" else None
            return _read_gdal(local, fmt, file, max_rows, notes, members)
        with tempfile.TemporaryDirectory(prefix="atlas-kmz-") as tmp:
            kml = extract_kmz(local, Path(tmp), max_bytes=max_bytes)
            sniff(kml, "kml")
            return _read_gdal(kml, "kml", file, max_rows, notes, None)
    except UnsafeFileError as exc:
        raise FileImportError(str(exc), path=str(path)) from exc


@dataclass
class _Members:
    """What JSON parsing found in a GeoJSON FeatureCollection's ``features`` array."""

    positions: list[int]
    """1-based member position of each Feature, in order (GDAL reads them in this order)."""
    dropped: list[RawRow]
    """One rejected row per member that is not a Feature."""
    nul: dict[int, list[tuple[str, str]]]
    """Problems (field, message) of Features whose text holds a NUL character, by position."""


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _geojson_members(path: Path, file: str) -> _Members | None:
    """Parse a GeoJSON file's members; None when it is not a FeatureCollection."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{file!r} is not valid UTF-8 JSON: {exc}"
        raise FileImportError(msg, path=str(path)) from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return None
    features = document.get("features")
    if not isinstance(features, list):
        msg = f"{file!r}: the FeatureCollection's 'features' is not a list"
        raise FileImportError(msg, path=str(path))
    found = _Members([], [], {})
    for position, member in enumerate(features, start=1):
        if isinstance(member, dict) and member.get("type") == "Feature":
            found.positions.append(position)
            properties = member.get("properties")
            if isinstance(properties, dict):
                bad = [str(k) for k, v in properties.items() if _has_nul(k) or _has_nul(v)]
                if bad:
                    found.nul[position] = [
                        (
                            name.replace("\x00", "\\x00"),
                            "contains a NUL character (U+0000), where GDAL would cut the text",
                        )
                        for name in bad
                    ]
            continue
        kind = member.get("type") if isinstance(member, dict) else type(member).__name__
        msg = f"member {position} of 'features' is {kind!r}, not a Feature; not imported"
        found.dropped.append(RawRow(position, {}, None, [("-", msg)]))
    return found


def _read_gdal(
    path: Path,
    fmt: Format,
    file: str,
    max_rows: int,
    notes: list[ImportProblem],
    members: _Members | None,
) -> tuple[list[str], list[RawRow], str]:
    """Read every layer of ``path`` with pyogrio, refusing drivers outside the format's."""
    layers, driver = _check_layers(path, fmt, file, max_rows)
    header: list[str] = []
    rows: list[RawRow] = []
    for name in layers:
        columns, values, geometries = _read_layer(path, name, file, notes)
        header.extend(c for c in columns if c not in header)
        for cells, geometry in zip(values, geometries, strict=True):
            if len(rows) >= max_rows:  # drivers that cannot count features beforehand
                msg = f"{file!r} has more than {max_rows} features (limit --max-rows {max_rows})"
                raise FileImportError(msg, path=str(path))
            rows.append(
                RawRow(len(rows) + 1, {str(k): _cell_text(v) for k, v in cells.items()}, geometry)
            )
    if members is None:
        return header, rows, driver
    return header, _number_by_members(rows, members, path, file), driver


def _check_layers(path: Path, fmt: Format, file: str, max_rows: int) -> tuple[list[str], str]:
    """Return the file's layer names and GDAL driver, once driver and feature count are allowed."""
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        infos = [pyogrio.read_info(path, layer=name) for name in layers]
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        msg = f"{file!r}: GDAL cannot read it: {str(exc).replace(str(path), file)}"
        raise FileImportError(msg, path=str(path)) from exc
    drivers = {str(info.get("driver", "")) for info in infos}
    if not drivers <= ALLOWED_DRIVERS[fmt]:
        msg = f"{file!r} was opened by GDAL driver(s) {sorted(drivers)!r}, not {fmt.upper()}"
        raise FileImportError(msg, path=str(path))
    total = sum(max(int(info.get("features") or 0), 0) for info in infos)
    if total > max_rows:
        msg = f"{file!r} has {total} features, over the limit of {max_rows} (--max-rows)"
        raise FileImportError(msg, path=str(path))
    driver = str(infos[0].get("driver", "")) if infos else ""
    return layers, driver


def _read_layer(
    path: Path, name: str, file: str, notes: list[ImportProblem]
) -> tuple[list[str], list[dict[str, Any]], list[Any]]:
    """Read one layer: its attribute columns, their values by feature, and the geometries.

    A layer without geometry (its coordinates then come from its columns) and a coordinate
    system other than WGS84 (converted) are noted.
    """
    try:
        frame = pyogrio.read_dataframe(path, layer=name, datetime_as_string=True)
    except Exception as exc:
        msg = f"{file!r} layer {name!r}: GDAL cannot read it: {exc}"
        raise FileImportError(msg, path=str(path)) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"layer {name!r} has no geometry; coordinates are read from its columns"
        notes.append(ImportProblem(file, 0, name, "note", msg))
        columns = [str(c) for c in frame.columns]
        return columns, _records(frame, columns), [None] * len(frame)
    if frame.crs is None:
        msg = "no coordinate system given; read as WGS84"
        notes.append(ImportProblem(file, 0, name, "note", msg))
    elif frame.crs.to_epsg() != 4326:
        msg = f"layer {name!r} is in {frame.crs.to_string()!r}; converted to WGS84"
        notes.append(ImportProblem(file, 0, "geometry", "note", msg))
        frame = frame.to_crs(4326)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    return columns, _records(frame, columns), list(frame.geometry.array)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Return the ``columns`` of each row of ``frame`` as a dict."""
    return [{str(k): v for k, v in row.items()} for row in frame[columns].to_dict("records")]


def _number_by_members(
    rows: list[RawRow], members: _Members, path: Path, file: str
) -> list[RawRow]:
    """Renumber GeoJSON rows by member position; add the members GDAL dropped, rejected."""
    if len(members.positions) != len(rows):
        msg = (
            f"{file!r}: GDAL read {len(rows)} features where the JSON holds "
            f"{len(members.positions)} Feature members; refused rather than misnumbered"
        )
        raise FileImportError(msg, path=str(path))
    for raw, position in zip(rows, members.positions, strict=True):
        raw.row = position
        raw.problems.extend(members.nul.get(position, []))
    return sorted([*rows, *members.dropped], key=lambda r: r.row)
