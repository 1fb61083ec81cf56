"""Synthetic runs with known true constants, for the Fit tab, the course and the tests.

Run:  python data/make_synthetic.py     (writes data/synthetic_*.csv and data/synthetic_truth.json)

Each file samples a law on a grid of model sizes and token counts (IsoFLOP-like, as a sweep
would), multiplies the loss by log-normal noise of 0.5% (about the seed-to-seed spread), and is
written with the truth it came from. The constants are round numbers near the published ones;
they are made up for teaching and are not anyone's measurement.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scalingviz.laws import get_form

HERE = Path(__file__).resolve().parent
NOISE = 0.005  # relative, log-normal
SEED = 20261122

TRUTH = {
    "synthetic_chinchilla": {
        "form": "chinchilla", "law": "hoffmann2022",
        "params": {"E": 1.8, "A": 450.0, "B": 2000.0, "alpha": 0.34, "beta": 0.36},
        "what": "L = E + A/N^alpha + B/D^beta on 9 compute budgets x 7 model sizes",
    },
    "synthetic_kaplan": {
        "form": "kaplan_nd", "law": "kaplan2020",
        "params": {"N_c": 6e13, "D_c": 2e13, "alpha_N": 0.076, "alpha_D": 0.1},
        "what": "Kaplan L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D on the same grid",
    },
}


def loss(form: str, p: dict, N, D):
    """The form's own loss function (scalingviz.laws), so the data and the fitter share one formula."""
    return get_form(form).functions["loss"](N, D, **p)


def grid():
    """IsoFLOP-style sweep: 7 model sizes around the Chinchilla optimum of each of 9 budgets."""
    rows = []
    for C in np.logspace(18, 22, 9):
        n_opt = np.sqrt(C / 120)
        for N in n_opt * np.logspace(-0.75, 0.75, 7):
            rows.append((float(f"{N:.3g}"), float(f"{C / (6 * float(f'{N:.3g}')):.4g}")))
    return np.array(rows)


def main() -> dict:
    rng = np.random.default_rng(SEED)
    ND = grid()
    for name, t in TRUTH.items():
        L = loss(t["form"], t["params"], ND[:, 0], ND[:, 1]) * np.exp(rng.normal(0, NOISE, len(ND)))
        lines = ["N,D,loss"] + [f"{n:.6g},{d:.6g},{loss_:.5f}" for (n, d), loss_ in zip(ND, L, strict=True)]
        (HERE / f"{name}.csv").write_text("\n".join(lines) + "\n")
    out = {name: dict(t, noise=NOISE, seed=SEED, n_runs=len(ND)) for name, t in TRUTH.items()}
    (HERE / "synthetic_truth.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    main()
