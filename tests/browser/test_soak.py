"""Browser soak: 300 random control changes across every tab of a live dashboard, and pages
opened and closed in a row.

Run with ``pytest -m soak`` (CI runs it, ``.ci/run``; the README's test command leaves it out).
Checks: no console errors from our code and no traceback in the page; the kernel's resident
memory grows by at most 20 MB over the 300 changes (measured after a warm-up that builds every
tab and runs one fit); the latency of Explorer slider moves (key press to the summary updated)
over the last 60 moves is no worse than over the first 60: median within 20%, p95 within 50% (the
p95 of 60 moves is their third slowest, too noisy on a shared 2-core machine for 20%). The 300
measured changes follow 60 unmeasured ones of the same mix. Closing a page shuts its kernel down
and the server's memory returns to its baseline.
Figures go to BENCHMARKS.md (printed at the end of the test; see ``-s``).
"""

from __future__ import annotations

import random
import statistics
import time

import pytest

EXPLORER_FIGS = (".sv-fig-trajectory", ".sv-fig-overfit", ".sv-fig-frontier", ".sv-fig-landscape", ".sv-fig-bcrit")

pytestmark = [pytest.mark.browser, pytest.mark.soak]

N_ACTIONS = 300
WINDOW = 60  # timed moves compared at the start and the end

WATCH_SUMMARY = """
() => new Promise((resolve) => {
  const el = document.querySelector('.sv-summary');
  const before = el.innerText;
  let t0 = null;
  document.addEventListener('keydown', () => { t0 = performance.now(); }, {once: true, capture: true});
  const obs = new MutationObserver(() => {
    if (t0 !== null && el.innerText !== before) { obs.disconnect(); resolve(performance.now() - t0); }
  });
  obs.observe(el, {childList: true, subtree: true, characterData: true});
  setTimeout(() => { obs.disconnect(); resolve(-1); }, 10000);
})
"""


def _kernels(kernel_id: str = "") -> dict[int, float]:
    """Resident memory [MB] of every ipykernel process (whose connection file names ``kernel_id``), by pid."""
    import glob

    out = {}
    for status in glob.glob("/proc/[0-9]*/status"):
        pid = int(status.split("/")[2])
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
                if b"ipykernel" not in cmd or kernel_id.encode() not in cmd:
                    continue
            with open(status) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        out[pid] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return out


def _tab(page, title: str) -> None:
    page.locator(".lm-TabBar-tab").filter(has_text=title).first.click()


def test_soak_random_changes(dash):
    rng = random.Random(20261122)
    p = dash()
    page = p.page
    for css in EXPLORER_FIGS:
        p.wait_for_data(css)
    # The page's kernel may have started before the page (Voila's preheated pool): find it by the id
    # in the page's websocket URL, which its connection file's name carries.
    ours = list(_kernels(p.kernel_id()))
    assert len(ours) == 1, "could not tell this page's kernel apart"
    kernel = ours[0]

    # warm-up: build every tab once, run one fit
    laws = range(6)  # the first six entries of the law picker
    _tab(page, "Compare laws")
    p.wait_for_data(".sv-fig-compare-opt")
    _tab(page, "Plan a run")
    page.wait_for_selector(".sv-plan-report .sv-badge", timeout=60_000)
    _tab(page, "Fit your runs")
    page.get_by_text("Synthetic example", exact=True).click()
    page.locator(".sv-fit-load").click()
    page.locator(".sv-fit-nboot input").fill("0")
    page.locator(".sv-fit-nboot input").press("Enter")
    page.locator(".sv-fit-run").click()
    page.wait_for_function("() => document.querySelector('.sv-fit-results').innerText.includes('converged')",
                           timeout=60_000)
    _tab(page, "Explorer")
    # ... and visit every law the soak picks once: each law's parameter samples and frontier curves
    # are drawn once and cached (bounded), which is not growth
    for i in range(len(laws)):
        page.locator(".sv-law select").select_option(index=i)
        time.sleep(0.6)
    time.sleep(1.0)

    plan_values = {"N": ["7B", "70B", "1.3B", "abc", "400M"], "D": ["1.4T", "300B", "2T", "-1", "20B"],
                   "mfu": ["0.4", "0.55", "1.5", "0.3"], "lr": ["3e-4", "1e-3", "", "2e-4"]}
    lat: list[float] = []
    state = {"tab": "Explorer"}

    def act(record: bool) -> None:
        tab = state["tab"]
        r = rng.random()
        if r < 0.6:  # Explorer slider move, timed
            if tab != "Explorer":
                _tab(page, "Explorer")
                tab = "Explorer"
            name = rng.choice(["N", "N", "D", "B", "S"])
            handle = page.locator(f".sv-{name} .noUi-handle")
            handle.focus()
            page.evaluate(f"() => {{ window.__svL = null; ({WATCH_SUMMARY})().then(v => {{ window.__svL = v; }}); }}")
            handle.press(rng.choice(["ArrowRight", "ArrowLeft", "PageUp", "PageDown"]))
            page.wait_for_function("() => window.__svL !== null", timeout=15_000)
            v = page.evaluate("window.__svL")
            if v >= 0 and record:  # -1: the move hit a slider end and changed nothing
                lat.append(v)
        elif r < 0.7:  # Explorer: law, typed entry (some bad), toggles
            if tab != "Explorer":
                _tab(page, "Explorer")
                tab = "Explorer"
            k = rng.random()
            if k < 0.4:
                page.locator(".sv-law select").select_option(index=rng.randrange(len(laws)))
            elif k < 0.8:
                p.type_into(f".sv-{rng.choice(['N', 'D', 'B'])}", rng.choice(["7B", "1.4T", "2e19", "abc", "0", "4M"]))
            else:
                page.locator(".sv-x-axis button").nth(rng.randrange(2)).click()
            time.sleep(0.15)
        elif r < 0.8:  # Compare
            if tab != "Compare laws":
                _tab(page, "Compare laws")
                tab = "Compare laws"
            h = page.locator(".sv-compare-C .noUi-handle")
            h.focus()
            h.press(rng.choice(["ArrowRight", "ArrowLeft"]))
            time.sleep(0.15)
        elif r < 0.95:  # Plan form, bad values included
            if tab != "Plan a run":
                _tab(page, "Plan a run")
                tab = "Plan a run"
            field = rng.choice(list(plan_values))
            box = page.locator(f".sv-plan-{field} input")
            box.fill(rng.choice(plan_values[field]))
            box.press("Tab")
            time.sleep(0.15)
        else:  # Fit again, without bootstrap
            if tab != "Fit your runs":
                _tab(page, "Fit your runs")
                tab = "Fit your runs"
            page.locator(".sv-fit-run").click()
            time.sleep(0.6)
        state["tab"] = tab

    # Warm-up, not measured: WINDOW actions of the same mix (caches and the allocator's pools fill).
    for _ in range(WINDOW):
        act(False)
    time.sleep(1.0)
    rss0 = _kernels()[kernel]
    t_start = time.time()
    for _ in range(N_ACTIONS):
        act(True)
    elapsed = time.time() - t_start
    time.sleep(2.0)
    rss1 = _kernels()[kernel]
    body = page.inner_text("body")
    assert "Traceback" not in body
    assert p.own_errors() == []
    first, last = lat[:WINDOW], lat[-WINDOW:]
    assert len(lat) >= 2 * WINDOW, len(lat)
    p95 = lambda xs: statistics.quantiles(xs, n=20)[18]  # noqa: E731
    growth = rss1 - rss0
    print(f"\nSOAK: {N_ACTIONS} actions in {elapsed:.0f} s; {len(lat)} timed Explorer moves; "
          f"p50 first/last {WINDOW} {statistics.median(first):.0f}/{statistics.median(last):.0f} ms, "
          f"p95 first/last {WINDOW} {p95(first):.0f}/{p95(last):.0f} ms; kernel RSS {rss0:.0f} -> {rss1:.0f} MB "
          f"({growth:+.1f} MB)")
    assert growth <= 20, f"kernel RSS grew {growth:.1f} MB"
    assert statistics.median(last) <= 1.2 * statistics.median(first), (statistics.median(first),
                                                                       statistics.median(last))
    assert p95(last) <= 1.5 * p95(first), (p95(first), p95(last))


def _tree(root: int) -> dict[int, tuple[float, bool]]:
    from servers import process_tree  # tests/ is on the path (conftest.py)

    return process_tree(root)


N_PAGES = 4


def _drawn(page, url: str, timeout: float = 90_000) -> bool:
    """Open the page; whether its first figure drew within ``timeout`` ms."""
    page.goto(url, wait_until="commit")
    try:
        page.wait_for_selector(".sv-fig-trajectory.js-plotly-plot", timeout=timeout)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError
        return False
    return True


def test_closing_a_page_shuts_its_kernel_down_and_memory_returns(sv_browser, dashboard_url):
    # Each page open started a kernel that closing the page never freed (the close request was refused
    # for want of the _xsrf cookie), so memory came back only with the 300 s idle cull (issue 23).
    from conftest import SERVER

    root = SERVER["proc"].pid

    def settle(most_kernels: int, timeout: float = 60) -> dict[int, tuple[float, bool]]:
        end = time.time() + timeout
        while True:
            tree = _tree(root)
            if sum(k for _, k in tree.values()) <= most_kernels or time.time() > end:
                return tree
            time.sleep(1)

    # Baseline: the preheated pool's one waiting kernel, after one page has come and gone.
    undrawn = 0
    for _ in range(2):
        ctx = sv_browser.new_context()
        page = ctx.new_page()
        undrawn += not _drawn(page, dashboard_url)
        page.close(run_before_unload=True)
        ctx.close()
        time.sleep(10)  # the pool refills 8 s after a page takes its kernel
    base = settle(1)
    base_mb = sum(r for r, _ in base.values())
    assert sum(k for _, k in base.values()) == 1, base
    peak = 0.0
    t0 = time.time()
    for _ in range(N_PAGES):
        ctx = sv_browser.new_context()
        page = ctx.new_page()
        undrawn += not _drawn(page, dashboard_url)
        peak = max(peak, sum(r for r, _ in _tree(root).values()))
        page.close(run_before_unload=True)
        ctx.close()
    time.sleep(10)  # the pool's refill after the last page
    after = settle(1)
    took = time.time() - t0
    kernels = sum(k for _, k in after.values())
    after_mb = sum(r for r, _ in after.values())
    print(f"\nPAGE CLOSE: {N_PAGES} pages opened and closed in {took:.0f} s; server + kernels {base_mb:.0f} MB before, "
          f"{peak:.0f} MB at most while open, {after_mb:.0f} MB after ({after_mb - base_mb:+.0f} MB); "
          f"{kernels} kernel(s) left (the preheated one); {undrawn} page(s) never drew")
    # A page that never drew (seen about once in 50 page opens, an open bug) may close before it can ask for
    # its kernel's shutdown; its kernel then waits for the idle cull. Such pages are counted and printed.
    assert kernels <= 1 + undrawn, f"{kernels} kernels left after closing {N_PAGES} pages ({undrawn} never drew)"
    assert undrawn <= 1, f"{undrawn} of {N_PAGES + 2} pages never drew"
    assert after_mb - base_mb <= 100, f"memory grew {after_mb - base_mb:.0f} MB over {N_PAGES} closed pages"
