"""One first visit of the dashboard in a fresh browser profile: time to all five Explorer figures
drawn, and the bytes moved over HTTP and over the kernel's websocket.

A fresh Playwright context has an empty cache, cookies and storage (a fresh profile). HTTP bytes
are the wire bytes Chromium reports per response (``encodedDataLength``: headers plus the body as
sent, compressed if the server compressed it). Websocket bytes are the frames' payloads as the page
sees them, in both directions (Chromium reports them after any per-message decompression, so this
over-counts a compressed socket; the dashboard's socket is not compressed). Requests to any host
other than the dashboard's are refused and listed, so the page must work offline.
"""

from __future__ import annotations

import base64
import time
from urllib.parse import urlparse

FIGS = [".sv-fig-trajectory", ".sv-fig-overfit", ".sv-fig-frontier", ".sv-fig-landscape", ".sv-fig-bcrit"]

ALL_DRAWN = """(figs) => figs.every(s => { const g = document.querySelector(s + '.js-plotly-plot');
  return g && g.data && g.data.some(t => t.x && t.x.length > 1); })"""


def first_visit(browser, url: str, *, timeout_ms: int = 120_000) -> dict:
    """Open ``url`` in a new context; returns seconds to all five figures drawn, HTTP and websocket
    bytes, the requests for a plotly bundle, console errors, JupyterLab's version-mismatch warnings, refused
    off-host requests and the page's HTML."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 1400})
    host = urlparse(url).netloc
    refused: list[str] = []

    def guard(route):
        if urlparse(route.request.url).netloc != host:
            refused.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    ctx.route("**/*", guard)
    page = ctx.new_page()
    errors: list[str] = []
    mismatches: list[str] = []  # JupyterLab's shared-module version checks: a front end built for another core

    def console(m):
        if m.type == "error":
            errors.append(m.text)
        elif "satisf" in m.text and "version" in m.text:  # "Unsatisfied version", "No satisfying version"
            mismatches.append(m.text)

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    tally = {"http": 0, "ws_in": 0, "ws_out": 0, "requests": 0}
    urls: dict[str, str] = {}
    plotly: list[str] = []

    def sent(ev):
        urls[ev["requestId"]] = ev["request"]["url"]

    def done(ev):
        tally["http"] += int(ev.get("encodedDataLength", 0))
        tally["requests"] += 1
        if "plotly" in urls.get(ev["requestId"], "").rsplit("/", 1)[-1]:
            plotly.append(urls[ev["requestId"]])

    def frame(key):
        def f(ev):
            r = ev["response"]
            data = r.get("payloadData", "")
            tally[key] += len(base64.b64decode(data)) if r.get("opcode") == 2 else len(data.encode())
        return f

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", done)
    cdp.on("Network.webSocketFrameReceived", frame("ws_in"))
    cdp.on("Network.webSocketFrameSent", frame("ws_out"))
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(ALL_DRAWN, arg=FIGS, timeout=timeout_ms)
    seconds = time.perf_counter() - t0
    page.wait_for_timeout(1500)  # late requests and messages of the first visit
    html = page.content()
    ctx.close()
    return {"seconds": seconds, "http_bytes": tally["http"], "ws_bytes": tally["ws_in"] + tally["ws_out"],
            "requests": tally["requests"], "plotly_requests": plotly, "console_errors": errors, "version_warnings": mismatches, "refused": refused, "html": html}
