"""layers.io.export: RFC 7946 GeoJSON, GDAL round trips, public redaction and the export CLI."""

from __future__ import annotations

import dataclasses
import html
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LinearRing, Point, Polygon, shape

import geo
from layers.build.assemble import build_layers
from layers.filters import Filters, filter_layers
from layers.io.export import ATTRIBUTION, ExportFormatError, to_geojson_bytes, write
from layers.io.geojson import geometry_json, property_names
from layers.layerset import LAYER_KINDS, LAYER_NAMES
from layers.public import public_layers
from layers.records.facilities import ATTRIBUTION as FACILITY_ATTRIBUTION
from tests._measures import measure_layers
from tests._small import HOSTILE, SMALL_DIR, small_layers, small_records

REPO = Path(__file__).resolve().parent.parent
FUHAI = "CN-654323"

#: Strings only private or restricted rows hold; a public export must contain none of them.
WITHHELD = [
    "Withheld Woman Testname",
    "Withheld Alias Testname",
    "a village of Bouryltogay district",  # the restricted person's home as written
    "Private Person Testname",
    "Private-event-description",
    "Restricted-note-text",
    "where she herself was held",  # quote of the restricted detention
    "14,000 people were in the Shapshal camp",  # quote of the restricted person's report
    "was held in the camp at Zhanakala",  # quote of the private detention and event
    "87.654321",  # the restricted home's exact coordinates
    "47.123456",
    "P004",  # the private person
    "E002",  # the private event
]


def collection(data: bytes) -> dict[str, Any]:
    def no_constants(name: str) -> None:
        raise AssertionError(f"{name} in the output")

    parsed: dict[str, Any] = json.loads(data.decode("utf-8"), parse_constant=no_constants)
    return parsed


def features_by_id(data: bytes) -> dict[str, dict[str, Any]]:
    return {f["properties"]["id"]: f for f in collection(data)["features"]}


def coordinates(geometry: dict[str, Any] | None) -> list[float]:
    if geometry is None:
        return []
    flat: list[float] = []

    def walk(value: Any) -> None:
        if isinstance(value, (int, float)):
            flat.append(float(value))
        else:
            for item in value:
                walk(item)

    walk(geometry["coordinates"])
    return flat


@pytest.fixture(scope="module")
def full() -> bytes:
    return to_geojson_bytes(small_layers())


@pytest.fixture(scope="module")
def public() -> bytes:
    return to_geojson_bytes(public_layers(small_layers()), public=True)


# --- RFC 7946 -------------------------------------------------------------------------------


def test_feature_collection_shape(full: bytes) -> None:
    data = collection(full)
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data
    assert data["attribution"] == ATTRIBUTION
    assert FACILITY_ATTRIBUTION in data["attribution"]
    assert data["license"] == "CC-BY-4.0"
    assert len(data["features"]) == sum(small_layers().counts().values())
    assert full.endswith(b"\n")


def test_every_feature_has_the_contract_properties_in_order(full: bytes) -> None:
    for item in collection(full)["features"]:
        assert item["type"] == "Feature"
        assert "crs" not in item
        properties = item["properties"]
        layer = {kind: name for name, kind in LAYER_KINDS.items()}[properties["layer"]]
        assert list(properties) == list(property_names(layer))
        assert not any(key.startswith("_") for key in properties)
        for entry in properties["sources"]:
            assert list(entry) == ["source", "quote"]
        for key in ("year_start", "year_end"):
            assert properties[key] is None or isinstance(properties[key], int)


def test_coordinates_are_lonlat_with_at_most_six_decimals(full: bytes) -> None:
    for item in collection(full)["features"]:
        values = coordinates(item["geometry"])
        assert values, item["properties"]["id"]
        assert all(math.isfinite(v) and round(v, 6) == v for v in values)
        lons, lats = values[0::2], values[1::2]
        assert all(70 < lon < 90 for lon in lons), item["properties"]["id"]  # Xinjiang/KZ
        assert all(35 < lat < 50 for lat in lats), item["properties"]["id"]


def test_no_nan_anywhere(full: bytes) -> None:
    text = full.decode("utf-8")
    assert "NaN" not in text and "Infinity" not in text
    sites = features_by_id(full)
    assert sites["S004"]["properties"]["max_population"] is None
    assert sites["S004"]["properties"]["year_start"] is None


def test_utf8_without_ascii_escapes(full: bytes) -> None:
    text = full.decode("utf-8")
    assert "Сайрагүл Тесткызы" in text and "Sayragül" in text
    assert "\\u04" not in text


def test_polygon_exterior_rings_become_counter_clockwise() -> None:
    clockwise = Polygon(
        [(80, 40), (80, 41), (81, 41), (81, 40)],
        holes=[[(80.2, 40.2), (80.4, 40.2), (80.4, 40.4), (80.2, 40.4)]],
    )
    assert not clockwise.exterior.is_ccw
    out = geometry_json(clockwise)
    assert out is not None
    exterior, hole = out["coordinates"]
    assert LinearRing(exterior).is_ccw
    assert not LinearRing(hole).is_ccw  # holes clockwise (RFC 7946 3.1.6)


def test_geometry_json_rounds_and_normalises_minus_zero() -> None:
    assert geometry_json(Point(81.123456789, -0.0000001)) == {
        "type": "Point",
        "coordinates": [81.123457, 0.0],
    }
    assert geometry_json(None) is None


def test_polygon_feature_in_a_layer_is_written_ccw() -> None:
    layers = small_layers()
    events = layers.events.copy()
    events.loc[events.index[0], "geometry"] = Polygon([(80, 40), (80, 41), (81, 41), (81, 40)])
    data = to_geojson_bytes(layers.replace(events=events))
    ring = features_by_id(data)["E001"]["geometry"]["coordinates"][0]
    assert LinearRing(ring).is_ccw


# --- stability ------------------------------------------------------------------------------


def test_identical_inputs_give_identical_bytes(full: bytes) -> None:
    assert to_geojson_bytes(small_layers()) == full
    filters = Filters(years=(2017, 2018), districts=("CN-654000",))
    assert to_geojson_bytes(filter_layers(small_layers(), filters)) == to_geojson_bytes(
        filter_layers(small_layers(), filters)
    )


def test_feature_order_is_layer_then_build_order(full: bytes) -> None:
    features = collection(full)["features"]
    order = [(f["properties"]["layer"], f["properties"]["id"]) for f in features]
    expected = [
        (LAYER_KINDS[name], feature_id)
        for name, frame in small_layers().items()
        for feature_id in frame["id"]
    ]
    assert order == expected


def test_filtered_export_holds_what_the_filters_show() -> None:
    filters = Filters(years=(2018, 2018), include_undated=False, layers=("sites", "reports"))
    shown = filter_layers(small_layers(), filters)
    ids = [f["properties"]["id"] for f in collection(to_geojson_bytes(shown))["features"]]
    assert ids == [*shown.sites["id"], *shown.reports["id"]] == ["S001", "S002", "S003", "R001"]


# --- GDAL round trips -----------------------------------------------------------------------


def _same(value: Any, read: Any) -> bool:
    """Compare an exported property with what GDAL read back (JSON text for lists)."""
    if value is None:
        return read is None or (isinstance(read, float) and math.isnan(read)) or read == ""
    if isinstance(value, (list, dict)):
        if isinstance(read, str):  # GPKG, KML, and GeoJSON lists of objects: JSON text
            return bool(json.loads(read) == value)
        if isinstance(read, (list, dict)):  # JSON fields GDAL parsed already
            return bool(read == value)
        return [str(v) for v in read] == value  # GeoJSON string lists: GDAL StringList
    if isinstance(value, int) and not isinstance(value, bool):
        return int(read) == value
    return bool(read == value)


def test_geojson_round_trip_through_gdal(tmp_path: Path, full: bytes) -> None:
    path = tmp_path / "atlas.geojson"
    write(small_layers(), path, "geojson")
    assert path.read_bytes() == full
    frame = pyogrio.read_dataframe(path)
    exported = collection(full)["features"]
    assert len(frame) == len(exported)
    for (_, read), item in zip(frame.iterrows(), exported, strict=True):
        assert read.geometry.equals(shape(item["geometry"]))
        for key, value in item["properties"].items():
            assert _same(value, read[key]), (item["properties"]["id"], key, value, read[key])


def test_gpkg_has_one_layer_per_map_layer_and_every_property(tmp_path: Path) -> None:
    path = tmp_path / "atlas.gpkg"
    counts = write(small_layers(), path, "gpkg")
    assert counts == small_layers().counts()
    listed = {str(name): str(kind) for name, kind in pyogrio.list_layers(path)}
    assert listed == {
        "site": "Point", "report": "Point", "witness": "Point", "link": "LineString",
        "facility": "Point", "event": "Point",
    }
    by_id = features_by_id(to_geojson_bytes(small_layers()))
    for name in LAYER_NAMES:
        frame = pyogrio.read_dataframe(path, layer=LAYER_KINDS[name])
        assert frame.crs.to_epsg() == 4326
        assert list(frame["id"]) == list(small_layers()[name]["id"])
        for _, read in frame.iterrows():
            item = by_id[read["id"]]
            assert read.geometry.equals(shape(item["geometry"]))
            for key, value in item["properties"].items():
                assert _same(value, read[key]), (read["id"], key, value, read[key])


def test_kml_reads_back_with_escaped_text(tmp_path: Path) -> None:
    path = tmp_path / "atlas.kml"
    write(small_layers(), path, "kml")
    raw = path.read_text(encoding="utf-8")
    assert "<img" not in raw  # names and descriptions are HTML for KML viewers
    listed = [str(name) for name, _ in pyogrio.list_layers(path)]
    assert listed == [LAYER_KINDS[name] for name in LAYER_NAMES]
    sites = pyogrio.read_dataframe(path, layer="site")
    assert len(sites) == len(small_layers().sites)
    names = [html.unescape(n) for n in sites["Name"]]
    assert names == list(small_layers().sites["name"])
    assert HOSTILE in names


def test_write_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ExportFormatError, match="'shp'"):
        write(small_layers(), tmp_path / "x.shp", "shp")


def test_empty_selection_still_writes_valid_files(tmp_path: Path) -> None:
    empty = filter_layers(small_layers(), Filters(search="no-such-name-anywhere"))
    assert collection(to_geojson_bytes(empty))["features"] == []
    for fmt in ("gpkg", "kml"):
        path = tmp_path / f"empty.{fmt}"
        write(empty, path, fmt)
        assert path.exists()
        assert all(len(pyogrio.read_dataframe(path, layer=n)) == 0
                   for n, _ in pyogrio.list_layers(path))


# --- public mode ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", WITHHELD)
def test_public_export_contains_none_of_the_withheld_strings(public: bytes, text: str) -> None:
    assert text.encode("utf-8") not in public


@pytest.mark.parametrize("text", WITHHELD)
def test_withheld_strings_are_in_the_full_export_or_the_records(full: bytes, text: str) -> None:
    """Companion of the test above: it can only pass because public mode removed them."""
    records = "".join(p.read_text(encoding="utf-8") for p in SMALL_DIR.glob("*.csv"))
    assert text.encode("utf-8") in full or text in records


def test_public_drops_private_records(public: bytes) -> None:
    ids = set(features_by_id(public))
    assert {"P004-origin", "P004->S003", "E002"}.isdisjoint(ids)
    assert {"S003", "P001-origin", "P003-origin", "P003->S002", "R002"} <= ids
    s003 = features_by_id(public)["S003"]["properties"]
    assert (s003["year_start"], s003["year_end"]) == (None, None)  # dated only by D003
    assert len(s003["sources"]) == 1


def test_public_redacts_restricted_people(public: bytes) -> None:
    fuhai = geo.get_district(FUHAI)
    label = [round(fuhai.label_lon, 6), round(fuhai.label_lat, 6)]
    features = features_by_id(public)
    witness = features["P003-origin"]
    assert witness["geometry"]["coordinates"] == label
    props = witness["properties"]
    assert (props["name"], props["aliases"], props["origin"]) == (None, [], None)
    assert props["district_id"] == FUHAI
    assert props["precision"] == "county"
    assert all(entry["quote"] is None for entry in props["sources"])
    link = features["P003->S002"]
    assert link["geometry"]["coordinates"][0] == label
    assert link["properties"]["name"] is None
    report = features["R002"]["properties"]
    assert report["reporter"] is None and report["count"] == 14000
    site = features["S002"]["properties"]
    assert site["population_reports"][0]["quote"] is None
    assert site["population_reports"][0]["reporter"] is None
    assert site["max_population"] == 14000


def test_public_keeps_public_people_whole(public: bytes, full: bytes) -> None:
    assert features_by_id(public)["P001-origin"] == features_by_id(full)["P001-origin"]
    assert features_by_id(public)["S001"] == features_by_id(full)["S001"]


def test_public_is_deterministic(public: bytes) -> None:
    assert to_geojson_bytes(public_layers(small_layers()), public=True) == public


def test_public_gpkg_holds_no_withheld_string(tmp_path: Path) -> None:
    path = tmp_path / "public.gpkg"
    write(public_layers(small_layers()), path, "gpkg", public=True)
    text = "\n".join(
        gpd.GeoDataFrame(pyogrio.read_dataframe(path, layer=name)).to_json()
        for name, _ in pyogrio.list_layers(path)
    )
    for withheld in WITHHELD[:-4]:
        assert withheld not in text


# --- command line ---------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "layers", "export", "--data", str(SMALL_DIR), *args],
        capture_output=True, text=True, cwd=REPO, env=env, check=False, timeout=300,
    )


def test_cli_writes_what_the_filters_show(tmp_path: Path) -> None:
    out = tmp_path / "out.geojson"
    done = run_cli("-o", str(out), "--years", "2017-2018", "--district", "Bouryltogay",
                   "--layers", "sites,reports,links", "--no-undated")
    assert done.returncode == 0, done.stderr
    filters = Filters(years=(2017, 2018), include_undated=False, districts=(FUHAI,),
                      layers=("sites", "reports", "links"))
    assert out.read_bytes() == to_geojson_bytes(filter_layers(small_layers(), filters))
    again = tmp_path / "again.geojson"
    assert run_cli("-o", str(again), "--years", "2017-2018", "--district", "Bouryltogay",
                   "--layers", "sites,reports,links", "--no-include-undated").returncode == 0
    assert again.read_bytes() == out.read_bytes()


def test_cli_public_and_format_from_suffix(tmp_path: Path) -> None:
    out = tmp_path / "public.gpkg"
    done = run_cli("-o", str(out), "--public")
    assert done.returncode == 0, done.stderr
    assert {str(n) for n, _ in pyogrio.list_layers(out)} == set(LAYER_KINDS.values())
    witnesses = pyogrio.read_dataframe(out, layer="witness")
    assert "P004" not in set(witnesses["person_id"])


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--years", "2020-2017"), "'2020-2017'"),
        (("--years", "soon"), "'soon'"),
        (("--district", "Atlantis"), "'Atlantis'"),
        (("--district", "Fuhai", "Nowhereland"), "'Nowhereland'"),
        (("--layers", "sites,camps"), "'camps'"),
    ],
)
def test_cli_bad_arguments_exit_nonzero_naming_the_value(
    tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    out = tmp_path / "never.geojson"
    done = run_cli("-o", str(out), *args)
    assert done.returncode != 0
    assert named in done.stderr
    assert not out.exists()


def test_cli_rejects_unknown_format(tmp_path: Path) -> None:
    done = run_cli("-o", str(tmp_path / "x.geojson"), "--format", "shp")
    assert done.returncode != 0
    assert "'shp'" in done.stderr


def test_cli_unwritable_output_and_broken_data_exit_nonzero(tmp_path: Path) -> None:
    done = run_cli("-o", str(tmp_path / "no" / "such" / "dir" / "x.geojson"))
    assert done.returncode == 1
    assert "cannot write" in done.stderr and "x.geojson" in done.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "datapackage.json").write_text("{", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "layers", "export", "--data", str(broken),
         "-o", str(tmp_path / "x.geojson")],
        capture_output=True, text=True, cwd=REPO, env=env, check=False, timeout=300,
    )
    assert done.returncode == 1
    assert "datapackage.json" in done.stderr


def test_cli_bad_override_exits_1_naming_place_and_value(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SMALL_DIR, data)
    places = data / "places.csv"
    text = places.read_text(encoding="utf-8")
    assert ",87.654321,47.123456," in text
    places.write_text(text.replace(",87.654321,47.123456,", ",187.654321,47.123456,"),
                      encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "layers", "export", "--data", str(data),
         "-o", str(tmp_path / "x.geojson")],
        capture_output=True, text=True, cwd=REPO, env=env, check=False, timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "PL004" in done.stderr and "187.654321" in done.stderr
    assert not (tmp_path / "x.geojson").exists()


def test_cli_geo_error_during_build_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    # Any geo.GeoError the build lets through (here district_at refusing a point) must end as
    # exit 1 with its message, whatever raised it.
    script = (
        "import sys, geo\n"
        "def refuse(lons, lats):\n"
        "    raise geo.CoordinateError('longitude 187.5 (row 0) is outside [-180, 180]', "
        "lon=187.5, lat=47.1)\n"
        "geo.district_at = refuse\n"
        "from layers.__main__ import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    # A cache of its own: the build must run (a cached entry would skip it).
    env = {**os.environ, "PYTHONPATH": str(REPO), "ATLAS_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", script, "export", "--data", str(SMALL_DIR),
         "-o", str(tmp_path / "x.geojson")],
        capture_output=True, text=True, cwd=REPO, env=env, check=False, timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot build the layers: longitude 187.5 (row 0)" in done.stderr
    assert not (tmp_path / "x.geojson").exists()


def _data_with_people_sensitivity(tmp_path: Path, person: str, level: str) -> Path:
    """Copy the small package to ``tmp_path/data`` with ``person``'s sensitivity cell replaced."""
    data = tmp_path / "data"
    shutil.copytree(SMALL_DIR, data)
    people = data / "people.csv"
    lines = people.read_text(encoding="utf-8").split("\n")
    column = lines[0].split(",").index("sensitivity")
    [number] = [i for i, line in enumerate(lines) if line.startswith(f"{person},")]
    cells = lines[number].split(",")
    assert cells[column] in {"public", "restricted", "private"}
    cells[column] = level
    lines[number] = ",".join(cells)
    people.write_text("\n".join(lines), encoding="utf-8")
    return data


@pytest.mark.parametrize("public", [True, False], ids=["public", "curator"])
@pytest.mark.parametrize("level", ["", "Private"], ids=repr)
def test_cli_refuses_a_blank_or_unknown_sensitivity_naming_the_row(
    tmp_path: Path, level: str, public: bool
) -> None:
    data = _data_with_people_sensitivity(tmp_path, "P003", level)  # people.csv line 4
    out = tmp_path / "x.geojson"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "layers", "export", "--data", str(data), "-o", str(out),
         *(["--public"] if public else [])],
        capture_output=True, text=True, cwd=REPO, env=env, check=False, timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "KeyError" not in done.stderr
    named = f"people.csv:4:sensitivity: {level!r} is not one of 'public', 'restricted', 'private'"
    assert named in done.stderr
    assert "Withheld Woman Testname" not in done.stderr
    assert not out.exists()


def test_cli_warns_that_a_curator_export_is_not_for_publication(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from layers.__main__ import main

    out = tmp_path / "x.geojson"
    base = ["export", "--data", str(SMALL_DIR), "--layers", "sites", "-o", str(out)]
    assert main(base) == 0
    lines = capsys.readouterr().err.splitlines()
    warnings = [line for line in lines if "not for publication" in line]
    assert len(warnings) == 1, lines
    assert "warning" in warnings[0] and "restricted" in warnings[0]
    assert "private" in warnings[0] and "--public" in warnings[0]
    assert repr(str(out)) in warnings[0]
    assert main([*base, "--public"]) == 0
    assert "not for publication" not in capsys.readouterr().err


def test_public_snaps_a_restricted_event_at_a_located_place() -> None:
    records = small_records()
    events = records.events.copy()
    events.loc[events["id"] == "E003", "sensitivity"] = "restricted"  # at Chunja village
    layers = build_layers(dataclasses.replace(records, events=events), None)
    exact = layers.events.set_index("id").loc["E003"].geometry
    item = features_by_id(to_geojson_bytes(public_layers(layers), public=True))["E003"]
    region = geo.get_district(item["properties"]["district_id"])
    assert item["geometry"]["coordinates"] == [
        round(region.label_lon, 6), round(region.label_lat, 6)
    ]
    assert [round(exact.x, 6), round(exact.y, 6)] != item["geometry"]["coordinates"]
    assert item["properties"]["precision"] == "region"
    assert item["properties"]["description"] is None and item["properties"]["name"] is None


# --- measures ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_measure_place_and_range_survive_a_round_trip(tmp_path: Path, fmt: str) -> None:
    layers = measure_layers()
    path = tmp_path / f"atlas.{fmt}"
    write(layers, path, fmt)
    exported = features_by_id(to_geojson_bytes(layers))
    reports = pyogrio.read_dataframe(path, layer="report" if fmt == "gpkg" else None)
    if fmt == "geojson":
        reports = reports[reports["layer"] == "report"]
    read = {str(r["id"]): r for _, r in reports.iterrows()}
    assert sorted(read) == ["R001", "R002", "R901", "R902", "R903", "R904"]
    for report_id, item in read.items():
        properties = exported[report_id]["properties"]
        for key in ("site_id", "place_id", "measure", "count", "count_max", "qualifier"):
            assert _same(properties[key], item[key]), (report_id, key, properties[key], item[key])
    assert exported["R902"]["properties"]["measure"] == "target"
    assert (exported["R902"]["properties"]["count"], exported["R902"]["properties"]["count_max"]) \
        == (1_000_000, 1_500_000)
    assert exported["R902"]["properties"]["precision"] == "region"
    assert exported["R901"]["properties"]["measure"] == "critically_ill"
    site = exported["S001"]["properties"]
    assert [(r["count"], r["measure"]) for r in site["population_reports"]] == [(5700, "inmates")]
    assert site["max_population"] == 5700


def test_public_export_keeps_measures_and_inmates_only_maxima() -> None:
    public = features_by_id(to_geojson_bytes(public_layers(measure_layers()), public=True))
    assert public["R902"]["properties"]["measure"] == "target"
    assert public["R901"]["properties"]["measure"] == "critically_ill"
    assert public["S001"]["properties"]["max_population"] == 5700
