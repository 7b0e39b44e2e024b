"""The ``reports`` layer: one feature per population report, whatever it measures.

A site's report sits at the site; a place's report (a region-wide estimate) at the place, with
the place's precision (Xinjiang: region), never as if it were a located site.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from shapely.geometry import Point

from layers.build._context import DISTRICT_KEYS, BuildContext, measure, years
from layers.build.featurerows import fold, text
from layers.build.sites import Sites, count_of
from layers.errors import LayersError
from layers.records.measures import INMATES, MEASURE_LABELS

__all__ = ["ReportTargetError", "build_reports"]


class ReportTargetError(LayersError, ValueError):
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


def _count_max(report: Any) -> int | None:
    """Return a population report's ``count_max`` (None when empty or not in the table)."""
    value: Any = getattr(report, "count_max", None)
    return None if value is None or pd.isna(value) else int(value)


def _report_name(where: str | None, what: str) -> str | None:
    """Return a report's name: its site's or place's, with what it counts unless inmates.

    ``"Shapshal camp (inmates in critical condition)"``: a popup or a table titled with the
    name never shows a count of some inmates as if it were the site's.
    """
    if what == INMATES or where is None:
        return where
    return f"{where} ({MEASURE_LABELS[what]})"


def _target(
    context: BuildContext, sites: Sites, row: Any
) -> tuple[str | None, str | None, str | None, str | None, dict[str, Any], Point]:
    """Return ``(site id, place id, label, where, district columns, point)`` of a report."""
    site_id = text(row.site_id)
    if site_id is not None:
        site = sites[site_id]
        columns = {key: site[key] for key in DISTRICT_KEYS}
        return site_id, None, site["name"], site["place"], columns, sites.points[site_id]
    place_id = text(getattr(row, "place_id", None))
    if place_id is None:
        msg = f"population report {row.id!r} has neither site_id nor place_id"
        raise ReportTargetError(msg, report_id=str(row.id))
    name = context.place_name(place_id)
    return None, place_id, name, name, context.place_columns(place_id), context.point(place_id)


def build_reports(context: BuildContext, sites: Sites) -> tuple[list[dict[str, Any]], list[Point]]:
    """Return the report features and their points, in file order.

    Raises
    ------
    ReportTargetError
        If a population report names neither a site nor a place.
    """
    rows: list[dict[str, Any]] = []
    points: list[Point] = []
    for row in context.reports:
        site_id, place_id, label, where, columns, point = _target(context, sites, row)
        reporter = context.reporter_name(row)
        what = measure(row)
        points.append(point)
        rows.append(
            {
                "layer": "report",
                "id": str(row.id),
                "name": _report_name(label, what),
                **columns,
                **years([(text(row.date), None)]),
                "sources": [context.report_source[str(row.id)]],
                "sensitivity": context.report_level[str(row.id)],
                "site_id": site_id,
                "place_id": place_id,
                "measure": what,
                "count": count_of(row),
                "count_max": _count_max(row),
                "qualifier": text(row.qualifier),
                "date": text(row.date),
                "reported_by": text(row.reported_by),
                "reporter": reporter,
                "breakdown": text(row.breakdown),
                "_search": fold(label, where, reporter),
            }
        )
    return rows, points
