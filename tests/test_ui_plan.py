"""Headless tests of the Plan tab: the form, the report, the share link, Open in Explorer."""

import json

import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")

from scalingviz.cli import main  # noqa: E402
from scalingviz.plan import TrainingPlan, check  # noqa: E402
from scalingviz.ui import planner  # noqa: E402
from scalingviz.ui.dashboard import Dashboard, parse_query, share_query  # noqa: E402

GOPHER = {"N": "280B", "D": "300B", "batch": "6M", "lr": "4e-5", "n_gpus": "1024", "mfu": "0.35", "price": "2"}


def test_tab_and_cli_give_the_same_numbers(capsys):
    tab = planner.PlanTab(dict(GOPHER, gpu="A100"))
    assert main(["plan", "--N", "280B", "--D", "300B", "--batch-tokens", "6M", "--lr", "4e-5", "--gpus", "1024",
                 "--gpu", "A100", "--mfu", "0.35", "--price", "2", "--seq-len", "4096", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    ours = json.loads(json.dumps(tab.report.to_dict(), default=lambda x: None))
    for key in ("loss", "delta_L", "tokens_per_param", "compute_flop", "steps", "B_crit_tokens",
                "batch_recommended_tokens", "lr_recommended", "compute_optimal", "time_hours", "gpu_hours", "cost"):
        assert ours[key] == pytest.approx(cli[key]) if isinstance(cli[key], float) else ours[key] == cli[key], key
    assert [w["code"] for w in ours["warnings"]] == [w["code"] for w in cli["warnings"]]
    # what the page shows is the report's numbers
    assert "undertrained" in tab.out.value and f"{cli['loss']['hoffmann2022']['value']:.4f}" in tab.out.value
    assert f"{cli['gpu_hours']:,.0f} GPU-hours" in tab.out.value


def test_form_matches_a_direct_check_and_draws_the_plan():
    tab = planner.PlanTab({"N": "70B", "D": "1.4T", "batch": "1024", "batch_unit": "sequences", "seq_len": "2048"})
    direct = check(TrainingPlan(N="70B", D="1.4T", batch_sequences=1024, seq_len=2048, lr="3e-4", n_gpus=1024,
                                gpu="H100", mfu=0.4, price_per_gpu_hour=2.5))
    assert tab.report.to_dict()["loss"] == direct.to_dict()["loss"]
    assert tab.plan.batch_tokens == 1024 * 2048
    assert tab.report.verdict.verdict == "near-optimal" and "near-optimal" in tab.out.value
    assert tab.markers.get("sv-fig-plan", "plan") == pytest.approx((6 * 70e9 * 1.4e12, 70e9))
    tab.boxes["N"].value = "35B"
    assert tab.markers.get("sv-fig-plan", "plan") == pytest.approx((6 * 35e9 * 1.4e12, 35e9))
    assert len(tab.fig.data[1].y) > 10  # the Epoch band is drawn


@pytest.mark.parametrize("field, text, needle", [
    ("N", "abc", "N: 'abc' is not a number"),
    ("N", "7", "N: '7' is out of range; expected 1k to 1000T"),
    ("D", "-1T", "D: '-1T' is out of range"),
    ("mfu", "1.5", "mfu: '1.5' is out of range; expected a model FLOP utilisation in (0, 1]"),
    ("n_gpus", "2.5", "n_gpus: '2.5' is not a whole number"),
    ("steps", "1000", "D: 1.4e+12 tokens disagrees with steps x batch"),
    ("lr", "20", "lr: '20' is out of range"),
    ("n_layer", "32", "shape: give all of n_layer, d_model and n_vocab"),
])
def test_bad_field_shows_inline_and_keeps_the_rest(field, text, needle):
    tab = planner.PlanTab()
    good = tab.out.value
    tab.boxes[field].value = text
    shown = " ".join(e.value for e in tab.errors.values()) + tab.form_error.value
    assert needle.replace("'", "&#x27;") in shown, shown
    assert tab.boxes[field].value == text  # what the user typed is kept
    assert tab.boxes["N"].value == ("7B" if field != "N" else text)
    assert tab.out.value == good and "last valid plan" in tab.status.value


def test_error_lands_under_its_own_field():
    tab = planner.PlanTab()
    tab.boxes["mfu"].value = "2"
    assert tab.errors["mfu"].value and not tab.errors["N"].value
    tab.choices["gpu"].value = "other"
    tab.boxes["mfu"].value = "0.4"
    assert "gpu: give a GPU name" in tab.errors["peak_flops"].value
    tab.boxes["peak_flops"].value = "1e15"
    assert tab.report.plan.peak_flops == 1e15 and not tab.errors["peak_flops"].value


def test_share_link_carries_the_plan_and_prefills_it():
    d = Dashboard("tab=plan&plan_N=280B&plan_D=300B&plan_gpu=A100")
    assert d.planner is not None and d.planner.plan.N == 280e9 and d.planner.plan.gpu == "A100"
    d.planner.boxes["lr"].value = "1e-4"
    q = share_query(d.state())
    assert "plan_N=280B" in q and "plan_lr=1e-4" in q and "tab=plan" in q
    d2 = Dashboard(q)
    assert d2.planner.values() == d.planner.values()


def test_plan_query_values_are_checked():
    state, notices = parse_query("plan_N=7B&plan_mfu=lots&plan_gpu=TPU&plan_x=1&plan_D=1e400")
    assert state["plan"] == {"N": "7B"}
    assert any("plan_mfu" in n and "not a number" in n for n in notices)
    assert any("plan_gpu" in n and "valid values are A100" in n for n in notices)
    assert any("plan_x" in n for n in notices) and any("plan_D" in n for n in notices)


def test_open_in_explorer_carries_N_D_B_and_the_convention():
    d = Dashboard("tab=plan")
    d.planner.boxes["N_embedding"].value = "500M"
    d.planner.open_button.click()
    ex = d.explorer
    assert d.tabs.selected_index == 0
    assert ex.controls["N"].value == pytest.approx(7e9) and ex.controls["D"].value == pytest.approx(1.4e12)
    assert ex.controls["B"].value == pytest.approx(4194304)
    assert ex.units == {"N_convention": "total", "N_embedding": "5e+08"}
    assert ex.law_N() == pytest.approx(7e9 - 5e8)  # Kaplan counts non-embedding parameters
