"""Small helpers shared by build and filters: cell cleaning, search text, frame assembly.

The sensitivity rule every feature follows is :mod:`layers.records.sensitivity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from anyascii import anyascii

from layers.layerset import CRS, columns_of

__all__ = ["fold", "make_frame", "text"]

_INT_COLUMNS = ("year_start", "year_end", "count", "count_max", "max_population")
_CATEGORY_COLUMNS = ("district_id", "prefecture_id")


def text(value: object) -> str | None:
    """Return a stripped string, or None for <NA>, NaN, None or an empty cell."""
    if type(value) is str:
        return value.strip() or None
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    result = str(value).strip()
    return result or None


def fold(*parts: object) -> str:
    r"""Return the search form of some text: ASCII (anyascii), case-folded, newline-joined.

    ``fold("Sayragül", "Сайрагүл")`` gives ``"sayragul\\nsairagul"``, so a search typed in any
    script or without diacritics finds it.
    """
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, (list, tuple)):
            pieces.extend(str(p) for p in part if p)
        elif (value := text(part)) is not None:
            pieces.append(value)
    return "\n".join(anyascii(p).casefold() for p in pieces)


def make_frame(
    layer: str, rows: Sequence[dict[str, Any]], geometries: Sequence[object]
) -> gpd.GeoDataFrame:
    """Assemble a layer GeoDataFrame with every column of :func:`layers.layerset.columns_of`.

    Integer columns become nullable ``Int64``, district id columns ``category``; missing
    values are None (object columns) or <NA> (integers).
    """
    columns = [c for c in columns_of(layer) if c != "geometry"]
    data = pd.DataFrame(list(rows), columns=columns)
    for column in _INT_COLUMNS:
        if column in data.columns:
            data[column] = pd.array(
                [None if pd.isna(v) else int(v) for v in data[column]],
                dtype="Int64",
            )
    for column in data.columns:
        if column not in _INT_COLUMNS:
            data[column] = data[column].astype(object).where(data[column].notna(), None)
    for column in _CATEGORY_COLUMNS:
        data[column] = data[column].astype("category")
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(list(geometries), crs=CRS), crs=CRS)
