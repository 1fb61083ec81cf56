"""The dashboard in headless Chromium against a live `scalingviz dashboard`."""

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from scalingviz import get_preset
from scalingviz.plan import TrainingPlan, check

pytestmark = pytest.mark.browser

EXPLORER_FIGS = (".sv-fig-trajectory", ".sv-fig-overfit", ".sv-fig-frontier", ".sv-fig-landscape", ".sv-fig-bcrit")


def wait_until(fn, timeout=30.0, interval=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def current_marker(p):
    return p.markers(".sv-fig-trajectory")["current"]


def test_page_loads_with_every_figure_drawn(dash):
    p = dash()
    for css in EXPLORER_FIGS:
        p.wait_for_data(css)
    assert "Traceback" not in p.page.inner_text("body")
    assert p.own_errors() == []
    # every figure draws its moving markers (layout shapes) on screen
    drawn = p.page.evaluate("(figs) => figs.map(c => document.querySelectorAll(c + ' .shapelayer path').length)",
                            EXPLORER_FIGS)
    assert all(n >= 1 for n in drawn), dict(zip(EXPLORER_FIGS, drawn, strict=True))
    for cls in ("sv-N", "sv-D", "sv-C", "sv-B", "sv-S", "sv-law", "sv-summary", "sv-share", "sv-tab-explorer"):
        assert p.page.locator(f".{cls}").count() >= 1, cls
    # the page draws with plotly.js's cartesian build (ui.assets: a third of the full build), and the
    # landscape's contour comes out filled, with its levels and labels
    from scalingviz.ui import assets

    if assets.bundle()[1] == "cartesian":
        traces = p.page.evaluate("() => Object.keys(window.Plotly.PlotSchema.get().traces)")
        assert sorted(traces) == sorted(assets.CARTESIAN_TRACES), traces
    contour = p.page.evaluate("() => ['.contourfill path', '.contourlevel', '.contourlabels text'].map("
                              "s => document.querySelectorAll('.sv-fig-landscape ' + s).length)")
    assert min(contour) >= 5, contour


def test_typed_N_gives_the_core_loss(dash):
    p = dash()
    p.type_into(".sv-N", "2B")
    k = get_preset("kaplan2020")
    S, B = 3e10 / 2**19, 2**19
    expected = k.trajectory(2e9, S, B)
    x, y = wait_until(lambda: (lambda m: m if abs(m[1] - expected) < 1e-9 else None)(current_marker(p)))
    assert x == pytest.approx(S) and y == pytest.approx(expected, rel=1e-12)
    wait_until(lambda: f"{expected:.4f}" in p.page.inner_text(".sv-summary"))


def test_moving_the_N_slider_changes_the_trajectory(dash):
    p = dash()
    before = current_marker(p)[1]
    handle = p.page.locator(".sv-N .noUi-handle")
    handle.focus()
    for _ in range(5):
        handle.press("PageUp")
    after = wait_until(lambda: (lambda y: y if abs(y - before) > 1e-6 else None)(current_marker(p)[1]))
    assert after < before  # a larger model reaches a lower loss
    n_text = p.page.locator(".sv-N-entry input").input_value()
    assert n_text != "1.5B"
    assert p.own_errors() == []


def test_bad_entry_shows_inline_error_and_page_keeps_working(dash):
    p = dash()
    p.type_into(".sv-D", "1,4T")
    wait_until(lambda: "decimal point" in p.page.inner_text(".sv-D .sv-error"))
    assert "Traceback" not in p.page.inner_text("body")
    p.type_into(".sv-N", "3B")
    k = get_preset("kaplan2020")
    expected = k.trajectory(3e9, 3e10 / 2**19, 2**19)  # D kept its last good value
    wait_until(lambda: abs(current_marker(p)[1] - expected) < 1e-9)
    assert p.page.locator(".sv-D-entry input").input_value() == "1,4T"  # what the user typed is kept
    assert p.own_errors() == []


def test_url_query_prefills(dash):
    p = dash("law=hoffmann2022&N=7e10&D=1.4e12&B=4e6")
    assert p.page.locator(".sv-N-entry input").input_value() == "70B"
    assert p.page.locator(".sv-D-entry input").input_value() == "1.4T"
    wait_until(lambda: "Hoffmann et al. 2022" in p.page.inner_text(".sv-summary"))
    expected = get_preset("hoffmann2022").loss(7e10, 1.4e12)
    wait_until(lambda: f"{expected:.4f}" in p.page.inner_text(".sv-summary"))
    assert "law=hoffmann2022" in p.page.locator(".sv-share input").input_value()


def test_url_query_with_markup_is_ignored_with_notice(dash):
    p = dash("law=%3Cscript%3Ealert(1)%3C/script%3E&N=abc")
    notice = p.page.inner_text(".sv-query-notice")
    assert "not a known law" in notice and "ignored N" in notice
    assert p.page.locator(".sv-query-notice script").count() == 0


def test_compare_tab_renders(dash):
    p = dash()
    p.page.get_by_text("Compare laws", exact=True).click()
    for css in (".sv-fig-compare-loss", ".sv-fig-compare-opt", ".sv-fig-compare-hparams"):
        p.wait_for_data(css)
    table = p.page.inner_text(".sv-compare-table")
    assert "optimal N differs" in table and "Kaplan et al. 2020" in table
    opt = p.data(".sv-fig-compare-opt")
    kap = next(t for t in opt if t["name"] == "Kaplan et al. 2020")
    C = np.array(kap["x"])
    np.testing.assert_allclose(kap["y"], get_preset("kaplan2020").compute_optimal(C)["N_opt"], rtol=1e-9)
    assert "Traceback" not in p.page.inner_text("body") and p.own_errors() == []


def test_plan_tab_fill_the_form_see_the_report_and_a_bad_entry(dash):
    p = dash("tab=plan")
    page = p.page
    page.wait_for_selector(".sv-plan-report .sv-badge", timeout=60_000)
    p.wait_for_data(".sv-fig-plan")
    for css, text in ((".sv-plan-N", "280B"), (".sv-plan-D", "300B")):
        box = page.locator(f"{css} input")
        box.fill(text)
        box.press("Tab")
    page.wait_for_function("() => document.querySelector('.sv-plan-report').innerText.includes('undertrained')",
                           timeout=30_000)
    expected = check(TrainingPlan(N="280B", D="300B", batch_tokens=4194304, seq_len=4096, lr=3e-4, n_gpus=1024,
                                  gpu="H100", mfu=0.4, price_per_gpu_hour=2.5))
    report = page.inner_text(".sv-plan-report")
    assert f"{expected.loss['hoffmann2022'].value:.4f}" in report
    assert f"{expected.compute.gpu_hours:,.0f} GPU-hours" in report
    wait_until(lambda: p.markers(".sv-fig-plan").get("plan", (0, 0))[1] == pytest.approx(280e9))
    assert p.markers(".sv-fig-plan")["plan"][0] == pytest.approx(6 * 280e9 * 300e9)
    # a bad entry: an inline message, the other fields and the last report kept
    box = page.locator(".sv-plan-mfu input")
    box.fill("1.5")
    box.press("Tab")
    page.wait_for_function("() => [...document.querySelectorAll('.sv-plan .sv-error')]"
                           ".some(e => e.innerText.includes('mfu'))", timeout=30_000)
    assert page.locator(".sv-plan-N input").input_value() == "280B"
    assert page.locator(".sv-plan-mfu input").input_value() == "1.5"
    assert "last valid plan" in page.inner_text(".sv-plan-status")
    assert f"{expected.loss['hoffmann2022'].value:.4f}" in page.inner_text(".sv-plan-report")
    assert "Traceback" not in page.inner_text("body") and p.own_errors() == []
    # the share link carries the plan
    assert "plan_N=280B" in page.locator(".sv-share input").input_value()


def _upload(page, name: str, content: bytes | Path) -> None:
    """Choose a file in the Fit tab: bytes, or a path (Playwright takes buffers up to 50 MB only)."""
    with page.expect_file_chooser() as chooser:  # the widget makes its file input on click
        page.locator(".sv-upload").click()
    if isinstance(content, Path):
        chooser.value.set_files(str(content))
    else:
        chooser.value.set_files(files=[{"name": name, "mimeType": "text/csv", "buffer": content}])


def _fit_with(page, css: str, value: str, want: str):
    """Type ``value`` into a Fit-tab field, click Fit, wait for ``want`` in the results; the field's box."""
    box = page.locator(f"{css} input")
    box.fill(value)
    box.press("Enter")
    page.locator(".sv-fit-run").click()
    page.wait_for_function("(w) => document.querySelector('.sv-fit-results').innerText.includes(w)", arg=want,
                           timeout=60_000)
    return box


@pytest.mark.slow
def test_uploads_up_to_the_stated_limit_arrive_and_bigger_ones_say_so(dash, tmp_path):
    # tornado's default websocket limit (10 MiB) dropped these without a word (issue 23).
    from pathlib import Path

    from scalingviz.datasets import MAX_BYTES

    lines = (Path(__file__).resolve().parents[2] / "data" / "synthetic_chinchilla.csv").read_text().splitlines()
    pad = "x" * (12 * 2**20 // (len(lines) - 1))  # a run-name column makes it 12 MiB
    twelve = ("\n".join([lines[0] + ",run"] + [f"{row},{pad}{i}" for i, row in enumerate(lines[1:])]) + "\n").encode()
    assert 12 * 2**20 <= len(twelve) < MAX_BYTES
    p = dash("tab=fit")
    page = p.page
    page.wait_for_selector(".sv-upload", timeout=60_000)
    _upload(page, "twelve.csv", twelve)
    page.wait_for_function("() => document.querySelector('.sv-fit-preview').innerText.includes('twelve.csv')",
                           timeout=60_000)
    assert "63 rows" in page.inner_text(".sv-fit-preview")
    # above the limit: a message under the button, nothing sent, the loaded file kept
    huge = tmp_path / "huge.csv"
    huge.write_bytes(b"N,D,loss\n" + b"1" * (MAX_BYTES + 1))
    _upload(page, huge.name, huge)
    page.wait_for_selector(".sv-upload-too-big", timeout=10_000)
    assert "huge.csv is 50.0 MiB; the limit is 50 MiB" in page.inner_text(".sv-upload-too-big")
    time.sleep(2)
    assert "twelve.csv" in page.inner_text(".sv-fit-preview")
    assert "Traceback" not in page.inner_text("body") and p.own_errors() == []


def test_fit_tab_upload_fit_register_and_bad_files(dash):
    from pathlib import Path

    good = (Path(__file__).resolve().parents[2] / "data" / "synthetic_chinchilla.csv").read_bytes()
    p = dash("tab=fit")
    page = p.page
    page.wait_for_selector(".sv-upload", timeout=60_000)
    _upload(page, "runs.csv", good)
    page.wait_for_function("() => document.querySelector('.sv-fit-preview').innerText.includes('63 rows')",
                           timeout=30_000)
    _fit_with(page, ".sv-fit-nboot", "30", "95% CI (30 resamples)")
    text = page.inner_text(".sv-fit-results")
    assert "converged" in text and "alpha" in text
    p.wait_for_data(".sv-fig-fit-overlay")
    # a second fit updates the same figures in place: hold out the runs above 1e21 FLOP
    box = _fit_with(page, ".sv-fit-holdout", "1e21", "Held out")
    wait_until(lambda: len(p.data(".sv-fig-fit-residuals")[2]["x"]) > 0)
    held = p.data(".sv-fig-fit-residuals")[2]
    assert min(held["x"]) > 1e21
    box.fill("")
    box.press("Enter")
    # register it and find it in the Explorer's law picker
    page.locator(".sv-fit-name input").fill("browser-fit")
    page.locator(".sv-fit-register").click()
    page.wait_for_function("() => document.querySelector('.sv-fit-reg-note').innerText.includes('browser-fit')",
                           timeout=30_000)
    page.get_by_text("Explorer", exact=True).click()
    options = page.locator(".sv-law select option").all_inner_texts()
    assert any("browser-fit" in o for o in options), options
    page.get_by_text("Fit your runs", exact=True).click()
    # three kinds of bad file, each with an inline message
    for name, content, needle in (
        ("pipes.csv", b"N|D|loss\n1e8|2e9|3.1\n", "check the delimiter"),
        ("text.csv", b"N,D,loss\n1e8,2e9,3.1\n2e8,abc,3.0\n" + b"3e8,6e9,2.9\n" * 6, "is not a number"),
        ("few.csv", b"N,D,loss\n1e8,2e9,3.1\n2e8,4e9,3.0\n", "too few runs"),
    ):
        _upload(page, name, content)
        page.wait_for_function("(n) => document.querySelector('.sv-fit-preview').innerText.includes(n) || "
                               "[...document.querySelectorAll('.sv-fit .sv-error')].some(e => e.innerText.length > 0)",
                               arg=name, timeout=30_000)
        page.locator(".sv-fit-run").click()
        page.wait_for_function("(s) => [...document.querySelectorAll('.sv-fit .sv-error')]"
                               ".some(e => e.innerText.includes(s))", arg=needle, timeout=30_000)
    assert "Traceback" not in page.inner_text("body") and p.own_errors() == []


def test_schedule_section_opens_moves_and_reports_bad_input(dash):
    # A share link with schedule settings opens the section with them, no click needed: the figure is
    # built and updated while the page loads, and the browser still draws its current data (LiveFigure).
    p = dash("sched_law=luo2025-25m&sched_kind=wsd&sched_cooldown=0.2")
    p.wait_for_data(".sv-fig-schedule")
    law = get_preset("luo2025-25m")
    from scalingviz.schedules import Schedule

    def final_loss():
        d = p.data(".sv-fig-schedule")[0]
        return d["x"][-1], d["y"][-1]

    x, y = final_loss()
    assert x == 23999 and y == pytest.approx(law.curve(23999, Schedule("wsd", 24000, 3e-4, 2160, 3e-5,
                                                                         cooldown=0.2).lrs()), rel=1e-9)
    handle = p.page.locator(".sv-sched-cooldown .ui-slider-handle, .sv-sched-cooldown .noUi-handle").first
    handle.focus()
    for _ in range(10):
        handle.press("ArrowRight")
    wait_until(lambda: abs(final_loss()[1] - y) > 1e-4)
    box = p.page.locator(".sv-sched-floor input")
    box.fill("1")
    box.press("Enter")
    wait_until(lambda: "floor: 1.0 is out of range" in p.page.inner_text(".sv-schedule-section"))
    assert box.input_value() == "1"
    assert "Traceback" not in p.page.inner_text("body") and p.own_errors() == []


def test_first_visit_is_light_offline_and_loads_plotly_once(sv_browser, dashboard_url):
    # A fresh browser context (empty cache) opens the page with every other host refused.
    # Before the served bundle, each of the five figures carried plotly's 5 MB bundle over the
    # websocket (36 MB per visit) and Voila's template asked a CDN for an icon font (2 errors).
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from first_visit import first_visit

    r = first_visit(sv_browser, dashboard_url)
    assert r["refused"] == [] and r["console_errors"] == [], r
    # widget front ends built for the JupyterLab core the page bundles (issue 21: 13 warnings before)
    assert r["version_warnings"] == [], r["version_warnings"]
    assert len(r["plotly_requests"]) == 1, r["plotly_requests"]
    assert r["ws_bytes"] < 2e6, r["ws_bytes"]  # no bundle in the widgets' state
    assert r["http_bytes"] + r["ws_bytes"] <= 10e6, r  # issue 12's page-weight target
