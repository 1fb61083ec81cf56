"""The README badge's page, served as Binder serves it (``tests/binder_rehearsal.py``): a fresh prefix
configured by ``binder/postBuild`` itself, ``jupyter lab`` from the repository root with nothing on its
command line but what Binder's spawner passes, the badge's urlpath opened in a fresh browser profile.

It must be the light page ``scalingviz dashboard`` serves: scalingviz's template with plotly's bundle
served once, compressed, at most 5 MB, nothing from another host, no console error.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ (binder_rehearsal, origin_server)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))  # first_visit

import binder_rehearsal as br  # noqa: E402
from first_visit import first_visit  # noqa: E402

from scalingviz.ui import assets  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.binder, pytest.mark.slow]

MAX_BYTES = 5e6


@pytest.fixture(scope="module")
def badge_page(tmp_path_factory, chromium_path):
    pytest.importorskip("jupyterlab")
    root = tmp_path_factory.mktemp("binder-page")
    venv, env = br.make_prefix(root)
    with ExitStack() as stack:
        shared = os.environ.get("SCALINGVIZ_EXTERNAL_DATA")  # set by the root conftest.py when ../shared exists
        origin = None
        if shared and Path(shared).is_dir():  # the data fetch too, from a local stand-in for the origins
            from origin_server import mirror, serve

            origin = stack.enter_context(serve(mirror(Path(shared), root / "origin"))).url
        r = br.run_postbuild(root, env, origin)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    with br.jupyter_server(env, root / "jupyter.log") as url:
        server = url.split(br.BASE_URL)[0] + br.BASE_URL
        yield {"url": url, "server": server, "venv": venv, "env": env, "log": root / "jupyter.log",
               # what JupyterLab users on Binder reach: Voila's server extension, configured by postBuild
               "extension_url": server + "voila/render/notebooks/dashboard.ipynb"}


def test_postbuild_writes_the_settings_where_the_server_reads_them(badge_page):
    conf = badge_page["venv"] / assets.SERVER_CONFIG_FILE
    cfg = json.loads(conf.read_text())
    assert cfg["VoilaConfiguration"]["template"] == assets.TEMPLATE
    assert cfg["VoilaConfiguration"]["extension_allowlist"] == assets.EXTENSIONS
    assert cfg["ServerApp"]["tornado_settings"]["compress_response"] is True


@pytest.mark.parametrize("which", ["url", "extension_url"], ids=["badge (proxied dashboard)", "server extension"])
def test_the_badge_page_is_the_light_page(badge_page, sv_browser, which):
    url = badge_page[which]
    if which == "url":  # the badge: `scalingviz dashboard` behind jupyter-server-proxy (binder/start)
        assert "/proxy/" in url and url.startswith(badge_page["server"]), url
    first_visit(sv_browser, url)  # the server's first page start-up (imports), not what is measured
    visit = first_visit(sv_browser, url)
    assert visit["refused"] == [], visit["refused"]  # nothing from another host (no CDN font, no MathJax)
    assert visit["console_errors"] == [], visit["console_errors"]
    assert visit["version_warnings"] == [], visit["version_warnings"]  # no "Unsatisfied version" (issue 21)
    assert visit["http_bytes"] + visit["ws_bytes"] <= MAX_BYTES, visit
    # plotly's bundle once per page, from scalingviz's served assets (the template preloads it)
    assert len(visit["plotly_requests"]) == 1 and assets.ASSETS in visit["plotly_requests"][0], visit["plotly_requests"]
    prefix = url.split("127.0.0.1:", 1)[1].split("/", 1)[1].split("voila/render/")[0]  # user/<name>/[proxy/<port>/]
    assert f"/{prefix}voila/labextensions/" in visit["plotly_requests"][0], (prefix, visit["plotly_requests"])
    # scalingviz's template, not Voila's default `lab`: the modulepreload of the bundle is in the HTML
    html = visit["html"]
    assert f'rel="modulepreload" href="/{prefix}voila/labextensions/{assets.ASSETS}/static/' in html
    # plotly's 4.8 MB mime-renderer extension is not on the page
    assert "jupyterlab-plotly" not in html


def test_closing_the_badge_page_shuts_its_kernel_down(badge_page, sv_browser):
    # On Binder too a closed page's kernel goes at once, not at the idle cull (issue 23).
    import time

    from servers import process_tree

    url = badge_page["url"]
    root = br.SERVERS[url]

    def cmdline(pid: int) -> bytes:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return b""

    # the dashboard's Voila (started by binder/start), not the Jupyter server and its own kernels
    (serve,) = [pid for pid in process_tree(root) if b"scalingviz.ui.serve" in cmdline(pid)]

    def page_kernel(kernel_id: str) -> set[int]:  # its process: its connection file names its id
        return {pid for pid, (_, kernel) in process_tree(serve).items()
                if kernel and f"kernel-{kernel_id}".encode() in cmdline(pid)}

    import re

    ctx = sv_browser.new_context()
    page = ctx.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(url, wait_until="commit")
    page.wait_for_selector(".sv-fig-trajectory.js-plotly-plot", timeout=180_000)
    (kernel_id,) = {m.group(1) for u in sockets if (m := re.search(r"/api/kernels/([0-9a-f-]{36})/channels", u))}
    taken = page_kernel(kernel_id)
    assert len(taken) == 1, (kernel_id, taken)  # the page's kernel, a child of the dashboard's Voila
    page.close(run_before_unload=True)
    ctx.close()
    end = time.time() + 30
    kernels = lambda: page_kernel(kernel_id)  # noqa: E731
    while kernels() and time.time() < end:
        time.sleep(1)
    assert not kernels(), "the closed page's kernel is still running"
    assert json.loads(badge_page["venv"].joinpath(assets.SERVER_CONFIG_FILE).read_text())["ServerApp"][
        "tornado_settings"]["websocket_max_message_size"] == assets.WEBSOCKET_LIMIT


def test_a_course_notebook_in_jupyterlab_draws_with_the_served_bundle(badge_page, sv_browser):
    # JupyterLab on Binder (the README's second link): a notebook that embeds the Explorer draws its live
    # figures with plotly loaded once from the environment's labextensions folder, so a notebook saved with
    # its widget state carries a 2 kB loader per figure instead of plotly's 5 MB bundle (issue 21, point 5).
    server = badge_page["server"]
    # The server's root is the repository (as on Binder): JupyterLab must not autosave the run notebook there.
    settings = (Path(badge_page["env"]["JUPYTER_CONFIG_DIR"]) / "lab" / "user-settings" / "@jupyterlab" /
                "docmanager-extension" / "plugin.jupyterlab-settings")
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"autosave": False}))
    source = br.REPO / "notebooks" / "01_power_laws.ipynb"
    original = source.read_bytes()
    try:
        _run_in_jupyterlab(server, sv_browser)
    finally:
        changed = source.read_bytes() != original
        if changed:
            source.write_bytes(original)
    assert not changed, "JupyterLab saved the notebook into the repository"


def _run_in_jupyterlab(server: str, sv_browser) -> None:
    ctx = sv_browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url) if assets.ASSETS in r.url else None)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "lab/tree/notebooks/01_power_laws.ipynb", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    # the kernel up and idle (the status bar says so) before the cells are run; a slow start would
    # otherwise leave "Run All Cells" with no kernel to run them
    page.wait_for_function("() => /\\| Idle/.test(document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar')"
                           "?.innerText || '')", timeout=180_000)
    drawn = ("() => [...document.querySelectorAll('.jp-Notebook .js-plotly-plot')].some("
             "g => g.data && g.data.some(t => t.x && t.x.length > 1) && g.closest('.jupyter-widgets'))")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(2):  # once more if the first click found the menu not ready
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(drawn, timeout=150_000)
            break
        except PlaywrightTimeout:
            if attempt:
                text = page.evaluate("() => document.querySelector('#jp-main-statusbar')?.innerText")
                raise AssertionError(f"no live figure drew in JupyterLab; status bar: {text!r}") from None
    ctx.close()
    assert any(f"lab/extensions/{assets.ASSETS}/static/{assets.bundle_name()}" in u for u in loaded), loaded
    assert not [e for e in errors if "plotly" in e.lower()], errors


def test_a_notebook_executed_with_its_widget_state_stays_small(badge_page, tmp_path):
    # `jupyter nbconvert --execute` stores widget state by default: in the configured environment the
    # Explorer's five live figures carry the loader, not plotly's bundle (5 MB each before).
    import subprocess

    venv = badge_page["venv"]
    out = tmp_path / "01.ipynb"
    r = subprocess.run([str(venv / "bin" / "python"), "-m", "nbconvert", "--to", "notebook", "--execute",
                        "notebooks/01_power_laws.ipynb", "--output", str(out)], cwd=br.REPO,
                       env=badge_page["env"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    nb = json.loads(out.read_text())
    assert "widgets" in nb["metadata"]  # the state is saved ...
    print(f"\nnotebook 01 executed with its widget state: {out.stat().st_size / 1e3:.0f} kB")
    assert out.stat().st_size < 1_000_000, out.stat().st_size  # ... without plotly's bundle in it (26 MB before)
