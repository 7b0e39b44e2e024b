"""layers.render.draw: offline links, escaped hostile strings, honest precision, payload shape."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers.render.draw import (
    DEFAULT_ASSET_BASE,
    NotOfflineError,
    assert_offline,
    asset_links,
    details_html,
    js_literal,
    map_from_payload,
    map_payload,
    popup_text,
    render_map,
)
from tests.fixtures import make_js_fixtures as js_fixtures
from tests.fixtures.render_layers import HOSTILE, make_districts, make_layers

REPO = Path(__file__).resolve().parent.parent

@pytest.fixture(scope="module")
def page() -> str:
    m = render_map(make_layers(), districts_gdf=make_districts(HOSTILE))
    return m.get_root().render()


def _atlas_literal(page: str) -> str:
    match = re.search(r"atlasRender\(map_[0-9a-f]+, (.*)\);\s*$", page, flags=re.MULTILINE)
    assert match, "the atlas script is missing"
    return match.group(1)


def test_no_raw_markup_from_the_data(page: str) -> None:
    assert "<img" not in page.lower()
    assert "alert(3)</script>" not in page
    # Every <script> the page has is one we wrote: no data opened another.
    assert page.count("<script") == page.count("</script>")
    assert page.count("<script>") == 2  # folium's L_NO_TOUCH settings and the map script
    # + the script links: leaflet, 2 plugins and the atlas's 5 (static/atlas/README.md)
    assert page.count("<script") == 2 + 8


def test_backtick_and_template_syntax_stay_inside_json_strings(page: str) -> None:
    literal = _atlas_literal(page)
    assert "`" not in literal
    assert "${" not in literal
    assert "<" not in literal and ">" not in literal
    payload = json.loads(literal)
    assert html.escape(HOSTILE, quote=True) in payload["s"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_reads_the_payload_exactly_as_python_wrote_it(page: str) -> None:
    literal = _atlas_literal(page)
    script = "process.stdout.write(JSON.stringify(" + literal + "));"
    out = subprocess.run(
        ["node", "-e", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == json.loads(literal)


def test_every_link_is_local_and_vendored(page: str) -> None:
    m = render_map(make_layers(), districts_gdf=make_districts())
    js, css = asset_links(m)
    assert js[0] == f"{DEFAULT_ASSET_BASE}/leaflet/leaflet.js"
    # The atlas's classic scripts, each after the ones it needs (as tests/js/modules.test.js).
    atlas = [url.rsplit("/", 1)[1] for url in js if "/atlas/" in url]
    assert atlas == ["state.js", "decode.js", "render.js", "controls.js", "atlas.js"]
    assert js[-len(atlas):] == [f"{DEFAULT_ASSET_BASE}/atlas/{name}" for name in atlas]
    for url in js + css:
        assert url.startswith(DEFAULT_ASSET_BASE + "/"), url
        assert (REPO / "static" / url.removeprefix(DEFAULT_ASSET_BASE + "/")).is_file(), url
    assert not re.findall(r"https?://", page)


def test_online_tiles_only_when_asked() -> None:
    online = render_map(make_layers(), basemap="osm").get_root().render()
    assert "tile.openstreetmap.org" in online
    with pytest.raises(ValueError, match="'satellite'"):
        render_map(make_layers(), basemap="satellite")  # type: ignore[arg-type]


def test_assert_offline_names_a_cdn_link() -> None:
    m = render_map(make_layers())
    m.default_js = [*m.default_js, ("evil", "https://cdn.example.org/x.js")]
    with pytest.raises(NotOfflineError, match=re.escape("'https://cdn.example.org/x.js'")) as info:
        assert_offline(m)
    assert info.value.url == "https://cdn.example.org/x.js"


def test_shared_coordinates_stay_separate_records() -> None:
    payload = map_payload(make_layers(), districts_gdf=make_districts())
    at_point = [p for p in payload["p"] if p[:2] == [47.1, 87.5]]
    assert len(at_point) == 2
    refs = {payload["s"][payload["r"][p[2]][8]] for p in at_point}
    assert refs == {"site-1", "site-2"}


def test_county_precision_is_an_outline_not_a_pin() -> None:
    payload = map_payload(make_layers(), districts_gdf=make_districts())
    records = {payload["s"][r[8]]: r for r in payload["r"]}
    county = records["site-3"]
    assert county[5] != 0 and "known only to the county" in payload["s"][county[5]]
    assert records["site-1"][5] == 0
    site_layer = [k for k, *_ in payload["layers"]].index("site")
    fuhai = next(
        i for i, f in enumerate(payload["d"]["features"])
        if payload["s"][f["properties"]["n"]] == "Fuhai County"
    )
    assert payload["o"] == [[site_layer, fuhai]]


def test_district_labels_are_escaped_strings() -> None:
    payload = map_payload(make_layers(), districts_gdf=make_districts(HOSTILE))
    labels = {payload["s"][name]: (lat, lon, level) for lat, lon, name, level in payload["labels"]}
    assert labels[html.escape(HOSTILE, quote=True)] == (47.2, 87.7, "county")
    assert labels["Altay Prefecture"] == (47.5, 88.0, "prefecture")


def test_lines_are_drawn_as_lines() -> None:
    payload = map_payload(make_layers())
    assert payload["l"] == [[44.0, 80.1, 47.1, 87.5, 4]]
    assert [k for k, *_ in payload["layers"]] == ["site", "witness", "link", "facility"]


def test_attribution_names_buzzfeed_when_facilities_show() -> None:
    payload = map_payload(make_layers())
    assert "BuzzFeed News (Rajagopalan, Killing, Buschek), CC BY 4.0" in payload["s"][
        payload["attribution"]
    ]
    without = make_layers()
    without = without.replace(facilities=without.facilities.iloc[0:0])
    payload = map_payload(without)
    assert "BuzzFeed" not in payload["s"][payload["attribution"]]


def test_feature_without_geometry_is_an_error_naming_it() -> None:
    layers = make_layers()
    sites = layers.sites.copy()
    sites.loc[0, "geometry"] = None
    with pytest.raises(ValueError, match="'site-1'"):
        map_payload(layers.replace(sites=sites))


def test_popup_text_is_escaped_and_complete() -> None:
    row = make_layers().sites.iloc[0].to_dict()
    text = popup_text(row, source_titles={"src-1": "Kusainov 2020 <b>"})
    assert text.title == html.escape(HOSTILE, quote=True)
    assert text.when == "2017\u20132019"
    assert text.quotes[0][1] == "Kusainov 2020 &lt;b&gt;"
    assert any("3,000 inmates" in f for f in text.facts)
    assert text.ref == "site-1"


def test_details_html_escapes_everything() -> None:
    row = make_layers().witnesses.iloc[0].to_dict()
    out = details_html(row)
    assert "<img" not in out and "<script" not in out
    assert out.count(html.escape("<img src=x onerror=alert(1)>")) >= 3  # name, alias, quote
    assert "Record id: <code>p-1-origin</code>" in out


@given(st.text())
def test_js_literal_is_inert_and_lossless(text: str) -> None:
    literal = js_literal({"s": [text]})
    assert not set("<>`'&$%#") & set(literal)
    assert "{{" not in literal and "\u2028" not in literal
    assert json.loads(literal) == {"s": [text]}


@pytest.mark.parametrize(
    "name",
    ["{{ 6*7 }}zz", "{% for x in range(3) %}{{ x }}zz{% endfor %}", "{% endfor %}", "{# c"],
)
def test_data_is_never_run_as_a_jinja_template(name: str) -> None:
    # branca renders each macro's output a second time as a Jinja template; our element
    # must not (server-side template injection), and the data must survive unchanged.
    page = render_map(make_layers(name)).get_root().render()
    assert "42zz" not in page and "0zz" not in page
    payload = json.loads(_atlas_literal(page))
    assert html.escape(name, quote=True) in payload["s"]


def test_vendored_files_match_their_manifest() -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "vendor_static.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stderr
    licences = [
        "static/leaflet/LICENSE",
        "static/leaflet.markercluster/MIT-LICENCE.txt",
        "static/leaflet.featuregroup.subgroup/LICENSE",
    ]
    for licence in licences:
        assert (REPO / licence).stat().st_size > 100, licence


# --- the compact payload (large layers) -------------------------------------------------


# What the compact payload decodes to is tested in Node, on the JavaScript that draws it:
# tests/js/decode.test.js reads the fixtures make_js_fixtures.py writes with this encoder
# (hostile strings, record ids that stress the id encoding, a report's number, districts).


def test_js_fixtures_are_up_to_date(tmp_path: Path) -> None:
    fresh = js_fixtures.build(tmp_path)
    assert sorted(p.name for p in fresh) == sorted(p.name for p in js_fixtures.HERE.iterdir())
    for path in fresh:
        assert path.read_bytes() == (js_fixtures.HERE / path.name).read_bytes(), (
            f"{path.name} is stale: run .venv/bin/python -m tests.fixtures.make_js_fixtures"
        )


def test_compact_payload_outlines_and_bounds_are_the_full_ones() -> None:
    layers = make_layers()
    payload = map_payload(layers, districts_gdf=make_districts(), compact=True)
    assert payload["mode"] == "compact" and "r" not in payload
    full = map_payload(layers, districts_gdf=make_districts(), compact=False)
    assert payload["o"] == full["o"] and payload["bounds"] == full["bounds"]


def test_compact_payload_keeps_quotes_out_and_escapes_everything() -> None:
    page = render_map(make_layers(), districts_gdf=make_districts(HOSTILE)).get_root().render()
    compact = map_from_payload(
        map_payload(make_layers(), districts_gdf=make_districts(HOSTILE), compact=True)
    ).get_root().render()
    literal = _atlas_literal(compact)
    assert not set("<>`") & set(literal) and "${" not in literal
    assert "second quote" in page and "second quote" not in compact
    assert "<img" not in compact.lower() and "alert(3)</script>" not in compact


def test_compact_from_a_feature_count() -> None:
    import pandas as pd

    from layers.render.draw import COMPACT_FROM

    layers = make_layers()
    others = sum(len(frame) for name, frame in layers.items() if name != "sites")
    wanted = COMPACT_FROM - others
    sites = pd.concat([layers.sites] * (wanted // len(layers.sites) + 1)).iloc[:wanted]
    assert map_payload(layers.replace(sites=sites))["mode"] == "compact"
    assert map_payload(layers.replace(sites=sites.iloc[1:]))["mode"] == "full"


@pytest.mark.browser
def test_compact_map_in_chromium_reaches_every_record(map_page: Callable[..., Any]) -> None:
    # The compact drawing on a standalone page: every record reachable by clicks (the two
    # sites at one point spread), popups escaped, a count of quotes and the record id.
    payload = map_payload(make_layers(), districts_gdf=make_districts(HOSTILE), compact=True)
    m = map_from_payload(payload, asset_base=(REPO / "static").as_uri())
    page, errors = map_page(m.get_root().render())
    page.wait_for_function("window.atlasDrawn && window.atlasDrawn.draws > 0")
    # At zoom 10 the three records at (47.1, 87.5) share a point and spread; the facility and
    # the county site are 73 and 146 px away, each alone in its cell.
    page.evaluate("window.atlasDrawn.map.setView([47.1, 87.6], 10, {animate: false})")
    page.wait_for_function("document.querySelectorAll('.atlas-marker').length === 5")
    seen = set()
    for i in range(page.locator(".atlas-marker").count()):
        page.locator(".atlas-marker").nth(i).dispatch_event("click")
        popup = page.locator(".atlas-popup")
        popup.wait_for()
        text = popup.inner_text()
        seen.add(text.rsplit("Record id:", 1)[1].strip())
        if text.rstrip().endswith("Record id: site-1"):
            assert HOSTILE.split("`")[0] in text and "1 quote with sources" in text
        page.locator(".leaflet-popup-close-button").dispatch_event("click")
        popup.wait_for(state="detached")
    assert {"site-1", "site-2", "site-3", "bf-1-A", "p-1->site-1"} <= seen
    assert page.locator("img[src='x']").count() == 0
    assert errors == []


@pytest.mark.parametrize(
    ("qualifier", "count", "count_max", "measure", "expected"),
    [
        ("exact", 5700, None, None, "5,700 inmates"),
        ("about", 5700.0, None, "inmates", "about 5,700 inmates"),
        ("exact", 15, 20, "per_room", "15\u201320 people per room"),
        ("over", "130", None, "critically_ill", "more than 130 inmates in critical condition"),
        ("exact", 1_000_000, 1_500_000, "target",
         "target: 1,000,000\u20131,500,000 held (not a count)"),
        ("about", None, None, None, ""),
    ],
)
def test_a_report_says_what_it_counts(
    qualifier: str, count: object, count_max: object, measure: object, expected: str
) -> None:
    from layers.render.popup import report_fact

    assert report_fact(qualifier, count, count_max=count_max, measure=measure) == expected


# --- the string table's column-wise path ---------------------------------------------------

HOSTILE_TEXTS = [
    "<img src=x onerror=alert(1)>",
    "`${x}` and ${alert(2)}",
    "{{7*7}} {% raw %}",
    "</script><script>alert(3)</script>",
    "a & b \"quoted\" 'single' &amp;",
    "  padded\t\n",
    "\u2003em spaces\u3000\x1c",
    "\u00a0",
    "",
    "Person \u2192 Place",
]


@pytest.mark.parametrize("series", [False, True])
def test_string_table_many_escapes_exactly_as_esc(series: bool) -> None:
    import pandas as pd

    from layers.render.draw import _StringTable
    from layers.render.popup import esc

    values = [*HOSTILE_TEXTS, None, float("nan"), pd.NA, 5.0, 7, *HOSTILE_TEXTS[:3]]
    table = _StringTable()
    indices = table.many(pd.Series(values, dtype=object) if series else values)
    assert [table.strings[i] for i in indices] == [esc(v) for v in values]
    one_by_one = _StringTable()
    assert [one_by_one.strings[one_by_one(v)] for v in HOSTILE_TEXTS] == [
        table.strings[i] for i in indices[: len(HOSTILE_TEXTS)]
    ]
    assert len(set(table.strings)) == len(table.strings)  # each text stored once


@given(st.lists(st.text(), max_size=30), st.lists(st.text(), max_size=30))
def test_string_table_many_agrees_with_one_at_a_time(first: list[str], then: list[str]) -> None:
    from layers.render.draw import _StringTable
    from layers.render.popup import esc

    table = _StringTable()
    for raw in first:
        table(raw)
    indices = table.many(then)
    assert [table.strings[i] for i in indices] == [esc(v) for v in then]
    assert [table(raw) for raw in then] == indices.tolist()
    assert len(set(table.strings)) == len(table.strings)
