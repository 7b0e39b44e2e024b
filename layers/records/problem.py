"""The :class:`Problem` a validation check reports: where it is and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """One defect in the data package, located to a file, a line and a field.

    Attributes
    ----------
    file : str
        File name relative to the data directory (``"people.csv"``), or a descriptive name
        (``"datapackage.json"``, the source directory) for problems outside the tables.
    row : int or None
        Line of the CSV file the row starts on (the header is line 1); ``None`` when the
        problem concerns the whole file.
    field : str or None
        The column concerned; ``None`` when the problem concerns a whole row or file.
    message : str
        What is wrong, naming the offending value with ``!r``.
    """

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        """Return ``file:row:field: message`` (``-`` for a missing row or field)."""
        row = "-" if self.row is None else str(self.row)
        field = self.field or "-"
        return f"{self.file}:{row}:{field}: {self.message}"
