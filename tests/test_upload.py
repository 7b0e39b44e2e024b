"""layers.io.upload: an uploaded file checked by the importer, kept apart from the curated data."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point

from layers.io import importer
from layers.io import upload as upload_module
from layers.io.importer import import_file
from layers.io.upload import (
    OVERLAY_COLOUR,
    OVERLAY_LABEL,
    OVERLAY_REF_PREFIX,
    Upload,
    UploadError,
    UploadLimits,
    available_mappings,
    check_upload,
    overlay_payload,
    safe_name,
    upload_details_html,
    upload_limits,
    upload_payload,
)
from layers.records.load import DEFAULT_DATA_DIR
from layers.settings import SETTINGS, BadParameterError
from tests._small import HOSTILE

ROOT = Path(__file__).resolve().parent.parent
IMPORTS = ROOT / "tests" / "fixtures" / "imports"
LIMITS = UploadLimits(max_mb=20, max_features=50_000)


def hostile_csv() -> bytes:
    rows = [
        "name,lon,lat,facility_type",
        f'"{HOSTILE}",87.49,47.11,camp',
        "Plain camp,80.1,41.2,{{7*7}}",
        "Nowhere,12.0,13.0,camp",  # outside the region: rejected
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def hostile() -> Upload:
    return check_upload("Hostile list.csv", hostile_csv(), limits=LIMITS)


# --- names and limits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("camps_2020-09.csv", "camps_2020-09.csv"),
        ("../../data/people.CSV", "people.csv"),
        ("C:\\Users\\x\\Liste der Lager.TSV", "liste-der-lager.tsv"),
        ("новый.geojson", "upload.geojson"),
        ("a.b.kml", "a-b.kml"),
    ],
)
def test_safe_name(name: str, expected: str) -> None:
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", ["evil.exe", "noext", "x.kmz", "x.shp", "x.csv.zip"])
def test_safe_name_refuses_other_types_naming_them(name: str) -> None:
    with pytest.raises(UploadError) as caught:
        safe_name(name)
    assert repr(name) in str(caught.value)
    assert caught.value.file == name


def test_upload_limits_default_and_from_the_environment() -> None:
    assert upload_limits({}) == UploadLimits(max_mb=20, max_features=50_000)
    limits = upload_limits({"ATLAS_MAX_UPLOAD_MB": "5", "ATLAS_MAX_UPLOAD_FEATURES": "10"})
    assert (limits.max_mb, limits.max_features, limits.max_bytes) == (5, 10, 5 * 2**20)
    assert "5 MB" in limits.describe() and "10 rows" in limits.describe()


@pytest.mark.parametrize("value", ["0", "-3", "lots", "2.5"])
def test_bad_upload_limit_names_setting_and_value(value: str) -> None:
    with pytest.raises(BadParameterError) as caught:
        upload_limits({"ATLAS_MAX_UPLOAD_FEATURES": value})
    assert f"ATLAS_MAX_UPLOAD_FEATURES={value!r}" in str(caught.value)


def test_streamlit_upload_limit_matches_the_setting() -> None:
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    match = re.search(r"^maxUploadSize\s*=\s*(\d+)", config, flags=re.MULTILINE)
    assert match, "no [server] maxUploadSize in .streamlit/config.toml"
    default = next(s.default for s in SETTINGS if s.name == "ATLAS_MAX_UPLOAD_MB")
    assert match.group(1) == default


def test_too_large_file_is_refused_before_reading() -> None:
    with pytest.raises(UploadError) as caught:
        check_upload("big.csv", b"x" * (2**20 + 1), limits=UploadLimits(1, 10))
    message = str(caught.value)
    assert "'big.csv'" in message and "1.0 MB" in message and "ATLAS_MAX_UPLOAD_MB" in message


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("many.csv", b"name,lon,lat\n" + b"a,80,41\n" * 6),
        ("many.geojson", json.dumps({
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"name": str(i)},
                 "geometry": {"type": "Point", "coordinates": [80, 41]}}
                for i in range(6)
            ],
        }).encode()),
    ],
)
def test_too_many_features_names_the_setting(name: str, data: bytes) -> None:
    with pytest.raises(UploadError) as caught:
        check_upload(name, data, limits=UploadLimits(1, 5))
    message = str(caught.value)
    assert repr(name) in message and "ATLAS_MAX_UPLOAD_FEATURES" in message
    assert "--max-rows" not in message and "/tmp" not in message


def test_unreadable_file_is_an_upload_error_naming_the_file() -> None:
    with pytest.raises(UploadError) as caught:
        check_upload("broken.gpkg", b"not a geopackage", limits=LIMITS)
    assert "'broken.gpkg'" in str(caught.value)
    assert "atlas-upload-" not in str(caught.value)


# --- same checks as the importer ------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture",
    ["good.csv", "swapped.csv", "outside.csv", "subcompounds.tsv", "formula.csv",
     "self_intersecting.geojson", "facilities.gpkg", "google_earth.kml", "latin1.csv"],
)
def test_report_is_the_importers_check(fixture: str, tmp_path: Path) -> None:
    path = IMPORTS / fixture
    upload = check_upload(fixture, path.read_bytes(), limits=LIMITS)
    check = import_file(path, check=True, data_dir=tmp_path / "data")
    assert upload.report.summary() == check.summary()
    assert upload.report.problems == check.problems
    kept = upload.report.accepted + upload.report.flagged
    assert len(upload.frame) == kept
    assert upload.csv.decode("utf-8").count("\n") >= kept + 1
    assert upload.problems_table()["status"].tolist() == [p.status for p in check.problems]


def test_importer_options_pass_through() -> None:
    data = (IMPORTS / "swapped.csv").read_bytes()
    plain = check_upload("swapped.csv", data, limits=LIMITS)
    fixed = check_upload("swapped.csv", data, limits=LIMITS, fix_swapped=True)
    assert plain.report.rejected > fixed.report.rejected
    assert any("swapped" in p.message for p in fixed.report.problems if p.status == "flagged")


def test_mapping_is_used() -> None:
    mappings = available_mappings()
    assert set(mappings) == {"buzzfeed_2020.yaml", "buzzfeed_2021.yaml"}  # not people's
    data = (IMPORTS / "buzzfeed_2020_mini.csv").read_bytes()
    upload = check_upload("mini.csv", data, limits=LIMITS, mapping=mappings["buzzfeed_2020.yaml"])
    assert upload.report.source_id == "buzzfeed-2020"
    assert set(upload.frame["facility_id"].str.split("-").str[0]) == {"buzzfeed"}


def test_polygons_keep_their_shape() -> None:
    upload = check_upload("wkt.csv", (IMPORTS / "wkt.csv").read_bytes(), limits=LIMITS)
    kinds = set(upload.frame.geometry.geom_type)
    assert "Polygon" in kinds or "MultiPolygon" in kinds


def test_nothing_is_written_under_data_and_the_temporary_files_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sorted(
        (str(p), p.stat().st_mtime_ns) for p in DEFAULT_DATA_DIR.rglob("*") if p.is_file()
    )
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    upload = check_upload("good.csv", (IMPORTS / "good.csv").read_bytes(), limits=LIMITS)
    assert upload.report.accepted > 0
    after = sorted(
        (str(p), p.stat().st_mtime_ns) for p in DEFAULT_DATA_DIR.rglob("*") if p.is_file()
    )
    assert after == before
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    "fixture",
    ["good.csv", "swapped.csv", "formula.csv", "wkt.csv", "self_intersecting.geojson",
     "facilities.gpkg", "google_earth.kml", "latin1.csv"],
)
def test_csv_is_the_importers_and_the_frame_its_text(fixture: str, tmp_path: Path) -> None:
    path = IMPORTS / fixture
    upload = check_upload(fixture, path.read_bytes(), limits=LIMITS)
    report = import_file(path, data_dir=tmp_path / "data")
    written = next(p for p in report.written if p.name == "facilities.csv")
    assert upload.csv == written.read_bytes()
    reader = csv.DictReader(io.StringIO(upload.csv.decode("utf-8"), newline=""))
    text = pd.DataFrame(list(reader), columns=list(reader.fieldnames or []), dtype=object)
    frame = pd.DataFrame(upload.frame.drop(columns=upload.frame.geometry.name))
    pd.testing.assert_frame_equal(frame, text)


def test_the_check_alone_runs_with_no_data_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the uploaded file is ever written, in a private folder: no data directory."""

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the upload must not run the importer's writer")

    for module in (importer, upload_module):
        monkeypatch.setattr(module, "import_file", never, raising=False)
        monkeypatch.setattr(module, "write_import", never, raising=False)
    contents: dict[str, list[str]] = {}

    class Recorded(tempfile.TemporaryDirectory[str]):  # the real class, patched in below
        def cleanup(self) -> None:
            root = Path(self.name)
            contents[root.name] = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
            super().cleanup()

    monkeypatch.setattr(tempfile, "TemporaryDirectory", Recorded)
    upload = check_upload("Good List.csv", (IMPORTS / "good.csv").read_bytes(), limits=LIMITS)
    assert upload.report.accepted > 0 and upload.report.written == ()
    ((name, files),) = contents.items()
    assert name.startswith("atlas-upload-")
    assert files == ["good-list.csv"]


def test_a_temporary_directory_inside_data_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "tmp").mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(data_dir / "tmp"))
    with pytest.raises(UploadError) as caught:
        check_upload("good.csv", (IMPORTS / "good.csv").read_bytes(), limits=LIMITS,
                     data_dir=data_dir)
    assert "inside the data directory" in str(caught.value)
    assert list((data_dir / "tmp").iterdir()) == []


# --- the overlay ----------------------------------------------------------------------------


def base_payload() -> dict[str, object]:
    return {
        "s": ["", "Sites", "S1", "&lt;b&gt;"],
        "layers": [["site", 1, "#b2182b", "pin"]],
        "r": [[0, 2, 1, 0, 0, 0, [], [], 2]],
        "p": [[41.0, 80.0, 0]],
        "l": [],
        "o": [],
        "bounds": [[34, 46], [56, 96]],
        "attribution": 0,
    }


def test_overlay_is_one_more_layer_and_leaves_the_input_alone(hostile: Upload) -> None:
    payload = base_payload()
    original = copy.deepcopy(payload)
    out = overlay_payload(payload, hostile)
    assert payload == original
    assert out["layers"][:1] == original["layers"]
    key, label, colour, symbol = out["layers"][1]
    assert (key, out["s"][label], colour, symbol) == ("upload", OVERLAY_LABEL, OVERLAY_COLOUR,
                                                      "pin")
    assert out["s"][: len(original["s"])] == original["s"]
    new = out["r"][1:]
    assert len(new) == len(hostile.frame) == 2
    assert all(record[0] == 1 for record in new)
    assert [p[2] for p in out["p"][1:]] == [1, 2]
    assert out["l"] == [] and out["bounds"] == original["bounds"]
    refs = [out["s"][record[8]] for record in new]
    assert all(ref.startswith(OVERLAY_REF_PREFIX) for ref in refs)


def test_overlay_strings_are_escaped(hostile: Upload) -> None:
    out = overlay_payload(base_payload(), hostile)
    text = json.dumps(out, ensure_ascii=False)
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    titles = [out["s"][record[1]] for record in out["r"][1:]]
    assert titles[0].startswith("&lt;img")


def test_overlay_point_of_a_polygon_is_inside_it() -> None:
    upload = check_upload("wkt.csv", (IMPORTS / "wkt.csv").read_bytes(), limits=LIMITS)
    out = overlay_payload(base_payload(), upload)
    for (lat, lon, record), geometry in zip(out["p"][1:], upload.frame.geometry, strict=True):
        assert out["r"][record][0] == 1
        assert geometry.buffer(1e-4).contains(Point(lon, lat))


def test_the_uploads_map_payload_is_made_once_and_stands_alone(hostile: Upload) -> None:
    payload = hostile.payload
    assert hostile.payload is payload  # kept with the upload: a rerun does not make it again
    assert payload == upload_payload(hostile)
    assert [row[0] for row in payload["layers"]] == ["upload"] and len(payload["p"]) == 2


def test_details_of_an_overlay_feature(hostile: Upload) -> None:
    ref = OVERLAY_REF_PREFIX + str(hostile.frame["facility_id"].iloc[0])
    html = upload_details_html(hostile, ref)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img" not in html
    assert OVERLAY_LABEL in html and "not checked" in html
    assert upload_details_html(hostile, "S001") == ""
    assert upload_details_html(hostile, OVERLAY_REF_PREFIX + "nope") == ""


def test_rejected_rows_are_reported_not_drawn(hostile: Upload) -> None:
    assert (hostile.report.read, hostile.report.rejected) == (3, 1)
    table = hostile.problems_table()
    rejected = table[table["status"] == "rejected"]
    assert rejected["row"].tolist() == [4]
    assert "outside the atlas region" in rejected["message"].iloc[0]
    assert "Nowhere" not in set(hostile.frame["name"])


def test_overlay_refuses_a_payload_without_records(hostile: Upload) -> None:
    compact = {k: v for k, v in base_payload().items() if k not in {"r", "p"}}
    with pytest.raises(UploadError) as caught:
        overlay_payload({**compact, "mode": "compact", "f": {}}, hostile)
    assert "'hostile-list.csv'" in str(caught.value) and "narrow the filters" in str(caught.value)


def test_an_attribute_only_geopackage_upload_is_read(tmp_path: Path) -> None:
    import pandas as pd
    import pyogrio

    path = tmp_path / "table.gpkg"
    table = pd.DataFrame({"name": ["Camp A"], "lat": [47.1], "lon": [87.5]})
    pyogrio.write_dataframe(table, path, layer="camps", driver="GPKG")
    upload = check_upload("table.gpkg", path.read_bytes(), limits=UploadLimits(20, 50_000))
    assert upload.report.read == 1 and upload.report.rejected == 0
    assert upload.frame.geometry.iloc[0].x == pytest.approx(87.5)


def test_an_unexpected_reader_failure_is_a_message_without_server_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(path: Path, **_: object) -> object:
        raise AttributeError(f"'DataFrame' object has no attribute 'crs' at {path}")

    monkeypatch.setattr(upload_module, "check_file", broken)
    with pytest.raises(UploadError) as caught:
        check_upload("list.csv", b"id,name\n1,a\n", limits=UploadLimits(20, 50_000))
    message = str(caught.value)
    assert message.startswith("'list.csv' could not be read (AttributeError: ")
    assert "atlas-upload-" not in message and "/tmp" not in message
