"""Place overrides that cannot be used are refused by name, never silently geocoded instead."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from layers.build.placepoints import UnresolvedPlacesError, resolve_places


def places(**override: object) -> pd.DataFrame:
    row = {
        "id": "PL900", "name": "Urumqi", "country": "CN", "geocode_query": pd.NA,
        "lon": pd.NA, "lat": pd.NA, "precision": pd.NA, "source_id": "s", "quote": "q",
        "note": pd.NA,
    }
    row.update(override)
    frame = pd.DataFrame([row])
    for column in ("lon", "lat"):
        frame[column] = frame[column].astype("Float64")
    return frame


def test_a_plain_name_is_geocoded() -> None:
    resolved = resolve_places(places())
    assert str(resolved.loc["PL900", "prefecture_id"]) == "CN-650100"  # Urumqi


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"lon": 87.6}, "override gives lon without lat"),
        ({"lat": 43.8}, "override gives lat without lon"),
        ({"lon": math.inf, "lat": 43.8, "precision": "exact"}, "longitude inf is not a finite"),
        ({"lon": 87.6, "lat": 143.8, "precision": "exact"}, "latitude 143.8 is outside"),
    ],
)
def test_an_unusable_override_names_the_place(override: dict[str, object], fragment: str) -> None:
    with pytest.raises(UnresolvedPlacesError, match=fragment) as info:
        resolve_places(places(**override))
    assert "PL900" in str(info.value)
    assert info.value.places[0][0] == "PL900"
