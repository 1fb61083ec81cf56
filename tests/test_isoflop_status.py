"""Honest IsoFLOP fits: a status per budget and overall, diverged runs flagged (and, by option, dropped),
optima outside the sampled N or at a loss <= 0 never reported as converged, and Approach 2's caveat with
the figures that show it on the user's own sweep."""

import json

import numpy as np
import pytest

from scalingviz import fit, get_preset
from scalingviz.cli import main

LAW = get_preset("hoffmann2022")
TRUE_A = LAW.values["beta"] / (LAW.values["alpha"] + LAW.values["beta"])  # N_opt ~ C^a, a = 0.4516


def _sweep(one_sided=True, diverged=True):
    """Chinchilla's law on 5 budgets of 7 runs each. The largest budget's runs all lie above its optimum
    (2x to 18x N*), and its smallest model diverged (loss x 1.4), which makes its second run look like
    a bracketed minimum."""
    C, N, L = [], [], []
    for c in np.logspace(18, 22, 5):
        n_opt = float(LAW.compute_optimal(c)["N_opt"])
        grid = np.logspace(0.25, 1.25, 7) if (one_sided and c == 1e22) else np.logspace(-0.6, 0.6, 7)
        for k, n in enumerate(n_opt * grid):
            loss = float(LAW.loss(n, c / (6 * n)))
            if diverged and c == 1e22 and k == 0:
                loss *= 1.4
            C.append(c), N.append(n), L.append(loss)
    return np.array(C), np.array(N), np.array(L)


@pytest.mark.parametrize("method", sorted(fit.ISOFLOP_METHODS))
def test_a_diverged_run_is_flagged_and_the_fit_is_not_converged(method):
    C, N, L = _sweep()
    r = fit.fit_isoflop(C, N, L, method=method)
    assert r.status == "degenerate" and "diverged" in r.message and "--drop-outliers" in r.message
    assert len(r.outliers) == 1 and r.outliers[0]["C"] == 1e22 and not r.outliers[0]["dropped"]
    assert r.outliers[0]["N"] == pytest.approx(N[C == 1e22].min())
    assert abs(r.a - TRUE_A) > 0.05  # what the diverged run does to the exponent when kept
    # every reported optimum is at a positive loss
    assert all(b["loss_opt"] > 0 for b in r.budgets if b["used"])


@pytest.mark.parametrize("method", sorted(fit.ISOFLOP_METHODS))
def test_dropping_the_outlier_recovers_the_truth_and_says_what_went(method):
    C, N, L = _sweep()
    r = fit.fit_isoflop(C, N, L, method=method, drop_outliers=True)
    assert r.outliers[0]["dropped"] and "dropped as outliers: C = 1e+22" in r.message
    one_sided = next(b for b in r.budgets if b["C"] == 1e22)
    assert not one_sided["used"] and one_sided["status"] == "unbracketed"
    assert "smallest model sampled" in one_sided["reason"]
    assert r.status == "converged"  # the 4 used budgets are bracketed at positive losses
    assert r.a == pytest.approx(TRUE_A, abs=0.01)


def test_clean_sweep_flags_nothing():
    C, N, L = _sweep(one_sided=False, diverged=False)
    r = fit.fit_isoflop(C, N, L)
    assert r.status == "converged" and r.outliers == [] and all(b["status"] == "converged" for b in r.budgets)


def _budgets_with(extra_N, extra_L, c=1e23):
    C, N, L = _sweep(one_sided=False, diverged=False)
    return (np.r_[C, [c] * len(extra_N)], np.r_[N, extra_N], np.r_[L, extra_L])


def test_a_minimum_at_a_non_positive_loss_is_never_used():
    # a whole-curve parabola through this valley bottoms out at -0.12
    C, N, L = _budgets_with([1e8, 2e8, 4e8, 8e8, 1.6e9], [6.0, 0.3, 0.35, 2.0, 6.5])
    r = fit.fit_isoflop(C, N, L, method="quadratic")
    bad = next(b for b in r.budgets if b["C"] == 1e23)
    assert bad["status"] == "non-positive loss" and not bad["used"] and "<= 0" in bad["reason"]
    assert all(b["loss_opt"] > 0 for b in r.budgets if b["used"])


def test_a_minimum_outside_the_sampled_range_is_flagged_and_can_be_dropped():
    # best run interior, but the whole-curve parabola's vertex lies 22x below the smallest model
    extra = ([1e8, 2e8, 4e8, 8e8, 1.6e9], [2.82, 2.02, 3.94, 4.16, 4.51])
    r = fit.fit_isoflop(*_budgets_with(*extra), method="quadratic")
    bad = next(b for b in r.budgets if b["C"] == 1e23)
    assert bad["status"] == "unbracketed" and bad["used"] and "below the smallest model sampled" in bad["reason"]
    assert r.status == "degenerate" and "C = 1e+23" in r.message
    dropped = fit.fit_isoflop(*_budgets_with(*extra), method="quadratic", drop_unbracketed=True)
    bad = next(b for b in dropped.budgets if b["C"] == 1e23)
    assert not bad["used"] and "(dropped: drop_unbracketed)" in bad["reason"]


def test_sensitivity_shows_approach_2_biases_on_the_users_sweep():
    C, N, L = _sweep(one_sided=False, diverged=False)
    r = fit.fit_isoflop(C, N, L)
    s = r.sensitivity
    assert len(s["leave_one_budget_out"]) == 5
    lo, hi = s["a_range"]
    assert lo < hi and lo <= r.a <= hi  # each from 4 of the 5 budgets; on a clean sweep they bracket the fit
    for row in s["leave_one_budget_out"]:
        keep = [b for b in r.budgets if b["used"] and b["C"] != row["C"]]
        a = np.polyfit(np.log([b["C"] for b in keep]), np.log([b["N_opt"] for b in keep]), 1)[0]
        assert row["a_without"] == pytest.approx(a)
    assert s["widest"]["span_decades"] == pytest.approx(1.2) and "off_centre" in s
    assert "arXiv:2603.22339" in r.to_dict()["caveat"]


def test_real_sweeps_flag_no_run(shared_data):
    from scalingviz import datasets

    t = datasets.read_table(shared_data / "llama3_isoflops" / "isoflops_points.csv")
    C, D, L = (t[k].astype(float) for k in ("compute_budget", "training_tokens", "validation_loss"))
    r = fit.fit_isoflop(C, C / (6 * D), L, D=D, budget=t["compute_budget"], method="quadratic")
    assert r.status == "converged" and r.outliers == []
    for name in ("comma", "dclm", "nemotron"):
        t = datasets.read_table(shared_data / "marin_isoflops" / f"isoflop-{name}.csv")
        g = t["throughput/total_gflops"].astype(float) * 1e9
        r = fit.fit_isoflop(g, t["parameter_count"].astype(float), t["eval/paloma/macro_loss"].astype(float),
                            D=t["throughput/total_tokens"].astype(float), method="quadratic", skip_small=True)
        assert r.outliers == [] and r.status == "converged", name


def test_cli_fit_isoflop_status_and_drop_outliers(tmp_path, capsys):
    C, N, L = _sweep()
    f = tmp_path / "sweep.csv"
    f.write_text("C,N,loss\n" + "".join(f"{c},{n},{loss}\n" for c, n, loss in zip(C, N, L, strict=True)))
    assert main(["fit-isoflop", str(f)]) == 0
    out = capsys.readouterr().out
    assert "status" in out and "degenerate" in out and "outlier" in out and "arXiv:2603.22339" in out
    assert main(["fit-isoflop", str(f), "--drop-outliers", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["status"] == "converged" and d["outliers"][0]["dropped"] and d["N_opt"]["exp"] == pytest.approx(TRUE_A, abs=0.01)
