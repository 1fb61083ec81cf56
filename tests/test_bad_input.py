"""The bad-input catalogue: what the user sees for each bad input, on every channel.

Each case names the channel, the input and what the user sees:
- ``cli``: exit code 2 and one line on stderr naming the input, the value and the valid range;
- ``api``: ``ValueError`` with that message;
- ``csv``: ``ValueError`` from the runs reader naming the column, row and value (or the file problem);
- ``control``, ``plan``, ``fit``: the dashboard shows an inline ``sv-error`` message and keeps every
  other input (headless app classes; the browser tests check the same path end to end);
- ``query``: the URL query value is ignored with a notice, escaped, never executed.
Some inputs are accepted on purpose (a BOM, semicolons, ``7 B``); those cases say what is read.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pytest

from scalingviz import datasets, get_preset, units
from scalingviz.cli import main
from scalingviz.plan import TrainingPlan

_SYNTH = str(__import__("pathlib").Path(__file__).resolve().parents[1] / "data" / "synthetic_chinchilla.csv")
_PINS = ["--fix", "E=1.7", "--fix", "A=400", "--fix", "B=400", "--fix", "alpha=0.3", "--fix", "beta=0.3"]

CASES: list[tuple[str, object, str]] = [
    # -- CLI: exit 2, one line ------------------------------------------------------------------
    ("cli", ["predict", "--law", "kaplan2020", "--N", "0", "--D", "1e10"], "--N: '0' is out of range"),
    ("cli", ["predict", "--law", "kaplan2020", "--N=-7B", "--D", "1e10"], "--N: '-7B' is out of range"),
    ("cli", ["predict", "--law", "kaplan2020", "--N", "nan", "--D", "1e10"], "--N: 'nan' is not a number; expected e.g. 7B"),
    ("cli", ["predict", "--law", "kaplan2020", "--N", "inf", "--D", "1e10"], "--N: 'inf' is not a number"),
    ("cli", ["predict", "--law", "kaplan2020", "--N", "1,4T", "--D", "1e10"], "use a decimal point"),
    ("cli", ["predict", "--law", "gpt5", "--N", "7B", "--D", "1e10"], "unknown law 'gpt5'; valid names are"),
    ("cli", ["plan", "--N", "7B", "--D", "1T", "--steps", "1000", "--batch-tokens", "4M"], "disagrees with steps x batch"),
    ("cli", ["plan", "--N", "7B", "--D", "1T", "--mfu", "1.5"], "mfu: '1.5' is out of range; expected a model FLOP utilisation in (0, 1]"),
    ("cli", ["plan", "--N", "7B", "--D", "1T", "--gpu", "TPU9"], "gpu"),
    ("cli", ["optimal", "--law", "hoffmann2022", "--C", "-1e24"], "--C"),
    ("cli", ["fit", "/nonexistent/runs.csv", "--law", "hoffmann2022"], "does not exist"),
    # issue 23: D had no lower bound (a ZeroDivisionError traceback, a dead share link)
    ("cli", ["plan", "--N", "7B", "--D", "1e-100", "--batch-tokens", "4M"], "D: '1e-100' is out of range; expected 1k to 1e17"),
    ("cli", ["plan", "--N", "7B", "--D", "1e4", "--batch-tokens", "4M"], "steps: 0.0025 is out of range"),
    # issue 23's CLI catalogue: each was a traceback or a silent wrong answer
    ("cli", ["schedule-advice", "--cooldowns", "a,b"], "--cooldowns: 'a' is not a number"),
    ("cli", ["schedule-advice", "--extend", "nan"], "--extend: 'nan' is out of range; expected 1 to 100"),
    ("cli", ["schedule-advice", "--extend", "inf"], "--extend: 'inf' is out of range"),
    ("cli", ["schedule-advice", "--steps", "1e7", "--no-optimise"], "extend: 3 x 10,000,000 steps = 30,000,000"),
    ("cli", ["plan", "--N", "7B", "--D", "1T", "--schedule", "two-stage"], "schedule: 'two-stage' needs the step"),
    ("cli", ["plan", "--N", "7B", "--D", "1T", "--cooldown", "0.2"], "cooldown: applies to the wsd schedule"),
    ("cli", ["predict", "--law", "muennighoff2023", "--N", "1B", "--U", "2T", "--D", "1T"], "--U: 2T is more than --D"),
    ("cli", ["data", "fetch", "steplaw", "--timeout", "-1"], "--timeout: '-1' is out of range"),
    ("cli", ["data", "fetch", "steplaw", "--timeout", "nan"], "--timeout: 'nan' is out of range"),
    ("cli", ["plan", "--N", "7B", "--D", "1T", "--gpus", "1e30"], "n_gpus: '1e30' is out of range"),
    ("cli", ["plan", "--N", "7B", "--D", "1T", "--price", "1e300"], "price_per_gpu_hour: '1e300' is out of range"),
    ("cli", ["fit", _SYNTH, "--law", "hoffmann2022", *_PINS], "every constant of chinchilla is pinned"),
    ("cli", ["fit", _SYNTH, "--law", "hoffmann2022", "--bootstrap", "1e7"], "--bootstrap: '1e7' is out of range"),
    ("cli", ["dashboard", "--max-pages", "0"], "--max-pages: 0 is out of range; expected 1 to 1000"),
    # -- API: ValueError with the same message --------------------------------------------------
    ("api", lambda: units.parse_quantity("7 X", "N"), "N: '7 X' has an unknown suffix 'X'"),
    ("api", lambda: units.parse_quantity("", "D"), "D: '' is not a number"),
    ("api", lambda: get_preset("gpt5"), "unknown law 'gpt5'; valid names are"),
    ("api", lambda: TrainingPlan(N="7B", D=0), "D: 0 is out of range"),
    ("api", lambda: TrainingPlan(N="7B", D=math.nan), "D: nan is not finite"),
    ("api", lambda: TrainingPlan(N="7B", D="1T", mfu=1.5), "mfu: 1.5 is out of range"),
    ("api", lambda: TrainingPlan(N="7B", D="1T", n_gpus=-8), "n_gpus: -8 is out of range"),
    ("api", lambda: TrainingPlan(N="7B", D="1T", steps=10, batch_tokens="4M"), "disagrees with steps x batch"),
    ("api", lambda: TrainingPlan(N="7B", D="1T", gpu="TPU9"), "gpu"),
    ("api", lambda: TrainingPlan(N=10, D="1T"), "N: 10 is out of range; expected 1k to 1000T"),
    ("api", lambda: TrainingPlan(N="7B", D=1e-300), "D: 1e-300 is out of range; expected 1k to 1e17 tokens"),
    ("api", lambda: TrainingPlan(N="7B", D="1T", batch_tokens=0.5), "batch_tokens: 0.5 is out of range"),
    ("api", lambda: get_preset("hoffmann2022").replace(alpha=math.nan), "alpha: nan is not finite"),
    ("api", lambda: get_preset("hoffmann2022").replace(gamma=1), "unknown constant(s) gamma"),
    # -- CSV files ------------------------------------------------------------------------------
    ("csv", b"", "is empty"),
    ("csv", b"N,D,loss\n", "the table has no rows"),
    ("csv", b"N,D,loss\n1e8,2e9,3.1\n2e8,abc,3.0\n", "column 'D', row 2: 'abc' is not a number"),
    ("csv", b"N,D,loss\n1e8,2e9,3.1\n-2e8,4e9,3.0\n", "column 'N', row 2"),
    ("csv", b"N,D,loss\n1e8,2e9,3.1\n2e8,4e9,nan\n", "column 'loss', row 2"),
    ("csv", b"N,D,loss\n1e8,2e9,3.1\n2e8,4e9,inf\n", "column 'loss', row 2"),
    ("csv", b"N,D,N,loss\n1e8,2e9,1e8,3.1\n", "duplicate column"),
    ("csv", b"N|D|loss\n1e8|2e9|3.1\n", "check the delimiter"),
    ("csv", b"params,tokens,loss\n1e8,2e9,3.1\n", "lacks column(s) N, D or C"),
    ("csv", b"N,D,loss\n1e8,2e9,3.1\n1e8,2e9,3.1\n" + b"2e8,4e9,3.0\n" * 3, "duplicate"),
    ("csv", b"N,D,loss\n1e8,2e9,3.1\n2e8,2B,3.0\n", "column 'D', row 2: '2B'"),  # mixed units: suffixes are not read in files
    ("csv", "big", "the limit is 50 MiB"),
    ("csv-ok", b"\xef\xbb\xbfN,D,loss\n1e8,2e9,3.1\n2e8,4e9,3.0\n", "BOM ignored"),
    ("csv-ok", b"N;D;loss\n1e8;2e9;3.1\n2e8;4e9;3.0\n", "semicolons read"),
    ("csv-ok", "N,D,loss,run\n1e8,2e9,3.1,caf\xe9\n2e8,4e9,3.0,na\xefve\n".encode("latin-1"), "Latin-1 read"),
    ("csv-ok", "rows100k", "100k rows read"),
    # -- dashboard controls (typed entries) -----------------------------------------------------
    ("control", ("N", "abc"), "N: 'abc' is not a number"),
    ("control", ("N", "-7B"), "out of range"),
    ("control", ("D", "1,4T"), "use a decimal point"),
    ("control", ("B", "0"), "out of range"),
    ("control", ("N", "1e40"), "out of range"),
    ("control-ok", ("N", "7 B"), "7 B is read as 7e9"),
    # -- Plan tab fields ------------------------------------------------------------------------
    ("plan", ("mfu", "1.5"), "mfu: '1.5' is out of range"),
    ("plan", ("D", "nan"), "D: 'nan' is not a number; expected a token count"),
    ("plan", ("steps", "10"), "disagrees with steps x batch"),
    ("plan", ("n_gpus", "0"), "n_gpus: '0' is out of range"),
    ("plan", ("N", "7 X"), "unknown suffix"),
    # -- Fit tab files --------------------------------------------------------------------------
    ("fit", b"N,D,loss\n" + b"".join(b"1e8,%de9,3.%d\n" % (i + 1, i) for i in range(9)), "1 distinct value"),
    ("fit", b"N,D,loss\n1e8,2e9,3.1\n2e8,4e9,3.0\n", "too few runs"),
    # -- URL query ------------------------------------------------------------------------------
    ("query", "law=<script>alert(1)</script>", "not a known law"),
    ("query", "N=<img src=x onerror=alert(1)>", "is not a number"),
    ("query", "N=__import__('os').system('id')", "is not a number"),
    ("query", "plan_N=7B&plan_gpu=<b>x</b>", "valid values are"),
    ("query", "evil=<svg/onload=alert(1)>", "ignored unknown parameter"),
]


def _id(case):
    kind, inp, needle = case
    # a lambda's repr differs between processes (pytest-xdist needs the same ids in each): name it by its needle
    return f"{kind}-{needle[:40]}" if callable(inp) else f"{kind}-{str(inp)[:40]}"


@pytest.mark.parametrize("kind, inp, needle", CASES, ids=[_id(c) for c in CASES])
def test_bad_input(kind, inp, needle, capsys, monkeypatch):
    if kind == "cli":
        assert main(list(inp)) == 2
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert out == "" and len(lines) == 1 and "Traceback" not in err, err
        assert needle in lines[0], lines[0]
    elif kind == "api":
        with pytest.raises(ValueError) as info:
            inp()
        assert needle in str(info.value)
    elif kind == "csv":
        if inp == "big":
            inp = b"N,D,loss\n" + b"1e8,2e9,3.1\n" * (51 * 2**20 // 12)
        with pytest.raises(ValueError) as info:
            datasets.read_runs(inp)
        assert needle in str(info.value), str(info.value)
    elif kind == "csv-ok":
        if inp == "rows100k":
            N = np.repeat(np.logspace(7, 9, 1000), 100) * (1 + np.tile(np.arange(100), 1000) * 1e-4)
            inp = ("N,D,loss\n" + "\n".join(f"{n:.8g},{20 * n:.8g},3.0" for n in N)).encode()
            assert len(datasets.read_runs(inp)) == 100_000
        else:
            runs = datasets.read_runs(inp)
            assert len(runs) == 2 and runs.N[0] == 1e8
    elif kind in ("control", "control-ok"):
        pytest.importorskip("ipywidgets")
        from scalingviz.ui.explorer import Explorer

        e = Explorer(N=1e9, D=2e10)
        name, text = inp
        before = {k: c.value for k, c in e.controls.items()}
        e.controls[name].text.value = text
        if kind == "control-ok":
            assert e.controls[name].value == 7e9 and not e.controls[name].error.value
            return
        assert needle in html.unescape(e.controls[name].error.value)
        assert e.controls[name].text.value == text  # what the user typed stays
        assert {k: c.value for k, c in e.controls.items()} == before  # every value kept
    elif kind == "plan":
        pytest.importorskip("ipywidgets")
        from scalingviz.ui.planner import PlanTab

        tab = PlanTab()
        typed = {k: b.value for k, b in tab.boxes.items()}
        report = tab.out.value
        field, text = inp
        tab.boxes[field].value = text
        shown = html.unescape(" ".join(e.value for e in tab.errors.values()) + tab.form_error.value)
        assert needle in shown, shown
        assert {k: b.value for k, b in tab.boxes.items()} == {**typed, field: text}
        assert tab.out.value == report
    elif kind == "fit":
        pytest.importorskip("ipywidgets")
        from scalingviz.ui.fitter import FitTab

        tab = FitTab()
        assert tab.load_bytes(inp, "mine.csv")
        mapping = tab.column_map()
        assert not tab.run_fit()
        assert needle in html.unescape(tab.fit_error.value)
        assert tab.column_map() == mapping
    elif kind == "query":
        pytest.importorskip("ipywidgets")
        from scalingviz.ui.dashboard import Dashboard, parse_query

        state, notices = parse_query(inp)
        assert any(needle in n for n in notices), notices
        d = Dashboard(inp)
        assert "<script" not in d.notice.value and "<img" not in d.notice.value and "<svg" not in d.notice.value
        assert "<b>x</b>" not in d.notice.value
    else:  # pragma: no cover
        raise AssertionError(kind)


def test_catalogue_is_big_enough():
    assert len(CASES) >= 40
    assert {k for k, _, _ in CASES} >= {"cli", "api", "csv", "control", "plan", "fit", "query"}


def test_no_eval_or_exec_of_user_text_in_the_package():
    import re
    from pathlib import Path

    pkg = Path(__file__).resolve().parents[1] / "scalingviz"
    hits = [f"{p.name}:{i}" for p in pkg.rglob("*.py") for i, line in enumerate(p.read_text().splitlines(), 1)
            if re.search(r"(?<![\w.])(eval|exec)\s*\(", line)]
    assert hits == []


def test_binder_dependencies_are_pinned():
    from pathlib import Path

    req = (Path(__file__).resolve().parents[1] / "binder" / "requirements.txt").read_text().splitlines()
    deps = [x.strip() for x in req if x.strip() and not x.startswith("#")]
    assert deps and all("==" in d for d in deps), deps


def test_voila_runs_with_sources_stripped_and_no_file_serving():
    pytest.importorskip("voila")
    from scalingviz.ui.launch import voila_command

    cmd = voila_command(8866, True)
    assert "--strip_sources=True" in cmd and "--VoilaConfiguration.file_allowlist=[]" in cmd


def test_behind_a_proxy_the_page_links_carry_its_prefix_and_a_bad_one_is_named(capsys):
    pytest.importorskip("voila")
    from scalingviz.ui.launch import check_base_url, voila_command

    cmd = voila_command(8866, True, base_url="/user/a/proxy/8866/")
    assert "--Voila.base_url=/user/a/proxy/8866/" in cmd and "--Voila.server_url=/" in cmd
    assert not any(c.startswith("--Voila.base_url") for c in voila_command(8866, True))
    assert check_base_url("/user/a/proxy/8866") == "/user/a/proxy/8866/"
    with pytest.raises(SystemExit) as exc:  # the launcher: one line naming the option and the value
        from scalingviz.ui.launch import main as launch

        raise SystemExit(launch(["--base-url", "user/a", "--no-browser"]))
    assert exc.value.code == 2 and "--base-url: 'user/a' is not a URL path" in capsys.readouterr().err


def test_uploads_are_parsed_in_memory(tmp_path, monkeypatch):
    pytest.importorskip("ipywidgets")
    from scalingviz.ui.fitter import DATA_DIR, FitTab

    monkeypatch.chdir(tmp_path)
    written = []
    import builtins

    real_open = builtins.open

    def spy(file, mode="r", *a, **k):
        if any(m in mode for m in "wax+"):
            written.append(str(file))
        return real_open(file, mode, *a, **k)

    monkeypatch.setattr(builtins, "open", spy)
    tab = FitTab()
    tab._on_upload({"new": [{"name": "runs.csv", "content": (DATA_DIR / "synthetic_chinchilla.csv").read_bytes()}]})
    tab.n_boot.value = 0
    assert tab.run_fit()
    assert written == [] and list(tmp_path.iterdir()) == []


def test_fit_hparams_bad_options_are_one_line(tmp_path, capsys):
    # issue 23: --bootstrap 0 / -1 and --compare with a law of another form were tracebacks, --threshold nan a
    # fit from zero runs
    rows = ["N,D,lr,B,loss"]
    for n in (1e8, 3e8):
        for d in (1e9, 1e10):
            for lr in (1e-4, 3e-4, 1e-3):
                for b in (1e5, 1e6):
                    rows.append(f"{n},{d},{lr},{b},{3.0 + abs(np.log(lr / 3e-4)) * 0.01 + abs(np.log(b / 3e5)) * 0.01}")
    f = tmp_path / "grid.csv"
    f.write_text("\n".join(rows))
    assert main(["fit-hparams", str(f), "--bootstrap", "0"]) == 0  # no bootstrap, no CI column
    assert "95% CI" not in capsys.readouterr().out
    for argv, needle in ((["--bootstrap", "-1"], "--bootstrap: '-1' is out of range"),
                         (["--compare", "hoffmann2022"], "hoffmann2022 has no learning-rate and batch law"),
                         (["--threshold", "nan"], "--threshold: 'nan' is out of range")):
        assert main(["fit-hparams", str(f), *argv]) == 2, argv
        assert needle in capsys.readouterr().err


def test_a_plan_with_only_a_curve_law_is_a_report_not_a_traceback(capsys):
    assert main(["plan", "--N", "7B", "--D", "1T", "--laws", "luo2025-100m"]) == 0  # was max() of an empty sequence
    assert "What loss will it reach?" in capsys.readouterr().out


def test_text_in_a_curve_files_step_column_is_one_line(tmp_path, capsys):
    # issue 23: a non-numeric step in fit-curve and curve --lr-csv was a ValueError traceback
    f = tmp_path / "bad.csv"
    f.write_text("step,lr,loss\n100,1e-3,3.5\nabc,1e-3,3.4\n" + "".join(f"{300 + 100 * i},1e-3,{3.3 - 0.01 * i}\n"
                                                                    for i in range(12)))
    for argv in (["fit-curve", str(f)], ["curve", "--lr-csv", str(f)]):
        assert main(argv) == 2, argv
        assert "column 'step', row 2: 'abc' is not a number; expected a whole optimizer step" in capsys.readouterr().err
