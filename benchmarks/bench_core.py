"""Core speed benchmarks (foundation issue). Prints a Markdown table for BENCHMARKS.md.

Run:  python benchmarks/bench_core.py
Each figure is the median of several repeats measured in the same run; the machines are
noisy, so compare medians and ratios rather than single timings.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import numpy as np


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def subprocess_time(args: list[str], repeats: int) -> float:
    return median_time(lambda: subprocess.run(args, check=True, capture_output=True), repeats)


def main() -> None:
    import scalingviz as sv
    from scalingviz.laws import hoffmann2022

    rows = []
    py = sys.executable
    t_import = subprocess_time([py, "-c", "import scalingviz"], 9)
    t_python = subprocess_time([py, "-c", "pass"], 9)
    rows.append(("`python -c 'import scalingviz'` (whole process)", t_import, 0.3))
    rows.append(("  of which the bare interpreter start", t_python, None))

    law = sv.get_preset("kaplan2020")
    kw = dict(N_c=law["NS_N_c"], alpha_N=law["NS_alpha_N"], S_c=law["S_c"], alpha_S=law["alpha_S"],
              B_star=law["B_star"], alpha_B=law["alpha_B"])
    rng = np.random.default_rng(0)
    N = 10 ** rng.uniform(3, 12, 10**6)
    S = 10 ** rng.uniform(0, 7, 10**6)
    B = 10 ** rng.uniform(3, 8, 10**6)
    t_traj = median_time(lambda: law.trajectory(N, S, B), 5)
    L = law.trajectory(N, S, B)
    rows.append(("L(N,S,B) trajectory, 10^6 random points", t_traj, 0.5))

    p = sv.get_preset("hoffmann2022").values
    Ng = np.logspace(6, 12, 1000)[:, None]
    Dg = np.logspace(8, 14, 1000)[None, :]
    p = dict(p)
    t_grid = median_time(lambda: hoffmann2022.loss(Ng, Dg, **p), 15)
    rows.append(("Chinchilla loss on a 1000x1000 (N, D) grid, broadcast 1000x1 by 1x1000", t_grid, 0.05))
    Nm, Dm = np.meshgrid(Ng.ravel(), Dg.ravel(), indexing="ij")
    t_mesh = median_time(lambda: hoffmann2022.loss(Nm, Dm, **p), 15)
    rows.append(("Chinchilla loss on a 1000x1000 (N, D) grid, full meshgrid arrays", t_mesh, 0.05))

    cli = [
        ["presets", "--json"],
        ["predict", "--law", "kaplan2020", "--N", "1B", "--S", "1e5", "--B", "0.5M", "--json"],
        ["optimal", "--law", "hoffmann2022", "--C", "5.76e23", "--json"],
        ["optimal", "--law", "muennighoff2023", "--C", "1e23", "--U", "1e10", "--json"],
        ["hparams", "--law", "li2025", "--N", "7B", "--D", "1.4T", "--json"],
    ]
    for args in cli:
        t = subprocess_time([py, "-m", "scalingviz.cli", *args], 5)
        rows.append((f"`scalingviz {' '.join(args[:3])}...` end to end", t, 1.0))

    print("| what | median | target | ok |")
    print("|---|---|---|---|")
    for what, t, target in rows:
        tgt = "" if target is None else f"<= {target * 1e3:.0f} ms"
        ok = "" if target is None else ("yes" if t <= target else "**no**")
        print(f"| {what} | {t * 1e3:.1f} ms | {tgt} | {ok} |")
    resid = np.abs(L - ((kw["N_c"] / N) ** kw["alpha_N"] + (kw["S_c"] * (1 + kw["B_star"] / (B * L ** (1 / kw["alpha_B"]))) / S) ** kw["alpha_S"])) / L
    print(f"\nTrajectory accuracy: max relative residual of the implicit equation over the 10^6 points = {resid.max():.1e}")


if __name__ == "__main__":
    main()
