"""The real data sets: shipped files, pinned downloads (checked, cached, never half-written), the CLI."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from origin_server import mirror, serve

from scalingviz import catalog, datasets
from scalingviz.catalog import CATALOG, DataFile, DataSet, DataUnavailable

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(monkeypatch, tmp_path):
    """An empty user cache and no local copies: as on a fresh machine (Binder)."""
    monkeypatch.setenv("SCALINGVIZ_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SCALINGVIZ_EXTERNAL_DATA", raising=False)
    return tmp_path / "cache"


BODY = b"N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n"


@pytest.fixture
def fake(monkeypatch):
    """A fetched data set of one small file, whose bytes the tests control."""
    ds = DataSet(name="fake", title="a fake data set", citation="-", licence="none stated", repo="someone/runs",
                 commit="0" * 40, files=(DataFile("runs.csv", "data/runs.csv", len(BODY),
                                                  hashlib.sha256(BODY).hexdigest()),), shipped=False)
    monkeypatch.setitem(CATALOG, "fake", ds)
    return ds


def _leftovers(cache):
    return sorted(p.name for p in cache.rglob("*") if p.is_file())


def test_every_data_set_is_listed_with_origin_licence_and_size():
    assert set(CATALOG) >= {"epoch_chinchilla", "steplaw", "misfitting_li2025", "marin_isoflops", "llama3_isoflops",
                            "critical_batch_size_zhang2024", "porian2024_rsld", "multipower_luo2025",
                            "datablations_muennighoff2023", "gemstones"}
    readme = (REPO / "data" / "README.md").read_text()
    for ds in CATALOG.values():
        assert len(ds.commit) == 40 and "/" in ds.repo and ds.licence and ds.citation
        assert all(f.size > 0 for f in ds.files)
        if ds.shipped:
            folder = catalog.PACKAGE_DATA / ds.name
            assert ds.licence.startswith(("MIT", "Apache")), ds.name
            assert (folder / "LICENSE").is_file() and ds.name in readme, ds.name
            for f in ds.files:
                assert (folder / f.name).stat().st_size == f.size, f.name
        else:
            assert all(len(f.sha256) == 64 for f in ds.files), ds.name


@pytest.mark.realdata
def test_shipped_files_are_the_shared_copies_and_pins_match(shared_data):
    checked = 0
    for ds in CATALOG.values():
        if not (shared_data / ds.name).exists():
            # shipped: derived here from its pinned origin (its recipe is in data/); fetched: a set ../shared does
            # not hold (ScaleBench), checked on download against the same pins
            continue
        checked += 1
        for f in ds.files:
            theirs = shared_data / ds.name / f.name
            if ds.shipped:
                assert (catalog.PACKAGE_DATA / ds.name / f.name).read_bytes() == theirs.read_bytes(), f.name
            else:
                raw = theirs.read_bytes()
                assert (len(raw), hashlib.sha256(raw).hexdigest()) == (f.size, f.sha256), f.name
    assert checked >= 10, checked


def test_shipped_data_sets_load_without_network(cache, monkeypatch):
    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("no download for shipped data"))
    z = datasets.load("critical_batch_size_zhang2024").table()
    assert len(z["steps_to_target"]) == 45
    assert len(datasets.load("datablations_muennighoff2023").runs()) == 229
    assert len(datasets.load("gemstones").runs()) == 199
    pub = datasets.load("porian2024_rsld").json("published_fit_results.json")
    assert len(pub) == 15
    assert len(datasets.multipower_curves("25M")) == 9
    assert catalog.status("gemstones") == "shipped" and not cache.exists()


def test_fetch_downloads_once_verifies_and_caches(cache, fake, monkeypatch):
    with serve() as origin:
        origin.put(f"{fake.repo}/{fake.commit}/data/runs.csv", BODY)
        monkeypatch.setenv("SCALINGVIZ_DATA_ORIGIN", origin.url)
        assert catalog.status("fake") == "not fetched"
        local = datasets.load("fake")
        assert local.path().read_bytes() == BODY and local.folder == cache / "data" / "fake"
        assert catalog.status("fake") == "cached"
        datasets.load("fake")
        assert len(origin.requests) == 1  # the second load is served from the cache
        # A cached file damaged later (same size, other bytes) is noticed and fetched again.
        catalog._VERIFIED.clear()
        local.path().write_bytes(BODY.replace(b"3.1", b"3.9"))
        assert datasets.load("fake").path().read_bytes() == BODY and len(origin.requests) == 2
    assert _leftovers(cache) == ["runs.csv"]


@pytest.mark.parametrize(("body", "length", "status", "message"), [
    (BODY[:-7], None, 200, r"truncated \(38 of 45 bytes\)"),
    (BODY[:-7], 45, 200, r"truncated \(38 of 45 bytes\)"),  # the server closes before its Content-Length
    (BODY.replace(b"3.1", b"3.2"), None, 200, r"does not match its pinned sha256"),
    (BODY + b"9e8,1e10,2.5\n", None, 200, r"larger than its pinned 45 bytes"),
    (b"Not Found", None, 404, r"could not be downloaded from http://127\.0\.0\.1:\d+/someone/runs/0{40}/data/runs\.csv "
                              r"\(Not Found\)"),
])
def test_a_bad_download_says_why_keeps_nothing_and_the_next_call_retries(cache, fake, monkeypatch, body, length,
                                                                           status, message):
    with serve() as origin:
        path = f"{fake.repo}/{fake.commit}/data/runs.csv"
        origin.put(path, body, status=status, length=length)
        monkeypatch.setenv("SCALINGVIZ_DATA_ORIGIN", origin.url)
        with pytest.raises(DataUnavailable, match=message) as err:
            datasets.load("fake")
        assert "fake" in str(err.value) and "\n" not in str(err.value)
        assert _leftovers(cache) == []  # nothing half-written
        origin.put(path, BODY)
        assert datasets.load("fake").path().read_bytes() == BODY  # retried


def test_a_download_past_its_deadline_stops_keeps_nothing_and_says_so(cache, fake, monkeypatch):
    with serve() as origin:
        origin.put(f"{fake.repo}/{fake.commit}/data/runs.csv", BODY)
        origin.drip = 0.05  # 45 bytes over about 2.3 s, each byte well within the per-read timeout
        monkeypatch.setenv("SCALINGVIZ_DATA_ORIGIN", origin.url)
        with pytest.raises(DataUnavailable, match=r"took longer than the 0\.5 s allowed .*--deadline") as err:
            catalog.fetch("fake", timeout=5, deadline=0.5)
        assert "\n" not in str(err.value) and _leftovers(cache) == []
        origin.drip = 0.0
        assert catalog.fetch("fake", deadline=0.5) == cache / "data" / "fake"
    for bad in (0, -1, float("nan"), float("inf"), "10"):
        with pytest.raises(ValueError, match=r"deadline: .* is out of range; give seconds from 0\.1 to 86400"):
            catalog.fetch("fake", deadline=bad)


def test_a_killed_downloads_temporary_file_is_removed_by_the_next_fetch(cache, fake, monkeypatch):
    folder = cache / "data" / "fake"
    folder.mkdir(parents=True)
    stale, live = folder / ".runs.csv.abc123.part", folder / ".runs.csv.def456.part"
    stale.write_bytes(b"half")
    live.write_bytes(b"half")
    old = stale.stat().st_mtime - 2 * catalog._STALE_PART
    os.utime(stale, (old, old))
    with serve() as origin:
        origin.put(f"{fake.repo}/{fake.commit}/data/runs.csv", BODY)
        monkeypatch.setenv("SCALINGVIZ_DATA_ORIGIN", origin.url)
        catalog.fetch("fake")
    # the stale one is gone; one still being written (recent) is another process's download
    assert _leftovers(cache) == [live.name, "runs.csv"]


def test_offline_message_names_the_data_set_and_the_url(cache, monkeypatch):
    monkeypatch.setenv("SCALINGVIZ_DATA_ORIGIN", "http://127.0.0.1:9")  # the discard port: refused
    with pytest.raises(DataUnavailable) as err:
        datasets.load("epoch_chinchilla")
    msg = str(err.value)
    assert msg.startswith("data set epoch_chinchilla is not on this machine and could not be downloaded from "
                          "http://127.0.0.1:9/epoch-research/analyzing-chinchilla/")
    assert "offline" in msg and "scalingviz data fetch epoch_chinchilla" in msg and "\n" not in msg
    assert _leftovers(cache) == []


def test_an_unwritable_cache_says_where_and_why(fake, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("SCALINGVIZ_CACHE", str(blocker))
    with serve() as origin:
        origin.put(f"{fake.repo}/{fake.commit}/data/runs.csv", BODY)
        monkeypatch.setenv("SCALINGVIZ_DATA_ORIGIN", origin.url)
        with pytest.raises(ValueError, match=r"cache directory .*not-a-folder.* cannot be written .*SCALINGVIZ_CACHE"):
            datasets.load("fake")


def test_a_local_copy_is_used_first(cache, fake, monkeypatch, tmp_path):
    (tmp_path / "copy" / "fake").mkdir(parents=True)
    (tmp_path / "copy" / "fake" / "runs.csv").write_bytes(BODY)
    monkeypatch.setenv("SCALINGVIZ_EXTERNAL_DATA", str(tmp_path / "copy"))
    monkeypatch.setenv("SCALINGVIZ_DATA_ORIGIN", "http://127.0.0.1:9")
    assert catalog.status("fake") == "local copy"
    assert datasets.load("fake").folder == tmp_path / "copy" / "fake"


def test_unknown_names_and_files_list_the_valid_ones():
    with pytest.raises(ValueError, match="not known; known: epoch_chinchilla, steplaw"):
        datasets.load("chinchilla")
    with pytest.raises(ValueError, match="no file 'x.csv'; its files: isoflop_points.csv"):
        datasets.load("porian2024_rsld").path("x.csv")
    with pytest.raises(ValueError, match="has 3 files; name one of"):
        datasets.load("porian2024_rsld").table()


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "scalingviz.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


@pytest.mark.realdata
def test_cli_lists_and_fetches_from_the_pinned_origin(shared_data, cache, tmp_path):
    env = {"SCALINGVIZ_CACHE": str(cache), "SCALINGVIZ_EXTERNAL_DATA": ""}
    r = _cli("data", "list", "--json", env=env)
    assert r.returncode == 0, r.stderr
    listed = {d["name"]: d for d in json.loads(r.stdout)["data_sets"]}
    assert set(listed) == set(CATALOG)
    assert listed["gemstones"]["status"] == "shipped" and listed["steplaw"]["status"] == "not fetched"
    assert listed["steplaw"]["files"][0]["url"].startswith("https://raw.githubusercontent.com/step-law/steplaw/32a8f4c")
    with serve(mirror(shared_data, tmp_path / "origin")) as origin:
        env["SCALINGVIZ_DATA_ORIGIN"] = origin.url
        here = [ds.name for ds in CATALOG.values() if not ds.shipped and (shared_data / ds.name).is_dir()]
        # --all fetches what the dashboard and the course read: every set ../shared holds, not ScaleBench
        assert here == [ds.name for ds in CATALOG.values() if not ds.shipped and ds.in_all]
        r = _cli("data", "fetch", "--all", env=env)
        assert r.returncode == 0, r.stderr
        assert "scalebench" not in r.stdout and len(origin.requests) == sum(len(CATALOG[n].files) for n in here)
    r = _cli("data", "list", "--json", env=env)
    status = {d["name"]: d["status"] for d in json.loads(r.stdout)["data_sets"]}
    assert all(status[n] == "cached" for n in here) and len(here) >= 5
    assert sum(f.size for n in here for f in CATALOG[n].files) == \
        sum(p.stat().st_size for p in (cache / "data").rglob("*") if p.is_file())


def test_cli_fetch_bad_input_and_offline_exit_2(cache):
    r = _cli("data", "fetch", "nope")
    assert r.returncode == 2 and "'nope' is not known" in r.stderr
    r = _cli("data", "fetch")
    assert r.returncode == 2 and "--all" in r.stderr
    r = _cli("data", "fetch", "llama3_isoflops", env={"SCALINGVIZ_CACHE": str(cache), "SCALINGVIZ_EXTERNAL_DATA": "",
                                                       "SCALINGVIZ_DATA_ORIGIN": "http://127.0.0.1:9"})
    assert r.returncode == 2 and "llama3_isoflops is not on this machine" in r.stderr
    assert "Traceback" not in r.stderr
