"""The checks Frictionless cannot express: dates, list cells, cross-row rules, places, people.

Each check takes the raw tables (:class:`layers.records.tables.RawTable`) and returns Problems; none
raises on bad data. Cells Frictionless already rejects (wrong type, missing required value) are
skipped here so that one defect gives one problem.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import edtf

from geo._districtfile import finest_id_at
from geo._errors import GeoError
from geo.coords import validate_lonlat
from layers.records.load import LIST_SEPARATOR, split_list
from layers.records.names import DEFAULT_THRESHOLD, NameMatch, find_similar_names
from layers.records.problem import Problem
from layers.records.tables import RawRow, RawTable

__all__ = [
    "Geocoder",
    "check_breakdowns",
    "check_dates",
    "check_detention_targets",
    "check_list_cells",
    "check_people",
    "check_places",
    "check_report_targets",
    "edtf_bounds",
]

logger = logging.getLogger(__name__)

_BREAKDOWN_PART = re.compile(r"[^:|]*[^:|\s][^:|]*:[0-9]+\+?")
_PERSON_ID = re.compile(r"\bP[0-9]{3,}\b")
_DAY = re.compile(r"(?<![0-9])(-?[0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])")


class Geocoder(Protocol):
    """What the place check needs: ``geo.geocode``'s signature."""

    def __call__(self, name: str, *, country: str | None = None) -> Any:
        """Return a ``geo.Place`` for ``name`` or raise ``geo.PlaceNotFound``."""
        ...


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def _as_date(value: object) -> dt.date | None:
    """Turn an edtf bound (``time.struct_time`` or +-inf) into a date; ``None`` if open."""
    if isinstance(value, time.struct_time):
        return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
    if isinstance(value, float) and math.isinf(value):
        return None
    msg = f"unexpected EDTF bound {value!r}"
    raise ValueError(msg)


@functools.lru_cache(maxsize=4096)
def edtf_bounds(text: str) -> tuple[dt.date | None, dt.date | None]:
    """Parse an EDTF string and return its earliest and latest possible days.

    Parameters
    ----------
    text : str
        An EDTF date, interval, season or set (``"2018-21"``, ``"2017-10~/2018-03"``).

    Returns
    -------
    tuple
        ``(lower, upper)``; ``None`` for an open or unknown end.

    Raises
    ------
    ValueError
        If ``text`` is not EDTF, names a day that does not exist (``2018-02-30``, and
        ``2018-02-29``, which the edtf library lets through) or ends before it starts.
    """
    for year, month, day in _DAY.findall(text):
        try:
            dt.date(int(year), int(month), int(day))
        except ValueError:
            msg = f"{text!r} names a day that does not exist ({year}-{month}-{day})"
            raise ValueError(msg) from None
    try:
        parsed = edtf.parse_edtf(text)
        lower, upper = _as_date(parsed.lower_strict()), _as_date(parsed.upper_strict())
    except (edtf.EDTFParseException, ValueError, TypeError, OverflowError) as exc:
        msg = f"{text!r} is not a valid EDTF date ({exc})"
        raise ValueError(msg) from None
    if lower is not None and upper is not None and lower > upper:
        msg = f"{text!r} ends before it starts ({lower} > {upper})"
        raise ValueError(msg)
    return lower, upper


def check_dates(tables: dict[str, RawTable]) -> list[Problem]:
    """Check every field marked ``"x-edtf": true`` and that detentions start before they end."""
    problems: list[Problem] = []
    for table in tables.values():
        edtf_fields = [f["name"] for f in table.fields() if f.get("x-edtf")]
        for row in table:
            bounds: dict[str, tuple[dt.date | None, dt.date | None]] = {}
            for name in edtf_fields:
                value = row.get(name)
                if not value:
                    continue
                try:
                    bounds[name] = edtf_bounds(value)
                except ValueError as exc:
                    problems.append(Problem(table.file, row.line, name, str(exc)))
            if table.name == "detentions" and "start" in bounds and "end" in bounds:
                start, end = bounds["start"][0], bounds["end"][1]
                if start is not None and end is not None and start > end:
                    msg = (
                        f"end {row.get('end')!r} is before start {row.get('start')!r} "
                        f"({end} < {start})"
                    )
                    problems.append(Problem(table.file, row.line, "end", msg))
    return problems


# ---------------------------------------------------------------------------------------------
# Cells and cross-row rules
# ---------------------------------------------------------------------------------------------


def check_list_cells(tables: dict[str, RawTable]) -> list[Problem]:
    """Check every field marked ``"x-list": true``: no empty or repeated parts."""
    problems: list[Problem] = []
    for table in tables.values():
        list_fields = [f["name"] for f in table.fields() if f.get("x-list")]
        for row in table:
            for name in list_fields:
                value = row.get(name)
                if not value:
                    continue
                parts = [part.strip() for part in value.split(LIST_SEPARATOR)]
                if any(not part for part in parts):
                    msg = f"{value!r} has an empty part (stray {LIST_SEPARATOR!r})"
                    problems.append(Problem(table.file, row.line, name, msg))
                repeated = sorted({part for part in parts if part and parts.count(part) > 1})
                if repeated:
                    msg = f"{value!r} repeats {', '.join(map(repr, repeated))}"
                    problems.append(Problem(table.file, row.line, name, msg))
    return problems


def check_breakdowns(tables: dict[str, RawTable]) -> list[Problem]:
    """Check ``population_reports.breakdown`` parts are ``group:count`` or ``group:count+``."""
    problems: list[Problem] = []
    table = tables.get("population_reports")
    if table is None:
        return problems
    for row in table:
        for part in split_list(row.get("breakdown")):
            if not _BREAKDOWN_PART.fullmatch(part):
                msg = (
                    f"breakdown part {part!r} is not 'group:count' "
                    "(e.g. 'Kazakh:3000+|Uyghur:2000')"
                )
                problems.append(Problem(table.file, row.line, "breakdown", msg))
    return problems


def check_detention_targets(tables: dict[str, RawTable]) -> list[Problem]:
    """Check every detention names a site or a place."""
    problems: list[Problem] = []
    table = tables.get("detentions")
    if table is None:
        return problems
    for row in table:
        if not row.get("site_id") and not row.get("place_id"):
            msg = f"detention {row.get('id')!r} has neither site_id nor place_id"
            problems.append(Problem(table.file, row.line, "site_id", msg))
    return problems


def check_report_targets(tables: dict[str, RawTable]) -> list[Problem]:
    """Check every population report names exactly one of a site or a place, and its range.

    A count is about one site (``site_id``) or about a place or region (``place_id``), never
    both; ``count_max``, when given, must exceed ``count`` (the range ``count``-``count_max``).
    """
    problems: list[Problem] = []
    table = tables.get("population_reports")
    if table is None:
        return problems
    for row in table:
        report, site, place = row.get("id"), row.get("site_id"), row.get("place_id")
        if not site and not place:
            msg = f"report {report!r} has neither site_id nor place_id (give one)"
            problems.append(Problem(table.file, row.line, "site_id", msg))
        elif site and place:
            msg = (
                f"report {report!r} has both site_id {site!r} and place_id {place!r} "
                "(give one: a site's place comes from sites.place_id)"
            )
            problems.append(Problem(table.file, row.line, "place_id", msg))
        low, high = _int_or_none(row.get("count")), _int_or_none(row.get("count_max"))
        if low is not None and high is not None and high <= low:
            msg = (
                f"count_max {row.get('count_max')!r} is not above count {row.get('count')!r} "
                "(a range needs count < count_max; leave count_max empty for one number)"
            )
            problems.append(Problem(table.file, row.line, "count_max", msg))
    return problems


def _int_or_none(text: str) -> int | None:
    """Return ``text`` as an int, or ``None`` when empty or not an integer (Frictionless says)."""
    try:
        return int(text) if text else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Places
# ---------------------------------------------------------------------------------------------


def _float_or_none(text: str) -> float | None:
    """Return ``text`` as a float, or ``None`` when empty or not a number (Frictionless says)."""
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def check_places(tables: dict[str, RawTable], geocoder: Geocoder | None) -> list[Problem]:
    """Check override coordinates and that every other place geocodes in its country.

    An override must be a valid point inside its row's country (a Xinjiang district or China's
    box for CN, a Kazakhstan region for KZ, a coarse box for the other listed countries,
    nothing for OTHER); when the swapped pair would fit, the problem says they look swapped.

    Parameters
    ----------
    tables : dict of str to RawTable
        The package; only ``places`` is read.
    geocoder : Geocoder or None
        ``geo.geocode`` or a stand-in; ``None`` reports one problem for the whole table.
    """
    problems: list[Problem] = []
    table = tables.get("places")
    if table is None:
        return problems
    for row in table:
        lon_text, lat_text, precision = row.get("lon"), row.get("lat"), row.get("precision")
        if lon_text or lat_text:
            problems.extend(_check_override(table.file, row, lon_text, lat_text, precision))
            continue
        if precision:
            msg = f"precision {precision!r} is given without lon/lat (it only qualifies them)"
            problems.append(Problem(table.file, row.line, "precision", msg))
        if geocoder is None:
            continue
        try:
            problems.extend(_check_geocodes(table.file, row, geocoder))
        except ImportError as exc:
            # The geocoder's own data or modules are missing: one problem, not one per place.
            msg = f"places were not geocoded: the geocoder cannot load ({exc})"
            problems.append(Problem(table.file, None, None, msg))
            geocoder = None
    return problems


def _check_override(
    file: str, row: RawRow, lon_text: str, lat_text: str, precision: str
) -> list[Problem]:
    """Check a place's own coordinates: both given, valid, with a precision."""
    problems = []
    if not lon_text or not lat_text:
        missing = "lon" if not lon_text else "lat"
        msg = f"{missing} is empty while {'lat' if missing == 'lon' else 'lon'} is given"
        problems.append(Problem(file, row.line, missing, msg))
    else:
        lon, lat = _float_or_none(lon_text), _float_or_none(lat_text)
        # Out-of-range numbers are the schema's minimum/maximum, reported by Frictionless;
        # validate_lonlat catches what a range cannot (NaN, infinities).
        if lon is not None and lat is not None and not (abs(lon) > 180 or abs(lat) > 90):
            try:
                validate_lonlat(lon, lat)
            except GeoError as exc:
                problems.append(Problem(file, row.line, "lon", str(exc)))
            else:
                problems.extend(_check_override_country(file, row, lon, lat))
    if not precision:
        msg = "precision is required when lon/lat are given"
        problems.append(Problem(file, row.line, "precision", msg))
    return problems


#: Coarse (west, south, east, north) boxes of the schema's countries, 0.5 degrees wider than the
#: land; a point outside every box of its row's country is surely misplaced. CN and KZ are
#: checked against the district polygons first (see :func:`_where`).
_COUNTRY_BOXES: dict[str, tuple[tuple[float, float, float, float], ...]] = {
    "CN": ((73.0, 17.6, 135.6, 54.1),),
    "KZ": ((46.0, 40.0, 87.8, 56.0),),
    "KG": ((68.7, 38.7, 80.8, 43.8),),
    "UZ": ((55.5, 36.7, 73.7, 46.1),),
    "RU": ((19.1, 40.7, 180.0, 82.4), (-180.0, 64.0, -168.5, 72.0)),
    "MN": ((87.2, 41.1, 120.4, 52.6),),
    "TR": ((25.1, 35.3, 45.3, 42.6),),
    "US": (
        (-125.5, 24.0, -66.4, 49.9),
        (-180.0, 50.7, -129.5, 72.0),
        (172.0, 51.0, 180.0, 53.5),
        (-161.0, 18.4, -154.3, 22.8),
    ),
    "DE": ((5.4, 46.8, 15.5, 55.5),),
    "NL": ((2.9, 50.3, 7.7, 54.0),),
    "CH": ((5.5, 45.4, 11.0, 48.3),),
    "IN": ((67.6, 6.2, 97.9, 37.6),),
    "PK": ((60.4, 23.2, 78.4, 37.6),),
}

#: The countries whose district polygons ``geo.district_at`` knows (id prefix ``"CN-"``...).
_DISTRICT_COUNTRIES = ("CN", "KZ")


def _where(
    country: str, lon: float, lat: float, district_at: Callable[[float, float], str | None]
) -> tuple[bool | None, str]:
    """Say whether ``(lon, lat)`` lies in ``country`` and where it lies.

    Returns ``(fits, where)``: ``fits`` is ``None`` when the country has no shape to test
    (``OTHER``); ``where`` names the district or says "outside ...".
    A CN point must lie in a Xinjiang district or, failing that, in China's box (the atlas
    names places elsewhere in China); a KZ point must lie in a Kazakhstan region; a point in
    a district of the other country does not fit.
    """
    boxes = _COUNTRY_BOXES.get(country)
    if boxes is None:
        return None, "no shape to test"
    district = district_at(lon, lat) if -90.0 <= lat <= 90.0 else None
    if district is not None:
        home = district.split("-", 1)[0]
        return home == country, f"district {district!r}"
    in_box = any(w <= lon <= e and s <= lat <= n for w, s, e, n in boxes)
    if country == "KZ":
        return False, "no Kazakhstan region"
    where = f"{country}'s bounding box" if in_box else f"outside {country}'s bounding box"
    if country == "CN":
        where = f"no Xinjiang district, {where}"
    return in_box, where


def _district_id_at(lon: float, lat: float) -> str | None:
    """Return the finest district id at a point (``geo.district_at`` for one point).

    Read through :func:`geo._districtfile.finest_id_at`, the same tree ``geo.district_at`` uses,
    without geopandas: ``python -m layers validate`` stays light.
    """
    return finest_id_at(lon, lat)


def _check_override_country(
    file: str,
    row: RawRow,
    lon: float,
    lat: float,
    district_at: Callable[[float, float], str | None] = _district_id_at,
) -> list[Problem]:
    """Check an override lies in its row's country; say so when the swapped pair would."""
    country = row.get("country")
    try:
        fits, where = _where(country, lon, lat, district_at)
        if fits is None or fits:
            return []
        swapped_fits = abs(lon) <= 90.0 and _where(country, lat, lon, district_at)[0]
    except (ImportError, OSError, GeoError) as exc:
        msg = f"lon/lat were not checked against country {country!r}: districts cannot load ({exc})"
        return [Problem(file, row.line, "lon", msg)]
    msg = (
        f"lon {row.get('lon')!r}, lat {row.get('lat')!r} do not lie in country {country!r} "
        f"({where})"
    )
    if swapped_fits:
        msg += (
            f"; they look swapped: lon {row.get('lat')!r}, lat {row.get('lon')!r} would lie "
            f"in {country!r}"
        )
    return [Problem(file, row.line, "lon", msg)]


def _check_geocodes(file: str, row: RawRow, geocoder: Geocoder) -> list[Problem]:
    """Geocode a place without override and compare the country."""
    query = row.get("geocode_query") or row.get("name")
    field = "geocode_query" if row.get("geocode_query") else "name"
    if not query:
        return []
    country = row.get("country")
    hint = country if country and country != "OTHER" else None
    try:
        place = geocoder(query, country=hint)
    except GeoError as exc:
        return [Problem(file, row.line, field, f"{query!r} does not geocode: {exc}")]
    found = getattr(place, "country", None)
    if getattr(place, "stage", None) == "fuzzy":
        matched = getattr(place, "name", "?")
        msg = (
            f"{query!r} matches {matched!r} only fuzzily (score "
            f"{getattr(place, 'score', 0):.0f}): a guess; if it is right, set geocode_query "
            f"to {matched!r}, else give lon/lat"
        )
        return [Problem(file, row.line, field, msg)]
    if hint and found and found != hint:
        msg = (
            f"{query!r} geocodes to {getattr(place, 'name', '?')!r} in {found!r}, "
            f"not in {hint!r}; set geocode_query or lon/lat"
        )
        return [Problem(file, row.line, field, msg)]
    return []


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


def check_people(
    tables: dict[str, RawTable], *, threshold: float = DEFAULT_THRESHOLD
) -> list[Problem]:
    """Flag people who look like one person under two spellings, and bad ``distinct_from``.

    A pair is silenced only when each lists the other in ``distinct_from``.
    """
    table = tables.get("people")
    if table is None:
        return []
    rows = [row for row in table if row.get("id")]
    by_id = {row.get("id"): row for row in rows}
    distinct = {row.get("id"): set(split_list(row.get("distinct_from"))) for row in rows}
    return (
        _distinct_from_problems(table.file, rows, by_id, distinct)
        + _relation_problems(table.file, rows, by_id)
        + _similar_name_problems(table.file, rows, by_id, distinct, threshold=threshold)
    )


def _distinct_from_problems(
    file: str, rows: list[RawRow], by_id: dict[str, RawRow], distinct: dict[str, set[str]]
) -> list[Problem]:
    """Flag ``distinct_from`` entries that name the person themselves or no person."""
    problems: list[Problem] = []
    for row in rows:
        for other in sorted(distinct[row.get("id")]):
            if other == row.get("id"):
                msg = f"{other!r} lists itself in distinct_from"
                problems.append(Problem(file, row.line, "distinct_from", msg))
            elif other not in by_id:
                msg = f"{other!r} is not a people.id"
                problems.append(Problem(file, row.line, "distinct_from", msg))
    return problems


def _relation_problems(file: str, rows: list[RawRow], by_id: dict[str, RawRow]) -> list[Problem]:
    """Flag person ids in ``relation`` that are not people."""
    problems: list[Problem] = []
    for row in rows:
        for other in _PERSON_ID.findall(row.get("relation")):
            if other not in by_id:
                msg = f"{row.get('relation')!r} names {other!r}, which is not a people.id"
                problems.append(Problem(file, row.line, "relation", msg))
    return problems


def _similar_name_problems(
    file: str,
    rows: list[RawRow],
    by_id: dict[str, RawRow],
    distinct: dict[str, set[str]],
    *,
    threshold: float,
) -> list[Problem]:
    """Flag pairs of people whose names match, unless each lists the other in distinct_from.

    Parameters
    ----------
    file : str
        The people table's file.
    rows : list of RawRow
        The people with an id, in table order.
    by_id : dict of str to RawRow
        Person id -> row.
    distinct : dict of str to set of str
        Person id -> the ids its ``distinct_from`` lists.
    threshold : float
        Score (0-100) from which two normalised names count as the same.

    Returns
    -------
    list of Problem
        One problem per matching pair, on the second person's line.
    """
    problems: list[Problem] = []
    spellings = [(row.get("id"), _spellings(row)) for row in rows]
    for match in find_similar_names(spellings, threshold=threshold):
        if match.first_id == match.second_id:
            continue  # one id on two rows: Frictionless reports the duplicate id
        first, second = by_id[match.first_id], by_id[match.second_id]
        a_lists_b = match.second_id in distinct[match.first_id]
        b_lists_a = match.first_id in distinct[match.second_id]
        if a_lists_b and b_lists_a:
            continue
        field = "name" if match.second_spelling == second.get("name") else "aliases"
        msg = _similar_name_message(match, first, a_lists_b=a_lists_b, b_lists_a=b_lists_a)
        problems.append(Problem(file, second.line, field, msg))
    return problems


def _similar_name_message(
    match: NameMatch, first: RawRow, *, a_lists_b: bool, b_lists_a: bool
) -> str:
    """Return the message for two people whose names match (``first``: the first's row).

    ``a_lists_b`` and ``b_lists_a`` say whether one of them already lists the other in
    ``distinct_from`` (not both: such a pair is silenced).
    """
    how = "the same name" if match.score >= 100 else f"similar (score {match.score:.0f})"
    msg = (
        f"{match.second_id} {match.second_spelling!r} and {match.first_id} "
        f"{match.first_spelling!r} (line {first.line}) are {how} after normalisation: "
        "merge them, or if the source shows two people, list each id in the other's "
        "distinct_from"
    )
    if a_lists_b or b_lists_a:
        lister, listed = (
            (match.first_id, match.second_id) if a_lists_b else (match.second_id, match.first_id)
        )
        msg += f" (only {lister} lists {listed}; list it both ways)"
    return msg


def _spellings(row: RawRow) -> list[str]:
    """Return a person's name followed by their aliases."""
    return [row.get("name"), *split_list(row.get("aliases"))]


def run_all(
    tables: dict[str, RawTable],
    geocoder: Geocoder | None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Problem]:
    """Run every check of this module in a fixed order."""
    checks: Iterable[Callable[[], list[Problem]]] = (
        lambda: check_dates(tables),
        lambda: check_list_cells(tables),
        lambda: check_breakdowns(tables),
        lambda: check_detention_targets(tables),
        lambda: check_report_targets(tables),
        lambda: check_places(tables, geocoder),
        lambda: check_people(tables, threshold=threshold),
    )
    problems: list[Problem] = []
    for check in checks:
        problems.extend(check())
    return problems
