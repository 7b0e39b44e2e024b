"""The small fixture package plus population reports that are not a site's inmate total.

The small package (``tests/fixtures/small``) holds only two ``inmates`` reports, and other
tests count its features; the reports about a place and the counts of some inmates are added
here, in memory, for the tests of ``measure``, ``place_id`` and ``count_max``.
"""

from __future__ import annotations

import dataclasses
import functools

import pandas as pd

from layers.build.assemble import build_layers
from layers.layerset import Layers
from layers.records.load import Records
from tests._small import small_records

#: Xinjiang as a whole: geocodes at region precision, in no county or prefecture.
XINJIANG_PLACE = {
    "id": "PL900", "name": "Xinjiang", "country": "CN", "source_id": "small-test",
    "quote": "Xinjiang",
}

#: Reports added to the small package's R001 (S001, 5,700) and R002 (S002, 14,000).
EXTRA_REPORTS = [
    # More than S001's total, but only some of its inmates: never its max_population.
    {"id": "R901", "site_id": "S001", "measure": "critically_ill", "count": 9999,
     "qualifier": "over", "date": "2018", "reported_by": "P002",
     "quote": "more than 9,999 in critical condition"},
    # A region-wide target, as a range.
    {"id": "R902", "place_id": "PL900", "measure": "target", "count": 1_000_000,
     "count_max": 1_500_000, "qualifier": "exact",
     "quote": "in the range of 1-1.5 million people"},
    # A prefecture's count with an empty measure (inmates), and per room in the same place.
    {"id": "R903", "place_id": "PL007", "count": 20_000, "qualifier": "about",
     "quote": "about 20,000 in the camps of Ili"},
    {"id": "R904", "place_id": "PL007", "measure": "per_room", "count": 30,
     "qualifier": "at_most", "quote": "Up to 30 people are locked into a room"},
]


def _append(frame: pd.DataFrame, rows: list[dict[str, object]]) -> pd.DataFrame:
    """Return ``frame`` with ``rows`` appended, keeping its columns and dtypes."""
    extra = pd.DataFrame(rows, columns=frame.columns)
    combined = pd.concat([frame.astype(object), extra.astype(object)], ignore_index=True)
    return combined.astype(frame.dtypes.to_dict())


@functools.lru_cache(maxsize=1)
def measure_records() -> Records:
    """Return the small package with :data:`XINJIANG_PLACE` and :data:`EXTRA_REPORTS`."""
    records = small_records()
    return dataclasses.replace(
        records,
        places=_append(records.places, [XINJIANG_PLACE]),
        population_reports=_append(
            records.population_reports,
            [{"source_id": "small-test", **row} for row in EXTRA_REPORTS],
        ),
    )


@functools.lru_cache(maxsize=1)
def measure_layers() -> Layers:
    """Return the layers of :func:`measure_records` (no facilities)."""
    return build_layers(measure_records(), None)
