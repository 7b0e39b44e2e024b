"""Property-based tests of ``layers.io.importer``: generated rows and GeoJSON features.

Whatever a row holds, it is either written (and then valid: finite coordinates inside the atlas
region, a valid geometry, a unique id) or rejected with a report line naming its row; the
counts always add up to the rows read.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import frictionless
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.io import importrows as _importrows
from layers.io.importer import REGION, ImportReport, import_file
from tests.test_importer import ROOT, fake_district_at, fake_geocode

WEST, SOUTH, EAST, NORTH = REGION
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # rejected by the importer
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_lon = st.floats(min_value=WEST, max_value=EAST, allow_nan=False)
_lat = st.floats(min_value=SOUTH, max_value=NORTH, allow_nan=False)
_any_float = st.floats(allow_nan=True, allow_infinity=True)
_missing = st.sampled_from(["", "#N/A", "N/A", "NaN", "nan", "null", "-"])
_garbage = st.text(alphabet="0123456789.,-eE abc°'\"NSEW", max_size=8)
_coordinate_text = st.one_of(
    _lon.map(repr), _lat.map(repr), _any_float.map(repr), _missing, _garbage
)
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"),
    max_size=20,
)
_cell = st.one_of(_text, st.sampled_from(["=1+1", "@x", "-y", "Satellite – strong", "Fuhai"]))


@pytest.fixture(autouse=True, scope="module")
def _fake_districts() -> Iterator[None]:
    """Keep the properties independent of the district polygons."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_importrows, "_district_lookup", lambda: fake_district_at)
        yield


@st.composite
def _rows(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        kind = draw(st.sampled_from(["good", "swapped", "random"]))
        if kind == "good":
            lon, lat = repr(draw(_lon)), repr(draw(_lat))
        elif kind == "swapped":
            lat, lon = repr(draw(_lon)), repr(draw(_lat))
        else:
            lon, lat = draw(_coordinate_text), draw(_coordinate_text)
        rows.append(
            {
                "id": draw(st.one_of(st.integers(0, 5).map(str), _text)),
                "name": draw(_cell),
                "town": draw(_cell),
                "lat": lat,
                "lon": lon,
                "status": draw(_cell),
            }
        )
    return rows


def _start_lines(rows: list[dict[str, str]]) -> list[int]:
    """Line each record starts on, as csv.writer lays them out (header on line 1)."""
    starts, line = [], 2
    for row in rows:
        starts.append(line)
        line += 1 + sum(value.count("\n") for value in row.values())
    return starts


def _assert_report(report: ImportReport, rows_expected: list[int]) -> None:
    assert report.read == len(rows_expected)
    assert report.accepted + report.flagged + report.rejected == report.read
    rejected = {p.row for p in report.problems if p.status == "rejected"}
    flagged = {p.row for p in report.problems if p.status == "flagged"}
    assert rejected <= set(rows_expected)
    assert flagged <= set(rows_expected)
    assert len(rejected) == report.rejected
    assert len(flagged - rejected) == report.flagged
    for problem in report.problems:
        assert str(problem).startswith(f"{report.file}:{problem.row}:{problem.field}: ")


def _written(data: Path, source_id: str) -> list[dict[str, str]]:
    table = data / "imports" / source_id / "facilities.csv"
    package = frictionless.Package(str(table.parent / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])
    with table.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _data_dir(tmp: str) -> Path:
    data = Path(tmp) / "data"
    data.mkdir()
    (data / "datapackage.json").write_bytes((ROOT / "data" / "datapackage.json").read_bytes())
    return data


@SETTINGS
@given(rows=_rows(), fix_swapped=st.booleans())
def test_generated_rows_are_written_valid_or_rejected_by_row(
    rows: list[dict[str, str]], fix_swapped: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = _data_dir(tmp)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path = Path(tmp) / "generated.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        starts = _start_lines(rows)
        report = import_file(
            path, data_dir=data, source_id="gen", fix_swapped=fix_swapped, geocoder=fake_geocode
        )
        _assert_report(report, starts)
        written = _written(data, "gen")
        assert len(written) == report.accepted + report.flagged
        rejected = {p.row for p in report.problems if p.status == "rejected"}
        assert sorted(int(r["source_row"]) for r in written) == [
            s for s in starts if s not in rejected
        ]
        for record in written:
            lon, lat = float(record["lon"]), float(record["lat"])
            assert math.isfinite(lon) and math.isfinite(lat)
            assert WEST <= lon <= EAST and SOUTH <= lat <= NORTH
            assert not record["name"].startswith(("=", "+", "@", "\t")) or record[
                "name"
            ].startswith("'")
        assert len({r["facility_id"] for r in written}) == len(written)
        # A row with a unique id, good coordinates in the region and no control characters is
        # never rejected.
        seen: dict[str, int] = {}
        for row in rows:
            seen[row["id"].strip()] = seen.get(row["id"].strip(), 0) + 1
        for start, row in zip(starts, rows, strict=True):
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
            except ValueError:
                continue
            clean_id = row["id"].strip() and seen[row["id"].strip()] == 1
            if (
                clean_id
                and WEST <= lon <= EAST
                and SOUTH <= lat <= NORTH
                and row["id"].strip() == row["id"]
                and not any(_CONTROL.search(value) for value in row.values())
            ):
                assert start not in rejected, (row, report.problems)


_ring_point = st.tuples(
    st.floats(min_value=WEST - 60, max_value=EAST + 20, allow_nan=False),
    st.floats(min_value=-10, max_value=NORTH + 30, allow_nan=False),
)
_region_point = st.tuples(_lon, _lat)


@st.composite
def _features(draw: st.DrawFn) -> list[dict[str, Any]]:
    features = []
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        point_strategy = draw(st.sampled_from([_ring_point, _region_point]))
        if draw(st.booleans()):
            x, y = draw(point_strategy)
            geometry: dict[str, Any] | None = {"type": "Point", "coordinates": [x, y]}
        elif draw(st.booleans()):
            ring = draw(st.lists(point_strategy, min_size=3, max_size=6))
            coords = [[x, y] for x, y in ring]
            geometry = {"type": "Polygon", "coordinates": [[*coords, coords[0]]]}
        else:
            geometry = None
        features.append(
            {
                "type": "Feature",
                "properties": {"id": str(i), "name": draw(_cell), "town": "Fuhai"},
                "geometry": geometry,
            }
        )
    return features


@SETTINGS
@given(features=_features(), repair=st.booleans())
def test_generated_features_are_written_valid_or_rejected_by_row(
    features: list[dict[str, Any]], repair: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = _data_dir(tmp)
        path = Path(tmp) / "generated.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        report = import_file(
            path, data_dir=data, source_id="gen", repair_geometry=repair, geocoder=fake_geocode
        )
        numbers = list(range(1, len(features) + 1))
        _assert_report(report, numbers)
        written = _written(data, "gen")
        rejected = {p.row for p in report.problems if p.status == "rejected"}
        assert sorted(int(r["source_row"]) for r in written) == [
            n for n in numbers if n not in rejected
        ]
        for record in written:
            lon, lat = float(record["lon"]), float(record["lat"])
            assert WEST <= lon <= EAST and SOUTH <= lat <= NORTH
            if record["wkt"]:
                geometry = shapely.from_wkt(record["wkt"])
                assert geometry.is_valid
                west, south, east, north = geometry.bounds
                assert west >= WEST and east <= EAST and south >= SOUTH and north <= NORTH
