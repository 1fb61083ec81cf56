"""Inference demand, repeated data, experts and the schedule in the tabs (headless widgets)."""

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from scalingviz import get_preset  # noqa: E402
from scalingviz.ui import figures  # noqa: E402
from scalingviz.ui.compare import Compare  # noqa: E402
from scalingviz.ui.dashboard import Dashboard, parse_query, share_query  # noqa: E402
from scalingviz.ui.explorer import Explorer  # noqa: E402
from scalingviz.ui.planner import PlanTab  # noqa: E402

T = figures.FRONTIER_TRACES


def test_explorer_draws_the_inference_aware_frontier_and_follows_its_slider():
    ex = Explorer(law="besiroglu2024")
    f = ex.fig_frontier
    assert ex.inference_tokens() is None and len(f.data[T.index("N_inf")].x) == 0  # off by default
    ex.inference_on.value = True
    n_inf = f.data[T.index("N_inf")]
    assert len(n_inf.x) > 20 and "10T served" in n_inf.name
    law = get_preset("besiroglu2024")
    # Each point is the model reaching a frontier loss at the least training + inference compute.
    o = law.inference_optimal(float(law.loss(n_inf.y[30], f.data[T.index("D_inf")].y[30])), 1e13)
    assert o["N"] == pytest.approx(n_inf.y[30], rel=1e-3) and o["train_flop"] == pytest.approx(n_inf.x[30], rel=1e-3)
    # More inference: smaller models at the same training compute.
    before = np.interp(22, np.log10(n_inf.x), np.log10(n_inf.y))
    ex.inference.slider.value = 1e15
    after = np.interp(22, np.log10(f.data[T.index("N_inf")].x), np.log10(f.data[T.index("N_inf")].y))
    assert after < before - 0.1 and "1P served" in f.data[T.index("N_inf")].name
    ex.inference_on.value = False
    assert len(f.data[T.index("N_inf")].x) == 0 and ex.inference.slider.disabled


def test_inference_demand_is_in_the_share_link():
    d = Dashboard("law=besiroglu2024&inference=3e13")
    assert d.explorer.inference_tokens() == pytest.approx(3e13)
    q = share_query(d.state())
    assert "inference=3e%2B13" in q
    state, notices = parse_query("inference=1e3")
    assert "inference" not in state and "out of range" in notices[0]


def test_compare_lists_each_laws_inference_aware_model():
    c = Compare()
    c.inference_on.value = True
    rows = {r["law"]: r for r in c.disagreement()["rows"]}
    r = rows["besiroglu2024"]
    assert r["N_inf"] < r["N_opt"] and r["D_inf"] > r["D_opt"] and 0 < r["saving"] < 1
    assert "N_inf" not in rows["bi2024"]  # no loss(N, D): nothing to optimise
    assert "served" in c.table.value and "dotted: N*" in c.fig_opt.layout.title.text


def test_plan_tab_fields_rows_badges_and_frontier():
    tab = PlanTab({"N": "7B", "D": "2T", "inference_tokens": "10T", "unique_tokens": "250B",
                   "active_params": "2.8B", "schedule": "wsd", "cooldown": "0.2"})
    r = tab.report
    assert r is not None and r.inference_optimal and r.repeated_data and r.moe and r.schedule
    html_ = tab.out.value
    for text in ("Is it right-sized for its inference?", "Repeated data", "Mixture of experts", "Learning-rate schedule",
                 "repeated data: 8 epochs", "MoE: 40% active", "REPEATED_DATA", "DENSE_LAW_FOR_MOE"):
        assert text in html_, text
    inf = tab.fig.data[7]
    assert len(inf.x) > 10 and "10T served" in inf.name
    # A bad field: inline under it, the rest kept, the last report kept.
    tab.boxes["top_k"].value = "9"
    tab.boxes["experts"].value = "4"
    tab.boxes["expert_params"].value = "1B"
    assert "top_k: &#x27;9&#x27; is out of range; expected 1 &lt;= top_k &lt;= experts (4)" in tab.errors["top_k"].value
    assert tab.report is r and tab.boxes["inference_tokens"].value == "10T"
    tab.boxes["top_k"].value = ""
    tab.boxes["experts"].value = ""
    tab.boxes["expert_params"].value = ""
    tab.boxes["inference_tokens"].value = ""
    assert tab.report.inference_optimal is None and len(tab.fig.data[7].x) == 0
