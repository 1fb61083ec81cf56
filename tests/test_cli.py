"""The scalingviz command: every command, its JSON keys, and bad input (exit 2, one line)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from scalingviz.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_presets_json_lists_every_law_with_citation(capsys):
    d = run_json(capsys, "presets")
    names = [p["name"] for p in d["presets"]]
    assert {"kaplan2020", "hoffmann2022", "hoffmann2022-tex", "besiroglu2024", "li2025", "bi2024", "muennighoff2023"} <= set(names)
    for p in d["presets"]:
        assert {"name", "title", "citation", "form", "params", "fitted_range"} <= set(p)
        assert "arXiv:" in p["citation"]
        assert all("source" in v for v in p["params"].values())


def test_presets_human(capsys):
    code, out, _ = run(capsys, "presets")
    assert code == 0 and "kaplan2020" in out and "arXiv:2203.15556" in out


def test_predict_chinchilla(capsys):
    d = run_json(capsys, "predict", "--law", "hoffmann2022", "--N", "70B", "--D", "1.4T")
    assert {"law", "loss", "formula", "loss_converged", "delta_L"} <= set(d)
    assert d["loss"] == pytest.approx(1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28)


def test_predict_kaplan_trajectory_keys(capsys):
    d = run_json(capsys, "predict", "--law", "kaplan2020", "--N", "1B", "--S", "1e5", "--B", "524288")
    assert {"law", "loss", "formula", "S_min", "E_min", "B_crit", "loss_converged", "delta_L"} <= set(d)
    from scalingviz import get_preset

    k = get_preset("kaplan2020")
    assert d["loss"] == pytest.approx(k.trajectory(1e9, 1e5, 524288), rel=1e-12)
    assert d["B_crit"] == pytest.approx(k.B_crit(d["loss"]))
    assert (d["S"] / d["S_min"] - 1) * (d["S"] * d["B"] / d["E_min"] - 1) == pytest.approx(1.0)


def test_predict_batch_in_sequences(capsys):
    a = run_json(capsys, "predict", "--N", "1B", "--S", "1e4", "--batch-sequences", "512", "--seq-len", "1024")
    b = run_json(capsys, "predict", "--N", "1B", "--S", "1e4", "--B", str(2**19))
    assert a["loss"] == b["loss"] and a["B"] == 2**19


def test_predict_human_names_units(capsys):
    code, out, _ = run(capsys, "predict", "--N", "1.5B", "--S", "1e5", "--B", "0.5M")
    assert code == 0 and "nats/token" in out and "bits" in out and "tokens" in out and "non-embedding" in out


def test_predict_flags_extrapolation(capsys):
    d = run_json(capsys, "predict", "--law", "kaplan2020", "--N", "70B", "--D", "1.4T")
    codes = [w["code"] for w in d["warnings"]]
    assert codes.count("EXTRAPOLATION") == 2


def test_optimal_keys_and_values(capsys):
    d = run_json(capsys, "optimal", "--law", "hoffmann2022-tex", "--C", "5.76e23")
    assert {"law", "C", "N_opt", "D_opt", "loss", "method"} <= set(d)
    assert d["N_opt"] == pytest.approx(40.4e9, rel=2e-3)
    assert 6 * d["N_opt"] * d["D_opt"] == pytest.approx(5.76e23)
    k = run_json(capsys, "optimal", "--law", "kaplan2020", "--C", "1", "--pf-days")
    assert {"B_opt", "S_opt", "method"} <= set(k) and k["C"] == 8.64e19 and k["N_opt"] == pytest.approx(1.3e9)
    b = run_json(capsys, "optimal", "--law", "kaplan2020", "--C", "1e22", "--method", "appendix_b")
    assert "Appendix B" in b["method"]
    m = run_json(capsys, "optimal", "--law", "muennighoff2023", "--C", "1e23", "--U", "1e10")
    assert m["epochs"] > 1
    ds = run_json(capsys, "optimal", "--law", "bi2024", "--C", "1e20")
    assert ds["loss"] is None and "M_opt" in ds


def test_hparams(capsys):
    d = run_json(capsys, "hparams", "--law", "li2025", "--N", "7B", "--D", "1.4T", "--seq-len", "4096")
    assert d["lr"] == pytest.approx(9.1656e-4, rel=5e-5)
    assert d["batch_sequences"] == pytest.approx(d["batch_tokens"] / 4096)
    e = run_json(capsys, "hparams", "--law", "bi2024", "--C", "1e17")
    assert {"law", "lr", "batch_tokens"} <= set(e) and e["lr"] == pytest.approx(2.338e-3, rel=5e-4)
    f = run_json(capsys, "hparams", "--law", "bi2024", "--N", "1B", "--D", "10B")
    assert f["C"] == pytest.approx(6e19)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["predict", "--N", "7x"], "--N"),
        (["predict", "--N", "-5"], "-5"),
        (["predict", "--N", "0"], "> 0"),
        (["predict", "--N", "nan"], "--N"),
        (["predict", "--N", "inf"], "--N"),
        (["predict", "--N", "1,4B"], "decimal point"),
        (["predict", "--law", "chinchilla", "--N", "7B"], "valid names are"),
        (["predict", "--law", "li2025", "--N", "7B"], "no loss law"),
        (["predict", "--N", "1B", "--S", "100"], "--S and --B go together"),
        (["predict", "--N", "1B", "--S", "100", "--B", "1M", "--D", "1T"], "disagrees with S x B"),
        (["predict", "--N", "1B", "--S", "100", "--batch-sequences", "8"], "--seq-len"),
        (["predict"], "--N"),
        (["optimal", "--law", "li2025", "--C", "1e20"], "compute-optimal"),
        (["optimal", "--C", "1e20", "--U", "1e9"], "no unique-token input; laws that take U: muennighoff2023"),
        (["optimal", "--C", "1e20", "--method", "x"], "method: 'x' is not valid for the chinchilla form; valid: "),
        (["hparams", "--law", "li2025", "--N", "7B"], "needs N and D for its learning rate; missing: D"),
        (["hparams", "--law", "bi2024"], "needs C (or N and D, then C = 6ND)"),
        (["hparams", "--law", "hoffmann2022", "--N", "1B"], "no hyperparameters"),
        (["bogus"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert needle in lines[0]
    assert "Traceback" not in err


def test_console_script_end_to_end():
    r = subprocess.run([sys.executable, "-m", "scalingviz.cli", "optimal", "--C", "1e21", "--json"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and json.loads(r.stdout)["law"] == "hoffmann2022"
    r = subprocess.run([sys.executable, "-m", "scalingviz.cli", "predict", "--N", "abc"], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.count("\n") == 1


@pytest.fixture
def epoch_csv(shared_data):
    return str(shared_data / "epoch_chinchilla" / "svg_extracted_data.csv")


@pytest.mark.realdata
def test_fit_json_keys(capsys, epoch_csv):
    d = run_json(capsys, "fit", epoch_csv, "--law", "hoffmann2022", "--col", "N=Model Size", "--col",
                 "C=Training FLOP", "--bootstrap", "40", "--holdout-above-C", "1e21")
    assert {"law", "n_points", "params", "ci", "objective", "status", "heldout"} <= set(d)
    assert set(d["params"]) == {"E", "A", "B", "alpha", "beta"}
    assert {"n", "median_abs_pct_error", "max_abs_pct_error"} <= set(d["heldout"])
    assert d["n_points"] + d["heldout"]["n"] == 245
    assert all(lo < d["params"][k] < hi for k, (lo, hi) in d["ci"].items())


def test_fit_kaplan_form_on_tmp_csv(capsys, tmp_path):
    rng = np.random.default_rng(0)
    N, D = 10 ** rng.uniform(6, 9, 40), 10 ** rng.uniform(8, 11, 40)
    L = ((6.4e13 / N) ** (0.076 / 0.103) + 1.8e13 / D) ** 0.103
    p = tmp_path / "runs.csv"
    p.write_text("params,tokens,loss\n" + "\n".join(f"{a},{b},{c}" for a, b, c in zip(N, D, L, strict=True)))
    d = run_json(capsys, "fit", str(p), "--law", "kaplan2020", "--col", "N=params", "--col", "D=tokens")
    # Fitting a preset gives its constants under the preset's own names (Kaplan's L(N, D) is ND_*).
    assert set(d["params"]) == {"ND_N_c", "ND_D_c", "ND_alpha_N", "ND_alpha_D"} and d["ci"] is None
    assert d["params"]["ND_alpha_D"] == pytest.approx(0.103, rel=1e-4)


@pytest.mark.realdata
def test_fit_batch_json(capsys, shared_data):
    d = run_json(capsys, "fit-batch", str(shared_data / "critical_batch_size_zhang2024" / "steps_to_target_loss.csv"),
                 "--col", "loss=target_c4_val_loss", "--col", "B=batch_size_tokens", "--col", "S=steps_to_target")
    assert {"targets", "B_star", "alpha_B"} <= set(d) and len(d["targets"]) == 5
    assert {"loss", "S_min", "E_min", "B_crit"} <= set(d["targets"][0])


@pytest.mark.parametrize(
    ("content", "argv", "needle"),
    [
        ("N,D,loss\n1e8,2e9,3\n", ["--law", "hoffmann2022"], "too few runs"),
        ("N,D,loss\n1e8,2e9,x\n", [], "column 'loss', row 1: 'x' is not a number"),
        ("a,b\n1,2\n", [], "lacks column(s) N, loss, D or C"),
        ("N,D,loss\n1e8,2e9,3\n", ["--law", "bogus"], "not a fittable form"),
        ("N,D,loss\n1e8,2e9,3\n", ["--col", "N"], "is not NAME=COLUMN"),
        ("", [], "is empty"),
    ],
)
def test_fit_bad_files_exit_2(capsys, tmp_path, content, argv, needle):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    code, out, err = run(capsys, "fit", str(p), *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and needle in err


def test_fit_batch_bad_file(capsys, tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("loss,B\n3,100\n")
    code, _, err = run(capsys, "fit-batch", str(p))
    assert code == 2 and "missing S (column 'S')" in err


def test_every_command_but_dashboard_takes_json():
    # The README says so; `data fetch --json` and `data path --json` included.
    import argparse

    from scalingviz.cli import build_parser

    def leaves(parser, prefix=()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sp in action.choices.items():
                    yield from leaves(sp, (*prefix, name))
                return
        yield prefix, parser

    found = {" ".join(path): any("--json" in a.option_strings for a in p._actions) for path, p in leaves(build_parser())}
    assert len(found) > 15
    assert {k for k, v in found.items() if not v} == {"dashboard"}, found


@pytest.mark.parametrize("argv", [["--help"], ["plan", "--help"], ["fit", "--help"], ["curve", "-h"]])
def test_help_loads_neither_numpy_nor_a_law(argv):
    # `scalingviz --help` answers at once (issue 24: <= 0.3 s; BENCHMARKS.md): the parser is built
    # without numpy, the laws or a command's module, and no plugin is loaded for help alone.
    code = (f"import sys\nfrom scalingviz.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in sys.modules if m == 'numpy' or m.startswith(('scalingviz.presets', "
            "'scalingviz.laws', 'scalingviz.fit', 'scalingviz.cli.')) and m != 'scalingviz.cli.parser')\n"
            "print(heavy)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"
    assert "usage: scalingviz" in r.stdout
