"""GCJ-02 <-> WGS84: published control points, the known shift in Xinjiang, round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo._gcj02 import gcj02_to_wgs84, in_china_box, wgs84_to_gcj02

GEOD = Geod(ellps="WGS84")

# (wgs_lat, wgs_lon, gcj_lat, gcj_lon): the control points of the reference implementation's
# own tests (googollee/eviltransform, python/tests), Shanghai, Shenzhen, Beijing.
CONTROL = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), CONTROL)
def test_forward_matches_control_points(wlat: float, wlon: float, glat: float, glon: float):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert float(lon) == pytest.approx(glon, abs=1e-9)
    assert float(lat) == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), CONTROL)
def test_inverse_matches_control_points(wlat: float, wlon: float, glat: float, glon: float):
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert metres(float(lon), float(lat), wlon, wlat) < 0.001


@pytest.mark.parametrize(
    ("name", "lon", "lat", "low_m", "high_m"),
    [
        # The shift is a few hundred metres in Xinjiang (FINDINGS: ~250 m at Urumqi).
        ("Urumqi", 87.6168, 43.8256, 200, 350),
        ("Kashgar", 75.9868, 39.4672, 100, 700),
        ("Fuhai", 87.4881, 47.1095, 100, 700),
    ],
)
def test_known_shift_in_xinjiang(name: str, lon: float, lat: float, low_m: float, high_m: float):
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert low_m < metres(lon, lat, float(glon), float(glat)) < high_m, name


def test_identity_outside_china_box():
    lons, lats = np.array([37.6176, 139.6917, -0.1276]), np.array([55.7558, 35.6895, 51.5072])
    assert not in_china_box(lons, lats).any()
    glon, glat = wgs84_to_gcj02(lons, lats)
    np.testing.assert_array_equal(glon, lons)
    np.testing.assert_array_equal(glat, lats)
    wlon, wlat = gcj02_to_wgs84(lons, lats)
    np.testing.assert_array_equal(wlon, lons)
    np.testing.assert_array_equal(wlat, lats)


def test_vectorised_shapes_are_kept():
    lons = np.full((3, 4), 87.6)
    lats = np.full((3, 4), 43.8)
    glon, glat = wgs84_to_gcj02(lons, lats)
    assert glon.shape == glat.shape == (3, 4)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    np.testing.assert_allclose(wlon, lons, atol=1e-9)
    np.testing.assert_allclose(wlat, lats, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    lon=st.floats(min_value=73.0, max_value=97.0),
    lat=st.floats(min_value=34.0, max_value=50.0),
)
def test_round_trip_within_a_metre(lon: float, lat: float):
    glon, glat = wgs84_to_gcj02(lon, lat)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, float(wlon), float(wlat)) < 1.0


def test_nan_does_not_converge_and_says_so():
    with pytest.raises(ArithmeticError, match="did not converge"):
        gcj02_to_wgs84([87.6, float("nan")], [43.8, 43.8])
