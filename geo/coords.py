"""Coordinate validation at the boundary, and the one place that converts axis order.

GeoJSON and shapely store ``(lon, lat)``; folium takes ``(lat, lon)``. Everything inside the
project passes ``lon, lat``; :func:`to_folium` is the only function that swaps them.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from geo._errors import CoordinateError

__all__ = ["to_folium", "validate_lonlat", "validate_lonlat_arrays"]


def validate_lonlat(lon: object, lat: object) -> tuple[float, float]:
    """Return ``(lon, lat)`` as floats, or raise if either is not a finite, in-range number.

    Parameters
    ----------
    lon, lat : object
        Longitude and latitude in WGS84 degrees; strings holding numbers are accepted.

    Returns
    -------
    tuple of float
        ``(lon, lat)``.

    Raises
    ------
    CoordinateError
        If a value is not a number, is NaN or infinite, or is outside [-180, 180] / [-90, 90].
    """
    values = []
    for axis, value, bound in (("longitude", lon, 180.0), ("latitude", lat, 90.0)):
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            msg = f"{axis} {value!r} is not a number"
            raise CoordinateError(msg, lon=lon, lat=lat) from None
        if not math.isfinite(number):
            msg = f"{axis} {value!r} is not a finite number"
            raise CoordinateError(msg, lon=lon, lat=lat)
        if not -bound <= number <= bound:
            msg = f"{axis} {value!r} is outside [-{bound:g}, {bound:g}]"
            raise CoordinateError(msg, lon=lon, lat=lat)
        values.append(number)
    return values[0], values[1]


def validate_lonlat_arrays(
    lons: npt.ArrayLike, lats: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Vectorised :func:`validate_lonlat`; the error names the first bad row (0-based).

    Raises
    ------
    CoordinateError
        If the arrays differ in length or any pair is not finite and in range.
    """
    x = _as_float_array(lons, lats, axis=0)
    y = _as_float_array(lons, lats, axis=1)
    if x.shape != y.shape:
        msg = f"{x.shape[0]} longitudes but {y.shape[0]} latitudes"
        raise CoordinateError(msg, lon=x.shape, lat=y.shape)
    bad = ~(np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _raise_for_row(i, float(x.flat[i]), float(y.flat[i]))
    return x, y


def _raise_for_row(row: int, lon: object, lat: object) -> None:
    """Raise the :func:`validate_lonlat` error for one pair, prefixed with its row."""
    try:
        validate_lonlat(lon, lat)
    except CoordinateError as exc:
        msg = f"row {row}: {exc}"
        raise CoordinateError(msg, lon=lon, lat=lat) from None


def _as_float_array(
    lons: npt.ArrayLike, lats: npt.ArrayLike, *, axis: int
) -> npt.NDArray[np.float64]:
    """Convert one axis to float64; a value numpy cannot convert is reported with its row."""
    values = (lons, lats)[axis]
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        pairs = zip(
            np.asarray(lons, dtype=object).ravel(),
            np.asarray(lats, dtype=object).ravel(),
            strict=False,
        )
        for row, (lon, lat) in enumerate(pairs):
            _raise_for_row(row, lon, lat)
        raise


def to_folium(lon: float, lat: float) -> list[float]:
    """Return ``[lat, lon]``, the order folium and Leaflet expect."""
    lon, lat = validate_lonlat(lon, lat)
    return [lat, lon]
