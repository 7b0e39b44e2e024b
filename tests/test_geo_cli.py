"""``python -m geo``, run as a user runs it (a subprocess), against the shipped data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRICT_KEYS = {"id", "name", "level", "parent", "country", "names"}
PLACE_KEYS = [
    "query", "name", "lon", "lat", "precision", "country", "district", "score", "stage",
    "candidates", "successor", "predecessor", "within",
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
        (("geocode", "Aksu", "--within", "Atlantis"), "the within hint 'Atlantis' names no"),
        (("geocode", "Aksu", "--within", " "), "--within needs a place"),
        (("district", "87.6", "43.8", "--year", "2009"), "year 2009 is not a year from 2010"),
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
        "light = 'geopandas' in sys.modules; geo.district_at; "
        "print(before, light, 'geopandas' in sys.modules, callable(geo.geocode))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False", "True", "True"]


def test_a_lookup_reads_the_index_from_disk_without_geopandas(tmp_path: Path) -> None:
    env = {**os.environ, "ATLAS_CACHE_DIR": str(tmp_path)}
    code = (
        "import sys, geo; p = geo.geocode('Bouryltogay'); "
        "print(p.district.id, 'geopandas' in sys.modules)"
    )

    def once() -> list[str]:
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                                capture_output=True, text=True, check=True)
        return result.stdout.split()

    # No index on disk: built from the district file read without geopandas
    # (geo._districtfile), then read back from disk.
    assert once() == ["CN-654323", "False"]
    assert list((tmp_path / "geo").glob("geocode-index-*.pickle"))
    assert once() == ["CN-654323", "False"]


def test_geocode_within() -> None:
    plain = run("geocode", "Yengisheher")
    hinted = run("geocode", "Yengisheher", "--within", "Kashgar")
    assert plain.returncode == hinted.returncode == 0, hinted.stderr
    (a,), (b,) = lines(plain.stdout), lines(hinted.stdout)
    assert isinstance(a, dict) and isinstance(b, dict)
    assert a["district"]["id"] == "CN-650104" and a["within"] is None
    assert b["district"]["id"] == "CN-653122"
    assert b["within"] == {"query": "Kashgar", "id": "CN-653100", "name": "Kashgar Prefecture",
                           "inside": True, "changed": True}


def test_geocode_within_refuses_to_cross_the_border() -> None:
    result = run("geocode", "Zhanakala", "--within", "Kunes")
    assert result.returncode == 1
    assert "never crosses the hint's border" in result.stderr


def test_geocode_csv_file_reads_hints_per_row(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "Name,within,country\n"
        "Yengisheher,Kashgar,\n"
        "Yengisheher,Urumqi,\n"
        "Yengisheher,,\n"  # the --within flag fills an empty cell
        "Zhanakala,Kunes,\n"
        ",,\n"
        "Aksu,Pavlodar Region,KZ\n",
        encoding="utf-8",
    )
    result = run("geocode", "--file", str(rows), "--within", "Kuqa")
    assert result.returncode == 0, result.stderr
    out = lines(result.stdout)
    assert [o.get("query") for o in out] == [  # type: ignore[union-attr]
        "Yengisheher", "Yengisheher", "Yengisheher", "Zhanakala", "", "Aksu"
    ]
    districts = [o["district"]["id"] if "district" in o else None for o in out]  # type: ignore[index,operator]
    assert districts[:3] == ["CN-653122", "CN-650104", "CN-652902"]
    assert set(out[3]) == {"query", "error"}  # type: ignore[arg-type]
    assert out[4] == {"query": "", "error": "empty name"}
    assert out[5]["district"]["id"] == "KZ-55"  # type: ignore[index]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("name,within\nAksu,Atlantis\n", "line 2, field 'within': the within hint 'Atlantis'"),
        ("name,country\nAksu,XX\n", "line 2, field 'country': unknown country 'XX'"),
        ("name,within\nAksu,Ili,extra\n", "line 2: 3 field(s) where the header has 2"),
    ],
)
def test_geocode_csv_file_bad_rows_print_nothing(
    tmp_path: Path, content: str, needle: str
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(content, encoding="utf-8")
    result = run("geocode", "--file", str(rows))
    assert (result.returncode, result.stdout) == (2, "")
    assert needle in result.stderr


def test_a_plain_names_file_is_not_read_as_csv(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("name of a place\nFuhai County\n", encoding="utf-8")
    out = lines(run("geocode", "--file", str(names)).stdout)
    assert [o["query"] for o in out] == ["name of a place", "Fuhai County"]  # type: ignore[index]


def test_district_year() -> None:
    result = run("district", "80.4", "44.2", "--year", "2013")  # in today's Khorgas City
    assert result.returncode == 0, result.stderr
    (data,) = lines(result.stdout)
    assert isinstance(data, dict)
    assert (data["id"], data["name"], data["year"], data["today"]) == (
        "CN-654023", "Huocheng County", 2013, "CN-654004"
    )
    (now,) = lines(run("district", "80.4", "44.2").stdout)
    assert isinstance(now, dict) and now["id"] == "CN-654004" and "year" not in now


def test_district_file_year(tmp_path: Path) -> None:
    points = tmp_path / "points.csv"
    points.write_text("lon,lat\n83.0,41.7\n0,0\n", encoding="utf-8")  # Kuqa, nowhere
    out = lines(run("district", "--file", str(points), "--year", "2016").stdout)
    assert out[1] is None
    assert isinstance(out[0], dict)
    assert (out[0]["id"], out[0]["name"], out[0]["today"]) == (
        "CN-652923", "Kuqa County", "CN-652902"
    )
