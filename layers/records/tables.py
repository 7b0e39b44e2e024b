"""The tables of a data package as raw text rows that remember their CSV line numbers.

The validator works on these rather than on :func:`layers.records.load.load_records`, which stops at
the first cell of the wrong type: validation must report every problem, each with its line.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layers.records.csvrows import read_records
from layers.records.problem import Problem

__all__ = ["RawRow", "RawTable", "read_tables"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawRow:
    """One non-blank data row: stripped cell text by field name (``""`` for an empty cell).

    Attributes
    ----------
    line : int
        CSV line the row starts on (header = line 1).
    values : dict of str to str
        Cell text by field name; fields the row lacks are ``""``.
    """

    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        """Return the stripped text of field ``name`` (``""`` when empty or absent)."""
        return self.values.get(name, "")


@dataclass(frozen=True)
class RawTable:
    """One resource of the package, read as text.

    Attributes
    ----------
    name : str
        Resource name (``"people"``).
    file : str
        CSV path relative to the data directory (``"people.csv"``).
    schema : dict
        The resource's Frictionless table schema.
    rows : list of RawRow
        The non-blank data rows; empty when the file could not be read.
    lines : dict of int to int
        Frictionless row position (header = 1) -> CSV line, for every record.
    readable : bool
        Whether the file could be read at all.
    error : Problem or None
        Why a file that exists could not be read (not UTF-8, not CSV), located to its line.
    """

    name: str
    file: str
    schema: dict[str, Any]
    rows: list[RawRow] = field(default_factory=list)
    lines: dict[int, int] = field(default_factory=dict)
    readable: bool = True
    error: Problem | None = None

    def fields(self) -> list[dict[str, Any]]:
        """Return the schema's field descriptors."""
        result: list[dict[str, Any]] = self.schema.get("fields", [])
        return result

    def __iter__(self) -> Iterator[RawRow]:
        """Iterate over the data rows."""
        return iter(self.rows)


def read_tables(data_dir: Path, descriptor: dict[str, Any]) -> dict[str, RawTable]:
    """Read every resource of ``descriptor`` from ``data_dir`` as text.

    A file that is missing or unreadable gives a table with ``readable=False`` and no rows (the
    Frictionless check reports why); nothing raises.
    """
    tables: dict[str, RawTable] = {}
    for resource in descriptor.get("resources", []):
        name = str(resource.get("name"))
        file = str(resource.get("path"))
        schema = resource.get("schema", {})
        path = Path(data_dir) / file
        try:
            records = read_records(path)
        except OSError as exc:
            logger.debug("cannot read %s: %s", file, exc)
            tables[name] = RawTable(name, file, schema, readable=False)
            continue
        except (UnicodeDecodeError, csv.Error) as exc:
            error = _unreadable(path, file, exc)
            tables[name] = RawTable(name, file, schema, readable=False, error=error)
            continue
        names = [f["name"] for f in schema.get("fields", [])]
        header = [cell.strip() for cell in records[0].cells] if records else []
        rows = []
        for record in records[1:]:
            if record.blank:
                continue
            values = {
                column: (record.cells[i].strip() if i < len(record.cells) else "")
                for i, column in enumerate(header)
                if column in names
            }
            rows.append(RawRow(line=record.line, values=values))
        lines = {record.number: record.line for record in records}
        tables[name] = RawTable(name, file, schema, rows=rows, lines=lines)
    return tables


def _unreadable(path: Path, file: str, exc: UnicodeDecodeError | csv.Error) -> Problem:
    """Return the problem of a file that exists but is not UTF-8 CSV, located to its line."""
    if isinstance(exc, UnicodeDecodeError):
        data = path.read_bytes()
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1]
        msg = (
            f"not UTF-8: byte {byte!r} at offset {exc.start} (save the file as 'CSV UTF-8'); "
            "nothing in it was checked"
        )
        return Problem(file, line, None, msg)
    return Problem(file, None, None, f"not readable as CSV: {exc}; nothing in it was checked")
