"""Time build_layers, filter_layers and the exports on synthetic records at scale.

Usage: ``.venv/bin/python benchmarks/bench_layers.py [--reports N]``. Places carry override
coordinates spread over Xinjiang (so the geocoder is not what is measured; district lookup
is); the other tables are sized relative to ``--reports``. Prints one line per step.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import geo
from layers.build.assemble import build_layers
from layers.filters import Filters, filter_layers, resolve_districts
from layers.io.export import to_geojson_bytes, write
from layers.records.facilities import load_facilities
from layers.records.load import Records


def _strings(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype="string")


def synthetic_records(reports: int, seed: int = 7) -> Records:
    """Return records with ``reports`` population reports and proportionate other tables."""
    rng = np.random.default_rng(seed)
    n_places = max(reports // 10, 10)
    n_sites = n_places
    n_people = max(reports // 5, 10)
    lons = rng.uniform(76.0, 90.0, n_places).round(5)
    lats = rng.uniform(37.0, 47.0, n_places).round(5)
    place_ids = [f"PL{i:06d}" for i in range(n_places)]
    site_ids = [f"S{i:06d}" for i in range(n_sites)]
    person_ids = [f"P{i:06d}" for i in range(n_people)]
    src = ["bench"] * 1
    sources = pd.DataFrame({
        "id": _strings(src), "citation": _strings(["synthetic"]), "author": _strings([None]),
        "published": _strings(["2026"]), "url": _strings([None]), "licence": _strings([None]),
        "path": _strings(["bench.txt"]), "sha256": _strings(["0" * 64]), "note": _strings([None]),
    })
    places = pd.DataFrame({
        "id": _strings(place_ids), "name": _strings([f"Place {i}" for i in range(n_places)]),
        "country": _strings(["CN"] * n_places), "geocode_query": _strings([None] * n_places),
        "lon": pd.array(lons, dtype="Float64"), "lat": pd.array(lats, dtype="Float64"),
        "precision": _strings(["settlement"] * n_places),
        "source_id": _strings(["bench"] * n_places), "quote": _strings(["q"] * n_places),
        "note": _strings([None] * n_places),
    })
    levels = rng.choice(["public", "restricted", "private"], n_people, p=[0.8, 0.15, 0.05])
    people = pd.DataFrame({
        "id": _strings(person_ids), "name": _strings([f"Person {i}" for i in range(n_people)]),
        "aliases": _strings([f"Persön {i}|Персон {i}" for i in range(n_people)]),
        "sex": _strings([None] * n_people), "age": _strings([None] * n_people),
        "ethnicity": _strings([None] * n_people), "citizenship": _strings([None] * n_people),
        "residence_place_id": _strings([None] * n_people),
        "origin_place_id": _strings(list(rng.choice(place_ids, n_people))),
        "role": _strings(["witness-victim"] * n_people), "relation": _strings([None] * n_people),
        "distinct_from": _strings([None] * n_people), "sensitivity": _strings(list(levels)),
        "source_id": _strings(["bench"] * n_people), "quote": _strings(["q"] * n_people),
        "note": _strings([None] * n_people),
    })
    sites = pd.DataFrame({
        "id": _strings(site_ids), "name": _strings([f"Camp {i}" for i in range(n_sites)]),
        "kind": _strings(["camp"] * n_sites), "place_id": _strings(place_ids[:n_sites]),
        "description": _strings([None] * n_sites), "source_id": _strings(["bench"] * n_sites),
        "quote": _strings(["q"] * n_sites), "note": _strings([None] * n_sites),
    })
    years = rng.integers(2014, 2022, reports)
    population = pd.DataFrame({
        "id": _strings([f"R{i:07d}" for i in range(reports)]),
        "site_id": _strings(list(rng.choice(site_ids, reports))),
        "count": pd.array(rng.integers(10, 20000, reports), dtype="Int64"),
        "qualifier": _strings(["about"] * reports),
        "date": _strings([str(y) for y in years]),
        "reported_by": _strings(list(rng.choice(person_ids, reports))),
        "breakdown": _strings([None] * reports), "source_id": _strings(["bench"] * reports),
        "quote": _strings(["q"] * reports), "note": _strings([None] * reports),
    })
    n_det = n_people
    starts = rng.integers(2016, 2020, n_det)
    detentions = pd.DataFrame({
        "id": _strings([f"D{i:07d}" for i in range(n_det)]),
        "person_id": _strings(person_ids[:n_det]),
        "site_id": _strings(list(rng.choice(site_ids, n_det))),
        "place_id": _strings([None] * n_det), "kind": _strings(["camp"] * n_det),
        "start": _strings([str(y) for y in starts]),
        "end": _strings([str(y + 1) for y in starts]),
        "outcome": _strings(["released"] * n_det),
        "sensitivity": _strings(["public"] * n_det), "source_id": _strings(["bench"] * n_det),
        "quote": _strings(["q"] * n_det), "note": _strings([None] * n_det),
    })
    n_events = n_places
    events = pd.DataFrame({
        "id": _strings([f"E{i:07d}" for i in range(n_events)]),
        "kind": _strings(["arrest"] * n_events),
        "date": _strings([str(y) for y in rng.integers(2014, 2022, n_events)]),
        "place_id": _strings(list(rng.choice(place_ids, n_events))),
        "person_id": _strings([None] * n_events),
        "description": _strings(["d"] * n_events),
        "sensitivity": _strings(["public"] * n_events),
        "source_id": _strings(["bench"] * n_events), "quote": _strings(["q"] * n_events),
        "note": _strings([None] * n_events),
    })
    return Records(
        sources=sources, places=places, people=people, sites=sites,
        population_reports=population, detentions=detentions, events=events,
    )


def _timed(label: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:<48} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=100_000)
    args = parser.parse_args()
    records = synthetic_records(args.reports)
    facilities = load_facilities()
    _timed("warm-up: load district polygons", geo.district_at, [80.0], [40.0])
    layers = _timed("build_layers", build_layers, records, facilities)
    print("features:", layers.counts(), "total", sum(layers.counts().values()))
    districts = resolve_districts(["Ili"])
    for label, filters in (
        ("filter: years 2017-2018", Filters(years=(2017, 2018))),
        ("filter: years + prefecture + no undated",
         Filters(years=(2017, 2018), districts=districts, include_undated=False)),
        ("filter: search 'persön 12'", Filters(search="persön 12")),
    ):
        shown = _timed(label, filter_layers, layers, filters)
    shown = filter_layers(layers, Filters(years=(2017, 2018)))
    data = _timed("to_geojson_bytes (years 2017-2018)", to_geojson_bytes, shown)
    print(f"{'  size':<48} {len(data) / 1e6:8.1f} MB")
    _timed("to_geojson_bytes public=True", to_geojson_bytes, shown, public=True)
    with tempfile.TemporaryDirectory() as tmp:
        _timed("write gpkg", write, shown, Path(tmp) / "x.gpkg", "gpkg")


if __name__ == "__main__":
    main()
