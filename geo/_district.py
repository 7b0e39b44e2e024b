"""The :class:`District` record, kept apart from :mod:`geo.districts` so that it loads cheaply.

:mod:`geo.districts` reads the polygons with geopandas; the geocoder's cached index holds
District records and must unpickle without that import. ``geo.districts`` re-exports the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["LEVELS", "District", "Level"]

Level = Literal["prefecture", "county", "region"]
LEVELS: tuple[Level, ...] = ("prefecture", "county", "region")


@dataclass(frozen=True)
class District:
    """A county-level unit or prefecture of Xinjiang, or a region of Kazakhstan.

    Attributes
    ----------
    id : str
        Stable id, ``CN-654323`` or ``KZ-63``.
    name : str
        English (or pinyin) name, e.g. ``"Fuhai County"``.
    level : {"prefecture", "county", "region"}
        ``region`` is a Kazakhstan region (oblys or city of republican significance).
    parent : str or None
        County -> its prefecture's id (``CN-650000`` for the XPCC cities); prefecture ->
        ``CN-650000``; region -> ``KZ``.
    country : str
        ISO 3166-1 alpha-2 code, ``CN`` or ``KZ``.
    names : tuple of str
        Every known name in every script, own names first, then the alias table's.
    label_lon, label_lat : float
        A point inside the district, for labels.
    year : int or None
        None for today's unit. For a unit as the map stood in a given year (see
        :func:`geo.districts.district_at` with ``year``), that year.
    today : str or None
        With ``year``: the id of today's county-level unit (or region) at the point asked about,
        when the unit of that year differs from it.
    """

    id: str
    name: str
    level: Level
    parent: str | None
    country: str
    names: tuple[str, ...]
    label_lon: float
    label_lat: float
    year: int | None = None
    today: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the CLI contract's view: ``id, name, level, parent, country, names``.

        A unit of a given year also has ``year`` and ``today`` (today's unit at the point, or
        None where it is the same unit).
        """
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "level": self.level,
            "parent": self.parent,
            "country": self.country,
            "names": list(self.names),
        }
        if self.year is not None:
            out["year"] = self.year
            out["today"] = self.today
        return out
