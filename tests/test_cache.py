"""layers.build.cache: the parquet cache reads back what was built; any change rebuilds it."""

from __future__ import annotations

import gc
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point

from layers.build.cache import (
    CACHE_VERSION,
    CacheError,
    cache_key,
    cached_layers,
    default_cache_dir,
    package_files,
    read_layers,
    write_layers,
)
from layers.io.export import to_geojson_bytes
from layers.layerset import Layers
from layers.view import public_view
from tests._small import SMALL_DIR, SMALL_FACILITIES, small_layers

TITLES = {"small-test": "Fictitious test text"}


def _same(a: Layers, b: Layers) -> None:
    for name, frame in a.items():
        other = getattr(b, name)
        assert list(frame.columns) == list(other.columns), name
        assert dict(frame.dtypes.astype(str)) == dict(other.dtypes.astype(str)), name
        for column in frame.columns:
            for x, y in zip(frame[column].tolist(), other[column].tolist(), strict=True):
                if hasattr(x, "equals"):
                    assert x.equals(y), (name, column)
                elif x is pd.NA or x is None:
                    assert y is x, (name, column, x, y)
                else:
                    assert x == y and type(x) is type(y), (name, column, x, y)


@pytest.mark.parametrize("public", [False, True])
def test_layers_read_back_equal(tmp_path: Path, public: bool) -> None:
    layers = public_view(small_layers()) if public else small_layers()
    write_layers(tmp_path / "entry", layers, TITLES)
    back, titles = read_layers(tmp_path / "entry")
    _same(layers, back)
    assert titles == TITLES
    assert to_geojson_bytes(back, public=False) == to_geojson_bytes(layers, public=False)
    # tuples inside nested cells come back as tuples (the exporter's per-entry years)
    years = [e["_years"] for cell in back.sites["sources"] for e in cell if e.get("_years")]
    assert years and all(type(y) is tuple for y in years)


def _odd_layers() -> Layers:
    """The small layers plus a column of every shape a cell can take, and an empty layer."""
    layers = small_layers()
    sites = layers.sites.copy()
    n = len(sites)
    cells: dict[str, list[object]] = {
        "_t_missing": [None] * n,  # all-empty text: parquet type null
        "_t_numbers": [1.5 if i % 2 else None for i in range(n)],  # not NaN back
        "_t_ints": [i if i % 3 else None for i in range(n)],
        "_t_lists": [None if i == 0 else [] if i == 1 else ["a", i, None, ("t", 1)]
                     for i in range(n)],  # pooled, with a missing and an empty cell
        "_t_nested": [[["deep", {"k": (1, 2)}]] for _ in range(n)],  # pooled lists of lists
        "_t_dicts": [{"a": [1, (2, 3)], "b": None} if i % 2 else None for i in range(n)],
        "_t_tuples": [(i, "x") for i in range(n)],  # tuple cells: one JSON text each
        "_t_points": [Point(i, i) if i % 2 else None for i in range(n)],  # WKB
    }
    for column, values in cells.items():
        sites[column] = pd.Series(values, index=sites.index, dtype=object)
    sites["_t_text"] = pd.Series(["=1+1", None] * (n // 2) + ["\u0000tuple"] * (n % 2),
                                 index=sites.index, dtype=object)
    return layers.replace(sites=sites, events=layers.events.iloc[:0].copy())


def test_every_kind_of_cell_reads_back_equal(tmp_path: Path) -> None:
    layers = _odd_layers()
    write_layers(tmp_path / "entry", layers, TITLES)
    manifest = json.loads((tmp_path / "entry" / "manifest.json").read_text(encoding="utf-8"))
    kinds = manifest["layers"]["sites"]["kinds"]
    assert {kinds[c] for c in ("sources", "_t_lists", "_t_nested")} == {"pooled:object"}
    assert {kinds[c] for c in ("_t_dicts", "_t_tuples")} == {"json:object"}
    assert kinds["_t_points"] == "wkb:object"
    back, _ = read_layers(tmp_path / "entry")
    _same(layers, back)
    assert len(back.events) == 0 and back.events.crs == layers.events.crs
    assert back.sites["_t_numbers"].tolist()[0] is None


def test_read_restores_the_garbage_collector(tmp_path: Path) -> None:
    write_layers(tmp_path / "entry", small_layers(), TITLES)
    assert gc.isenabled()
    read_layers(tmp_path / "entry")
    assert gc.isenabled()
    gc.disable()
    try:
        read_layers(tmp_path / "entry")
        assert not gc.isenabled()  # the caller's choice is kept
    finally:
        gc.enable()
    (tmp_path / "entry" / "links.parquet").write_bytes(b"broken")
    with pytest.raises(CacheError):
        read_layers(tmp_path / "entry")
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        ("pool.parquet", r"pool\.parquet"),
        ("version", rf"format 1, not {CACHE_VERSION}"),
    ],
)
def test_a_damaged_or_old_entry_is_refused(tmp_path: Path, damage: str, match: str) -> None:
    entry = tmp_path / "entry"
    write_layers(entry, small_layers(), TITLES)
    if damage == "version":
        manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
        (entry / "manifest.json").write_text(json.dumps({**manifest, "version": 1}))
    else:
        (entry / damage).write_bytes(b"not parquet")
    with pytest.raises(CacheError, match=match):
        read_layers(entry)


def _copy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SMALL_DIR, data)
    return data


def test_key_follows_every_data_file_and_the_view(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    facilities = data / SMALL_FACILITIES.relative_to(SMALL_DIR)
    files = package_files(data, facilities)
    assert {p.name for p in files} >= {"datapackage.json", "people.csv", facilities.name}
    key = cache_key(files, public=True)
    assert cache_key(files, public=True) == key
    assert cache_key(files, public=False) != key
    for path in files:
        before = path.read_bytes()
        path.write_bytes(before + b"\n")
        assert cache_key(files, public=True) != key, path.name
        path.write_bytes(before)
    assert cache_key(files, public=True) == key


def test_built_once_then_read_then_rebuilt_after_an_edit(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    files = package_files(data, None)
    calls: list[int] = []

    def build() -> tuple[Layers, dict[str, str]]:
        calls.append(1)
        return small_layers(), TITLES

    first, _ = cached_layers(files, build, public=False, cache_dir=tmp_path / "cache")
    second, titles = cached_layers(files, build, public=False, cache_dir=tmp_path / "cache")
    assert len(calls) == 1 and titles == TITLES
    _same(first, second)
    people = data / "people.csv"
    people.write_text(people.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    cached_layers(files, build, public=False, cache_dir=tmp_path / "cache")
    assert len(calls) == 2


def test_a_broken_entry_is_rebuilt_not_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    files = package_files(_copy(tmp_path), None)
    cache = tmp_path / "cache"
    calls: list[int] = []

    def build() -> tuple[Layers, dict[str, str]]:
        calls.append(1)
        return small_layers(), TITLES

    cached_layers(files, build, public=False, cache_dir=cache)
    entry = cache / cache_key(files, public=False)
    (entry / "sites.parquet").write_bytes(b"not parquet")
    with pytest.raises(CacheError, match=r"sites\.parquet"):
        read_layers(entry)
    cached_layers(files, build, public=False, cache_dir=cache)
    assert len(calls) == 2
    assert "rebuilding the layers" in caplog.text
    read_layers(entry)  # rewritten whole


def test_only_the_newest_entries_stay(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    files = package_files(data, None)
    cache = tmp_path / "cache"
    for i in range(3):
        (data / "events.csv").write_text(
            (SMALL_DIR / "events.csv").read_text(encoding="utf-8") + "\n" * i, encoding="utf-8"
        )
        cached_layers(files, lambda: (small_layers(), TITLES), public=False, cache_dir=cache,
                      keep=2)
    assert len([p for p in cache.iterdir() if p.is_dir()]) == 2
    assert (cache / cache_key(files, public=False)).is_dir()


def test_default_cache_dir() -> None:
    assert default_cache_dir({"ATLAS_CACHE_DIR": "/x"}) == Path("/x")
    assert default_cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/xinjiang-atlas")
