"""Tests of ``layers.io.gdal``: the allow-listed door to GDAL for files from outside."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyogrio
import pytest

from layers.io.gdal import (
    ALLOWED_DRIVERS,
    KMZ_MAX_ENTRIES,
    UnsafeFileError,
    extract_kmz,
    lock_down,
    plain_path,
    sniff,
)

SECRET = "SECRET-MARKER-7f3a"
KML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n'
    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Camp</name>'
    "<Point><coordinates>87.5,47.1</coordinates></Point></Placemark></Document></kml>\n"
)


def vrt(target: str) -> str:
    """A GDAL virtual dataset that reads ``target`` (a path, ``CSV:...`` or ``/vsicurl/...``)."""
    return (
        '<OGRVRTDataSource><OGRVRTLayer name="x">'
        f"<SrcDataSource>{target}</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>\n"
    )


@pytest.fixture
def secret_csv(tmp_path: Path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(f"name,lon,lat\n{SECRET},87.5,47.1\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("a.geojson", b'{"type": "FeatureCollection", "features": []}', "geojson"),
        ("a.json", b'\xef\xbb\xbf  [{"type": "Feature"}]', "geojson"),
        ("a.gpkg", b"SQLite format 3\x00" + bytes(100), "gpkg"),
        ("a.kml", KML.encode(), "kml"),
        ("a.kml", b"<kml:kml xmlns:kml='http://www.opengis.net/kml/2.2'/>", "kml"),
        ("a.kmz", b"PK\x03\x04rest", "kmz"),
    ],
)
def test_sniff_accepts_what_the_name_says(
    tmp_path: Path, name: str, content: bytes, fmt: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    sniff(path, fmt)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "content", "fmt", "looks"),
    [
        ("v.geojson", vrt("CSV:/etc/passwd").encode(), "geojson",
         "XML with root element <OGRVRTDataSource>"),
        ("v.kml", vrt("CSV:/etc/passwd").encode(), "kml",
         "XML with root element <OGRVRTDataSource>"),
        ("d.kml", b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x "y">]><kml/>', "kml", "XML"),
        ("z.geojson", b"PK\x03\x04", "geojson", "a ZIP archive"),
        ("s.kml", b"SQLite format 3\x00", "kml", "an SQLite database"),
        ("j.gpkg", b"{}", "gpkg", "JSON"),
        ("t.kmz", KML.encode(), "kmz", "XML with root element <kml>"),
        ("e.geojson", b"", "geojson", "no format"),
    ],
)
def test_sniff_refuses_a_name_and_bytes_that_disagree(
    tmp_path: Path, name: str, content: bytes, fmt: str, looks: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsafeFileError) as caught:
        sniff(path, fmt)  # type: ignore[arg-type]
    assert f"{name!r}: the name says {fmt.upper()}" in str(caught.value)
    assert looks in str(caught.value)


@pytest.mark.parametrize(
    "text",
    ["/vsicurl/http://127.0.0.1:9/x.geojson", "CSV:/etc/passwd", "GeoJSON:/etc/hosts",
     "/vsizip//tmp/x.zip/a.geojson"],
)
def test_plain_path_refuses_virtual_and_driver_paths(text: str) -> None:
    with pytest.raises(UnsafeFileError, match="virtual file system or driver"):
        plain_path(Path(text))


def test_plain_path_refuses_directories_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(UnsafeFileError, match="is not a regular file"):
        plain_path(tmp_path)
    with pytest.raises(UnsafeFileError, match="is not a regular file"):
        plain_path(tmp_path / "missing.geojson")


def test_lock_down_leaves_only_the_allowed_drivers(tmp_path: Path, secret_csv: Path) -> None:
    lock_down()
    lock_down()  # idempotent
    allowed = frozenset().union(*ALLOWED_DRIVERS.values())
    assert set(pyogrio.list_drivers()) <= allowed
    assert {"GeoJSON", "GPKG", "KML"} <= set(pyogrio.list_drivers())
    # A VRT, whatever its name, cannot be opened any more: no driver reads it.
    for name in ("x.vrt", "x.geojson", "x.kml"):
        path = tmp_path / name
        path.write_text(vrt(str(secret_csv)), encoding="utf-8")
        with pytest.raises(pyogrio.errors.DataSourceError) as caught:
            pyogrio.read_dataframe(path)
        assert SECRET not in str(caught.value)
    # Neither can a driver prefix or a remote path.
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_dataframe(f"CSV:{secret_csv}")
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_info("/vsicurl/http://127.0.0.1:9/x.geojson")


def test_lock_down_keeps_what_the_atlas_writes_and_reads(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    lock_down()
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(87.5, 47.1)], crs="EPSG:4326")
    for suffix, driver in ((".gpkg", "GPKG"), (".kml", "KML"), (".geojson", "GeoJSON")):
        path = tmp_path / f"out{suffix}"
        pyogrio.write_dataframe(frame, path, driver=driver)
        assert len(pyogrio.read_dataframe(path)) == 1


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_extract_kmz_takes_doc_kml(tmp_path: Path) -> None:
    kmz = _zip(tmp_path / "a.kmz", {"files/icon.png": b"\x89PNG", "doc.kml": KML.encode()})
    out = tmp_path / "out"
    out.mkdir()
    assert extract_kmz(kmz, out, max_bytes=2**20).read_text() == KML


def test_extract_kmz_refuses_a_bomb_while_streaming(tmp_path: Path) -> None:
    big = KML.replace("<name>Camp</name>", "<name>" + "A" * (5 * 2**20) + "</name>")
    kmz = _zip(tmp_path / "bomb.kmz", {"doc.kml": big.encode()})
    assert kmz.stat().st_size < 50_000  # small on disk, 5 MiB inside
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UnsafeFileError, match=r"'doc.kml' unzips to more than 1.0 MiB"):
        extract_kmz(kmz, out, max_bytes=2**20)
    assert (out / "doc.kml").stat().st_size <= 2**20 + 2**16  # stopped, not written whole


def test_extract_kmz_refuses_too_many_entries_and_no_kml(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    many = {f"f{i}.txt": b"x" for i in range(KMZ_MAX_ENTRIES)} | {"doc.kml": KML.encode()}
    with pytest.raises(UnsafeFileError, match=f"over the limit of {KMZ_MAX_ENTRIES}"):
        extract_kmz(_zip(tmp_path / "many.kmz", many), out, max_bytes=2**20)
    with pytest.raises(UnsafeFileError, match=r"holds no \.kml file"):
        extract_kmz(_zip(tmp_path / "none.kmz", {"a.txt": b"x"}), out, max_bytes=2**20)
    broken = tmp_path / "broken.kmz"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UnsafeFileError, match="not a readable KMZ"):
        extract_kmz(broken, out, max_bytes=2**20)
