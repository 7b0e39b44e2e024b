"""Tests of ``layers.validate``: the real data, and fixture packages with one planted defect."""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo._errors import PlaceNotFound
from layers import validate
from layers._checks import _check_override_country, edtf_bounds
from layers._names import name_key
from layers._quotes import SourceText, normalise_quote_text
from layers._tables import RawRow
from layers.validate import Problem, validate_package
from tests.fixtures import make_bad_packages as fixtures

PACKAGES = fixtures.PACKAGES
SOURCES = fixtures.SOURCES
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class FakePlace:
    name: str
    country: str
    precision: str = "county"
    district: object = None
    stage: str = "alias"
    score: float = 100.0


_KNOWN = {
    "Fuhai": FakePlace("Fuhai County", "CN"),
    "Almaty": FakePlace("Almaty", "KZ", stage="exact"),
    "Fuhay": FakePlace("Fuhai County", "CN", stage="fuzzy", score=91.0),
}


def fake_geocode(name: str, *, country: str | None = None) -> FakePlace:
    """Stand-in for geo.geocode that knows two places and one fuzzy spelling."""
    try:
        return _KNOWN[name]
    except KeyError:
        msg = f"No place matches {name!r} (closest: 'Fuhai', score 20)"
        raise PlaceNotFound(msg, query=name, candidates=[("Fuhai", 20.0)]) from None


def run_case(case: str, sources: Path = SOURCES) -> list[Problem]:
    return validate_package(PACKAGES / case, sources, geocoder=fake_geocode)


def test_fixtures_are_up_to_date(tmp_path: Path) -> None:
    written = fixtures.write_all(tmp_path / "packages")
    for path in written:
        committed = PACKAGES / path.relative_to(tmp_path / "packages")
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed} is stale: run python tests/fixtures/make_bad_packages.py"
        )
    committed_files = {p.relative_to(PACKAGES) for p in PACKAGES.rglob("*") if p.is_file()}
    assert committed_files == {p.relative_to(tmp_path / "packages") for p in written}


def test_every_case_has_expectations() -> None:
    assert set(fixtures.CASES) == set(fixtures.EXPECTED)


@pytest.mark.parametrize("case", sorted(fixtures.CASES))
def test_planted_defect_gives_expected_problems(case: str) -> None:
    problems = run_case(case)
    expected = fixtures.EXPECTED[case]
    rendered = "\n".join(map(str, problems))
    assert len(problems) == len(expected), rendered
    for problem, (file, row, field, fragment) in zip(problems, expected, strict=True):
        assert (problem.file, problem.row, problem.field) == (file, row, field), rendered
        assert fragment in problem.message, rendered


def test_problem_format() -> None:
    assert str(Problem("people.csv", 4, "name", "bad")) == "people.csv:4:name: bad"
    assert str(Problem("sources.csv", None, None, "gone")) == "sources.csv:-:-: gone"


def test_missing_source_directory_is_one_problem(tmp_path: Path) -> None:
    problems = run_case("good", tmp_path / "nowhere")
    assert len(problems) == 1
    assert problems[0].file == "sources.csv"
    assert "does not exist" in problems[0].message
    assert "(11 quotes)" in problems[0].message


def test_source_directory_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SOURCES, tmp_path / "texts")
    monkeypatch.setenv("ATLAS_SOURCE_DIR", str(tmp_path / "texts"))
    assert validate_package(PACKAGES / "good", geocoder=fake_geocode) == []
    monkeypatch.setenv("ATLAS_SOURCE_DIR", str(tmp_path / "elsewhere"))
    problems = validate_package(PACKAGES / "good", geocoder=fake_geocode)
    assert [p.field for p in problems] == ["path"]


def test_quote_problem_names_closest_passage() -> None:
    (problem,) = run_case("quote_not_in_source")
    assert "closest: line 2" in problem.message
    assert "'the camp at Bouryltogay'" in problem.message


def test_missing_descriptor(tmp_path: Path) -> None:
    (problem,) = validate_package(tmp_path, SOURCES, geocoder=fake_geocode)
    assert problem.file == "datapackage.json"
    assert "no data package descriptor" in problem.message


def test_missing_table_file(tmp_path: Path) -> None:
    shutil.copytree(PACKAGES / "good", tmp_path / "pkg")
    (tmp_path / "pkg" / "events.csv").unlink()
    problems = validate_package(tmp_path / "pkg", SOURCES, geocoder=fake_geocode)
    assert [(p.file, p.row) for p in problems] == [("events.csv", None)]
    assert "events.csv" in problems[0].message


def test_unavailable_geocoder_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> None:
        raise validate.GeocoderUnavailableError("geo.geocode is not available (test)")

    monkeypatch.setattr(validate, "default_geocoder", unavailable)
    problems = validate_package(PACKAGES / "good", SOURCES)
    assert [(p.file, p.row) for p in problems] == [("places.csv", None)]
    assert "not geocoded" in problems[0].message


def test_cli_clean_package_exits_zero(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "default_geocoder", lambda: fake_geocode)
    status = validate.main(["--data", str(PACKAGES / "good"), "--sources", str(SOURCES)])
    out = capsys.readouterr().out
    assert status == 0
    assert out == "validated 12 rows in 7 tables: 0 problems\n"


def test_cli_prints_problems_and_exits_one(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "default_geocoder", lambda: fake_geocode)
    status = validate.main(["--data", str(PACKAGES / "wrong_enum"), "--sources", str(SOURCES)])
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert lines[0].startswith("sites.csv:2:kind: 'gulag' is not one of")
    assert lines[-1] == "validated 12 rows in 7 tables: 1 problem"


def test_add_arguments_defaults() -> None:
    parser = argparse.ArgumentParser()
    validate.add_arguments(parser)
    args = parser.parse_args([])
    assert args.data == ROOT / "data"
    assert args.sources is None


@pytest.mark.parametrize(
    ("text", "lower", "upper"),
    [
        ("2018-21", "2018-03-01", "2018-05-31"),
        ("2017-39", "2017-09-01", "2017-12-31"),
        ("2018~", "2018-01-01", "2018-12-31"),
        ("2017-10?", "2017-10-01", "2017-10-31"),
        ("2017-12/2018-03", "2017-12-01", "2018-03-31"),
        ("2020-02-29", "2020-02-29", "2020-02-29"),
    ],
)
def test_edtf_bounds(text: str, lower: str, upper: str) -> None:
    start, end = edtf_bounds(text)
    assert (str(start), str(end)) == (lower, upper)


def test_edtf_open_interval() -> None:
    assert edtf_bounds("2018/..")[1] is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2018-02-30", "does not exist"),
        ("2018-02-29", "does not exist"),  # the edtf library itself accepts this one
        ("2018-13", "not a valid EDTF date"),
        ("late 2017", "not a valid EDTF date"),
        ("2019-10-01/2019-09-01", "ends before it starts"),
        ("[2019..2017]", "ends before it starts"),
    ],
)
def test_edtf_bounds_rejects(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        edtf_bounds(text)


def test_quote_normalisation_forgives_typography_only() -> None:
    assert normalise_quote_text("“It’s  over —\u00a0now”") == "\"It's over - now\""
    assert normalise_quote_text("Camp") != normalise_quote_text("camp")
    assert normalise_quote_text("...") != normalise_quote_text("…")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tursynai Ziyaud", "Tursynai Ziaud"),
        ("Sayragul Sauytbay", "Sairagul Sauytbai"),
        ("Сайрагүл Сауытбай", "Sayragul Sauytbay"),
        ("Musahanouly", "Mussahanuly"),
        ("Toursynbek", "Tursynbek"),
        ("Kabi, Nurlan", "Nurlan Kabiuly"),
        ("Aigul Akankyzy", "Aigul Akan qizi"),
        ("Zhanar", "Janar"),
    ],
)
def test_name_key_merges_spellings(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("Nurlan", "Nurbol"), ("Aigul", "Gulzira")])
def test_name_key_keeps_different_names_apart(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_real_data_validates() -> None:
    """The curated package in data/ passes every check, with the real geocoder and sources."""
    data = ROOT / "data"
    missing = [n for n in ("sources.csv", "places.csv", "people.csv") if not (data / n).exists()]
    if missing:
        pytest.fail(f"data/ lacks {missing}: the curated tables have not landed")
    problems = validate_package(data)
    assert problems == [], "\n".join(map(str, problems))


# --- properties of the quote matcher ---------------------------------------------------------

_TYPOGRAPHY = {"'": "’", '"': "“", "-": "—", " ": "\u00a0 "}


@given(data=st.data())
@settings(max_examples=200, deadline=None)
def test_any_extract_is_found_whatever_its_typography(data: st.DataObject) -> None:
    source = SourceText.read(SOURCES / fixtures.SOURCE_NAME)
    paragraph = data.draw(st.sampled_from([p for p in source.paragraphs if p]))
    words = paragraph.split(" ")
    start = data.draw(st.integers(0, len(words) - 1))
    end = data.draw(st.integers(start + 1, len(words)))
    extract = " ".join(words[start:end])
    swaps = data.draw(st.lists(st.sampled_from(sorted(_TYPOGRAPHY)), max_size=3))
    for plain in swaps:
        extract = extract.replace(plain, _TYPOGRAPHY[plain])
    assert source.contains(extract)


def test_only_typography_is_forgiven() -> None:
    source = SourceText.read(SOURCES / fixtures.SOURCE_NAME)
    assert source.contains("I\u2019m  sure.\u201d")
    assert source.contains("spring 2018 -- about") is False  # two hyphens are not one dash
    assert not source.contains("The Author met her")
    assert not source.contains("met her in Almaty in 2019 .")
    assert not source.contains("held in the camp at Bouryltogay ... about")
    assert not source.contains("")


def test_header_problems_are_on_line_one(tmp_path: Path) -> None:
    shutil.copytree(PACKAGES / "good", tmp_path / "pkg")
    path = tmp_path / "pkg" / "sites.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace(",description,", ",desc,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = validate_package(tmp_path / "pkg", SOURCES, geocoder=fake_geocode)
    assert [(p.file, p.row, p.field) for p in problems] == [("sites.csv", 1, "description")]
    assert problems[0].message == "header label 'desc' where the schema has field 'description'"


def test_blank_lines_are_reported(tmp_path: Path) -> None:
    shutil.copytree(PACKAGES / "good", tmp_path / "pkg")
    path = tmp_path / "pkg" / "events.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([header, "", *rows]) + "\n", encoding="utf-8")
    problems = validate_package(tmp_path / "pkg", SOURCES, geocoder=fake_geocode)
    assert [str(p) for p in problems] == ["events.csv:2:-: blank row"]


def test_not_utf8_is_one_problem_on_its_line(tmp_path: Path) -> None:
    shutil.copytree(PACKAGES / "good", tmp_path / "pkg")
    path = tmp_path / "pkg" / "sites.csv"
    path.write_bytes(path.read_bytes().replace(b"Bouryltogay camp", b"Bouryltogay caf\xe9"))
    problems = validate_package(tmp_path / "pkg", SOURCES, geocoder=fake_geocode)
    assert [(p.file, p.row) for p in problems] == [("sites.csv", 2)]
    assert "not UTF-8: byte b'\\xe9'" in problems[0].message


def test_missing_referenced_table_is_one_problem(tmp_path: Path) -> None:
    shutil.copytree(PACKAGES / "good", tmp_path / "pkg")
    (tmp_path / "pkg" / "sites.csv").unlink()
    problems = validate_package(tmp_path / "pkg", SOURCES, geocoder=fake_geocode)
    assert [(p.file, p.row) for p in problems] == [("sites.csv", None)]


def test_excel_csv_with_bom_and_crlf_is_fine(tmp_path: Path) -> None:
    shutil.copytree(PACKAGES / "good", tmp_path / "pkg")
    path = tmp_path / "pkg" / "people.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert validate_package(tmp_path / "pkg", SOURCES, geocoder=fake_geocode) == []


_WORD = st.text(alphabet="abdefgilmnorstuz", min_size=3, max_size=9)


@given(words=st.lists(_WORD, min_size=1, max_size=3), suffix=st.sampled_from(
    ["uly", "ulu", "kyzy", "qizi", "ogly", "Uly", "KYZY"]))
def test_name_key_ignores_case_order_punctuation_and_patronymic_words(
    words: list[str], suffix: str
) -> None:
    name = " ".join(words)
    key = name_key(name)
    assert name_key(name.upper()) == key
    assert name_key(", ".join(reversed(words))) == key
    assert name_key(f"{name} {suffix}") == key
    assert name_key(f"{name}-{suffix}.") == key


@pytest.mark.parametrize(
    ("country", "lon", "lat", "fragment"),
    [
        ("CH", 6.14569, 46.20222, None),  # Geneva, as in data/places.csv
        ("CH", 46.20222, 6.14569, "they look swapped"),
        ("US", -74.0, 40.7, None),
        ("US", 40.7, -74.0, "do not lie in country 'US' (outside US's bounding box)"),
        ("TR", 2.35, 48.85, "outside TR's bounding box)"),  # Paris is not in Turkey
        ("CN", 116.4, 39.9, None),  # Beijing: no Xinjiang district, but in China's box
        ("KZ", 87.6, 43.8, "(district 'CN-650103')"),  # Urumqi is not in Kazakhstan
        ("OTHER", 0.0, 0.0, None),  # nothing to test against
    ],
)
def test_override_must_lie_in_its_country(
    country: str, lon: float, lat: float, fragment: str | None
) -> None:
    row = RawRow(5, {"country": country, "lon": str(lon), "lat": str(lat)})
    problems = _check_override_country("places.csv", row, lon, lat)
    if fragment is None:
        assert problems == []
    else:
        (problem,) = problems
        assert (problem.row, problem.field) == (5, "lon")
        assert fragment in problem.message
