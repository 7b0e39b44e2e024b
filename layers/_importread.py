"""Reading imported files into numbered rows: delimited text streamed, vector files via pyogrio.

A row's number is the line its record starts on in a CSV/TSV file (the header is line 1), or
its feature number (1-based, counted across layers) in a vector file; 0 means the whole file.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from shapely.geometry.base import BaseGeometry

from layers._encoding import open_text, undecodable_bytes

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

VECTOR_SUFFIXES = frozenset({".geojson", ".json", ".gpkg", ".kml", ".kmz", ".shp", ".fgb"})
"""File name endings read through pyogrio/GDAL."""


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


@dataclass
class RawRow:
    """One row or feature as read: cells by source column, and its geometry if any."""

    row: int
    cells: dict[str, str]
    geometry: BaseGeometry | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def detect_delimiter(path: Path, encoding: str) -> str:
    with open_text(path, encoding) as handle:
        first = handle.readline()
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
    path: Path, encoding: str, delimiter: str, max_rows: int, notes: list[ImportProblem]
) -> tuple[list[str], list[RawRow]]:
    """Stream a delimited text file into rows, each numbered by the line it starts on."""
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


def read_vector(
    path: Path, max_rows: int, notes: list[ImportProblem]
) -> tuple[list[str], list[RawRow], str]:
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
    rows: list[RawRow] = []
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
            if number > max_rows:  # drivers that cannot count features beforehand
                msg = f"{file!r} has more than {max_rows} features (limit --max-rows {max_rows})"
                raise FileImportError(msg, path=str(path))
            geometry = geometries[i]
            rows.append(
                RawRow(
                    number,
                    {str(k): _cell_text(v) for k, v in values.items()},
                    None if geometry is None else geometry,
                )
            )
    return header, rows, driver
