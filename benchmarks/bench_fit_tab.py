"""Fit tab benchmark, measured in headless Chromium against a live `scalingviz dashboard`.

Run:  python benchmarks/bench_fit_tab.py      (needs Debian's chromium and Epoch's data, see ../shared/data)

From the click on "Fit" to the results table showing the new fit, timed in the page: Epoch's
245 Chinchilla runs (Chinchilla form), without bootstrap (5 fits) and with a 200-resample
bootstrap (3 fits), medians.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

sys.path.insert(0, os.path.dirname(__file__))
import _shared  # noqa: E402,F401  (../shared/data as $SCALINGVIZ_EXTERNAL_DATA when present)
from live import ARGS, chromium_or_exit, dashboard  # noqa: E402

WATCH = """
(want) => new Promise((resolve) => {
  const res = document.querySelector('.sv-fit-results');
  const before = res.innerText;
  let t0 = null;
  document.querySelector('.sv-fit-run').addEventListener('click', () => { t0 = performance.now(); },
                                                         {once: true, capture: true});
  const obs = new MutationObserver(() => {
    const now = res.innerText;
    if (t0 !== null && now !== before && now.includes(want)) { obs.disconnect(); resolve(performance.now() - t0); }
  });
  obs.observe(res, {childList: true, subtree: true, characterData: true});
  setTimeout(() => resolve(-1), 120000);
})
"""


def main() -> None:
    chromium = chromium_or_exit()
    from scalingviz import datasets

    try:
        datasets.load("epoch_chinchilla")
    except datasets.DataUnavailable as exc:
        sys.exit(f"benchmark skipped: {exc}")
    rows = []
    with dashboard() as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = b.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url + "?tab=fit", wait_until="commit")
        page.wait_for_selector(".sv-fit-run", timeout=120_000)
        page.get_by_text("Published data", exact=True).click()
        page.locator(".sv-fit-load").click()
        page.wait_for_function("() => document.querySelector('.sv-fit-preview').innerText.includes('245 rows')",
                               timeout=60_000)
        for n_boot, reps, want in ((0, 5, "set bootstrap"), (200, 3, "200 resamples")):
            box = page.locator(".sv-fit-nboot input")
            box.fill(str(n_boot))
            box.press("Enter")
            time.sleep(0.5)
            times = []
            for _ in range(reps):
                page.evaluate(f"(w) => {{ window.__svT = null; ({WATCH})(w).then(v => {{ window.__svT = v; }}); }}",
                              want)
                page.locator(".sv-fit-run").click()
                page.wait_for_function("() => window.__svT !== null", timeout=180_000)
                times.append(page.evaluate("window.__svT") / 1000)
            rows.append((n_boot, times))
        b.close()
    print("| what | figure | target |")
    print("|---|---|---|")
    for n_boot, t in rows:
        what = "fit, no bootstrap" if n_boot == 0 else f"fit + {n_boot}-resample bootstrap (progress bar live)"
        target = "<= 2 s" if n_boot == 0 else "<= 15 s"
        print(f"| Epoch data (245 runs), click to result: {what} (n = {len(t)}) | median {statistics.median(t):.2f} s "
              f"(min {min(t):.2f}, max {max(t):.2f}) | {target} |")


if __name__ == "__main__":
    main()
