"""layers.records.measures: what a population report measures, and the words for its number."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from layers.records.measures import (
    INMATES,
    MEASURE_LABELS,
    MEASURES,
    UnknownMeasureError,
    count_phrase,
    measure_of,
)

REPO = Path(__file__).resolve().parent.parent


def test_measures_are_the_schema_enum() -> None:
    descriptor = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    (reports,) = [r for r in descriptor["resources"] if r["name"] == "population_reports"]
    (field,) = [f for f in reports["schema"]["fields"] if f["name"] == "measure"]
    assert tuple(field["constraints"]["enum"]) == MEASURES
    assert set(MEASURE_LABELS) == set(MEASURES)


@pytest.mark.parametrize("empty", [None, "", "  ", float("nan"), pd.NA])
def test_an_empty_measure_means_inmates(empty: object) -> None:
    assert measure_of(empty) == INMATES == "inmates"


def test_unknown_measure_is_named() -> None:
    with pytest.raises(UnknownMeasureError, match=r"unknown measure 'sick'") as caught:
        measure_of("sick")
    assert caught.value.measure == "sick"


@pytest.mark.parametrize(
    ("count", "options", "expected"),
    [
        (5700, {"qualifier": "exact"}, "5,700 inmates"),
        (14000, {}, "14,000 inmates"),
        (5700, {"qualifier": "about", "measure": ""}, "about 5,700 inmates"),
        (130, {"qualifier": "over", "measure": "critically_ill"},
         "more than 130 inmates in critical condition"),
        (30, {"qualifier": "at_most", "measure": "per_room"}, "up to 30 people per room"),
        (15, {"qualifier": "exact", "count_max": 20, "measure": "per_room"},
         "15\u201320 people per room"),
        (1_000_000, {"qualifier": "exact", "count_max": 1_500_000, "measure": "target"},
         "target: 1,000,000\u20131,500,000 held (not a count)"),
        (3000, {"qualifier": "at_least"}, "at least 3,000 inmates"),
        (None, {"measure": "target"}, ""),
    ],
)
def test_count_phrase(count: int | None, options: dict[str, Any], expected: str) -> None:
    assert count_phrase(count, **options) == expected
