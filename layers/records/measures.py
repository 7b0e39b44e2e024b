"""What a population report counts (``population_reports.measure``) and how to say it in words.

A report counts everyone held at a site or place (``inmates``, also an empty cell), only the
inmates in critical condition (``critically_ill``), the people held in one room
(``per_room``), or states a quota for the number held (``target``, not a count). Only
``inmates`` counts are a site's population. :func:`count_phrase` writes a report's number as
plain text for labels and popups (the caller escapes it for HTML).
"""

from __future__ import annotations

import math

from layers.errors import LayersError

__all__ = [
    "INMATES",
    "MEASURES",
    "MEASURE_LABELS",
    "UnknownMeasureError",
    "count_phrase",
    "measure_of",
]

#: The measure of a count of everyone held; what an empty ``measure`` cell means.
INMATES = "inmates"

#: The values of ``population_reports.measure`` (the enum of ``data/datapackage.json``).
MEASURES: tuple[str, ...] = (INMATES, "critically_ill", "per_room", "target")

#: A short label of each measure, for titles and legends.
MEASURE_LABELS: dict[str, str] = {
    INMATES: "inmates",
    "critically_ill": "inmates in critical condition",
    "per_room": "people per room",
    "target": "target for the number held, not a count",
}

_QUALIFIER_WORDS: dict[str, str] = {
    "exact": "",
    "about": "about",
    "at_least": "at least",
    "at_most": "up to",
    "over": "more than",
}

_RANGE_DASH = "\u2013"


class UnknownMeasureError(LayersError, ValueError):
    """A ``measure`` value is not one of :data:`MEASURES`."""

    def __init__(self, message: str, *, measure: str) -> None:
        super().__init__(message)
        self.measure = measure


def measure_of(value: object) -> str:
    """Return the measure a cell states: :data:`INMATES` for an empty cell (None, NA, blank).

    Raises
    ------
    UnknownMeasureError
        If the cell holds a value not in :data:`MEASURES` (``python -m layers validate``
        reports it first).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return INMATES
    text = str(value).strip()
    if text in {"", "<NA>", "nan"}:
        return INMATES
    if text not in MEASURES:
        msg = f"unknown measure {text!r} (choose from {', '.join(MEASURES)})"
        raise UnknownMeasureError(msg, measure=text)
    return text


def _number(value: int) -> str:
    """Return ``value`` with thousands separators (``5,700``)."""
    return f"{value:,}"


def count_phrase(
    count: int | None,
    *,
    qualifier: str | None = None,
    count_max: int | None = None,
    measure: str | None = None,
) -> str:
    """Return a report's number in words, plain text; ``""`` without a count.

    Parameters
    ----------
    count : int or None
        The number, or the lower end of a range.
    qualifier : str, optional
        ``exact``, ``about``, ``at_least``, ``at_most`` or ``over``; applies to the range as a
        whole when there is one. An unknown qualifier is written as it is.
    count_max : int, optional
        The upper end of a range.
    measure : str, optional
        What is counted (:data:`MEASURES`); None or empty means :data:`INMATES`.

    Returns
    -------
    str
        ``"about 5,700 inmates"``, ``"more than 130 inmates in critical condition"``,
        ``"up to 30 people per room"``,
        ``"target: 1,000,000\u20131,500,000 held (not a count)"``.

    Raises
    ------
    UnknownMeasureError
        If ``measure`` is not one of :data:`MEASURES`.
    """
    if count is None:
        return ""
    kind = measure_of(measure)
    number = _number(count)
    if count_max is not None:
        number = f"{number}{_RANGE_DASH}{_number(count_max)}"
    words = _QUALIFIER_WORDS.get(qualifier or "exact", (qualifier or "").replace("_", " "))
    amount = f"{words} {number}".strip()
    if kind == "target":
        return f"target: {amount} held (not a count)"
    return f"{amount} {MEASURE_LABELS[kind]}"
