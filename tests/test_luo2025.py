"""Schedules and the Multi-Power Law (Luo et al. 2025): the paper's schedules, its published constants on
its nine curves, the chunked sum against the direct one, and the fit/test protocol on both shipped sizes."""

import json
from pathlib import Path

import numpy as np
import pytest

from scalingviz import datasets, fit
from scalingviz.laws import luo2025 as m
from scalingviz.presets import get_preset
from scalingviz.schedules import Schedule, from_log

ALL = datasets.MULTIPOWER_FIT_SET + datasets.MULTIPOWER_TEST_SET


@pytest.fixture(scope="module", params=["25M", "100M"])
def curves(request):
    return request.param, datasets.multipower_curves(request.param)


def _read_logged_lr(size, name):
    folder = {"25M": "csv_25", "100M": "csv_100"}[size]
    d = np.genfromtxt(datasets.PACKAGE_DATA / "multipower_luo2025" / folder / f"{name}.csv", delimiter=",",
                      skip_header=1)
    return d[:, 0].astype(int), d[:, 1]


# -- schedules ---------------------------------------------------------------------------------


def test_schedules_reproduce_the_logged_learning_rates(curves):
    # Each file's lr column is the origin's schedule at the logged steps: ours must give it exactly.
    size, c = curves
    for name in ALL:
        step, lr_logged = _read_logged_lr(size, name)
        lr = c[name]["lr"]
        keep = step < lr.size
        np.testing.assert_allclose(lr[step[keep]], lr_logged[keep], rtol=1e-12, err_msg=name)


def test_schedule_shapes():
    T, w = 1000, 100
    for shape in ("linear", "cosine", "exp", "sqrt"):
        lr = Schedule("wsd", T, 1e-3, w, 1e-4, cooldown=0.25, decay_shape=shape).lrs()
        assert lr[0] == 0 and lr[w - 1] == 1e-3 and lr[749] == 1e-3  # warmup from 0, stable to the cooldown
        assert np.all(np.diff(lr[w:]) <= 1e-18) and 1e-4 <= lr[-1] < 1e-3 * 0.2
    cos = Schedule("cosine", T, 1e-3, 0, 1e-4).lrs()
    assert cos[0] == 1e-3 and cos[-1] == pytest.approx(1e-4, rel=1e-4)
    lin = Schedule("linear", T, 1e-3, 0, 1e-4).lrs()
    assert lin[-1] == pytest.approx(1e-4) and np.allclose(np.diff(lin), np.diff(lin)[0])
    two = Schedule("two-stage", T, 1e-3, 0, switch=600, lr2=2e-4).lrs()
    assert two[599] == 1e-3 and two[600] == 2e-4


@pytest.mark.parametrize(("kw", "needle"), [
    (dict(kind="cosine", steps=1000, peak_lr=-1e-3), "peak_lr: -0.001 is out of range"),
    (dict(kind="cosine", steps=1000, peak_lr=0), "peak_lr: 0 is out of range"),
    (dict(kind="cosine", steps=1000, peak_lr=1e-3, floor=2e-3), "floor: 0.002 is out of range; expected a final "
                                                                "learning rate <= peak_lr"),
    (dict(kind="wsd", steps=1000, cooldown=1.5), "cooldown: 1.5 is out of range; expected a fraction"),
    (dict(kind="wsd", steps=1000, cooldown=0), "cooldown: 0 is out of range"),
    (dict(kind="wsd", steps=1000, warmup=900, cooldown=0.5), "starts at step 500, inside the 900-step warmup"),
    (dict(kind="cosine", steps=1000, warmup=1000), "warmup: 1000 is out of range"),
    (dict(kind="wsd", steps=1000, decay_shape="step"), "decay_shape: 'step' is not valid"),
    (dict(kind="two-stage", steps=1000), "give switch"),
    (dict(kind="triangle", steps=1000), "kind: 'triangle' is not a schedule kind"),
    (dict(kind="cosine", steps=1.5), "steps: 1.5 is out of range"),
])
def test_schedule_bad_input(kw, needle):
    with pytest.raises(ValueError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        Schedule(**kw)


def test_from_log():
    # before the first logged step: the first logged rate from step 0 (no warmup invented, never 0) ...
    lr = from_log([100, 200, 300], [1e-3, 5e-4, 1e-4])
    assert lr.size == 301 and lr[0] == 1e-3 and lr[99] == pytest.approx(1e-3) and lr[150] == pytest.approx(7.5e-4)
    assert np.array_equal(from_log([100, 200, 300], [1e-3, 5e-4, 1e-4], warmup=0), lr)  # warmup 0 is not "zero"
    # ... or a linear warmup over the run's first W steps, then the first logged rate
    lr = from_log([100, 200], [1e-3, 1e-3], warmup=20, steps=400)
    assert lr[0] == 0 and lr[10] == pytest.approx(5e-4) and lr[20] == 1e-3 and lr[79] == 1e-3 and lr[-1] == 1e-3
    assert lr.size == 400
    from scalingviz.schedules import unlogged_assumption

    assert "first logged rate 0.001 from step 0" in unlogged_assumption(100, 1e-3)
    assert "linear warmup from 0 over the first 20" in unlogged_assumption(100, 1e-3, 20)
    assert unlogged_assumption(0, 1e-3) == ""
    with pytest.raises(ValueError, match="row 3 has step 150 after 200; steps must increase"):
        from_log([100, 200, 150], [1, 1, 1])
    with pytest.raises(ValueError, match="lr: row 2 has -1.0; expected a learning rate > 0"):
        from_log([100, 200], [1e-3, -1])
    with pytest.raises(ValueError, match="warmup: 500 is out of range"):
        from_log([100, 200], [1e-3, 1e-3], warmup=500)


# -- the law -------------------------------------------------------------------------------------


def test_published_constants_reproduce_every_curve(curves):
    # Issue target: R^2 >= 0.99 and mean relative error <= 0.3% on each of the nine curves with the
    # published constants (origin src/config.py); the paper reports R^2 0.9988/0.9983 and 0.110%/0.142% mean.
    size, c = curves
    law = get_preset(f"luo2025-{size.lower()}")
    scores = {}
    for name in ALL:
        p = law.curve(c[name]["step"], c[name]["lr"])
        scores[name] = fit.curve_metrics(p, c[name]["loss"])
        assert scores[name]["r2"] >= 0.99 and scores[name]["mean_rel_err"] <= 0.003, (name, scores[name])
    assert np.mean([s["mean_rel_err"] for s in scores.values()]) <= 0.0015


def test_chunked_sum_equals_the_direct_sum():
    law = get_preset("luo2025-25m")
    for name, sched in (("cosine", Schedule("cosine", 24000, 3e-4, 2160, 3e-5)),
                        ("two-stage", Schedule("two-stage", 16000, 3e-4, 2160, switch=8000, lr2=3e-5)),
                        ("wsd", Schedule("wsd", 24000, 3e-4, 2160, 3e-5, cooldown=1 / 6, decay_shape="exp"))):
        q = np.arange(1, sched.steps, 97)
        d = m.loss_curve_direct(q, sched.lrs(), **law.values)
        # within 3e-4 nats (the law's own error is 0.1%, 3e-3 nats), or 3e-5 relative during the warmup,
        # where the loss is 5-1,600 nats
        np.testing.assert_allclose(m.loss_curve(q, sched.lrs(), **law.values), d, atol=3e-4, rtol=3e-5, err_msg=name)


def test_curve_broadcasts_and_validates():
    law = get_preset("luo2025-25m")
    lr = Schedule("cosine", 5000, 3e-4, 500, 3e-5).lrs()
    q = np.array([[600, 1200], [2400, 4999]])
    out = law.curve(q, lr)
    assert out.shape == (2, 2) and np.all(np.diff(out.ravel()) < 0)
    assert isinstance(law.curve(4999, lr), float)
    with pytest.raises(ValueError, match="query steps must be whole numbers from 1 to 4999"):
        law.curve([5000], lr)
    with pytest.raises(ValueError, match="does not give a loss curve"):
        get_preset("hoffmann2022").curve([10], lr)


def test_annealing_lowers_the_loss_and_warmup_matters():
    # Qualitative facts the paper shows: at the same step count a cooldown ends lower than a constant rate,
    # and a longer run ends lower than a shorter one.
    law = get_preset("luo2025-100m")
    T = 24000
    const = law.curve(T - 1, Schedule("constant", T, 3e-4, 2160).lrs())
    wsd = law.curve(T - 1, Schedule("wsd", T, 3e-4, 2160, 3e-5, cooldown=0.2).lrs())
    longer = law.curve(3 * T - 1, Schedule("wsd", 3 * T, 3e-4, 2160, 3e-5, cooldown=0.2).lrs())
    assert longer < wsd < const


# -- fitting a run's curves ----------------------------------------------------------------------


@pytest.mark.slow
def test_fit_protocol_on_both_sizes(curves):
    # The paper's protocol: fit on cosine_24000, constant_24000, wsdcon_9; predict the other six.
    # Issue targets: mean R^2 >= 0.99 and mean relative error <= 0.3% over the nine curves.
    size, c = curves
    r = fit.fit_curve({k: c[k] for k in datasets.MULTIPOWER_FIT_SET}, "luo2025")
    # Three curves do not pin down the 25M model's annealing constants (issue 19): C's ~95% interval spans
    # five decades, B's two, beta's reaches 0. The 100M model's three curves do pin them down.
    if size == "25M":
        assert r.status == "degenerate" and "not identified by these curves" in r.message
        assert all(f"{k} = " in r.message for k in ("B", "C", "beta"))
        assert r.intervals["C"][1] / r.intervals["C"][0] > 10
    else:
        assert r.status == "converged", r.message
        assert all(hi / lo < 10 for k, (lo, hi) in r.intervals.items() if lo > 0)
    test = r.score({k: c[k] for k in datasets.MULTIPOWER_TEST_SET})
    every = [*r.fit.values(), *test.values()]
    assert np.mean([s["r2"] for s in every]) >= 0.99
    assert np.mean([s["mean_rel_err"] for s in every]) <= 0.003
    assert all(s["r2"] >= 0.98 for s in every)
    p = r.to_preset(f"mpl-refit-{size}", setup={"peak_lr": 3e-4, "warmup": 2160})
    np.testing.assert_allclose(p.curve(c["wsdcon_3"]["step"], c["wsdcon_3"]["lr"]),
                               r.predict(c["wsdcon_3"]["step"], c["wsdcon_3"]["lr"]), rtol=1e-12)
    if size == "100M":  # the course's exercise 09b is this fit; its stored answer must be what it predicts
        from scalingviz import course

        stored = json.loads((Path(__file__).resolve().parents[1] / "data" / course.SOLUTIONS_FILE).read_text())["09b"]
        assert stored["inputs_sha256"] == course.inputs_digest("09b"), "09b's inputs changed: rerun the recipe"
        long = datasets.multipower_curves("100M")["cosine_72000"]
        assert float(r.predict(long["step"][-1:], long["lr"])[0]) == pytest.approx(stored["value"], rel=1e-6)


@pytest.mark.slow
def test_fit_curve_from_a_logged_lr_column():
    # A (step, lr, loss) table as a user logs it: lr at the logged steps only, rebuilt per step.
    c = datasets.multipower_curves("25M")
    logged = {}
    for name in datasets.MULTIPOWER_FIT_SET:
        step, lr = _read_logged_lr("25M", name)
        keep = np.isin(step, c[name]["step"])
        logged[name] = {"step": step[keep], "lr": lr[keep], "loss": c[name]["loss"]}
    r = fit.fit_curve(logged)
    assert np.mean([s["mean_rel_err"] for s in r.fit.values()]) <= 0.002


@pytest.mark.parametrize(("curve", "needle"), [
    ({"step": np.arange(1, 6), "loss": np.ones(5), "lr": np.ones(10)}, "5 points; a curve needs at least 10"),
    ({"step": np.arange(1, 12), "loss": np.r_[np.ones(10), np.nan], "lr": np.ones(20)}, "loss in row 11 is nan"),
    ({"step": np.arange(1, 12), "loss": np.ones(11)}, "no lr"),
    ({"step": np.arange(1, 12)[::-1], "loss": np.ones(11), "lr": np.ones(20)}, "steps must be whole, increasing"),
    ({"loss": np.ones(11), "lr": np.ones(20)}, "missing column\\(s\\) step"),
])
def test_fit_curve_bad_input(curve, needle):
    with pytest.raises(ValueError, match=needle):
        fit.fit_curve({"mine": curve})


# -- what-if answers and the command line -------------------------------------------------------

def test_schedule_advice_answers():
    from scalingviz import advice

    law = get_preset("luo2025-100m")
    rows = advice.compare_schedules(law, 24000, cooldowns=(0.1, 0.2))
    final = {r["schedule"].split(",")[0] + str(r["steps"]): r["final_loss"] for r in rows}
    assert len(rows) == 5 and rows[-1]["steps"] == 72000
    wsd = [r["final_loss"] for r in rows if r["spec"]["kind"] == "wsd" and r["steps"] == 24000]
    cos = next(r["final_loss"] for r in rows if r["spec"]["kind"] == "cosine")
    const = next(r["final_loss"] for r in rows if r["spec"]["kind"] == "constant")
    assert max(wsd) < cos < const and rows[-1]["final_loss"] < min(wsd), final
    best = advice.best_cooldown(law, 24000)
    grid = [advice.final_loss(law, Schedule("wsd", 24000, 3e-4, 2160, 3e-5, cooldown=f)) for f in
            np.linspace(0.02, 0.9, 45)]
    assert best["final_loss"] <= min(grid) + 1e-6  # the 1-D search beats a 45-point grid
    opt = advice.optimal_schedule(law, 24000)
    # Non-increasing after warmup, starting at the peak, and better than the best WSD and cosine.
    lr = opt["lr"]
    assert lr[2160] == pytest.approx(3e-4) and np.all(np.diff(lr[2160:]) <= 1e-15)
    assert opt["final_loss"] < best["final_loss"] and opt["gain_vs_cosine"] > 0.03
    with pytest.raises(ValueError, match="has no loss curve under a schedule; laws that do: luo2025-25m"):
        advice.compare_schedules("hoffmann2022", 1000)


def run_json(capsys, *argv):
    import json

    from scalingviz.cli import main

    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_cli_curve_and_advice(capsys, tmp_path):
    d = run_json(capsys, "curve", "--law", "luo2025-25m", "--schedule", "wsd", "--steps", "24000", "--cooldown",
                 "0.2", "--every", "1000")
    assert set(d) >= {"law", "schedule", "step", "lr", "loss", "final_loss"} and d["step"][-1] == 23999
    lr = Schedule("wsd", 24000, 3e-4, 2160, 3e-5, cooldown=0.2).lrs()
    assert d["final_loss"] == pytest.approx(float(get_preset("luo2025-25m").curve(23999, lr)), rel=1e-12)
    # --lr-csv: the output's steps are the file's rows
    f = tmp_path / "lr.csv"
    f.write_text("step,lr\n" + "\n".join(f"{s},{lr[s]}" for s in range(2160, 24000, 500)))
    d2 = run_json(capsys, "curve", "--law", "luo2025-25m", "--lr-csv", str(f))
    assert d2["step"] == list(range(2160, 24000, 500))
    a = run_json(capsys, "schedule-advice", "--law", "luo2025-25m", "--steps", "24000", "--no-optimise")
    assert {"table", "best_cooldown"} <= set(a) and "optimal" not in a


@pytest.mark.slow
def test_cli_fit_curve(capsys):
    folder = datasets.PACKAGE_DATA / "multipower_luo2025" / "csv_25"
    files = [str(folder / f"{n}.csv") for n in datasets.MULTIPOWER_FIT_SET]
    d = run_json(capsys, "fit-curve", *files, "--predict", str(folder / "wsd_20000_24000.csv"))
    assert set(d) >= {"form", "params", "status", "fit", "predictions"}
    m_ = d["predictions"][str(folder / "wsd_20000_24000.csv")]
    assert set(m_) == {"r2", "mean_rel_err", "max_rel_err", "final_loss_pred", "final_loss_interval", "final_loss_obs",
                       "assumed"}
    assert m_["r2"] > 0.99
    # the files log from step 2,176: the output says what was taken for the steps before
    assert m_["assumed"].startswith("steps 0 to 2,175 are not in the log: taken at the first logged rate")


@pytest.mark.parametrize(("argv", "needle"), [
    (["curve", "--schedule", "cosine", "--steps", "1000", "--peak-lr", "-1"], "--peak-lr"),
    (["curve", "--schedule", "wsd", "--steps", "1000", "--warmup", "100", "--cooldown", "1.5"],
     "cooldown: 1.5 is out of range"),
    (["curve", "--schedule", "wsd", "--steps", "1000"], "setup warms up for 2160 steps, not fewer than --steps 1000"),
    (["curve", "--schedule", "cosine", "--steps", "1000", "--warmup", "2000"], "warmup: 2000 is out of range"),
    (["curve", "--schedule", "cosine", "--steps", "1000", "--warmup", "0", "--peak-lr", "1e-3", "--floor", "1e-2"],
     "floor: 0.01 is out of range"),
    (["curve", "--law", "hoffmann2022", "--schedule", "cosine", "--steps", "1000"], "has no loss curve"),
    (["curve", "--steps", "1000"], "give a schedule"),
])
def test_cli_curve_bad_input(argv, needle, capsys):
    from scalingviz.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1, err


def test_cli_fit_curve_missing_lr_column(capsys, tmp_path):
    from scalingviz.cli import main

    f = tmp_path / "c.csv"
    f.write_text("step,loss\n" + "\n".join(f"{s},{4 - s / 1e4}" for s in range(100, 2000, 100)))
    assert main(["fit-curve", str(f)]) == 2
    assert "missing column(s) lr" in capsys.readouterr().err
    # --schedule gives the lr a file lacks
    folder = datasets.PACKAGE_DATA / "multipower_luo2025" / "csv_25"
    g = tmp_path / "wsd.csv"
    d = np.genfromtxt(folder / "wsd_20000_24000.csv", delimiter=",", skip_header=1)
    g.write_text("step,loss\n" + "\n".join(f"{int(s)},{x}" for s, x in d[:, [0, 2]] if s < 24000))
    out = run_json(capsys, "fit-curve", str(g), "--schedule", "wsd", "--steps", "24000", "--peak-lr", "3e-4",
                   "--warmup", "2160", "--floor", "3e-5", "--cooldown", str(1 / 6), "--decay-shape", "exp")
    assert out["fit"][str(g)]["r2"] > 0.99


def test_the_same_curve_fit_asked_twice_runs_once(monkeypatch):
    # A notebook's exercise and its check fit the same curves: the second is the first's result.
    law = get_preset("luo2025-25m")
    lrs = Schedule("wsd", 2000, 3e-4, 100, 3e-5, cooldown=0.2).lrs()
    step = np.arange(50, 2000, 50)
    loss = m.loss_curve(step, lrs, **law.values)
    curves = {"wsd": {"step": step, "loss": loss, "lr": lrs}}
    calls = []
    real = fit._optimise
    monkeypatch.setattr(fit.curves, "_optimise", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(fit.curves, "_CURVE_FITS", {})
    first = fit.fit_curve(curves, starts=1, maxiter=50)
    assert fit.fit_curve({"wsd": dict(curves["wsd"])}, starts=1, maxiter=50) is first and len(calls) == 1
    # anything that changes the fit is a new fit: the losses, an option, the form's starting constants
    fit.fit_curve({"wsd": {**curves["wsd"], "loss": loss * 1.001}}, starts=1, maxiter=50)
    fit.fit_curve(curves, starts=1, maxiter=50, weight="final")
    fit.fit_curve(curves, "luo2025-100m", starts=1, maxiter=50)
    assert len(calls) == 4
