"""Filter the built layers by years, districts, layer and a free-text search.

Pure, vectorised functions on the columns :func:`layers.build.assemble.build_layers` precomputed
(``year_start``/``year_end`` as ``Int64``, ``district_id``/``prefecture_id`` as categories, the
folded ``_search`` text); no Streamlit here. The app and ``python -m layers export`` call the
same :func:`filter_layers`, so an export holds exactly what the map shows.

Rules
-----
- **Years**: a feature shows when ``[year_start, year_end]`` overlaps the chosen range (both
  ends inclusive); an open end counts as unbounded. Undated features (both ends null) show
  only when ``include_undated`` is true.
- **Districts**: a feature shows when its ``district_id`` or ``prefecture_id`` is selected, so
  a selected prefecture includes its counties, and a Kazakhstan region matches itself. A link
  shows when either end (the origin or the site) is in a selected district.
- **Layers**: unselected layers come back empty (same columns and CRS).
- **Search**: every word of the query must occur in the feature's names or aliases, compared
  as case-folded ASCII (anyascii), so ``sairagul`` finds ``Sayragül`` and ``Сайрагүл``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

import geo
from layers.build.featurerows import fold
from layers.errors import LayersError
from layers.layerset import LAYER_NAMES, Layers, canonical_layer

__all__ = [
    "Filters",
    "YearRangeError",
    "filter_layers",
    "make_filters",
    "parse_layers",
    "parse_years",
    "resolve_districts",
]

_YEARS = re.compile(r"^\s*(\d{4})\s*(?:[-\u2013\u2014/]|\.\.)\s*(\d{4})\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_OPEN_LOW = -(10**6)
_OPEN_HIGH = 10**6


class YearRangeError(LayersError, ValueError):
    """A year range is malformed or backwards; ``value`` is the text or pair as given."""

    def __init__(self, message: str, *, value: object) -> None:
        super().__init__(message)
        self.value = value


def parse_years(text: str) -> tuple[int, int]:
    """Parse ``"2017-2019"`` (or ``"2017–2019"``, ``"2017/2019"``, ``"2018"``) into a pair.

    Parameters
    ----------
    text : str
        Two four-digit years joined by a hyphen, en dash, slash or ``..``; a single year means
        that year alone.

    Returns
    -------
    tuple of int
        ``(first, last)``, inclusive.

    Raises
    ------
    YearRangeError
        (a ValueError) naming ``text`` when it is not a range of years or ends before it
        starts (``"2020-2017"``).
    """
    match = _YEARS.match(text) if isinstance(text, str) else None
    if match is None and isinstance(text, str) and (single := _YEAR.match(text)):
        year = int(single.group(1))
        return year, year
    if match is None:
        msg = f"years {text!r} are not a range like '2017-2019'"
        raise YearRangeError(msg, value=text)
    first, last = int(match.group(1)), int(match.group(2))
    if first > last:
        msg = f"years {text!r} end before they start ({last} < {first})"
        raise YearRangeError(msg, value=text)
    return first, last


def parse_layers(names: str | Iterable[str]) -> tuple[str, ...]:
    """Parse ``"sites,reports"`` (or a list; singular forms accepted) into layer names.

    Raises
    ------
    layers.layerset.UnknownLayerError
        (a ValueError) naming the first unknown layer.
    """
    parts = names.split(",") if isinstance(names, str) else list(names)
    chosen = [canonical_layer(part) for part in parts if part.strip()]
    return tuple(name for name in LAYER_NAMES if name in chosen)


def resolve_districts(names: Iterable[str]) -> tuple[str, ...]:
    """Resolve district names in any script (or district ids) to district ids, in order.

    Parameters
    ----------
    names : iterable of str
        ``"Fuhai"``, ``"Bouryltogay"``, ``"福海县"``, ``"Ili"``, ``"CN-654323"``...

    Returns
    -------
    tuple of str
        The ids, duplicates removed.

    Raises
    ------
    geo.DistrictNotFound
        (a LookupError) naming the first name no district answers to.
    """
    ids: list[str] = []
    for name in names:
        try:
            district = geo.get_district(name.strip())
        except geo.DistrictNotFound:
            district = geo.find_district(name)
        if district.id not in ids:
            ids.append(district.id)
    return tuple(ids)


@dataclass(frozen=True)
class Filters:
    """What the map (and the export) shows.

    Attributes
    ----------
    years : tuple of int or None
        ``(first, last)`` inclusive; None shows every year.
    include_undated : bool
        Whether features with no year show when ``years`` is set.
    districts : tuple of str
        District ids (see :func:`resolve_districts`); empty shows every district.
    layers : tuple of str
        Layers to show (plural or singular names); default all.
    search : str
        Words that must all occur in a feature's names or aliases; empty shows all.
    """

    years: tuple[int, int] | None = None
    include_undated: bool = True
    districts: tuple[str, ...] = ()
    layers: tuple[str, ...] = field(default=LAYER_NAMES)
    search: str = ""

    def __post_init__(self) -> None:
        """Check the year range and normalise the layer names."""
        if self.years is not None:
            first, last = self.years
            if int(first) > int(last):
                msg = f"years {self.years!r} end before they start"
                raise YearRangeError(msg, value=self.years)
            object.__setattr__(self, "years", (int(first), int(last)))
        object.__setattr__(self, "layers", parse_layers(self.layers))
        object.__setattr__(self, "districts", tuple(self.districts))


def make_filters(
    *,
    years: str | tuple[int, int] | None = None,
    districts: Sequence[str] = (),
    layers: str | Sequence[str] | None = None,
    search: str = "",
    include_undated: bool = True,
) -> Filters:
    """Build :class:`Filters` from user input: a years string, district names, layer names.

    Raises
    ------
    YearRangeError, layers.layerset.UnknownLayerError, geo.DistrictNotFound
        Naming the offending value.
    """
    span = parse_years(years) if isinstance(years, str) else years
    return Filters(
        years=span,
        include_undated=include_undated,
        districts=resolve_districts(districts),
        layers=LAYER_NAMES if layers is None else parse_layers(layers),
        search=search,
    )


def _year_mask(frame: gpd.GeoDataFrame, filters: Filters) -> npt.NDArray[np.bool_]:
    """Rows whose years overlap the range (or are undated, when allowed)."""
    start = frame["year_start"]
    end = frame["year_end"]
    undated = (start.isna() & end.isna()).to_numpy(dtype=bool)
    if filters.years is None:
        return np.ones(len(frame), dtype=bool) if filters.include_undated else ~undated
    first, last = filters.years
    starts = start.fillna(_OPEN_LOW).to_numpy(dtype=np.int64)
    ends = end.fillna(_OPEN_HIGH).to_numpy(dtype=np.int64)
    overlap = (starts <= last) & (ends >= first) & ~undated
    return overlap | (undated & filters.include_undated)


def _district_mask(
    frame: gpd.GeoDataFrame, layer: str, wanted: tuple[str, ...]
) -> npt.NDArray[np.bool_]:
    """Rows in one of the selected districts (either end, for links)."""
    if not wanted:
        return np.ones(len(frame), dtype=bool)
    columns = ["district_id", "prefecture_id"]
    if layer == "links":
        columns += ["origin_district_id", "origin_prefecture_id"]
    mask = np.zeros(len(frame), dtype=bool)
    for column in columns:
        mask |= frame[column].isin(wanted).to_numpy(dtype=bool)
    return mask


def _search_mask(frame: gpd.GeoDataFrame, query: str) -> npt.NDArray[np.bool_]:
    """Rows whose folded names contain every folded word of ``query``."""
    words = fold(query).split()
    mask = np.ones(len(frame), dtype=bool)
    if not words:
        return mask
    text = pd.Series(frame["_search"], dtype="string").fillna("")
    for word in words:
        mask &= text.str.contains(word, regex=False).to_numpy(dtype=bool)
    return mask


def filter_layers(layers: Layers, filters: Filters) -> Layers:
    """Return the layers reduced to what ``filters`` shows.

    Parameters
    ----------
    layers : Layers
        As built by :func:`layers.build.assemble.build_layers`.
    filters : Filters
        The choice.

    Returns
    -------
    Layers
        Same columns and CRS; rows in their original order.
    """
    chosen: dict[str, gpd.GeoDataFrame] = {}
    for name, frame in layers.items():
        if name not in filters.layers:
            chosen[name] = frame.iloc[0:0]
            continue
        mask = (
            _year_mask(frame, filters)
            & _district_mask(frame, name, filters.districts)
            & _search_mask(frame, filters.search)
        )
        chosen[name] = frame[mask]
    return layers.replace(**chosen)
