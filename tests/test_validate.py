"""Tests of ``layers.records.validate``: the real data, and packages with one planted defect."""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo._errors import PlaceNotFound
from layers.records import validate
from layers.records.checks import _check_override_country, edtf_bounds
from layers.records.names import name_key
from layers.records.quotes import SourceText, confined_source_path, normalise_quote_text
from layers.records.tables import RawRow
from layers.records.validate import Problem, check_package, quote_proof_status, validate_package
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


def run_case(case: str, sources: Path = SOURCES, *, strict: bool = True) -> list[Problem]:
    """Validate a fixture package; ``strict``: a missing source text is a problem (as in CI)."""
    return validate_package(
        PACKAGES / case, sources, geocoder=fake_geocode, require_sources=strict
    )


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


def test_missing_source_directory_is_one_problem_when_required(tmp_path: Path) -> None:
    (problem,) = run_case("good", tmp_path / "nowhere")
    assert (problem.file, problem.row, problem.field) == ("sources.csv", 2, "path")
    assert "the source directory does not exist" in problem.message
    assert "11 quotes citing 'fx-source' were not checked" in problem.message
    assert repr(fixtures.SOURCE_SHA256) in problem.message


def test_missing_source_directory_skips_the_quote_proof(tmp_path: Path) -> None:
    result = check_package(
        PACKAGES / "good", tmp_path / "nowhere", geocoder=fake_geocode, require_sources=False
    )
    assert result.problems == []
    assert result.quotes_skipped
    assert result.quotes is not None
    notice = result.quotes.notice()
    assert notice.startswith("quote proof SKIPPED: 1 source text is missing, so 11 quotes")
    assert f"'fx-source': {fixtures.SOURCE_NAME!r}" in notice
    assert repr(fixtures.SOURCE_SHA256) in notice
    assert repr(str((tmp_path / "nowhere").resolve())) in notice
    assert "--sources DIR or $ATLAS_SOURCE_DIR" in notice
    assert "ATLAS_REQUIRE_SOURCES=1" in notice


def test_missing_source_file_skips_only_when_allowed() -> None:
    assert run_case("missing_source_file", strict=False) == []
    (problem,) = run_case("missing_source_file", strict=True)
    assert "cannot read 'no-such-file.txt'" in problem.message
    assert "no such file" in problem.message


def test_require_sources_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATLAS_REQUIRE_SOURCES", raising=False)
    assert validate.sources_required() is False
    assert validate_package(PACKAGES / "good", tmp_path, geocoder=fake_geocode) == []
    monkeypatch.setenv("ATLAS_REQUIRE_SOURCES", "1")
    assert validate.sources_required() is True
    problems = validate_package(PACKAGES / "good", tmp_path, geocoder=fake_geocode)
    assert [(p.file, p.row, p.field) for p in problems] == [("sources.csv", 2, "path")]
    assert validate.sources_required({"ATLAS_REQUIRE_SOURCES": "0"}) is False


def test_source_directory_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SOURCES, tmp_path / "texts")
    monkeypatch.setenv("ATLAS_SOURCE_DIR", str(tmp_path / "texts"))
    good = PACKAGES / "good"
    assert validate_package(good, geocoder=fake_geocode, require_sources=True) == []
    monkeypatch.setenv("ATLAS_SOURCE_DIR", str(tmp_path / "elsewhere"))
    problems = validate_package(good, geocoder=fake_geocode, require_sources=True)
    assert [p.field for p in problems] == ["path"]
    assert str(tmp_path / "elsewhere") in problems[0].message


# --- source paths are confined to the source directory ---------------------------------------

#: Planted in a file beside the source directory: no message may ever show it.
SECRET = "SECRET-7f3a91"


def _package_citing(tmp_path: Path, path_value: str) -> tuple[Path, Path, Path]:
    """Copy the good package and its texts into ``tmp_path``; ``sources.path`` := the value.

    Returns the package, the source directory and a file outside it whose every line mixes
    :data:`SECRET` into passages like the quotes (so reading it would leak it into a
    "closest" excerpt, and its sha256 into a mismatch message).
    """
    package, texts = tmp_path / "pkg", tmp_path / "texts"
    shutil.copytree(PACKAGES / "good", package)
    shutil.copytree(SOURCES, texts)
    outside = tmp_path / "outside.txt"
    outside.write_text(
        "".join(
            f"{SECRET} {line.replace(' ', f' {SECRET} ', 2)} {SECRET}\n"
            for line in fixtures.SOURCE_TEXT.splitlines()
        ),
        encoding="utf-8",
    )
    sources = package / "sources.csv"
    with sources.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["path"] = path_value
    with sources.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return package, texts, outside


def _assert_refused(
    problems: list[Problem], value: str, outside: Path, reason: str
) -> None:
    rendered = "\n".join(map(str, problems))
    assert len(problems) == 1, rendered
    (problem,) = problems
    assert (problem.file, problem.row, problem.field) == ("sources.csv", 2, "path"), rendered
    assert str(problem).startswith(f"sources.csv:2:path: source 'fx-source': path {value!r} ")
    assert reason in problem.message
    assert "nothing was read from it and 11 quotes citing 'fx-source' were not checked" in (
        problem.message
    )
    assert SECRET not in rendered
    assert hashlib.sha256(outside.read_bytes()).hexdigest() not in rendered
    assert "closest" not in rendered


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("traversal", "climbs out of the source directory with '..'"),
        ("absolute", "is an absolute path"),
        ("symlink", "resolves outside the source directory"),
        ("symlinked_dir", "resolves outside the source directory"),
    ],
)
def test_source_path_outside_the_directory_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, reason: str, strict: bool
) -> None:
    values = {
        "traversal": "../outside.txt",
        "absolute": str(tmp_path / "outside.txt"),
        "symlink": "link.txt",
        "symlinked_dir": "up/outside.txt",
    }
    package, texts, outside = _package_citing(tmp_path, values[kind])
    (texts / "link.txt").symlink_to(outside)
    (texts / "up").symlink_to(tmp_path, target_is_directory=True)
    read: list[Path] = []
    original = SourceText.read.__func__

    def spy(cls: type[SourceText], path: Path) -> SourceText:
        read.append(Path(path).resolve())
        return original(cls, path)

    monkeypatch.setattr(SourceText, "read", classmethod(spy))
    problems = validate_package(package, texts, geocoder=fake_geocode, require_sources=strict)
    _assert_refused(problems, values[kind], outside, reason)
    assert outside.resolve() not in read
    status = quote_proof_status(package, texts)
    assert not status.proven
    assert SECRET not in status.message
    assert outside.resolve() not in read


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("/etc/passwd", "is an absolute path"),
        ("../../../../etc/passwd", "climbs out of the source directory with '..'"),
        ("/vsicurl/http://198.51.100.7/book.txt", "is a URL or a virtual file system path"),
        ("file:///etc/passwd", "is a URL or a virtual file system path"),
        ("https://198.51.100.7/book.txt", "is a URL or a virtual file system path"),
        (".", "names the source directory itself"),
        ("subdir", "names a directory, not a file"),
        ("sub/../fixture-source.txt", "climbs out of the source directory with '..'"),
    ],
)
def test_source_path_must_name_a_file_in_the_directory(
    tmp_path: Path, value: str, reason: str
) -> None:
    package, texts, outside = _package_citing(tmp_path, value)
    (texts / "subdir").mkdir()
    problems = validate_package(package, texts, geocoder=fake_geocode, require_sources=False)
    _assert_refused(problems, value, outside, reason)
    assert "root:" not in "\n".join(map(str, problems))


def test_bad_source_path_is_refused_even_without_the_directory(tmp_path: Path) -> None:
    package, _, outside = _package_citing(tmp_path, "../outside.txt")
    result = check_package(
        package, tmp_path / "nowhere", geocoder=fake_geocode, require_sources=False
    )
    _assert_refused(result.problems, "../outside.txt", outside, "climbs out")
    assert not result.quotes_skipped  # refused, not missing


def test_confined_source_path_accepts_files_inside(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.txt").write_text("x", encoding="utf-8")
    (tmp_path / "alias.txt").symlink_to(tmp_path / "a" / "b.txt")
    assert confined_source_path(tmp_path, "a/b.txt") == (tmp_path / "a" / "b.txt").resolve()
    assert confined_source_path(tmp_path, "alias.txt") == (tmp_path / "a" / "b.txt").resolve()
    assert confined_source_path(tmp_path, "not-yet.txt") == (tmp_path / "not-yet.txt").resolve()


# --- the quote proof as the app shows it -----------------------------------------------------


def test_quote_proof_status_proven_and_skipped(tmp_path: Path) -> None:
    proven = quote_proof_status(PACKAGES / "good", SOURCES)
    assert (proven.proven, proven.skipped, proven.sources, proven.quotes) == (True, False, 1, 11)
    assert proven.message.startswith("quotes proven against the source texts in ")
    skipped = quote_proof_status(PACKAGES / "good", tmp_path / "nowhere")
    assert (skipped.proven, skipped.skipped, skipped.sources, skipped.quotes) == (
        False, True, 0, 0
    )
    assert "quote proof SKIPPED" in skipped.message
    assert "'fx-source'" in skipped.message
    assert repr(fixtures.SOURCE_SHA256) in skipped.message
    wrong = quote_proof_status(PACKAGES / "quote_not_in_source", SOURCES)
    assert (wrong.proven, wrong.skipped, wrong.problems) == (False, False, 1)
    gone = quote_proof_status(tmp_path / "no-package", SOURCES)
    assert (gone.proven, gone.problems) == (False, 1)


def _real_data_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Copy data/'s descriptor and tables (not the source texts: they never were there)."""
    target = tmp_path / "data"
    target.mkdir()
    for path in [ROOT / "data" / "datapackage.json", *(ROOT / "data").glob("*.csv")]:
        shutil.copyfile(path, target / path.name)
    with (target / "sources.csv").open(encoding="utf-8", newline="") as handle:
        first = next(csv.DictReader(handle))
    return target, first


def test_cli_without_source_texts_skips_loudly_and_exits_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data, source = _real_data_copy(tmp_path)
    monkeypatch.delenv("ATLAS_REQUIRE_SOURCES", raising=False)
    monkeypatch.setenv("ATLAS_SOURCE_DIR", str(tmp_path / "nowhere"))
    status = validate.main(["--data", str(data)])
    captured = capsys.readouterr()
    assert status == 0, captured.out
    assert captured.out.endswith(
        " tables: 0 problems; quote proof SKIPPED (source texts missing)\n"
    )
    assert captured.err.startswith("quote proof SKIPPED: 1 source text is missing")
    assert f"{source['id']!r}: {source['path']!r}, sha256 {source['sha256']!r}" in captured.err
    assert repr(str((tmp_path / "nowhere").resolve())) in captured.err

    monkeypatch.setenv("ATLAS_REQUIRE_SOURCES", "1")
    status = validate.main(["--data", str(data)])
    captured = capsys.readouterr()
    assert status == 1
    assert captured.out.startswith(f"sources.csv:2:path: cannot read {source['path']!r}")
    assert repr(source["sha256"]) in captured.out
    assert captured.out.endswith(" tables: 1 problem\n")
    assert captured.err == ""


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


def test_real_data_validates(source_texts: Path) -> None:
    """The curated package in data/ passes every check, with the real geocoder and sources."""
    data = ROOT / "data"
    missing = [n for n in ("sources.csv", "places.csv", "people.csv") if not (data / n).exists()]
    if missing:
        pytest.fail(f"data/ lacks {missing}: the curated tables have not landed")
    problems = validate_package(data, source_texts, require_sources=True)
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
