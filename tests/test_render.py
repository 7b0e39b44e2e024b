"""layers.render: offline links, escaping of hostile strings, honest precision, payload shape."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers.render import (
    DEFAULT_ASSET_BASE,
    NotOfflineError,
    assert_offline,
    asset_links,
    details_html,
    js_literal,
    map_payload,
    popup_text,
    render_map,
)
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
    assert page.count("<script") == 2 + 4  # + the four script links (leaflet, 2 plugins, atlas)


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
