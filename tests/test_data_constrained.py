"""The data-constrained law from its authors' runs: the 182 runs Muennighoff et al. fitted, their
objective reproduced at their constants, pins honoured in both stages, and a status that says what the
runs do not determine (R_D* and R_N* lie on a flat ridge)."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from scalingviz import datasets, fit, get_preset
from scalingviz.cli import main

REPO = Path(__file__).resolve().parents[1]
LAW = get_preset("muennighoff2023")
STAGE1 = {k: LAW.values[k] for k in ("E", "A", "B", "alpha", "beta")}  # the authors' C4 fit (exp of a, b, e)


@pytest.fixture(scope="module")
def runs():
    return datasets.load("datablations_fit_muennighoff2023").runs()


def test_the_182_runs_ship_with_their_licence(runs):
    from scalingviz import catalog

    assert len(runs) == 182 and runs.U is not None and np.all(runs.U <= runs.D)
    entry = catalog.get("datablations_fit_muennighoff2023")
    assert entry.shipped and "Apache-2.0" in entry.licence and entry.commit.startswith("1370131")
    assert "Apache License" in (REPO / "data" / "datablations_fit_muennighoff2023" / "LICENSE").read_text()


def test_the_authors_objective_at_their_constants(runs):
    # utils/parametric_fit.ipynb (huggingface/datablations @ 1370131), cell 29's stored output: "Samples: 182",
    # min loss 0.015825936570763588 at R_D* = 15.387756, R_N* = 5.309743 (torch float32; tolerance 1e-5).
    pred = LAW.loss(runs.N, runs.D, runs.U)
    assert fit.huber_objective(np.log(pred) - np.log(runs.loss)) == pytest.approx(0.015825936570763588, rel=1e-5)


def test_stage_one_pinned_keeps_the_pins_and_says_what_the_runs_do_not_determine(runs):
    dc = fit.fit_data_constrained(runs, "datablations", fixed=STAGE1)
    assert dc.single_epoch is None  # every stage-1 constant pinned: stage 1 skipped, as the authors held it
    assert {k: dc.params[k] for k in STAGE1} == STAGE1
    # a 0.13% lower objective than the authors' lies far along the ridge (R_D* ~ 95, R_N* ~ 1.7)
    assert dc.repeated.objective < 0.015825936570763588
    assert dc.repeated.params["R_D_star"] > 50
    # ... and the profile shows why: R_D* anywhere from ~8 to the end of the grid, R_N* over a decade
    rd, rn = dc.profile["R_D_star"], dc.profile["R_N_star"]
    assert rd["interval"][0] < 15.4 < rd["interval"][1] and rd["open"]
    assert rn["interval"][0] < 5.31 < rn["interval"][1] and rn["interval"][1] / rn["interval"][0] > 10
    assert dc.status == "degenerate" and "R_D_star is not identified" in dc.message
    assert "R_N_star is not identified" in dc.message
    d = dc.to_dict()
    json.dumps(d)
    assert d["stage1"]["skipped"] and d["pinned"] == STAGE1


def test_a_partial_pin_is_held_in_stage_one(runs):
    dc = fit.fit_data_constrained(runs, "datablations", fixed={"E": 1.8692})
    assert dc.single_epoch.fixed["E"] == 1.8692 and "E" not in dc.single_epoch.params
    assert dc.params["E"] == 1.8692 and dc.repeated.fixed["E"] == 1.8692


def test_the_profile_is_the_objective_on_its_grid(runs):
    dc = fit.fit_data_constrained(runs, "datablations", fixed=STAGE1)
    p = dc.profile["R_D_star"]
    i = int(np.argmin(np.abs(np.array(p["grid"]) - 15.85)))  # the grid point nearest the authors' 15.39
    # the profiled objective at R_D* = grid[i] is no higher than the objective at (grid[i], any R_N* of the grid)
    at = LAW.replace(R_D_star=p["grid"][i], R_N_star=5.309743)
    direct = fit.huber_objective(np.log(at.loss(runs.N, runs.D, runs.U)) - np.log(runs.loss))
    assert p["grid_objective"][i] <= direct * (1 + 1e-12)


def test_a_bootstrap_interval_spans_the_ridge(runs):
    dc = fit.fit_data_constrained(runs, "datablations", fixed=STAGE1, n_boot=30)
    lo, hi = dc.ci["R_D_star"]
    assert hi / lo > 10 and "bootstrap interval" in dc.message


def test_one_stage_fit_with_every_constant_free_ends_in_a_status(runs):
    # before: ZeroDivisionError as alpha reached 0 (U_N divides by alpha); now bounded away from 0
    sub = runs.subset(np.arange(len(runs)) % 3 == 0)
    r = fit.fit_law(sub, "datablations", starts=2)
    assert r.status in ("converged", "degenerate", "max_iter", "abnormal") and r.message
    assert r.params["alpha"] >= 1e-2 and r.params["beta"] >= 1e-2


def test_cli_fit_with_pins_and_bootstrap_prints_and_emits_json(capsys):
    f = str(REPO / "data" / "datablations_fit_muennighoff2023" / "datablations_runs_182.csv")
    cols = ["--col", "N=params", "--col", "D=tokens", "--col", "U=unique_tokens", "--col", "loss=val_loss"]
    pins = [x for k, v in STAGE1.items() for x in ("--fix", f"{k}={v!r}")]
    assert main(["fit", f, "--law", "muennighoff2023", *cols, *pins, "--bootstrap", "20"]) == 0  # was KeyError: 'E'
    out = capsys.readouterr().out
    assert "stage 1 skipped" in out and "(pinned)" in out and "degenerate" in out and "95% CI" in out
    assert main(["fit", f, "--law", "muennighoff2023", *cols, *pins, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["pinned"] == STAGE1 and d["stages"]["stage1"]["skipped"] and d["status"] == "degenerate"
    assert set(d["profile"]) == {"R_D_star", "R_N_star"}


def test_cli_predict_with_unique_tokens_says_what_the_limit_repeats(capsys):
    assert main(["predict", "--law", "muennighoff2023", "--N", "1B", "--D", "200B", "--U", "44B", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["U"] == 44e9 and d["loss_converged"] == pytest.approx(float(LAW.loss(1e9, np.inf, 44e9)))
    assert d["loss_converged"] > float(LAW.loss_converged(1e9))  # repeating 44B tokens cannot reach D -> inf
    assert main(["predict", "--law", "muennighoff2023", "--N", "1B", "--D", "200B", "--U", "44B"]) == 0
    assert "repeating the 44B unique tokens" in capsys.readouterr().out


def test_recipe_decodes_the_notebooks_run_names():
    spec = importlib.util.spec_from_file_location("make_datablations_runs", REPO / "data" / "make_datablations_runs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    params = {"2b8": 2.81e9, "83m": 8.27e7, "1b1": 1.0963e9}
    tokens = {"100m": 0.1, "1b25": 1.25, "1b5": 1.5}
    assert mod.decode("2b855b9b", params, tokens) == (2.81e9, 55e9, 9e9)  # the notebook's own example
    assert mod.decode("2b855b1b25c4seed1", params, tokens) == (2.81e9, 55e9, 1.25e9)
    assert mod.decode("83m14b100m", params, tokens) == (8.27e7, 14e9, 1e8)
    assert mod.decode("2b84b84b8", params, tokens) == (2.81e9, 4.8e9, 4.8e9)
    assert mod.decode("1b1174b1b5", params, tokens) == (1.0963e9, 174e9, 1.5e9)
