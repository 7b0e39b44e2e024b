"""Domain exceptions of the geo package; each carries the data it is about."""

from __future__ import annotations

from collections.abc import Sequence


class GeoError(Exception):
    """Base class of every error raised by :mod:`geo`."""


class PlaceNotFound(GeoError, LookupError):  # noqa: N818 (the name is the public contract)
    """No place matches a name well enough.

    Parameters
    ----------
    message : str
        The full message, naming the query with ``!r`` and the closest candidates.
    query : str
        The name that was looked up.
    candidates : sequence of tuple
        ``(name, score)`` pairs of the closest places, best first.
    """

    def __init__(
        self, message: str, *, query: str, candidates: Sequence[tuple[str, float]] = ()
    ) -> None:
        super().__init__(message)
        self.query = query
        self.candidates = list(candidates)


class DistrictNotFound(PlaceNotFound):
    """A name resolves to no district (county, prefecture or Kazakhstan region)."""


class CoordinateError(GeoError, ValueError):
    """A coordinate is out of range, not a number, or not a number at all.

    Parameters
    ----------
    message : str
        The full message, naming the offending value.
    lon, lat : object
        The values as given.
    """

    def __init__(self, message: str, *, lon: object, lat: object) -> None:
        super().__init__(message)
        self.lon = lon
        self.lat = lat
