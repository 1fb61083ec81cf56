"""A live `scalingviz dashboard` and Debian's Chromium, for the browser benchmarks and docs/screenshots.py."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

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
        # its own cache: each checkout's `prepare` removes a served bundle other than its own
        env["SCALINGVIZ_CACHE"] = tempfile.mkdtemp(prefix="scalingviz-ref-cache-")
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
    """The README badge's page as Binder serves it (``tests/binder_rehearsal.py``, the same path as the
    Binder page test): a fresh prefix configured by ``binder/postBuild``, ``jupyter lab`` from the
    repository root. Yields the badge page's URL. The data fetch uses ``$SCALINGVIZ_EXTERNAL_DATA``
    (or ``../shared/data``) as a local origin when present, and is left out otherwise."""
    import tempfile
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(repo / "tests"))
    import binder_rehearsal as br
    from origin_server import mirror, serve

    shared = Path(os.environ.get("SCALINGVIZ_EXTERNAL_DATA") or repo.parent / "shared" / "data")
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        root = Path(tmp)
        _venv, env = br.make_prefix(root)
        origin = stack.enter_context(serve(mirror(shared, root / "origin"))).url if shared.is_dir() else None
        r = br.run_postbuild(root, env, origin)
        if r.returncode != 0:
            raise RuntimeError("binder/postBuild failed:\n" + r.stderr[-3000:])
        stack.close()
        with br.jupyter_server(env, root / "jupyter.log") as url:
            yield url
