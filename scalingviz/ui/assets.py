"""Dashboard assets: plotly's widget bundle served once per page, and the Voila template.

plotly's ``FigureWidget`` carries its whole JavaScript bundle (about 5 MB) in every instance's
widget state, so a page with five figures moved five copies over the kernel's websocket. Under
Voila, :class:`~scalingviz.ui.figures.LiveFigure` instead carries a few hundred bytes of
JavaScript that imports the bundle from one URL: the browser fetches it once per page (over
HTTP, compressed, cacheable) however many figures there are.

That bundle (:func:`bundle`) is plotly's widget code with the full plotly.js it embeds (4.9 MB) replaced
by plotly.js's cartesian build of the same version (shipped in ``ui/vendor``): 1.6 MB, which a first
visit downloads and evaluates in a third of the time, and which draws every trace type the dashboard
uses (:data:`CARTESIAN_TRACES`). Another plotly, or ``SCALINGVIZ_PLOTLY_BUNDLE=full``, gets plotly's
bundle unchanged.

:func:`prepare` lays out a Jupyter data folder with

* ``labextensions/scalingviz-assets/static/plotly-widget-<version>-<build>-<hash>.js``: :func:`bundle`
  (Voila serves every ``labextensions`` folder on the Jupyter path);
* ``voila/templates/scalingviz/``: Voila's ``lab`` template without the icon-font links to a CDN
  (Voila bundles the same font), so the page loads nothing from another host.

``scalingviz dashboard`` prepares it in the user cache and puts it on ``JUPYTER_PATH``;
``binder/postBuild`` prepares it in the environment's own ``share/jupyter``. A kernel uses the
served bundle only when it runs under Voila and finds the file on its Jupyter path, or in JupyterLab of
an environment so configured; otherwise (JupyterLab elsewhere, a plain Voila) figures carry the bundle.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
from pathlib import Path

from .._cache import atomic_write, cache_dir, writable_dir
from ..datasets import MAX_BYTES
from ..errors import InputError
from .server_extension import XSRF_PATH

__all__ = ["ASSETS", "BUNDLE_ENV", "CARTESIAN_TRACES", "EXTENSIONS", "SERVER_CONFIG", "SERVER_CONFIG_FILE", "TEMPLATE", "bundle", "bundle_name", "cartesian_bundle", "configure_environment", "inline_esm", "prepare", "served_esm"]

#: An environment variable naming a file the preheated kernel creates once the dashboard is built and
#: waits for a visitor (``scalingviz dashboard --ready-file``; ``binder/start`` waits for it). Here, not in
#: ui.dashboard, so that the launcher does not import the widgets to read it.
READY_FILE_ENV = "SCALINGVIZ_READY_FILE"

#: The folder under ``labextensions`` that holds the served bundle (not an extension: no package.json).
ASSETS = "scalingviz-assets"
#: The Voila template's name.
TEMPLATE = "scalingviz"
_TEMPLATE_SRC = Path(__file__).with_name("voila_template")

# Loads the bundle from the page's own server. Under Voila, ``data-base-url`` is "<base_url>voila/" (it
# includes a JupyterHub or Binder prefix); in JupyterLab, the page config's ``fullLabextensionsUrl``
# ("<base_url>lab/extensions"), where the server serves every labextensions folder of its environment.
# On failure the figure says why instead of staying blank.
_LOADER = """\
const body = document.body ? document.body.dataset : {{}};
let base = body.voila ? (body.baseUrl || "/voila/") + "labextensions/" : null;
if (base === null) {{
  const el = document.getElementById("jupyter-config-data");
  const cfg = el ? JSON.parse(el.textContent) : {{}};
  base = (cfg.fullLabextensionsUrl || "/lab/extensions") + "/";
}}
const url = new URL(base + "{assets}/static/{name}", document.baseURI).href;
let mod;
try {{
  mod = await import(url);
}} catch (err) {{
  mod = {{ default: {{ render({{ el }}) {{
    el.textContent = "This figure could not load plotly.js from " + url + " (" + err + "). A front end " +
      "that this environment's Jupyter server does not serve needs SCALINGVIZ_INLINE_PLOTLY=1 in the kernel.";
  }} }} }};
}}
export default mod.default;
"""


def _plotly_bundle() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"


#: plotly.js's cartesian build (npm ``plotly.js-cartesian-dist-min``), shipped gzipped in ``ui/vendor``
#: (README there: origin, licence, recipe). Served in place of the full plotly.js that plotly's widget
#: bundle embeds, when the versions match: a third of the JavaScript to download and evaluate.
CARTESIAN_VERSION = "4.1.1"
CARTESIAN_FILE = Path(__file__).with_name("vendor") / f"plotly.js-cartesian-dist-min-{CARTESIAN_VERSION}.min.js.gz"
#: sha256 of the uncompressed ``plotly-cartesian.min.js`` in the npm package.
CARTESIAN_SHA256 = "79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a"
#: The trace types the cartesian build draws (its README); the dashboard's figures use only these.
CARTESIAN_TRACES = frozenset({"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour",
                              "image", "pie", "scatter", "scatterternary", "violin"})
#: ``SCALINGVIZ_PLOTLY_BUNDLE=full`` serves plotly's own bundle (every trace type).
BUNDLE_ENV = "SCALINGVIZ_PLOTLY_BUNDLE"

# plotly's widgetbundle.js is one ES module built by esbuild; plotly.js sits in it as one CommonJS module,
# ``var X=R((E,M)=>{<plotly.js's UMD wrapper, which sets M.exports>...return window.Plotly=Q,Q})});``.
_PLOTLY_START = re.compile(r'var (\w+)=(\w+)\(\((\w+),(\w+)\)=>\{\(function\(\w+,\w+\)\{typeof \4=="object"'
                           r'&&\4\.exports\?\4\.exports=\w+\(\)')
_PLOTLY_END = re.compile(r'return window\.Plotly=(\w+),\1\}\)\}\);')
_PLOTLY_VERSION = re.compile(r'"src/version\.js"\(\w+\)\{"use strict";\w+\.version="([^"]+)"')


def cartesian_bundle(widget_js: str, cartesian_js: str, version: str) -> str:
    """plotly's widget bundle ``widget_js`` with its plotly.js module replaced by ``cartesian_js``
    (plotly.js ``version``'s cartesian build, a UMD file that sets ``module.exports``).

    Raises ValueError saying what did not match: the module's start or end found other than once, or
    an embedded plotly.js of another version.
    """
    starts = list(_PLOTLY_START.finditer(widget_js))
    if len(starts) != 1:
        raise ValueError(f"plotly's widget bundle has {len(starts)} plotly.js modules of the expected shape, not 1")
    start = starts[0]
    end = _PLOTLY_END.search(widget_js, start.end())
    if end is None:
        raise ValueError("the end of plotly.js's module in plotly's widget bundle was not found")
    found = _PLOTLY_VERSION.findall(widget_js, start.end(), end.start())
    if found != [version]:
        raise ValueError(f"plotly's widget bundle embeds plotly.js {', '.join(found) or 'of unknown version'}; "
                         f"the cartesian build shipped is {version}")
    var, wrap = start.group(1), start.group(2)
    return f"{widget_js[:start.start()]}var {var}={wrap}((exports,module)=>{{\n{cartesian_js}\n}});{widget_js[end.end():]}"


@functools.lru_cache(maxsize=1)
def bundle() -> tuple[bytes, str]:
    """The JavaScript figures load and what it is: plotly's widget bundle with plotly.js's cartesian
    build (``"cartesian"``), or plotly's bundle unchanged (``"full: <reason>"``) when the versions differ,
    the bundle's shape is not the one expected, or ``SCALINGVIZ_PLOTLY_BUNDLE=full``."""
    full = _plotly_bundle().read_bytes()
    if os.environ.get(BUNDLE_ENV) == "full":
        return full, f"full: {BUNDLE_ENV}=full"
    try:
        cartesian = gzip.decompress(CARTESIAN_FILE.read_bytes())
        if hashlib.sha256(cartesian).hexdigest() != CARTESIAN_SHA256:
            raise ValueError(f"{CARTESIAN_FILE.name} does not have the sha256 recorded in scalingviz.ui.assets")
        text = cartesian_bundle(full.decode(), cartesian.decode(), CARTESIAN_VERSION)
    except (OSError, ValueError) as exc:
        return full, f"full: {exc}"
    return text.encode(), "cartesian"


@functools.lru_cache(maxsize=1)
def inline_esm() -> str:
    """:func:`bundle` as text: what a figure carries where the bundle is not served."""
    return bundle()[0].decode()


@functools.lru_cache(maxsize=1)
def bundle_name() -> str:
    """The served file's name: plotly's version, the plotly.js build and the first 12 hex digits of the
    file's sha256, so a browser never reuses a bundle of another plotly."""
    import plotly

    data, kind = bundle()
    digest = hashlib.sha256(data).hexdigest()[:12]
    return f"plotly-widget-{plotly.__version__}-{kind.split(':')[0]}-{digest}.js"


def prepare(root: Path | None = None) -> Path:
    """Lay out the Jupyter data folder ``root`` (default: ``<cache>/jupyter``) and return it.

    Idempotent; the bundle is copied only when missing, through a temporary file.
    """
    root = Path(root) if root is not None else cache_dir() / "jupyter"
    static = writable_dir(root / "labextensions" / ASSETS / "static")
    target = static / bundle_name()
    if not target.is_file():
        atomic_write(target, [bundle()[0]])
    for old in static.glob("plotly-widget-*.js"):
        if old.name != target.name:
            old.unlink(missing_ok=True)
    tdir = writable_dir(root / "voila" / "templates" / TEMPLATE)
    for src in _TEMPLATE_SRC.iterdir():
        if src.is_file():
            text = (src.read_text().replace("@ASSETS@", ASSETS).replace("@BUNDLE@", bundle_name())
                    .replace("@MAX_UPLOAD@", str(MAX_BYTES)).replace("@XSRF_PATH@", XSRF_PATH))
            atomic_write(tdir / src.name, [text.encode()])
    return root


def _served_file() -> Path | None:
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("labextensions", ASSETS, "static"):
        p = Path(folder) / bundle_name()
        if p.is_file():
            return p
    return None


def environment_serves_bundle(prefix: str | Path | None = None) -> bool:
    """Whether this environment's Jupyter server serves the bundle to JupyterLab pages: it is in
    ``<prefix>/share/jupyter/labextensions`` (``scalingviz dashboard --configure-jupyter`` put it there, as
    ``binder/postBuild`` does)."""
    import sys

    root = Path(prefix if prefix is not None else sys.prefix)
    return (root / "share" / "jupyter" / "labextensions" / ASSETS / "static" / bundle_name()).is_file()


@functools.lru_cache(maxsize=1)
def served_esm() -> str | None:
    """The loader a figure carries instead of plotly's bundle, or None to carry the bundle.

    Under Voila (the kernel has ``VOILA_BASE_URL``) when the bundle is on the Jupyter path, and in any
    other front end of an environment configured with ``scalingviz dashboard --configure-jupyter``
    (JupyterLab on Binder: a notebook saved with its widget state then carries 2 kB per figure, not
    the 1.6 MB bundle). ``SCALINGVIZ_INLINE_PLOTLY=1`` turns it off (a front end that is not served by
    this environment's Jupyter server, VS Code for one, needs the bundle in the figure).
    """
    if os.environ.get("SCALINGVIZ_INLINE_PLOTLY") == "1" or _served_file() is None:
        return None
    if "VOILA_BASE_URL" not in os.environ and not environment_serves_bundle():
        return None
    return _LOADER.format(assets=ASSETS, name=bundle_name())


#: The page's JupyterLab extensions: Voila's widget manager for ipywidgets 8, the widgets' own models
#: and views, and anywidget (plotly's FigureWidget is an anywidget). Every other installed extension
#: (plotly's 4.8 MB mime renderer, jupyterlab_pygments, any a user adds) is left out of the page.
EXTENSIONS = ["@voila-dashboards/widgets-manager8", "@jupyter-widgets/jupyterlab-manager", "anywidget"]

#: Jupyter server settings for Voila's server extension (``/voila/render/...``, the Binder link),
#: matching ``scalingviz dashboard``: compressed responses, this template, only :data:`EXTENSIONS`,
#: no MathJax, sources stripped, no file serving. (The server extension has no preheated kernels.)
#: The largest websocket message the server takes [bytes]. An upload travels as one widget message;
#: tornado's default (10 MiB) dropped files the dashboard accepts (up to ``datasets.MAX_BYTES``,
#: 50 MiB), so they vanished. The page itself stops larger files with a message (the template).
WEBSOCKET_LIMIT = MAX_BYTES + 8 * 2**20

SERVER_CONFIG = {
    # No mathjax_url: Voila's page would then load MathJax from a CDN (the dashboard typesets no math).
    "ServerApp": {"tornado_settings": {"compress_response": True, "mathjax_url": None, "mathjax_config": None,
                                       "websocket_max_message_size": WEBSOCKET_LIMIT},
                  # The endpoint that gives a page the cookie its close request needs (ui.server_extension).
                  "jpserver_extensions": {"scalingviz.ui.server_extension": True}},
    "VoilaConfiguration": {"template": TEMPLATE, "theme": "light", "strip_sources": True,
                           "extension_allowlist": EXTENSIONS, "file_allowlist": []},
}

#: Where :func:`configure_environment` writes :data:`SERVER_CONFIG`, under the prefix: the file every
#: Jupyter server of the environment reads (``jupyter --paths``, "config"). The ``.d`` folder next to
#: it carries only server-extension switches; settings written there are ignored (scalingviz < 0.2
#: wrote them there, so that file is removed).
SERVER_CONFIG_FILE = Path("etc", "jupyter", "jupyter_server_config.json")
#: Voila's own file in the same folder, holding :data:`SERVER_CONFIG`'s ``VoilaConfiguration``. Voila's
#: server extension reads it at every version; up to 0.5.8 it reads *only* it (its VoilaConfiguration is
#: built with ``config=`` this file's contents, so the server's file is ignored and the page falls back
#: to the default ``lab`` template: Font Awesome from a CDN, every extension on the page).
VOILA_CONFIG_FILE = Path("etc", "jupyter", "voila.json")
_OLD_CONFIG_FILE = Path("etc", "jupyter", "jupyter_server_config.d", "scalingviz.json")


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def configure_environment(prefix: Path | None = None) -> list[Path]:
    """Prepare the assets in ``<prefix>/share/jupyter`` (default: this Python's ``sys.prefix``) and
    merge :data:`SERVER_CONFIG` into ``<prefix>/etc/jupyter/jupyter_server_config.json``, which every
    Jupyter server of that environment reads, and its Voila settings into ``voila.json`` beside it,
    which Voila's server extension reads (other settings in both files are kept). Both files are
    checked before either is written. Returns the three paths."""
    import sys

    prefix = Path(prefix if prefix is not None else sys.prefix)
    conf, voila = prefix / SERVER_CONFIG_FILE, prefix / VOILA_CONFIG_FILE
    current = [_read_config(conf), _read_config(voila)]
    root = prepare(prefix / "share" / "jupyter")
    writable_dir(conf.parent)
    for path, have, ours in ((conf, current[0], SERVER_CONFIG),
                             (voila, current[1], {"VoilaConfiguration": SERVER_CONFIG["VoilaConfiguration"]})):
        merged = _merge(have, ours)
        merged["VoilaConfiguration"].pop("extension_denylist", None)
        atomic_write(path, [json.dumps(merged, indent=2).encode()])
    (prefix / _OLD_CONFIG_FILE).unlink(missing_ok=True)
    return [root, conf, voila]


def _read_config(path: Path) -> dict:
    """A JSON config file's object ({} when the file is absent); a broken file is refused, left as it is."""
    if not path.is_file():
        return {}
    try:
        current = json.loads(path.read_text())
    except ValueError as exc:
        raise InputError(f"{path} is not valid JSON ({exc}); fix or remove it, then configure again") from None
    if not isinstance(current, dict):
        raise InputError(f"{path} holds a JSON {type(current).__name__}, not an object; fix or remove it")
    return current
