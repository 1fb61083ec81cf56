"""Bounded cost for big inputs (issue 23): a fit of 1e4 to 1e6 runs, and a curve fit of two long logs.

Run:  python benchmarks/bench_big_inputs.py [--ref PATH]   (PATH: another checkout, e.g. a `git worktree` of
an older commit, measured in the same run for a before/after)

Each case runs in its own process, so its peak memory (max RSS, including Python, numpy and scipy, about
100 MB) is its own. Wall-clock seconds; one run per case (the fits are seconds to minutes long).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIT = """
import resource, time, numpy as np
from scalingviz import fit, get_preset
n = {n}
law = get_preset("hoffmann2022"); rng = np.random.default_rng(0)
N, D = 10 ** rng.uniform(7, 10, n), 10 ** rng.uniform(9, 12, n)
L = np.asarray(law.loss(N, D)) * (1 + 0.01 * rng.standard_normal(n))
t = time.perf_counter(); r = fit.fit_law({{"N": N, "D": D, "loss": L}}, "chinchilla")
print(f"{{time.perf_counter() - t:.1f}} s, {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}} MB, {{r.status}}")
"""

CURVE = """
import resource, time, numpy as np
from scalingviz import fit, get_preset
from scalingviz.schedules import Schedule
n = {n}
law = get_preset("luo2025-100m"); rng = np.random.default_rng(0)
curves = {{}}
for kind, kw in (("cosine", {{}}), ("wsd", {{"cooldown": 0.2}})):
    lr = Schedule(kind, n + 2200, 3e-4, 2160, 3e-5, **kw).lrs(); step = np.arange(2200, 2200 + n)
    curves[kind] = {{"step": step, "lr": lr, "loss": np.asarray(law.curve(step, lr)) * (1 + 0.002 * rng.standard_normal(n))}}
t = time.perf_counter(); r = fit.fit_curve(curves, law)
print(f"{{time.perf_counter() - t:.1f}} s, {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}} MB, {{r.status}}")
"""

CASES = [("fit_law, 10,000 runs", FIT, 10_000), ("fit_law, 100,000 runs", FIT, 100_000),
         ("fit_law, 1,000,000 runs", FIT, 1_000_000), ("fit_curve, 2 curves x 30,000 logged points", CURVE, 30_000)]


def run(code: str, source: Path, timeout: float = 900) -> str:
    env = {**os.environ, "PYTHONPATH": str(source)}
    try:
        # cwd: `python -c` puts the working directory first on the import path, so run from the checkout measured
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env,
                           cwd=source)
    except subprocess.TimeoutExpired:
        return f"over {timeout:.0f} s (stopped)"
    return r.stdout.strip() or ("failed: " + (r.stderr.strip().splitlines() or ["?"])[-1][:80])


def main() -> None:
    ref = Path(sys.argv[sys.argv.index("--ref") + 1]).resolve() if "--ref" in sys.argv else None
    head = "| case | this checkout |" + (" reference |" if ref else "")
    print(head)
    print("|---|---|" + ("---|" if ref else ""))
    for what, code, n in CASES:
        row = f"| {what} | {run(code.format(n=n), ROOT)} |"
        if ref:  # the old code on 1e6 rows asked for 23 GB and was killed (issue 23): not rerun on a 24 GB machine
            row += f" {run(code.format(n=n), ref) if n < 1_000_000 else 'not run (23 GB in issue 23)'} |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
