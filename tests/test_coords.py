import math

import numpy as np
import pytest

from geo._errors import CoordinateError
from geo.coords import to_folium, validate_lonlat, validate_lonlat_arrays


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [(87.6, 43.8, (87.6, 43.8)), ("87.6", "43.8", (87.6, 43.8)), (-180, -90, (-180.0, -90.0))],
)
def test_valid_pairs(lon, lat, expected):
    assert validate_lonlat(lon, lat) == expected


@pytest.mark.parametrize(
    ("lon", "lat", "fragment"),
    [
        (181, 40, "longitude 181 is outside"),
        (80, -90.5, "latitude -90.5 is outside"),
        (math.nan, 40, "longitude nan is not a finite number"),
        (80, math.inf, "latitude inf is not a finite number"),
        ("#N/A", 40, "longitude '#N/A' is not a number"),
        (None, 40, "longitude None is not a number"),
    ],
)
def test_bad_pairs_name_the_value(lon, lat, fragment):
    with pytest.raises(CoordinateError, match=fragment.replace("(", r"\(")) as info:
        validate_lonlat(lon, lat)
    assert info.value.lon is lon
    assert info.value.lat is lat


def test_to_folium_swaps_to_lat_lon():
    assert to_folium(87.6, 43.8) == [43.8, 87.6]


def test_to_folium_validates():
    with pytest.raises(CoordinateError):
        to_folium(43.8, 187.6)


def test_arrays_name_the_first_bad_row():
    with pytest.raises(CoordinateError, match=r"^row 2: latitude 95.0 is outside"):
        validate_lonlat_arrays([1, 2, 3, 4], [1, 2, 95, 96])


def test_arrays_must_match_in_length():
    with pytest.raises(CoordinateError, match="3 longitudes but 2 latitudes"):
        validate_lonlat_arrays([1, 2, 3], [1, 2])


def test_arrays_return_float64():
    x, y = validate_lonlat_arrays([1, 2], (3, 4))
    assert x.dtype == np.float64 and y.tolist() == [3.0, 4.0]
