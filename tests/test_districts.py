"""geo.districts: the shipped polygons, the lookups and the loader's checks."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import districts as mod
from geo._errors import CoordinateError, DistrictNotFound
from geo.districts import (
    District,
    DistrictDataError,
    all_districts,
    district_at,
    get_district,
    load_districts,
    prefecture_of,
)

FIXTURES = Path(__file__).parent / "fixtures"
XPCC = {f"CN-6590{n:02d}" for n in range(1, 11)}
KZ_IDS = {
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
}  # fmt: skip


@pytest.fixture(scope="module")
def frame() -> gpd.GeoDataFrame:
    return load_districts()


# --- the shipped table -------------------------------------------------------------------


def test_counts_per_level(frame: gpd.GeoDataFrame):
    assert frame["level"].value_counts().to_dict() == {
        "county": 106,
        "region": 20,
        "prefecture": 14,
    }
    assert set(frame.loc[frame["level"] == "region", "id"]) == KZ_IDS


def test_24_prefecture_level_units(frame: gpd.GeoDataFrame):
    counties = frame.loc[frame["level"] == "county", "id"]
    units = set(prefecture_of(counties.to_numpy()))
    assert len(units) == 24
    assert units == set(frame.loc[frame["level"] == "prefecture", "id"]) | XPCC


def test_every_county_has_a_prefecture_parent(frame: gpd.GeoDataFrame):
    prefectures = set(frame.loc[frame["level"] == "prefecture", "id"])
    for rec in frame[frame["level"] == "county"].itertuples():
        if rec.id in XPCC:
            assert rec.parent == "CN-650000", rec.id
        else:
            assert rec.parent in prefectures, rec.id
            assert rec.id[3:7] == rec.parent[3:7], rec.id  # the code nests: 6543xx in 654300
    assert set(frame.loc[frame["level"] == "prefecture", "parent"]) == {"CN-650000"}
    assert set(frame.loc[frame["level"] == "region", "parent"]) == {"KZ"}


def test_ids_unique_sorted_and_well_formed(frame: gpd.GeoDataFrame):
    ids = list(frame["id"])
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"CN-65\d{4}|KZ-\d{2}", i) for i in ids)
    assert set(frame["country"]) == {"CN", "KZ"}
    assert (frame["country"] == frame["id"].str[:2]).all()


def test_frame_schema(frame: gpd.GeoDataFrame):
    assert list(frame.columns) == [*mod.COLUMNS, "geometry"]
    assert frame.crs.to_epsg() == 4326
    assert all(isinstance(n, tuple) and n for n in frame["names"])
    assert set(frame.geometry.geom_type) <= {"Polygon", "MultiPolygon"}
    assert frame.geometry.is_valid.all()
    # Label points lie inside their own district.
    inside = shapely.contains_xy(frame.geometry.to_numpy(), frame["label_lon"], frame["label_lat"])
    assert inside.all()


def test_load_districts_returns_a_copy():
    first = load_districts()
    first.loc[0, "name"] = "changed"
    assert load_districts().loc[0, "name"] != "changed"


def test_counties_form_a_coverage_and_nest_in_prefectures(frame: gpd.GeoDataFrame):
    counties = frame[frame["level"] == "county"]
    assert shapely.coverage_is_valid(counties.geometry.to_numpy())
    for pref in frame[frame["level"] == "prefecture"].itertuples():
        members = counties[counties["parent"] == pref.id].geometry.to_numpy()
        union = shapely.union_all(members)
        assert shapely.symmetric_difference(union, pref.geometry).area < 1e-9, pref.id


def test_names_join_own_names_and_every_district_alias(frame: gpd.GeoDataFrame):
    fuhai = get_district("CN-654323")
    assert fuhai.name == "Fuhai County"
    assert fuhai.names[:3] == ("Fuhai County", "福海县", "Fuhai Xian")
    by_id = dict(zip(frame["id"], frame["names"], strict=True))
    with mod.ALIASES_FILE.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["target_type"] == "district"]
    assert rows, "aliases.csv has no district rows"
    for row in rows:
        assert row["alias"].strip() in by_id[row["target"]], row
    assert len(set(fuhai.names)) == len(fuhai.names)


def test_kz_region_names():
    east = get_district("KZ-63")
    assert (east.name, east.level, east.parent, east.country) == (
        "East Kazakhstan Region",
        "region",
        "KZ",
        "KZ",
    )
    assert "Shyghys Qazaqstan oblysy" in east.names


# --- get_district / all_districts ----------------------------------------------------------


def test_get_district_and_to_dict():
    d = get_district("CN-654300")
    assert isinstance(d, District)
    assert d.to_dict() == {
        "id": "CN-654300",
        "name": "Altay Prefecture",
        "level": "prefecture",
        "parent": "CN-650000",
        "country": "CN",
        "names": list(d.names),
    }
    assert get_district("CN-654000").name == "Ili Kazakh Autonomous Prefecture"


@pytest.mark.parametrize("bad", ["CN-999999", "Fuhai", "", "cn-654323"])
def test_get_district_unknown(bad: str):
    with pytest.raises(DistrictNotFound, match=re.escape(repr(bad))) as info:
        get_district(bad)
    assert info.value.query == bad


def test_all_districts_matches_the_frame(frame: gpd.GeoDataFrame):
    ds = all_districts()
    assert [d.id for d in ds] == list(frame["id"])
    assert all(get_district(d.id) == d for d in ds)


# --- district_at ---------------------------------------------------------------------------

TOWNS = [
    # name, lon, lat, county-level unit (or KZ region), prefecture-level unit
    ("Urumqi, People's Square", 87.6215, 43.7912, "CN-650102", "CN-650100"),
    ("Kashgar, Id Kah", 75.98675, 39.46718, "CN-653101", "CN-653100"),
    ("Yining city", 81.3242, 43.9091, "CN-654002", "CN-654000"),
    ("Fuhai town", 87.4881, 47.1095, "CN-654323", "CN-654300"),
    ("Qapqal town", 81.1506, 43.8303, "CN-654022", "CN-654000"),
    ("Shihezi (XPCC)", 86.03694, 44.3023, "CN-659001", "CN-659001"),
    ("Almaty", 76.9115, 43.2525, "KZ-75", "KZ-75"),
    ("Oskemen", 82.60586, 49.97143, "KZ-63", "KZ-63"),
]


@pytest.mark.parametrize(("name", "lon", "lat", "county", "prefecture"), TOWNS)
def test_known_towns(name: str, lon: float, lat: float, county: str, prefecture: str):
    got = district_at(lon, lat)
    assert got.shape == ()
    assert got.item() == county, name
    assert prefecture_of([got.item()])[0] == prefecture, name


def test_known_towns_vectorised():
    lons = [t[1] for t in TOWNS]
    lats = [t[2] for t in TOWNS]
    assert list(district_at(lons, lats)) == [t[3] for t in TOWNS]


@pytest.mark.parametrize(
    ("name", "lon", "lat"),
    [
        ("Beijing", 116.4074, 39.9042),
        ("Bishkek", 74.5698, 42.8746),
        ("Null Island", 0.0, 0.0),
        ("Ulaanbaatar", 106.9057, 47.8864),
        ("Novosibirsk", 82.9346, 55.0415),
    ],
)
def test_outside_everything_is_none(name: str, lon: float, lat: float):
    assert district_at([lon], [lat])[0] is None, name


@pytest.mark.parametrize(
    ("lons", "lats", "fragment"),
    [
        ([80.0, 200.0], [40.0, 40.0], r"row 1: longitude \S*200\.0\S* is outside"),
        ([80.0, 80.0, 80.0], [40.0, 40.0, -91.0], r"row 2: latitude \S*-91\.0\S* is outside"),
        ([80.0, float("nan")], [40.0, 40.0], r"row 1: longitude \S*nan\S* is not a finite"),
        ([80.0, 81.0], [40.0], r"2 longitudes but 1 latitudes"),
    ],
)
def test_bad_coordinates(lons: list[float], lats: list[float], fragment: str):
    with pytest.raises(CoordinateError, match=fragment):
        district_at(lons, lats)


def test_non_numeric_coordinates_name_the_row():
    with pytest.raises(CoordinateError, match=r"row 1: longitude 'eighty'"):
        district_at([80.0, "eighty"], [40.0, 40.0])


def test_shapes_are_kept():
    lons = np.array([[87.4881, 0.0], [76.9115, 81.3242]])
    lats = np.array([[47.1095, 0.0], [43.2525, 43.9091]])
    got = district_at(lons, lats)
    assert got.shape == (2, 2)
    assert got.dtype == object
    assert got.tolist() == [["CN-654323", None], ["KZ-75", "CN-654002"]]
    empty = district_at(np.zeros(0), np.zeros(0))
    assert empty.shape == (0,)


def test_a_point_on_a_shared_edge_goes_to_the_smaller_id(frame: gpd.GeoDataFrame):
    counties = frame[frame["level"] == "county"]
    fuhai = counties.loc[counties["id"] == "CN-654323", "geometry"].item()
    altay = counties.loc[counties["id"] == "CN-654301", "geometry"].item()
    shared = shapely.get_coordinates(shapely.intersection(fuhai.boundary, altay.boundary))
    assert len(shared) > 2
    lon, lat = shared[len(shared) // 2]
    assert fuhai.intersects(shapely.Point(lon, lat)) and altay.intersects(shapely.Point(lon, lat))
    assert district_at(lon, lat).item() == "CN-654301"


def test_boundary_fixture_lands_in_the_right_district(frame: gpd.GeoDataFrame):
    """Points 250 m inside the ORIGINAL polygons stay in their district after simplifying."""
    points = pd.read_csv(FIXTURES / "boundary_points.csv")
    finest = set(frame.loc[frame["level"] != "prefecture", "id"])
    assert set(points["sampled_from"]) == finest  # every district is sampled
    assert len(points) > 1000
    got = district_at(points["lon"].to_numpy(), points["lat"].to_numpy())
    wrong = points[got != points["expected"].to_numpy()].assign(got=got[got != points["expected"]])
    assert wrong.empty, wrong.head(10).to_string()


# --- prefecture_of -------------------------------------------------------------------------


def test_prefecture_of_values_and_shape():
    ids = np.array([["CN-654323", None], ["CN-654300", "KZ-63"]], dtype=object)
    got = prefecture_of(ids)
    assert got.shape == (2, 2)
    assert got.tolist() == [["CN-654300", None], ["CN-654300", "KZ-63"]]
    assert prefecture_of(["CN-659005", float("nan")]).tolist() == ["CN-659005", None]
    assert prefecture_of([]).shape == (0,)


@pytest.mark.parametrize("bad", ["CN-654399", "Fuhai", 654323])
def test_prefecture_of_unknown(bad: object):
    with pytest.raises(DistrictNotFound, match=re.escape(repr(bad))):
        prefecture_of(["CN-654323", bad])


# --- the loader's checks (bad files name file, row, field and value) ----------------------


def _gzip_geojson(frame: gpd.GeoDataFrame, path: Path) -> Path:
    plain = path.with_suffix("")
    frame.to_file(plain, driver="GeoJSON", engine="pyogrio")
    path.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    return path


def _raw_frame() -> gpd.GeoDataFrame:
    return gpd.read_file(f"/vsigzip/{mod.DISTRICTS_FILE}", engine="pyogrio")


def test_alias_with_unknown_target_is_an_error(tmp_path: Path):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text(
        "alias,script,target_type,target,name,country,lon,lat,precision,attested,note\n"
        "Fuhai,pinyin,district,CN-654323,Fuhai County,CN,,,county,official,\n"
        "Nowhere,en,district,CN-000000,Nowhere,CN,,,county,test,\n",
        encoding="utf-8",
    )
    with pytest.raises(
        DistrictDataError, match=r"aliases\.csv: row 2: field 'target': 'CN-000000'"
    ):
        mod._load(mod.DISTRICTS_FILE, aliases)


def test_alias_file_without_columns_is_an_error(tmp_path: Path):
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,target\nFuhai,CN-654323\n", encoding="utf-8")
    with pytest.raises(DistrictDataError, match=r"missing column\(s\) \['target_type'\]"):
        mod._load(mod.DISTRICTS_FILE, aliases)


def test_repeated_id_is_an_error(tmp_path: Path):
    raw = _raw_frame()
    bad = pd.concat([raw, raw.iloc[[5]]], ignore_index=True)
    path = _gzip_geojson(gpd.GeoDataFrame(bad, crs=raw.crs), tmp_path / "d.geojson.gz")
    with pytest.raises(DistrictDataError, match=rf"row {len(bad)}: field 'id': 'CN-650106'"):
        mod._load(path, mod.ALIASES_FILE)


def test_unknown_level_is_an_error(tmp_path: Path):
    raw = _raw_frame()
    raw.loc[3, "level"] = "province"
    path = _gzip_geojson(raw, tmp_path / "d.geojson.gz")
    with pytest.raises(DistrictDataError, match=r"row 4: field 'level': 'province'"):
        mod._load(path, mod.ALIASES_FILE)


def test_readme_measurements_describe_the_shipped_file():
    """The build rewrites the README's figures; a file rebuilt without them is caught here."""
    readme = (mod.DATA_DIR / "districts.README.md").read_text(encoding="utf-8")
    match = re.search(r"`districts\.geojson\.gz`, ([\d,]+) bytes", readme)
    assert match, "the README lacks the shipped file's size"
    assert int(match.group(1).replace(",", "")) == mod.DISTRICTS_FILE.stat().st_size
    assert "0 land in another district with the shipped polygons" in readme


def test_district_at_of_a_year_and_its_description() -> None:
    from geo import district_at, unit_in_year

    # A point of today's Gaochang District lay in the county-level Turpan City until 2015.
    lon, lat = 89.19, 42.95
    assert district_at(lon, lat).item() == "CN-650402"
    then = district_at(lon, lat, year=2014).item()
    assert then == "CN-652101"
    unit = unit_in_year(then, 2014, today="CN-650402").to_dict()
    assert unit["name"] == "Turpan City" and unit["parent"] == "CN-652100"
    assert (unit["year"], unit["today"]) == (2014, "CN-650402")
    assert set(unit) == {"id", "name", "level", "parent", "country", "names", "year", "today"}
