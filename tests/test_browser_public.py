"""Public mode and the upload in a real browser (Debian's chromium against ``streamlit run``).

The rendered page and the map frame (``page.content()``: the DOM as the browser holds it,
scripts included) must hold nothing withheld, on the small fixture and the real data; a
companion plants a withheld string in both and sees the check fail. An uploaded file is drawn
as its own layer, its hostile name shown as literal text in the popup and the details panel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.test_browser import (  # noqa: F401  (open_app is a fixture)
    HOSTILE_NAME,
    MAP_FRAME,
    Session,
    _assert_clean,
    open_app,
)
from tests.test_public import data_set, leaks
from tests.test_upload import hostile_csv

pytestmark = pytest.mark.browser

#: In the map frame: zoom until the first feature of the last layer (the upload) shows; tag it.
_SHOW_UPLOAD = """
(body) => new Promise((resolve) => {
  const upload = window.Atlas.state.of(window.atlasDrawn.map).slots.upload;  // its own slot
  const marker = upload.groups[0].getLayers()[0];
  upload.clusters.zoomToShowLayer(marker, () => {
    marker.getElement().setAttribute("data-test-target", "1");
    resolve(true);
  });
})
"""

#: The frame's DOM plus the selection's script: st_folium evaluates the feature groups
#: (the data) without putting them in the DOM, and keeps the last one in __GLOBAL_DATA__.
_HTML_AND_SELECTION = """e => e.outerHTML + " " +
  ((window.__GLOBAL_DATA__ && window.__GLOBAL_DATA__.last_feature_group) || "")"""

_ONE_MAP = """() => document.querySelectorAll("iframe[title*='streamlit_folium']").length === 1"""

_PLANT = """
(body, text) => { const p = document.createElement("p"); p.textContent = text;
            body.appendChild(p); }
"""


def _map_html(session: Session) -> str:
    """Return the map frame's document as it is now (read through the map element shown now).

    ``Frame.content()`` can return a stale, empty document after the component rewrites its
    page, so the HTML is read by a locator, which resolves in the current document.
    """
    page = session.page
    for _ in range(120):
        page.wait_for_function(_ONE_MAP)  # a rerun can briefly show an old and a new frame
        session.map.locator(".atlas-marker, .marker-cluster").first.wait_for()
        text = str(session.map.locator("html").first.evaluate(_HTML_AND_SELECTION))
        if "atlasBase(" in text and "atlasData(" in text:
            return text
        page.wait_for_timeout(500)
    raise AssertionError("no map frame with a drawn map")


def _contents(session: Session) -> str:
    """The DOM of the page and of the map frame, as the browser holds them now."""
    return session.page.content() + "\n" + _map_html(session)


@pytest.mark.parametrize(("name", "query"), [("small", ""), ("small", "?layers=witnesses,links"),
                                             ("real", "")])
def test_public_page_and_map_hold_nothing_withheld(
    open_app: Callable[..., Session], name: str, query: str  # noqa: F811
) -> None:
    dataset = data_set(name)
    session = open_app(data_dir=dataset.directory, query=query)
    text = _contents(session)
    assert "atlasBase(" in text and "atlasData(" in text
    assert leaks(text, dataset.withheld) == []
    _assert_clean(session)


def test_browser_check_catches_a_planted_leak(open_app: Callable[..., Session]) -> None:  # noqa: F811
    dataset = data_set("small")
    session = open_app()
    withheld = "Withheld Woman Testname"
    assert withheld in dataset.withheld.strings
    _map_html(session)
    session.map.locator("body").evaluate(_PLANT, withheld)
    assert leaks(_map_html(session), dataset.withheld) == [withheld]
    session.page.locator("body").evaluate(_PLANT, "Private Person Testname")
    assert leaks(_contents(session), dataset.withheld) == [
        "Private Person Testname", withheld,
    ]


def test_upload_is_drawn_as_its_own_layer_with_literal_text(
    open_app: Callable[..., Session],  # noqa: F811
) -> None:
    session = open_app()
    page: Any = session.page
    page.locator("input[type=file]").first.set_input_files(
        {"name": "Hostile list.csv", "mimeType": "text/csv", "buffer": hostile_csv()}
    )
    page.get_by_text("hostile-list.csv: read 3, accepted").first.wait_for()
    labels = session.map.locator(".leaflet-control-layers-overlays label")
    labels.filter(has_text="Your upload (not verified)").first.wait_for()
    assert "Your upload (not verified) (2)" in labels.all_inner_texts()[-1]
    _map_html(session)
    session.map.locator("body").evaluate(_SHOW_UPLOAD)
    session.map.locator("[data-test-target]").dispatch_event("click")
    popup = session.map.locator(".atlas-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert HOSTILE_NAME in text and "Record id: upload:" in text
    assert session.map.locator("img[src='x']").count() == 0
    details = page.locator(".atlas-details").filter(has_text="Your upload (not verified)")
    details.first.wait_for()
    assert HOSTILE_NAME in details.first.inner_text()
    assert page.locator("img[src='x']").count() == 0
    _assert_clean(session)


def test_a_vrt_upload_is_refused_and_the_map_stays(
    open_app: Callable[..., Session],  # noqa: F811
) -> None:
    from tests.test_gdal import vrt

    session = open_app()
    page: Any = session.page
    page.locator("input[type=file]").first.set_input_files(
        {"name": "list.geojson", "mimeType": "application/geo+json",
         "buffer": vrt("CSV:/etc/passwd").encode()}
    )
    page.get_by_text("Your file could not be used").first.wait_for()
    page.get_by_text("root element <OGRVRTDataSource>").first.wait_for()
    contents = _contents(session)  # the map still draws, with nothing of the file
    assert "root:x:0:0" not in contents and "/bin/bash" not in contents
    assert "Your upload (not verified) (" not in contents
    _assert_clean(session)
