"""Curve-law benchmark (schedule issue): evaluating the Multi-Power Law, fitting it, and the what-ifs.

Run:  python benchmarks/bench_curves.py

Medians of repeats in one run. "cold" evaluates a schedule the law has not seen (a slider move
builds a new schedule); "cached" re-evaluates one (a fit evaluates the same curves many times).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from scalingviz import advice, datasets, fit
from scalingviz.laws import luo2025
from scalingviz.presets import get_preset
from scalingviz.schedules import Schedule


def median_ms(fn, repeats: int = 9) -> float:
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ts)


def _without_schedule_gradient(law):
    """The same law with no schedule gradient, so the optimiser falls back to finite differences."""
    from dataclasses import replace

    from scalingviz.laws.forms import LawForm

    return replace(law, name=f"{law.name}-fd", form=LawForm("multipower-fd", curve=law.form.functions["curve"]))


def main() -> None:
    law = get_preset("luo2025-25m")
    P = dict(law.values)
    sched = Schedule("cosine", 72000, 3e-4, 2160, 3e-5)
    lr = sched.lrs()
    q = np.linspace(1, 71999, 500).astype(int)
    rows = [
        ("schedule: 72,000 per-step rates (cosine)", median_ms(sched.lrs), ""),
        ("72,000-step curve at 500 steps, cold", median_ms(lambda: luo2025.Curve(q, lr).evaluate(**P)), "<= 20 ms"),
        ("same, cached (as in a fit)", median_ms(lambda: law.curve(q, lr)), ""),
        ("same, the direct quadratic sum (reference)", median_ms(lambda: luo2025.loss_curve_direct(q, lr, **P), 1), ""),
        ("final loss of one 24,000-step WSD schedule", median_ms(
            lambda: advice.final_loss(law, Schedule("wsd", 24000, 3e-4, 2160, 3e-5, cooldown=0.2))), ""),
        ("best WSD cooldown, 24,000 steps", median_ms(lambda: advice.best_cooldown(law, 24000), 3), ""),
        ("optimised schedule, 24,000 steps, 32 knots (the law's schedule gradient)",
         median_ms(lambda: advice.optimal_schedule(law, 24000), 5), ""),
        ("same, by finite differences over the knots (before issue 19)",
         median_ms(lambda: advice.optimal_schedule(_without_schedule_gradient(law), 24000), 1), ""),
        ("schedule-advice, 24,000 steps: table, best cooldown, optimised schedule, intervals",
         median_ms(lambda: advice.schedule_advice(law, 24000), 5), "<= 1 s"),
    ]
    for size in ("25M", "100M"):
        c = datasets.multipower_curves(size)
        train = {k: c[k] for k in datasets.MULTIPOWER_FIT_SET}
        rows.append((f"fit_curve, {size}, the paper's three fit curves", median_ms(lambda t=train: fit.fit_curve(t), 3),
                     "<= 10 s"))
    print("| what | median | target |")
    print("|---|---|---|")
    for what, ms, target in rows:
        print(f"| {what} | {ms / 1000:.2f} s |" if ms >= 1000 else f"| {what} | {ms:.1f} ms |", target, "|")


if __name__ == "__main__":
    main()
