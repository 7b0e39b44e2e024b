"""The :class:`Layers` container and the column contract every layer GeoDataFrame keeps.

Column names starting with ``_`` are internal (search text, per-entry sensitivity, the
snapped geometry of restricted people): filters and the exporter use them, nothing exports them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import geopandas as gpd

from layers.errors import LayersError

__all__ = [
    "COMMON_COLUMNS",
    "CRS",
    "INTERNAL_COLUMNS",
    "LAYER_KINDS",
    "LAYER_NAMES",
    "LAYER_PROPERTIES",
    "Layers",
    "UnknownLayerError",
    "canonical_layer",
]

CRS = "EPSG:4326"

#: Field names of :class:`Layers`, in drawing and export order.
LAYER_NAMES: tuple[str, ...] = ("sites", "reports", "witnesses", "links", "facilities", "events")

#: The ``layer`` property value of each layer's features.
LAYER_KINDS: dict[str, str] = {
    "sites": "site",
    "reports": "report",
    "witnesses": "witness",
    "links": "link",
    "facilities": "facility",
    "events": "event",
}

#: Properties every feature carries, in export order.
COMMON_COLUMNS: tuple[str, ...] = (
    "layer",
    "id",
    "name",
    "precision",
    "district",
    "district_id",
    "prefecture",
    "prefecture_id",
    "country",
    "year_start",
    "year_end",
    "sources",
    "sensitivity",
)

#: Layer-specific properties, in export order (after :data:`COMMON_COLUMNS`).
LAYER_PROPERTIES: dict[str, tuple[str, ...]] = {
    "sites": (
        "kind",
        "description",
        "place",
        "population_reports",
        "max_population",
        "candidate_facilities",
    ),
    "reports": (
        "site_id",
        "place_id",
        "measure",
        "count",
        "count_max",
        "qualifier",
        "date",
        "reported_by",
        "reporter",
        "breakdown",
    ),
    "witnesses": ("person_id", "role", "aliases", "origin", "detained_at"),
    "links": ("person_id", "site_id", "place_id", "origin_district_id", "origin_prefecture_id"),
    "facilities": (
        "facility_id",
        "facility_type",
        "corroboration",
        "aspi_no",
        "shawn_zhang_no",
        "etnam",
        "town",
        "attribution",
    ),
    "events": ("kind", "date", "person_id", "description"),
}

#: Internal columns (never exported): lower-cased ASCII text the search matches, the
#: sensitivity of each ``detained_at`` entry, and the geometry (and precision) public exports
#: use for restricted people and events: a located place snapped to its district's label
#: point, a place already known only to a county or coarser unchanged, None outside every
#: district.
INTERNAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": ("_search",),
    "reports": ("_search",),
    "witnesses": ("_search", "_detained_at_sensitivity", "_snapped", "_snapped_precision"),
    "links": ("_search", "_snapped"),
    "facilities": ("_search",),
    "events": ("_search", "_snapped", "_snapped_precision"),
}


class UnknownLayerError(LayersError, ValueError):
    """A layer name is not one of :data:`LAYER_NAMES` (or their singular forms)."""

    def __init__(self, message: str, *, name: str) -> None:
        super().__init__(message)
        self.name = name


def canonical_layer(name: str) -> str:
    """Return the :data:`LAYER_NAMES` entry for ``name`` ("site" or "sites" -> "sites").

    Raises
    ------
    UnknownLayerError
        If ``name`` is neither a layer name nor a ``layer`` property value.
    """
    key = name.strip().lower()
    if key in LAYER_KINDS:
        return key
    for plural, singular in LAYER_KINDS.items():
        if key == singular:
            return plural
    msg = f"unknown layer {name!r} (choose from {', '.join(LAYER_NAMES)})"
    raise UnknownLayerError(msg, name=name)


def columns_of(layer: str) -> tuple[str, ...]:
    """Return every column of ``layer``'s GeoDataFrame, geometry last."""
    return (
        COMMON_COLUMNS
        + LAYER_PROPERTIES[layer]
        + INTERNAL_COLUMNS[layer]
        + ("geometry",)
    )


@dataclass(frozen=True)
class Layers:
    """One GeoDataFrame (EPSG:4326) per map layer, all with the columns of :func:`columns_of`.

    Read-only by convention: the app caches one instance for every session, and the dicts in
    the ``sources`` and ``population_reports`` cells are shared between features. Filter with
    :func:`layers.filters.filter_layers`; copy a frame before changing it.

    Attributes
    ----------
    sites, reports, witnesses, links, facilities, events : geopandas.GeoDataFrame
        The layers; an empty layer keeps its columns and CRS.
    """

    sites: gpd.GeoDataFrame
    reports: gpd.GeoDataFrame
    witnesses: gpd.GeoDataFrame
    links: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    events: gpd.GeoDataFrame

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        """Return the layer called ``name`` (plural or singular form)."""
        return getattr(self, canonical_layer(name))

    def items(self) -> Iterator[tuple[str, gpd.GeoDataFrame]]:
        """Yield ``(name, frame)`` in :data:`LAYER_NAMES` order."""
        for name in LAYER_NAMES:
            yield name, getattr(self, name)

    def replace(self, **frames: Any) -> Layers:
        """Return a copy with some layers replaced."""
        return dataclasses.replace(self, **frames)

    def counts(self) -> dict[str, int]:
        """Return the number of features of each layer."""
        return {name: len(frame) for name, frame in self.items()}
