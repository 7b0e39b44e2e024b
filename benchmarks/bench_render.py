"""Time layers.render.draw at 1k / 10k / 100k synthetic features, in Python and in Chromium.

    .venv/bin/python benchmarks/bench_render.py [--sizes 1000,10000,100000] [--no-browser]

Python side: :func:`layers.render.draw.map_payload` and ``render_map(...).get_root().render()``
(seconds, HTML megabytes). Browser side (Debian's chromium, headless): the standalone HTML
with ``file://`` assets, from navigation until the first marker cluster is on screen, and
the time to open a popup. The features are random points over Xinjiang with quotes of ~120
characters, a third of them at county precision, 1 in 20 sharing a coordinate.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from layers.layerset import Layers, columns_of  # noqa: E402
from layers.render.draw import map_payload, render_map  # noqa: E402


def synthetic_layers(n: int, seed: int = 1) -> Layers:
    """Return ``n`` sites (and nothing else) scattered over Xinjiang."""
    rng = random.Random(seed)
    rows, points = [], []
    for i in range(n):
        point = points[-1] if i % 20 == 1 else Point(rng.uniform(75, 95), rng.uniform(36, 48))
        rows.append(
            {
                "layer": "site",
                "id": f"site-{i:06d}",
                "name": f"Site {i} <b>",
                "precision": "county" if i % 3 == 0 else "exact",
                "district": "Fuhai County",
                "district_id": "CN-654323",
                "prefecture": "Altay Prefecture",
                "prefecture_id": "CN-654300",
                "country": "CN",
                "year_start": 2017 + i % 3,
                "year_end": 2019,
                "sources": [
                    {"source": "kusainov-2020", "quote": f"Quote {i}: " + "x" * 110},
                ],
                "sensitivity": "public",
                "kind": "camp",
            }
        )
        points.append(point)
    columns = [c for c in columns_of("sites") if c != "geometry"]
    sites = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=columns), geometry=gpd.GeoSeries(points, crs=4326), crs=4326
    )
    empty = {
        name: gpd.GeoDataFrame(
            pd.DataFrame([], columns=[c for c in columns_of(name) if c != "geometry"]),
            geometry=gpd.GeoSeries([], crs=4326),
            crs=4326,
        )
        for name in ("reports", "witnesses", "links", "facilities", "events")
    }
    return Layers(sites=sites, **empty)


def bench_python(layers: Layers) -> tuple[float, float, float, str]:
    """Return (payload s, render s, HTML MB, HTML) for ``layers``."""
    start = time.perf_counter()
    map_payload(layers)
    payload_s = time.perf_counter() - start
    start = time.perf_counter()
    html = render_map(layers, asset_base=(REPO / "static").as_uri()).get_root().render()
    render_s = time.perf_counter() - start
    return payload_s, render_s, len(html.encode()) / 1e6, html


def bench_browser(html: str) -> tuple[float, float]:
    """Return (seconds to first cluster on screen, seconds to open a popup) in Chromium."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "map.html"
        path.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu",
                      "--allow-file-access-from-files"],
            )
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.set_default_timeout(300_000)
            start = time.perf_counter()
            page.goto(path.as_uri())
            page.locator(".marker-cluster").first.wait_for()
            shown_s = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(20):
                markers = page.locator(".atlas-marker")
                if markers.count():
                    markers.first.dispatch_event("click")
                    break
                page.locator(".marker-cluster").first.dispatch_event("click")
                page.locator(".atlas-marker, .marker-cluster").first.wait_for()
            page.locator(".atlas-popup").wait_for()
            popup_s = time.perf_counter() - start
            browser.close()
    return shown_s, popup_s


def main() -> int:
    """Print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    print("features  payload_s  render_s  html_MB  browser_first_cluster_s  popup_s")
    for n in (int(s) for s in args.sizes.split(",")):
        layers = synthetic_layers(n)
        payload_s, render_s, mb, html = bench_python(layers)
        shown_s, popup_s = (float("nan"), float("nan"))
        if not args.no_browser:
            shown_s, popup_s = bench_browser(html)
        print(
            f"{n:>8}  {payload_s:9.2f}  {render_s:8.2f}  {mb:7.1f}  "
            f"{shown_s:23.2f}  {popup_s:7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
