"""Read a CSV file as records that remember the line each one starts on (header = line 1)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CsvRecord", "read_records", "read_text_table"]


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


def read_text_table(
    path: Path,
    *,
    subject: str,
    form: str,
    error: Callable[[str], Exception],
    delimiter: str = ",",
) -> list[CsvRecord]:
    """Return the records of a table file that must exist, decode and have a header line.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    subject : str
        How messages name it, e.g. ``"table 'sites': file '/data/sites.csv'"``.
    form : str
        What it must be, e.g. ``"a UTF-8 CSV file"``.
    error : callable
        Message -> the exception to raise (the caller's domain error, carrying the path).
    delimiter : str
        The cell separator.

    Raises
    ------
    Exception
        ``error(...)`` of "<subject> does not exist", "<subject> is not <form>: <why>" or
        "<subject> is empty (no header)".
    """
    try:
        records = read_records(path, delimiter=delimiter)
    except FileNotFoundError:
        raise error(f"{subject} does not exist") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise error(f"{subject} is not {form}: {exc}") from None
    if not records:
        raise error(f"{subject} is empty (no header)")
    return records
