"""Variable projection side by side (issue 22): scalingviz's Chinchilla-form fit vs Open-Athena's ``vpnls``.

Run:  python benchmarks/bench_vpnls.py
      (needs ``vpnls`` installed: ``pip install "vpnls[scipy]"`` from PyPI, or from its source at
      Open-Athena/vpnls; and ../shared/data or $SCALINGVIZ_EXTERNAL_DATA for the fetched data sets)

Both fit L = E + A/N^alpha + B/D^beta to the same runs on the same objective: Huber loss (delta = 1e-3)
of the loss residual on the linear scale, the objective vpnls minimises and reports (arXiv:2603.22339).
vpnls runs as its README shows it (N in millions, D in billions, a 0.01 grid in the exponents, its own
bounds); scalingviz runs ``fit.fit_law(runs, "chinchilla", space="linear", delta=1e-3)`` (its 24 x 24 grid
in the exponents with a non-negative least-squares solve of E, A, B in each cell, then L-BFGS-B). Each fit's
constants are scored by one function here (mean Huber x 1e6, as vpnls's README tabulates it). Times are the
first call and the median of 5 more, in the same process, one data set after the other.
"""

from __future__ import annotations

import statistics
import sys
import time

import _shared  # noqa: F401  (../shared/data as $SCALINGVIZ_EXTERNAL_DATA when present)
import numpy as np

from scalingviz import datasets, fit
from scalingviz.laws import hoffmann2022

DELTA = 1e-3
#: every data set with a runs table over (N, D) or (N, C) and one loss per run
SETS = ("epoch_chinchilla", "misfitting_li2025", "marin_isoflops", "gemstones", "datablations_fit_muennighoff2023")


def mean_huber(r: np.ndarray, delta: float = DELTA) -> float:
    a = np.abs(r)
    return float(np.mean(np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))))


def timed(fn, repeats=5):
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return out, first, statistics.median(times)


def main():
    try:
        from vpnls.api import fit_vpnls, huber
    except ImportError:
        sys.exit('benchmark skipped: vpnls is not installed (pip install "vpnls[scipy]")')
    import vpnls

    print(f"vpnls from {vpnls.__file__}\n")
    print("| data set | runs | tool | mean Huber x 1e6 | E | alpha | beta | A (N in M) | B (D in B) | first call | median of 5 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in SETS:
        try:
            ds = datasets.load(name)
            # repeated runs (seeds, as in Li et al.'s last checkpoints) are kept: both tools take every row
            runs = datasets.read_runs(ds.path(ds.spec.runs.file), ds.spec.runs.columns, allow_duplicates=True)
        except datasets.DataUnavailable as exc:
            print(f"| {name} | skipped: {exc} |")
            continue
        N, D, L = runs.N, runs.D, runs.loss
        if name == "datablations_fit_muennighoff2023":  # one epoch only: the form has no repeated-data term
            runs = runs.subset(runs.D <= runs.U * (1 + 1e-9))
            N, D, L = runs.N, runs.D, runs.loss
        rows = []
        ours, t1, tm = timed(lambda runs=runs: fit.fit_law(runs, "chinchilla", space="linear", delta=DELTA))
        p = ours.params
        rows.append(("scalingviz", p["E"], p["alpha"], p["beta"], p["A"] * 1e6 ** -p["alpha"],
                     p["B"] * 1e9 ** -p["beta"], hoffmann2022.loss(N, D, **p), t1, tm))
        for method in ("grid", "scipy"):
            r, t1, tm = timed(lambda m=method, N=N, D=D, L=L: fit_vpnls(N / 1e6, D / 1e9, L, method=m,
                                                                        resolution=0.01, loss=huber(DELTA)))
            pred = r.E + r.A / (N / 1e6) ** r.alpha + r.B / (D / 1e9) ** r.beta
            rows.append((f"vpnls ({method})", r.E, r.alpha, r.beta, r.A, r.B, pred, t1, tm))
        for tool, E, al, be, A, B, pred, t1, tm in rows:
            # A and B in the units vpnls is given (N in millions, D in billions): A_M = A * 1e6^-alpha
            print(f"| {name} | {len(L)} | {tool} | {mean_huber(L - pred) * 1e6:.3f} | {E:.4f} | {al:.4f} | {be:.4f} | "
                  f"{A:.4g} | {B:.4g} | {t1:.3f} s | {tm:.3f} s |")


if __name__ == "__main__":
    main()
