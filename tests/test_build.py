"""layers.build.assemble: the six layer GeoDataFrames built from the small fixture package."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point

import geo
from layers.build.assemble import ReportTargetError, build_layers
from layers.build.placepoints import UnresolvedPlacesError
from layers.layerset import LAYER_KINDS, LAYER_NAMES, columns_of
from layers.records.facilities import ATTRIBUTION
from layers.records.years import BadDateError, span_years, year_bounds
from tests._measures import measure_layers, measure_records
from tests._small import HOSTILE, small_facilities, small_layers, small_records, source_text

FUHAI, ALTAY = "CN-654323", "CN-654300"
QAPQAL, XINYUAN, ILI = "CN-654022", "CN-654025", "CN-654000"
TACHENG_CITY, TACHENG = "CN-654201", "CN-654200"


def row(layer: str, feature_id: str) -> pd.Series:
    frame = small_layers()[layer]
    found = frame[frame["id"] == feature_id]
    assert len(found) == 1, f"{feature_id!r} appears {len(found)} times in {layer}"
    return found.iloc[0]


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_every_layer_has_the_contract_columns_and_crs(name: str) -> None:
    frame = small_layers()[name]
    assert list(frame.columns) == list(columns_of(name))
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    assert (frame["layer"] == LAYER_KINDS[name]).all()
    assert frame["id"].is_unique
    assert str(frame["year_start"].dtype) == "Int64"
    assert str(frame["year_end"].dtype) == "Int64"
    assert str(frame["district_id"].dtype) == "category"


def test_ids_are_the_curated_ones() -> None:
    layers = small_layers()
    assert list(layers.sites["id"]) == ["S001", "S002", "S003", "S004", "S005"]
    assert list(layers.reports["id"]) == ["R001", "R002"]
    assert list(layers.witnesses["id"]) == [
        "P001-origin", "P002-origin", "P003-origin", "P004-origin", "P005-origin",
    ]
    assert sorted(layers.links["id"]) == ["P001->S002", "P002->S001", "P003->S002", "P004->S003"]
    assert list(layers.events["id"]) == ["E001", "E002", "E003"]
    assert len(layers.facilities) == len(small_facilities().frame) == 7


@pytest.mark.parametrize(
    ("layer", "feature_id", "district_id", "prefecture_id", "precision"),
    [
        ("sites", "S001", FUHAI, ALTAY, "county"),  # Bouryltogay = Fuhai
        ("sites", "S002", QAPQAL, ILI, "county"),  # Shapshal = Qapqal
        ("sites", "S003", XINYUAN, ILI, "county"),  # Kunes = Xinyuan
        ("sites", "S005", ILI, ILI, "prefecture"),
        ("witnesses", "P002-origin", TACHENG_CITY, TACHENG, "county"),  # Shaueshek
        ("witnesses", "P003-origin", FUHAI, ALTAY, "exact"),  # override point
        ("facilities", "bf-709", FUHAI, ALTAY, "exact"),
        ("facilities", "bf-159", QAPQAL, ILI, "exact"),
    ],
)
def test_district_columns_for_known_places(
    layer: str, feature_id: str, district_id: str, prefecture_id: str, precision: str
) -> None:
    found = row(layer, feature_id)
    assert found["district_id"] == district_id
    assert found["prefecture_id"] == prefecture_id
    assert found["precision"] == precision
    assert found["district"] == geo.get_district(district_id).name
    assert found["prefecture"] == geo.get_district(prefecture_id).name
    assert found["country"] == "CN"


def test_kazakhstan_place_gets_its_region() -> None:
    found = row("witnesses", "P005-origin")  # Chunja village, Almaty region
    assert found["country"] == "KZ"
    assert found["precision"] == "settlement"
    assert found["district"] == "Almaty Region"
    assert str(found["district_id"]).startswith("KZ")
    assert found["prefecture_id"] == found["district_id"]  # a region is its own "prefecture"


def test_area_precision_points_are_district_label_points() -> None:
    for layer, feature_id in (("sites", "S001"), ("sites", "S005")):
        found = row(layer, feature_id)
        district = geo.get_district(found["district_id"])
        assert found.geometry.equals(Point(district.label_lon, district.label_lat))


def test_points_lie_in_their_district() -> None:
    districts = geo.load_districts().set_index("id")
    for name in ("sites", "witnesses", "facilities", "events"):
        for _, found in small_layers()[name].iterrows():
            if found["precision"] in {"exact", "settlement"} and found["district_id"]:
                polygon = districts.loc[found["district_id"], "geometry"]
                assert polygon.covers(found.geometry), (name, found["id"])


def test_sites_at_the_same_place_share_coordinates() -> None:
    assert row("sites", "S004").geometry.equals(row("sites", "S001").geometry)
    assert row("sites", "S004")["name"] == HOSTILE


def test_reports_sit_at_their_site() -> None:
    for _, report in small_layers().reports.iterrows():
        assert report.geometry.equals(row("sites", report["site_id"]).geometry)
    r001 = row("reports", "R001")
    assert (r001["count"], r001["date"], r001["reported_by"]) == (5700, "2018-21", "P002")
    assert (r001["year_start"], r001["year_end"]) == (2018, 2018)


def test_site_population_and_years() -> None:
    s001 = row("sites", "S001")
    assert s001["max_population"] == 5700
    assert [r["count"] for r in s001["population_reports"]] == [5700]
    assert s001["population_reports"][0]["quote"].startswith("5,700 people")
    assert (s001["year_start"], s001["year_end"]) == (2017, 2018)  # report 2018, D001 2017-11
    s004 = row("sites", "S004")
    assert pd.isna(s004["year_start"]) and pd.isna(s004["year_end"])
    assert pd.isna(s004["max_population"])


def test_candidate_facilities_are_those_in_the_same_county() -> None:
    assert row("sites", "S001")["candidate_facilities"] == ["bf-709", "bf-714"]
    assert row("sites", "S002")["candidate_facilities"] == ["bf-159", "bf-773"]
    assert row("sites", "S005")["candidate_facilities"] == []  # only a prefecture is known


def test_witness_properties() -> None:
    p001 = row("witnesses", "P001-origin")
    assert p001["name"] == "Sayragül Testkyzy"
    assert p001["aliases"] == ["Sairagul Testkyzy", "Сайрагүл Тесткызы"]
    assert p001["origin"] == "Shapshal district"
    assert p001["detained_at"] == ["S002"]
    assert p001["person_id"] == "P001"
    assert (p001["year_start"], p001["year_end"]) == (2017, 2018)
    p003 = row("witnesses", "P003-origin")
    assert p003["sensitivity"] == "restricted"
    assert p003.geometry.equals(Point(87.654321, 47.123456))
    fuhai = geo.get_district(FUHAI)
    assert p003["_snapped"].equals(Point(fuhai.label_lon, fuhai.label_lat))


def test_links_run_from_origin_to_site() -> None:
    link = row("links", "P002->S001")
    assert isinstance(link.geometry, LineString)
    start, end = link.geometry.coords
    assert Point(start).equals(row("witnesses", "P002-origin").geometry)
    assert Point(end).equals(row("sites", "S001").geometry)
    assert (link["person_id"], link["site_id"]) == ("P002", "S001")
    assert link["district_id"] == FUHAI  # the site's district
    assert link["origin_district_id"] == TACHENG_CITY
    assert row("links", "P004->S003")["sensitivity"] == "private"


def test_facilities_carry_attribution() -> None:
    facilities = small_layers().facilities
    assert (facilities["attribution"] == ATTRIBUTION).all()
    assert set(facilities["facility_id"]) == set(facilities["id"])


def test_every_quote_is_in_the_source_and_every_record_feature_cites_one() -> None:
    text = source_text()
    for name in ("sites", "reports", "witnesses", "links", "events"):
        for sources in small_layers()[name]["sources"]:
            assert sources, name
            for entry in sources:
                assert entry["source"] == "small-test"
                assert entry["quote"] in text


def test_undated_event_and_dated_event() -> None:
    assert (row("events", "E001")["year_start"], row("events", "E001")["year_end"]) == (2017, 2017)
    assert pd.isna(row("events", "E003")["year_start"])


def test_build_is_deterministic() -> None:
    again = build_layers(small_records(), small_facilities())
    for name, frame in small_layers().items():
        internal = [c for c in frame.columns if c.startswith("_")]
        assert_geodataframe_equal(
            again[name].drop(columns=internal), frame.drop(columns=internal), check_crs=True
        )


def test_without_facilities_the_layer_is_empty() -> None:
    layers = build_layers(small_records(), None)
    assert len(layers.facilities) == 0
    assert list(layers.facilities.columns) == list(columns_of("facilities"))
    assert layers.sites["candidate_facilities"].map(len).sum() == 0


def test_unresolvable_place_is_named() -> None:
    records = small_records()
    places = records.places.copy()
    places.loc[places["id"] == "PL005", ["name", "geocode_query"]] = ["Qqqxxzzv", pd.NA]
    with pytest.raises(UnresolvedPlacesError, match=r"PL005 'Qqqxxzzv'") as caught:
        build_layers(dataclasses.replace(records, places=places), None)
    assert [p[0] for p in caught.value.places] == ["PL005"]


def test_bad_date_is_named() -> None:
    records = small_records()
    reports = records.population_reports.copy()
    reports.loc[0, "date"] = "spring 2018"
    with pytest.raises(BadDateError, match=r"'spring 2018'"):
        build_layers(dataclasses.replace(records, population_reports=reports), None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-11-20", (2017, 2017)),
        ("2018-21", (2018, 2018)),  # spring 2018
        ("201X", (2010, 2019)),
        ("2017/2019", (2017, 2019)),
        ("2017/..", (2017, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_year_bounds(value: str | None, expected: tuple[int | None, int | None]) -> None:
    assert year_bounds(value) == expected


def test_span_years_keeps_what_is_dated() -> None:
    assert span_years([("2017-11", "2018-02"), ("2019", None)]) == (2017, 2019)
    assert span_years([(None, "2018")]) == (2018, 2018)
    assert span_years([(None, None)]) == (None, None)


def test_country_precision_override_has_no_district() -> None:
    records = small_records()
    places = records.places.copy()
    chunja = places["id"] == "PL006"
    places.loc[chunja, "lon"] = 79.46582
    places.loc[chunja, "lat"] = 43.53813
    places.loc[chunja, "precision"] = "country"
    layers = build_layers(dataclasses.replace(records, places=places), None)
    p005 = layers.witnesses.set_index("id").loc["P005-origin"]
    assert p005["precision"] == "country"
    assert p005["district_id"] is None or pd.isna(p005["district_id"])
    assert p005["prefecture_id"] is None or pd.isna(p005["prefecture_id"])


def test_xinjiang_as_a_whole_is_no_district() -> None:
    """The region's centre falls in some county; that county must not become its district."""
    records = small_records()
    places = records.places.copy()
    places.loc[places["id"] == "PL007", ["name", "geocode_query"]] = ["Xinjiang", pd.NA]
    layers = build_layers(dataclasses.replace(records, places=places), None)
    s005 = layers.sites.set_index("id").loc["S005"]
    assert s005["precision"] == "region"
    assert pd.isna(s005["district_id"]) and pd.isna(s005["prefecture_id"])
    assert s005["district"] is None


def test_restricted_home_at_coarse_precision_keeps_its_point() -> None:
    records = small_records()
    people = records.people.copy()
    people.loc[people["id"] == "P001", "sensitivity"] = "restricted"  # home: Shapshal county
    layers = build_layers(dataclasses.replace(records, people=people), None)
    p001 = layers.witnesses.set_index("id").loc["P001-origin"]
    assert p001["_snapped"].equals(p001.geometry)
    assert p001["_snapped_precision"] == "county"


# --- measures: counts that are not a site's inmate total ------------------------------------


def measure_row(layer: str, feature_id: str) -> pd.Series:
    frame = measure_layers()[layer]
    found = frame[frame["id"] == feature_id]
    assert len(found) == 1, f"{feature_id!r} appears {len(found)} times in {layer}"
    return found.iloc[0]


def test_report_about_a_region_sits_at_the_region_with_region_precision() -> None:
    report = measure_row("reports", "R902")
    xinjiang = geo.geocode("Xinjiang", country="CN")
    assert xinjiang.precision == "region"
    assert report["precision"] == "region"
    assert report["district_id"] is None or pd.isna(report["district_id"])
    assert report["prefecture_id"] is None or pd.isna(report["prefecture_id"])
    assert report["country"] == "CN"
    assert report.geometry.equals(Point(xinjiang.lon, xinjiang.lat))
    assert (report["site_id"], report["place_id"]) == (None, "PL900")
    assert report["name"] == "Xinjiang (target for the number held, not a count)"
    assert (report["measure"], report["count"], report["count_max"]) == (
        "target", 1_000_000, 1_500_000,
    )
    assert "xinjiang" in report["_search"]
    assert list(measure_layers().sites["id"]) == ["S001", "S002", "S003", "S004", "S005"]


def test_report_about_a_prefecture_takes_the_prefecture() -> None:
    report = measure_row("reports", "R903")
    assert (report["precision"], report["prefecture_id"]) == ("prefecture", ILI)
    assert report.geometry.equals(measure_row("sites", "S005").geometry)  # S005 is at PL007
    assert report["measure"] == "inmates"  # an empty measure counts everyone held
    assert pd.isna(report["count_max"])
    assert pd.isna(measure_row("sites", "S005")["max_population"])  # not the site's count


def test_max_population_counts_only_inmates() -> None:
    s001 = measure_row("sites", "S001")
    assert s001["max_population"] == 5700  # not R901's 9,999 critically ill
    assert [(r["id"], r["measure"]) for r in s001["population_reports"]] == [("R001", "inmates")]
    assert "more than 9,999 in critical condition" in [s["quote"] for s in s001["sources"]]
    r901 = measure_row("reports", "R901")
    assert (r901["measure"], r901["count"], r901["site_id"]) == ("critically_ill", 9999, "S001")
    assert r901.geometry.equals(s001.geometry)
    assert r901["name"] == "Bouryltogay camp (inmates in critical condition)"
    assert measure_row("reports", "R001")["name"] == "Bouryltogay camp"


def test_every_report_is_a_feature_whatever_it_counts() -> None:
    reports = measure_layers().reports
    assert list(reports["id"]) == ["R001", "R002", "R901", "R902", "R903", "R904"]
    assert list(reports["measure"]) == [
        "inmates", "inmates", "critically_ill", "target", "inmates", "per_room",
    ]
    assert str(reports["count_max"].dtype) == "Int64"
    assert list(reports.columns) == list(columns_of("reports"))


def test_report_with_neither_site_nor_place_is_named() -> None:
    records = measure_records()
    reports = records.population_reports.copy()
    reports.loc[reports["id"] == "R902", "place_id"] = pd.NA
    message = r"'R902' has neither site_id nor place_id"
    with pytest.raises(ReportTargetError, match=message) as caught:
        build_layers(dataclasses.replace(records, population_reports=reports), None)
    assert caught.value.report_id == "R902"


def test_reports_without_the_measure_columns_count_inmates() -> None:
    records = small_records()
    older = records.population_reports.drop(columns=["place_id", "measure", "count_max"])
    layers = build_layers(dataclasses.replace(records, population_reports=older), None)
    assert list(layers.reports["measure"]) == ["inmates", "inmates"]
    assert layers.reports["count_max"].isna().all()
    assert list(layers.sites["max_population"].dropna()) == [5700, 14000]


def test_every_facility_cites_its_source() -> None:
    from layers.records.facilities import SOURCE_ID

    facilities = small_layers().facilities
    assert len(facilities)
    for sources in facilities["sources"]:
        assert sources == [{"source": SOURCE_ID, "quote": None}]
