"""Binder rehearsal: a fresh environment built by binder/postBuild against a stand-in for the data
sets' origins, then every notebook of the course run with no local copy of the data and no network.

The fresh environment is a new virtual environment (its own prefix, pip and console scripts) that
sees the test environment's installed dependencies through a .pth file, as repo2docker's image sees
binder/requirements.txt. The origin is a local HTTP server serving ../shared/data at the pinned
origin paths; nothing else is reachable (the notebooks run with the origin pointed at a closed port).
"""

import json
import subprocess
from pathlib import Path

import binder_rehearsal as br
import pytest
from origin_server import mirror, serve

from scalingviz import catalog

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (REPO / "notebooks").glob("[0-9]*.ipynb"))
#: The notebooks that read a data set Binder must fetch (the others read shipped data or none; the README's
#: nbval run executes every notebook with the same package).
FETCHING = [REPO / "notebooks" / n for n in ("04_loss_trajectories.ipynb", "06_hyperparameters.ipynb",
                                             "07_fit_your_own.ipynb")]
CLOSED = "http://127.0.0.1:9"
OFFLINE = "is not on this machine and could not be downloaded"

pytestmark = [pytest.mark.realdata, pytest.mark.binder, pytest.mark.slow]


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    pytest.importorskip("nbclient")
    root = tmp_path_factory.mktemp("binder")
    venv, env = br.make_prefix(root)
    return {"root": root, "venv": venv, "py": venv / "bin" / "python", "env": env}


def _run_notebooks(binder_env, work: Path, notebooks) -> dict:
    env = dict(binder_env["env"], SCALINGVIZ_DATA_ORIGIN=CLOSED)
    r = subprocess.run([str(binder_env["py"]), str(REPO / "tests" / "run_notebooks.py"), str(work),
                        *map(str, notebooks)], capture_output=True, text=True, env=env, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


def test_offline_without_the_data_the_notebooks_say_so_and_nothing_else_fails(binder_env, tmp_path):
    # Before postBuild has fetched anything (a session whose build could not reach the origins).
    needs = [p for p in NOTEBOOKS if p.name.startswith(("04", "06", "07"))]
    env = binder_env["env"]
    subprocess.run(["pip", "install", "--no-deps", "-q", "-e", str(REPO)], check=True, env=env, cwd=REPO,
                   capture_output=True, timeout=600)
    report = _run_notebooks(dict(binder_env, env=dict(env, SCALINGVIZ_CACHE=str(tmp_path / "empty"))),
                            tmp_path / "work", needs)
    for name, r in report.items():
        assert r["error"] is None, (name, r["error"])
        assert OFFLINE in r["text"] and CLOSED in r["text"], name
        assert "Traceback" not in r["text"], name


def test_postbuild_fetches_everything_then_the_notebooks_read_the_fetched_data(binder_env, shared_data):
    root, env = binder_env["root"], binder_env["env"]
    with serve(mirror(shared_data, root / "origin")) as origin:
        r = br.run_postbuild(root, env, origin.url)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
        fetched = {ds.name for ds in catalog.CATALOG.values() if not ds.shipped and ds.in_all}
        assert {p.split("/")[2] for p in origin.requests} <= {ds.repo.split("/")[1] for ds in catalog.CATALOG.values()}
        assert len(origin.requests) == sum(len(catalog.CATALOG[n].files) for n in fetched)
    listed = subprocess.run(["scalingviz", "data", "list", "--json"], capture_output=True, text=True, env=env,
                            check=True).stdout
    status = {d["name"]: d["status"] for d in json.loads(listed)["data_sets"]}
    assert {s for n, s in status.items() if n in fetched} == {"cached"}, status
    assert {s for n, s in status.items() if n not in fetched} == {"shipped", "not fetched"}, status
    assert [n for n, s in status.items() if s == "not fetched"] == ["scalebench"]
    # The Jupyter server of the environment serves the dashboard as `scalingviz dashboard` does.
    conf = binder_env["venv"] / "etc" / "jupyter" / "jupyter_server_config.json"
    assert json.loads(conf.read_text())["VoilaConfiguration"]["template"] == "scalingviz"
    assert list((binder_env["venv"] / "share" / "jupyter" / "labextensions" / "scalingviz-assets" / "static").glob(
        "plotly-widget-*.js"))

    report = _run_notebooks(binder_env, root / "work", FETCHING)
    assert set(report) == {p.name for p in FETCHING}
    for name, r in report.items():
        assert r["error"] is None, (name, r["error"])
        assert "not on this machine" not in r["text"] and "skipping" not in r["text"], name
    # Real data reached the cells that need it.
    assert "best run: LR" in report["06_hyperparameters.ipynb"]["text"]
    assert "held-out" in report["04_loss_trajectories.ipynb"]["text"]
    assert "objective" in report["07_fit_your_own.ipynb"]["text"]
