"""The ``witnesses`` layer: one feature per person with an origin place, at that place."""

from __future__ import annotations

import logging
from typing import Any

from shapely.geometry import Point

from layers.build._context import BuildContext, detention_dates, source_entry, years
from layers.build.featurerows import fold
from layers.build.sites import Sites
from layers.records.sensitivity import most_sensitive

__all__ = ["build_witnesses"]

logger = logging.getLogger(__name__)


def _witness(
    context: BuildContext, sites: Sites, person_id: str, person: dict[str, Any]
) -> dict[str, Any]:
    origin_id = person["origin"]
    level = str(person["sensitivity"])
    detentions = context.person_detentions(person_id)
    held = context.held(person_id)
    detained_at = [t for t in held if t in sites]
    return {
        "layer": "witness",
        "id": f"{person_id}-origin",
        "name": person["name"],
        **context.place_columns(origin_id),
        **years([detention_dates(d) for d in detentions]),
        "sources": [source_entry(person["row"], level),
                    source_entry(context.place_rows[origin_id], level)]
        + [context.detention_source[str(d.id)] for d in detentions],
        "sensitivity": level,
        "person_id": person_id,
        "role": person["role"],
        "aliases": list(person["aliases"]),
        "origin": context.place_name(origin_id),
        "detained_at": detained_at,
        "_search": fold(person["name"], person["aliases"]),
        "_detained_at_sensitivity": [
            most_sensitive(context.detention_level[str(d.id)] for d in held[t])
            for t in detained_at
        ],
        **context.blurred(origin_id),
    }


def build_witnesses(
    context: BuildContext, sites: Sites
) -> tuple[list[dict[str, Any]], list[Point]]:
    """Return the witness features and points: people with an origin place, in file order."""
    rows: list[dict[str, Any]] = []
    points: list[Point] = []
    without_origin = 0
    for person_id, person in context.people.items():
        if person["origin"] is None:
            without_origin += 1
            continue
        rows.append(_witness(context, sites, person_id, person))
        points.append(context.point(person["origin"]))
    if without_origin:
        logger.info("%d people have no origin place and no witness point", without_origin)
    return rows, points

