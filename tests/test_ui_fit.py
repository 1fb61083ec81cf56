"""Headless tests of the Fit tab: data in, mapping, fit, bootstrap progress, held-out, register, bad files."""

import json
import re

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")

from scalingviz import datasets, fit  # noqa: E402
from scalingviz.presets import PRESETS  # noqa: E402
from scalingviz.ui.dashboard import Dashboard  # noqa: E402
from scalingviz.ui.fitter import DATA_DIR, FitTab  # noqa: E402

TRUTH = json.loads((DATA_DIR / "synthetic_truth.json").read_text())


pytestmark = pytest.mark.usefixtures("restore_registry")  # tests here register fitted laws


def shown(tab):
    return re.sub("<[^>]+>", " ", tab.results.value)


def test_synthetic_example_recovers_its_truth_with_cis_and_progress():
    tab = FitTab()
    tab.source.value = "example"
    tab.example.value = "synthetic_chinchilla.csv"
    tab._load_selected()
    assert tab.column_map() == {"N": "N", "D": "D", "loss": "loss"}
    assert "63 rows" in tab.preview.value
    ticks = []
    tab.progress.observe(lambda c: ticks.append(c["new"]), "value")
    tab.n_boot.value = 40
    assert tab.run_fit()
    truth = TRUTH["synthetic_chinchilla"]["params"]
    for k in ("E", "alpha", "beta"):
        assert tab.result.params[k] == pytest.approx(truth[k], rel=0.05), k
        lo, hi = tab.boot.ci[k]
        assert lo < tab.result.params[k] < hi
    assert ticks[-1] == 40 and len(ticks) > 1  # the bar moved
    assert "95% CI (40 resamples)" in shown(tab)
    overlay, resid = tab.figs.children
    assert {t.name for t in overlay.data} >= {"your fit", "hoffmann2022", "kaplan2020"}
    np.testing.assert_allclose(resid.data[1].y, 100 * (tab.runs.loss / tab.result.predict(N=tab.runs.N, D=tab.runs.D) - 1))
    assert len(resid.data[2].x) == 0  # nothing held out


def test_matches_the_engine_and_exports():
    tab = FitTab()
    raw = (DATA_DIR / "synthetic_kaplan.csv").read_bytes()
    assert tab.load_bytes(raw, "k.csv")
    tab.form.value = "kaplan2020"
    tab.n_boot.value = 0
    assert tab.run_fit()
    direct = fit.fit_law(datasets.read_runs(raw), "kaplan2020")
    assert tab.result.params == pytest.approx(direct.params)
    assert "scalingviz-fit.json" in tab.exports.value and "scalingviz-predictions.csv" in tab.exports.value
    import base64

    payload = json.loads(base64.b64decode(re.search(r"application/json;base64,([^']+)'", tab.exports.value)[1]))
    assert payload["params"] == pytest.approx(direct.params) and payload["law"] == "kaplan2020"


@pytest.mark.realdata
def test_published_epoch_data_with_holdout(shared_data):
    tab = FitTab()
    tab.source.value = "published"
    tab._load_selected()
    assert tab.column_map() == {"N": "Model Size", "C": "Training FLOP", "loss": "loss"}
    tab.n_boot.value = 0
    tab.holdout.value = "1e21"
    assert tab.run_fit()
    text = shown(tab)
    assert "Held out: 23 runs" in text and "1.36%" in text and "besiroglu2024" in text
    assert len(tab.figs.children[1].data[2].x) == 23


@pytest.mark.parametrize("content, needle", [
    (b"N;D;loss\n1e8;2e9;3.1\n", None),  # semicolons are read
    (b"N|D|loss\n1e8|2e9|3.1\n2e8|4e9|3.0\n", "lacks column(s) N, loss, D or C"),  # wrong delimiter
    (b"N,loss\n1e8,3.1\n2e8,3.0\n", "lacks column(s) D or C"),
    (b"N,D,loss\n1e8,2e9,3.1\n2e8,abc,3.0\n", "column 'D', row 2: 'abc' is not a number"),
    (b"N,D,loss\n1e8,2e9,3.1\n2e8,4e9,3.0\n", "too few runs"),
    (b"N,D,loss\n" + b"".join(b"1e8,%de9,3.%d\n" % (i + 1, i) for i in range(9)), "1 distinct value"),
    (b"", "is empty"),
])
def test_bad_files_say_what_is_wrong(content, needle):
    tab = FitTab()
    ok = tab.load_bytes(content, "mine.csv") and tab.run_fit()
    msg = tab.file_error.value + tab.fit_error.value
    if needle is None:
        assert tab.columns == ["N", "D", "loss"]
    else:
        assert not ok and needle.replace("'", "&#x27;") in msg, msg
        assert "mine.csv" in msg or "row" in msg or "runs" in msg or "distinct" in msg


def test_too_big_file_is_refused_with_the_limit(monkeypatch):
    monkeypatch.setattr(datasets, "MAX_BYTES", 100)
    tab = FitTab()
    assert not tab.load_bytes(b"N,D,loss\n" + b"1e8,2e9,3.1\n" * 20, "big.csv")
    assert "the limit is" in tab.file_error.value


def test_mapping_is_kept_across_a_bad_file():
    tab = FitTab()
    raw = (DATA_DIR / "synthetic_chinchilla.csv").read_bytes().replace(b"N,D,loss", b"params,tokens,final")
    assert tab.load_bytes(raw, "renamed.csv")
    tab.mapping["N"].value, tab.mapping["D"].value, tab.mapping["loss"].value = "params", "tokens", "final"
    tab.load_bytes(b"params,tokens\n1e8,2e9\n", "broken.csv")
    assert "loss = &#x27;final&#x27; does not fit broken.csv" in tab.file_error.value
    assert not tab.run_fit() and "lacks column(s) loss" in tab.fit_error.value
    assert tab.load_bytes(raw, "renamed.csv") and tab.column_map() == {"N": "params", "D": "tokens", "loss": "final"}
    tab.n_boot.value = 0
    assert tab.run_fit()


def test_register_puts_the_fit_in_every_tab():
    d = Dashboard("tab=plan")
    d.tabs.selected_index = 1
    d.tabs.selected_index = 3
    tab = d.fitter
    assert tab.load_bytes((DATA_DIR / "synthetic_chinchilla.csv").read_bytes(), "s.csv")
    tab.n_boot.value = 0
    assert tab.run_fit()
    tab.reg_name.value = "course-fit"
    preset = tab.register()
    assert preset.fitted and PRESETS["course-fit"] is preset
    assert "course-fit" in [n for _, n in d.explorer.law_picker.options]
    assert "course-fit" in d.compare.laws.value
    assert "course-fit" in d.planner.laws.value and "course-fit" in d.planner.report.loss
    assert preset.fitted_range.N == pytest.approx((tab.runs.N.min(), tab.runs.N.max()))
    tab.reg_name.value = "hoffmann2022"
    assert tab.register() is None and "published law" in tab.reg_note.value


def test_published_data_sets_load_shipped_or_say_offline_inline(monkeypatch, tmp_path):
    from scalingviz import catalog

    monkeypatch.setenv("SCALINGVIZ_CACHE", str(tmp_path))
    monkeypatch.delenv("SCALINGVIZ_EXTERNAL_DATA", raising=False)
    monkeypatch.setenv("SCALINGVIZ_DATA_ORIGIN", "http://127.0.0.1:9")  # refused: offline
    tab = FitTab()
    labels = dict((v, k) for k, v in tab.published.options)
    assert "[shipped]" in labels["gemstones"] and "downloads 23 kB on Load" in labels["epoch_chinchilla"]
    tab.source.value = "published"
    tab.published.value = "gemstones"
    tab._load_selected()
    assert tab.file_error.value == "" and "199 rows" in tab.preview.value
    assert tab.column_map() == {"N": "params_active_precise", "D": "tokens", "loss": "final_loss"}
    tab.published.value = "epoch_chinchilla"
    tab._load_selected()
    assert "epoch_chinchilla is not on this machine" in tab.file_error.value and "offline" in tab.file_error.value
    assert "199 rows" in tab.preview.value  # what was loaded stays
    assert catalog.status("epoch_chinchilla") == "not fetched"
    # Repeated data: the epochs column maps, and the data-constrained law fits as it is.
    tab.published.value = "datablations_muennighoff2023"
    tab._load_selected()
    assert tab.column_map()["epochs"] == "epochs" and tab.form.value == "muennighoff2023"
    tab.n_boot.value = 0
    assert tab.run_fit() and tab.fit_error.value == ""


# --- the fitting-truth issue in the Fit tab --------------------------------------------------------


def _tab():
    from scalingviz.ui.fitter import FitTab

    return FitTab()


def test_approach2_in_the_fit_tab():
    from scalingviz.ui.fitter import DATA_DIR

    tab = _tab()
    tab.load_bytes((DATA_DIR / "synthetic_chinchilla.csv").read_bytes(), "synthetic_chinchilla.csv")
    tab.form.value = "isoflop:quadratic"
    assert tab.run_fit(), tab.fit_error.value
    assert "N* = " in tab.results.value and "D* = " in tab.results.value and tab.reg_button.disabled
    assert tab.isoflop.method == "quadratic" and len([b for b in tab.isoflop.budgets if b["used"]]) >= 5


def test_row_selection_and_rollout_in_the_fit_tab():
    from scalingviz import datasets
    from scalingviz.ui.fitter import DATA_DIR

    tab = _tab()
    raw = (DATA_DIR / "synthetic_chinchilla.csv").read_bytes()
    tab.load_bytes(raw, "synthetic_chinchilla.csv")
    tab.select.value = "N>=1e8; drop 3"
    tab.largest.value = True
    tab.n_boot.value = 0
    assert tab.run_fit(), tab.fit_error.value
    all_runs = datasets.read_runs(raw)
    assert tab.result.n_points == int((all_runs.N >= 1e8).sum()) - 3
    assert "Largest model left out" in tab.results.value
    tab.select.value = "N>>3"
    import html

    assert not tab.run_fit() and "rows: 'N>>3' is not COLUMN=VALUE" in html.unescape(tab.fit_error.value)


def test_data_constrained_in_the_fit_tab():
    import numpy as np

    from scalingviz import get_preset
    from scalingviz.laws import muennighoff2023 as m

    P = dict(get_preset("muennighoff2023").values)
    rows = ["N,D,unique_tokens,loss"]
    for n in np.logspace(7.5, 10, 6):
        for d in np.logspace(9, 11.5, 5):
            for ep in (1, 4, 16, 60):
                rows.append(f"{n:.6g},{d:.6g},{d / ep:.6g},{float(m.loss(n, d, d / ep, **P)):.6f}")
    tab = _tab()
    tab.load_bytes("\n".join(rows).encode(), "dc.csv")
    assert tab.mapping["U"].value == "unique_tokens"
    tab.form.value = "muennighoff2023"
    tab.n_boot.value = 0
    assert tab.run_fit(), tab.fit_error.value
    assert "Two stages" in tab.results.value and tab.stages.params["R_D_star"] > 1


def test_held_out_coverage_in_the_fit_tab():
    from scalingviz.ui.fitter import DATA_DIR

    tab = _tab()
    tab.load_bytes((DATA_DIR / "synthetic_chinchilla.csv").read_bytes(), "synthetic_chinchilla.csv")
    tab.holdout.value = "1e21"
    tab.n_boot.value = 50
    assert tab.run_fit(), tab.fit_error.value
    assert 0 <= tab.coverage <= 1 and "95% prediction interval" in tab.results.value


def test_data_constrained_pins_and_honest_status_in_the_fit_tab():
    # The authors' 182 runs with their stage-1 constants pinned in the constants field: stage 1 is skipped,
    # the pins are kept, and the badge says R_D* and R_N* are not identified (issue 20).
    from pathlib import Path

    from scalingviz import get_preset

    v = get_preset("muennighoff2023").values
    f = Path(__file__).resolve().parents[1] / "data" / "datablations_fit_muennighoff2023" / "datablations_runs_182.csv"
    tab = _tab()
    tab.load_bytes(f.read_bytes(), f.name)
    for k, col in (("N", "params"), ("D", "tokens"), ("U", "unique_tokens"), ("loss", "val_loss")):
        tab.mapping[k].value = col
    tab.form.value = "muennighoff2023"
    tab.n_boot.value = 0
    tab.constraints.value = "; ".join(f"{k}={v[k]!r}" for k in ("E", "A", "B", "alpha", "beta"))
    assert tab.run_fit(), tab.fit_error.value
    assert tab.stages.single_epoch is None and tab.stages.params["E"] == v["E"]
    assert tab.result.status == "degenerate" and "R_D_star is not identified" in tab.results.value
    assert "stage 1 skipped" in tab.results.value and "Profile:" in tab.results.value


def test_a_new_file_clears_the_previous_fit():
    # The results and figures of a fit belong to its file: loading another leaves none on screen.
    d = Dashboard()
    d.tabs.selected_index = 3  # the Fit tab is built when first opened
    tab = d.fitter
    assert tab.load_bytes((DATA_DIR / "synthetic_chinchilla.csv").read_bytes(), "s.csv")
    tab.n_boot.value = 0
    assert tab.run_fit()
    assert tab.results.value and tab.figs.children and not tab.reg_button.disabled
    assert tab.load_bytes(b"N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n", "other.csv")
    assert tab.results.value == "" and tab.figs.children == () and tab.result is None
    assert tab.reg_button.disabled
