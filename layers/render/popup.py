"""What a popup and the details panel say about a feature: escaped text, built in one place.

Every string taken from the data goes through :func:`esc` (``html.escape`` with quotes) before
it is put next to our own markup. :class:`PopupText` holds only escaped strings; the map's
script (``static/atlas/render.js``) and :func:`details_html` only concatenate them with fixed
tags, so a name like ``<img src=x onerror=alert(1)>`` shows as literal text.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from layers.records.measures import count_phrase

__all__ = [
    "APPROXIMATE_PRECISIONS",
    "LAYER_LABELS",
    "Parts",
    "PopupParts",
    "PopupText",
    "details_html",
    "esc",
    "group_text",
    "popup_text",
    "report_fact",
    "subtitle",
    "year_span",
]

#: Precisions whose point is only a district's label point: drawn as an outline, not a pin.
APPROXIMATE_PRECISIONS = frozenset({"county", "prefecture", "region", "country"})

#: Human labels of the layers (keys are the ``layer`` property values).
LAYER_LABELS: dict[str, str] = {
    "site": "Sites (camps, prisons, detention)",
    "report": "Inmate numbers reported",
    "witness": "Witnesses' home places",
    "link": "Witness home \u2192 place held",
    "facility": "Facilities (BuzzFeed News 2021)",
    "event": "Events",
}

_SUBTITLES: dict[str, str] = {
    "site": "Site",
    "report": "Inmate number reported",
    "witness": "Witness's home place",
    "link": "Held away from home",
    "facility": "Facility (BuzzFeed News)",
    "event": "Event",
}

_AREA_WORDS = {"county": "county", "prefecture": "prefecture", "region": "region",
               "country": "country"}


def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def plain(value: object) -> str:
    """Return ``value`` as display text ('' for None, NaN and <NA>), not yet escaped."""
    if type(value) is str:  # the common case, first
        return value.strip()
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def esc(value: object) -> str:
    """Return ``value`` as HTML-escaped text ('' for missing values); quotes escaped too."""
    return html.escape(plain(value), quote=True)


def year_span(start: object, end: object) -> str:
    """Return ``"2017"``, ``"2017-2019"`` (en dash), ``"2017 or later"`` or ``"undated"``."""
    a, b = plain(start), plain(end)
    if a and b:
        return a if a == b else f"{a}\u2013{b}"
    if a:
        return f"{a} or later"
    if b:
        return f"until {b}"
    return "undated"


def _number(value: object) -> str:
    text = plain(value)
    try:
        number = int(float(text))
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return f"{number:,}"


def _join(*parts: object, sep: str = ", ") -> str:
    return sep.join(p for p in (plain(x) for x in parts) if p)


@dataclass(frozen=True)
class PopupText:
    """Escaped text of one feature's popup (every field is safe to put into HTML as is).

    Attributes
    ----------
    layer : str
        The ``layer`` property value (``site``, ``report``...), not escaped (ours).
    title, subtitle, where, when : str
        Escaped name, kind line, district line and date line.
    approx : str
        Escaped note saying how imprecise the place is; '' for exact places.
    facts : tuple of str
        Escaped lines (reported numbers, aliases, facility ids...).
    quotes : tuple of (str, str)
        Escaped ``(quote, source)`` pairs, every quote of the feature.
    ref : str
        The escaped feature id.
    """

    layer: str
    title: str
    subtitle: str
    where: str
    when: str
    approx: str
    facts: tuple[str, ...]
    quotes: tuple[tuple[str, str], ...]
    ref: str


def _get(row: Mapping[str, Any], key: str) -> Any:
    return row.get(key)


def _items(row: Mapping[str, Any], key: str) -> list[Any]:
    """Return a list-valued property as a list ([] when missing or not a list)."""
    value = _get(row, key)
    if isinstance(value, (list, tuple)):
        return list(value)
    if hasattr(value, "tolist") and not isinstance(value, str):
        return list(value.tolist())
    return []


def _facts(layer: str, row: Mapping[str, Any]) -> list[str]:
    """Return the plain (unescaped) fact lines of a feature (none for a link)."""
    if layer == "site":
        return _site_facts(row)
    if layer == "report":
        return _report_facts(row)
    if layer == "witness":
        return _witness_facts(row)
    if layer == "facility":
        return _facility_facts(row)
    if layer == "event":
        return _event_facts(row)
    return []


def _site_facts(row: Mapping[str, Any]) -> list[str]:
    """Return a site's description and one line per population report with a count."""
    facts: list[str] = []
    if plain(_get(row, "description")):
        facts.append(plain(_get(row, "description")))
    for report in _items(row, "population_reports"):
        line = _population_fact(report)
        if line is not None:
            facts.append(line)
    return facts


def _population_fact(report: Mapping[str, Any]) -> str | None:
    """Return one population report of a site as a line (None without a count)."""
    count = _number(report.get("count"))
    if not count:
        return None
    who = plain(report.get("reporter")) or plain(report.get("reported_by"))
    line = report_fact(
        report.get("qualifier"),
        report.get("count"),
        count_max=report.get("count_max"),
        measure=report.get("measure"),
    )
    detail = _join(report.get("date"), f"reported by {who}" if who else "")
    return f"{line} ({detail})" if detail else line


def _report_facts(row: Mapping[str, Any]) -> list[str]:
    """Return a report's number, who reported it, its date and its breakdown."""
    facts: list[str] = []
    fact = report_fact(
        _get(row, "qualifier"),
        _get(row, "count"),
        count_max=_get(row, "count_max"),
        measure=_get(row, "measure"),
    )
    if fact:
        facts.append(fact)
    who = plain(_get(row, "reporter")) or plain(_get(row, "reported_by"))
    if who:
        facts.append(f"Reported by {who}")
    if plain(_get(row, "date")):
        facts.append(f"Date (EDTF): {plain(_get(row, 'date'))}")
    if plain(_get(row, "breakdown")):
        facts.append(f"Breakdown: {plain(_get(row, 'breakdown'))}")
    return facts


def _witness_facts(row: Mapping[str, Any]) -> list[str]:
    """Return a witness's aliases, home place as written and the places they were held."""
    facts: list[str] = []
    aliases = [plain(a) for a in _items(row, "aliases") if plain(a)]
    if aliases:
        facts.append("Also written: " + ", ".join(aliases))
    if plain(_get(row, "origin")):
        facts.append(f"Home place as written: {plain(_get(row, 'origin'))}")
    held = [plain(s) for s in _items(row, "detained_at") if plain(s)]
    if held:
        facts.append("Held at: " + ", ".join(held))
    return facts


#: The facility properties a popup lists, with their labels, in order.
_FACILITY_FACTS = (
    ("facility_type", "Type"),
    ("corroboration", "Corroboration"),
    ("town", "Town"),
    ("aspi_no", "ASPI no."),
    ("shawn_zhang_no", "Shawn Zhang no."),
    ("etnam", "ETNAM"),
)


def _facility_facts(row: Mapping[str, Any]) -> list[str]:
    """Return a facility's labelled properties and its data credit."""
    facts = [
        f"{label}: {plain(_get(row, key))}"
        for key, label in _FACILITY_FACTS
        if plain(_get(row, key))
    ]
    if plain(_get(row, "attribution")):
        facts.append(f"Data: {plain(_get(row, 'attribution'))}")
    return facts


def _event_facts(row: Mapping[str, Any]) -> list[str]:
    """Return an event's date and description."""
    facts: list[str] = []
    if plain(_get(row, "date")):
        facts.append(f"Date (EDTF): {plain(_get(row, 'date'))}")
    if plain(_get(row, "description")):
        facts.append(plain(_get(row, "description")))
    return facts


def _whole(value: object) -> int | None:
    """Return a count cell as an int, or None when it is empty or not a whole number."""
    text = plain(value)
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) else None


def report_fact(
    qualifier: object, count: object, *, count_max: object = None, measure: object = None
) -> str:
    """Return a report's number in words, plain text; '' without a count.

    Delegates to :func:`layers.records.measures.count_phrase`: ``"about 5,700 inmates"``,
    ``"15–20 people per room"``, ``"target: 1,000,000–1,500,000 held (not a count)"``
    (the qualifier ``exact`` is not written: the source's figure is given as it stands).
    """
    number = _whole(count)
    if number is None:
        return ""
    return count_phrase(
        number,
        qualifier=plain(qualifier) or None,
        count_max=_whole(count_max),
        measure=plain(measure) or None,
    )


def group_text(
    *,
    layer: str,
    kind: str,
    district: str,
    prefecture: str,
    country: str,
    year_start: str,
    year_end: str,
    precision: str,
) -> tuple[str, str, str, str]:
    """Return the plain ``(subtitle, where, when, approx note)`` lines shared by many features.

    The same lines :class:`PopupParts` builds, from plain-text property values; used by the
    compact map payload, which ships each distinct combination once.
    """
    return (
        subtitle(layer, kind),
        _join(district, prefecture, country),
        year_span(year_start, year_end),
        _approx_note(precision, district, prefecture),
    )


def _approx_note(precision_value: object, district: object, prefecture: object) -> str:
    precision = plain(precision_value)
    if precision not in APPROXIMATE_PRECISIONS:
        return ""
    area = _AREA_WORDS[precision]
    name = plain(district) if precision == "county" else ""
    if precision in {"prefecture", "region"}:
        name = plain(prefecture) or plain(district)
    where = f" ({name})" if name else ""
    return (
        f"Place known only to the {area}{where}: marked at its centre, "
        f"the dashed outline is the area."
    )


def subtitle(layer: str, kind_value: object) -> str:
    """Return the kind line of a popup (``"Site \u00b7 detention centre"``), plain."""
    subtitle = _SUBTITLES.get(layer, layer.capitalize())
    kind = plain(kind_value)
    if kind and layer in {"site", "event"}:
        subtitle = f"{subtitle} \u00b7 {kind.replace('_', ' ')}"
    return subtitle


def _quotes(
    row: Mapping[str, Any], source_titles: Mapping[str, str]
) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for entry in _items(row, "sources"):
        quote = plain(entry.get("quote"))
        source_id = plain(entry.get("source"))
        source = source_titles.get(source_id, source_id)
        if (quote, source) in seen or not (quote or source):
            continue
        seen.add((quote, source))
        pairs.append((quote, source))
    return pairs


def popup_text(
    row: Mapping[str, Any], *, source_titles: Mapping[str, str] | None = None
) -> PopupText:
    """Return the escaped popup text of one feature (a row of a layer GeoDataFrame).

    Parameters
    ----------
    row : mapping
        The feature's properties (``layer``, ``id``, ``name``, ``precision``, ``district``,
        ``prefecture``, ``country``, ``year_start``, ``year_end``, ``sources`` and the
        layer-specific columns of the layers contract).
    source_titles : mapping, optional
        Source id -> citation shown under each quote; the id itself when missing.

    Returns
    -------
    PopupText
        Every field escaped with :func:`esc`.
    """
    parts = PopupParts(source_titles).parts(row)
    return PopupText(
        layer=parts.layer,
        title=esc(parts.title),
        subtitle=esc(parts.subtitle),
        where=esc(parts.where),
        when=esc(parts.when),
        approx=esc(parts.approx),
        facts=tuple(esc(f) for f in parts.facts),
        quotes=tuple((esc(q), esc(src)) for q, src in parts.quotes),
        ref=esc(parts.ref),
    )


@dataclass(frozen=True)
class Parts:
    """The plain (not yet escaped) text of a popup; see :class:`PopupText` for the fields."""

    layer: str
    title: str
    subtitle: str
    where: str
    when: str
    approx: str
    facts: list[str]
    quotes: list[tuple[str, str]]
    ref: str


class PopupParts:
    """Builds :class:`Parts` for many rows, computing each repeated line once.

    Parameters
    ----------
    source_titles : mapping, optional
        Source id -> citation shown under each quote; the id itself when missing.
    """

    def __init__(self, source_titles: Mapping[str, str] | None = None) -> None:
        self._titles = dict(source_titles or {})
        self._where: dict[tuple[object, ...], str] = {}
        self._when: dict[tuple[object, ...], str] = {}
        self._approx: dict[tuple[object, ...], str] = {}
        self._subtitle: dict[tuple[object, ...], str] = {}

    def parts(self, row: Mapping[str, Any]) -> Parts:
        """Return the plain text of one feature's popup."""
        layer = plain(_get(row, "layer"))
        # Keys are plain strings: pandas' NA cannot be compared inside a dict lookup.
        district, prefecture = plain(_get(row, "district")), plain(_get(row, "prefecture"))
        key: tuple[object, ...] = (district, prefecture, plain(_get(row, "country")))
        where = self._where.get(key)
        if where is None:
            where = self._where[key] = _join(*key)
        key = (plain(_get(row, "year_start")), plain(_get(row, "year_end")))
        when = self._when.get(key)
        if when is None:
            when = self._when[key] = year_span(*key)
        key = (plain(_get(row, "precision")), district, prefecture)
        approx = self._approx.get(key)
        if approx is None:
            approx = self._approx[key] = _approx_note(*key)
        key = (layer, plain(_get(row, "kind")) or plain(_get(row, "facility_type")))
        kind_line = self._subtitle.get(key)
        if kind_line is None:
            kind_line = self._subtitle[key] = subtitle(layer, key[1])
        return Parts(
            layer=layer,
            title=plain(_get(row, "name")) or plain(_get(row, "id")),
            subtitle=kind_line,
            where=where,
            when=when,
            approx=approx,
            facts=_facts(layer, row),
            quotes=_quotes(row, self._titles),
            ref=plain(_get(row, "id")),
        )


def details_html(
    feature: Mapping[str, Any], *, source_titles: Mapping[str, str] | None = None
) -> str:
    """Return the details panel of one feature as HTML in which every data string is escaped.

    Parameters
    ----------
    feature : mapping
        The feature's properties (see :func:`popup_text`).
    source_titles : mapping, optional
        Source id -> citation.

    Returns
    -------
    str
        A ``<div class="atlas-details">`` with the name, kind, place, precision, dates,
        facts and every quote with its source.
    """
    text = popup_text(feature, source_titles=source_titles)
    parts = [
        '<div class="atlas-details">',
        f"<div><small>{text.subtitle}</small></div>",
        f"<h4>{text.title}</h4>",
    ]
    if text.where:
        parts.append(f"<div>{text.where}</div>")
    if text.approx:
        parts.append(f"<div><em>{text.approx}</em></div>")
    parts.append(f"<div>{text.when}</div>")
    if text.facts:
        parts.append("<ul>" + "".join(f"<li>{f}</li>" for f in text.facts) + "</ul>")
    for quote, source in text.quotes:
        parts.append(
            f"<blockquote>\u201c{quote}\u201d<br><small>\u2014 {source}</small></blockquote>"
        )
    parts.append(f"<div><small>Record id: <code>{text.ref}</code></small></div>")
    parts.append("</div>")
    return "".join(parts)
