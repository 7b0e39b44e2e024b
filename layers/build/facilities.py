"""The ``facilities`` layer: the third-party catalogue, district columns in one vectorised pass."""

from __future__ import annotations

from typing import Any

import pandas as pd
from shapely.geometry import Point

import geo
from layers.build._context import rows_of
from layers.build.featurerows import fold, text
from layers.build.placepoints import district_names
from layers.records.facilities import ATTRIBUTION, FacilityLoad
from layers.records.facilities import SOURCE_ID as FACILITY_SOURCE_ID

__all__ = ["build_facilities"]


def build_facilities(
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
    for i, row in enumerate(rows_of(frame)):
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
