"""layers.view: URL parameters <-> filters, counts, per-year chart, table, clicked records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point

from layers.filters import Filters
from layers.settings import SETTINGS, BadParameterError, data_paths, public_mode, setting
from layers.view import (
    clicked_ids,
    feature_by_id,
    filters_from_params,
    layer_counts,
    params_from_filters,
    per_year,
    public_view,
    shown_table,
    year_bounds,
)
from tests.fixtures.render_layers import HOSTILE, make_layers

BOUNDS = (2014, 2021)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Filters()),
        ({"years": "2017-2019"}, Filters(years=(2017, 2019))),
        ({"years": "2018"}, Filters(years=(2018, 2018))),
        ({"years": "2010-2030"}, Filters(years=BOUNDS)),
        ({"years": "2017-2019", "undated": "0"}, Filters(years=(2017, 2019),
                                                         include_undated=False)),
        ({"layers": "sites,report"}, Filters(layers=("sites", "reports"))),
        ({"layers": ["facilities"]}, Filters(layers=("facilities",))),
        ({"q": "Fuhai camp"}, Filters(search="Fuhai camp")),
    ],
)
def test_filters_from_params(params: dict, expected: Filters) -> None:
    assert filters_from_params(params, bounds=BOUNDS) == expected


@pytest.mark.parametrize(
    ("params", "name", "value"),
    [
        ({"years": "2020-2017"}, "years", "2020-2017"),
        ({"years": "last year"}, "years", "last year"),
        ({"undated": "maybe"}, "undated", "maybe"),
        ({"layers": "sites,camps"}, "layers", "camps"),
    ],
)
def test_bad_params_are_named(params: dict, name: str, value: str) -> None:
    with pytest.raises(BadParameterError, match=repr(value)) as info:
        filters_from_params(params, bounds=BOUNDS)
    assert (info.value.name, info.value.value) == (name, value)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(years=(2017, 2019), include_undated=False),
        Filters(include_undated=False),
        Filters(layers=("sites", "links"), search="Ili"),
    ],
)
def test_params_round_trip(filters: Filters) -> None:
    params = params_from_filters(filters, bounds=BOUNDS)
    assert filters_from_params(params, bounds=BOUNDS) == filters


def test_default_view_has_a_short_url() -> None:
    assert params_from_filters(Filters(years=BOUNDS), bounds=BOUNDS) == {}


def test_counts_and_year_bounds() -> None:
    layers = make_layers()
    counts = layer_counts(layers)
    assert counts["Sites (camps, prisons, detention)"] == 3
    assert counts["Events"] == 0
    assert year_bounds(layers) == (2017, 2019)
    empty = layers.replace(**{n: f.iloc[0:0] for n, f in layers.items()})
    assert year_bounds(empty) == BOUNDS


def test_per_year_counts_detentions_in_every_year_they_span() -> None:
    chart = per_year(make_layers())
    assert list(chart.index) == [2017, 2018]
    assert list(chart["detentions"]) == [1, 1]
    assert list(chart["reports"]) == [0, 0]


def test_table_keeps_hostile_text_as_text() -> None:
    table = shown_table(make_layers())
    assert len(table) == 6
    assert HOSTILE in set(table["name"])
    assert table.loc[table["id"] == "site-2", "years"].item() == "2018"


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://198.51.100.7/x","click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"],
)
def test_table_cells_cannot_open_as_formulas(name: str) -> None:
    table = shown_table(make_layers(name))
    assert f"'{name}" in set(table["name"])
    for column in table.columns:
        for cell in table[column]:
            assert not str(cell).startswith(("=", "+", "-", "@")), (column, cell)


def test_clicked_ids_takes_the_popups_own_last_line() -> None:
    assert clicked_ids(None) == []
    assert clicked_ids("Site\nname\nRecord id: site-1") == ["site-1"]
    spoof = "a quote saying Record id: site-2 in the middle\u2014 src Record id: site-1"
    assert clicked_ids(spoof) == ["site-1"]


def test_feature_by_id_returns_properties_in_order() -> None:
    found = feature_by_id(make_layers(), ["site-2", "nope", "bf-1-A"])
    assert [f["id"] for f in found] == ["site-2", "bf-1-A"]
    assert "geometry" not in found[0]


def test_settings() -> None:
    assert setting("ATLAS_BASEMAP", {}) == "offline"
    assert setting("ATLAS_BASEMAP", {"ATLAS_BASEMAP": "osm"}) == "osm"
    with pytest.raises(KeyError, match="'ATLAS_NOPE'"):
        setting("ATLAS_NOPE", {})
    assert {s.name for s in SETTINGS} == {
        "ATLAS_DATA_DIR", "ATLAS_FACILITIES", "ATLAS_PUBLIC", "ATLAS_BASEMAP",
        "ATLAS_MAX_UPLOAD_MB", "ATLAS_MAX_UPLOAD_FEATURES",
    }
    assert public_mode({}) is True
    assert public_mode({"ATLAS_PUBLIC": "0"}) is False
    with pytest.raises(BadParameterError, match="'yes'"):
        public_mode({"ATLAS_PUBLIC": "yes"})
    data, facilities = data_paths({"ATLAS_DATA_DIR": "/x"})
    assert str(data) == "/x"
    assert str(facilities) == "/x/external/buzzfeed_2021/all_locations_2021-07-20.tsv"
    assert data_paths({}) == (None, None)


def undocumented(text: str) -> list[str]:
    return [s.name for s in SETTINGS if f"`{s.name}`" not in text]


def test_every_setting_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert undocumented(readme) == []


def test_the_readme_check_can_fail() -> None:
    assert undocumented("`ATLAS_DATA_DIR` only") == [
        "ATLAS_FACILITIES", "ATLAS_PUBLIC", "ATLAS_BASEMAP", "ATLAS_MAX_UPLOAD_MB",
        "ATLAS_MAX_UPLOAD_FEATURES",
    ]


def test_public_view_withholds_what_the_exporter_withholds() -> None:
    layers = make_layers()
    witnesses = layers.witnesses.copy()
    witnesses["sensitivity"] = "restricted"
    witnesses["_snapped"] = [Point(87.7, 47.2)]
    witnesses["_snapped_precision"] = "county"
    witnesses["_search"] = "secret name"
    witnesses["_detained_at_sensitivity"] = pd.Series(
        [["public"]], index=witnesses.index, dtype=object
    )
    sites = layers.sites.copy()
    sites.loc[1, "sensitivity"] = "private"
    public = public_view(layers.replace(witnesses=witnesses, sites=sites))
    assert list(public.sites["id"]) == ["site-1", "site-3"]
    witness = public.witnesses.iloc[0]
    assert witness["name"] is None and list(witness["aliases"]) == []
    assert witness.geometry.equals(Point(87.7, 47.2))
    assert witness["precision"] == "county"
    assert all(entry["quote"] is None for entry in witness["sources"])
    assert witness["_search"] == ""
    table = shown_table(public)
    witness_row = table[table["id"] == "p-1-origin"].iloc[0]
    assert (witness_row["name"], witness_row["quotes"]) == ("", "")


def test_a_large_view_defers_its_table_and_download_from_where_the_map_turns_compact() -> None:
    from layers.render.draw import COMPACT_FROM
    from layers.view import LARGE_VIEW, is_large_view

    assert LARGE_VIEW == COMPACT_FROM
    assert not is_large_view(LARGE_VIEW - 1)
    assert is_large_view(LARGE_VIEW)
