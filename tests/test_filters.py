"""layers.filters: years, districts, layers and search on the small fixture package."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo
from layers.filters import (
    Filters,
    YearRangeError,
    filter_layers,
    make_filters,
    parse_layers,
    parse_years,
    resolve_districts,
)
from layers.layerset import LAYER_NAMES, UnknownLayerError, columns_of
from tests._small import HOSTILE, small_layers

FUHAI, ALTAY = "CN-654323", "CN-654300"
QAPQAL, ILI, TACHENG_CITY = "CN-654022", "CN-654000", "CN-654201"


def ids(filters: Filters, layer: str = "sites") -> list[str]:
    return list(filter_layers(small_layers(), filters)[layer]["id"])


# --- parse_years ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-2019", (2017, 2019)),
        (" 2017 - 2019 ", (2017, 2019)),
        ("2017\u20132019", (2017, 2019)),  # en dash
        ("2017/2019", (2017, 2019)),
        ("2017..2019", (2017, 2019)),
        ("2018", (2018, 2018)),
        ("2018-2018", (2018, 2018)),
    ],
)
def test_parse_years_accepts(text: str, expected: tuple[int, int]) -> None:
    assert parse_years(text) == expected


@pytest.mark.parametrize("text", ["2020-2017", "", "garbage", "17-19", "2017-", "2017-2019-2020"])
def test_parse_years_rejects_naming_the_value(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text).replace("[", r"\[")) as caught:
        parse_years(text)
    assert isinstance(caught.value, YearRangeError)
    assert caught.value.value == text


def test_filters_reject_backwards_years() -> None:
    with pytest.raises(YearRangeError, match=r"\(2020, 2017\)"):
        Filters(years=(2020, 2017))


# --- years ----------------------------------------------------------------------------------
# S001 2017-2018, S002 2017-2018, S003 2018 (private detention), S004 and S005 undated.


@pytest.mark.parametrize(
    ("years", "undated", "expected"),
    [
        (None, True, ["S001", "S002", "S003", "S004", "S005"]),
        (None, False, ["S001", "S002", "S003"]),
        ((2016, 2017), True, ["S001", "S002", "S004", "S005"]),  # touches the start year
        ((2016, 2017), False, ["S001", "S002"]),
        ((2018, 2018), False, ["S001", "S002", "S003"]),  # touches the end year
        ((2019, 2025), False, []),
        ((2019, 2025), True, ["S004", "S005"]),
        ((2010, 2016), False, []),
    ],
)
def test_year_overlap_and_undated_toggle(
    years: tuple[int, int] | None, undated: bool, expected: list[str]
) -> None:
    assert ids(Filters(years=years, include_undated=undated)) == expected


def test_reports_filter_on_their_own_date() -> None:
    assert ids(Filters(years=(2018, 2020)), "reports") == ["R001"]
    assert ids(Filters(years=(2017, 2017)), "reports") == ["R002"]


@settings(max_examples=60, deadline=None)
@given(
    first=st.integers(2010, 2025),
    length=st.integers(0, 6),
    undated=st.booleans(),
)
def test_year_filter_matches_the_overlap_rule(first: int, length: int, undated: bool) -> None:
    last = first + length
    for name, frame in small_layers().items():
        kept = set(filter_layers(small_layers(), Filters(years=(first, last),
                                                           include_undated=undated))[name]["id"])
        for _, feature in frame.iterrows():
            start, end = feature["year_start"], feature["year_end"]
            if pd.isna(start) and pd.isna(end):
                expected = undated
            else:
                expected = (pd.isna(start) or start <= last) and (pd.isna(end) or end >= first)
            assert (feature["id"] in kept) == expected, (name, feature["id"], first, last)


# --- districts ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Fuhai", "Bouryltogay", "福海县", "fuhai", FUHAI])
def test_resolve_districts_in_several_scripts(name: str) -> None:
    assert resolve_districts([name]) == (FUHAI,)


def test_resolve_districts_dedupes_and_keeps_order() -> None:
    assert resolve_districts(["Shapshal", "Fuhai", "Bouryltogay"]) == (QAPQAL, FUHAI)


def test_resolve_districts_names_the_unknown_one() -> None:
    with pytest.raises(geo.DistrictNotFound, match="'Atlantis'"):
        resolve_districts(["Fuhai", "Atlantis"])


def test_prefecture_includes_its_counties() -> None:
    assert ids(Filters(districts=(ILI,))) == ["S002", "S003", "S005"]


def test_county_excludes_prefecture_level_records() -> None:
    assert ids(Filters(districts=(QAPQAL,))) == ["S002"]


def test_several_districts_are_a_union() -> None:
    assert ids(Filters(districts=(QAPQAL, FUHAI))) == ["S001", "S002", "S004"]
    assert ids(Filters(districts=(ALTAY,))) == ["S001", "S004"]


def test_link_shows_when_either_end_is_selected() -> None:
    # P002 comes from Tacheng city and was held in Fuhai.
    assert ids(Filters(districts=(TACHENG_CITY,)), "links") == ["P002->S001"]
    assert "P002->S001" in ids(Filters(districts=(FUHAI,)), "links")


def test_kazakhstan_region() -> None:
    region = small_layers().witnesses.set_index("id").loc["P005-origin", "district_id"]
    assert ids(Filters(districts=(region,)), "witnesses") == ["P005-origin"]
    assert ids(Filters(districts=(region,)), "sites") == []


# --- layers ---------------------------------------------------------------------------------


def test_unselected_layers_are_empty_with_their_columns() -> None:
    shown = filter_layers(small_layers(), Filters(layers=("site", "links")))
    assert shown.counts() == {
        "sites": 5, "reports": 0, "witnesses": 0, "links": 4, "facilities": 0, "events": 0,
    }
    for name, frame in shown.items():
        assert list(frame.columns) == list(columns_of(name))
        assert frame.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sites,reports", ("sites", "reports")),
        ("reports, site", ("sites", "reports")),
        (["facility"], ("facilities",)),
        ("", ()),
    ],
)
def test_parse_layers(text: str | list[str], expected: tuple[str, ...]) -> None:
    assert parse_layers(text) == expected


def test_unknown_layer_is_named() -> None:
    with pytest.raises(UnknownLayerError, match="'camps'"):
        parse_layers("sites,camps")
    with pytest.raises(ValueError, match="'camps'"):
        Filters(layers=("camps",))


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Sayragül", ["P001-origin"]),
        ("sayragul", ["P001-origin"]),
        ("SAIRAGUL", ["P001-origin"]),  # alias, case
        ("Сайрагүл", ["P001-origin"]),  # Cyrillic alias
        ("Тесткызы", ["P001-origin"]),
        ("qairat", ["P002-origin"]),  # alias only
        ("kairat fictivov", ["P002-origin"]),  # every word
        ("kairat testkyzy", []),  # words from different people
        ("testuly", ["P005-origin"]),
        ("nobody-like-this", []),
        ("", ["P001-origin", "P002-origin", "P003-origin", "P004-origin", "P005-origin"]),
    ],
)
def test_search_names_and_aliases(query: str, expected: list[str]) -> None:
    assert ids(Filters(search=query), "witnesses") == expected


def test_search_finds_sites_by_place_and_hostile_text_literally() -> None:
    assert ids(Filters(search="bouryltogay")) == ["S001", "S004"]
    assert ids(Filters(search="${x}")) == ["S004"]
    assert ids(Filters(search=HOSTILE)) == ["S004"]
    assert ids(Filters(search=".*")) == []  # not a regular expression


def test_search_reaches_links_and_reports_through_the_person() -> None:
    assert ids(Filters(search="Fictivov"), "links") == ["P002->S001"]
    assert ids(Filters(search="Fictivov"), "reports") == ["R001"]


# --- combined and pure ----------------------------------------------------------------------


def test_filters_combine_with_and() -> None:
    filters = Filters(years=(2017, 2017), include_undated=False, districts=(ILI,),
                      search="shapshal")
    assert ids(filters) == ["S002"]


def test_filtering_leaves_the_input_alone() -> None:
    before = {name: frame.copy() for name, frame in small_layers().items()}
    filter_layers(small_layers(), Filters(years=(2019, 2019), districts=(FUHAI,), search="x"))
    for name, frame in small_layers().items():
        assert frame.equals(before[name])


def test_default_filters_show_everything() -> None:
    assert filter_layers(small_layers(), Filters()).counts() == small_layers().counts()
    assert Filters().layers == LAYER_NAMES


def test_make_filters_from_user_input() -> None:
    filters = make_filters(years="2017-2018", districts=["Bouryltogay"], layers="sites",
                           search="camp", include_undated=False)
    assert filters == Filters(years=(2017, 2018), include_undated=False, districts=(FUHAI,),
                              layers=("sites",), search="camp")
    with pytest.raises(YearRangeError, match="'2020-2017'"):
        make_filters(years="2020-2017")
