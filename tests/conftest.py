"""Fixtures: a real ``streamlit run``, Debian's chromium, and the (uncommitted) source texts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "tests" / "fixtures" / "small"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll Streamlit's health endpoint until it answers ok (or the server dies)."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"streamlit exited with {process.returncode}: {log.read_text()[-3000:]}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    msg = f"streamlit did not answer at {url} within {SERVER_START_TIMEOUT} s"
    raise RuntimeError(msg)


@pytest.fixture(scope="session")
def streamlit_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[Path | None], str]]:
    """Return a function starting ``streamlit run app.py`` on a free port; all stop at the end.

    The argument is the data package directory (``ATLAS_DATA_DIR``), None for the real data.
    Servers are reused per directory.
    """
    servers: dict[Path | None, tuple[str, subprocess.Popen[bytes]]] = {}
    logs = tmp_path_factory.mktemp("streamlit")

    def start(data_dir: Path | None) -> str:
        if data_dir in servers:
            return servers[data_dir][0]
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
        if data_dir is not None:
            env["ATLAS_DATA_DIR"] = str(data_dir)
            sources = data_dir / "sources"
            if sources.is_dir():
                env["ATLAS_SOURCE_DIR"] = str(sources)
        env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
        log = logs / f"server-{port}.log"
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.address", "127.0.0.1", "--server.port", str(port),
                "--server.headless", "true",
            ],
            cwd=REPO,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, process, log)
        except RuntimeError:
            process.kill()
            process.wait(timeout=30)
            raise
        servers[data_dir] = (url, process)
        return url

    yield start
    for _, process in servers.values():
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's chromium driven by Playwright (skips when it is not installed)."""
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("ATLAS_REQUIRE_BROWSER") == "1":  # set by .ci/run: no silent skip
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def source_texts() -> Path:
    """The directory of the real source texts named by ``data/sources.csv``, all present.

    The texts are not in the repository (copyright). Without them a test using this fixture
    skips with the validator's notice (which texts, their sha256, where to put them), or fails
    with ``ATLAS_REQUIRE_SOURCES=1`` (set by ``.ci/run``) so that CI cannot skip silently.
    """
    from layers.records.load import source_dir
    from layers.records.validate import quote_proof_status, sources_required

    status = quote_proof_status()
    if status.skipped:
        if sources_required():  # set by .ci/run: no silent skip
            pytest.fail(status.message)
        pytest.skip(status.message)
    return source_dir()


@pytest.fixture
def map_page(chromium: Any, tmp_path: Path) -> Iterator[Callable[[str], tuple[Any, list[str]]]]:
    """Open map HTML (a standalone page) in chromium: ``open(html) -> (page, errors)``.

    ``errors`` collects the page's JavaScript errors and the text of any dialog (an
    ``alert()`` from data would land there). Contexts close at teardown.
    """
    contexts: list[Any] = []

    def open_page(html: str) -> tuple[Any, list[str]]:
        path = tmp_path / f"map-{len(contexts)}.html"
        path.write_text(html, encoding="utf-8")
        context = chromium.new_context(viewport={"width": 1000, "height": 800})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (errors.append(d.message), d.dismiss()))
        page.goto(path.as_uri())
        return page, errors

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every download button's bytes by file name, as the page would serve them (AppTest)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    stored: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self: Any, data: Any, mimetype: str, kind: Any, filename: str | None = None) -> str:
        if filename and isinstance(data, bytes):
            stored[filename] = data
        return original(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    return stored
