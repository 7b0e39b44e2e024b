"""layers.render.draw, the app's map: one base map (atlasBase), data groups swapped per selection.

The app keeps one Leaflet map per page and replaces only the drawn selection on a filter
change (``st_folium(..., feature_group_to_add=...)``). These tests check the two payloads fit
together (same district numbering, no data in the base), that data groups stay escaped and
never pass through Jinja twice, and, in Debian's chromium, that drawing a slot again or
removing its group takes its markers, layer-control entries and attribution with it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import folium
import pytest

from layers.io.upload import OVERLAY_LABEL, check_upload, upload_payload
from layers.render.draw import (
    BOUNDARY_ATTRIBUTION,
    FACILITY_ATTRIBUTION,
    base_map,
    base_payload,
    data_group,
    map_payload,
)
from tests.fixtures.render_layers import HOSTILE, make_districts, make_layers
from tests.test_upload import LIMITS, hostile_csv

REPO = Path(__file__).resolve().parent.parent


def _page(m: folium.Map) -> str:
    return str(m.get_root().render())


def _literal(page: str, call: str) -> str:
    match = re.search(call + r"\((.*)\);\s*$", page, flags=re.MULTILINE | re.DOTALL)
    assert match, f"{call} is missing"
    return match.group(1)


def test_base_payload_holds_no_data_and_credits_the_boundaries() -> None:
    base = base_payload(make_districts(HOSTILE))
    assert set(base) == {"s", "d", "labels", "attribution", "bounds"}
    assert base["s"][base["attribution"]] == html.escape(BOUNDARY_ATTRIBUTION, quote=True)
    assert html.escape(HOSTILE, quote=True) in base["s"]  # a district's name, escaped
    assert "site-1" not in json.dumps(base)


@pytest.mark.parametrize("compact", [False, True])
def test_selection_numbers_outlines_like_the_base(compact: bool) -> None:
    districts = make_districts(HOSTILE)
    whole = map_payload(make_layers(), districts_gdf=districts, compact=compact)
    selection = map_payload(make_layers(), districts_gdf=districts, compact=compact, basemap=False)
    base = base_payload(districts)
    assert "d" not in selection and "labels" not in selection
    assert selection["o"] == whole["o"] and selection["o"]
    assert base["d"] == whole["d"] or [f["e"] for f in base["d"]["features"]] == [
        f["e"] for f in whole["d"]["features"]
    ]
    assert selection["bounds"] == whole["bounds"]
    # The selection credits only the facilities; the base credits the boundaries.
    assert selection["s"][selection["attribution"]] == html.escape(
        f"Facilities: {FACILITY_ATTRIBUTION}", quote=True
    )


def test_selection_without_facilities_has_no_credit() -> None:
    layers = make_layers()
    layers = layers.replace(facilities=layers.facilities.iloc[0:0])
    assert map_payload(layers, basemap=False)["attribution"] == 0


def test_data_group_is_escaped_and_rendered_once() -> None:
    layers = make_layers()
    sites = layers.sites.copy()
    sites.loc[sites.index[0], "name"] = "{{7*7}} {% if 1 %}jinja{% endif %}"
    m = base_map(base_payload(make_districts(HOSTILE)))
    payload = map_payload(
        layers.replace(sites=sites), districts_gdf=make_districts(HOSTILE), basemap=False
    )
    data_group(payload, fit="CN-654326").add_to(m)
    page = _page(m)
    assert "<img" not in page.lower() and "{{" not in page and "{%" not in page
    literal = _literal(page, "atlasData")
    assert "`" not in literal and "${" not in literal
    assert "{\\u007b7*7}}" in literal  # the template text is data, not run (it would be 49)
    assert '{"slot":"atlas","fit":"CN-654326"}' in literal
    assert page.count("atlasBase(") == 1 and page.count("atlasData(") == 1


#: Strings that look like what st_folium rewrites in a feature group's script.
_REWRITE_BAIT = [
    "_div", "map_div", "x map_div.remove() y", "feature_group_0",
    "feature_group_feature_group_0", "{{'map_div'}}", "{ {'a'}}", "_feature_group_0_0",
    "a\n        b", "\u2028", "</script><script>alert(1)</script>", "_0", "   leading", "`${x}`",
]


def test_st_folium_passes_the_selection_through_unchanged() -> None:
    # The app's path: st_folium turns the group into a script (renaming variables, dedenting,
    # replacing the map's name) that its frontend evaluates. The data must come out as it went
    # in, whatever it holds; a streamlit-folium upgrade that breaks this fails here.
    import streamlit_folium

    districts = make_districts(HOSTILE)
    m = base_map(base_payload(districts))
    streamlit_folium._get_map_string(m)  # names the map "map_div", as st_folium does first
    payload = map_payload(make_layers(), districts_gdf=districts, basemap=False)
    payload["s"] = [*payload["s"], *_REWRITE_BAIT]
    script = streamlit_folium._get_feature_group_string(data_group(payload, fit="x"), m, 0)
    match = re.search(
        r"atlasData\(map_div,\s*feature_group_feature_group_0, (\{.*\}), \{\"slot\"",
        script,
        flags=re.DOTALL,
    )
    assert match, script[:300]
    assert json.loads(match.group(1)) == json.loads(json.dumps(payload))
    assert "<" not in match.group(1) and "`" not in match.group(1)


@pytest.mark.parametrize("slot", ["", "Atlas", "up-load", "x'y", "ат"])
def test_data_group_refuses_a_slot_that_is_not_lowercase_letters(slot: str) -> None:
    with pytest.raises(ValueError, match="slot must be lower-case letters"):
        data_group(map_payload(make_layers(), basemap=False), slot=slot)


#: The drawn slots of the map (static/atlas/state.js keeps them, not the map).
_SLOTS_OF_MAP = "window.Atlas.state.of(window.atlasDrawn.map).slots"

_SLOTS = """() => {
  const m = window.atlasDrawn.map, labels = [...document.querySelectorAll(
    '.leaflet-control-layers-overlays label')].map(l => l.innerText.trim());
  const handlers = {};
  for (const type of ["moveend", "overlayadd", "overlayremove", "zoomend"]) {
    handlers[type] = (m._events[type] || []).length;
  }
  return { slots: Object.keys(window.Atlas.state.of(m).slots).sort(), labels: labels,
    attribution: document.querySelector('.leaflet-control-attribution').innerText,
    styles: document.querySelectorAll('style').length, handlers: handlers,
    layers: Object.keys(m._layers).length };
}"""

#: The map's handlers and layer count on a page with the base map only (no slot drawn).
_BASE_ONLY = """() => {
  const m = Object.values(window).find((v) => v instanceof L.Map), handlers = {};
  for (const type of ["moveend", "overlayadd", "overlayremove", "zoomend"]) {
    handlers[type] = (m._events[type] || []).length;
  }
  return [handlers, Object.keys(m._layers).length];
}"""

#: As st_folium's frontend does on a new selection: remove the slot's old group from the map,
#: then evaluate the new group's script (atlasData) and add the group.
_SWAP = """(data) => {
  const m = window.atlasDrawn.map, g = L.featureGroup();
  const old = window.Atlas.state.of(m).slots.atlas.target;
  window.oldGroup = old;
  m.removeLayer(old);
  window.atlasData(m, g, JSON.parse(data), {slot: "atlas", fit: ""});
  m.addLayer(g);
  window.testGroup = g;
}"""

#: Click the first marker of the atlas slot (not the upload's) and return its popup's text.
_CLICK_ATLAS = """() => new Promise((resolve) => {
  const m = window.atlasDrawn.map;
  m.setView([47.1, 87.6], 10, {animate: false});
  setTimeout(() => {
    const el = document.querySelector(".atlas-marker:not([class*='atlas-upload'])");
    el.setAttribute("data-test-atlas", "1");
    resolve(true);
  }, 300);
})"""


_ASSET_BASE = (REPO / "static").as_uri()


def _map_with_selection(compact: bool) -> tuple[folium.Map, dict[str, Any]]:
    """A base map of the fixture districts with the fixture layers as its atlas selection."""
    districts = make_districts(HOSTILE)
    m = base_map(base_payload(districts), asset_base=_ASSET_BASE)
    payload = map_payload(make_layers(), districts_gdf=districts, basemap=False, compact=compact)
    data_group(payload, fit="", asset_base=_ASSET_BASE).add_to(m)
    return m, payload


@pytest.mark.browser
@pytest.mark.parametrize("compact", [False, True])
def test_slots_replace_and_remove_cleanly_in_chromium(
    map_page: Callable[..., Any], compact: bool
) -> None:
    # The upload is drawn over either kind of selection (it used to be refused on a compact
    # map, which large views use).
    districts = make_districts(HOSTILE)
    asset_base = _ASSET_BASE
    m, _ = _map_with_selection(compact)
    upload = check_upload("upload.csv", hostile_csv(), limits=LIMITS)
    data_group(upload_payload(upload), slot="upload", asset_base=asset_base).add_to(m)
    page, errors = map_page(_page(m))
    page.wait_for_function(f"window.atlasDrawn && {_SLOTS_OF_MAP}.upload")
    first = page.evaluate(_SLOTS)
    assert first["slots"] == ["atlas", "upload"]
    assert page.evaluate("() => window.atlasDrawn.mode") == ("compact" if compact else "full")
    # The upload's hostile name is drawn as text: open its popup.
    page.evaluate(
        """() => new Promise((resolve) => {
          const upload = window.Atlas.state.of(window.atlasDrawn.map).slots.upload;
          const marker = upload.groups[0].getLayers()[0];
          upload.clusters.zoomToShowLayer(marker, () => {
            marker.getElement().setAttribute("data-test-target", "1"); resolve(true); });
        })"""
    )
    page.locator("[data-test-target='1']").dispatch_event("click")  # may sit under a cluster
    popup = page.locator(".atlas-popup").first.inner_text()
    assert "<img src=x onerror=alert(1)>" in popup
    page.locator(".leaflet-popup-close-button").first.dispatch_event("click")
    assert any(label.startswith(OVERLAY_LABEL) for label in first["labels"])
    assert "BuzzFeed" in first["attribution"] and "cnmaps" in first["attribution"]
    # A new selection (without facilities), swapped in as st_folium does: the old group
    # leaves the map, then the new one is drawn. Its entries, handlers and credit go.
    fewer = make_layers()
    fewer = fewer.replace(facilities=fewer.facilities.iloc[0:0])
    again = json.dumps(
        map_payload(fewer, districts_gdf=districts, basemap=False, compact=compact)
    )
    page.evaluate(_SWAP, again)
    second = page.evaluate(_SLOTS)
    assert second["slots"] == ["atlas", "upload"]
    assert len(second["labels"]) == len(first["labels"]) - 1  # no facility layer any more
    assert "BuzzFeed" not in second["attribution"] and "cnmaps" in second["attribution"]
    assert second["styles"] == first["styles"]  # one colour sheet per slot, replaced
    assert second["handlers"] == first["handlers"]  # the old slot's handlers are off
    assert page.evaluate("() => window.oldGroup.getLayers().length") == 0  # emptied, freeable
    # The new selection's markers answer clicks with their own popup.
    page.evaluate(_CLICK_ATLAS)
    page.locator("[data-test-atlas='1']").dispatch_event("click")
    assert "Record id:" in page.locator(".atlas-popup").first.inner_text()
    page.locator(".leaflet-popup-close-button").first.dispatch_event("click")
    # The upload's group removed from the map (the upload was taken away): only its slot goes.
    page.evaluate(
        f"() => {{ window.atlasDrawn.map.removeLayer({_SLOTS_OF_MAP}.upload.target); }}"
    )
    third = page.evaluate(_SLOTS)
    assert third["slots"] == ["atlas"]
    assert third["labels"] and not any(label.startswith(OVERLAY_LABEL) for label in third["labels"])
    # And the atlas's group removed too: the map is as the base map alone left it.
    page.evaluate("() => window.atlasDrawn.map.removeLayer(window.testGroup)")
    fourth = page.evaluate(_SLOTS)
    assert fourth["slots"] == [] and fourth["labels"] == []
    assert page.locator(".leaflet-control-layers").count() == 0  # the last slot took it
    assert "BuzzFeed" not in fourth["attribution"] and "cnmaps" in fourth["attribution"]
    assert page.locator(".atlas-marker, .marker-cluster").count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert errors == []
    base_only = base_map(base_payload(districts), asset_base=asset_base)
    base_page, base_errors = map_page(_page(base_only))
    base_page.wait_for_function("document.querySelector('.atlas-legend')")
    assert base_page.evaluate(_BASE_ONLY) == [fourth["handlers"], fourth["layers"]]
    assert base_errors == []


_ON_MAP = """() => { const d = window.atlasDrawn;
  return d.groups.map((g) => d.map.hasLayer(g)); }"""

_CHECKED = """() => [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
  .map((l) => [l.innerText.trim(), l.querySelector('input').checked])"""


@pytest.mark.browser
@pytest.mark.parametrize("compact", [False, True])
def test_a_layer_switched_off_stays_off_in_the_next_selection(
    map_page: Callable[..., Any], compact: bool
) -> None:
    # The map outlives a filter change, so the reader's layer switches must too.
    m, payload = _map_with_selection(compact)
    page, errors = map_page(_page(m))
    page.wait_for_function(f"window.atlasDrawn && {_SLOTS_OF_MAP}.atlas")
    facility = [key for key, *_ in payload["layers"]].index("facility")
    assert all(page.evaluate(_ON_MAP))
    labels = page.locator(".leaflet-control-layers-overlays label")
    labels.filter(has_text="Facilities").locator("input").click()  # the reader's click
    assert page.evaluate(_ON_MAP)[facility] is False
    again = json.dumps(payload)
    page.evaluate(_SWAP, again)  # a new selection (the same features, as after a year change)
    on_map = page.evaluate(_ON_MAP)
    assert on_map[facility] is False and sum(on_map) == len(on_map) - 1
    checked = dict(page.evaluate(_CHECKED))
    assert [name for name, on in checked.items() if not on] == [
        name for name in checked if name.startswith("Facilities")
    ]
    labels.filter(has_text="Facilities").locator("input").click()  # and on again
    page.evaluate(_SWAP, again)
    assert all(page.evaluate(_ON_MAP))
    # Swapping again must not leave the switched-back layer behind on the map.
    page.evaluate("() => window.atlasDrawn.map.removeLayer(window.testGroup)")
    assert page.locator(".atlas-marker, .marker-cluster").count() == 0
    assert errors == []
