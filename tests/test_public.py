"""Proof that public mode publishes nothing withheld, on the small fixture and the real data.

The withheld material is derived from the records, not listed by hand: names, aliases, quotes
and notes of restricted and private people; quotes, notes and descriptions of restricted and
private detentions, events and reports (and of those concerning such people); names and quotes
of places only they refer to; the ids of private records; and the exact coordinates of
restricted homes (and restricted events at located places) that public mode snaps to a
district. A string that public records publish as well is not withheld.

Checked: (a) the bytes of ``python -m layers export --public``; (b) the app's page in public
mode through AppTest (every element, the map component's arguments, the download); the real
browser's page and map frame are checked in ``test_browser_public.py``. Each check has a
companion showing it catches a planted leak. Also: the app's public download equals
``export --public`` for the same filters (one code path, :func:`layers.public.public_layers`).
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from google.protobuf.json_format import MessageToJson
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe

from layers.build.assemble import build_layers
from layers.filters import Filters, filter_layers
from layers.io.export import to_geojson_bytes
from layers.layerset import Layers
from layers.public import NotPublicError, public_layers
from layers.records.facilities import load_facilities
from layers.records.load import DEFAULT_DATA_DIR, Records, load_records, split_list
from layers.records.sensitivity import most_sensitive, sensitivity_level
from layers.render.offline import js_literal
from layers.render.popup import esc
from layers.view import public_view
from tests.conftest import REPO, SMALL
from tests.test_export import WITHHELD

TIMEOUT = 300
WITHHOLDING = frozenset({"restricted", "private"})
#: Columns never published (so a withheld name in a public note does not make it public).
_UNPUBLISHED = frozenset({"note"})
_MIN_LENGTH = 4
_FRAGMENT = 40


# --- what is withheld -------------------------------------------------------------------------


@dataclass(frozen=True)
class Withheld:
    """Strings and (lon, lat) points that must not be published."""

    strings: tuple[str, ...]
    points: tuple[tuple[float, float], ...]


def _cells(row: pd.Series, fields: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in fields:
        value = row.get(name)
        if value is None or pd.isna(value):
            continue
        out += split_list(str(value)) if name == "aliases" else [str(value).strip()]
    return out


def _published_text(records: Records, withheld_ids: set[str]) -> str:
    """Every published-column cell of every row that is not withheld."""
    parts: list[str] = []
    for table in ("sources", "places", "people", "sites", "population_reports", "detentions",
                  "events"):
        frame = getattr(records, table)
        for _, row in frame.iterrows():
            if str(row["id"]) in withheld_ids:
                continue
            parts += _cells(row, [c for c in frame.columns if c not in _UNPUBLISHED])
    return "\n".join(parts)


def withheld_of(records: Records, layers: Layers) -> Withheld:
    """Derive what public mode must withhold (see the module docstring)."""
    people = records.people
    hidden_people = {str(i) for i in people.loc[people["sensitivity"].isin(WITHHOLDING), "id"]}
    private = {str(i) for i in people.loc[people["sensitivity"] == "private", "id"]}
    candidates: list[str] = sorted(private)
    withheld_ids = set(hidden_people)
    for _, row in people[people["id"].isin(hidden_people)].iterrows():
        candidates += _cells(row, ("name", "aliases", "quote", "note"))
    concerning = {
        "detentions": ("person_id", ("quote", "note")),
        "events": ("person_id", ("description", "quote", "note")),
        "population_reports": ("reported_by", ("quote", "note")),
    }
    for table, (person_column, fields) in concerning.items():
        frame = getattr(records, table)
        for _, row in frame.iterrows():
            level = row.get("sensitivity") if "sensitivity" in frame.columns else None
            person = row.get(person_column)
            about_hidden = isinstance(person, str) and person in hidden_people
            if level in WITHHOLDING or about_hidden:
                withheld_ids.add(str(row["id"]))
                candidates += _cells(row, fields)
                if level == "private" or (about_hidden and person in private):
                    candidates.append(str(row["id"]))
    places_used: dict[str, set[bool]] = {}
    references = (("people", ("origin_place_id", "residence_place_id")), ("sites", ("place_id",)),
                  ("detentions", ("place_id",)), ("events", ("place_id",)),
                  ("population_reports", ("place_id",)))
    for table, columns in references:
        frame = getattr(records, table)
        for _, row in frame.iterrows():
            for column in columns:
                place = row.get(column)
                if isinstance(place, str) and place:
                    places_used.setdefault(place, set()).add(str(row["id"]) in withheld_ids)
    only_hidden = {p for p, uses in places_used.items() if uses == {True}}
    for _, row in records.places[records.places["id"].isin(only_hidden)].iterrows():
        withheld_ids.add(str(row["id"]))
        candidates += _cells(row, ("name", "quote"))
    published = _published_text(records, withheld_ids)
    needles: set[str] = set()
    for text in candidates:
        pieces = [text]
        if len(text) > 2 * _FRAGMENT:
            pieces += [text[:_FRAGMENT].strip(), text[-_FRAGMENT:].strip()]
        needles.update(p for p in pieces if len(p) >= _MIN_LENGTH and p not in published)
    return Withheld(tuple(sorted(needles)), _hidden_points(layers))


def _hidden_points(layers: Layers) -> tuple[tuple[float, float], ...]:
    """Exact points of restricted features that public mode moves (and nothing public has)."""
    public = public_layers(layers)
    shown = {
        (round(x, 5), round(y, 5))
        for _, frame in public.items()
        for geometry in frame.geometry
        if geometry is not None and not geometry.is_empty
        for x, y in _coords(geometry)
    }
    points: set[tuple[float, float]] = set()
    for name in ("witnesses", "links", "events"):
        frame = layers[name]
        for _, row in frame[frame["sensitivity"] == "restricted"].iterrows():
            geometry, snapped = row.geometry, row.get("_snapped")
            if geometry is None or geometry.is_empty:
                continue
            exact = _coords(geometry)[0]  # a link's first end is the home
            moved = snapped is None or snapped.distance(_point(exact)) > 1e-5
            key = (round(exact[0], 5), round(exact[1], 5))
            if moved and key not in shown:
                points.add(exact)
    return tuple(sorted(points))


def _coords(geometry: Any) -> list[tuple[float, float]]:
    if geometry.geom_type == "Point":
        return [(geometry.x, geometry.y)]
    if geometry.geom_type == "LineString":
        return [(float(c[0]), float(c[1])) for c in geometry.coords]
    point = geometry.representative_point()
    return [(point.x, point.y)]


def _point(xy: tuple[float, float]) -> Any:
    from shapely.geometry import Point

    return Point(xy)


# --- finding them ---------------------------------------------------------------------------


def _forms(text: str) -> set[str]:
    """Every way a string can appear in the outputs: raw, HTML-, JSON- or script-escaped."""
    forms = {
        text,
        html.escape(text, quote=True),
        html.escape(text, quote=False),
        json.dumps(text, ensure_ascii=False)[1:-1],
        json.dumps(text)[1:-1],
        js_literal(text)[1:-1],
        js_literal(esc(text))[1:-1],
    }
    return {f for f in forms if f}


def _number(value: float) -> str:
    alternatives = set()
    for decimals in (4, 5, 6):
        fixed = f"{round(value, decimals):.{decimals}f}"
        alternatives |= {re.escape(fixed), re.escape(fixed.rstrip("0").rstrip("."))}
    return "(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + r")\d*"


def _point_patterns(lon: float, lat: float) -> list[re.Pattern[str]]:
    """A pair in either order (GeoJSON is lon,lat; the map payload lat,lon), >= 4 decimals."""
    x, y = _number(lon), _number(lat)
    sep = r"\s*,\s*"
    return [
        re.compile(rf"(?<![\d.]){x}{sep}{y}"),
        re.compile(rf"(?<![\d.]){y}{sep}{x}"),
    ]


def leaks(text: str, withheld: Withheld) -> list[str]:
    """Return the withheld strings and points found in ``text``."""
    found = [s for s in withheld.strings if any(form in text for form in _forms(s))]
    for lon, lat in withheld.points:
        if any(p.search(text) for p in _point_patterns(lon, lat)):
            found.append(f"point {lon}, {lat}")
    return found


# --- data sets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    name: str
    directory: Path | None  # None: the real data (the app's default)
    records: Records
    layers: Layers
    withheld: Withheld


_SETS: dict[str, DataSet] = {}


def data_set(name: str) -> DataSet:
    if name not in _SETS:
        directory = SMALL if name == "small" else None
        data = directory or DEFAULT_DATA_DIR
        records = load_records(data)
        facilities = load_facilities(
            data / "external" / "buzzfeed_2021" / "all_locations_2021-07-20.tsv"
        )
        layers = build_layers(records, facilities)
        _SETS[name] = DataSet(name, directory, records, layers, withheld_of(records, layers))
    return _SETS[name]


@pytest.fixture(params=["small", "real"])
def dataset(request: pytest.FixtureRequest) -> DataSet:
    return data_set(str(request.param))


def test_there_is_something_to_withhold(dataset: DataSet) -> None:
    assert len(dataset.withheld.strings) >= 10
    hidden = dataset.records.people["sensitivity"].isin(WITHHOLDING)
    for name in dataset.records.people.loc[hidden, "name"]:
        assert name in dataset.withheld.strings


def test_derived_list_covers_the_hand_written_one() -> None:
    withheld = data_set("small").withheld
    strings = [s for s in WITHHELD if not re.fullmatch(r"[\d.]+", s)]
    # Each hand-picked string is (part of) a derived one: the same records are covered.
    assert [s for s in strings if not any(s in derived for derived in withheld.strings)] == []
    assert any(round(lon, 6) == 87.654321 and round(lat, 6) == 47.123456
               for lon, lat in withheld.points)


# --- (a) export --public --------------------------------------------------------------------


def run_export(directory: Path | None, output: Path, *args: str) -> bytes:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    data = ["--data", str(directory)] if directory is not None else []
    done = subprocess.run(
        [sys.executable, "-m", "layers", "export", *data, "-o", str(output), *args],
        capture_output=True, text=True, cwd=REPO, env=env, check=False, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return output.read_bytes()


def test_public_export_leaks_nothing(dataset: DataSet, tmp_path: Path) -> None:
    data = run_export(dataset.directory, tmp_path / "public.geojson", "--public")
    assert leaks(data.decode("utf-8"), dataset.withheld) == []


def test_export_check_catches_a_planted_leak(dataset: DataSet) -> None:
    text = to_geojson_bytes(public_layers(dataset.layers), public=True).decode("utf-8")
    assert leaks(text, dataset.withheld) == []
    name = dataset.withheld.strings[0]
    planted = text.replace('"features":[', '"features":[' + json.dumps(name) + ",", 1)
    assert leaks(planted, dataset.withheld) == [name]
    full = to_geojson_bytes(dataset.layers).decode("utf-8")  # curator export: everything
    found = leaks(full, dataset.withheld)
    assert len(found) >= 3
    if dataset.withheld.points:
        assert any(f.startswith("point ") for f in found)


def test_point_check_reads_both_orders_and_roundings() -> None:
    withheld = Withheld((), ((87.654321, 47.123456),))
    assert leaks("[87.654321,47.123456]", withheld)
    assert leaks("[47.12346,87.65432,3]", withheld)  # the map payload: lat, lon, 5 decimals
    assert leaks("47.1235, 87.6543", withheld)
    assert not leaks("[87.65,47.12]", withheld)
    assert not leaks("[187.654321,47.123456]", withheld)


# --- the public download is export --public ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "args", "filters"),
    [
        ({}, (), Filters()),
        ({"years": "2018-2018", "undated": "0"}, ("--years", "2018", "--no-undated"),
         Filters(years=(2018, 2018), include_undated=False)),
        ({"q": "Withheld"}, ("--search", "Withheld"), Filters(search="Withheld")),
        ({"layers": "sites,witnesses", "district": "Fuhai"},
         ("--layers", "sites,witnesses", "--district", "Fuhai"),
         Filters(layers=("sites", "witnesses"), districts=("CN-654323",))),
    ],
)
def test_app_download_equals_export_public(
    query: dict[str, str], args: tuple[str, ...], filters: Filters, tmp_path: Path,
    app_env: None, downloads: dict[str, bytes],
) -> None:
    at = _app(query)
    assert not at.exception
    exported = run_export(SMALL, tmp_path / "public.geojson", "--public", *args)
    assert downloads["xinjiang-atlas.geojson"] == exported
    small = data_set("small").layers
    assert exported == to_geojson_bytes(filter_layers(public_layers(small), filters), public=True)


def test_filters_never_see_withheld_data() -> None:
    small = data_set("small").layers
    public = public_layers(small)
    found = filter_layers(public, Filters(search="Withheld"))
    assert sum(found.counts().values()) == 0
    dated = filter_layers(public, Filters(years=(2018, 2018), include_undated=False))
    assert "S003" not in set(dated.sites["id"])  # dated only by the private detention D003
    # Companion: filtering before redacting (the old export order) would show both.
    assert sum(filter_layers(small, Filters(search="Withheld")).counts().values()) > 0
    assert "S003" in set(
        filter_layers(small, Filters(years=(2018, 2018), include_undated=False)).sites["id"]
    )


def test_public_view_is_public_layers_and_idempotent() -> None:
    small = data_set("small").layers
    once = public_layers(small)
    assert to_geojson_bytes(public_view(small)) == to_geojson_bytes(once)
    assert to_geojson_bytes(public_layers(once)) == to_geojson_bytes(once)
    assert to_geojson_bytes(once, public=True) == to_geojson_bytes(public_layers(once), public=True)
    # The writer writes what it is given: told that unredacted layers are public, it refuses.
    with pytest.raises(NotPublicError, match=r"is not in the public view"):
        to_geojson_bytes(small, public=True)


# --- (b) the app's page (AppTest) -------------------------------------------------------------


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ATLAS_DATA_DIR", str(SMALL))
    monkeypatch.setenv("ATLAS_SOURCE_DIR", str(SMALL / "sources"))
    for name in ("ATLAS_FACILITIES", "ATLAS_BASEMAP", "ATLAS_PUBLIC"):
        monkeypatch.delenv(name, raising=False)
    yield


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def page_text(at: AppTest, downloads: dict[str, bytes]) -> str:
    """Everything the page holds: every element, the map component's args, the downloads."""
    parts: list[str] = []
    for root in (at.main, at.sidebar):
        for node in _nodes(root):
            proto = getattr(node, "proto", None)
            if proto is not None:
                parts.append(MessageToJson(proto, ensure_ascii=False))
            if isinstance(node, Dataframe):
                parts.append(node.value.to_csv())
    for instance in at.get("component_instance"):
        args = json.loads(instance.proto.json_args)
        parts += [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                  for v in args.values()]
    parts += [data.decode("utf-8", "replace") for data in downloads.values()]
    return "\n".join(parts)


@pytest.mark.parametrize("query", [{}, {"q": "Withheld"}, {"layers": "witnesses,links"}])
def test_public_page_leaks_nothing(
    query: dict[str, str], app_env: None, downloads: dict[str, bytes]
) -> None:
    at = _app(query)
    assert not at.exception
    text = page_text(at, downloads)
    assert "atlasData(" in text and "xinjiang-atlas.geojson" in downloads
    assert leaks(text, data_set("small").withheld) == []


def test_public_page_with_real_data_leaks_nothing(
    monkeypatch: pytest.MonkeyPatch, downloads: dict[str, bytes]
) -> None:
    for name in ("ATLAS_DATA_DIR", "ATLAS_SOURCE_DIR", "ATLAS_FACILITIES", "ATLAS_PUBLIC"):
        monkeypatch.delenv(name, raising=False)
    at = _app()
    assert not at.exception
    assert leaks(page_text(at, downloads), data_set("real").withheld) == []


def test_page_check_catches_the_curator_view(
    app_env: None, monkeypatch: pytest.MonkeyPatch, downloads: dict[str, bytes]
) -> None:
    """Companion: the same check on the curator view (ATLAS_PUBLIC=0) finds the withheld data."""
    monkeypatch.setenv("ATLAS_PUBLIC", "0")
    at = _app()
    assert not at.exception
    withheld = data_set("small").withheld
    found = leaks(page_text(at, downloads), withheld)
    assert "Withheld Woman Testname" in found and "Private Person Testname" in found
    assert any(f.startswith("point ") for f in found)
    table_only = leaks(at.dataframe[-1].value.to_csv(), withheld)
    assert "Withheld Woman Testname" in table_only


def test_redacting_twice_changes_nothing_for_a_witness_with_a_private_detention() -> None:
    """The app redacts once, and its public download redacts again: the second pass is a no-op.

    (Found with the synthetic 1k package: the detention list was trimmed but its parallel list
    of sensitivities was not, and the second pass raised.)
    """
    from layers.public import redact

    row = {
        "sensitivity": "public", "geometry": None, "sources": [],
        "detained_at": ["S001", "S002"], "_detained_at_sensitivity": ["public", "private"],
    }
    once = redact("witnesses", row)
    assert once is not None
    twice = redact("witnesses", once[0])
    assert twice is not None
    assert once[0]["detained_at"] == twice[0]["detained_at"] == ["S001"]
    assert twice[0]["_detained_at_sensitivity"] == ["public"]


# --- a blank or unknown sensitivity fails closed -----------------------------------------------

#: Levels that are not exactly ``public``, ``restricted`` or ``private``: all read as private.
UNREADABLE_LEVELS = [pd.NA, "", "   ", "Private", "Restricted", "PUBLIC", "secret"]


def _built_with_level(table: str, row_id: str, level: object) -> Layers:
    """Build the small fixture with one row's sensitivity replaced, past load_records' check."""
    records = data_set("small").records
    frame = getattr(records, table).copy()
    assert (frame["id"] == row_id).sum() == 1
    frame.loc[frame["id"] == row_id, "sensitivity"] = level
    return build_layers(dataclasses.replace(records, **{table: frame}), None)


def _public_outputs(layers: Layers) -> list[str]:
    """What ``export --public`` and the app publish: public_layers, then the export."""
    shown = public_layers(layers)
    return [
        to_geojson_bytes(shown, public=True).decode("utf-8"),
        to_geojson_bytes(shown).decode("utf-8"),
    ]


def _ids(layers: Layers) -> set[str]:
    return {str(i) for _, frame in layers.items() for i in frame["id"]}


@pytest.mark.parametrize("level", UNREADABLE_LEVELS, ids=repr)
def test_restricted_person_with_unreadable_sensitivity_is_left_out(level: object) -> None:
    """The security review's case: blank a restricted person's level; nothing of theirs shows."""
    layers = _built_with_level("people", "P003", level)
    assert layers.witnesses.set_index("id").loc["P003-origin", "sensitivity"] == "private"
    assert {"P003-origin", "P003->S002", "R002"}.isdisjoint(_ids(public_layers(layers)))
    assert "Withheld Woman Testname" in to_geojson_bytes(layers).decode("utf-8")  # curator view
    for published in _public_outputs(layers):
        for withheld in ("Withheld Woman Testname", "Withheld Alias Testname", "P003",
                         "where she herself was held", "14,000 people were in the Shapshal"):
            assert withheld not in published


@pytest.mark.parametrize("level", ["", "Public"], ids=repr)
def test_public_person_with_unreadable_sensitivity_is_left_out_not_redacted(
    level: object,
) -> None:
    layers = _built_with_level("people", "P001", level)
    published = public_layers(layers)
    assert {"P001-origin", "P001->S002"}.isdisjoint(_ids(published))
    for text in _public_outputs(layers):
        assert "Sayragül Testkyzy" not in text and "P001" not in text
        assert "She was held from September 2017 to April 2018" not in text  # D002's quote


@pytest.mark.parametrize(
    ("table", "row_id", "left_out", "quote"),
    [
        ("detentions", "D001", "P002->S001",
         "held in the camp of Bouryltogay district until February 2018"),
        ("events", "E001", "E001", "He was arrested at the border in November 2017"),
    ],
)
@pytest.mark.parametrize("level", ["", "Private"], ids=repr)
def test_row_with_unreadable_sensitivity_is_left_out(
    table: str, row_id: str, left_out: str, quote: str, level: object
) -> None:
    layers = _built_with_level(table, row_id, level)
    assert left_out in _ids(layers)
    assert left_out not in _ids(public_layers(layers))
    for text in _public_outputs(layers):
        assert quote not in text


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("public", "public"), ("restricted", "restricted"), ("private", "private"),
        (" restricted\t", "restricted"), ("", "private"), ("  ", "private"), (None, "private"),
        (pd.NA, "private"), (float("nan"), "private"), ("Private", "private"),
        ("Public", "private"), ("PUBLIC", "private"), ("secret", "private"), (0, "private"),
    ],
)
def test_sensitivity_level_fails_closed(value: object, level: str) -> None:
    assert sensitivity_level(value) == level


def test_most_sensitive_reads_unknown_levels_as_private() -> None:
    assert most_sensitive(["Private"]) == "private"  # once a KeyError
    assert most_sensitive(["public", "Restricted"]) == "private"
    assert most_sensitive(["public", ""]) == "private"
    assert most_sensitive(["public", None]) == "private"
    assert most_sensitive(["public", " restricted "]) == "restricted"
    assert most_sensitive(["public", "public"]) == "public"
    assert most_sensitive([]) == "public"


@pytest.mark.parametrize("level", [*UNREADABLE_LEVELS, None], ids=repr)
def test_redact_leaves_out_a_row_or_entry_of_unreadable_sensitivity(level: object) -> None:
    from layers.public import redact

    assert redact("sites", {"sensitivity": level, "geometry": None, "sources": []}) is None
    assert redact("sites", {"geometry": None, "sources": []}) is None  # no level at all
    site = {
        "sensitivity": "public", "geometry": None,
        "sources": [
            {"source": "s", "quote": "unreadable quote", "_sensitivity": level, "_years": None},
            {"source": "facilities", "quote": None},  # built in code, no level: public
            {"source": "s", "quote": "public quote", "_sensitivity": "public", "_years": None},
        ],
        "population_reports": [
            {"count": 99_000, "quote": "unreadable report", "_sensitivity": level},
            {"count": 10, "quote": "public report", "_sensitivity": "public"},
        ],
    }
    redacted = redact("sites", site)
    assert redacted is not None
    values = redacted[0]
    assert [e["quote"] for e in values["sources"]] == [None, "public quote"]
    assert [r["quote"] for r in values["population_reports"]] == ["public report"]
    assert values["max_population"] == 10
    witness = {
        "sensitivity": " restricted ", "geometry": None, "sources": [], "name": "A Name",
        "detained_at": ["S001", "S002"], "_detained_at_sensitivity": [level, "public"],
        "_snapped": None, "_snapped_precision": "county",
    }
    redacted = redact("witnesses", witness)
    assert redacted is not None
    assert redacted[0]["sensitivity"] == "restricted" and redacted[0]["name"] is None
    assert redacted[0]["detained_at"] == ["S002"]
