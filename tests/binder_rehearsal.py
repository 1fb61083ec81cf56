"""Binder, rehearsed: a fresh environment prefix configured by ``binder/postBuild`` itself, and a Jupyter
server started from the repository root the way repo2docker starts it, serving the README badge's page.

Used by ``tests/test_binder.py`` and ``benchmarks/bench_dashboard.py`` (the "Binder" row), so the page
the benchmark measures is the page the test checks.

* The prefix is a new virtual environment that sees this environment's installed packages through a
  ``.pth`` file, as repo2docker's image sees ``binder/requirements.txt``; ``postBuild`` runs in it
  unchanged (``pip install -e .``, ``scalingviz dashboard --configure-jupyter``, ``scalingviz data
  fetch --all``) with ``$SCALINGVIZ_DATA_ORIGIN`` pointed at a local stand-in for the data's origins.
  Without such an origin the data-fetch line alone is left out (the rest is run as written).
* The server is ``jupyter lab`` run from the repository root with an empty user config folder (a
  Binder user's ``~/.jupyter`` is empty) and no settings on its command line but the ones Binder's
  spawner passes: address, port, a ``/user/<name>/`` base URL and the (here empty) token (and
  ``--allow-root`` when run as root, as in this project's containers; Binder's user is not root).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import servers

REPO = Path(__file__).resolve().parents[1]
POSTBUILD = REPO / "binder" / "postBuild"
START = REPO / "binder" / "start"
BASE_URL = "/user/binder-rehearsal/"
_FETCH_LINE = re.compile(r"^\s*scalingviz data fetch\b.*$", re.M)


def badge_urlpath() -> str:
    """The ``urlpath`` of the README's Binder badge (the page a visitor lands on), e.g.
    ``voila/render/notebooks/dashboard.ipynb``."""
    text = (REPO / "README.md").read_text()
    m = re.search(r"\(https://mybinder\.org/v2/gh/[^)\s]*\?urlpath=([^)\s&]+)\)", text)
    if m is None:
        raise AssertionError("README.md has no Binder badge with a urlpath")
    return unquote(m.group(1)).lstrip("/")


def make_prefix(root: Path) -> tuple[Path, dict[str, str]]:
    """A fresh virtual environment under ``root`` seeing this environment's packages; returns its
    prefix and the environment variables that make it the active one (its own caches and config)."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "_parent_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    drop = ("SCALINGVIZ_EXTERNAL_DATA", "VIRTUAL_ENV", "PYTHONPATH", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR",
            "JUPYTER_CONFIG_PATH", "JUPYTER_DATA_DIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    (root / "home-jupyter").mkdir(exist_ok=True)
    # The parent environment's Jupyter config (its server-extension switches: Voila's among them) and data
    # (labextensions, templates, kernels), as one prefix holds both on Binder; they come after the
    # prefix's own files in neither list's priority that matters here (the prefix adds files, not switches).
    env.update(JUPYTER_CONFIG_PATH=str(Path(sys.prefix, "etc", "jupyter")), JUPYTER_PATH=str(Path(sys.prefix, "share", "jupyter")))
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               SCALINGVIZ_CACHE=str(root / "cache"), PIP_DISABLE_PIP_VERSION_CHECK="1",
               JUPYTER_CONFIG_DIR=str(root / "home-jupyter"), JUPYTER_DATA_DIR=str(root / "home-jupyter" / "data"))
    return venv, env


def run_postbuild(root: Path, env: dict[str, str], origin: str | None) -> subprocess.CompletedProcess:
    """Run ``binder/postBuild`` from the repository root in the environment ``env``; with ``origin``
    None, run it without its data-fetch line (nothing to fetch from)."""
    script = POSTBUILD
    if origin is None:
        script = root / "postBuild-no-fetch"
        text = POSTBUILD.read_text()
        assert _FETCH_LINE.search(text), "binder/postBuild no longer fetches the data: update this rehearsal"
        script.write_text(_FETCH_LINE.sub("# (data fetch left out: no origin in this rehearsal)", text))
    else:
        env = dict(env, SCALINGVIZ_DATA_ORIGIN=origin)
    return subprocess.run(["bash", str(script)], cwd=REPO, capture_output=True, text=True, env=env, timeout=900)


#: The process (binder/start, then the Jupyter server it becomes) behind each badge URL served now.
SERVERS: dict[str, int] = {}


@contextmanager
def jupyter_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    """``jupyter lab`` from the repository root in ``env``, started by ``binder/start`` as repo2docker starts
    it (``binder/start jupyter lab ...``, which first starts the dashboard behind jupyter-server-proxy and
    waits for its kernel); yields the badge page's full URL."""
    # `jupyter lab` as the prefix's own Python runs it (the prefix has no `jupyter` script of its own: its
    # packages come from the parent environment, whose script would run the parent's Python and prefix).
    python = Path(env["VIRTUAL_ENV"]) / "bin" / "python"

    # repo2docker runs binder/start with the server's command as its arguments, and the spawner sets
    # JUPYTERHUB_SERVICE_PREFIX to the base URL. The dashboard's port is a free one here (8866 on Binder).
    dash_port = servers.free_port()
    env = dict(env, JUPYTERHUB_SERVICE_PREFIX=BASE_URL, SCALINGVIZ_DASHBOARD_PORT=str(dash_port))

    def command(port: int) -> list[str]:
        cmd = ["bash", str(START), str(python), "-m", "jupyterlab", "--ip=127.0.0.1", f"--port={port}", "--no-browser",
               f"--ServerApp.base_url={BASE_URL}", "--IdentityProvider.token="]
        if os.geteuid() == 0:  # containers here run as root; Binder runs as an ordinary user
            cmd.append("--allow-root")
        return cmd

    proc, port, log = servers.start(command, lambda port: f"http://127.0.0.1:{port}{BASE_URL}api/status",
                                    lambda port: log_path, timeout=180, cwd=REPO, env=env)
    base = f"http://127.0.0.1:{port}{BASE_URL}"
    url = base + badge_urlpath().replace("proxy/8866/", f"proxy/{dash_port}/")
    SERVERS[url] = proc.pid
    try:
        yield url
    finally:
        servers.stop(proc)
        log.close()
