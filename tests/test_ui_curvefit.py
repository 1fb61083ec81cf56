"""The Fit tab's curve mode, headless: a (step, lr, loss) file is fitted with a curve law and becomes one."""

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from scalingviz import datasets, fit  # noqa: E402
from scalingviz.presets import PRESETS  # noqa: E402
from scalingviz.ui.dashboard import Dashboard  # noqa: E402
from scalingviz.ui.fitter import DATA_DIR  # noqa: E402

CURVE = "multipower_luo2025/csv_100/wsd_20000_24000.csv"


@pytest.mark.slow
def test_curve_file_is_fitted_with_a_curve_law_and_registered():
    d = Dashboard("tab=fit")
    d.tabs.selected_index = 3
    tab = d.fitter
    assert tab.load_bytes((DATA_DIR / CURVE).read_bytes(), "wsd.csv")
    assert tab._curve_mode and all(dd.disabled for dd in tab.mapping.values())
    assert [v for _, v in tab.form.options] == ["luo2025-25m"]  # one entry per curve form
    assert tab.run_fit(), tab.fit_error.value
    # The same numbers as the engine on the same file.
    c = datasets.multipower_curves("100M")["wsd_20000_24000"]
    step, lr = np.genfromtxt(DATA_DIR / CURVE, delimiter=",", skip_header=1)[:, :2].T
    ref = fit.fit_curve({"wsd.csv": {"step": step, "lr": lr, "loss": np.genfromtxt(
        DATA_DIR / CURVE, delimiter=",", skip_header=1)[:, 2]}}, "luo2025-25m")
    assert tab.result.params == pytest.approx(ref.params, rel=1e-9)
    assert "R^2" in tab.results.value and "What if, with this fit" in tab.results.value
    assert tab.figs.children and tab.figs.children[0].data[1].y is not None
    # Use it: a curve law the schedule section offers.
    d.explorer.schedule_section.selected_index = 0
    tab.reg_name.value = "my-curve"
    try:
        preset = tab.register()
        assert preset.has("curve") and preset.setup["peak_lr"] == pytest.approx(3e-4)
        assert "my-curve" in [v for _, v in d.explorer.schedule_panel._law.options]
        assert c["loss"].size > 0
    finally:
        PRESETS.pop("my-curve", None)


def test_a_runs_file_after_a_curve_restores_the_runs_forms():
    d = Dashboard("tab=fit")
    d.tabs.selected_index = 3
    tab = d.fitter
    tab.load_bytes((DATA_DIR / CURVE).read_bytes(), "wsd.csv")
    assert tab.load_bytes((DATA_DIR / "synthetic_chinchilla.csv").read_bytes(), "runs.csv")
    assert not tab._curve_mode and tab.form.value == "hoffmann2022"
    assert tab.run_fit()


def test_bad_curve_file_is_reported_inline():
    d = Dashboard("tab=fit")
    d.tabs.selected_index = 3
    tab = d.fitter
    rows = "\n".join(f"{s},3e-4,{'nan' if s == 500 else 3 - s / 1e4}" for s in range(100, 2000, 100))
    assert tab.load_bytes(f"step,lr,loss\n{rows}\n".encode(), "bad.csv")
    assert not tab.run_fit()
    assert "bad.csv" in tab.fit_error.value and "loss" in tab.fit_error.value
