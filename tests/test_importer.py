"""Tests of ``layers.io.importer`` (and its helpers ``_encoding``, ``_mapping``, ``_csvsafe``).

Each defective fixture (tests/fixtures/imports/, written by make_import_fixtures.py) must give
its own message, every row must be counted, and nothing may be written by a check or by a
failed import.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import frictionless
import pytest

from geo._errors import PlaceNotFound
from layers.__main__ import main
from layers.io import importer
from layers.io import importrows as _importrows
from layers.io.csvsafe import cell_text, csv_bytes, safe_cell, unguard_cell, write_csv
from layers.io.encoding import EncodingError, detect_encoding
from layers.io.importer import (
    REGION,
    CheckedImport,
    FileImportError,
    ImportReport,
    check_file,
    facility_csv,
    import_file,
    write_import,
)
from layers.io.mapping import Mapping, MappingError, facility_schema, load_mapping, resolve_columns
from tests.fixtures import make_import_fixtures as fixtures

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = fixtures.HERE
PACKAGES = ROOT / "tests" / "fixtures" / "packages"
BUZZFEED = ROOT / "data" / "external" / "buzzfeed_2021"  # the same bytes as ../shared
CAMPS_2020 = BUZZFEED / "camps_2020-09.csv"


@dataclass(frozen=True)
class FakePlace:
    name: str
    lon: float
    lat: float
    precision: str
    stage: str = "alias"
    score: float = 100.0


_PLACES = {
    "Fuhai": FakePlace("Fuhai County", 87.49, 47.11, "county"),
    "Shufu": FakePlace("Shufu County", 75.86, 39.37, "county"),
    "Fuhia": FakePlace("Fuhai County", 87.49, 47.11, "county", "fuzzy", 80.0),
    "Ankara": FakePlace("Ankara", 32.85, 39.93, "settlement"),
}


def fake_geocode(name: str, *, country: str | None = None) -> FakePlace:
    """Stand-in for geo.geocode with four places (one fuzzy, one outside the region)."""
    try:
        return _PLACES[name]
    except KeyError:
        msg = f"No place matches {name!r} (closest: 'Fuhai', score 20)"
        raise PlaceNotFound(msg, query=name, candidates=[("Fuhai", 20.0)]) from None


_REAL_DISTRICT_LOOKUP = _importrows._district_lookup


def fake_district_at(lons: Any, lats: Any) -> list[str | None]:
    """Stand-in for geo.district_at: a district west of 96E, none east of it."""
    return ["CN-650000" if lon < 96 else None for lon in lons]


@pytest.fixture(autouse=True)
def _fake_districts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the tests independent of the district polygons (tested in geo's own tests)."""
    monkeypatch.setattr(_importrows, "_district_lookup", lambda: fake_district_at)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data directory with the curated schema."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(ROOT / "data" / "datapackage.json", data / "datapackage.json")
    return data


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def check(name: str, data: Path, **kwargs: Any) -> ImportReport:
    kwargs.setdefault("geocoder", fake_geocode)
    return import_file(IMPORTS / name, data_dir=data, check=True, **kwargs)


def lines(report: ImportReport) -> list[str]:
    return [str(p) for p in report.problems]


def assert_counts_add_up(report: ImportReport) -> None:
    assert report.accepted + report.flagged + report.rejected == report.read
    rejected_rows = {p.row for p in report.problems if p.status == "rejected"}
    flagged_rows = {p.row for p in report.problems if p.status == "flagged"}
    assert len(rejected_rows) == report.rejected
    assert len(flagged_rows) == report.flagged


# --- fixtures ---------------------------------------------------------------------------------


def test_fixtures_are_up_to_date(tmp_path: Path) -> None:
    fresh = fixtures.build(tmp_path)
    assert sorted(p.name for p in fresh) == sorted(p.name for p in IMPORTS.iterdir())
    for path in fresh:
        assert path.read_bytes() == (IMPORTS / path.name).read_bytes(), path.name


# --- one message per defect -------------------------------------------------------------------

# (fixture, options, expected report lines (substrings, in any order), (read, acc, flag, rej))
DEFECTS: list[tuple[str, dict[str, Any], list[str], tuple[int, int, int, int]]] = [
    ("good.csv", {}, [], (2, 2, 0, 0)),
    (
        "swapped.csv",
        {},
        [
            "swapped.csv:3:lon: rejected: likely swapped latitude/longitude "
            "(lon '39.3591944444444', lat '75.8638888888889')",
            "swapped.csv:4:lon: rejected: likely swapped latitude/longitude "
            "(lon '42.82', lat '93.51')",
        ],
        (3, 1, 0, 2),
    ),
    (
        "swapped.csv",
        {"fix_swapped": True},
        [
            "swapped.csv:3:lon: flagged: likely swapped (lon '39.3591944444444', "
            "lat '75.8638888888889'); swapped to lon 75.8638888888889",
            "swapped.csv:4:lon: flagged: likely swapped (lon '42.82', lat '93.51')",
        ],
        (3, 1, 2, 0),
    ),
    (
        "outside.csv",
        {},
        [
            "outside.csv:2:lon: rejected: (lon 80.0, lat -5.0) is outside the atlas region",
            "outside.csv:3:lon: rejected: (lon 0.0, lat 0.0) is outside the atlas region",
            "outside.csv:4:lon: rejected: (lon 116.4, lat 39.9) is outside the atlas region",
            "outside.csv:5:lat: rejected: latitude '91.5' is outside [-90, 90]",
        ],
        (4, 0, 0, 4),
    ),
    # A guessed encoding is noted for the file and flagged on every row whose text it decided.
    (
        "cp437.csv",
        {},
        [
            "cp437.csv:0:-: note: not UTF-8; read as cp437",
            "cp437.csv:3:Town: flagged: 'Köktokay' was decoded as cp437 (a guess)",
        ],
        (3, 1, 2, 0),
    ),
    (
        "latin1.csv",
        {},
        [
            "latin1.csv:0:-: note: not UTF-8; read as cp1252",
            "latin1.csv:2:name: flagged: 'Ürümqi - I' was decoded as cp1252 (a guess)",
        ],
        (2, 0, 2, 0),
    ),
    (
        "cp437.csv",
        {"encoding": "utf-8"},
        [
            "cp437.csv:2:name: rejected: undecodable byte(s) 0x9a, 0x81 in column 'Name'",
            "cp437.csv:3:name: rejected: undecodable byte(s) 0x94 in column 'Name'",
        ],
        (3, 1, 0, 2),
    ),
    (
        "undecodable.csv",
        {},
        ["undecodable.csv:3:name: rejected: undecodable byte(s) 0xff in column 'name'"],
        (3, 2, 0, 1),
    ),
    (
        "missing_coords.csv",
        {},
        [
            "missing_coords.csv:2:lon: flagged: no coordinates (lon '#N/A', lat '#N/A'); "
            "geocoded town 'Fuhai' -> 'Fuhai County' (county precision, alias match)",
            "missing_coords.csv:3:lon: flagged: no coordinates (lon 'N/A', lat 'N/A'); "
            "geocoded town 'Fuhai'",
            "missing_coords.csv:4:town: rejected: no coordinates (lon 'NaN', lat 'NaN') and "
            "'Qzxqzxville' was not found: No place matches 'Qzxqzxville'",
            "missing_coords.csv:5:lon: rejected: no coordinates (lon '', lat '') and no place "
            "name to geocode",
            "missing_coords.csv:6:lon: rejected: lon is missing ('') while lat is given",
        ],
        (6, 1, 2, 3),
    ),
    (
        "subcompounds.tsv",
        {},
        ["subcompounds.tsv:5:id: rejected: duplicate id '106' with id_sub 'B' (first on row 3)"],
        (4, 3, 0, 1),
    ),
    (
        "duplicate_ids.csv",
        {},
        [
            "duplicate_ids.csv:3:id: rejected: duplicate id '106' (first on row 2); "
            "sub-compounds need an id_sub column"
        ],
        (2, 1, 0, 1),
    ),
    (
        "self_intersecting.geojson",
        {},
        [
            "self_intersecting.geojson:2:geometry: rejected: invalid Polygon: "
            "Self-intersection[77.355 37.915]; use --repair-geometry"
        ],
        (3, 2, 0, 1),
    ),
    (
        "self_intersecting.geojson",
        {"repair_geometry": True},
        [
            "self_intersecting.geojson:2:geometry: flagged: invalid Polygon "
            "(Self-intersection[77.355 37.915]) repaired to MultiPolygon"
        ],
        (3, 2, 1, 0),
    ),
    (
        "wkt.csv",
        {},
        [
            "wkt.csv:3:geometry: rejected: invalid Polygon: Self-intersection",
            "wkt.csv:4:wkt: rejected: 'POLYGON ((75.86' is not WKT",
        ],
        (3, 1, 0, 2),
    ),
    (
        "google_earth.kml",
        {},
        [
            "google_earth.kml:0:-: note: KML display columns ignored",
            "google_earth.kml:0:id: note: no ids in the file",
            "google_earth.kml:3:lon: rejected: likely swapped latitude/longitude",
        ],
        (3, 2, 0, 1),
    ),
    (
        "facilities.gpkg",
        {},
        ["facilities.gpkg:0:geometry: note: layer 'facilities' is in 'EPSG:32643'; converted"],
        (2, 2, 0, 0),
    ),
    (
        "formula.csv",
        {},
        [
            'formula.csv:2:name: flagged: \'=HYPERLINK("http://example.invalid","x")\' starts '
            "like a spreadsheet formula",
            "formula.csv:3:name: flagged: '@SUM(A1)' starts like a spreadsheet formula",
        ],
        (2, 0, 2, 0),
    ),
    (
        "ragged.csv",
        {},
        [
            "ragged.csv:3:-: rejected: the row has 5 cells but the header has 4",
            "ragged.csv:4:-: rejected: the row has 3 cells but the header has 4",
        ],
        (3, 1, 0, 2),
    ),
    (
        "blank_rows.tsv",
        {},
        ["blank_rows.tsv:2:-: rejected: empty row", "blank_rows.tsv:3:-: rejected: empty row"],
        (3, 1, 0, 2),
    ),
    (
        "unknown_columns.csv",
        {},
        [
            "unknown_columns.csv:0:Links 2: note: column 'Links 2' matches no facilities field",
            "unknown_columns.csv:0:Secret column: note: column 'Secret column' matches no",
            "unknown_columns.csv:0:-: note: empty columns ignored: ['empty']",
        ],
        (1, 1, 0, 0),
    ),
    (
        "buzzfeed_2020_mini.csv",
        {},
        [
            "buzzfeed_2020_mini.csv:3:corroboration: flagged: 'Satellite – strong' contains "
            "EN DASH (U+2013) (looks like '-')",
            "buzzfeed_2020_mini.csv:4:name: flagged: name is empty",
        ],
        (3, 1, 2, 0),
    ),
]


@pytest.mark.parametrize(
    ("name", "options", "expected", "counts"),
    DEFECTS,
    ids=[f"{d[0]}{'-' + '-'.join(d[1]) if d[1] else ''}" for d in DEFECTS],
)
def test_defect_gives_its_message(
    data_dir: Path,
    name: str,
    options: dict[str, Any],
    expected: list[str],
    counts: tuple[int, int, int, int],
) -> None:
    report = check(name, data_dir, **options)
    got = lines(report)
    for fragment in expected:
        assert any(line.startswith(fragment) for line in got), (fragment, got)
    assert (report.read, report.accepted, report.flagged, report.rejected) == counts, got
    assert_counts_add_up(report)
    # Every rejected or flagged row appears in the report; no other rows are mentioned.
    if not expected:
        assert not [p for p in report.problems if p.status != "note"], got


def test_real_geocoder_and_districts(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped gazetteer and district polygons, end to end (no fakes)."""
    monkeypatch.setattr(_importrows, "_district_lookup", _REAL_DISTRICT_LOOKUP)
    report = check("missing_coords.csv", data_dir, geocoder=None)
    got = lines(report)
    # A bare county name gives its seat town of the same name (geo: seat towns, the county as
    # runner-up), so the facility is placed at the town, not the county's label point.
    assert (
        "missing_coords.csv:2:lon: flagged: no coordinates (lon '#N/A', lat '#N/A'); geocoded "
        "town 'Fuhai' -> 'Fuhai' (settlement precision, exact match)"
    ) in got
    assert any(
        line.startswith("missing_coords.csv:4:town: rejected: no coordinates") for line in got
    )
    assert not [line for line in got if "district" in line], got
    path = data_dir.parent / "east.csv"
    path.write_text("id,name,lat,lon\n1,Ulaanbaatar-ish,47.9,96.8\n2,Bishkek,42.87,74.59\n")
    report = import_file(path, data_dir=data_dir, check=True)
    assert [
        p.message.endswith("is in no Xinjiang county or Kazakhstan region") for p in report.problems
    ] == [True, True]


def test_missing_coordinates_fuzzy_or_outside_geocode_is_rejected(data_dir: Path) -> None:
    csv_path = data_dir.parent / "fuzzy.csv"
    csv_path.write_text("id,name,town,lat,lon\n1,a,Fuhia,#N/A,#N/A\n2,b,Ankara,,\n")
    report = import_file(csv_path, data_dir=data_dir, check=True, geocoder=fake_geocode)
    got = lines(report)
    assert got[0].startswith(
        "fuzzy.csv:2:town: rejected: no coordinates (lon '#N/A', lat '#N/A') and 'Fuhia' only "
        "matches 'Fuhai County' fuzzily (score 80.0)"
    )
    assert "'Ankara' geocodes to 'Ankara' (32.85, 39.93), outside the atlas region" in got[1]
    assert report.rejected == 2


def test_missing_geocoder_rejects_with_reason(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_importrows, "_geocoder", lambda: None)
    report = check("missing_coords.csv", data_dir, geocoder=None)
    (problem,) = [p for p in report.problems if p.row == 2]
    assert str(problem).startswith(
        "missing_coords.csv:2:lon: rejected: no coordinates (lon '#N/A', lat '#N/A') and the "
        "geocoder is not available"
    )


def test_point_in_no_district_is_flagged(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "east.csv"
    path.write_text("id,name,lat,lon\n1,West,39.36,75.86\n2,East,42.0,96.5\n")
    report = import_file(path, data_dir=data_dir, source_id="east")
    assert lines(report) == [
        "east.csv:3:lon: flagged: (lon 96.5, lat 42.0) is in no Xinjiang county or Kazakhstan "
        "region"
    ]
    with (data_dir / "imports" / "east" / "facilities.csv").open() as handle:
        notes = [row["note"] for row in csv.DictReader(handle)]
    assert notes == ["", "(lon 96.5, lat 42.0) is in no Xinjiang county or Kazakhstan region"]


def test_district_check_unavailable_is_noted(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_importrows, "_district_lookup", lambda: None)
    report = check("good.csv", data_dir)
    assert lines(report) == [
        "good.csv:0:lon: note: district check skipped: geo.district_at is not available"
    ]


# --- decoding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding", "expected"),
    [
        ("cp437.csv", "cp437", "Ürümqi - I"),
        ("latin1.csv", "cp1252", "Ürümqi - I"),
        ("good.csv", "utf-8", "Shufu - I"),
    ],
)
def test_non_utf8_files_are_read_right(
    data_dir: Path, name: str, encoding: str, expected: str
) -> None:
    report = import_file(IMPORTS / name, data_dir=data_dir, source_id="t")
    assert report.encoding is not None and report.encoding.startswith(encoding)
    with (data_dir / "imports" / "t" / "facilities.csv").open(encoding="utf-8") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    assert names[0] == expected


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("id,name,town\n1,Лагерь номер один,Кульджа\n2,Тюрьма,Урумчи\n", "cp1251"),
        ("id,name,town\n1,Лагерь номер один,Кульджа\n2,Тюрьма,Урумчи\n", "koi8_r"),
        ("id,name,town\n1,福海县拘留所,福海县\n2,乌鲁木齐监狱,乌鲁木齐\n", "gb18030"),
        ("id,name\n1,Ürümqi – camp\n", "cp1252"),
    ],
)
def test_detect_encoding_table(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode(encoding))
    guess = detect_encoding(path)
    assert path.read_bytes().decode(guess.encoding) == text


def test_detect_encoding_bom_and_given(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfid\n1\n")
    assert detect_encoding(path).encoding == "utf-8-sig"
    assert detect_encoding(path, given="latin-1").method == "given"
    with pytest.raises(EncodingError, match="unknown encoding 'klingon'"):
        detect_encoding(path, given="klingon")


def test_bom_is_not_part_of_the_first_column(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffid,name,lat,lon\n1,A,39.36,75.86\n".encode())
    report = import_file(path, data_dir=data_dir, check=True)
    assert report.accepted == 1
    assert not [p for p in report.problems if "column" in p.message]


# --- mappings ---------------------------------------------------------------------------------


def test_buzzfeed_2020_real_file_check_counts_every_row(data_dir: Path) -> None:
    """The first BuzzFeed release through the generic importer: nothing dropped silently."""
    with CAMPS_2020.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    report = import_file(CAMPS_2020, data_dir=data_dir, check=True, geocoder=fake_geocode)
    assert report.read == len(rows) == 443
    assert_counts_add_up(report)
    assert report.written == ()
    assert not (data_dir / "imports").exists()
    dashes = [p for p in report.problems if p.field == "corroboration"]
    assert len(dashes) == sum("–" in row["status"] for row in rows) > 0
    assert all("EN DASH (U+2013)" in p.message for p in dashes)
    empty = [p for p in report.problems if p.message == "name is empty"]
    assert len(empty) == sum(not row["name_id"].strip() for row in rows) > 0


def test_buzzfeed_2020_mapping_normalises_the_dash(data_dir: Path) -> None:
    mapping = ROOT / "mappings" / "buzzfeed_2020.yaml"
    report = import_file(CAMPS_2020, mapping=mapping, data_dir=data_dir, geocoder=fake_geocode)
    assert report.source_id == "buzzfeed-2020"
    notes = [str(p) for p in report.problems if p.status == "note"]
    assert (
        "camps_2020-09.csv:0:corroboration: note: 'Satellite – strong' mapped to "
        "'Satellite - strong' by the mapping (121 rows)" in notes
    )
    assert not [p for p in report.problems if p.field == "corroboration" and p.row]
    table = data_dir / "imports" / "buzzfeed-2020" / "facilities.csv"
    with table.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == report.accepted + report.flagged
    assert not any("–" in row["corroboration"] for row in written)
    provenance = json.loads((table.parent / "provenance.json").read_text())
    assert provenance["mapping"]["file"] == "buzzfeed_2020.yaml"
    assert provenance["mapping"]["attribution"].startswith("BuzzFeed News")


def test_buzzfeed_2021_mapping(data_dir: Path) -> None:
    tsv = BUZZFEED / "all_locations_2021-07-20.tsv"
    mapping = ROOT / "mappings" / "buzzfeed_2021.yaml"
    report = import_file(tsv, mapping=mapping, data_dir=data_dir, check=True)
    assert_counts_add_up(report)
    assert report.read == 554  # 551 facilities + 3 empty rows, each reported
    assert sum(p.message == "empty row" for p in report.problems) == 3
    assert not [p for p in report.problems if "matches no facilities field" in p.message]


def test_example_mapping_loads() -> None:
    mapping = load_mapping(ROOT / "mappings" / "example_appeals.yaml")
    assert mapping.kind == "people"
    assert mapping.values["sensitivity"]["yes"] == "public"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("kind: camps\n", "unknown kind 'camps'"),
        ("kind: facilities\ncolumnz: {}\n", "unknown key(s) ['columnz']"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("columns: [lat, lon]\n", "'columns' must be a mapping"),
        ("values: {status: oops}\n", "'values.status' must be a mapping"),
        ("encoding: 437\n", "'encoding' must be text, not 437"),
        ("columns: {lat: [a]}\n", "columns.lat must map a name to a text value"),
        ("kind: [\n", "cannot read the mapping"),
    ],
)
def test_bad_mapping_names_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    assert fragment in str(info.value)
    assert "bad.yaml" in str(info.value)


@pytest.mark.parametrize(
    ("mapping", "fragment"),
    [
        (Mapping(columns={"latitude": "lat"}), "columns.latitude: no field 'latitude'"),
        (Mapping(columns={"lat": "Breite"}), "the mapping's column 'Breite' (for 'lat')"),
        (Mapping(constants={"colour": "red"}), "constants.colour: no field 'colour'"),
        (Mapping(values={"colour": {"a": "b"}}), "values.colour: no field 'colour'"),
    ],
)
def test_mapping_against_header_fails_the_import(
    data_dir: Path, mapping: Mapping, fragment: str
) -> None:
    with pytest.raises(FileImportError) as info:
        import_file(IMPORTS / "good.csv", mapping=mapping, data_dir=data_dir, check=True)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Latitude", "LONGITUDE", "Name"], {"lat": "Latitude", "lon": "LONGITUDE"}),
        (["y", "x"], {"lat": "y", "lon": "x"}),
        (["lng", "lat"], {"lat": "lat", "lon": "lng"}),
        (["long", "lat", "Facility Type"], {"lon": "long", "facility_type": "Facility Type"}),
        (["ETNAM ", "ASPI 2020 #"], {"etnam": "ETNAM ", "aspi_no": "ASPI 2020 #"}),
    ],
)
def test_recognised_column_names(header: list[str], expected: dict[str, str]) -> None:
    fields = ["name", "lon", "lat", "facility_type", "etnam", "aspi_no"]
    resolved = resolve_columns(Mapping(), fields, header, file="f.csv")
    for field, column in expected.items():
        assert resolved.columns[field] == column


def test_mapping_constants_and_kind_mismatch(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("kind: facilities\nconstants: {facility_type: camp}\n")
    report = import_file(IMPORTS / "good.csv", mapping=path, data_dir=data_dir, source_id="m")
    with (data_dir / "imports" / "m" / "facilities.csv").open(encoding="utf-8") as handle:
        types = [row["facility_type"] for row in csv.DictReader(handle)]
    assert types == ["camp", "detention center"]  # the file's own value wins
    assert report.accepted == 2
    with pytest.raises(FileImportError, match="--kind 'people' but the mapping"):
        import_file(IMPORTS / "good.csv", mapping=path, kind="people", data_dir=data_dir)


def test_facility_schema_bounds_are_the_region() -> None:
    fields = {f["name"]: f for f in facility_schema()["fields"]}
    west, south, east, north = REGION
    assert fields["lon"]["constraints"] == {"required": True, "minimum": west, "maximum": east}
    assert fields["lat"]["constraints"] == {"required": True, "minimum": south, "maximum": north}


# --- writing, provenance, all-or-nothing ------------------------------------------------------


def test_import_writes_valid_package_with_provenance(data_dir: Path) -> None:
    source = IMPORTS / "subcompounds.tsv"
    report = import_file(source, data_dir=data_dir, source_id="bf-test")
    target = data_dir / "imports" / "bf-test"
    assert {p.name for p in report.written} == {
        "facilities.csv",
        "datapackage.json",
        "provenance.json",
    }
    validation = frictionless.Package(str(target / "datapackage.json")).validate()
    assert validation.valid, validation.flatten(["rowNumber", "fieldName", "message"])
    with (target / "facilities.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["facility_id"] for r in rows] == ["bf-test-106-A", "bf-test-106-B", "bf-test-108"]
    assert [r["source_row"] for r in rows] == ["2", "3", "4"]
    provenance = json.loads((target / "provenance.json").read_text())
    assert provenance["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert provenance["file"] == "subcompounds.tsv"
    assert provenance["counts"] == {"read": 4, "accepted": 3, "flagged": 0, "rejected": 1}
    assert provenance["problems"][0]["row"] == 5
    assert provenance["imported_at"].endswith("+00:00")
    # The curated package is untouched.
    assert sorted(p.name for p in data_dir.iterdir()) == [
        ".import.lock", "datapackage.json", "imports"
    ]


def test_polygon_is_kept_as_wkt_with_an_inside_point(data_dir: Path) -> None:
    import_file(IMPORTS / "self_intersecting.geojson", data_dir=data_dir, repair_geometry=True)
    with (data_dir / "imports" / "self-intersecting" / "facilities.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["wkt"].startswith("POLYGON ((75.86 39.35")
    assert 75.86 < float(rows[0]["lon"]) < 75.87 and 39.35 < float(rows[0]["lat"]) < 39.36
    assert rows[1]["wkt"].startswith("MULTIPOLYGON")
    assert "repaired to MultiPolygon" in rows[1]["note"]
    assert rows[2]["wkt"] == ""


def test_geopackage_is_reprojected(data_dir: Path) -> None:
    import_file(IMPORTS / "facilities.gpkg", data_dir=data_dir)
    with (data_dir / "imports" / "facilities" / "facilities.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    lon, lat = fixtures.SHUFU
    assert float(rows[0]["lon"]) == pytest.approx(lon, abs=1e-6)
    assert float(rows[0]["lat"]) == pytest.approx(lat, abs=1e-6)
    assert rows[0]["facility_id"] == "facilities-1"


def test_formula_cells_are_guarded_in_the_written_csv(data_dir: Path) -> None:
    import_file(IMPORTS / "formula.csv", data_dir=data_dir)
    text = (data_dir / "imports" / "formula" / "facilities.csv").read_text()
    assert "'=HYPERLINK(" in text
    assert ",'@SUM(A1)," in text
    assert ",=" not in text and ",@" not in text


def test_check_changes_nothing(data_dir: Path) -> None:
    before = snapshot(data_dir.parent)
    report = import_file(IMPORTS / "good.csv", data_dir=data_dir, check=True)
    assert report.accepted == 2
    assert snapshot(data_dir.parent) == before


def test_reimport_needs_replace(data_dir: Path) -> None:
    import_file(IMPORTS / "good.csv", data_dir=data_dir)
    with pytest.raises(FileImportError, match="source id 'good' was imported before"):
        import_file(IMPORTS / "good.csv", data_dir=data_dir)
    report = import_file(IMPORTS / "formula.csv", data_dir=data_dir, source_id="good", replace=True)
    assert report.flagged == 2
    text = (data_dir / "imports" / "good" / "facilities.csv").read_text()
    assert "HYPERLINK" in text
    assert "Yecheng - I" not in text  # the earlier import was replaced, not merged


def test_failure_half_way_leaves_data_as_it_was(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(IMPORTS / "good.csv", data_dir=data_dir)
    before = snapshot(data_dir.parent)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(importer, "_frictionless_rejections", explode)
    with pytest.raises(RuntimeError, match="injected"):
        import_file(IMPORTS / "subcompounds.tsv", data_dir=data_dir, source_id="good", replace=True)
    assert snapshot(data_dir.parent) == before
    assert [p.name for p in data_dir.iterdir() if p.name.startswith(".import-")] == []


def test_failure_while_moving_into_place_restores_the_old_import(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(IMPORTS / "good.csv", data_dir=data_dir)
    before = snapshot(data_dir.parent)
    real_replace = importer.os.replace
    calls = []

    def flaky_replace(src: Path, dst: Path) -> None:
        calls.append((src, dst))
        if len(calls) == 2:  # the old import is moved aside; moving the new one in fails
            raise OSError("injected failure in os.replace")
        real_replace(src, dst)

    monkeypatch.setattr(importer.os, "replace", flaky_replace)
    with pytest.raises(FileImportError, match="injected"):  # a message, not a traceback
        import_file(IMPORTS / "formula.csv", data_dir=data_dir, source_id="good", replace=True)
    monkeypatch.setattr(importer.os, "replace", real_replace)
    assert snapshot(data_dir.parent) == before


# --- limits -----------------------------------------------------------------------------------


def test_file_size_limit(data_dir: Path, tmp_path: Path) -> None:
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:  # sparse: 101 MiB on paper, nothing on disk
        handle.write(b"id,name,lat,lon\n")
        handle.truncate(101 * 2**20)
    with pytest.raises(FileImportError) as info:
        import_file(big, data_dir=data_dir, check=True)
    # MB here are 2**20 bytes, on both sides of the comparison (the flag is in the same unit).
    assert str(info.value) == (
        "'huge.csv' is 101.0 MB, over the limit of 100.0 MB (--max-size; 1 MB = 2**20 bytes)"
    )
    with pytest.raises(FileImportError, match=r"'good.csv' is 0.0 MB, over the limit"):
        import_file(IMPORTS / "good.csv", data_dir=data_dir, check=True, max_bytes=10)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("good.csv", "'good.csv' has more than 1 rows (limit --max-rows 1)"),
        ("facilities.gpkg", "'facilities.gpkg' has 2 features, over the limit of 1"),
        ("google_earth.kml", "'google_earth.kml' has 3 features, over the limit of 1"),
    ],
)
def test_row_limit(data_dir: Path, name: str, fragment: str) -> None:
    with pytest.raises(FileImportError) as info:
        import_file(IMPORTS / name, data_dir=data_dir, check=True, max_rows=1)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("x.xlsx", b"PK", "unsupported file type '.xlsx'"),
        ("empty.csv", b"", "'empty.csv' is empty (no header line)"),
        ("broken.geojson", b"{not json", "'broken.geojson' is not valid UTF-8 JSON"),
        ("broken.gpkg", b"SQLite format 3\x00broken", "'broken.gpkg': GDAL cannot read it"),
    ],
)
def test_unreadable_files(
    data_dir: Path, tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileImportError) as info:
        import_file(path, data_dir=data_dir, check=True)
    assert fragment in str(info.value)


def test_bad_arguments(data_dir: Path) -> None:
    with pytest.raises(FileImportError, match="unknown kind 'camps'"):
        import_file(IMPORTS / "good.csv", kind="camps", data_dir=data_dir)
    with pytest.raises(FileImportError, match=r"source id 'Bad Id' must match"):
        import_file(IMPORTS / "good.csv", source_id="Bad Id", data_dir=data_dir)
    with pytest.raises(FileImportError, match="is not a file"):
        import_file(IMPORTS / "nope.csv", data_dir=data_dir)


# --- curated kinds (validated by layers.records.validate on a copy) ------------------------


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the validator's good fixture package."""
    target = tmp_path / "package"
    shutil.copytree(PACKAGES / "good", target)
    return target


def _validator() -> Any:
    from layers.records.validate import validate_package
    from tests.test_validate import fake_geocode as validator_geocode

    return partial(validate_package, geocoder=validator_geocode)


def test_people_rows_are_checked_by_the_validator(package: Path) -> None:
    before = (package / "people.csv").read_bytes()
    report = import_file(
        IMPORTS / "people.csv",
        kind="people",
        data_dir=package,
        source_dir=PACKAGES / "sources",
        validator=_validator(),
    )
    got = lines(report)
    assert "people.csv:2:id: flagged: no id given; assigned 'P003'" in got
    assert any(
        line.startswith("people.csv:3:quote: rejected: 'These words are not in the text' is not")
        for line in got
    ), got
    assert any(
        line.startswith("people.csv:4:role: rejected: 'prisoner' is not one of") for line in got
    )
    assert (report.read, report.accepted, report.flagged, report.rejected) == (3, 0, 1, 2)
    after = (package / "people.csv").read_bytes()
    assert after.startswith(before)
    assert after[len(before) :].decode() == (
        "P003,The Author,,,,,,,,author,,,public,fx-source,The author met her in Almaty in 2019.,\n"
    )
    assert _validator()(package, PACKAGES / "sources") == []
    provenance = next((package / "imports").glob("people-*/provenance.json"))
    assert json.loads(provenance.read_text())["kind"] == "people"
    with pytest.raises(FileImportError, match=r"was already imported into people\.csv"):
        import_file(IMPORTS / "people.csv", kind="people", data_dir=package)


def test_example_appeals_mapping_on_a_curated_table(package: Path) -> None:
    mapping = load_mapping(ROOT / "mappings" / "example_appeals.yaml")
    mapping = dataclasses.replace(mapping, constants={"source_id": "fx-source"})
    report = import_file(
        IMPORTS / "appeals.csv",
        mapping=mapping,
        data_dir=package,
        source_dir=PACKAGES / "sources",
        validator=_validator(),
    )
    assert "appeals.csv:0:sensitivity: note: 'yes' mapped to 'public' by the mapping (1 rows)" in (
        lines(report)
    )
    assert (report.accepted, report.flagged, report.rejected) == (0, 1, 0)
    last = (package / "people.csv").read_text().splitlines()[-1]
    assert (
        last
        == "P003,The Author,,,,,,,,author,,,public,fx-source,The author met her in Almaty in 2019.,"
    )


def test_people_check_writes_nothing(package: Path) -> None:
    before = snapshot(package)
    report = import_file(
        IMPORTS / "people.csv",
        kind="people",
        data_dir=package,
        source_dir=PACKAGES / "sources",
        validator=_validator(),
        check=True,
    )
    assert report.read == 3
    assert snapshot(package) == before


# --- check, then write -------------------------------------------------------------------------


def tree(directory: Path) -> dict[str, bytes | None]:
    """Every path under ``directory`` (folders too, as None) with its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes() if p.is_file() else None
        for p in sorted(directory.rglob("*"))
    }


def comparable(report: ImportReport, data: Path) -> ImportReport:
    """The report with its written paths relative to ``data`` (two runs, two folders)."""
    return dataclasses.replace(report, written=tuple(p.relative_to(data) for p in report.written))


def written_files(data: Path) -> dict[str, bytes]:
    """What an import wrote under ``data``, provenance.json's ``imported_at`` aside."""
    files = snapshot(data)
    for name, content in files.items():
        if name.endswith("provenance.json"):
            provenance = json.loads(content)
            provenance["imported_at"] = "-"
            files[name] = json.dumps(provenance).encode()
    return files


@pytest.fixture
def temporary_folders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every temporary folder and file made through :mod:`tempfile`."""
    made: list[str] = []
    real_mkdtemp, real_mkstemp = tempfile.mkdtemp, tempfile.mkstemp

    def mkdtemp(*args: Any, **kwargs: Any) -> str:
        made.append(real_mkdtemp(*args, **kwargs))
        return made[-1]

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        handle, name = real_mkstemp(*args, **kwargs)
        made.append(name)
        return handle, name

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    return made


@pytest.mark.parametrize(
    "name",
    ["good.csv", "swapped.csv", "subcompounds.tsv", "self_intersecting.geojson",
     "facilities.gpkg", "google_earth.kml", "latin1.csv", "formula.csv"],
)
def test_check_file_writes_nothing_anywhere(
    data_dir: Path, name: str, temporary_folders: list[str]
) -> None:
    import_file(IMPORTS / "good.csv", data_dir=data_dir, source_id="earlier")
    before = tree(data_dir)
    temporary_folders.clear()
    checked = check_file(IMPORTS / name, data_dir=data_dir, geocoder=fake_geocode)
    assert tree(data_dir) == before  # no lock, no staging folder, no import
    assert temporary_folders == []  # the schema check is made in memory
    assert checked.report().written == ()
    assert checked.counts["read"] == len(checked.outcomes)
    assert len(checked.records) == checked.counts["accepted"] + checked.counts["flagged"]


def test_check_file_of_a_curated_kind_writes_nothing(package: Path) -> None:
    before = tree(package)
    checked = check_file(IMPORTS / "people.csv", kind="people", data_dir=package)
    assert tree(package) == before
    assert (checked.kind, checked.counts["read"]) == ("people", 3)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("good.csv", {}),
        ("swapped.csv", {"fix_swapped": True}),
        ("subcompounds.tsv", {"source_id": "bf"}),
        ("self_intersecting.geojson", {"repair_geometry": True}),
        ("google_earth.kml", {}),
        ("formula.csv", {}),
        ("buzzfeed_2020_mini.csv", {"mapping": ROOT / "mappings" / "buzzfeed_2020.yaml"}),
    ],
)
def test_write_import_of_a_check_is_import_file(
    tmp_path: Path, name: str, options: dict[str, Any]
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for data in (one, two):
        data.mkdir()
        shutil.copyfile(ROOT / "data" / "datapackage.json", data / "datapackage.json")
    expected = import_file(IMPORTS / name, data_dir=one, geocoder=fake_geocode, **options)
    checked = check_file(IMPORTS / name, data_dir=two, geocoder=fake_geocode, **options)
    assert checked.report() == import_file(
        IMPORTS / name, data_dir=two, geocoder=fake_geocode, check=True, **options
    )
    got = write_import(checked, two)
    assert comparable(got, two) == comparable(expected, one)
    assert written_files(two) == written_files(one)
    written = next(p for p in got.written if p.name == "facilities.csv")
    assert written.read_bytes() == facility_csv(checked.records)


def test_write_import_of_a_curated_check_is_import_file(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for data in (one, two):
        shutil.copytree(PACKAGES / "good", data)
    common: dict[str, Any] = {"kind": "people", "source_dir": PACKAGES / "sources"}
    expected = import_file(IMPORTS / "people.csv", data_dir=one, validator=_validator(), **common)
    checked = check_file(IMPORTS / "people.csv", kind="people", data_dir=two)
    before = checked.report()
    got = write_import(
        checked, two, source_dir=PACKAGES / "sources", validator=_validator()
    )
    assert comparable(got, two) == comparable(expected, one)
    assert written_files(two) == written_files(one)
    assert checked.report() == before  # the writer worked on a copy (ids, validator rejections)
    assert got.rejected == 2 and before.rejected == 0  # the package check is the writer's


def test_write_import_checks_again_under_the_lock(data_dir: Path) -> None:
    checked = check_file(IMPORTS / "good.csv", data_dir=data_dir, geocoder=fake_geocode)
    import_file(IMPORTS / "formula.csv", data_dir=data_dir, source_id="good")  # meanwhile
    before = tree(data_dir)
    with pytest.raises(FileImportError, match="source id 'good' was imported before"):
        write_import(checked, data_dir)
    assert tree(data_dir) == before
    report = write_import(checked, data_dir, replace=True)
    assert report.accepted == 2
    text = (data_dir / "imports" / "good" / "facilities.csv").read_text(encoding="utf-8")
    assert "Yecheng - I" in text and "HYPERLINK" not in text


def test_checked_import_is_a_check(data_dir: Path) -> None:
    checked = check_file(IMPORTS / "swapped.csv", data_dir=data_dir, geocoder=fake_geocode)
    assert isinstance(checked, CheckedImport)
    assert checked.file == "swapped.csv" and checked.source_id == "swapped"
    assert checked.problems == checked.report().problems
    assert checked.provenance["file"] == "swapped.csv"
    assert "counts" not in checked.provenance  # the writer adds counts and problems


# --- command line -----------------------------------------------------------------------------


def test_cli_check(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["import", str(IMPORTS / "swapped.csv"), "--check", "--data", str(data_dir)])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    assert out[0].startswith("swapped.csv:3:lon: rejected: likely swapped latitude/longitude")
    assert "swapped.csv: read 3, accepted 1, flagged 0, rejected 2" in out
    assert out[-1] == "swapped.csv: check only; nothing written"
    assert not (data_dir / "imports").exists()


def test_cli_import_and_failure(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["import", str(IMPORTS / "good.csv"), "--data", str(data_dir)])
    out = capsys.readouterr().out
    assert status == 0
    assert "good.csv: read 2, accepted 2, flagged 0, rejected 0" in out
    assert f"wrote {data_dir / 'imports' / 'good' / 'facilities.csv'}" in out
    status = main(
        ["import", str(IMPORTS / "good.csv"), "--data", str(data_dir), "--max-size", "0.00001"]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: 'good.csv' is 0.0 MB, over the limit")


# --- _csvsafe ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3.5", "-3.5"),
        ("+7", "+7"),
        ("-1e-5", "-1e-5"),
        ("Shufu - I", "Shufu - I"),
        ("", ""),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected
    if isinstance(value, str):
        assert unguard_cell(str(safe_cell(value))) == value


def test_write_csv_guards_and_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert write_csv(path, [{"a": "=x", "b": None}, {"a": -1.5}], ["a", "b"]) == 2
    assert path.read_text() == "a,b\n'=x,\n-1.5,\n"
    with pytest.raises(ValueError, match=r"row 1 of '.*out.csv' has unknown columns \['c'\]"):
        write_csv(path, [{"c": 1}], ["a"])


def test_csv_bytes_are_write_csv_byte_for_byte(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"a": "=x", "b": None},
        {"a": -1.5, "b": 3},
        {"a": "two\nlines", "b": 'a "quote", and a comma'},
        {"a": 0.1 + 0.2},
    ]
    path = tmp_path / "out.csv"
    write_csv(path, rows, ["a", "b"])
    assert csv_bytes(rows, ["a", "b"]) == path.read_bytes()
    with pytest.raises(ValueError, match=r"^row 1 has unknown columns \['c'\]"):
        csv_bytes([{"c": 1}], ["a"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), (87.5, "87.5"), (0.1 + 0.2, "0.30000000000000004"), (3, "3"), ("=1", "'=1")],
)
def test_cell_text_is_what_the_csv_holds(value: object, expected: str) -> None:
    assert cell_text(value) == expected
    rows = list(csv.reader(csv_bytes([{"a": value}], ["a"]).decode().splitlines()))
    assert rows[1:] == [[expected]]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_appended_rows_keep_quotes_verbatim_and_line_endings(tmp_path: Path, newline: str) -> None:
    src, dst = tmp_path / "people.csv", tmp_path / "out.csv"
    src.write_bytes(f"id,name,quote{newline}P001,A,said".encode())  # no final newline
    first = importer._append_rows(
        src, dst, ["id", "name", "quote"], [{"id": "P002", "name": "=x", "quote": "- I was"}]
    )
    assert first == 3
    assert dst.read_bytes().decode() == (
        f"id,name,quote{newline}P001,A,said{newline}P002,'=x,- I was{newline}"
    )


def test_check_does_not_create_the_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "nowhere"
    with pytest.raises(FileImportError, match=r"nowhere/datapackage\.json"):
        import_file(IMPORTS / "people.csv", kind="people", data_dir=data, check=True)
    report = import_file(IMPORTS / "good.csv", data_dir=data, check=True)
    assert report.accepted == 2
    assert not data.exists()


@pytest.mark.parametrize("delimiter", ["tab", "\\t", "\t"])
def test_delimiter_names(data_dir: Path, delimiter: str) -> None:
    report = check("subcompounds.tsv", data_dir, delimiter=delimiter)
    assert report.read == 4


def test_bad_delimiter(data_dir: Path) -> None:
    with pytest.raises(FileImportError, match="delimiter 'tabs' must be one character"):
        check("good.csv", data_dir, delimiter="tabs")


def test_undecodable_byte_in_header(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_bytes(
        "id,näme,lat,lon,T\xffwn\n1,Ä,39.36,75.86,x\n".encode("utf-8", "surrogateescape").replace(
            b"\xc3\xbf", b"\xff"
        )
    )
    report = import_file(path, data_dir=data_dir, check=True)
    got = lines(report)
    assert (
        "header.csv:1:T\\xffwn: note: undecodable byte(s) 0xff in header cell 5; "
        "read as 'T\\\\xffwn'"
    ) in got
    assert report.read == report.flagged == 1  # written; only its empty name is flagged


@pytest.mark.parametrize("source_id", ["previous", "package", "people"])
def test_source_ids_that_look_like_staging_names(data_dir: Path, source_id: str) -> None:
    import_file(IMPORTS / "good.csv", data_dir=data_dir, source_id=source_id)
    report = import_file(IMPORTS / "good.csv", data_dir=data_dir, source_id=source_id, replace=True)
    assert report.accepted == 2
    assert sorted(p.name for p in (data_dir / "imports").iterdir()) == [source_id]


def test_row_limit_when_the_driver_cannot_count(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyogrio

    monkeypatch.setattr(
        pyogrio, "read_info", lambda *a, **k: {"features": -1, "driver": "GeoJSON"}
    )
    with pytest.raises(FileImportError) as info:
        check("self_intersecting.geojson", data_dir, max_rows=2)
    assert str(info.value) == (
        "'self_intersecting.geojson' has more than 2 features (limit --max-rows 2)"
    )


def test_control_characters_and_decimal_commas(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("id;name;lat;lon\n1;A;39,36;75,86\n2;B\x00x;39.1;75.2\n3;C\x96;39.1;75.2\n")
    report = import_file(path, data_dir=data_dir, check=True)
    assert lines(report) == [
        "odd.csv:2:lon: rejected: longitude '75,86' is not a number (a decimal comma? write the "
        "number with a point)",
        "odd.csv:3:name: rejected: 'B\\x00x' contains control character(s) U+0000",
        "odd.csv:4:name: rejected: 'C\\x96' contains control character(s) U+0096",
    ]


def test_a_mapped_prefecture_is_the_geocoders_within_hint(data_dir: Path, tmp_path: Path) -> None:
    """Issue 14: a list's prefecture column settles a name several units share."""
    import geo
    from layers.io.importer import check_file

    path = tmp_path / "shared_names.csv"
    path.write_text(
        "id,name,town,prefecture,lat,lon\n"
        "1,Camp A,Yengisheher,Kashgar,,\n"
        "2,Camp B,Yengisheher,,,\n"
        "3,Camp C,Urumqi,Kashgar,,\n",
        encoding="utf-8",
    )
    checked = check_file(path, data_dir=data_dir, mapping=Mapping(within=("prefecture",)))
    first, second, _ = checked.records
    # A place found only outside its row's unit is kept, and flagged as such.
    assert [str(p) for p in checked.problems if p.row == 4 and p.field == "town"] == [
        "shared_names.csv:4:town: flagged: 'Urumqi' names no place inside 'Kashgar'; "
        "geocoded to 'Urumqi' outside it"
    ]
    hinted = geo.geocode("Yengisheher", within="Kashgar")
    bare = geo.geocode("Yengisheher")
    # Inside Kashgar Prefecture: Yengisheher County; the bare name: the Urumqi district.
    assert hinted.district.id == "CN-653122" and bare.district.id == "CN-650104"
    assert (first["lon"], first["lat"]) == (float(hinted.lon), float(hinted.lat))
    assert (second["lon"], second["lat"]) == (float(bare.lon), float(bare.lat))
    assert load_mapping(ROOT / "mappings" / "buzzfeed_2021.yaml").within == ("prefecture",)
