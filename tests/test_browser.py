"""The atlas in a real browser: Debian's chromium (Playwright) against ``streamlit run app.py``.

Checked as a person would see it: the map draws with data and without any request leaving
127.0.0.1, the year slider changes the count, a click opens a popup with a quote and fills
the details panel, and the fixture's hostile record shows as literal text without running.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from tests.conftest import SMALL

pytestmark = pytest.mark.browser

MAP_FRAME = "iframe[title*='streamlit_folium']"
COUNT = re.compile(r"Shown: (\d+) features")
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
TIMEOUT_MS = 90_000

#: Runs in every frame before the page's scripts: counts alert/confirm/prompt calls.
DIALOG_HOOK = """
window.__dialogs = 0;
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = function () { window.__dialogs += 1; };
}
"""


@dataclass
class Session:
    """A page plus everything it did: outside requests, JS errors, dialogs."""

    page: Any
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def map(self) -> Any:
        return self.page.frame_locator(MAP_FRAME)

    def map_frame(self) -> Any:
        return next(f for f in self.page.frames if "streamlit_folium" in f.url)

    def count(self) -> int:
        text = self.page.get_by_text(COUNT).first.inner_text()
        match = COUNT.search(text)
        assert match, text
        return int(match.group(1))


def _is_local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlparse(url).hostname == "127.0.0.1"


@pytest.fixture
def open_app(chromium: Any, streamlit_server: Callable[[Path | None], str]) -> Iterator[
    Callable[..., Session]
]:
    contexts: list[Any] = []

    def open_(data_dir: Path | None = SMALL, query: str = "") -> Session:
        url = streamlit_server(data_dir)
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        context.add_init_script(DIALOG_HOOK)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        session = Session(page)
        context.on(
            "request", lambda r: None if _is_local(r.url) else session.outside.append(r.url)
        )
        page.on("pageerror", lambda e: session.errors.append(str(e)))
        page.on(
            "console",
            lambda m: session.errors.append(m.text) if m.type == "error" else None,
        )

        def on_dialog(dialog: Any) -> None:
            session.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(f"{url}/{query}")
        session.map.locator(".atlas-marker, .marker-cluster").first.wait_for()
        page.get_by_text(COUNT).first.wait_for()
        return session

    yield open_
    for context in contexts:
        context.close()


def _open_a_popup(session: Session, selector: str = ".atlas-marker") -> str:
    """Click clusters until a marker shows, click it, return the popup's text."""
    frame = session.map
    for _ in range(12):
        markers = frame.locator(selector)
        if markers.count():
            markers.first.dispatch_event("click")
            break
        frame.locator(".marker-cluster").first.dispatch_event("click")
        frame.locator(f"{selector}, .marker-cluster").first.wait_for()
    popup = frame.locator(".atlas-popup")
    popup.wait_for()
    return str(popup.inner_text())


def _assert_clean(session: Session) -> None:
    assert session.outside == []
    assert session.errors == []
    assert session.dialogs == []
    assert session.map_frame().evaluate("window.__dialogs") == 0
    assert session.page.evaluate("window.__dialogs") == 0


def test_map_draws_offline_with_data(open_app: Callable[..., Session]) -> None:
    session = open_app()
    frame = session.map
    assert frame.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count()
    assert frame.locator(".leaflet-control-layers-overlays label").count() >= 3
    assert frame.locator(".atlas-legend").count() == 1
    assert session.count() > 0
    session.page.screenshot(path="/tmp/atlas-small.png", full_page=True)
    _assert_clean(session)


def test_year_slider_changes_the_count(open_app: Callable[..., Session]) -> None:
    session = open_app()
    before = session.count()
    thumb = session.page.locator(".st-key-years input[type=range]").first  # start thumb
    thumb.focus()
    thumb.press("End")  # the first year jumps to the last: only that year (and undated)
    session.page.wait_for_function(
        "(b) => { const m = document.body.innerText.match(/Shown: (\\d+) features/);"
        " return m && Number(m[1]) !== b; }",
        arg=before,
    )
    assert session.count() < before
    assert "years=" in session.page.url
    _assert_clean(session)


def test_url_sets_the_filters(open_app: Callable[..., Session]) -> None:
    everything = open_app().count()
    session = open_app(query="?layers=sites")
    assert session.count() < everything
    labels = session.map.locator(".leaflet-control-layers-overlays label")
    assert labels.count() == 1
    assert "Sites" in labels.first.inner_text()
    _assert_clean(session)


def test_click_opens_popup_with_quote_and_details(open_app: Callable[..., Session]) -> None:
    session = open_app(query="?layers=reports")
    text = _open_a_popup(session)
    quote = session.map.locator(".atlas-popup .atlas-quote").first.inner_text()
    assert len(quote.strip("\u201c\u201d \n")) > 10
    assert "Record id:" in text
    record = text.rsplit("Record id:", 1)[1].strip()
    details = session.page.locator(".atlas-details")
    details.first.wait_for()
    assert record in details.first.inner_text()
    _assert_clean(session)


#: In the map frame: find two markers at one coordinate, or null.
_SHARED_PAIR = """
() => {
  const seen = new Map();
  for (const m of window.atlasDrawn.clusters.getLayers()) {
    if (!m.getLatLng) continue;
    const key = m.getLatLng().toString();
    if (seen.has(key)) return [seen.get(key).options.atlasRecord, m.options.atlasRecord];
    seen.set(key, m);
  }
  return null;
}
"""

#: In the map frame: zoom/spiderfy until record ``n``'s own marker is on screen, then tag it.
_SHOW_RECORD = """
(n) => new Promise((resolve) => {
  const layers = window.atlasDrawn.clusters.getLayers();
  const marker = layers.find((m) => m.options.atlasRecord === n);
  window.atlasDrawn.clusters.zoomToShowLayer(marker, () => {
    for (const e of document.querySelectorAll("[data-test-target]")) {
      e.removeAttribute("data-test-target");
    }
    marker.getElement().setAttribute("data-test-target", "1");
    resolve(true);
  });
})
"""


def test_records_at_one_coordinate_are_each_reachable(open_app: Callable[..., Session]) -> None:
    session = open_app(query="?layers=sites")
    frame = session.map_frame()
    pair = frame.evaluate(_SHARED_PAIR)
    assert pair is not None, "the fixture has two sites at one place"
    refs = []
    for record in pair:
        frame.evaluate(_SHOW_RECORD, record)
        session.map.locator("[data-test-target]").dispatch_event("click")
        popup = session.map.locator(".atlas-popup")
        popup.wait_for()
        refs.append(popup.inner_text().rsplit("Record id:", 1)[1].strip())
        session.map.locator(".leaflet-popup-close-button").dispatch_event("click")
        popup.wait_for(state="detached")
    assert len(set(refs)) == 2
    _assert_clean(session)


def test_hostile_record_is_literal_text(open_app: Callable[..., Session]) -> None:
    session = open_app(query="?q=onerror")
    assert session.count() >= 1
    text = _open_a_popup(session)
    assert HOSTILE_NAME in text
    assert session.map.locator("img[src='x']").count() == 0
    assert session.page.locator("img[src='x']").count() == 0
    details = session.page.locator(".atlas-details").first
    details.wait_for()
    assert HOSTILE_NAME in details.inner_text()
    _assert_clean(session)


def test_real_data_offline(open_app: Callable[..., Session]) -> None:
    session = open_app(data_dir=None)
    assert session.count() > 0
    frame = session.map
    assert frame.locator(".leaflet-control-layers-overlays label").count() >= 3
    session.page.screenshot(path="/tmp/atlas-real.png", full_page=True)
    _open_a_popup(session)
    _assert_clean(session)


#: A shared link whose district value is Markdown: a tracking pixel and a foreign link.
MARKDOWN_LINK = "![x](http://198.51.100.7/pixel.png) [official list](http://198.51.100.7/list)"


def test_markdown_in_the_url_is_literal_text(open_app: Callable[..., Session]) -> None:
    session = open_app(query=f"?district={quote(MARKDOWN_LINK)}")
    page = session.page
    page.get_by_text("The link's filters were not used").first.wait_for()
    shown = page.locator("pre code", has_text="198.51.100.7").first
    shown.wait_for()
    assert MARKDOWN_LINK in shown.inner_text()
    assert page.locator("img[src*='198.51.100.7']").count() == 0
    assert page.locator("a[href*='198.51.100.7']").count() == 0
    assert session.map.locator("img[src*='198.51.100.7'], a[href*='198.51.100.7']").count() == 0
    _assert_clean(session)  # above all: no request to 198.51.100.7 (or anywhere but 127.0.0.1)
