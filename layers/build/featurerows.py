"""Small helpers shared by build and filters: cell cleaning, search text, frame assembly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from anyascii import anyascii

from layers.layerset import CRS, columns_of

__all__ = [
    "SENSITIVITY_LEVELS",
    "SENSITIVITY_RANK",
    "fold",
    "make_frame",
    "most_sensitive",
    "sensitivity_level",
    "text",
]

#: The sensitivity levels of ``data/datapackage.json``, least restrictive first.
SENSITIVITY_LEVELS: tuple[str, ...] = ("public", "restricted", "private")
SENSITIVITY_RANK = {level: rank for rank, level in enumerate(SENSITIVITY_LEVELS)}

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


def sensitivity_level(value: object) -> str:
    """Return the sensitivity level a cell or property stands for, failing closed.

    Parameters
    ----------
    value : object
        A ``sensitivity`` cell or property: normally ``"public"``, ``"restricted"`` or
        ``"private"``.

    Returns
    -------
    str
        ``value`` stripped of surrounding whitespace when that is exactly one of
        :data:`SENSITIVITY_LEVELS` (the schema's lowercase enum); ``"private"`` for anything
        else: blank, None, <NA>, NaN, a misspelling or another case (``"Private"``,
        ``"Public"``). Data whose sensitivity is not known is never published.

    Examples
    --------
    >>> sensitivity_level(" restricted ")
    'restricted'
    >>> sensitivity_level(""), sensitivity_level(None), sensitivity_level("Public")
    ('private', 'private', 'private')
    """
    if isinstance(value, str):
        level = value.strip()
        if level in SENSITIVITY_RANK:
            return level
    return "private"


def most_sensitive(values: Iterable[object]) -> str:
    """Return the most restrictive sensitivity among ``values``, failing closed.

    Each value is read with :func:`sensitivity_level`, so a blank, None, <NA> or unknown
    value (``"Private"``) counts as ``"private"``; leave out a row that does not exist rather
    than passing None for it. No values at all give ``"public"``.
    """
    best = "public"
    for value in values:
        level = sensitivity_level(value)
        if SENSITIVITY_RANK[level] > SENSITIVITY_RANK[best]:
            best = level
    return best


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
