"""Bounded cost for any input size (issue 23): fits whose memory does not grow with starts x rows, long loss
curves binned (and said so), the law evaluated in blocks, and tables too big for a fit refused up front.
Timings and memory are measured in benchmarks/bench_big_inputs.py, not here."""

import numpy as np
import pytest

from scalingviz import fit, get_preset
from scalingviz.errors import InputError
from scalingviz.laws import luo2025
from scalingviz.schedules import Schedule

LAW = get_preset("hoffmann2022")


def _runs(n, seed=0):
    rng = np.random.default_rng(seed)
    N, D = 10 ** rng.uniform(7, 10, n), 10 ** rng.uniform(9, 12, n)
    return {"N": N, "D": D, "loss": np.asarray(LAW.loss(N, D)) * (1 + 0.005 * rng.standard_normal(n))}


def test_chunked_scoring_of_starts_gives_the_same_objectives(monkeypatch):
    runs = fit.runs_from_arrays(**_runs(400), allow_duplicates=True)
    form, _ = fit.resolve_law("chinchilla")
    X = fit._run_columns(runs, form.variables("loss"), form.name)
    problem = fit._Problem(form, ("E", "A", "B", "alpha", "beta"), {}, X, np.log(runs.loss), fit.DELTA)
    T = np.log(np.array([[1.7, 400.0, 400.0, 0.3, 0.3], [1.8, 500.0, 300.0, 0.35, 0.28], [1.6, 300, 800, 0.32, 0.31]]))
    T[:, 3:] = np.exp(T[:, 3:])  # alpha, beta are fitted on the linear scale
    whole = problem.objective_many(T)
    monkeypatch.setattr(fit.core, "CHUNK_ELEMENTS", 500)  # one start at a time
    assert np.array_equal(problem.objective_many(T), whole)


def test_screening_on_a_subsample_reaches_the_same_fit(monkeypatch):
    runs = _runs(3000)
    full = fit.fit_law(runs, "chinchilla")
    monkeypatch.setattr(fit.core, "SCREEN_ROWS", 300)  # starts screened on 300 of the 3,000 rows
    sub = fit.fit_law(runs, "chinchilla")
    assert sub.objective == pytest.approx(full.objective, rel=1e-6)
    assert sub.params == pytest.approx(full.params, rel=1e-3)


def test_a_table_too_big_for_a_fit_is_refused_up_front(monkeypatch):
    monkeypatch.setattr(fit.core, "MAX_FIT_ROWS", 100)
    with pytest.raises(InputError, match="runs: 400 rows is more than a fit takes"):
        fit.fit_law(_runs(400), "chinchilla")


@pytest.mark.slow
def test_a_long_curve_is_binned_and_says_so():
    law = get_preset("luo2025-100m")
    lr = Schedule("wsd", 8000, 3e-4, 500, 3e-5, cooldown=0.2).lrs()
    step = np.arange(600, 8000, 3)  # 2,467 logged points
    loss = np.asarray(law.curve(step, lr)) * (1 + 0.001 * np.random.default_rng(0).standard_normal(step.size))
    t = fit._curve_table("long", {"step": step, "lr": lr, "loss": loss})
    assert t["step"].size <= fit.MAX_CURVE_POINTS and np.all(np.diff(t["step"]) > 0)
    assert t["binned"] == "2,467 logged points binned to 494 (means of 5 consecutive points)"
    r = fit.fit_curve({"long": {"step": step, "lr": lr, "loss": loss}}, law, fixed={"C": law.values["C"]})
    assert r.fit["long"]["binned"].startswith("2,467 logged points") and r.fit["long"]["r2"] > 0.99


def test_the_curve_law_in_blocks_equals_one_block(monkeypatch):
    law = get_preset("luo2025-25m")
    lr = Schedule("cosine", 20000, 3e-4, 2160, 3e-5).lrs()
    q = np.arange(1, 20000, 7)
    whole = law.curve(q, lr)
    monkeypatch.setattr(luo2025, "QUERY_ELEMENTS", 5000)  # blocks of a few dozen query steps
    np.testing.assert_allclose(law.curve(q, lr), whole, rtol=0, atol=1e-12)
