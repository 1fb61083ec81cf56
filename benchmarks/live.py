"""A live `scalingviz dashboard` and Debian's Chromium, for the browser benchmarks and docs/screenshots.py."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_or_exit() -> str:
    """The browser, from $SCALINGVIZ_CHROMIUM or the PATH; exits with a reason when there is none."""
    path = os.environ.get("SCALINGVIZ_CHROMIUM") or shutil.which("chromium")
    if not path:
        sys.exit("skipped: no chromium (apt-get install chromium, or set SCALINGVIZ_CHROMIUM)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard(source: str | None = None) -> Iterator[str]:
    """Start `scalingviz dashboard` on a free port, wait until it answers, yield its URL; SIGTERM at exit.

    ``source``: another checkout's root (e.g. a `git worktree` of an older commit) to serve instead,
    put first on PYTHONPATH for the server and its kernels, to compare two versions in one run.
    """
    port = free_port()
    env = dict(os.environ)
    if source:
        env["PYTHONPATH"] = os.pathsep.join(x for x in (source, env.get("PYTHONPATH", "")) if x)
    proc = subprocess.Popen([sys.executable, "-m", "scalingviz.cli", "dashboard", "--port", str(port), "--no-browser"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env,
                            cwd=source)  # `-m` puts the working directory first on the path
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait(url + "voila/static/")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _wait(url: str) -> None:
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:  # the server answers
            return
        except Exception:
            time.sleep(0.5)


@contextmanager
def binder_server() -> Iterator[str]:
    """The page as Binder serves it: a Jupyter server with Voila's server extension, configured by
    ``scalingviz dashboard --configure-jupyter`` (here into a temporary prefix, put on the Jupyter
    paths by environment variables). Yields the dashboard's URL (``voila/render/...``)."""
    import json
    import tempfile

    from scalingviz.ui.assets import SERVER_CONFIG, prepare

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        prepare(os.path.join(tmp, "share"))
        os.makedirs(os.path.join(tmp, "config"))
        with open(os.path.join(tmp, "config", "jupyter_server_config.json"), "w") as fh:
            json.dump({**SERVER_CONFIG, "IdentityProvider": {"token": ""}}, fh)
        env = dict(os.environ, JUPYTER_CONFIG_DIR=os.path.join(tmp, "config"), JUPYTER_PATH=os.path.join(tmp, "share"))
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "jupyter_server", f"--port={port}", "--no-browser",
                                 "--ServerApp.port_retries=0", f"--ServerApp.root_dir={repo}", "--allow-root"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
        base = f"http://127.0.0.1:{port}/"
        try:
            _wait(base + "api/status")
            yield base + "voila/render/notebooks/dashboard.ipynb"
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
