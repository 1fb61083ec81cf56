"""The scalingviz command: every command, its JSON keys, and bad input (exit 2, one line)."""

import json
import subprocess
import sys

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
        (["optimal", "--C", "1e20", "--U", "1e9"], "muennighoff2023 only"),
        (["optimal", "--C", "1e20", "--method", "x"], "invalid choice"),
        (["hparams", "--law", "li2025", "--N", "7B"], "--N and --D are required"),
        (["hparams", "--law", "bi2024"], "--C is required"),
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
