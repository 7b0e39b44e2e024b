"""Years spanned by EDTF dates (the ``date``, ``start`` and ``end`` cells of the tables)."""

from __future__ import annotations

import functools
import time

from edtf import parse_edtf

from layers.errors import LayersError

__all__ = ["BadDateError", "span_years", "year_bounds"]


class BadDateError(LayersError, ValueError):
    """A cell is not a valid EDTF date.

    Parameters
    ----------
    message : str
        The full message, naming the value.
    value : str
        The cell as written.
    """

    def __init__(self, message: str, *, value: str) -> None:
        super().__init__(message)
        self.value = value


def _year(bound: object) -> int | None:
    """Return the year of an edtf bound, or None for an open (infinite) bound."""
    if isinstance(bound, time.struct_time):
        return int(bound.tm_year)
    return None


@functools.lru_cache(maxsize=4096)
def year_bounds(value: str | None) -> tuple[int | None, int | None]:
    """Return ``(first, last)`` year an EDTF date may cover (``lower_strict``/``upper_strict``).

    Parameters
    ----------
    value : str or None
        An EDTF string such as ``"2017-11-20"``, ``"2018-21"`` (spring 2018), ``"201X"`` or
        ``"2017/2018"``; empty or None means undated.

    Returns
    -------
    tuple
        ``(None, None)`` when undated; an open interval end (``"2017/.."``) is None.

    Raises
    ------
    BadDateError
        If ``value`` does not parse as EDTF.
    """
    if value is None or not str(value).strip():
        return None, None
    text = str(value).strip()
    try:
        parsed = parse_edtf(text)
    except Exception as exc:  # edtf raises its own EDTFParseException and others
        msg = f"{text!r} is not an EDTF date ({exc})"
        raise BadDateError(msg, value=text) from None
    return _year(parsed.lower_strict()), _year(parsed.upper_strict())


def span_years(
    values: list[tuple[str | None, str | None]],
) -> tuple[int | None, int | None]:
    """Return the years spanned by several ``(start, end)`` EDTF pairs.

    A pair with only a start (end unknown) covers the start's own years: the span says what
    the source dates, it does not guess how long something lasted.

    Parameters
    ----------
    values : list of tuple
        ``(start, end)`` EDTF strings; either may be None or empty. For a single date, give
        ``(date, None)``.

    Returns
    -------
    tuple
        ``(first, last)``; ``(None, None)`` when nothing is dated.
    """
    lows: list[int] = []
    highs: list[int] = []
    for start, end in values:
        s_lo, s_hi = year_bounds(start)
        e_lo, e_hi = year_bounds(end)
        lo = s_lo if s_lo is not None else e_lo
        hi = e_hi if e_hi is not None else s_hi
        if lo is None and hi is None:
            continue
        lows.append(lo if lo is not None else hi)  # type: ignore[arg-type]
        highs.append(hi if hi is not None else lo)  # type: ignore[arg-type]
    if not lows:
        return None, None
    return min(lows), max(highs)
