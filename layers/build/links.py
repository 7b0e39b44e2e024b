"""The ``links`` layer: a line from a person's origin to each site or place they were held at."""

from __future__ import annotations

from typing import Any

from shapely.geometry import LineString

from layers.build._context import DISTRICT_KEYS, BuildContext, detention_dates, years
from layers.build.featurerows import fold
from layers.build.sites import Sites
from layers.records.sensitivity import most_sensitive

__all__ = ["build_links"]


def _end(
    context: BuildContext, sites: Sites, target: str
) -> tuple[str | None, str | None, str | None, dict[str, Any], Any]:
    """Return ``(site id, place id, name, district columns, point)`` of where one was held."""
    if target in sites:
        site = sites[target]
        columns = {key: site[key] for key in DISTRICT_KEYS}
        return target, None, site["name"], columns, sites.points[target]
    name = context.place_name(target)
    return None, target, name, context.place_columns(target), context.point(target)


def build_links(
    context: BuildContext, sites: Sites
) -> tuple[list[dict[str, Any]], list[LineString]]:
    """Return the link features and lines, person by person in file order."""
    rows: list[dict[str, Any]] = []
    lines: list[LineString] = []
    for person_id, person in context.people.items():
        origin_id = person["origin"]
        if origin_id is None:
            continue
        level = str(person["sensitivity"])
        origin_columns = context.place_columns(origin_id)
        origin_point = context.point(origin_id)
        snapped = context.blurred(origin_id)["_snapped"]
        for target, held in context.held(person_id).items():
            site_id, place_id, target_name, columns, end_point = _end(context, sites, target)
            rows.append(
                {
                    "layer": "link",
                    "id": f"{person_id}->{target}",
                    "name": f"{person['name']} \u2192 {target_name}",
                    **columns,
                    **years([detention_dates(d) for d in held]),
                    "sources": [context.detention_source[str(d.id)] for d in held],
                    "sensitivity": most_sensitive(
                        [level, *(context.detention_level[str(d.id)] for d in held)]
                    ),
                    "person_id": person_id,
                    "site_id": site_id,
                    "place_id": place_id,
                    "origin_district_id": origin_columns["district_id"],
                    "origin_prefecture_id": origin_columns["prefecture_id"],
                    "_search": fold(person["name"], person["aliases"], target_name),
                    "_snapped": None if snapped is None else LineString([snapped, end_point]),
                }
            )
            lines.append(LineString([origin_point, end_point]))
    return rows, lines
