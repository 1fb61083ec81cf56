"""Dashboard benchmark, measured in headless Chromium against a live `scalingviz dashboard`.

Run:  python benchmarks/bench_dashboard.py [--ref DIR] [--first-visits-only] [--no-binder] [--visits N]
      (needs Debian's chromium)

* first visit, fresh browser profile: time from navigation until all five Explorer figures hold
  data, bytes over HTTP (wire) and over the kernel's websocket, requests refused for leaving the
  host, console errors; 3 visits, median (``first_visit.py``). ``--ref DIR`` measures another
  checkout (a `git worktree` of an older commit) in the same run, interleaved, for a before/after;

* slider move -> all five Explorer figures updated: a key press on the N slider's handle, timed
  in the page from the keydown event to the last animation frame in which any figure's markers
  or trace data changed (every figure must change, then nothing for 400 ms); 50 moves, median and
  95th percentile;
* page open -> interactive with a cold kernel: navigation to the first figure holding data, for
  5 fresh page loads (each starts its own kernel);
* kernel memory: resident set size of the dashboard's kernel process after the moves.
"""

from __future__ import annotations

import glob
import os
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

sys.path.insert(0, os.path.dirname(__file__))
from first_visit import first_visit  # noqa: E402
from live import ARGS, binder_server, chromium_or_exit, dashboard  # noqa: E402

N_MOVES = 50
FIGS = [".sv-fig-trajectory", ".sv-fig-overfit", ".sv-fig-frontier", ".sv-fig-landscape", ".sv-fig-bcrit"]

WATCH = """
(figs) => new Promise((resolve) => {
  const els = figs.map(s => document.querySelector(s + '.js-plotly-plot'));
  // A figure's visible state: its moving markers (layout shapes) and a digest of every trace's data.
  // A figure is updated at the last frame in which that state changed; the move is done when every
  // figure has changed and nothing has changed for 400 ms.
  const pick = a => a && a.length ? [a.length, a[0], a[a.length >> 1], a[a.length - 1]] : [];
  const snap = () => els.map(g => JSON.stringify([(g.layout.shapes || []).map(s => [s.xanchor, s.yanchor]),
                                                  g.data.map(t => [pick(t.x), pick(t.y)])]));
  let prev = snap();
  let t0 = null;
  document.addEventListener('keydown', () => { t0 = performance.now(); }, {once: true, capture: true});
  const last = figs.map(() => null);
  const tick = () => {
    const now = snap();
    if (t0 !== null) now.forEach((s, i) => { if (s !== prev[i]) last[i] = performance.now() - t0; });
    prev = now;
    const done = t0 !== null && last.every(x => x !== null) && performance.now() - t0 - Math.max(...last) > 400;
    if (done) { window.__svPer = last; resolve(Math.max(...last)); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  setTimeout(() => resolve(-1), 20000);
})
"""


def kernel_rss_mb() -> list[float]:
    out = []
    for status in glob.glob("/proc/[0-9]*/status"):
        pid = status.split("/")[2]
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
            if "ipykernel_launcher" in cmd:
                for line in open(status):
                    if line.startswith("VmRSS:"):
                        out.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return out


def first_visits(chromium: str, ref: str | None, n: int = 3, binder: bool = True) -> None:
    """The first-visit table: this checkout (and ``ref``), ``n`` fresh-profile visits each, interleaved;
    ``binder``: also the Binder rehearsal's two pages (a second server and its kernels on the same cores)."""
    from contextlib import ExitStack

    standalone = "`scalingviz dashboard`"
    badge = ("the Binder badge's page (prefix configured by binder/postBuild, started by binder/start: "
             "`scalingviz dashboard` behind jupyter-server-proxy, preheated)")
    extension = ("the same Binder server's /voila/render/notebooks/dashboard.ipynb (Voila's server extension, no "
                 "preheated kernel)")
    with ExitStack() as stack, sync_playwright() as p:
        urls = {standalone: stack.enter_context(dashboard())}
        if binder:
            urls[badge] = stack.enter_context(binder_server())
            urls[extension] = urls[badge].split("proxy/")[0] + "voila/render/notebooks/dashboard.ipynb"
        if ref:
            urls[f"reference: `scalingviz dashboard` of {ref}"] = stack.enter_context(dashboard(ref))
        runs = {k: [] for k in urls}
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        for url in urls.values():  # one untimed visit each: the server's first page start-up
            first_visit(b, url)
        for _ in range(n):
            for name, url in urls.items():
                time.sleep(20)  # 20 s apart: the preheated kernel pool (refilled 8 s after a visit) is ready
                runs[name].append(first_visit(b, url))
        b.close()
    print(f"| first visit, fresh profile (median of {n}) | all five figures drawn | HTTP | websocket | total | "
          "requests | refused (other hosts) | console errors | version warnings |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, rs in runs.items():
        med = {k: statistics.median(r[k] for r in rs) for k in ("seconds", "http_bytes", "ws_bytes", "requests")}
        each = ", ".join(f"{r['seconds']:.2f}" for r in rs)
        print(f"| {name} | {med['seconds']:.2f} s ({each}) | {med['http_bytes'] / 1e6:.2f} MB | "
              f"{med['ws_bytes'] / 1e6:.2f} MB | {(med['http_bytes'] + med['ws_bytes']) / 1e6:.2f} MB | "
              f"{med['requests']:.0f} | {max(len(r['refused']) for r in rs)} | "
              f"{max(len(r['console_errors']) for r in rs)} | {max(len(r['version_warnings']) for r in rs)} |")
    print()


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", help="another checkout to measure first visits against (e.g. a git worktree)")
    ap.add_argument("--first-visits-only", action="store_true", help="only the first-visit table")
    ap.add_argument("--no-binder", action="store_true", help="first visits without the Binder rehearsal's pages")
    ap.add_argument("--visits", type=int, default=3, help="fresh-profile visits per page (default 3)")
    args = ap.parse_args()
    chromium = chromium_or_exit()
    first_visits(chromium, args.ref, n=args.visits, binder=not args.no_binder)
    if args.first_visits_only:
        return
    with dashboard() as url, sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=ARGS)
        opens = []
        for _ in range(5):
            ctx = b.new_context(viewport={"width": 1280, "height": 800})
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(url, wait_until="commit")
            page.wait_for_function("() => { const g = document.querySelector('.sv-fig-trajectory.js-plotly-plot');"
                                   " return g && g.data && g.data.some(t => t.x && t.x.length > 10); }",
                                   timeout=120_000)
            opens.append(time.perf_counter() - t0)
            ctx.close()
            time.sleep(1)
        # Tall enough that all five figures are on screen: a figure off screen is not redrawn.
        ctx = b.new_context(viewport={"width": 1280, "height": 1400})
        page = ctx.new_page()
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => document.querySelectorAll('.sv-fig.js-plotly-plot').length >= 5 && "
                               "[...document.querySelectorAll('.sv-fig.js-plotly-plot')].every(g => g.data)",
                               timeout=120_000)
        time.sleep(2)
        handle = page.locator(".sv-N .noUi-handle")
        handle.focus()
        lat, per = [], []
        for i in range(N_MOVES):
            # Start the watcher without awaiting it (evaluate would wait for its promise), then press.
            page.evaluate(f"(figs) => {{ window.__svLat = null; ({WATCH})(figs).then(v => {{ window.__svLat = v; }}); }}",
                          FIGS)
            handle.press("ArrowRight" if (i // 10) % 2 == 0 else "ArrowLeft")
            page.wait_for_function("() => window.__svLat !== null", timeout=30_000)
            lat.append(page.evaluate("window.__svLat"))
            per.append(page.evaluate("window.__svPer"))
            time.sleep(0.15)
        # The schedule section: open it, then move the cooldown slider (three curves of the law per move).
        page.get_by_text("Loss under your learning-rate schedule").first.click()
        page.wait_for_function("() => { const g = document.querySelector('.sv-fig-schedule.js-plotly-plot');"
                               " return g && g.data && g.data[0].x && g.data[0].x.length > 10; }", timeout=120_000)
        time.sleep(2)
        sched = page.locator(".sv-sched-cooldown .noUi-handle")
        sched.focus()
        sched_lat = []
        for i in range(N_MOVES):
            page.evaluate(f"(figs) => {{ window.__svLat = null; ({WATCH})(figs).then(v => {{ window.__svLat = v; }}); }}",
                          [".sv-fig-schedule"])
            sched.press("ArrowRight" if (i // 10) % 2 == 0 else "ArrowLeft")
            page.wait_for_function("() => window.__svLat !== null", timeout=30_000)
            sched_lat.append(page.evaluate("window.__svLat"))
            time.sleep(0.15)
        rss = kernel_rss_mb()
        b.close()
    ok = [x for x in lat if x >= 0]
    q = statistics.quantiles(ok, n=20)
    print("| what | figure | target |")
    print("|---|---|---|")
    print(f"| slider move to all five Explorer figures updated (n = {len(ok)} of {N_MOVES}) | p50 {statistics.median(ok):.0f} ms, "
          f"p95 {q[18]:.0f} ms (min {min(ok):.0f}, max {max(ok):.0f}) | p50 <= 100 ms, p95 <= 250 ms |")
    print(f"| page open to first figure drawn, cold kernel (n = 5) | median {statistics.median(opens):.1f} s "
          f"(min {min(opens):.1f}, max {max(opens):.1f}) | <= 8 s |")
    per_fig = [statistics.median([row[j] for row in per if row]) for j in range(len(FIGS))]
    print("| median time of each figure's last change | " + ", ".join(f"{f[8:]} {t:.0f} ms" for f, t in zip(FIGS, per_fig, strict=False))
          + " | |")
    ok_s = [x for x in sched_lat if x >= 0]
    qs = statistics.quantiles(ok_s, n=20)
    print(f"| schedule section: cooldown slider move to the figure updated (n = {len(ok_s)} of {N_MOVES}) | "
          f"p50 {statistics.median(ok_s):.0f} ms, p95 {qs[18]:.0f} ms (min {min(ok_s):.0f}, max {max(ok_s):.0f}) | "
          "p50 <= 100 ms |")
    print(f"| kernel memory (RSS) of the {len(rss)} kernel(s) still alive | max {max(rss):.0f} MB | <= 300 MB |")


if __name__ == "__main__":
    main()
