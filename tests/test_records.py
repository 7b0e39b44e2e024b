"""Tests of ``layers.records.load``: typed tables from the data package, and list cells."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from layers.records.checks import edtf_bounds
from layers.records.facilities import ATTRIBUTION
from layers.records.load import (
    DEFAULT_DATA_DIR,
    DEFAULT_SOURCE_DIR,
    TABLES,
    Records,
    RecordsError,
    SensitivityError,
    load_records,
    source_dir,
    split_list,
)
from tests.fixtures.make_bad_packages import PACKAGES

GOOD = PACKAGES / "good"


def _schema_fields(data_dir: Path) -> dict[str, list[dict[str, str]]]:
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    return {r["name"]: r["schema"]["fields"] for r in descriptor["resources"]}


def test_tables_match_the_schema() -> None:
    assert set(TABLES) == set(_schema_fields(DEFAULT_DATA_DIR))


def test_load_columns_and_dtypes() -> None:
    records = load_records(GOOD)
    expected = {"string": "string", "integer": "Int64", "number": "Float64"}
    for table, fields in _schema_fields(GOOD).items():
        frame = records[table]
        assert list(frame.columns) == [f["name"] for f in fields], table
        for field in fields:
            assert str(frame[field["name"]].dtype) == expected[field["type"]], (table, field)


def test_load_values() -> None:
    records = load_records(GOOD)
    assert [name for name, _ in records.items()] == list(TABLES)
    assert len(records.people) == 2
    person = records.people.iloc[1]
    assert person["name"] == "Nurlan"
    assert person["aliases"] is pd.NA
    report = records.population_reports.iloc[0]
    assert report["count"] == 5700
    place = records.places.set_index("id").loc["PL003"]
    assert math.isclose(place["lon"], 87.5)
    assert records.places.set_index("id").loc["PL001", "lon"] is pd.NA


def test_unknown_table() -> None:
    with pytest.raises(KeyError, match="'prisons'"):
        load_records(GOOD)["prisons"]


def test_multiline_cells_and_blank_lines(tmp_path: Path) -> None:
    shutil.copytree(PACKAGES / "multiline_cell", tmp_path / "pkg")
    people = tmp_path / "pkg" / "people.csv"
    people.write_text(people.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    records = load_records(tmp_path / "pkg")
    assert len(records.people) == 2
    assert records.people.iloc[0]["note"] == "First line of a note.\nSecond line of the same note."


def test_missing_file(tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "pkg")
    (tmp_path / "pkg" / "sites.csv").unlink()
    with pytest.raises(RecordsError, match=r"table 'sites': file .*sites.csv' does not exist"):
        load_records(tmp_path / "pkg")


def test_header_unlike_schema(tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "pkg")
    path = tmp_path / "pkg" / "sites.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("kind,", "type,", 1), "utf-8")
    with pytest.raises(RecordsError, match=r"sites.csv:1: header .*'type'"):
        load_records(tmp_path / "pkg")


@pytest.mark.parametrize(("case", "message"), [
    ("not_an_integer", r"population_reports.csv:2:count: '5,700' is not a valid integer"),
])
def test_bad_cell_names_file_line_field_value(case: str, message: str) -> None:
    with pytest.raises(RecordsError, match=message):
        load_records(PACKAGES / case)


def test_fractional_integer(tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "pkg")
    path = tmp_path / "pkg" / "population_reports.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",5700,", ",5700.5,"), "utf-8")
    with pytest.raises(RecordsError, match=r"count: '5700.5' is not a valid integer"):
        load_records(tmp_path / "pkg")


def _set_cell(path: Path, row_id: str, field: str, value: str) -> None:
    """Rewrite one cell of a CSV file (a row found by its ``id``), keeping everything else."""
    lines = path.read_text(encoding="utf-8").split("\n")
    column = lines[0].split(",").index(field)
    for number, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == row_id:
            cells[column] = value
            lines[number] = ",".join(cells)
            break
    else:
        raise AssertionError(f"no row {row_id!r} in {path}")
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    ("table", "row_id", "line", "cell", "value"),
    [
        ("people", "P002", 3, "", ""),
        ("people", "P002", 3, "   ", ""),
        ("people", "P001", 2, "Private", "Private"),
        ("people", "P001", 2, " Public ", "Public"),
        ("detentions", "D002", 3, "secret", "secret"),
        ("events", "E001", 2, "", ""),
    ],
)
def test_blank_or_unknown_sensitivity_is_refused_naming_file_line_field_value(
    tmp_path: Path, table: str, row_id: str, line: int, cell: str, value: str
) -> None:
    shutil.copytree(GOOD, tmp_path / "pkg")
    _set_cell(tmp_path / "pkg" / f"{table}.csv", row_id, "sensitivity", cell)
    with pytest.raises(SensitivityError) as caught:
        load_records(tmp_path / "pkg")
    error = caught.value
    assert isinstance(error, RecordsError)  # the app and the export already report these
    assert str(error).startswith(
        f"{table}.csv:{line}:sensitivity: {value!r} is not one of 'public', 'restricted', "
        "'private'; a blank or unknown level is treated as private, and the atlas will not "
        "start until it is fixed (python -m layers validate lists every problem)"
    )
    assert (error.file, error.line, error.field, error.value) == (
        f"{table}.csv", line, "sensitivity", value,
    )
    assert error.path == tmp_path / "pkg" / f"{table}.csv"


def test_sensitivity_line_counts_blank_and_multiline_rows(tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "pkg")
    people = tmp_path / "pkg" / "people.csv"
    header, first, *rest = people.read_text(encoding="utf-8").split("\n")
    assert first.startswith("P001,") and first.endswith(",")  # an empty note
    multiline = first + '"A note on\ntwo lines"'  # lines 3 and 4
    people.write_text("\n".join([header, "", multiline, *rest]), encoding="utf-8")
    _set_cell(people, "P002", "sensitivity", "")
    with pytest.raises(SensitivityError, match=r"^people\.csv:5:sensitivity: '' ") as caught:
        load_records(tmp_path / "pkg")
    assert caught.value.line == 5


def test_missing_descriptor(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="no data package descriptor"):
        load_records(tmp_path)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Sayragul|Sairagul", ["Sayragul", "Sairagul"]),
        (" Sayragul | Sairagul ", ["Sayragul", "Sairagul"]),
        ("P001", ["P001"]),
        ("a||b|", ["a", "b"]),
        ("", []),
        (None, []),
        (pd.NA, []),
        (float("nan"), []),
    ],
)
def test_split_list(cell: object, expected: list[str]) -> None:
    assert split_list(cell) == expected


def test_split_list_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="12"):
        split_list(12)


def test_source_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ATLAS_SOURCE_DIR", raising=False)
    assert source_dir() == DEFAULT_SOURCE_DIR
    assert DEFAULT_DATA_DIR.parent.parent / "shared" / "sources" == DEFAULT_SOURCE_DIR
    monkeypatch.setenv("ATLAS_SOURCE_DIR", str(tmp_path))
    assert source_dir() == tmp_path
    assert source_dir(tmp_path / "cli") == tmp_path / "cli"


def test_real_data_loads() -> None:
    """The curated tables in data/ load with the schema's columns and dtypes."""
    missing = [t for t in TABLES if not (DEFAULT_DATA_DIR / f"{t}.csv").exists()]
    if missing:
        pytest.fail(f"data/ lacks {missing}: the curated tables have not landed")
    records = load_records()
    assert isinstance(records, Records)
    assert len(records.sources) >= 1


# --- docs as tests: data/README.md documents every table and field ---------------------------

README = DEFAULT_DATA_DIR / "README.md"


def undocumented(readme: str, descriptor: dict[str, object]) -> list[str]:
    """Return the tables (``"people"``) and fields (``"people.aliases"``) the README lacks.

    A table is documented by a heading ``### `name` ``; a field by a table row starting
    ``| `field` |`` inside its table's section.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in readme.splitlines():
        if line.startswith("#"):
            heading = line.strip("# ").strip()
            current = None
            if line.startswith("### `") and heading.endswith("`"):
                current = sections.setdefault(heading.strip("`"), [])
            continue
        if current is not None:
            current.append(line)
    missing: list[str] = []
    resources = descriptor["resources"]
    assert isinstance(resources, list)
    for resource in resources:
        name = resource["name"]
        if name not in sections:
            missing.append(name)
            continue
        rows = {line.split("|")[1].strip() for line in sections[name] if line.startswith("| `")}
        missing += [
            f"{name}.{field['name']}"
            for field in resource["schema"]["fields"]
            if f"`{field['name']}`" not in rows
        ]
    return missing


def _descriptor() -> dict[str, object]:
    result: dict[str, object] = json.loads(
        (DEFAULT_DATA_DIR / "datapackage.json").read_text(encoding="utf-8")
    )
    return result


def test_readme_documents_every_table_and_field() -> None:
    assert undocumented(README.read_text(encoding="utf-8"), _descriptor()) == []


def test_readme_check_can_fail() -> None:
    text = README.read_text(encoding="utf-8")
    lacking_field = "\n".join(
        line for line in text.splitlines() if not line.startswith("| `distinct_from` |")
    )
    assert undocumented(lacking_field, _descriptor()) == ["people.distinct_from"]
    lacking_table = text.replace("### `events`", "### Events")
    missing = undocumented(lacking_table, _descriptor())
    assert missing == ["events"]
    # A field named only in another table's section does not count for this one.
    moved = text.replace("| `breakdown` |", "| `breakdwon` |")
    assert undocumented(moved, _descriptor()) == ["population_reports.breakdown"]


def test_readme_documents_conventions() -> None:
    text = README.read_text(encoding="utf-8")
    for needle in ("`2018-21`", "`2017-10/2017-12`", "`2017~`", "`2017?`",
                   "python -m layers validate", ATTRIBUTION, "sha256sum",
                   "`restricted`", "`private`", "`public`", "distinct_from"):
        assert needle in text, needle
    for token in ("2018-21", "2017-10/2017-12", "1995~", "2017~", "2017?", "2017%",
                  "2017-09/2018-04", "2017-12/2018-11", "2018/2019"):
        edtf_bounds(token)  # every example in the README is valid EDTF
