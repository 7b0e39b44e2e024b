"""What every layer's builder reads, computed once per build: places, people, rows by key.

:func:`make_context` resolves the places (:func:`layers.build.placepoints.resolve_places`),
indexes people, reports and detentions, and computes each report's and detention's
sensitivity and ``sources`` entry once, shared read-only by every feature they support.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from shapely.geometry import Point

import geo
from layers.build.featurerows import text
from layers.build.placepoints import AREA_PRECISIONS, resolve_places
from layers.records.load import Records, split_list
from layers.records.measures import measure_of
from layers.records.sensitivity import most_sensitive, sensitivity_level
from layers.records.years import span_years, year_bounds

__all__ = ["DISTRICT_KEYS", "BuildContext", "make_context", "rows_of", "source_entry", "years"]

#: The place columns every feature carries.
DISTRICT_KEYS = ("precision", "district", "district_id", "prefecture", "prefecture_id", "country")

_Places = dict[str, tuple[dict[str, Any], Point]]


def rows_of(frame: pd.DataFrame) -> Iterator[Any]:
    """Yield the rows of ``frame`` as namedtuples of plain Python values (None for missing)."""
    plain = frame.astype(object)
    return plain.where(plain.notna(), None).itertuples(index=False)


def source_entry(
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


def years(pairs: list[tuple[str | None, str | None]]) -> dict[str, int | None]:
    """Return ``year_start``/``year_end`` of some ``(start, end)`` EDTF pairs."""
    start, end = span_years(pairs)
    return {"year_start": start, "year_end": end}


def detention_dates(detention: Any) -> tuple[str | None, str | None]:
    """Return the ``(start, end)`` EDTF cells of a detention row."""
    return text(detention.start), text(detention.end)


def measure(report: Any) -> str:
    """Return what a population report counts; an empty cell (or no column) means inmates."""
    return measure_of(text(getattr(report, "measure", None)))


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


def _index_places(resolved: pd.DataFrame) -> _Places:
    """Return place id -> (district columns, point) for fast look-ups while building."""
    index: _Places = {}
    for place_id, place in zip(resolved.index, rows_of(resolved), strict=True):
        columns = {key: getattr(place, key) for key in DISTRICT_KEYS}
        index[str(place_id)] = (columns, Point(float(place.lon), float(place.lat)))
    return index


def _people(records: Records) -> dict[str, dict[str, Any]]:
    """Return people by id: name, aliases, sensitivity, origin place, the row itself."""
    people: dict[str, dict[str, Any]] = {}
    for row in rows_of(records.people):
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


@dataclass
class BuildContext:
    """The records indexed once for the layer builders (read-only once made).

    Attributes
    ----------
    records : Records
        The loaded tables.
    places : dict
        Place id -> (district columns, point).
    place_rows, people : dict
        Place rows and people by id.
    reports : list
        Every population report row, in file order.
    reports_by_site, detentions_by_site, detentions_by_person : dict
        Rows grouped by the key, in file order.
    report_level, detention_level : dict
        Sensitivity of each report (its reporter's) and detention (the most restrictive of
        the row's and the detainee's), by id.
    report_source, detention_source : dict
        The ``sources`` entry of each report and detention, by id.
    """

    records: Records
    places: _Places
    place_rows: dict[str, Any]
    people: dict[str, dict[str, Any]]
    reports: list[Any]
    reports_by_site: dict[str, list[Any]] = field(default_factory=dict)
    detentions_by_site: dict[str, list[Any]] = field(default_factory=dict)
    detentions_by_person: dict[str, list[Any]] = field(default_factory=dict)
    report_level: dict[str, str] = field(default_factory=dict)
    report_source: dict[str, dict[str, Any]] = field(default_factory=dict)
    detention_level: dict[str, str] = field(default_factory=dict)
    detention_source: dict[str, dict[str, Any]] = field(default_factory=dict)

    def place_columns(self, place_id: str | None) -> dict[str, Any]:
        """Return the district columns of a resolved place (all None for no place)."""
        if place_id is None:
            return dict.fromkeys(DISTRICT_KEYS)
        return dict(self.places[place_id][0])

    def point(self, place_id: str) -> Point:
        """Return the resolved point of a place."""
        return self.places[place_id][1]

    def place_name(self, place_id: str) -> str | None:
        """Return a place's name as written."""
        return text(self.place_rows[place_id].name)

    def blurred(self, place_id: str) -> dict[str, Any]:
        """Return ``_snapped``/``_snapped_precision``, where a public export puts restricted data.

        A located place (``exact``, ``settlement``) moves to its district's label point; a
        place already known only to a county or coarser keeps its point.
        """
        columns, point = self.places[place_id]
        precision = columns["precision"]
        if precision in AREA_PRECISIONS or precision == "country":
            return {"_snapped": point, "_snapped_precision": precision}
        snapped, level = _snap_point(columns["district_id"], columns["prefecture_id"])
        return {"_snapped": snapped, "_snapped_precision": level}

    def reporter_name(self, report: Any) -> str | None:
        """Return the name of a report's reporter (None when not a known person)."""
        reporter = self.people.get(text(report.reported_by) or "")
        return None if reporter is None else reporter.get("name")

    def held(self, person_id: str) -> dict[str, list[Any]]:
        """Return where a person was held: site or place id -> their detentions there."""
        found: dict[str, list[Any]] = defaultdict(list)
        for detention in self.person_detentions(person_id):
            target = text(detention.site_id) or text(detention.place_id)
            if target is not None:
                found[target].append(detention)
        return found

    def person_detentions(self, person_id: str) -> list[Any]:
        """Return a person's detentions, ordered by id."""
        return sorted(self.detentions_by_person.get(person_id, []), key=lambda r: str(r.id))


def make_context(records: Records) -> BuildContext:
    """Index the records for the layer builders.

    Raises
    ------
    layers.build.placepoints.UnresolvedPlacesError
        If a place cannot be geocoded.
    layers.records.years.BadDateError
        If a report's date is not EDTF (named now, before anything is built).
    """
    context = BuildContext(
        records=records,
        places=_index_places(resolve_places(records.places)),
        place_rows={str(r.id): r for r in rows_of(records.places)},
        people=_people(records),
        reports=list(rows_of(records.population_reports)),
    )
    by_site: dict[str, list[Any]] = defaultdict(list)
    for row in context.reports:
        year_bounds(text(row.date))  # fail early, naming the bad date
        if text(row.site_id) is not None:
            by_site[str(row.site_id)].append(row)
    context.reports_by_site = by_site
    held_at: dict[str, list[Any]] = defaultdict(list)
    held_by: dict[str, list[Any]] = defaultdict(list)
    for row in rows_of(records.detentions):
        if text(row.site_id) is not None:
            held_at[str(row.site_id)].append(row)
        held_by[str(row.person_id)].append(row)
    context.detentions_by_site, context.detentions_by_person = held_at, held_by
    _levels(context)
    return context


def _levels(context: BuildContext) -> None:
    """Fill the sensitivity and ``sources`` entry of every report and detention."""
    for report in context.reports:
        reporter = context.people.get(text(report.reported_by) or "")
        level = "public" if reporter is None else str(reporter["sensitivity"])
        context.report_level[str(report.id)] = level
        dates = (text(report.date), None)
        context.report_source[str(report.id)] = source_entry(report, level, dates)
    for rows in context.detentions_by_person.values():
        for detention in rows:
            detainee = context.people.get(str(detention.person_id))
            level = most_sensitive(
                [detention.sensitivity, *([] if detainee is None else [detainee["sensitivity"]])]
            )
            context.detention_level[str(detention.id)] = level
            context.detention_source[str(detention.id)] = source_entry(
                detention, level, detention_dates(detention)
            )
