"""The administrative history table: its rows, what it answers, and the map of a given year.

The first part checks the shipped ``geo/data/history.csv`` (a source per row, known ids, one
creation date per unit) and the reader's refusals; the second the table's answers without
geometry (:class:`geo.history.History`); the third the point lookup of a year and the agreement
of points with a named unit (:func:`geo.district_at`, :func:`geo.unit_in_year`,
:func:`geo.in_district`) on the shipped polygons.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from geo.gazetteer import DataFileError
from geo.history import DEFAULT_HISTORY, HISTORY_COLUMNS, History, load_history, read_history

FIXTURES = Path(__file__).resolve().parent.parent / "benchmarks" / "fixtures"


@pytest.fixture(scope="module")
def history() -> History:
    return load_history()


@pytest.fixture(scope="module")
def today() -> dict[str, object]:
    from geo import all_districts

    return {d.id: d for d in all_districts()}


# ====================================================================== the shipped table


def test_every_row_has_a_source_and_known_ids(history: History, today: dict[str, object]) -> None:
    former = {u.id for u in history.former_units()}
    assert len(history.changes) >= 25
    for change in history.changes:
        assert change.source.strip(), change
        assert change.from_id in today or change.from_id in former, change
        assert history.today(change.to_id) in today, change
        assert change.year >= 2010


def test_the_issue_changes_are_in_the_table(history: History) -> None:
    pairs = {(c.from_id, c.to_id, c.change) for c in history.changes}
    assert ("CN-654023", "CN-654004", "split") in pairs  # Khorgas City out of Huocheng, 2014
    assert ("CN-652923", "CN-652902", "renamed") in pairs  # Kuqa County -> Kuqa City
    assert ("CN-654223", "CN-654223", "renamed") in pairs  # Shawan County -> Shawan City
    assert ("CN-652100", "CN-650400", "renamed") in pairs  # Turpan Prefecture -> Turpan City
    assert ("CN-652101", "CN-650402", "renamed") in pairs  # Turpan City -> Gaochang District
    assert ("CN-652200", "CN-650500", "renamed") in pairs  # Hami
    assert ("CN-652201", "CN-650502", "renamed") in pairs  # -> Yizhou District
    for xpcc in ("CN-659005", "CN-659006", "CN-659007", "CN-659008", "CN-659009", "CN-659010"):
        assert any(c.to_id == xpcc and c.change == "split" for c in history.changes), xpcc


def test_the_table_has_a_readme_with_its_columns_and_the_derivation() -> None:
    readme = (DEFAULT_HISTORY.parent / "history.README.md").read_text(encoding="utf-8")
    for column in HISTORY_COLUMNS:
        assert f"`{column}`" in readme, column
    assert "longest boundary" in readme  # how areas of a year are derived
    assert "Licence" in readme or "licence" in readme


def _write(tmp_path: Path, row: dict[str, str]) -> Path:
    good = {
        "date": "2014-06-26", "change": "split", "level": "county", "from_id": "CN-654023",
        "from_name": "Huocheng County", "to_id": "CN-654004", "to_name": "Khorgas City",
        "from_names": "", "basis": "source", "source": "a decree", "note": "",
    }
    path = tmp_path / "history.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HISTORY_COLUMNS)
        writer.writeheader()
        writer.writerow({**good, **row})
    return path


@pytest.mark.parametrize(
    ("row", "field", "needle"),
    [
        ({"date": "2009-05-01"}, "date", "'2009-05-01' is not a date"),
        ({"date": "2014-13"}, "date", "'2014-13' is not a date"),
        ({"change": "merged"}, "change", "'merged' is not one of renamed, split"),
        ({"level": "township"}, "level", "'township' is not one of"),
        ({"basis": "guess"}, "basis", "'guess' is not one of source, polygons"),
        ({"from_id": "CN-65402"}, "from_id", "'CN-65402' is not an id"),
        ({"source": " "}, "source", "'' is empty"),
        ({"to_id": "CN-654023"}, "to_id", "is split out of itself"),
    ],
)
def test_reader_refuses_bad_rows(
    tmp_path: Path, row: dict[str, str], field: str, needle: str
) -> None:
    with pytest.raises(DataFileError, match=needle) as info:
        read_history(_write(tmp_path, row))
    assert info.value.field == field and info.value.line == 2


def test_reader_refuses_a_unit_created_twice(tmp_path: Path) -> None:
    path = _write(tmp_path, {})
    with path.open("a", encoding="utf-8") as fh:
        fh.write("2015-01-01,split,county,CN-654022,Qapqal,CN-654004,Khorgas City,,source,s,\n")
    with pytest.raises(DataFileError, match="'CN-654004' is created on several dates"):
        read_history(path)


def test_reader_refuses_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("date,change\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="lacks the column"):
        read_history(path)


# ====================================================================== answers of the table


@pytest.mark.parametrize(
    ("unit", "year", "expected"),
    [
        ("CN-654004", 2013, {"CN-654023"}),  # Khorgas City was Huocheng's
        ("CN-654004", 2014, {"CN-654004"}),  # a change counts from its year
        ("CN-659008", 2013, {"CN-654023", "CN-654022"}),  # Kokdala: Huocheng (via Khorgas), Qapqal
        ("CN-652902", 2016, {"CN-652923"}),  # Kuqa City was Kuqa County
        ("CN-652923", 2021, {"CN-652902"}),  # and the county, asked about later, is the city
        ("CN-650402", 2014, {"CN-652101"}),  # Gaochang District was county-level Turpan City
        ("CN-650400", 2014, {"CN-652100"}),  # Turpan City was Turpan Prefecture
        ("CN-654223", 2016, {"CN-654223"}),  # Shawan: the id was kept
        ("KZ-33", 2021, {"KZ-19"}),  # Jetisu was part of Almaty Region
        ("CN-654323", 2012, {"CN-654323"}),  # Fuhai did not change
    ],
)
def test_ids_in_year(history: History, unit: str, year: int, expected: set[str]) -> None:
    assert history.ids_in_year(unit, year) == expected


def test_names_of_a_year(history: History) -> None:
    assert history.name_in("CN-654223", 2016, "Shawan City") == "Shawan County"
    assert history.name_in("CN-654223", 2021, "Shawan City") == "Shawan City"
    assert history.name_in("KZ-71", 2020, "Astana") == "Nur-Sultan"
    assert history.name_in("KZ-71", 2018, "Astana") == "Astana"
    assert history.names_in("CN-652923", 2016) is not None
    assert "库车县" in (history.names_in("CN-652923", 2016) or ())


def test_spread_and_neighbours(history: History) -> None:
    assert history.spread("CN-654023") == {"CN-654023", "CN-654004", "CN-659008"}
    assert history.spread("CN-652923") == {"CN-652902"}  # a former unit: its successor's area
    assert [c.to_id for c in history.successors("CN-654023")] == ["CN-654004", "CN-659008"]
    assert [c.from_id for c in history.predecessors("CN-652902")] == ["CN-652923"]
    former = next(u for u in history.former_units() if u.name == "Shawan County")
    after = history.successors(former.id, until=former.until)
    assert [(c.to_name, c.change) for c in after] == [("Huyanghe City", "split"),
                                                      ("Shawan City", "renamed")]
    assert history.successors("CN-654223") == ()  # today's Shawan City lost nothing since


# ====================================================================== the map of a year


def _label(district_id: str) -> tuple[float, float]:
    from geo import get_district

    d = get_district(district_id)
    return d.label_lon, d.label_lat


def test_district_at_names_the_unit_of_each_change_before_it(history: History) -> None:
    from geo import district_at

    for change in history.changes:
        if (
            history.today(change.to_id) != change.to_id
            or change.from_id == change.to_id
            or change.level == "prefecture"  # a prefecture's label point lies in a county
        ):
            continue
        lon, lat = _label(change.to_id)
        assert district_at(lon, lat).item() == change.to_id
        assert district_at(lon, lat, year=change.year).item() == change.to_id
        before = district_at(lon, lat, year=change.year - 1).item()
        assert before in history.ids_in_year(change.to_id, change.year - 1), change


def test_district_at_with_a_year_is_vectorised() -> None:
    from geo import district_at

    points = [_label(i) for i in ("CN-654004", "CN-652902", "CN-654323", "KZ-33")]
    lons = np.array([p[0] for p in points] + [0.0])
    lats = np.array([p[1] for p in points] + [0.0])
    assert district_at(lons, lats, year=2013).tolist() == [
        "CN-654023", "CN-652923", "CN-654323", "KZ-19", None
    ]
    assert district_at(lons, lats, year=2030).tolist() == district_at(lons, lats).tolist()


@pytest.mark.parametrize("year", [2009, 1999, -1])
def test_district_at_refuses_a_year_before_the_table(year: int) -> None:
    from geo import district_at

    with pytest.raises(ValueError, match=f"year {year!r} is not a year from 2010 on"):
        district_at(87.6, 43.8, year=year)


def test_unit_in_year() -> None:
    from geo import unit_in_year

    gaochang = unit_in_year("CN-652101", 2014, today="CN-650402")
    assert (gaochang.name, gaochang.level, gaochang.parent) == (
        "Turpan City", "county", "CN-652100"
    )
    assert gaochang.to_dict()["year"] == 2014 and gaochang.to_dict()["today"] == "CN-650402"
    piqan = unit_in_year("CN-650421", 2014)
    assert piqan.parent == "CN-652100"  # Piqan County lay in Turpan Prefecture
    assert unit_in_year("CN-654223", 2016).name == "Shawan County"
    assert unit_in_year("CN-654223", 2022).name == "Shawan City"
    from geo import DistrictNotFound

    with pytest.raises(DistrictNotFound, match="'CN-999999'"):
        unit_in_year("CN-999999", 2016)


def _year_cases() -> list[tuple[str, str, int | None, bool]]:
    with (FIXTURES / "geocode_years.csv").open(encoding="utf-8", newline="") as fh:
        return [
            (r["named"], r["point"], int(r["year"]) if r["year"] else None, r["agree"] == "true")
            for r in csv.DictReader(fh)
        ]


@pytest.mark.parametrize(("named", "point", "year", "agree"), _year_cases())
def test_points_agree_with_either_generation(
    named: str, point: str, year: int | None, agree: bool
) -> None:
    from geo import find_district, in_district

    lon, lat = _label(point)
    assert bool(in_district(find_district(named).id, [lon], [lat], year=year)[0]) is agree


def test_in_district_with_a_former_id_and_a_bad_id() -> None:
    from geo import DistrictNotFound, in_district

    lon, lat = _label("CN-652902")
    assert in_district("CN-652923", [lon], [lat]).tolist() == [True]  # Kuqa County, today
    assert in_district("CN-652923", [lon], [lat], year=2016).tolist() == [True]
    with pytest.raises(DistrictNotFound, match="'CN-000000'"):
        in_district("CN-000000", [lon], [lat])
