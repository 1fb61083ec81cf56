"""``scalingviz dashboard``: serve the dashboard notebook with Voila, configured for a light first page.

Run by the CLI in a process of its own (``python -m scalingviz.ui.launch [--port P] [--no-browser]
[--configure-jupyter]``). Voila runs as :mod:`scalingviz.ui.serve` (compressed responses) with
scalingviz's template, one preheated kernel (the notebook has run before anyone opens the page;
:class:`~scalingviz.ui.dashboard.DashboardPage` handles the page's query), plotly's bundle served
once per page (:mod:`scalingviz.ui.assets`), kernel culling, a fixed port and sources stripped.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import InputError
from .assets import EXTENSIONS, READY_FILE_ENV, TEMPLATE, bundle, configure_environment, prepare

__all__ = ["dashboard_notebook", "main", "voila_command", "voila_environment"]


def dashboard_notebook() -> str:
    """The dashboard notebook: the repository's, or a generated copy for non-editable installs."""
    repo_nb = Path(__file__).resolve().parents[2] / "notebooks" / "dashboard.ipynb"
    if repo_nb.is_file():
        return str(repo_nb)
    import nbformat

    from .dashboard import NOTEBOOK_CELLS

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = Path(tempfile.mkdtemp(prefix="scalingviz-")) / "dashboard.ipynb"
    nbformat.write(nb, str(path))
    return str(path)


def voila_command(port: int, no_browser: bool, notebook: str | None = None, max_pages: int | None = None,
                  base_url: str | None = None) -> list[str]:
    """The Voila command line; run it with :func:`voila_environment`.

    ``base_url``: the path the browser sees the page under when a proxy forwards it (Binder's
    ``/user/<name>/proxy/8866/``, jupyter-server-proxy stripping that prefix): the page's links carry
    it while Voila serves its routes at ``/``."""
    cmd = [sys.executable, "-m", "scalingviz.ui.serve", notebook or dashboard_notebook(), f"--port={port}",
           "--Voila.port_retries=0", "--MappingKernelManager.cull_interval=30",
           "--MappingKernelManager.cull_idle_timeout=300", "--MappingKernelManager.cull_connected=False",
           "--strip_sources=True", "--theme=light", f"--template={TEMPLATE}",
           "--VoilaConfiguration.file_allowlist=[]", "--preheat_kernel=True", "--pool_size=1",
           # Refill the pool once the visitor's page is drawn, not while it is (two cores are shared).
           "--VoilaKernelManager.fill_delay=8",
           # Only the widget manager and anywidget (plotly's mime renderer alone is 4.8 MB).
           "--VoilaConfiguration.extension_allowlist=" + json.dumps(EXTENSIONS)]
    if max_pages is not None:
        cmd.append(f"--CompressedVoila.max_pages={max_pages}")
    if base_url is not None:
        cmd += [f"--Voila.base_url={base_url}", "--Voila.server_url=/"]
    if no_browser:
        cmd.append("--no-browser")
    return cmd


def check_base_url(text: str) -> str:
    """A URL path prefix for ``--base-url``: starts and ends with ``/`` (one is added at the end)."""
    if not text.startswith("/") or any(c in text for c in "?#\\ \t\n"):
        raise InputError(f"--base-url: {text!r} is not a URL path; expected one that starts with /, e.g. "
                         "/user/NAME/proxy/8866/")
    return text if text.endswith("/") else text + "/"


def voila_environment() -> dict[str, str]:
    """The environment for :func:`voila_command`: the prepared assets first on ``JUPYTER_PATH``,
    which the kernels inherit."""
    env = dict(os.environ)
    root = str(prepare())
    env["JUPYTER_PATH"] = os.pathsep.join(x for x in (root, env.get("JUPYTER_PATH", "")) if x)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scalingviz dashboard")
    parser.add_argument("--port", type=int, default=8866)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--max-pages", type=int, default=None)
    parser.add_argument("--configure-jupyter", action="store_true")
    parser.add_argument("--base-url", default=None)
    parser.add_argument("--ready-file", default=None)
    args = parser.parse_args(argv)
    try:
        if args.configure_jupyter:
            for path in configure_environment():
                print(f"scalingviz: wrote {path}", file=sys.stderr)
            return 0
        env = voila_environment()
        if args.base_url is not None:
            args.base_url = check_base_url(args.base_url)
        if args.ready_file:
            Path(args.ready_file).unlink(missing_ok=True)
            env[READY_FILE_ENV] = str(Path(args.ready_file).resolve())
    except InputError as exc:
        print(f"scalingviz: error: {exc}", file=sys.stderr)
        return 2
    kind = bundle()[1]
    if kind != "cartesian":  # the page still works, with the slower first visit of plotly's 4.9 MB bundle
        print(f"scalingviz: figures load plotly's own bundle ({kind.removeprefix('full: ')})", file=sys.stderr)
    print(f"scalingviz: serving the dashboard at http://localhost:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
    proc = subprocess.Popen(voila_command(args.port, args.no_browser, max_pages=args.max_pages,
                                          base_url=args.base_url), env=env)

    def stop(signum, _frame):  # forward SIGINT/SIGTERM: Voila needs SIGTERM without a TTY
        proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    rc = proc.wait()
    if rc not in (0, -signal.SIGTERM, 128 + signal.SIGTERM):
        print(f"scalingviz: error: voila exited with status {rc} (is port {args.port} in use? try --port)",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
