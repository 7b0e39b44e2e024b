"""Spreadsheet-formula guard for every CSV the project writes.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is run as a
formula by Excel, LibreOffice and Google Sheets when a researcher opens the file ("CSV
injection"). :func:`safe_cell` prefixes such a cell with a single quote, which every spreadsheet
shows as text; plain numbers such as ``-3.5`` or ``+7`` are left alone so numeric columns stay
numeric. :func:`unguard_cell` undoes the guard for readers that need the exact text back (for
example a verbatim quote that starts with a dash).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

__all__ = [
    "FORMULA_PREFIXES",
    "cell_text",
    "csv_bytes",
    "safe_cell",
    "safe_row",
    "unguard_cell",
    "write_csv",
]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula."""

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    r"""Return ``value`` made safe to open in a spreadsheet.

    Parameters
    ----------
    value : object
        A cell value. Non-strings (numbers, ``None``) are returned unchanged.

    Returns
    -------
    object
        The string with a leading ``'`` if it starts with one of :data:`FORMULA_PREFIXES` and
        is not a plain number; otherwise ``value`` itself.

    Examples
    --------
    >>> safe_cell("=SUM(A1:A9)")
    "'=SUM(A1:A9)"
    >>> safe_cell("-3.5")
    '-3.5'
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def unguard_cell(value: str) -> str:
    """Undo :func:`safe_cell`: drop a ``'`` that precedes a formula character.

    Parameters
    ----------
    value : str
        A cell as read from a CSV written with :func:`write_csv`.

    Returns
    -------
    str
        The original text.
    """
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def safe_row(row: Mapping[str, object]) -> dict[str, object]:
    """Return a copy of ``row`` with :func:`safe_cell` applied to every value."""
    return {key: safe_cell(value) for key, value in row.items()}


def cell_text(value: object) -> str:
    """Return the text :func:`write_csv` writes for one cell.

    The cell passes through :func:`safe_cell`; then, as :mod:`csv` writes them, ``None`` is
    ``''``, a float is its ``repr`` and anything else its ``str``.

    Examples
    --------
    >>> [cell_text(v) for v in (None, 87.5, 3, "=1+1")]
    ['', '87.5', '3', "'=1+1"]
    """
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write_rows(
    handle: TextIO,
    rows: Iterable[Mapping[str, object]],
    fieldnames: Sequence[str],
    delimiter: str,
    where: str,
) -> int:
    """Write the header and ``rows`` to ``handle``; return the number of rows.

    ``where`` follows "row N" in the message of an unknown column (`` of 'path'`` or ``''``).
    """
    count = 0
    writer = csv.DictWriter(
        handle, fieldnames=list(fieldnames), delimiter=delimiter, lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        extra = set(row) - set(fieldnames)
        if extra:
            msg = f"row {count + 1}{where} has unknown columns {sorted(extra)!r}"
            raise ValueError(msg)
        writer.writerow({key: cell_text(value) for key, value in row.items()})
        count += 1
    return count


def write_csv(
    path: str | os.PathLike[str],
    rows: Iterable[Mapping[str, object]],
    fieldnames: Sequence[str],
    *,
    delimiter: str = ",",
) -> int:
    """Write ``rows`` as UTF-8 CSV with every cell passed through :func:`safe_cell`.

    Parameters
    ----------
    path : path-like
        The file to write (overwritten).
    rows : iterable of mapping
        One mapping per row; keys missing from a row are written as empty cells.
    fieldnames : sequence of str
        The header, in order.
    delimiter : str, optional
        Field separator (``","`` by default).

    Returns
    -------
    int
        The number of data rows written.

    Raises
    ------
    ValueError
        If a row has a key that is not in ``fieldnames`` (named in the message).
    """
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        return _write_rows(handle, rows, fieldnames, delimiter, f" of {str(path)!r}")


def csv_bytes(
    rows: Iterable[Mapping[str, object]],
    fieldnames: Sequence[str],
    *,
    delimiter: str = ",",
) -> bytes:
    """Return ``rows`` as the UTF-8 CSV :func:`write_csv` would write, byte for byte.

    Parameters
    ----------
    rows : iterable of mapping
        One mapping per row; keys missing from a row are written as empty cells.
    fieldnames : sequence of str
        The header, in order.
    delimiter : str, optional
        Field separator (``","`` by default).

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    ValueError
        If a row has a key that is not in ``fieldnames`` (named in the message).
    """
    buffer = io.StringIO(newline="")
    _write_rows(buffer, rows, fieldnames, delimiter, "")
    return buffer.getvalue().encode("utf-8")
