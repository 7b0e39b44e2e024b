"""The upload in app.py (AppTest, small fixture package): report, overlay, limits, isolation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from layers.io.upload import OVERLAY_LABEL, UploadLimits, check_upload
from layers.records.load import DEFAULT_DATA_DIR
from tests.conftest import REPO, SMALL
from tests.test_upload import hostile_csv

TIMEOUT = 300
HOSTILE_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def small_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ATLAS_DATA_DIR", str(SMALL))
    monkeypatch.setenv("ATLAS_SOURCE_DIR", str(SMALL / "sources"))
    for name in ("ATLAS_FACILITIES", "ATLAS_BASEMAP", "ATLAS_PUBLIC", "ATLAS_MAX_UPLOAD_MB",
                 "ATLAS_MAX_UPLOAD_FEATURES"):
        monkeypatch.delenv(name, raising=False)
    yield


def _app() -> AppTest:
    return AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT).run()


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "text/csv"))
    return at.run()


def _script(at: AppTest) -> str:
    """Everything the map component gets: the map's script and the groups it swaps in."""
    instances = at.get("component_instance")
    assert len(instances) == 1
    args = json.loads(instances[0].proto.json_args)
    return str(args["script"]) + "\n" + str(args["feature_group"] or "")


def _snapshot(directory: Path) -> list[tuple[str, int]]:
    return sorted((str(p), p.stat().st_mtime_ns) for p in directory.rglob("*") if p.is_file())


def test_uploader_offers_the_formats_and_the_limit(small_env: None) -> None:
    at = _app()
    assert not at.exception
    uploader = at.get("file_uploader")[0]
    assert set(uploader.proto.type) >= {".csv", ".tsv", ".geojson", ".gpkg", ".kml"}
    assert uploader.proto.max_upload_size_mb == 20
    assert OVERLAY_LABEL not in _script(at)


def test_upload_shows_the_report_and_draws_an_escaped_overlay(
    small_env: None, downloads: dict[str, bytes]
) -> None:
    at = _app()
    curated = downloads["xinjiang-atlas.geojson"]
    before_script = _script(at)
    before = (_snapshot(SMALL), _snapshot(DEFAULT_DATA_DIR))
    at = _upload(at, "Hostile list.csv", hostile_csv())
    assert not at.exception
    expected = check_upload("Hostile list.csv", hostile_csv(), limits=UploadLimits(20, 50_000))
    assert expected.report.summary() in at.code[0].value
    table = at.dataframe[0].value  # the report comes before "What is shown"
    assert table.to_dict("records") == expected.problems_table().to_dict("records")
    assert "outside the atlas region" in " ".join(table["message"])
    script = _script(at)
    assert f'"{OVERLAY_LABEL}"' in script
    assert script.count("atlasData(") == 2 and '{"slot":"upload","fit":null}' in script
    assert "<img" not in script and HOSTILE_ESCAPED.replace("&", "\\u0026") in script
    assert "{{" not in script and "{\\u007b7*7}}" in script  # no Jinja in the data
    assert len(script) > len(before_script)
    # The curated download is the same bytes with or without the upload; the upload has its own.
    assert downloads["xinjiang-atlas.geojson"] == curated
    assert downloads["hostile-list-checked.csv"] == expected.csv
    assert (_snapshot(SMALL), _snapshot(DEFAULT_DATA_DIR)) == before
    at = at.get("file_uploader")[0].set_value(None).run()
    assert OVERLAY_LABEL not in _script(at)
    assert OVERLAY_LABEL not in [s.value for s in at.subheader]


def test_too_many_features_is_a_clear_message(
    small_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_MAX_UPLOAD_FEATURES", "2")
    at = _upload(_app(), "list.csv", hostile_csv())
    assert not at.exception
    assert any("could not be used" in e.value for e in at.error)
    message = at.code[0].value
    assert "'list.csv' has more than 2 rows" in message
    assert "ATLAS_MAX_UPLOAD_FEATURES" in message
    assert OVERLAY_LABEL not in _script(at)


def test_unsupported_content_is_reported_not_crashed(small_env: None) -> None:
    at = _upload(_app(), "list.gpkg", b"this is no geopackage")
    assert not at.exception
    assert "'list.gpkg'" in at.code[0].value


def test_bad_upload_setting_switches_uploads_off_only(
    small_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_MAX_UPLOAD_MB", "lots")
    at = _app()
    assert not at.exception
    assert not at.get("file_uploader")
    assert any("ATLAS_MAX_UPLOAD_MB='lots'" in c.value for c in at.code)
    assert "Shown:" in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize("name", ["list.geojson", "list.kml"])
def test_a_vrt_upload_reads_no_server_file(
    small_env: None, tmp_path: Path, name: str
) -> None:
    """The attack that read restricted rows and /etc/passwd through a GDAL virtual dataset."""
    from tests.test_gdal import SECRET, vrt

    secret = tmp_path / "secret.csv"
    secret.write_text(f"name,lon,lat\n{SECRET},87.5,47.1\n", encoding="utf-8")
    at = _app()
    for target in (str(secret), f"CSV:{secret}", "CSV:/etc/passwd"):
        at = _upload(at, name, vrt(target).encode())
        assert not at.exception
        assert any("could not be used" in e.value for e in at.error)
        assert "content is XML with root element <OGRVRTDataSource>" in at.code[0].value
        page = " ".join(
            [c.value for c in at.code] + [m.value for m in at.markdown] + [_script(at)]
        )
        assert SECRET not in page and "root:x:0:0" not in page
        assert OVERLAY_LABEL not in _script(at)  # nothing drawn; the map itself still is
        assert "atlasBase(" in _script(at)
