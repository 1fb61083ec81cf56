"""Fixtures for the browser tests: a live `scalingviz dashboard` and Debian's headless Chromium.

Without a browser the tests skip with a reason; when $CI is set they fail instead, so a missing
browser cannot pass unseen.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: servers
import servers  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    return os.environ.get("SCALINGVIZ_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        msg = "no Chromium found (install Debian's chromium or set SCALINGVIZ_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(msg + "; CI must run the browser tests")
        pytest.skip(msg)
    return path


#: The dashboard server's process, once started (tests that measure its memory read it).
SERVER: dict[str, subprocess.Popen] = {}


@pytest.fixture(scope="session")
def dashboard_url(chromium_path):
    pytest.importorskip("voila")
    try:
        proc, port, log = servers.start(
            lambda port: [sys.executable, "-m", "scalingviz.cli", "dashboard", "--port", str(port), "--no-browser"],
            lambda port: f"http://127.0.0.1:{port}/voila/static/",
            lambda port: Path(os.environ.get("TMPDIR", "/tmp")) / f"scalingviz-voila-{port}.log")
    except RuntimeError as exc:
        pytest.fail(f"Voila did not start: {exc}")
    url = f"http://127.0.0.1:{port}/"
    SERVER["proc"] = proc
    yield url
    SERVER.pop("proc", None)
    servers.stop(proc)
    log.close()


@pytest.fixture(scope="session")
def sv_browser(chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield b
        b.close()


class Page:
    """A dashboard page with its console errors collected."""

    def __init__(self, page, url):
        self.page = page
        self.errors: list[str] = []
        self.websockets: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("websocket", lambda ws: self.websockets.append(ws.url))
        page.goto(url, wait_until="commit")
        self.wait_for_data(".sv-fig-trajectory")

    def kernel_id(self) -> str:
        """The id of this page's kernel, from its websocket (``/api/kernels/<id>/channels``)."""
        import re

        ids = {m.group(1) for u in self.websockets if (m := re.search(r"/api/kernels/([0-9a-f-]{36})/channels", u))}
        assert len(ids) == 1, self.websockets
        return ids.pop()

    def wait_for_data(self, css: str, timeout: float = 120_000) -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.wait_for_function(
                "(css) => { const g = document.querySelector(css + '.js-plotly-plot');"
                " return g && g.data && g.data.some(t => t.x && t.x.length > 1); }", arg=css, timeout=timeout)
        except PlaywrightTimeout:  # the rare page that connects and never draws: say what the page had
            state = self.page.evaluate(
                "(css) => ({figs: document.querySelectorAll('.js-plotly-plot').length,"
                " target: !!document.querySelector(css), widgets: document.querySelectorAll('.widget-box, "
                ".jupyter-widgets').length, text: document.body.innerText.slice(0, 300)})", css)
            raise AssertionError(f"{css} drew no data in {timeout / 1000:g} s; page: {state}; websockets: "
                                 f"{self.websockets}; console errors: {self.errors[-10:]}") from None

    def data(self, css: str):
        return self.page.evaluate(
            "(css) => document.querySelector(css + '.js-plotly-plot').data.map("
            "t => ({name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || [])}))", css)

    def markers(self, css: str) -> dict[str, tuple[float, float]]:
        """The moving markers (layout shapes) as the browser has them, by name."""
        return {m["name"]: (m["x"], m["y"]) for m in self.page.evaluate(
            "(css) => (document.querySelector(css + '.js-plotly-plot').layout.shapes || []).map("
            "s => ({name: s.name, x: s.xanchor, y: s.yanchor}))", css)}

    def own_errors(self) -> list[str]:
        """Every console error (the page loads nothing from another host, so none is excused)."""
        return list(self.errors)

    def type_into(self, css: str, text: str) -> None:
        box = self.page.locator(f"{css}-entry input")
        box.fill(text)
        box.press("Enter")


@pytest.fixture
def dash(sv_browser, dashboard_url):
    ctx = sv_browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    yield lambda query="": Page(page, dashboard_url + (("?" + query) if query else ""))
    page.close(run_before_unload=True)  # as a person closing the tab: the page's kernel is shut down
    ctx.close()
