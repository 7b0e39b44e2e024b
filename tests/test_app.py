"""app.py through Streamlit's AppTest, on the small fixture package (ATLAS_DATA_DIR)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from layers.filters import Filters, filter_layers
from layers.io.export import to_geojson_bytes
from layers.view import load_atlas, year_bounds
from tests.conftest import REPO, SMALL

COUNT = re.compile(r"Shown: (\d+) features")
TIMEOUT = 300


@pytest.fixture
def small_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ATLAS_DATA_DIR", str(SMALL))
    monkeypatch.setenv("ATLAS_SOURCE_DIR", str(SMALL / "sources"))
    monkeypatch.delenv("ATLAS_FACILITIES", raising=False)
    monkeypatch.delenv("ATLAS_BASEMAP", raising=False)
    monkeypatch.delenv("ATLAS_PUBLIC", raising=False)
    yield


@pytest.fixture(scope="module")
def small_atlas() -> Any:
    return load_atlas(SMALL)


def _app(query: dict[str, Any] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def _count(at: AppTest) -> int:
    for element in at.markdown:
        match = COUNT.search(element.value)
        if match:
            return int(match.group(1))
    raise AssertionError("no 'Shown: N features' line")


def _param(at: AppTest, name: str) -> list[str]:
    """Return a query parameter the app wrote, as a list of values."""
    value = at.query_params.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _component(at: AppTest) -> dict[str, Any]:
    instances = at.get("component_instance")
    assert len(instances) == 1
    return dict(json.loads(instances[0].proto.json_args))


def test_app_runs_without_exceptions(small_env: None, small_atlas: Any) -> None:
    at = _app()
    assert not at.exception, at.exception
    assert _count(at) == sum(small_atlas.layers.counts().values())


def test_year_range_changes_the_count_and_the_url(small_env: None, small_atlas: Any) -> None:
    at = _app()
    before = _count(at)
    _, last = year_bounds(small_atlas.layers)
    at.slider(key="years").set_value((last, last)).run()
    assert not at.exception
    after = _count(at)
    assert after < before
    assert _param(at, "years") == [f"{last}-{last}"]
    at.toggle(key="undated").set_value(False).run()
    assert _count(at) <= after
    assert _param(at, "undated") == ["0"]


def _fit(feature_group: str) -> str:
    """The view key the atlas selection's group carries (``data_group(fit=...)``)."""
    match = re.search(r'\{"slot":"atlas","fit":("(?:[^"\\]|\\.)*")\}', feature_group)
    assert match, "the atlas selection has no view key"
    return str(json.loads(match.group(1)))


def test_a_filter_change_keeps_the_map_and_sends_only_the_selection(
    small_env: None, small_atlas: Any
) -> None:
    """The year slider must not rebuild the map: same component key and script, new data."""
    at = _app()
    before = _component(at)
    assert "atlasBase(" in before["script"] and '"d":' in before["script"]
    # The selection is sent without the basemap, and a rerun without a filter change sends
    # the very same group (st_folium then leaves the drawn map and an open popup alone).
    assert '"d":' not in before["feature_group"] and '"labels":' not in before["feature_group"]
    assert len(before["feature_group"]) < len(before["script"]) / 4
    assert _component(at.run())["feature_group"] == before["feature_group"]
    _, last = year_bounds(small_atlas.layers)
    at.slider(key="years").set_value((last, last)).run()
    after = _component(at)
    assert after["key"] == before["key"]  # st_folium keeps the component (and its iframe)
    assert after["script"] == before["script"]
    assert after["feature_group"] != before["feature_group"]
    assert "atlasData(" not in after["script"]
    assert after["feature_group"].count("atlasData(") == 1
    # Years keep the reader's view; districts, layers and search fit it to what is found.
    assert _fit(after["feature_group"]) == _fit(before["feature_group"])
    fits = {_fit(after["feature_group"])}
    at.text_input(key="q").input("a").run()
    fits.add(_fit(_component(at)["feature_group"]))
    at.multiselect(key="districts").set_value([next(iter(small_atlas.district_labels))]).run()
    fits.add(_fit(_component(at)["feature_group"]))
    at.multiselect(key="layers").set_value(["sites"]).run()
    fits.add(_fit(_component(at)["feature_group"]))
    assert len(fits) == 4
    assert _component(at)["key"] == before["key"]


def test_layers_and_search_change_the_count(small_env: None, small_atlas: Any) -> None:
    at = _app()
    at.multiselect(key="layers").set_value(["sites"]).run()
    assert _count(at) == len(small_atlas.layers.sites)
    assert _param(at, "layers") == ["sites"]
    at.text_input(key="q").set_value("onerror").run()
    assert _count(at) == 1
    assert _param(at, "q") == ["onerror"]


def test_url_sets_the_filters(small_env: None, small_atlas: Any) -> None:
    _, last = year_bounds(small_atlas.layers)
    at = _app({"layers": "sites,reports", "years": f"{last}-{last}", "undated": "0"})
    assert not at.exception
    assert at.multiselect(key="layers").value == ["sites", "reports"]
    assert at.slider(key="years").value == (last, last)
    assert at.toggle(key="undated").value is False
    expected = filter_layers(
        small_atlas.layers,
        Filters(years=(last, last), include_undated=False, layers=("sites", "reports")),
    )
    assert _count(at) == sum(expected.counts().values())


def test_bad_url_parameter_is_named(small_env: None) -> None:
    at = _app({"years": "2020-2017"})
    assert not at.exception
    assert any("not used" in w.value for w in at.warning)
    assert any("'2020-2017'" in c.value for c in at.code)


def test_district_from_the_url(small_env: None, small_atlas: Any) -> None:
    district = next(d for d in small_atlas.layers.sites["district_id"] if isinstance(d, str))
    at = _app({"district": district})
    assert at.multiselect(key="districts").value == [district]
    expected = filter_layers(small_atlas.layers, Filters(districts=(district,)))
    assert _count(at) == sum(expected.counts().values())
    assert _param(at, "district") == [district]


def test_download_is_exactly_what_is_shown(
    small_env: None, small_atlas: Any, downloads: dict[str, bytes]
) -> None:
    at = _app({"layers": "sites,witnesses"})
    assert not at.exception
    assert at.download_button(key="download").label.startswith("Download")
    expected = to_geojson_bytes(
        filter_layers(small_atlas.layers, Filters(layers=("sites", "witnesses"))), public=True
    )
    assert downloads["xinjiang-atlas.geojson"] == expected
    assert len(json.loads(expected)["features"]) == _count(at)


def test_withheld_names_stay_out_of_the_public_view(
    small_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app({"q": "Withheld"})
    assert _count(at) == 0
    table = at.dataframe[0].value
    assert not table.to_string().count("Withheld")
    monkeypatch.setenv("ATLAS_PUBLIC", "0")
    at = _app({"q": "Withheld"})
    assert _count(at) >= 1
    assert "Withheld" in at.dataframe[0].value.to_string()


def test_map_component_loads_only_local_files(small_env: None) -> None:
    at = _app()
    args = _component(at)
    links = args["js_links"] + args["css_links"]
    assert links, "no js/css links"
    for link in links:
        assert link.startswith("/app/static/"), link
        assert (REPO / "static" / link.removeprefix("/app/static/")).is_file(), link
    page = args["script"] + args["header"] + args["html"] + args["feature_group"]
    assert not re.search(r"https?://", page)
    assert args["returned_objects"] == ["last_object_clicked_popup"]


def test_hostile_name_never_reaches_the_page_raw(small_env: None) -> None:
    at = _app({"q": "onerror"})
    args = _component(at)
    assert "<img" not in args["script"] + args["feature_group"]
    assert "`" not in args["feature_group"].split("atlasData(", 1)[1]
    for element in at.markdown:
        assert "<img" not in element.value
    assert "<img src=x onerror=alert(1)>" in at.dataframe[0].value["name"].tolist()[0]


def test_static_files_are_served_by_streamlit_config() -> None:
    config = (REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert re.search(r"^enableStaticServing\s*=\s*true", config, flags=re.MULTILINE)
    assert Path(REPO / "static" / "leaflet" / "leaflet.js").is_file()


def test_bad_setting_is_reported_not_crashed(
    small_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_PUBLIC", "maybe")
    at = _app()
    assert not at.exception
    assert at.error
    assert any("'maybe'" in c.value for c in at.code)


def test_missing_data_directory_is_reported(
    small_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ATLAS_DATA_DIR", str(tmp_path / "nowhere"))
    at = _app()
    assert not at.exception
    assert any("could not be loaded" in e.value for e in at.error)
    assert any("nowhere" in c.value for c in at.code)


#: A URL value that, rendered as Markdown, fetches a tracking pixel and shows a foreign link.
INJECTION = "![x](http://198.51.100.7/pixel.png) [official list](http://198.51.100.7/list)"


def _markdown_bodies(at: AppTest) -> list[str]:
    """Every text Streamlit renders as Markdown: markdown, captions, alerts, sidebar too."""
    kinds = (at.markdown, at.caption, at.warning, at.error, at.info, at.success)
    bodies = [str(element.value) for kind in kinds for element in kind]
    sidebar = at.sidebar
    bodies += [str(e.value) for e in (*sidebar.error, *sidebar.warning, *sidebar.markdown)]
    return bodies


def _assert_shown_only_as_code(at: AppTest, value: str) -> None:
    assert not at.exception, at.exception
    for body in _markdown_bodies(at):
        assert "198.51.100.7" not in body, body
    codes = [str(c.value) for c in (*at.code, *at.sidebar.code)]
    assert any(value in code for code in codes), codes


def test_markdown_in_the_url_is_shown_as_text(small_env: None) -> None:
    at = _app({"district": INJECTION})
    _assert_shown_only_as_code(at, INJECTION)
    assert any("not used" in w.value for w in at.warning)


def test_markdown_in_a_typed_district_is_shown_as_text(small_env: None) -> None:
    at = _app()
    at.multiselect(key="districts").set_value([INJECTION]).run()
    _assert_shown_only_as_code(at, INJECTION)
    assert any("not known" in e.value for e in at.sidebar.error)


def test_markdown_in_a_data_error_is_shown_as_text(
    small_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / INJECTION.replace("/", "|")
    monkeypatch.setenv("ATLAS_DATA_DIR", str(missing))
    at = _app()
    _assert_shown_only_as_code(at, str(missing))


def test_blank_sensitivity_stops_the_app_naming_the_row(
    small_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A blank level would publish a restricted person: the app refuses to start instead."""
    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    people = data / "people.csv"
    text = people.read_text(encoding="utf-8")
    row = next(line for line in text.split("\n") if line.startswith("P003,"))  # line 4
    assert ",restricted," in row
    people.write_text(text.replace(row, row.replace(",restricted,", ",,", 1)), encoding="utf-8")
    monkeypatch.setenv("ATLAS_DATA_DIR", str(data))
    at = _app()
    assert not at.exception, at.exception
    assert any("could not be loaded" in e.value for e in at.error)
    codes = [str(c.value) for c in at.code]
    assert any(
        "people.csv:4:sensitivity: '' is not one of 'public', 'restricted', 'private'" in code
        and "will not start until it is fixed" in code
        for code in codes
    ), codes
    assert not at.get("component_instance") and not at.dataframe
    shown = [str(e.value) for kind in (at.markdown, at.code, at.error, at.info) for e in kind]
    assert not any("Withheld" in value for value in shown), shown
