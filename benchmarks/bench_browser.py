"""Time the app in headless Chromium on a large synthetic package: first map, year-slider redraw.

    .venv/bin/python benchmarks/bench_browser.py [--n 100000] [--work /tmp/atlas-bench]
        [--repeat 3] [--json OUT]

Writes (or reuses) the synthetic package of ``--n`` records (``benchmarks/synth.py``), warms
the parquet layer cache (``layers.build.cache``, in ``WORK/cache`` via ``ATLAS_CACHE_DIR``), starts
``streamlit run app.py`` on 127.0.0.1 with ``ATLAS_DATA_DIR`` pointing at the package, and
drives Debian's chromium (Playwright) with the project's flags. Measured, from the browser:

- ``cold_map_s``: first page load after the server started (the app reads the layers from
  the cache) until the map has drawn its markers;
- ``map_s``: a new page of the running app until the map has drawn (median of ``--repeat``);
- ``slider_s``: pressing a key on the year slider's first thumb (one year later) until the
  map shows the new selection: a new map object has drawn (median of ``--repeat``);
- ``count_s`` / ``slider_count_s``: the same, until the page shows the (new) feature count
  (the script's run reached it; the map comes after);
- ``ws_bytes``: bytes the websocket carried from the server during one page load (what
  Streamlit really sends, before the deflate ``server.enableWebsocketCompression`` adds);
  ``slider_ws_bytes``: the same for one slider move;
- ``slider_kept_map``: true when every slider move kept the map frame and its Leaflet map
  (the app sends only the new selection; see ``layers.render.draw.data_group``).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.synth import write_package  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the tests' launch flags)

TIMEOUT_S = 300.0

_COUNT = """() => { const m = document.body.innerText.match(/Shown: (\\d+) features/);
  return m ? m[1] : ""; }"""

#: In the map frame: has a map drawn that is not the one tagged before the slider moved?
_DRAWN = """() => { const d = window.atlasDrawn;
  return Boolean(d && !d.__before && (d.draws === undefined || d.draws > 0)
    && document.querySelector('.marker-cluster, .atlas-marker')); }"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_app(package: Path, cache: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "ATLAS_DATA_DIR": str(package), "ATLAS_CACHE_DIR": str(cache)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"streamlit exited: {log.read_text()[-2000:]}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.2)
    process.terminate()
    msg = f"streamlit did not start at {url}"
    raise RuntimeError(msg)


def _map_frame(page: Any) -> Any:
    for frame in page.frames:
        if "streamlit_folium" in frame.url:
            return frame
    return None


def _count(page: Any) -> str:
    try:
        return str(page.evaluate(_COUNT))
    except Exception:  # the page is navigating: no count yet
        return ""


def _wait_drawn(page: Any, start: float, phases: dict[str, float], count: str = "") -> float:
    """Poll every frame until a new map has drawn; return seconds since ``start``.

    ``phases["count_s"]`` gets the time the page first showed a feature count other than
    ``count`` (the script's rerun reached the count line).
    """
    while time.perf_counter() - start < TIMEOUT_S:
        if "count_s" not in phases and _count(page) not in ("", count):
            phases["count_s"] = time.perf_counter() - start
        frame = _map_frame(page)
        try:
            if frame is not None and frame.evaluate(_DRAWN):
                return time.perf_counter() - start
        except Exception:  # the frame is being replaced: poll again
            pass
        page.wait_for_timeout(25)
    msg = f"the map did not draw within {TIMEOUT_S} s"
    raise TimeoutError(msg)


def _load(
    context: Any, url: str, received: list[int], phases: dict[str, float]
) -> tuple[Any, float]:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_S * 1000)

    def on_socket(ws: Any) -> None:
        ws.on("framereceived", lambda payload: received.append(len(payload)))

    page.on("websocket", on_socket)
    start = time.perf_counter()
    page.goto(url)
    return page, _wait_drawn(page, start, phases)


def _slider(page: Any, phases: dict[str, float], received: list[int]) -> tuple[float, bool, int]:
    """Move the year slider one year; return seconds, map kept, websocket bytes.

    Seconds until the new selection has drawn; whether the map frame and its Leaflet map
    were kept (only the selection was swapped); bytes the websocket carried meanwhile.
    """
    frame = _map_frame(page)
    frame.evaluate("() => { window.atlasDrawn.__before = true; window.benchKept = true; }")
    thumb = page.locator(".st-key-years input[type=range]").first
    thumb.focus()
    count = _count(page)
    received.clear()
    start = time.perf_counter()
    thumb.press("ArrowRight")
    seconds = _wait_drawn(page, start, phases, count)
    kept = bool(_map_frame(page).evaluate("() => window.benchKept === true"))
    return seconds, kept, sum(received)


def main(argv: list[str] | None = None) -> int:
    """Run the measurements, print them and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/atlas-bench"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    package = args.work / f"synth-{args.n}"
    if not (package / "people.csv").exists():
        write_package(package, args.n)
    cache = args.work / "cache"
    os.environ["ATLAS_CACHE_DIR"] = str(cache)
    from layers.view import load_atlas

    start = time.perf_counter()
    atlas = load_atlas(package)
    print(f"load_atlas (builds or reads the cache): {time.perf_counter() - start:.2f} s")
    features = sum(len(f) for _, f in atlas.layers.items())
    start = time.perf_counter()
    load_atlas(package)
    cached_s = time.perf_counter() - start
    print(f"load_atlas from the cache: {cached_s:.2f} s ({features} features)")

    from playwright.sync_api import sync_playwright

    process, url = _start_app(package, cache, args.work / "streamlit.log")
    result: dict[str, Any] = {"size": args.n, "features": features,
                              "load_cached_s": round(cached_s, 3)}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            received: list[int] = []
            phases: dict[str, float] = {}
            page, cold = _load(context, url, received, phases)
            result["cold_map_s"] = round(cold, 2)
            result["cold_count_s"] = round(phases.get("count_s", float("nan")), 2)
            page.close()
            runs: dict[str, list[float]] = {
                "map_s": [], "count_s": [], "slider_s": [], "slider_count_s": [], "ws_bytes": [],
                "slider_ws_bytes": [],
            }
            kept: list[bool] = []
            for _ in range(args.repeat):
                received = []
                phases = {}
                page, seconds = _load(context, url, received, phases)
                runs["map_s"].append(round(seconds, 2))
                runs["count_s"].append(round(phases.get("count_s", float("nan")), 2))
                runs["ws_bytes"].append(sum(received))
                page.wait_for_timeout(500)
                phases = {}
                seconds, kept_map, sent = _slider(page, phases, received)
                runs["slider_s"].append(round(seconds, 2))
                runs["slider_count_s"].append(round(phases.get("count_s", float("nan")), 2))
                runs["slider_ws_bytes"].append(sent)
                kept.append(kept_map)
                page.close()
            for key, values in runs.items():
                result[key] = statistics.median(values)
            result["slider_kept_map"] = all(kept)
            result["runs"] = runs
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
