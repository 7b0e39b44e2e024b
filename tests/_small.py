"""The small fixture package (tests/fixtures/small/), loaded and built once per test session.

Rebuild it with ``.venv/bin/python tests/fixtures/make_small_package.py``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from layers.build.assemble import build_layers
from layers.layerset import Layers
from layers.records.facilities import FacilityLoad, load_facilities
from layers.records.load import Records, load_records

SMALL_DIR = Path(__file__).resolve().parent / "fixtures" / "small"
SMALL_SOURCES = SMALL_DIR / "sources"
SMALL_FACILITIES = SMALL_DIR / "external" / "buzzfeed_2021" / "all_locations_2021-07-20.tsv"
HOSTILE = "<img src=x onerror=alert(1)>`${x}"


@functools.lru_cache(maxsize=1)
def small_records() -> Records:
    return load_records(SMALL_DIR)


@functools.lru_cache(maxsize=1)
def small_facilities() -> FacilityLoad:
    return load_facilities(SMALL_FACILITIES)


@functools.lru_cache(maxsize=1)
def small_layers() -> Layers:
    return build_layers(small_records(), small_facilities())


def source_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SMALL_SOURCES.glob("*.txt")))
