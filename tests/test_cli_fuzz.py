"""A fuzzer over every CLI command's arguments (issue 23): hostile values for any subset of each
command's flags, read from its own parser. Every run must end with exit status 0, 1 (a fit that
failed, said in one line) or 2 (bad input, one line), never with a traceback, and within 10 s."""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from scalingviz.cli import build_parser, main  # noqa: E402

LIMIT_S = 10.0
REPO = Path(__file__).resolve().parents[1]

#: Values a flag or a positional argument is given: numbers at and past every edge, text, lists,
#: paths that are not there or are not tables, a long value.
HOSTILE = ["", "0", "-1", "-0", "1", "2", "0.5", "3", "1e7", "1e30", "1e308", "1e-308", "1e400", "nan", "inf", "-inf",
           "abc", "7B", "1.4T", "1,4T", "a,b", "0.1,0.2", "1e9,abc", "N=1e9", "E=1.7", "E>=0", "x<=1", "--json",
           "é", "\x00", "9" * 3000, "/nonexistent/runs.csv", "{garbage}", "{header}", "{dir}", "tokens", "wsd",
           "cosine", "hoffmann2022", "luo2025-25m", "kaplan2020", "H100", "../../etc/passwd", "NAME/FILE"]
#: Values that pass, so that a run gets past its first check and into the work.
PLAUSIBLE = ["7B", "1T", "1e9", "2e10", "1e22", "4M", "2048", "3e-4", "0.4", "0.2", "10000", "100", "8", "hoffmann2022",
             "besiroglu2024", "kaplan2020", "luo2025-25m", "wsd", "cosine", "linear", "1e-3", "{runs}", "{kaplan}",
             "{curve}", "porian2024_rsld", "steplaw"]

#: Not fuzzed: starting a server (dashboard), printing help.
SKIP_COMMANDS = {"dashboard"}


def _commands() -> dict[str, argparse.ArgumentParser]:
    out = {}
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name in SKIP_COMMANDS:
                    continue
                nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
                if nested:
                    for sname, ssub in nested[0].choices.items():
                        out[f"{name} {sname}"] = ssub
                else:
                    out[name] = sub
    return out


COMMANDS = _commands()


@st.composite
def _argv(draw, name: str) -> list[str]:
    sub = COMMANDS[name]
    argv = name.split()
    value = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(PLAUSIBLE))
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:  # a positional: given (usually) with hostile values
            n = 1 if action.nargs in (None, 1) else draw(st.integers(0 if action.nargs in ("*", "?") else 1, 3))
            argv += [draw(value) for _ in range(n)]
            continue
        if draw(st.integers(0, 3)) != 0:  # about one flag in four
            continue
        flag = action.option_strings[-1]
        if action.nargs == 0:
            argv.append(flag)
        else:
            argv += [flag, draw(value)]
    return argv


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    (d / "garbage.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00garbage,,,\n;;;\n")
    (d / "header.csv").write_text("N,D,loss\n")
    (d / "adir").mkdir()
    lr = [3e-4 * min(1.0, (i + 1) / 20) for i in range(400)]
    (d / "curve.csv").write_text("step,lr,loss\n" + "".join(f"{i},{lr[i]:.6g},{3.2 + 4 * (i + 1) ** -0.3:.5f}\n"
                                                            for i in range(0, 400, 5)))
    return {"{garbage}": str(d / "garbage.csv"), "{header}": str(d / "header.csv"), "{dir}": str(d / "adir"),
            "{runs}": str(REPO / "data" / "synthetic_chinchilla.csv"),
            "{kaplan}": str(REPO / "data" / "synthetic_kaplan.csv"), "{curve}": str(d / "curve.csv")}


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """Downloads go to a closed port, the cache to a temporary folder."""
    monkeypatch.setenv("SCALINGVIZ_DATA_ORIGIN", "http://127.0.0.1:9")
    monkeypatch.setenv("SCALINGVIZ_CACHE", str(tmp_path / "cache"))


def _run(argv: list[str]) -> tuple[int, str, float]:
    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own exits (none expected: _Parser raises UsageError)
            code = exc.code if isinstance(exc.code, int) else 2
    return code, err.getvalue(), time.perf_counter() - t0


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_no_traceback_and_no_run_past_10_s(name, files):
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(_argv(name))
    def run(argv):
        argv = [files.get(a, a) for a in argv]
        code, err, took = _run(argv)  # an exception here is a traceback: the test fails with it
        assert code in (0, 1, 2), (argv, code, err)
        assert "Traceback" not in err, (argv, err)
        if code in (1, 2):
            lines = [x for x in err.splitlines() if x.startswith("scalingviz: ")]
            assert lines, (argv, err)
            assert all(len(x) < 1200 for x in err.splitlines()), (argv, "an error line echoes too much")
        assert took <= LIMIT_S, (argv, f"{took:.1f} s")

    run()


def test_every_command_is_fuzzed():
    assert {"predict", "optimal", "hparams", "fit", "fit-isoflop", "fit-hparams", "fit-batch", "plan", "curve",
            "fit-curve", "schedule-advice", "presets", "data list", "data fetch", "data path"} <= set(COMMANDS)
