"""benchmarks/synth.py: the synthetic package is a real, valid package of the asked size."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
import shapely

import geo
from benchmarks.synth import SOURCE_FILE, write_package
from layers.build.assemble import build_layers
from layers.records.load import load_records
from layers.records.validate import validate_package


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_package(tmp_path_factory.mktemp("synth"), 300, seed=3)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_size_and_determinism(package, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert 290 <= package.records <= 310
    again = write_package(tmp_path / "again", 300, seed=3)
    for table in package.rows:
        assert (again.path / f"{table}.csv").read_bytes() == (
            package.path / f"{table}.csv"
        ).read_bytes(), table
    with pytest.raises(ValueError, match="n=10"):
        write_package(tmp_path / "tiny", 10)


def test_every_quote_is_in_the_source_text(package) -> None:  # type: ignore[no-untyped-def]
    data = (package.source_dir / SOURCE_FILE).read_bytes()
    text = data.decode("utf-8")
    source = _rows(package.path / "sources.csv")[0]
    assert source["sha256"] == hashlib.sha256(data).hexdigest()
    for table in ("places", "people", "sites", "population_reports", "detentions", "events"):
        for row in _rows(package.path / f"{table}.csv"):
            assert 40 <= len(row["quote"]) <= 300, (table, row["id"])
            assert row["quote"] in text, (table, row["id"])


def test_points_lie_inside_the_district_they_name(package) -> None:  # type: ignore[no-untyped-def]
    districts = geo.load_districts()
    polygons = dict(zip(districts["name"], districts.geometry, strict=True))
    exact = [r for r in _rows(package.path / "places.csv") if r["precision"] == "exact"]
    assert exact
    for row in exact:
        name = row["name"].split(" of ", 1)[1]
        assert shapely.contains_xy(polygons[name], float(row["lon"]), float(row["lat"])), row


def test_validates_except_for_repeated_names(package) -> None:  # type: ignore[no-untyped-def]
    problems = validate_package(package.path, package.source_dir)
    assert all(p.file == "people.csv" and "name" in p.message for p in problems), problems


def test_loads_and_builds_with_dates_in_range(package) -> None:  # type: ignore[no-untyped-def]
    layers = build_layers(load_records(package.path))
    counts = layers.counts()
    assert counts["sites"] and counts["reports"] and counts["witnesses"] and counts["links"]
    for _, frame in layers.items():
        years = frame[["year_start", "year_end"]].stack().dropna()
        assert years.empty or (years.min() >= 2014 and years.max() <= 2022)
