"""Dashboard assets: the plotly bundle served once per page, the offline template, the preheated page."""

import os
import re
from pathlib import Path

import pytest

from scalingviz.errors import InputError

pytest.importorskip("ipywidgets")
pytest.importorskip("voila")

from scalingviz.ui import assets  # noqa: E402
from scalingviz.ui.figures import LiveFigure, trajectory_figure  # noqa: E402


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    monkeypatch.setenv("SCALINGVIZ_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SCALINGVIZ_INLINE_PLOTLY", raising=False)
    assets.served_esm.cache_clear()
    yield tmp_path
    assets.served_esm.cache_clear()


def test_prepare_lays_out_the_bundle_and_the_template(fresh):
    root = assets.prepare()
    assert root == fresh / "cache" / "jupyter"
    bundle = root / "labextensions" / assets.ASSETS / "static" / assets.bundle_name()
    assert bundle.read_bytes() == assets.bundle()[0]
    assert oct(bundle.stat().st_mode & 0o044) == oct(0o044)  # readable by the server, not mkstemp's 0600
    page = (root / "voila" / "templates" / assets.TEMPLATE / "index.html.j2").read_text()
    assert re.search(r"""(href|src)=["']?(https?:)?//""", page) is None  # nothing from another host
    assert f"labextensions/{assets.ASSETS}/static/{assets.bundle_name()}" in page  # preloaded
    assert "@BUNDLE@" not in page
    # Idempotent, and a stale bundle of another plotly is removed.
    stale = bundle.with_name("plotly-widget-0.0.0-full-000000000000.js")
    stale.write_text("old")
    assert assets.prepare() == root and bundle.is_file() and not stale.exists()
    assert not list(root.rglob("*.part"))


def _embedded_plotly_js(widget_js: str) -> str | None:
    m = re.search(r'"src/version\.js"\(\w+\)\{"use strict";\w+\.version="([^"]+)"', widget_js)
    return m.group(1) if m else None


def test_the_vendored_cartesian_build_is_the_published_file():
    import gzip
    import hashlib

    js = gzip.decompress(assets.CARTESIAN_FILE.read_bytes())
    assert hashlib.sha256(js).hexdigest() == assets.CARTESIAN_SHA256  # the npm package's file (ui/vendor/README.md)
    assert f'version="{assets.CARTESIAN_VERSION}"' in js.decode()
    assert (assets.CARTESIAN_FILE.parent / "LICENSE-plotly.js").read_text().startswith("MIT License")


def test_figures_load_plotly_widget_code_with_the_cartesian_plotly_js(monkeypatch):
    import plotly

    monkeypatch.delenv(assets.BUNDLE_ENV, raising=False)
    assets.bundle.cache_clear()
    widget_js = assets._plotly_bundle().read_text()
    data, kind = assets.bundle()
    embedded = _embedded_plotly_js(widget_js)
    binder = (Path(__file__).resolve().parents[1] / "binder" / "requirements.txt").read_text()
    if f"plotly=={plotly.__version__}\n" in binder:  # Binder's plotly: the vendored build must be its plotly.js
        assert embedded == assets.CARTESIAN_VERSION, "update scalingviz/ui/vendor (its README says how)"
    if embedded != assets.CARTESIAN_VERSION:  # another plotly: its own bundle, and the reason
        assert data == widget_js.encode() and kind.startswith("full: ") and assets.CARTESIAN_VERSION in kind
        return
    assert kind == "cartesian" and "-cartesian-" in assets.bundle_name()
    text = data.decode()
    assert 1.2e6 < len(data) < 2.0e6 < 4e6 < len(widget_js.encode())  # 1.6 MB, not 4.9 MB
    cartesian = __import__("gzip").decompress(assets.CARTESIAN_FILE.read_bytes()).decode()
    assert text.count(cartesian) == 1
    assert _embedded_plotly_js(text) is None  # the full build's module is gone (the minified build names none)
    # plotly's widget code around it is unchanged: what precedes the module, and everything after it
    head, tail = text.split(cartesian)
    assert widget_js.startswith(head[:head.rindex("var ")])
    assert widget_js.endswith(tail[tail.index("});") + 3:]) and "export{" in tail


def test_a_bundle_of_another_shape_or_version_is_served_as_plotly_ships_it(monkeypatch):
    with pytest.raises(ValueError, match="0 plotly.js modules of the expected shape"):
        assets.cartesian_bundle("export default 1;", "x", "4.1.1")
    umd = ('var LQ=fbe((DQ,hA)=>{(function(Q,ne){typeof hA=="object"&&hA.exports?hA.exports=ne():Q.m=ne()})(self,()=>{'
           'var jx=ye({"src/version.js"(e){"use strict";e.version="%s"}});%s})});var Md=dbe(LQ());export{Md};')
    out = assets.cartesian_bundle(umd % ("4.1.1", "return window.Plotly=Q,Q"), "CARTESIAN();", "4.1.1")
    assert out == 'var LQ=fbe((exports,module)=>{\nCARTESIAN();\n});var Md=dbe(LQ());export{Md};'
    with pytest.raises(ValueError, match=r"embeds plotly.js 4\.2\.0; the cartesian build shipped is 4\.1\.1"):
        assets.cartesian_bundle(umd % ("4.2.0", "return window.Plotly=Q,Q"), "CARTESIAN();", "4.1.1")
    with pytest.raises(ValueError, match="end of plotly.js's module"):
        assets.cartesian_bundle(umd % ("4.1.1", "return Q"), "CARTESIAN();", "4.1.1")
    # SCALINGVIZ_PLOTLY_BUNDLE=full: plotly's own bundle, every trace type
    monkeypatch.setenv(assets.BUNDLE_ENV, "full")
    assets.bundle.cache_clear()
    try:
        data, kind = assets.bundle()
        assert data == assets._plotly_bundle().read_bytes() and kind == f"full: {assets.BUNDLE_ENV}=full"
    finally:
        monkeypatch.delenv(assets.BUNDLE_ENV)
        assets.bundle.cache_clear()


def test_a_live_figure_refuses_a_trace_the_cartesian_build_cannot_draw():
    import plotly.graph_objects as go

    if assets.bundle()[1] != "cartesian":
        pytest.skip(f"figures load plotly's own bundle here ({assets.bundle()[1]})")
    with pytest.raises(ValueError, match=r"trace type\(s\) scatter3d are not in plotly.js's cartesian build.*"
                                         r"SCALINGVIZ_PLOTLY_BUNDLE=full"):
        LiveFigure(go.Figure(go.Scatter3d(x=[1], y=[2], z=[3])))
    LiveFigure(go.Figure([go.Scatter(x=[1], y=[2]), go.Contour(z=[[1, 2], [3, 4]])]))  # the dashboard's types


def test_prepare_into_an_unwritable_folder_says_where_and_why(fresh):
    # A path below a regular file cannot be created, whoever runs the test (root ignores modes).
    blocker = fresh / "a-file"
    blocker.write_text("")
    with pytest.raises(ValueError, match=r"cache directory .*a-file.* cannot be written \(Not a directory\).*SCALINGVIZ_CACHE"):
        assets.prepare(blocker / "jupyter")


def test_figures_carry_the_loader_only_where_the_bundle_is_served(fresh, monkeypatch):
    bundle_js = assets.inline_esm()  # plotly's widget code with plotly.js's cartesian build
    monkeypatch.delenv("VOILA_BASE_URL", raising=False)
    monkeypatch.setattr(assets, "environment_serves_bundle", lambda prefix=None: False)
    assert LiveFigure(trajectory_figure())._esm == bundle_js  # JupyterLab of an unconfigured environment

    # JupyterLab of an environment configured by --configure-jupyter (Binder): its server serves the bundle
    monkeypatch.setenv("JUPYTER_PATH", str(assets.prepare()))
    monkeypatch.setattr(assets, "environment_serves_bundle", lambda prefix=None: True)
    assets.served_esm.cache_clear()
    esm = LiveFigure(trajectory_figure())._esm
    assert len(esm) < 2000 and "fullLabextensionsUrl" in esm and "body.voila" in esm
    monkeypatch.setattr(assets, "environment_serves_bundle", lambda prefix=None: False)
    monkeypatch.delenv("JUPYTER_PATH")

    monkeypatch.setenv("VOILA_BASE_URL", "/")
    monkeypatch.setenv("JUPYTER_PATH", str(fresh / "elsewhere"))
    assets.served_esm.cache_clear()
    assert LiveFigure(trajectory_figure())._esm == bundle_js  # Voila without the prepared assets

    monkeypatch.setenv("JUPYTER_PATH", str(assets.prepare()))
    assets.served_esm.cache_clear()
    esm = LiveFigure(trajectory_figure())._esm
    assert len(esm) < 2000 and assets.bundle_name() in esm and "import(url)" in esm

    monkeypatch.setenv("SCALINGVIZ_INLINE_PLOTLY", "1")
    assets.served_esm.cache_clear()
    assert LiveFigure(trajectory_figure())._esm == bundle_js


def test_voila_command_uses_the_template_compression_and_preheating(fresh):
    from scalingviz.ui.launch import voila_command, voila_environment

    cmd = voila_command(8866, True)
    assert cmd[1:3] == ["-m", "scalingviz.ui.serve"]
    assert f"--template={assets.TEMPLATE}" in cmd and "--preheat_kernel=True" in cmd
    env = voila_environment()
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(fresh / "cache" / "jupyter")


def test_compressed_voila_asks_tornado_to_gzip():
    from voila.app import Voila

    from scalingviz.ui.serve import CompressedVoila

    assert issubclass(CompressedVoila, Voila)
    assert CompressedVoila.init_settings is not Voila.init_settings


def test_preheated_page_waits_and_rebuilds_for_a_share_link(monkeypatch):
    import voila.utils

    from scalingviz.ui.dashboard import Dashboard, DashboardPage

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("QUERY_STRING", "N=7e10")  # a preheated kernel must not read it before the request
    page = DashboardPage()
    assert page.dashboard.explorer.state["N"] != 7e10
    first = page.dashboard

    def request_arrives():
        os.environ["QUERY_STRING"] = "law=hoffmann2022&N=7e10&D=1.4e12"

    monkeypatch.setattr(voila.utils, "wait_for_request", request_arrives)
    page.wait_for_request()
    assert page.dashboard is not first and page.widget.children == (page.dashboard.widget,)
    assert page.dashboard.explorer.state["N"] == pytest.approx(7e10)

    # No query: the dashboard built in advance is the one shown.
    monkeypatch.setattr(voila.utils, "wait_for_request", lambda: os.environ.__setitem__("QUERY_STRING", ""))
    page = DashboardPage()
    built = page.dashboard
    page.wait_for_request()
    assert page.dashboard is built

    # Not preheated: built from the query at once, nothing to wait for.
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv("QUERY_STRING", "N=3e9")
    page = DashboardPage()
    assert page.dashboard.explorer.state["N"] == pytest.approx(3e9)
    page.wait_for_request()
    assert isinstance(page.dashboard, Dashboard)


def test_configure_environment_writes_assets_and_server_config(tmp_path):
    import json

    # An earlier scalingviz wrote its settings into the `.d` folder, which carries only extension switches.
    old = tmp_path / "etc" / "jupyter" / "jupyter_server_config.d" / "scalingviz.json"
    old.parent.mkdir(parents=True)
    old.write_text("{}")
    # Settings of other tools in the same file are kept; ours win where they overlap.
    (tmp_path / "etc" / "jupyter" / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"tornado_settings": {"headers": {"X-Test": "1"}, "compress_response": False}},
         "VoilaConfiguration": {"extension_denylist": ["x"]}, "Other": {"a": 1}}))
    (tmp_path / "etc" / "jupyter" / "voila.json").write_text(json.dumps({"VoilaConfiguration": {"theme": "dark",
                                                                                            "show_tracebacks": True}}))
    assert not assets.environment_serves_bundle(tmp_path)
    root, conf, voila = assets.configure_environment(tmp_path)
    assert assets.environment_serves_bundle(tmp_path)  # its JupyterLab serves the bundle to notebooks
    assert root == tmp_path / "share" / "jupyter"
    assert (root / "labextensions" / assets.ASSETS / "static" / assets.bundle_name()).is_file()
    assert conf == tmp_path / "etc" / "jupyter" / "jupyter_server_config.json"
    assert not old.exists()
    cfg = json.loads(conf.read_text())
    assert cfg["VoilaConfiguration"]["template"] == assets.TEMPLATE
    assert cfg["VoilaConfiguration"]["extension_allowlist"] == assets.EXTENSIONS
    assert "extension_denylist" not in cfg["VoilaConfiguration"]  # it would override nothing, but confuse
    assert cfg["ServerApp"]["tornado_settings"]["compress_response"] is True
    assert cfg["ServerApp"]["tornado_settings"]["headers"] == {"X-Test": "1"} and cfg["Other"] == {"a": 1}
    # Voila <= 0.5.8 reads its settings from voila.json only: the same ones are there, the user's others kept
    vcfg = json.loads(voila.read_text())
    assert voila == tmp_path / "etc" / "jupyter" / "voila.json"
    assert vcfg["VoilaConfiguration"] == {**cfg["VoilaConfiguration"], "show_tracebacks": True}
    assert set(vcfg) == {"VoilaConfiguration"}


def test_configure_environment_refuses_a_broken_config_file(tmp_path):
    conf = tmp_path / "etc" / "jupyter" / "jupyter_server_config.json"
    conf.parent.mkdir(parents=True)
    conf.write_text("{not json")
    with pytest.raises(InputError, match="jupyter_server_config.json is not valid JSON"):
        assets.configure_environment(tmp_path)
    assert conf.read_text() == "{not json"  # left as it was
    conf.unlink()
    voila = conf.parent / "voila.json"
    voila.write_text("[1]")
    with pytest.raises(InputError, match="voila.json holds a JSON list"):
        assets.configure_environment(tmp_path)
    assert voila.read_text() == "[1]" and not conf.exists()  # neither file written


def test_the_server_reads_the_settings_where_they_are_written(tmp_path):
    # `jupyter --paths` config of a prefix: what a Jupyter server of that environment loads.
    import subprocess
    import sys

    assets.configure_environment(tmp_path)
    code = ("from jupyter_server.serverapp import ServerApp; a = ServerApp(); a.load_config_file(); "
            "print(a.config.VoilaConfiguration.template, a.config.ServerApp.tornado_settings['compress_response'])")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("JUPYTER")}
    env["JUPYTER_CONFIG_PATH"] = str(tmp_path / "etc" / "jupyter")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.split() == [assets.TEMPLATE, "True"], out.stderr[-2000:]
    # and Voila's server extension's own loader, which Voila <= 0.5.8 uses alone
    code = "from voila.server_extension import load_config_file; print(load_config_file().VoilaConfiguration.template)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                         cwd=tmp_path)
    assert out.stdout.split() == [assets.TEMPLATE], out.stderr[-2000:]


@pytest.mark.slow
def test_one_page_past_the_limit_gets_a_page_that_says_why(tmp_path):
    # issue 23: a limit on concurrent pages, with a clear page when it is reached (not a dead kernel pool)
    import signal
    import socket
    import subprocess
    import time
    import urllib.error
    import urllib.request

    from scalingviz.ui.launch import voila_command, voila_environment

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "voila.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(voila_command(port, True, max_pages=1), env=voila_environment(), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"

    def get() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=120) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    try:
        end = time.time() + 120
        while True:  # the server is up once the preheated pool's kernel has run the notebook
            if "is filled with 1 kernel" in (tmp_path / "voila.log").read_text() or time.time() > end:
                break
            time.sleep(0.5)
        first, _ = get()  # takes the waiting kernel (no browser: its kernel stays until culled)
        time.sleep(12)  # the pool refills 8 s later
        second, body = get()
        assert (first, second) == (200, 503), (first, second)
        assert "serving 1 pages, its limit on this machine" in body and "try again in a minute" in body
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
