"""Headless tests of the dashboard's app classes: set a control, check the traces against the core."""

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")

from scalingviz import get_preset  # noqa: E402
from scalingviz.ui import figures  # noqa: E402
from scalingviz.ui.compare import Compare  # noqa: E402
from scalingviz.ui.dashboard import Dashboard, parse_query, share_query  # noqa: E402
from scalingviz.ui.explorer import Explorer  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
T = figures.TRAJECTORY_TRACES


def trace(fig, names, key):
    return fig.data[names.index(key)]


def test_explorer_traces_match_core():
    e = Explorer(law="kaplan2020", N=1e9, D=2e10, B=2**19)
    k = get_preset("kaplan2020")
    S = 2e10 / 2**19
    main = trace(e.fig_trajectory, T, "main")
    np.testing.assert_allclose(main.y, k.trajectory(1e9, np.asarray(main.x), 2**19), rtol=1e-12)
    x, y = e.marker("trajectory", "current")
    assert x == pytest.approx(S) and y == pytest.approx(k.trajectory(1e9, S, 2**19), rel=1e-12)
    assert trace(e.fig_trajectory, T, "asymptote").y[0] == pytest.approx(k.min_loss(1e9))
    p = e.predictions()
    assert p["loss"] == pytest.approx(k.trajectory(1e9, S, 2**19))
    assert p["B_crit"] == pytest.approx(k.B_crit(p["loss"]))
    assert p["delta_L"] == pytest.approx(k.delta_L(1e9, 2e10))
    assert f"{p['loss']:.4f}" in e.summary.value
    ov = e.fig_overfit.data[0]
    np.testing.assert_allclose(np.asarray(ov.y, float), np.where(k.delta_L(1e9, np.asarray(ov.x)) > 1e-6,
                                                                  k.delta_L(1e9, np.asarray(ov.x)), np.nan), rtol=1e-12)
    fr = e.fig_frontier.data[figures.FRONTIER_TRACES.index("N")]
    np.testing.assert_allclose(fr.y, k.compute_optimal(np.asarray(fr.x))["N_opt"], rtol=1e-12)
    bc = e.fig_bcrit.data[0]
    np.testing.assert_allclose(bc.y, k.B_crit(np.asarray(bc.x)), rtol=1e-12)


def test_markers_follow_the_plan_in_every_figure():
    e = Explorer(law="hoffmann2022", N=7e10, D=1.4e12, B=2**22)
    e.controls["N"].slider.value = 3e10
    p = e.predictions()
    assert e.marker("overfit", "current")[0] == pytest.approx(1.4e12)
    assert e.marker("frontier", "plan_N") == pytest.approx((6 * 3e10 * 1.4e12, 3e10))
    assert e.marker("frontier", "plan_D") == pytest.approx((6 * 3e10 * 1.4e12, 1.4e12))
    assert e.marker("landscape", "current") == pytest.approx((np.log10(3e10), np.log10(1.4e12)))
    assert e.marker("bcrit", "current") == pytest.approx((p["loss_for_batch"], p["B_crit"]))
    # Chinchilla has no learning curve: no S_min marker
    assert e.marker("trajectory", "s_min") is None
    assert not trace(e.fig_trajectory, T, "s_min").showlegend
    assert e.marker("trajectory", "current")[1] == pytest.approx(p["loss"])


def test_first_draw_puts_markers_into_the_figures_then_the_layer_moves_them():
    e = Explorer(N=1e9, D=2e10)
    assert figures.get_marker(e.fig_bcrit, "current") == e.marker("bcrit", "current")
    e.controls["N"].slider.value = 2e9
    assert e.marker("bcrit", "current") != figures.get_marker(e.fig_bcrit, "current")  # the browser syncs it back
    assert set(e.markers.shapes) == {f"sv-fig-{k}" for k in figures.MARKERS if k != "plan"}


def test_marker_shapes_are_pixel_paths():
    fig = figures.bcrit_figure()
    fig.layout.shapes = figures.marker_shapes("bcrit", current=(3.0, 1e6))
    (sh,) = fig.layout.shapes
    assert sh.type == "path" and sh.xsizemode == "pixel" and sh.path.startswith("M") and sh.path.endswith("Z")
    assert figures.marker_shapes("bcrit", current=(np.nan, 1e6)) == []
    with pytest.raises(ValueError, match="symbol: 'hexagon' is not known"):
        figures._symbol_path("hexagon", 10)


def test_moving_N_updates_trajectory_and_links_C():
    e = Explorer(N=1e9, D=2e10, B=2**19)
    before = np.array(trace(e.fig_trajectory, T, "main").y)
    e.controls["N"].slider.value = 4e9  # as the browser would
    assert e.controls["N"].value == pytest.approx(4e9)
    assert e.controls["C"].value == pytest.approx(6 * 4e9 * 2e10)
    after = np.array(trace(e.fig_trajectory, T, "main").y)
    assert np.all(after <= before) and not np.allclose(after, before)
    assert "You moved <b>N</b>" in e.link_note.value


def test_C_moves_D_or_N_per_toggle_and_S_moves_D():
    e = Explorer(N=1e9, D=2e10, B=2**19)
    e.controls["C"].text.value = "1.2e21"
    assert e.controls["D"].value == pytest.approx(1.2e21 / 6e9) and e.controls["N"].value == pytest.approx(1e9)
    e.c_adjusts.value = "N"
    e.controls["C"].text.value = "2.4e21"
    assert e.controls["N"].value == pytest.approx(2.4e21 / (6 * e.controls["D"].value))
    e.controls["S"].text.value = "10k"
    assert e.controls["D"].value == pytest.approx(1e4 * 2**19)
    e.controls["B"].text.value = "1M"
    assert e.controls["S"].value == pytest.approx(e.controls["D"].value / 1e6)


def test_typed_entry_and_bad_input_keeps_last_good_value():
    e = Explorer()
    e.controls["N"].text.value = "7B"
    assert e.controls["N"].value == 7e9 and e.controls["N"].error.value == ""
    for bad, needle in (("abc", "is not a number"), ("1,4T", "decimal point"), ("-5", "out of range"),
                        ("1e20", "out of range; valid: 1k to 10T params"), ("<script>x</script>", "is not a number")):
        e.controls["N"].text.value = bad
        assert e.controls["N"].value == 7e9
        assert needle in e.controls["N"].error.value and "<script>" not in e.controls["N"].error.value
    assert e.controls["D"].error.value == ""  # other inputs untouched
    e.controls["N"].text.value = "3B"
    assert e.controls["N"].value == 3e9 and e.controls["N"].error.value == ""


def test_slider_snapping_echo_is_ignored():
    e = Explorer(N=1.5e9)
    c = e.controls["N"]
    c.slider.value = 10 ** (round(np.log10(1.5e9) / c.slider.step) * c.slider.step)  # the browser's snapped echo
    assert c.value == 1.5e9


def test_units_toggles():
    e = Explorer(B=2**19)
    e.batch_unit.value = "sequences"
    assert e.controls["B"].text.value == "256" and "seq" in e.controls["B"].unit_label.value
    e.controls["B"].text.value = "512"
    assert e.controls["B"].value == 512 * 2048
    e.seq_len_box.value = "4096"
    assert e.controls["B"].text.value == "256"
    e.seq_len_box.value = "0.5"
    assert "whole number" in e.seq_len_error.value and e.seq_len == 4096
    e.compute_unit.value = "PF-days"
    assert e.controls["C"].unit == "PF-days"
    e.controls["C"].text.value = "1"
    assert e.controls["C"].value == pytest.approx(8.64e19)


def test_n_convention_conversion():
    e = Explorer(law="hoffmann2022", N=1e9, D=2e10)
    e.set_units(N_convention="non-embedding")
    e.set_units(N_embedding="0.2B")
    assert e.law_N() == pytest.approx(1.2e9)
    assert e.predictions()["loss"] == pytest.approx(get_preset("hoffmann2022").loss(1.2e9, 2e10))
    e.set_units(N_embedding="-1")
    assert "out of range" in e.n_emb_error.value


@pytest.mark.parametrize("law", ["hoffmann2022", "hoffmann2022-tex", "besiroglu2024", "muennighoff2023", "su2024",
                                 "kaplan2020-alt"])
def test_every_law_draws_without_error(law):
    e = Explorer(law=law)
    assert e.warning.value.count("sv-error") == 0
    p = e.predictions()
    assert np.isfinite(p["loss"]) and np.isfinite(p["B_crit"])
    assert all(t.x is not None and len(t.x) > 0 for t in e.fig_bcrit.data)
    z = np.asarray(e.fig_landscape.data[0].z, float)
    assert np.isfinite(z).sum() > 100


def test_band_for_besiroglu_and_modified_constants():
    e = Explorer(law="besiroglu2024")
    p = e.predictions()
    assert p["loss_low"] < p["loss"] < p["loss_high"]
    assert len(e.fig_frontier.data[figures.FRONTIER_TRACES.index("N_band_hi")].x) > 0
    e.advanced_rows["E"].value = "2.0"
    assert e.law.name == "besiroglu2024 (modified)" and "constants modified" in e.summary.value
    assert e.predictions()["loss"] == pytest.approx(p["loss"] + 2.0 - 1.8172)
    e.advanced_rows["E"].value = "two"
    assert "is not a number" in e.advanced_error.value and e.law["E"] == 2.0
    e._reset_constants()
    assert e.law.name == "besiroglu2024"


def test_extrapolation_warning():
    e = Explorer(law="kaplan2020", N=7e10, D=1.4e12)
    assert "extrapolation" in e.warning.value and "N = 70B" in e.warning.value


def test_compare_disagreement():
    c = Compare(C=1e24)
    d = c.disagreement()
    names = [r["law"] for r in d["rows"]]
    assert {"kaplan2020", "hoffmann2022", "besiroglu2024"} <= set(names)
    k = next(r for r in d["rows"] if r["law"] == "kaplan2020")
    assert k["N_opt"] == pytest.approx(get_preset("kaplan2020").compute_optimal(1e24)["N_opt"])
    assert d["N_opt_spread"] > 3  # "the optimal N at 1e24 FLOP differs several-fold"
    assert "differs" in c.table.value
    c.laws.value = ("hoffmann2022", "besiroglu2024")
    assert len(c.fig_loss.data) == 2 and len(c.fig_opt.data) == 7  # N, D and N* (with inference) per law, and the current C


def test_parse_query():
    s, notes = parse_query("law=hoffmann2022&N=7e10&D=1.4T&tab=compare")
    assert s == {"law": "hoffmann2022", "N": 7e10, "D": 1.4e12, "tab": "compare"} and notes == []
    s, notes = parse_query("law=<script>alert(1)</script>&N=abc&D=-1&evil=1&B=1e30&tab=x")
    assert s == {}
    assert len(notes) == 6 and any("not a known law" in n for n in notes)
    d = Dashboard("law=<b>x</b>&N=7B")
    assert "<b>x</b>" not in d.notice.value and "&lt;b&gt;" in d.notice.value
    assert d.explorer.controls["N"].value == 7e9


def test_share_query_round_trips():
    d = Dashboard("law=hoffmann2022&N=7e10&D=1.4e12&B=4e6")
    q = share_query(d.state())
    s, notes = parse_query(q)
    assert notes == [] and s["law"] == "hoffmann2022" and s["N"] == pytest.approx(7e10) and s["B"] == 4e6
    assert "law=hoffmann2022" in d.share.value


def test_exports_are_data_links():
    d = Dashboard("")
    d._export_json()
    assert 'download="scalingviz-state.json"' in d.export_link.value.replace("'", '"')
    d._export_html()
    assert "scalingviz-figures.html" in d.export_link.value
    # The exported page is self-contained: plotly.js inside, nothing from a CDN (it opens offline).
    import base64

    page = base64.b64decode(d.export_link.value.split("base64,", 1)[1].split("'", 1)[0]).decode()
    import re

    assert not re.search(r"<script[^>]+src=[\"']?https?:", page) and len(page) > 3e6  # plotly.js is inline


def test_compare_tab_is_built_when_shown():
    d = Dashboard("")
    assert d.compare is None
    d.tabs.selected_index = 1
    assert d.compare is not None and d.compare_box.children[0] is d.compare.widget
    assert Dashboard("tab=compare").compare is not None


def test_binder_requirements_match_ui_extra():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["ui"]
    names = lambda lines: {re.split(r"[<>=!~ \[]", x.strip())[0].lower() for x in lines if x.strip() and not x.startswith("#")}  # noqa: E731
    binder = (REPO / "binder" / "requirements.txt").read_text().splitlines()
    assert names(extra) <= names(binder)
    post = (REPO / "binder" / "postBuild").read_text()
    assert post.startswith("#!/bin/bash\nset -e") and "rfc3987-syntax" in post and "pip install" in post
    # binder/start: repo2docker runs it (it must be executable) with the server's command, which it must exec;
    # the dashboard it starts listens where the README badge's urlpath points, behind jupyter-server-proxy
    import os

    start = REPO / "binder" / "start"
    text = start.read_text()
    assert os.access(start, os.X_OK) and text.startswith("#!/bin/bash") and text.rstrip().endswith('exec "$@"')
    assert "jupyter-server-proxy" in names(binder)
    badge = re.search(r"urlpath=proxy%2F(\d+)%2F\)", (REPO / "README.md").read_text())
    assert badge and f"SCALINGVIZ_DASHBOARD_PORT:-{badge.group(1)}" in text, "the badge and binder/start disagree"


def test_dashboard_notebook_is_the_page_cells():
    import json

    from scalingviz.ui.dashboard import NOTEBOOK_CELLS

    nb = json.loads((REPO / "notebooks" / "dashboard.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert tuple("".join(c["source"]).strip() for c in code) == NOTEBOOK_CELLS
    assert NOTEBOOK_CELLS[-1] == "app.widget"
    assert all(not c.get("outputs") for c in code)


def test_live_figure_keeps_the_last_update_message():
    # plotly resets _py2js_update to None right after each message; coalesced with the message, that
    # reset made the browser drop updates when five figures changed at once (BENCHMARKS.md).
    e = Explorer()
    e.controls["N"].slider.value = 3e9
    for fig in (e.fig_trajectory, e.fig_overfit):
        msg = fig._py2js_update
        assert msg is not None and msg["trace_edit_id"] >= 1
    # The other figures' curves do not depend on N: they send nothing, their markers move through
    # the marker layer.
    for fig in (e.fig_frontier, e.fig_landscape, e.fig_bcrit):
        assert not fig._py2js_update and not fig._py2js_relayout
    assert e.marker("frontier", "plan_N")[1] == pytest.approx(3e9)


def test_rebuilt_widgets_are_closed_not_leaked():
    # Law switches rebuild the Advanced rows; every fit builds new figures. Dropped widgets stay
    # registered (and in the kernel's memory) unless closed: the soak test measures the RSS.
    from ipywidgets.widgets.widget import _instances

    from scalingviz.ui.fitter import DATA_DIR, FitTab

    e = Explorer()
    for law in ("hoffmann2022", "kaplan2020"):
        e.law_picker.value = law
    n0 = len(_instances)
    for law in ("hoffmann2022", "su2024", "kaplan2020") * 3:
        e.law_picker.value = law
    assert len(_instances) <= n0
    t = FitTab()
    t.load_bytes((DATA_DIR / "synthetic_chinchilla.csv").read_bytes(), "s.csv")
    t.n_boot.value = 0
    t.run_fit()
    n1 = len(_instances)
    import gc
    import weakref

    first = t.figs.children[0]
    for _ in range(4):
        t.run_fit()
    assert len(_instances) == n1 and t.figs.children[0] is first  # same traces: updated in place
    old = weakref.ref(first)
    del first
    t.form.value = "power_C"  # other traces (no published law takes C alone): new figures, the old ones freed
    assert t.run_fit()
    assert len(_instances) == n1
    gc.collect()
    assert old() is None  # not kept alive by anywidget's hot-reload hook


def test_live_figure_keeps_the_browser_state_in_step_until_drawn():
    # plotly writes _widget_data/_widget_layout (what a new view draws) only when built; an update sent
    # before the browser listens was lost, and the page drew the stale state (issue 24).
    import plotly.graph_objects as go

    from scalingviz.ui.figures import LiveFigure

    f = LiveFigure(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))
    f.data[0].x = [10, 20, 30]
    assert f._widget_data[0]["x"] == [10, 20, 30]
    with f.batch_update():
        f.data[0].y = [5, 6, 7]
        f.layout.title.text = "moved"
    assert f._widget_data[0]["y"] == [5, 6, 7] and f._widget_layout["title"]["text"] == "moved"
    f.add_scatter(x=[1], y=[1])
    assert len(f._widget_data) == 2
    # once a view has drawn (plotly's view reports its layout), the browser keeps its own copy in step
    assert not f.drawn
    f._js2py_layoutDelta = {"layout_delta": {}, "layout_edit_id": f._last_layout_edit_id}
    assert f.drawn
    f.data[0].x = [1.0]
    assert f._widget_data[0]["x"] == [10, 20, 30] and f._py2js_restyle["restyle_data"]["x"] == [[1.0]]


def test_figures_are_updated_by_named_traces_never_by_position():
    # issue 24: the Plan figure was updated as fig.data[5]; a trace added before it moved every update.
    import re
    from pathlib import Path

    ui = Path(figures.__file__).parent
    positional = [f"{p.name}:{i}" for p in ui.glob("*.py") for i, line in enumerate(p.read_text().splitlines(), 1)
                  if re.search(r"\.data\[[^\]]+\]", line)]
    assert positional == []
    fig = figures.trajectory_figure()
    assert [t.meta for t in fig.data] == list(figures.TRAJECTORY_TRACES)
    with pytest.raises(KeyError, match="no trace 'nope'"):
        figures.trace(fig, "nope")


def test_the_waiting_kernel_says_when_the_dashboard_is_built(tmp_path, monkeypatch):
    # binder/start lets the Jupyter server start (and Binder send the visitor) once this file exists:
    # the preheated kernel has built the dashboard and waits for its page.
    import voila.utils

    from scalingviz.ui.assets import READY_FILE_ENV
    from scalingviz.ui.dashboard import DashboardPage

    ready = tmp_path / "ready"
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv(READY_FILE_ENV, str(ready))
    monkeypatch.setattr(voila.utils, "wait_for_request", lambda: None)
    page = DashboardPage()
    assert not ready.exists()  # not before the dashboard is built
    page.wait_for_request()
    assert ready.exists()
