"""The ``sites`` layer: one feature per site, with its inmate counts and catalogue candidates."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
from shapely.geometry import Point

from layers.build._context import (
    BuildContext,
    detention_dates,
    measure,
    rows_of,
    source_entry,
    years,
)
from layers.build.featurerows import fold, text
from layers.records.facilities import FacilityLoad, site_candidates
from layers.records.measures import INMATES

__all__ = ["Sites", "build_sites", "count_of"]

_FINE_PRECISIONS = frozenset({"exact", "settlement", "county"})


class Sites(dict[str, dict[str, Any]]):
    """Site features by id (in file order), with their points in :attr:`points`."""

    def __init__(self) -> None:
        super().__init__()
        self.points: dict[str, Point] = {}


def count_of(report: Any) -> int | None:
    """Return a population report's ``count`` (a namedtuple field shadowing tuple.count)."""
    value: Any = getattr(report, "count")  # noqa: B009
    return None if value is None or pd.isna(value) else int(value)


def _population(context: BuildContext, reports: list[Any]) -> list[dict[str, Any]]:
    """Return the site's ``population_reports``: only counts of everyone held.

    A count of some inmates ("130 in critical condition") stays a report of its own (its quote
    still supports the site, in ``sources``).
    """
    return [
        {
            "id": str(r.id),
            "count": count_of(r),
            "measure": INMATES,
            "qualifier": text(r.qualifier),
            "date": text(r.date),
            "reported_by": text(r.reported_by),
            "reporter": context.reporter_name(r),
            "quote": text(r.quote),
            "_sensitivity": context.report_level[str(r.id)],
        }
        for r in reports
        if measure(r) == INMATES
    ]


def _site(context: BuildContext, row: Any) -> dict[str, Any]:
    site_id, place_id = str(row.id), str(row.place_id)
    reports = sorted(context.reports_by_site.get(site_id, []), key=lambda r: str(r.id))
    detentions = sorted(context.detentions_by_site.get(site_id, []), key=lambda r: str(r.id))
    population = _population(context, reports)
    counts = [p["count"] for p in population if p["count"] is not None]
    return {
        "layer": "site",
        "id": site_id,
        "name": text(row.name),
        **context.place_columns(place_id),
        **years([(text(r.date), None) for r in reports] + [detention_dates(d) for d in detentions]),
        "sources": [source_entry(row, "public")]
        + [context.report_source[str(r.id)] for r in reports]
        + [context.detention_source[str(d.id)] for d in detentions],
        "sensitivity": "public",
        "kind": text(row.kind),
        "description": text(row.description),
        "place": context.place_name(place_id),
        "population_reports": population,
        "max_population": max(counts) if counts else None,
        "_search": fold(row.name, context.place_rows[place_id].name),
    }


def build_sites(context: BuildContext, facilities: FacilityLoad | None) -> Sites:
    """Return the site features by id, each with its ``candidate_facilities``."""
    sites = Sites()
    for row in rows_of(context.records.sites):
        feature = _site(context, row)
        sites[feature["id"]] = feature
        sites.points[feature["id"]] = context.point(str(row.place_id))
    candidates = _candidates(context, facilities, sites)
    for site_id, site in sites.items():
        site["candidate_facilities"] = candidates.get(site_id, [])
    return sites


def _candidates(
    context: BuildContext, facilities: FacilityLoad | None, sites: Sites
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
    table = site_candidates(context.records, facilities, site_counties=counties)
    found: dict[str, list[str]] = defaultdict(list)
    for site_id, facility_id in zip(table["site_id"], table["facility_id"], strict=True):
        found[str(site_id)].append(str(facility_id))
    return found
