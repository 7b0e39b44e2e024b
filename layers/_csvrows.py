"""Read a CSV file as records that remember the line each one starts on (header = line 1)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CsvRecord", "read_records"]


@dataclass(frozen=True)
class CsvRecord:
    """One CSV record as read, blank or not.

    Attributes
    ----------
    number : int
        1-based position among the records (header = 1), as Frictionless counts rows.
    line : int
        Line of the file the record starts on (header = line 1); differs from ``number`` once a
        quoted cell spans several lines.
    cells : list of str
        The cells as read (an empty list for a blank line).
    """

    number: int
    line: int
    cells: list[str]

    @property
    def blank(self) -> bool:
        """Whether every cell is empty or whitespace."""
        return not any(cell.strip() for cell in self.cells)


def read_records(path: Path, *, delimiter: str = ",") -> list[CsvRecord]:
    """Return every record of ``path`` (UTF-8; a leading BOM is ignored), header first.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    UnicodeDecodeError
        If the file is not UTF-8.
    csv.Error
        If the file is not parseable CSV (the message names the line).
    """
    records: list[CsvRecord] = []
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        previous_end = 0
        for number, cells in enumerate(reader, start=1):
            records.append(CsvRecord(number=number, line=previous_end + 1, cells=cells))
            previous_end = reader.line_num
    return records
