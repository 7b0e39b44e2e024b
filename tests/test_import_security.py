"""Attacks on ``python -m layers import`` (and so on the app's upload), each once a real defect.

A file from outside must not make the importer read another file or a URL, exhaust memory or
time, leave debris in ``data/``, race another import, change text silently, or end in a
traceback. Hostile files are built here, in ``tmp_path``, next to a secret file whose marker
must never come back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest

from layers.__main__ import main
from layers.io import importer
from layers.io import importread as _importread
from layers.io import importrows as _importrows
from layers.io.importer import FileImportError, import_file
from tests.test_gdal import KML, SECRET, vrt
from tests.test_importer import IMPORTS, ROOT, fake_district_at, fake_geocode, lines


@pytest.fixture(autouse=True)
def _fake_districts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_importrows, "_district_lookup", lambda: fake_district_at)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data directory with the curated schema."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "datapackage.json").write_bytes((ROOT / "data" / "datapackage.json").read_bytes())
    return data


@pytest.fixture
def secret_csv(tmp_path: Path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(f"name,lon,lat\n{SECRET},87.5,47.1\n", encoding="utf-8")
    return path


# --- 1. the file read: a VRT under another name, remote and virtual paths -------------------


@pytest.mark.parametrize("suffix", [".geojson", ".json", ".kml"])
@pytest.mark.parametrize("target", ["{secret}", "CSV:{secret}", "/vsicurl/http://127.0.0.1:9/x"])
def test_a_vrt_disguised_as_a_vector_file_is_refused(
    data_dir: Path, tmp_path: Path, secret_csv: Path, suffix: str, target: str
) -> None:
    hostile = tmp_path / f"list{suffix}"
    hostile.write_text(vrt(target.format(secret=secret_csv)), encoding="utf-8")
    with pytest.raises(FileImportError) as caught:
        import_file(hostile, data_dir=data_dir)
    message = str(caught.value)
    assert "content is XML with root element <OGRVRTDataSource>" in message
    assert SECRET not in message
    assert sorted(p.name for p in data_dir.iterdir()) == ["datapackage.json"]  # nothing written


def test_gdal_refuses_the_vrt_even_past_the_sniff(
    data_dir: Path, tmp_path: Path, secret_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defence in depth: with the name check gone, GDAL itself has no driver for a VRT."""
    monkeypatch.setattr(_importread, "sniff", lambda path, fmt: None)
    hostile = tmp_path / "list.geojson"
    hostile.write_text(vrt(f"CSV:{secret_csv}"), encoding="utf-8")
    with pytest.raises(FileImportError) as caught:
        import_file(hostile, data_dir=data_dir, check=True)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "path", ["/vsicurl/http://127.0.0.1:9/x.geojson", "CSV:/etc/passwd", "/etc/passwd"]
)
def test_the_command_line_refuses_remote_virtual_and_unknown_paths(
    data_dir: Path, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["import", path, "--check", "--data", str(data_dir)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: ") and "Traceback" not in err
    assert "root:" not in err


# --- 4. an attribute-only GeoPackage ---------------------------------------------------------


def test_an_attribute_only_geopackage_is_read_by_its_columns(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "table.gpkg"
    table = pd.DataFrame({"name": ["Camp A", "Camp B"], "lat": [47.1, 43.9], "lon": [87.5, 81.3]})
    pyogrio.write_dataframe(table, path, layer="camps", driver="GPKG")
    report = import_file(path, data_dir=data_dir, check=True, geocoder=fake_geocode)
    assert (report.read, report.accepted + report.flagged, report.rejected) == (2, 2, 0)
    assert "table.gpkg:0:camps: note: layer 'camps' has no geometry" in "\n".join(lines(report))


# --- 5. a KMZ that unzips to far more than its size ------------------------------------------


def _kmz(path: Path, kml: str) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", kml.encode("utf-8"))
    return path


def test_a_kmz_bomb_is_stopped_at_the_size_limit(data_dir: Path, tmp_path: Path) -> None:
    bomb = _kmz(tmp_path / "bomb.kmz", KML.replace("Camp", "A" * (8 * 2**20)))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(FileImportError, match=r"unzips to more than 1.0 MiB, over the limit"):
        import_file(bomb, data_dir=data_dir, check=True, max_bytes=2**20)


def test_a_kmz_reads_like_its_kml(data_dir: Path, tmp_path: Path) -> None:
    kml = (IMPORTS / "google_earth.kml").read_text(encoding="utf-8")
    kmz = _kmz(tmp_path / "google_earth.kmz", kml)
    from_kmz = import_file(kmz, data_dir=data_dir, check=True, geocoder=fake_geocode)
    from_kml = import_file(
        IMPORTS / "google_earth.kml", data_dir=data_dir, check=True, geocoder=fake_geocode
    )
    assert [str(p).replace(".kmz", ".kml") for p in from_kmz.problems] == lines(from_kml)
    assert from_kmz.read == from_kml.read == 3


# --- 6. costs: geocoding budget and time budget ----------------------------------------------


def test_geocoding_is_once_per_name_and_capped(data_dir: Path, tmp_path: Path) -> None:
    calls: list[str] = []

    def counting(name: str, **_: Any) -> Any:
        calls.append(name)
        return fake_geocode(name)

    rows = ["id,name,town,lat,lon"]
    rows += [f"{i},camp {i},Fuhai,," for i in range(1, 51)]  # one name, 50 rows
    rows += [f"{i},camp {i},Place{i},," for i in range(51, 61)]  # ten more names
    path = tmp_path / "names.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = import_file(
        path, data_dir=data_dir, check=True, geocoder=counting, max_geocode=5
    )
    assert calls.count("Fuhai") == 1
    assert len(calls) == 5  # the cap: Fuhai and four more, no further look-up
    capped = [p for p in report.problems if "distinct places without coordinates" in p.message]
    assert len(capped) == 6 and all(p.status == "rejected" for p in capped)
    assert "more than 5 distinct places" in capped[0].message


def test_an_import_over_its_time_budget_stops_and_writes_nothing(
    data_dir: Path, tmp_path: Path
) -> None:
    def slow(name: str, **_: Any) -> Any:
        time.sleep(0.05)
        return fake_geocode("Fuhai")

    path = tmp_path / "slow.csv"
    rows = [f"{i},camp {i},Town{i},," for i in range(1, 41)]
    path.write_text("id,name,town,lat,lon\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(FileImportError, match="ran over its time budget at row"):
        import_file(path, data_dir=data_dir, geocoder=slow, max_seconds=0.5)
    assert not (data_dir / "imports").exists()


# --- 7. messages, not tracebacks -------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "ten"])
def test_bad_limits_are_refused_by_name(
    data_dir: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["import", str(IMPORTS / "good.csv"), "--max-size", value, "--data", str(data_dir)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"--max-size must be a finite number above 0, not {value!r}" in err
    assert "Traceback" not in err


def test_a_wrong_encoding_is_a_message(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["import", str(IMPORTS / "good.csv"), "--check", "--encoding", "utf-16",
         "--data", str(data_dir)]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert "error: 'good.csv' cannot be read as 'utf-16'" in err


def test_imports_existing_as_a_file_is_a_message(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data_dir / "imports").write_text("not a folder", encoding="utf-8")
    status = main(["import", str(IMPORTS / "good.csv"), "--data", str(data_dir)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: cannot write the import under ") and "Traceback" not in err
    assert (data_dir / "imports").read_text(encoding="utf-8") == "not a folder"


# --- 8. a SIGKILL'd import leaves nothing that git or the next import keeps ------------------

_KILL_BEFORE_COMMIT = """
import os, signal, sys
from layers.io import importer
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
importer._commit = die
importer.import_file(sys.argv[1], data_dir=sys.argv[2])
"""


def test_a_killed_import_is_swept_by_the_next(data_dir: Path) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", _KILL_BEFORE_COMMIT, str(IMPORTS / "good.csv"), str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL
    (stale,) = [p for p in data_dir.iterdir() if p.name.startswith(".import-")]
    assert any(stale.rglob("facilities.csv"))  # what SIGKILL leaves: a staged import
    # The repository ignores staging folders and the lock, so they cannot be committed.
    for name in (f"data/{stale.name}/good/facilities.csv", "data/.import.lock"):
        ignored = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", name], cwd=ROOT, check=False
        )
        assert ignored.returncode == 0, name
    report = import_file(IMPORTS / "good.csv", data_dir=data_dir, geocoder=fake_geocode)
    assert not stale.exists()
    assert f"removed {stale.name!r}" in "\n".join(lines(report))
    assert report.accepted == 2


# --- 9. two imports with one source id -------------------------------------------------------


def test_concurrent_imports_of_one_source_id_do_not_overwrite(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = importer._write_facilities

    def slow_write(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.4)  # widen the window between the check and the commit
        real_write(*args, **kwargs)

    monkeypatch.setattr(importer, "_write_facilities", slow_write)
    start = threading.Barrier(2)
    results: list[object] = []

    def run(name: str) -> None:
        start.wait()
        try:
            results.append(
                import_file(IMPORTS / name, data_dir=data_dir, source_id="same",
                            geocoder=fake_geocode)
            )
        except FileImportError as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("good.csv", "formula.csv")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    errors = [r for r in results if isinstance(r, FileImportError)]
    assert len(results) == 2 and len(errors) == 1
    assert "source id 'same' was imported before" in str(errors[0])
    provenance = json.loads((data_dir / "imports" / "same" / "provenance.json").read_text())
    winner = next(r for r in results if not isinstance(r, FileImportError))
    assert provenance["file"] == winner.file  # type: ignore[attr-defined]


# --- 10. GeoJSON: nothing dropped or cut silently --------------------------------------------


def test_geojson_members_that_are_not_features_and_nul_bytes_are_rejected_by_row(
    data_dir: Path, tmp_path: Path
) -> None:
    def feature(name: str, lon: float) -> dict[str, Any]:
        point = {"type": "Point", "coordinates": [lon, 47.1]}
        return {"type": "Feature", "properties": {"name": name}, "geometry": point}

    members: list[Any] = [
        feature("A\u0000hidden", 87.1),
        {"type": "Point", "coordinates": [81, 41]},
        "junk",
        feature("Camp C", 87.3),
        {"properties": {"name": "no type"}, "geometry": None},
    ]
    path = tmp_path / "odd.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": members}))
    report = import_file(path, data_dir=data_dir, check=True, geocoder=fake_geocode)
    got = lines(report)
    assert report.read == 5 and report.rejected == 4
    text = "\n".join(got)
    assert "odd.geojson:1:name: rejected: contains a NUL character (U+0000)" in text
    assert "odd.geojson:2:-: rejected: member 2 of 'features' is 'Point', not a Feature" in text
    assert any(line.startswith("odd.geojson:3:-: rejected: member 3") for line in got)
    assert any(line.startswith("odd.geojson:5:-: rejected: member 5") for line in got)
    assert not any(line.startswith("odd.geojson:4:") and "rejected" in line for line in got)


# --- 11. encodings: a few Latin-1 bytes --------------------------------------------------------


def test_a_few_latin1_bytes_read_as_windows_1252_with_the_rows_named(
    data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "west.csv"
    path.write_bytes(
        b"id,name,note,lat,lon\n1,Camp,50\xb0N,47.1,87.5\n2,Camp 2,\xa7 3,47.2,87.6\n"
        b"3,Camp 3,plain,47.3,87.7\n"
    )
    report = import_file(path, data_dir=data_dir, check=True, geocoder=fake_geocode)
    assert report.encoding == "cp1252 (detected)"
    flagged = sorted({p.row for p in report.problems if p.status == "flagged"})
    assert flagged == [2, 3]  # the rows whose text the guess decided; row 4 is plain ASCII
    assert "'50°N' was decoded as cp1252 (a guess)" in "\n".join(lines(report))


def test_no_staging_folder_is_left_after_failures(data_dir: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "list.kml"
    hostile.write_text(vrt("/etc/passwd"), encoding="utf-8")
    with pytest.raises(FileImportError):
        import_file(hostile, data_dir=data_dir)
    assert [p for p in data_dir.iterdir() if p.name.startswith(".import-")] == []
    assert not os.path.exists(data_dir / "imports")
