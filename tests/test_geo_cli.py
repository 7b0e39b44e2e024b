"""``python -m geo``, run as a user runs it (a subprocess), against the shipped data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRICT_KEYS = {"id", "name", "level", "parent", "country", "names"}
PLACE_KEYS = [
    "query", "name", "lon", "lat", "precision", "country", "district", "score", "stage",
    "candidates",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def lines(stdout: str) -> list[object]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_geocode_one_name() -> None:
    result = run("geocode", "Bouryltogay")
    assert result.returncode == 0, result.stderr
    (data,) = lines(result.stdout)
    assert isinstance(data, dict)
    assert list(data) == PLACE_KEYS
    assert data["query"] == "Bouryltogay"
    assert data["precision"] == "county"
    assert set(data["district"]) == DISTRICT_KEYS
    assert data["district"]["id"] == "CN-654323"
    assert "福海县" in data["district"]["names"]
    assert "福海县" in result.stdout  # UTF-8, not \\u escapes


def test_geocode_with_country_hint() -> None:
    result = run("geocode", "Khorgos", "--country", "KZ")
    assert result.returncode == 0, result.stderr
    (data,) = lines(result.stdout)
    assert isinstance(data, dict) and data["country"] == "KZ"


def test_geocode_no_match_exits_1_with_json_and_message() -> None:
    result = run("geocode", "Qwxzvbnm")
    assert result.returncode == 1
    (data,) = lines(result.stdout)
    assert isinstance(data, dict) and set(data) == {"query", "error"}
    assert data["query"] == "Qwxzvbnm"
    assert "Qwxzvbnm" in result.stderr and "closest" in result.stderr


def test_geocode_file_keeps_order_and_reports_misses(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("Shaueshek\nQwxzvbnm\n\n福海县\nНылқы\n", encoding="utf-8")
    result = run("geocode", "--file", str(names), "--country", "CN")
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 5
    assert [o["query"] for o in out] == ["Shaueshek", "Qwxzvbnm", "", "福海县", "Нылқы"]  # type: ignore[index]
    assert set(out[1]) == {"query", "error"} == set(out[2])  # type: ignore[arg-type]
    assert out[0]["district"]["id"] == "CN-654201"  # type: ignore[index]
    assert out[3]["district"]["id"] == "CN-654323"  # type: ignore[index]
    assert out[4]["district"]["id"] == "CN-654028"  # type: ignore[index]


def test_district_point_and_outside() -> None:
    inside = run("district", "87.49", "47.11")  # Fuhai town
    assert inside.returncode == 0, inside.stderr
    (data,) = lines(inside.stdout)
    assert isinstance(data, dict) and set(data) == DISTRICT_KEYS
    assert data["id"] == "CN-654323" and data["level"] == "county"
    outside = run("district", "-0.12", "51.5")  # London, negative longitude
    assert outside.returncode == 0, outside.stderr
    assert outside.stdout.strip() == "null"


def test_district_file(tmp_path: Path) -> None:
    points = tmp_path / "points.csv"
    points.write_text("lon,lat\n87.49,47.11\n0,0\n76.95,43.25\n", encoding="utf-8")
    result = run("district", "--file", str(points))
    assert result.returncode == 0, result.stderr
    first, second, third = lines(result.stdout)
    assert isinstance(first, dict) and first["id"] == "CN-654323"
    assert second is None
    assert isinstance(third, dict) and third["country"] == "KZ"  # Almaty


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("lon,lat\n87.49,47.11\n87.5,north\n", ["line 3", "'lat'", "'north'"]),
        ("lon,lat\n187.49,47.11\n", ["line 2", "'lon'", "'187.49'", "outside"]),
        ("lon,lat\nnan,47.11\n", ["line 2", "'lon'", "'nan'", "not a finite number"]),
        ("lon,lat\n87.49\n", ["line 2", "1 field(s)"]),
        ("x,y\n87.49,47.11\n", ["line 1", "lacks 'lon' and 'lat'"]),
    ],
)
def test_district_file_bad_rows(tmp_path: Path, content: str, needles: list[str]) -> None:
    points = tmp_path / "points.csv"
    points.write_text(content, encoding="utf-8")
    result = run("district", "--file", str(points))
    assert result.returncode == 2
    assert result.stdout == ""  # nothing half-done
    assert str(points) in result.stderr
    for needle in needles:
        assert needle in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("geocode", "--file", "no/such/names.txt"), "no/such/names.txt: no such file"),
        (("district", "--file", "no/such/points.csv"), "no/such/points.csv: no such file"),
        (("district", "95", "91"), "latitude '91' is outside [-90, 90]"),
        (("district", "nan", "40"), "longitude 'nan' is not a finite number"),
        (("district", "east", "40"), "longitude 'east' is not a number"),
        (("geocode", "Fuhai", "--country", "China"), "country 'China' is not an ISO"),
        (("geocode", "Fuhai", "--country", "XX"), "unknown country 'XX'"),
        (("geocode", "--file", "README.md", "--country", "qq"), "unknown country 'QQ'"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: tuple[str, ...], needle: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert needle in result.stderr


def test_unknown_country_prints_nothing_and_a_known_one_is_a_miss() -> None:
    unknown = run("geocode", "Fuhai", "--country", "XX")
    assert (unknown.returncode, unknown.stdout) == (2, "")
    known = run("geocode", "Fuhai", "--country", "us")  # a real code: no match is exit 1
    assert known.returncode == 1
    assert "No place in 'US'" in known.stderr


def test_help_documents_the_two_file_modes() -> None:
    district = run("district", "--help")
    assert district.returncode == 0
    assert "all or nothing" in " ".join(district.stdout.split())
    geocode = run("geocode", "--help")
    assert "misses as" in " ".join(geocode.stdout.split())


def test_non_utf8_names_file(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_bytes(b"Fuhai\n" + "Шәуешек\n".encode("cp1251", errors="replace"))
    result = run("geocode", "--file", str(names))
    assert result.returncode == 2
    assert f"{names}: line 2 is not UTF-8" in result.stderr


def test_usage_errors() -> None:
    assert run("geocode").returncode == 2
    assert run("geocode", "Fuhai", "--file", "x.txt").returncode == 2
    assert run("frobnicate").returncode == 2


def test_import_geo_does_not_load_geopandas() -> None:
    code = (
        "import sys, geo; before = 'geopandas' in sys.modules; geo.District; "
        "print(before, 'geopandas' in sys.modules, callable(geo.geocode))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True", "True"]
