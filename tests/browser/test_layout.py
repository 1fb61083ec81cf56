"""The pages fit at 1280 px: nothing cut off, covered or left over from an earlier action.

Each test opens the view a newcomer found cramped at 1280 px (issue 21) and asserts what a person
would see: no horizontal scrolling, every figure inside its card, legends off the plot area, titles
and table columns whole, labels beside (not under) their sliders, a long law name whole in its box.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# Every plotly figure inside the box that holds it (its right edge within 1 px).
FIGS_INSIDE = """() => [...document.querySelectorAll('.jp-OutputArea-output .js-plotly-plot')]
  .filter(g => g.offsetParent !== null)
  .map(g => { const r = g.getBoundingClientRect(), p = g.parentElement.getBoundingClientRect();
              return [g.className.split(' ').filter(c => c.startsWith('sv-fig-')).join(' '), Math.round(r.right - p.right)]; })
  .filter(x => x[1] > 1)"""
NO_PAGE_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _rect(page, css: str) -> dict:
    return page.evaluate("(c) => { const r = document.querySelector(c).getBoundingClientRect();"
                         " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }", css)


def _legend_below_plot(page, fig: str) -> None:
    plot = _rect(page, f"{fig} .nsewdrag")  # the plot area
    legend = _rect(page, f"{fig} .legend")
    assert legend["top"] >= plot["bottom"] - 1, (plot, legend)


def _label_beside_slider(page, control: str) -> None:
    label = _rect(page, f"{control} .widget-html")
    slider = _rect(page, f"{control} .noUi-target")
    assert label["right"] <= slider["left"] + 1, (label, slider)


def _check_tab(page) -> None:
    assert page.evaluate(NO_PAGE_SCROLL)
    assert page.evaluate(FIGS_INSIDE) == []


def test_explorer_with_inference_counted_fits(dash):
    p = dash("law=besiroglu2024&N=7e9&D=2e12&B=4M&inference=1e13")
    p.wait_for_data(".sv-fig-frontier")
    page = p.page
    _check_tab(page)
    _legend_below_plot(page, ".sv-fig-frontier")  # inside, it covered ~40% of the lines
    _label_beside_slider(page, ".sv-inference")  # "served" sat under its slider
    assert p.own_errors() == []


def test_compare_with_inference_counted_fits(dash):
    p = dash()
    page = p.page
    page.locator(".lm-TabBar-tab").filter(has_text="Compare").first.click()
    p.wait_for_data(".sv-fig-compare-opt")
    page.locator(".sv-compare-inference-on input").check()
    page.wait_for_function("() => document.querySelector('.sv-compare-table').innerText.includes('served')",
                           timeout=60_000)
    page.wait_for_timeout(1000)
    _check_tab(page)
    _legend_below_plot(page, ".sv-fig-compare-opt")
    _label_beside_slider(page, ".sv-compare-inference")
    # the figure's two-line title (what the dotted lines are) inside its figure
    fig, title = _rect(page, ".sv-fig-compare-opt"), _rect(page, ".sv-fig-compare-opt .gtitle")
    assert fig["top"] <= title["top"] and title["right"] <= fig["right"] + 1, (fig, title)
    assert "dotted" in page.evaluate("() => document.querySelector('.sv-fig-compare-opt .gtitle').textContent")
    # the table: every column inside its card, nothing scrolled away
    assert page.evaluate("() => { const t = document.querySelector('.sv-compare-table table');"
                         " return t.getBoundingClientRect().right <= "
                         "document.querySelector('.sv-compare-table').getBoundingClientRect().right + 1; }")
    assert p.own_errors() == []


def test_schedule_section_law_name_is_whole(dash):
    p = dash("sched_law=luo2025-100m&sched_kind=wsd")
    page = p.page
    p.wait_for_data(".sv-fig-schedule")
    # the selected law's name, measured in the select's font, fits the box (less the arrow)
    room = page.evaluate("""() => { const s = document.querySelector('.sv-sched-law select');
      const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(s).font;
      const text = s.options[s.selectedIndex].text;
      const pad = parseFloat(getComputedStyle(s).paddingLeft) + parseFloat(getComputedStyle(s).paddingRight);
      return s.clientWidth - pad - c.measureText(text).width; }""")
    assert room >= 0, room
    _check_tab(page)


def test_fit_tab_figures_fit_and_a_new_file_clears_the_old_fit(dash):
    p = dash("tab=fit")
    page = p.page
    page.get_by_text("Synthetic example", exact=True).click()
    page.locator(".sv-fit-load").click()
    page.locator(".sv-fit-nboot input").fill("0")
    page.locator(".sv-fit-nboot input").press("Enter")
    page.locator(".sv-fit-holdout input").fill("1e21")
    page.locator(".sv-fit-holdout input").press("Enter")
    page.locator(".sv-fit-run").click()
    p.wait_for_data(".sv-fig-fit-residuals")
    page.wait_for_timeout(1000)
    _check_tab(page)  # the residuals figure lost its last tick to the card's edge
    # another shipped file (the published sets may need a download, and CI is offline)
    page.locator(".sv-fit-example select").select_option(label="synthetic: Kaplan L(N, D), known truth (63 runs)")
    page.locator(".sv-fit-load").click()
    page.wait_for_function("() => document.querySelector('.sv-fit-preview').innerText.includes('synthetic_kaplan')",
                           timeout=60_000)
    page.wait_for_function("() => !document.querySelector('.sv-fig-fit-residuals') && "
                           "document.querySelector('.sv-fit-results').innerText.trim() === ''", timeout=30_000)
    assert p.own_errors() == []
