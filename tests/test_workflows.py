"""Each workflow gives the same numbers through the API, the command line and the dashboard
(issue 24: one path from question to answer)."""

import json

import numpy as np
import pytest

from scalingviz import datasets
from scalingviz.cli import main
from scalingviz.presets import get_preset
from scalingviz.workflows import fit_runs, inference_frontier, inference_optimum


def _data():
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "data"


pytestmark = pytest.mark.usefixtures("restore_registry")  # tests here register fitted laws


def _close(a, b, rel=1e-9):
    """Two JSON-ready payloads agree: same keys, numbers within ``rel``."""
    if isinstance(a, dict):
        assert set(a) == set(b), set(a) ^ set(b)
        for k in a:
            _close(a[k], b[k], rel)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _close(x, y, rel)
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=rel, nan_ok=True)
    else:
        assert a == b


def test_fit_runs_same_numbers_from_the_api_the_cli_and_the_fit_tab(capsys):
    from scalingviz.serialize import jsonable

    path = _data() / "synthetic_chinchilla.csv"
    runs = datasets.read_runs(path)
    api = fit_runs(runs, "hoffmann2022", holdout_above_C=1e20, n_boot=30, leave_largest_out=True, n_jobs=1)
    assert api.heldout is not None and api.coverage is not None and api.rollout is not None
    assert main(["fit", str(path), "--holdout-above-C", "1e20", "--bootstrap", "30", "--leave-largest-out",
                 "--jobs", "1", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    _close(jsonable(api.to_dict()), cli)
    pytest.importorskip("ipywidgets")
    from scalingviz.ui.fitter import FitTab

    tab = FitTab()
    assert tab.load_bytes(path.read_bytes(), "runs.csv")
    tab.form.value = "hoffmann2022"
    tab.holdout.value, tab.n_boot.value, tab.largest.value = "1e20", 30, True
    assert tab.run_fit(), tab.fit_error.value
    ui = jsonable(tab.report.to_dict())
    ui["law"] = cli["law"]
    _close(ui, cli)
    assert f"{100 * api.coverage:.0f}% of them fall inside" in tab.results.value


def test_fit_runs_errors_name_the_flag_or_the_field(capsys, tmp_path):
    path = _data() / "synthetic_chinchilla.csv"
    assert main(["fit", str(path), "--holdout-above-C", "1e30"]) == 2
    assert "--holdout-above-C: every run has C <= 1e+30 FLOP; nothing would be held out" in capsys.readouterr().err
    pytest.importorskip("ipywidgets")
    from scalingviz.ui.fitter import FitTab

    tab = FitTab()
    assert tab.load_bytes(path.read_bytes(), "runs.csv")
    tab.holdout.value = "1e30"
    assert not tab.run_fit()
    assert "hold out C: every run has C &lt;= 1e+30 FLOP" in tab.fit_error.value


def test_one_inference_frontier_for_the_plan_the_explorer_and_compare():
    pytest.importorskip("ipywidgets")
    from scalingviz.plan import TrainingPlan, check
    from scalingviz.ui.compare import Compare
    from scalingviz.ui.explorer import Explorer

    law = get_preset("hoffmann2022")
    # the plan: its entry is the workflow's optimum at the plan's predicted loss
    report = check(TrainingPlan(N=7e9, D=2e12, inference_tokens=1e13, laws=("hoffmann2022",)))
    entry = report.inference_optimal["hoffmann2022"]
    io = inference_optimum(law, entry.loss, 1e13)
    assert entry.N == io.optimum["N"] and entry.saving_vs_chinchilla == io.saving_vs_compute_optimal
    # the Explorer's dotted curves are the workflow's frontier
    ex = Explorer()
    ex.law = law
    ex.inference_on.value = True
    ex._inference_key = None
    ex._draw_inference()
    from scalingviz.ui import figures

    tr = ex.fig_frontier.data[figures.FRONTIER_TRACES.index("N_inf")]
    want = inference_frontier(law, np.logspace(15, 28, 60), ex.inference.value).optimum
    np.testing.assert_allclose(tr.y, want["N"])
    # the Compare tab's table
    tab = Compare()
    tab.inference_on.value = True
    row = next(r for r in tab.disagreement()["rows"] if r["law"] == "hoffmann2022")
    io = inference_frontier(law, tab.C.value, tab.inference.value)
    assert row["N_inf"] == pytest.approx(float(io.optimum["N"]))
    assert row["saving"] == pytest.approx(float(io.saving_vs_compute_optimal))


def test_approach2_same_numbers_from_the_api_the_cli_and_the_fit_tab(capsys, tmp_path):
    from scalingviz.serialize import jsonable
    from scalingviz.workflows import approach2

    law = get_preset("hoffmann2022")
    budgets = (1e19, 1e20, 1e21)
    C = np.repeat(budgets, 7)
    N = np.concatenate([np.geomspace(0.2, 5, 7) * law.compute_optimal(c)["N_opt"] for c in budgets])
    D = C / (6 * N)
    loss = law.loss(N, D) * (1 + 0.002 * np.sin(np.arange(C.size)))
    f = tmp_path / "iso.csv"
    f.write_text("N,D,C,loss\n" + "".join(f"{float(n)!r},{float(d)!r},{float(c)!r},{float(x)!r}\n"
                                          for n, d, c, x in zip(N, D, C, loss, strict=True)))
    api = approach2({"C": C, "N": N, "D": D, "loss": loss}, skip_small=True)
    assert main(["fit-isoflop", str(f), "--skip-small-budgets", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    _close(jsonable(api.to_dict()), cli, rel=1e-9)
    pytest.importorskip("ipywidgets")
    from scalingviz.ui.fitter import ISOFLOP_CHOICES, FitTab

    tab = FitTab()
    assert tab.load_bytes(f.read_bytes(), "iso.csv")
    tab.form.value = next(k for k, v in ISOFLOP_CHOICES.items() if v == "parabola")
    assert tab.run_fit(), tab.fit_error.value
    _close(jsonable(tab.isoflop.to_dict()), {k: v for k, v in cli.items() if k != "N_from"}, rel=1e-9)


@pytest.mark.slow
def test_fit_curves_same_numbers_from_the_api_the_cli_and_the_fit_tab(capsys, tmp_path):
    from scalingviz.schedules import Schedule
    from scalingviz.serialize import jsonable
    from scalingviz.workflows import fit_curves

    law = get_preset("luo2025-25m")
    lr = Schedule("cosine", steps=2000, peak_lr=3e-4, warmup=100).lrs()
    step = np.arange(100, 2000, 50)
    loss = law.curve(step, lr) * (1 + 0.001 * np.sin(step))
    f = tmp_path / "run.csv"
    f.write_text("Step,LR,Loss\n" + "".join(f"{s},{float(lr[s])!r},{x!r}\n" for s, x in zip(step.tolist(), loss.tolist(),
                                                                                    strict=True)))
    api = fit_curves({str(f): datasets.read_curve(f)})
    assert main(["fit-curve", str(f), "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    _close(jsonable(api.to_dict()), cli, rel=1e-9)
    pytest.importorskip("ipywidgets")
    from scalingviz.ui.fitter import FitTab

    tab = FitTab()
    assert tab.load_bytes(f.read_bytes(), "run.csv")
    assert tab.run_fit(), tab.fit_error.value
    view = tab.curve_view
    assert view.setup == api.setup
    _close(jsonable(view.result.params), cli["params"], rel=1e-9)


def test_schedule_curves_same_numbers_from_the_api_the_cli_and_the_schedule_section(capsys):
    from scalingviz.schedules import Schedule
    from scalingviz.workflows import schedule_curves

    law = get_preset("luo2025-25m")
    wsd = Schedule("wsd", 24000, 3e-4, 2160, floor=3e-5, cooldown=0.25)
    cosine = Schedule("cosine", 24000, 3e-4, 2160, floor=3e-5)
    api = schedule_curves(law, wsd, compare=[cosine])
    assert main(["curve", "--law", "luo2025-25m", "--schedule", "wsd", "--steps", "24000", "--peak-lr", "3e-4",
                 "--warmup", "2160", "--floor", "3e-5", "--cooldown", "0.25", "--compare", "cosine", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    _close(json.loads(json.dumps(api.to_dict())), cli, rel=1e-12)
    pytest.importorskip("ipywidgets")
    from scalingviz.ui.schedule import SchedulePanel

    panel = SchedulePanel({"law": "luo2025-25m", "kind": "wsd", "cooldown": 0.25, "steps": 24000, "peak_lr": 3e-4,
                           "warmup": 2160, "floor": 3e-5})
    shown = panel.summary.value
    assert f"<b>{api.curve.final_loss:.4f}</b>" in shown
    assert f"{api.others[0].final_loss:.4f} ({-api.difference(api.others[0])[0]:+.4f}" in shown


def test_plan_report_is_typed_and_both_renderers_draw_one_view(capsys):
    """The plan check's report is typed sections; `scalingviz plan` and the Plan tab both draw
    :func:`scalingviz.plan_view.plan_view`: every cell, badge and warning of the view is in both, and
    neither reads the report itself (issue 24)."""
    import html
    import inspect

    from scalingviz.plan import TrainingPlan, check
    from scalingviz.plan_report import Section
    from scalingviz.plan_view import plan_view
    from scalingviz.ui import planner

    kw = dict(N=7e9, D=2e12, batch_tokens=4e6, lr=3e-4, inference_tokens=1e13, unique_tokens=4e11, schedule="wsd",
              cooldown=0.2, price_per_gpu_hour=2.0, active_params=5e9)
    report = check(TrainingPlan(**kw))
    for name in ("verdict", "batch", "lr", "compute", "repeated_data", "moe", "schedule"):
        assert isinstance(getattr(report, name), Section), name
    assert all(isinstance(x, Section) for x in (*report.loss.values(), *report.inference_optimal.values(),
                                                 *report.warnings))
    view = plan_view(report)
    assert {t.key for t in view.tables} == {"loss", "optimal", "hparams", "compute", "inference", "repeated", "moe",
                                            "schedule"}
    assert main(["plan", "--N", "7B", "--D", "2T", "--batch-tokens", "4M", "--lr", "3e-4", "--inference-tokens", "10T",
                 "--unique-tokens", "400B", "--schedule", "wsd", "--cooldown", "0.2", "--price", "2",
                 "--active-params", "5B"]) == 0
    text = capsys.readouterr().out
    page = planner.PlanTab.render(report)
    shown = [view.summary, *(b.text for b in view.badges), *(w.message for w in view.warnings)]
    for t in view.tables:
        shown += [t.title, t.note, *t.footnotes, *(x for row in t.rows for x in row)]
    for x in shown:
        assert x in text, x
        assert html.escape(x) in page, x
    # the renderers take a view, not a report: no section of the report is read outside plan_view
    for fn in (planner.render_html, planner.PlanTab.render, __import__("scalingviz.cli.plan", fromlist=["x"]).render_plan):
        src = inspect.getsource(fn)
        assert not any(f".{s}" in src for s in ("verdict", "inference_optimal", "repeated_data", "compute_optimal")), fn
