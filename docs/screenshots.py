"""Retake the README's screenshots against a live `scalingviz dashboard` in headless Chromium.

Run:  python docs/screenshots.py [fit-any]   (needs Debian's chromium; writes docs/img/*.png, or only fit-any.png)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _shared  # noqa: E402,F401  (../shared/data as $SCALINGVIZ_EXTERNAL_DATA when present, for the Fit tab)
from live import ARGS, chromium_or_exit, dashboard  # noqa: E402

HERE = Path(__file__).resolve().parent
READY = ("() => document.querySelectorAll('.sv-fig.js-plotly-plot').length >= 5 && "
         "[...document.querySelectorAll('.sv-fig.js-plotly-plot')].every(g => g.data && g.data.some(t => t.x && t.x.length > 1))")


def shoot(page, url: str, out: Path, tab: str | None = None, wait: str | None = None) -> None:
    page.goto(url, wait_until="commit")
    page.wait_for_function(READY, timeout=120_000)
    if tab:
        page.locator(".lm-TabBar-tab, .p-TabBar-tab").filter(has_text=tab).first.click()
    if wait:
        page.wait_for_function(wait, timeout=60_000)
    time.sleep(2.5)
    page.screenshot(path=str(out), full_page=True)
    print("wrote", out)


def fit_any(page, base: str) -> None:
    """The Fit tab over any columns: ScaleBench's MoE task (N, E -> validation loss), fitted on the linear scale."""
    from scalingviz import datasets
    from scalingviz.ui.fitter import published_choices

    try:
        import pyarrow  # noqa: F401

        datasets.load("scalebench")
    except (ImportError, datasets.DataUnavailable) as exc:
        print(f"fit-any.png not retaken: ScaleBench cannot be read here ({exc})")
        return
    page.goto(base, wait_until="commit")
    page.wait_for_function(READY, timeout=120_000)
    page.locator(".lm-TabBar-tab").filter(has_text="Fit").first.click()
    page.get_by_text("Published data", exact=True).click()
    index = [v for _, v in published_choices()].index("scalebench:moe")
    page.locator(".sv-fit-published select").select_option(index=index)
    page.locator(".sv-fit-load").click()
    page.wait_for_function("() => document.querySelector('.sv-fit-preview').innerText.includes('rows')", timeout=60_000)
    page.get_by_text("linear scale", exact=True).click()
    page.locator(".sv-fit-run").click()
    page.wait_for_function("() => document.querySelector('.sv-fit-results').innerText.includes('resamples')",
                           timeout=120_000)
    time.sleep(2.5)
    page.screenshot(path=str(HERE / "img" / "fit-any.png"), full_page=True)
    print("wrote", HERE / "img" / "fit-any.png")


def main() -> None:
    chromium = chromium_or_exit()
    with dashboard() as base, sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = b.new_page(viewport={"width": 1280, "height": 1060})
        fit_any(page, base)
        if sys.argv[1:] == ["fit-any"]:
            b.close()
            return
        shoot(page, base, HERE / "img" / "explorer.png")
        # Epoch's law at Llama 2 7B's plan, with 10T tokens of inference counted (the dotted N*, D*).
        shoot(page, base + "?law=besiroglu2024&N=7e9&D=2e12&B=4M&inference=1e13", HERE / "img" / "explorer-chinchilla.png")
        # The schedule section, opened by the share link (no click: a click would close it), cropped to it.
        page.goto(base + "?sched_law=luo2025-100m&sched_kind=wsd&sched_cooldown=0.2", wait_until="commit")
        page.wait_for_function(READY, timeout=120_000)
        page.wait_for_selector(".sv-fig-schedule .scatterlayer .trace", timeout=60_000)
        time.sleep(2.5)
        page.locator(".sv-schedule-section").screenshot(path=str(HERE / "img" / "schedule.png"))
        print("wrote", HERE / "img" / "schedule.png")
        # The Plan tab with a Llama-style plan, its inference demand and its data limit.
        page.set_viewport_size({"width": 1280, "height": 1900})
        shoot(page, base + "?tab=plan&plan_N=7B&plan_D=2T&plan_inference_tokens=10T&plan_unique_tokens=400B"
              "&plan_n_gpus=1024&plan_price=2.5", HERE / "img" / "plan.png",
              wait="() => document.querySelector('.sv-plan-report') && "
                   "document.querySelector('.sv-plan-report').innerText.includes('right-sized')")
        page.set_viewport_size({"width": 1280, "height": 1060})
        for name, tab in (("compare", "Compare"), ("fit", "Fit")):
            page.goto(base, wait_until="commit")
            page.wait_for_function(READY, timeout=120_000)
            if not page.locator(".lm-TabBar-tab, .p-TabBar-tab").filter(has_text=tab).count():
                continue
            page.locator(".lm-TabBar-tab").filter(has_text=tab).first.click()
            if name == "fit":  # show a finished fit: the published Epoch data, held out above 1e21 FLOP
                page.get_by_text("Published data", exact=True).click()
                page.locator(".sv-fit-load").click()
                page.wait_for_function("() => document.querySelector('.sv-fit-preview').innerText.includes('rows')",
                                       timeout=60_000)
                page.locator(".sv-fit-holdout input").fill("1e21")
                page.locator(".sv-fit-holdout input").press("Enter")
                page.locator(".sv-fit-run").click()
                done = "document.querySelector('.sv-fit-results').innerText.includes('resamples')"
            else:  # Compare with inference counted: the dotted N* and the table's N*, D* columns
                page.locator(".sv-compare-inference-on input").check()
                done = "document.querySelector('.sv-compare-table').innerText.includes('served')"
            page.wait_for_function(f"() => {done}", timeout=120_000)
            time.sleep(2.5)
            page.screenshot(path=str(HERE / "img" / f"{name}.png"), full_page=True)
            print("wrote", HERE / "img" / f"{name}.png")
        b.close()


if __name__ == "__main__":
    main()
