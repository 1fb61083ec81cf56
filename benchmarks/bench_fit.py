"""Fit-speed benchmark (fitting issue): our Epoch fit vs Hoffmann's 4,500-start grid, and the bootstrap.

Run:  python benchmarks/bench_fit.py      (needs ../shared/data or $SCALINGVIZ_EXTERNAL_DATA)

The reference is the procedure the issue names: L-BFGS-B with an analytic gradient started from
each point of Hoffmann's grid (alpha, beta in {0, 0.5, ..., 2}, e in {-1, -0.5, ..., 1},
a, b in {0, 5, ..., 25}), on the summed Huber loss (delta = 1e-3), best objective kept.
Both run in the same process, one after the other; times are medians of repeats.
"""

from __future__ import annotations

import itertools
import resource
import statistics
import sys
import time

import _shared  # noqa: F401  (../shared/data as $SCALINGVIZ_EXTERNAL_DATA when present)
import numpy as np
from scipy.optimize import minimize

from scalingviz import datasets, fit
from scalingviz.laws import hoffmann2022


def load():
    try:
        runs = datasets.load("epoch_chinchilla").runs()
    except datasets.DataUnavailable as exc:
        sys.exit(f"benchmark skipped: {exc}")
    keep = np.zeros(len(runs), bool)
    keep[np.argsort(runs.loss)[:-5]] = True
    return runs.subset(keep)


def reference_grid(runs):
    # Hoffmann's parametrisation theta = (a, b, e, alpha, beta) with A, B, E = exp(a), exp(b), exp(e), the loss
    # and its gradient from the law module (scalingviz.laws.hoffmann2022), chained to d ln L / d theta.
    N, D, lnL = runs.N, runs.D, np.log(runs.loss)

    def fun(th):  # unscaled summed Huber, as in Epoch's notebook
        a, b, e, al, be = th
        c = dict(E=np.exp(e), A=np.exp(a), B=np.exp(b), alpha=al, beta=be)
        L = hoffmann2022.loss(N, D, **c)
        g = hoffmann2022.loss_gradient(N, D, **c)
        J = np.stack([g["A"] * c["A"], g["B"] * c["B"], g["E"] * c["E"], g["alpha"], g["beta"]], axis=1) / L[:, None]
        r = np.log(L) - lnL
        return fit.huber_objective(r), J.T @ np.clip(r, -1e-3, 1e-3)

    best = (np.inf, None)
    grid = itertools.product(np.arange(0, 26, 5.0), np.arange(0, 26, 5.0), np.arange(-1, 1.01, 0.5),
                             np.arange(0, 2.01, 0.5), np.arange(0, 2.01, 0.5))
    n = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for a, b, e, al, be in grid:
            n += 1
            res = minimize(fun, np.array([a, b, e, al, be]), jac=True, method="L-BFGS-B")
            if np.isfinite(res.fun) and res.fun < best[0]:
                best = (res.fun, res.x)
    a, b, e, al, be = best[1]
    return best[0], {"A": np.exp(a), "B": np.exp(b), "E": np.exp(e), "alpha": al, "beta": be}, n


def timed(fn, repeats):
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def main():
    runs = load()
    ours, t_ours = timed(lambda: fit.fit_law(runs, "chinchilla"), 7)
    (ref_obj, ref_params, n_starts), t_ref = timed(lambda: reference_grid(runs), 1)
    print("| procedure | starts | objective (sum Huber) | A | B | E | alpha | beta | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, starts, obj, p, t in (("scalingviz fit_law", ours.n_starts, ours.objective, ours.params, t_ours),
                                    ("Hoffmann 4,500-start grid + L-BFGS-B", n_starts, ref_obj, ref_params, t_ref)):
        print(f"| {name} | {starts} | {obj:.10e} | {p['A']:.2f} | {p['B']:.1f} | {p['E']:.4f} | {p['alpha']:.4f} | "
              f"{p['beta']:.4f} | {t:.2f} s |")
    print(f"\nSpeed-up: {t_ref / t_ours:.0f}x; objective difference (ours - reference): {ours.objective - ref_obj:.2e}")

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    bs, t_bs = timed(lambda: fit.bootstrap(runs, "chinchilla", n=1000, seed=0, fit=ours), 3)
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\nBootstrap, 1,000 resamples of the 240 points: median {t_bs:.2f} s over 3 runs, {bs.n_failed} failed refits; "
          f"peak RSS of this process {rss1 / 1024:.0f} MB (grew {max(rss1 - rss0, 0) / 1024:.0f} MB during the bootstrap)")
    print("95% CIs: " + ", ".join(f"{k} [{lo:.4g}, {hi:.4g}]" for k, (lo, hi) in bs.ci.items()))
    bs2, t_bs2 = timed(lambda: fit.bootstrap(runs, "chinchilla", n=1000, seed=0, fit=ours, n_jobs=2), 3)
    assert np.array_equal(bs.samples, bs2.samples)
    print(f"Same bootstrap with n_jobs=2 (spawned workers, identical samples): median {t_bs2:.2f} s, "
          f"{t_bs / t_bs2:.2f}x the single-process speed")


if __name__ == "__main__":
    main()
