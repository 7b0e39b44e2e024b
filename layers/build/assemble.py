"""Turn the curated records (and the BuzzFeed facilities) into one GeoDataFrame per map layer.

:func:`build_layers` is pure: it geocodes each place once, computes the district columns once
and returns a frozen :class:`~layers.layerset.Layers`; the app caches the result
(``st.cache_resource``) and the filters and exporter only read it.

Sensitivity travels with the data: every feature has the most restrictive ``sensitivity`` of
the rows it is about, and every entry of ``sources`` / ``population_reports`` keeps its own
(``"_sensitivity"`` key; keys starting with ``_`` are internal and never exported) so a public
export can drop or redact it. Every level is read with
:func:`layers.build.featurerows.sensitivity_level`: a blank or unknown cell counts as ``private``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd
from shapely.geometry import LineString, Point

import geo
from layers.build.featurerows import fold, make_frame, most_sensitive, sensitivity_level, text
from layers.build.placepoints import AREA_PRECISIONS, district_names, resolve_places
from layers.layerset import Layers
from layers.records.facilities import ATTRIBUTION, FacilityLoad, site_candidates
from layers.records.facilities import SOURCE_ID as FACILITY_SOURCE_ID
from layers.records.load import split_list
from layers.records.measures import INMATES, MEASURE_LABELS, measure_of
from layers.records.years import span_years, year_bounds

if TYPE_CHECKING:
    from layers.records.load import Records

__all__ = ["Layers", "ReportTargetError", "build_layers"]

logger = logging.getLogger(__name__)


_FINE_PRECISIONS = frozenset({"exact", "settlement", "county"})
_DISTRICT_KEYS = ("precision", "district", "district_id", "prefecture", "prefecture_id", "country")


def _source(
    row: Any, sensitivity: str, dates: tuple[str | None, str | None] | None = None
) -> dict[str, Any]:
    """Return the ``sources`` entry of a table row.

    Besides ``source`` and ``quote`` the entry keeps two internal keys the exporter strips:
    ``_sensitivity`` of the row and ``_years``, the ``(first, last)`` years the row dates (None
    when the row dates nothing), so a public export can drop a private row's years too.
    """
    return {
        "source": text(row.source_id),
        "quote": text(row.quote),
        "_sensitivity": sensitivity,
        "_years": None if dates is None else span_years([dates]),
    }


_Places = dict[str, tuple[dict[str, Any], Point]]


class ReportTargetError(ValueError):
    """A population report names neither a site nor a place (``layers validate`` says first).

    Parameters
    ----------
    message : str
        The full message, naming the report.
    report_id : str
        The report's id.
    """

    def __init__(self, message: str, *, report_id: str) -> None:
        super().__init__(message)
        self.report_id = report_id


def _index_places(resolved: pd.DataFrame) -> _Places:
    """Return place id -> (district columns, point) for fast look-ups while building."""
    index: _Places = {}
    for place_id, place in zip(resolved.index, _tuples(resolved), strict=True):
        columns = {key: getattr(place, key) for key in _DISTRICT_KEYS}
        index[str(place_id)] = (columns, Point(float(place.lon), float(place.lat)))
    return index


def _tuples(frame: pd.DataFrame) -> Iterator[Any]:
    """Yield the rows of ``frame`` as namedtuples of plain Python values (None for missing)."""
    plain = frame.astype(object)
    return plain.where(plain.notna(), None).itertuples(index=False)


def _place_columns(places: _Places, place_id: str | None) -> dict[str, Any]:
    """Return the district columns of a resolved place (all None for no place)."""
    if place_id is None:
        return dict.fromkeys(_DISTRICT_KEYS)
    return dict(places[place_id][0])


def _point(places: _Places, place_id: str) -> Point:
    """Return the resolved point of a place."""
    return places[place_id][1]


def _count(report: Any) -> int | None:
    """Return a population report's ``count`` (a namedtuple field shadowing tuple.count)."""
    value: Any = getattr(report, "count")  # noqa: B009
    return None if pd.isna(value) else int(value)


def _count_max(report: Any) -> int | None:
    """Return a population report's ``count_max`` (None when empty or not in the table)."""
    value: Any = getattr(report, "count_max", None)
    return None if value is None or pd.isna(value) else int(value)


def _measure(report: Any) -> str:
    """Return what a population report counts; an empty cell (or no column) means inmates."""
    return measure_of(text(getattr(report, "measure", None)))


def _report_name(where: str | None, measure: str) -> str | None:
    """Return a report's name: its site's or place's, with what it counts unless inmates.

    ``"Shapshal camp (inmates in critical condition)"``: a popup or a table titled with the
    name never shows a count of some inmates as if it were the site's.
    """
    if measure == INMATES or where is None:
        return where
    return f"{where} ({MEASURE_LABELS[measure]})"


def _report_place(report: Any) -> str | None:
    """Return a population report's ``place_id`` (None for a site's report)."""
    return text(getattr(report, "place_id", None))


def _years(pairs: list[tuple[str | None, str | None]]) -> dict[str, int | None]:
    """Return ``year_start``/``year_end`` of some ``(start, end)`` EDTF pairs."""
    start, end = span_years(pairs)
    return {"year_start": start, "year_end": end}


def _dates(detention: Any) -> tuple[str | None, str | None]:
    """Return the ``(start, end)`` EDTF cells of a detention row."""
    return text(detention.start), text(detention.end)


def _snap_point(
    district_id: str | None, prefecture_id: str | None
) -> tuple[Point | None, str | None]:
    """Return the label point of the district (else the prefecture) and its level.

    ``(None, None)`` outside every district: a public export then writes no geometry rather
    than a home it cannot blur.
    """
    for candidate in (district_id, prefecture_id):
        if candidate:
            district = geo.get_district(candidate)
            return Point(district.label_lon, district.label_lat), district.level
    return None, None


def _people(records: Records) -> dict[str, dict[str, Any]]:
    """Return people by id: name, aliases, sensitivity, origin place, the row itself."""
    people: dict[str, dict[str, Any]] = {}
    for row in _tuples(records.people):
        people[str(row.id)] = {
            "name": text(row.name),
            "aliases": split_list(row.aliases),
            "role": text(row.role),
            # Fail closed: a blank or unknown level is private (load_records refuses it).
            "sensitivity": sensitivity_level(row.sensitivity),
            "origin": text(row.origin_place_id),
            "row": row,
        }
    return people


def _blurred(places: _Places, place_id: str) -> dict[str, Any]:
    """Return ``_snapped``/``_snapped_precision``, where a public export puts restricted data.

    A located place (``exact``, ``settlement``) moves to its district's label point; a place
    already known only to a county or coarser keeps its point.
    """
    columns, point = places[place_id]
    precision = columns["precision"]
    if precision in AREA_PRECISIONS or precision == "country":
        return {"_snapped": point, "_snapped_precision": precision}
    snapped, level = _snap_point(columns["district_id"], columns["prefecture_id"])
    return {"_snapped": snapped, "_snapped_precision": level}


def _facilities_frame(
    facilities: FacilityLoad | None,
) -> tuple[list[dict[str, Any]], list[Point]]:
    """Return the facility rows and points, district columns computed in one vectorised pass."""
    if facilities is None or len(facilities.frame) == 0:
        return [], []
    frame = facilities.frame
    lons = frame["lon"].to_numpy(dtype=float)
    lats = frame["lat"].to_numpy(dtype=float)
    geo.validate_lonlat_arrays(lons, lats)
    ids = pd.Series(list(geo.district_at(lons, lats)), dtype=object)
    prefecture_ids = pd.Series(list(geo.prefecture_of(ids.to_numpy(dtype=object))), dtype=object)
    names = district_names(ids)
    prefecture_names = district_names(prefecture_ids)
    rows: list[dict[str, Any]] = []
    points: list[Point] = []
    for i, row in enumerate(_tuples(frame)):
        facility_id = str(row.facility_id)
        rows.append(
            {
                "layer": "facility",
                "id": facility_id,
                "name": text(getattr(row, "label", None)) or text(row.name),
                "precision": "exact",
                "district": names.iloc[i],
                "district_id": ids.iloc[i],
                "prefecture": prefecture_names.iloc[i],
                "prefecture_id": prefecture_ids.iloc[i],
                "country": "CN",
                "year_start": None,
                "year_end": None,
                "sources": [{"source": FACILITY_SOURCE_ID, "quote": None}],
                "sensitivity": "public",
                "facility_id": facility_id,
                "facility_type": text(getattr(row, "facility_type", None)),
                "corroboration": text(getattr(row, "corroboration", None)),
                "aspi_no": text(getattr(row, "aspi_no", None)),
                "shawn_zhang_no": text(getattr(row, "shawn_zhang_no", None)),
                "etnam": text(getattr(row, "etnam", None)),
                "town": text(getattr(row, "town", None)),
                "attribution": text(getattr(row, "attribution", None)) or ATTRIBUTION,
                "_search": fold(row.name, getattr(row, "town", None)),
            }
        )
        points.append(Point(lons[i], lats[i]))
    return rows, points


def _candidates(
    records: Records, facilities: FacilityLoad | None, sites: dict[str, dict[str, Any]]
) -> dict[str, list[str]]:
    """Return site id -> ids of the catalogued facilities in the same Chinese county.

    Uses :func:`layers.records.facilities.site_candidates` with the counties this build already
    computed: a site known only to a prefecture, region or country has no candidates.
    """
    if facilities is None or len(facilities.frame) == 0:
        return {}
    counties = {
        site_id: (
            site["district_id"]
            if site["precision"] in _FINE_PRECISIONS
            and str(site["district_id"] or "").startswith("CN-")
            else None
        )
        for site_id, site in sites.items()
    }
    table = site_candidates(records, facilities, site_counties=counties)
    found: dict[str, list[str]] = defaultdict(list)
    for site_id, facility_id in zip(table["site_id"], table["facility_id"], strict=True):
        found[str(site_id)].append(str(facility_id))
    return found


def build_layers(records: Records, facilities: FacilityLoad | None = None) -> Layers:
    """Build every map layer from the curated records and the third-party facilities.

    Parameters
    ----------
    records : layers.records.load.Records
        The loaded, validated tables.
    facilities : layers.records.facilities.FacilityLoad, optional
        The BuzzFeed 2021 facilities; None gives an empty facilities layer.

    Returns
    -------
    Layers
        ``sites`` (one per site row; ``population_reports`` and ``max_population`` take only
        the reports whose ``measure`` is ``inmates``), ``reports`` (one per population report,
        whatever its ``measure``, at its site's point or, for a report about a place, at the
        place with its precision), ``witnesses`` (one per person with an origin place),
        ``links`` (a LineString from a person's origin to each site or place they were held
        at), ``facilities`` and ``events`` (those with a place), all EPSG:4326 with the
        columns of :func:`layers.layerset.columns_of`.

    Raises
    ------
    layers.build.placepoints.UnresolvedPlacesError
        If a place cannot be geocoded (``python -m layers validate`` reports it first).
    layers.records.years.BadDateError
        If a date cell is not EDTF.
    ReportTargetError
        If a population report names neither a site nor a place.
    """
    places = _index_places(resolve_places(records.places))
    place_rows = {str(r.id): r for r in _tuples(records.places)}
    people = _people(records)
    facility_rows, facility_points = _facilities_frame(facilities)

    report_rows_all = list(_tuples(records.population_reports))
    reports_by_site: dict[str, list[Any]] = defaultdict(list)
    for row in report_rows_all:
        year_bounds(text(row.date))  # fail early, naming the bad date
        if text(row.site_id) is not None:
            reports_by_site[str(row.site_id)].append(row)
    detentions_by_site: dict[str, list[Any]] = defaultdict(list)
    detentions_by_person: dict[str, list[Any]] = defaultdict(list)
    for row in _tuples(records.detentions):
        if text(row.site_id) is not None:
            detentions_by_site[str(row.site_id)].append(row)
        detentions_by_person[str(row.person_id)].append(row)

    # Each report's and detention's sensitivity and ``sources`` entry, computed once and
    # shared (read-only) by every feature they support.
    report_level: dict[str, str] = {}
    report_source: dict[str, dict[str, Any]] = {}
    for r in report_rows_all:
        reporter = people.get(text(r.reported_by) or "")
        level = "public" if reporter is None else str(reporter["sensitivity"])
        report_level[str(r.id)] = level
        report_source[str(r.id)] = _source(r, level, (text(r.date), None))
    detention_level: dict[str, str] = {}
    detention_source: dict[str, dict[str, Any]] = {}
    for rows in detentions_by_person.values():
        for d in rows:
            detainee = people.get(str(d.person_id))
            level = most_sensitive(
                [d.sensitivity, *([] if detainee is None else [detainee["sensitivity"]])]
            )
            detention_level[str(d.id)] = level
            detention_source[str(d.id)] = _source(d, level, _dates(d))

    def reporter_sensitivity(row: Any) -> str:
        return report_level[str(row.id)]

    def detention_sensitivity(row: Any) -> str:
        return detention_level[str(row.id)]

    # --- sites ---------------------------------------------------------------------------
    sites: dict[str, dict[str, Any]] = {}
    site_rows: list[dict[str, Any]] = []
    site_points: list[Point] = []
    for row in _tuples(records.sites):
        site_id = str(row.id)
        place_id = str(row.place_id)
        reports = sorted(reports_by_site.get(site_id, []), key=lambda r: str(r.id))
        detentions = sorted(detentions_by_site.get(site_id, []), key=lambda r: str(r.id))
        # Only counts of everyone held are the site's population; a count of some inmates
        # ("130 in critical condition") stays a report of its own (its quote still supports
        # the site, in ``sources``).
        population = [
            {
                "id": str(r.id),
                "count": _count(r),
                "measure": INMATES,
                "qualifier": text(r.qualifier),
                "date": text(r.date),
                "reported_by": text(r.reported_by),
                "reporter": people.get(text(r.reported_by) or "", {}).get("name"),
                "quote": text(r.quote),
                "_sensitivity": reporter_sensitivity(r),
            }
            for r in reports
            if _measure(r) == INMATES
        ]
        counts = [p["count"] for p in population if p["count"] is not None]
        feature = {
            "layer": "site",
            "id": site_id,
            "name": text(row.name),
            **_place_columns(places, place_id),
            **_years(
                [(text(r.date), None) for r in reports]
                + [(text(d.start), text(d.end)) for d in detentions]
            ),
            "sources": [_source(row, "public")]
            + [report_source[str(r.id)] for r in reports]
            + [detention_source[str(d.id)] for d in detentions],
            "sensitivity": "public",
            "kind": text(row.kind),
            "description": text(row.description),
            "place": text(place_rows[place_id].name),
            "population_reports": population,
            "max_population": max(counts) if counts else None,
            "_search": fold(row.name, place_rows[place_id].name),
        }
        sites[site_id] = feature
        site_rows.append(feature)
        site_points.append(_point(places, place_id))
    site_point_by_id = dict(zip(sites, site_points, strict=True))
    candidates = _candidates(records, facilities, sites)
    for site_id, site in sites.items():
        site["candidate_facilities"] = candidates.get(site_id, [])

    # --- reports -------------------------------------------------------------------------
    # A site's report sits at the site; a place's report (a region-wide estimate) at the place,
    # with the place's precision (Xinjiang: region), never as if it were a located site.
    report_rows: list[dict[str, Any]] = []
    report_points: list[Point] = []
    for row in report_rows_all:
        level = reporter_sensitivity(row)
        reporter = people.get(text(row.reported_by) or "", {}).get("name")
        report_site = text(row.site_id)
        report_place = None if report_site is not None else _report_place(row)
        if report_site is not None:
            site = sites[report_site]
            label, where = site["name"], site["place"]
            columns = {key: site[key] for key in _DISTRICT_KEYS}
            report_points.append(site_point_by_id[report_site])
        elif report_place is not None:
            label = where = text(place_rows[report_place].name)
            columns = _place_columns(places, report_place)
            report_points.append(_point(places, report_place))
        else:
            msg = f"population report {row.id!r} has neither site_id nor place_id"
            raise ReportTargetError(msg, report_id=str(row.id))
        measure = _measure(row)
        report_rows.append(
            {
                "layer": "report",
                "id": str(row.id),
                "name": _report_name(label, measure),
                **columns,
                **_years([(text(row.date), None)]),
                "sources": [report_source[str(row.id)]],
                "sensitivity": level,
                "site_id": report_site,
                "place_id": report_place,
                "measure": measure,
                "count": _count(row),
                "count_max": _count_max(row),
                "qualifier": text(row.qualifier),
                "date": text(row.date),
                "reported_by": text(row.reported_by),
                "reporter": reporter,
                "breakdown": text(row.breakdown),
                "_search": fold(label, where, reporter),
            }
        )

    # --- witnesses and links -------------------------------------------------------------
    witness_rows: list[dict[str, Any]] = []
    witness_points: list[Point] = []
    link_rows: list[dict[str, Any]] = []
    link_points: list[LineString] = []
    without_origin = 0
    for person_id, person in people.items():
        origin_id = person["origin"]
        if origin_id is None:
            without_origin += 1
            continue
        row = person["row"]
        level = str(person["sensitivity"])
        origin_columns = _place_columns(places, origin_id)
        origin_point = _point(places, origin_id)
        blurred = _blurred(places, origin_id)
        snapped = blurred["_snapped"]
        detentions = sorted(detentions_by_person.get(person_id, []), key=lambda r: str(r.id))
        held: dict[str, list[Any]] = defaultdict(list)
        for d in detentions:
            target = text(d.site_id) or text(d.place_id)
            if target is not None:
                held[target].append(d)
        detained_at = [t for t in held if t in sites]
        witness_rows.append(
            {
                "layer": "witness",
                "id": f"{person_id}-origin",
                "name": person["name"],
                **origin_columns,
                **_years([(text(d.start), text(d.end)) for d in detentions]),
                "sources": [_source(row, level), _source(place_rows[origin_id], level)]
                + [detention_source[str(d.id)] for d in detentions],
                "sensitivity": level,
                "person_id": person_id,
                "role": person["role"],
                "aliases": list(person["aliases"]),
                "origin": text(place_rows[origin_id].name),
                "detained_at": detained_at,
                "_search": fold(person["name"], person["aliases"]),
                "_detained_at_sensitivity": [
                    most_sensitive(detention_sensitivity(d) for d in held[t])
                    for t in detained_at
                ],
                **blurred,
            }
        )
        witness_points.append(origin_point)
        for target, rows_held in held.items():
            held_site: str | None
            place_id_held: str | None
            if target in sites:
                site = sites[target]
                end_point = site_point_by_id[target]
                held_site, place_id_held, target_name = target, None, site["name"]
                target_columns = {key: site[key] for key in _DISTRICT_KEYS}
            else:
                end_point = _point(places, target)
                held_site, place_id_held = None, target
                target_name = text(place_rows[target].name)
                target_columns = _place_columns(places, target)
            link_rows.append(
                {
                    "layer": "link",
                    "id": f"{person_id}->{target}",
                    "name": f"{person['name']} \u2192 {target_name}",
                    **target_columns,
                    **_years([(text(d.start), text(d.end)) for d in rows_held]),
                    "sources": [detention_source[str(d.id)] for d in rows_held],
                    "sensitivity": most_sensitive(
                        [level, *(detention_sensitivity(d) for d in rows_held)]
                    ),
                    "person_id": person_id,
                    "site_id": held_site,
                    "place_id": place_id_held,
                    "origin_district_id": origin_columns["district_id"],
                    "origin_prefecture_id": origin_columns["prefecture_id"],
                    "_search": fold(person["name"], person["aliases"], target_name),
                    "_snapped": None if snapped is None else LineString([snapped, end_point]),
                }
            )
            link_points.append(LineString([origin_point, end_point]))
    if without_origin:
        logger.info("%d people have no origin place and no witness point", without_origin)

    # --- events --------------------------------------------------------------------------
    event_rows: list[dict[str, Any]] = []
    event_points: list[Point] = []
    unplaced = 0
    for row in _tuples(records.events):
        event_place = text(row.place_id)
        if event_place is None:
            unplaced += 1
            continue
        concerned = people.get(text(row.person_id) or "")
        level = most_sensitive(
            [row.sensitivity, *([] if concerned is None else [concerned["sensitivity"]])]
        )
        kind = text(row.kind) or "event"
        place_name = text(place_rows[event_place].name)
        event_rows.append(
            {
                "layer": "event",
                "id": str(row.id),
                "name": f"{kind.replace('_', ' ')}, {place_name}",
                **_place_columns(places, event_place),
                **_years([(text(row.date), None)]),
                "sources": [_source(row, level, (text(row.date), None))],
                "sensitivity": level,
                "kind": kind,
                "date": text(row.date),
                "person_id": text(row.person_id),
                "description": text(row.description),
                "_search": fold(
                    kind, place_name, None if concerned is None else concerned["name"],
                    None if concerned is None else concerned["aliases"],
                ),
                **_blurred(places, event_place),
            }
        )
        event_points.append(_point(places, event_place))
    if unplaced:
        logger.info("%d events have no place and are not drawn", unplaced)

    layers = Layers(
        sites=make_frame("sites", site_rows, site_points),
        reports=make_frame("reports", report_rows, report_points),
        witnesses=make_frame("witnesses", witness_rows, witness_points),
        links=make_frame("links", link_rows, link_points),
        facilities=make_frame("facilities", facility_rows, facility_points),
        events=make_frame("events", event_rows, event_points),
    )
    logger.debug("built layers %s", layers.counts())
    return layers

