"""The ``events`` layer: one feature per dated event that has a place."""

from __future__ import annotations

import logging
from typing import Any

from shapely.geometry import Point

from layers.build._context import BuildContext, rows_of, source_entry, years
from layers.build.featurerows import fold, text
from layers.records.sensitivity import most_sensitive

__all__ = ["build_events"]

logger = logging.getLogger(__name__)


def _event(context: BuildContext, row: Any, place_id: str) -> dict[str, Any]:
    concerned = context.people.get(text(row.person_id) or "")
    level = most_sensitive(
        [row.sensitivity, *([] if concerned is None else [concerned["sensitivity"]])]
    )
    kind = text(row.kind) or "event"
    place_name = context.place_name(place_id)
    return {
        "layer": "event",
        "id": str(row.id),
        "name": f"{kind.replace('_', ' ')}, {place_name}",
        **context.place_columns(place_id),
        **years([(text(row.date), None)]),
        "sources": [source_entry(row, level, (text(row.date), None))],
        "sensitivity": level,
        "kind": kind,
        "date": text(row.date),
        "person_id": text(row.person_id),
        "description": text(row.description),
        "_search": fold(
            kind, place_name, None if concerned is None else concerned["name"],
            None if concerned is None else concerned["aliases"],
        ),
        **context.blurred(place_id),
    }


def build_events(context: BuildContext) -> tuple[list[dict[str, Any]], list[Point]]:
    """Return the event features and points; events without a place are not drawn."""
    rows: list[dict[str, Any]] = []
    points: list[Point] = []
    unplaced = 0
    for row in rows_of(context.records.events):
        place_id = text(row.place_id)
        if place_id is None:
            unplaced += 1
            continue
        rows.append(_event(context, row, place_id))
        points.append(context.point(place_id))
    if unplaced:
        logger.info("%d events have no place and are not drawn", unplaced)
    return rows, points
