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
        yield {"url": url, "server": server, "venv": venv, "log": root / "jupyter.log",
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

    def kernels() -> set[int]:
        return {pid for pid, (_, kernel) in process_tree(serve).items() if kernel}

    end = time.time() + 30  # the pool's refill after the visits of the other tests
    while len(kernels()) != 1 and time.time() < end:
        time.sleep(1)
    before = kernels()
    assert len(before) == 1, before  # the preheated kernel, waiting
    ctx = sv_browser.new_context()
    page = ctx.new_page()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(".sv-fig-trajectory.js-plotly-plot", timeout=180_000)
    taken = before  # the page took the preheated kernel; the pool starts another 8 s later
    page.close(run_before_unload=True)
    ctx.close()
    end = time.time() + 30
    while kernels() & taken and time.time() < end:
        time.sleep(1)
    assert not kernels() & taken, "the closed page's kernel is still running"
    assert json.loads(badge_page["venv"].joinpath(assets.SERVER_CONFIG_FILE).read_text())["ServerApp"][
        "tornado_settings"]["websocket_max_message_size"] == assets.WEBSOCKET_LIMIT
