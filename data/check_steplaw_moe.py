"""Step Law's learning-rate and batch laws against the best LR and batch of its own MoE grids.

Run from the repository root:  python data/check_steplaw_moe.py
Reads Step Law's released runs with scalingviz.datasets.load("steplaw") (moe_lr_bs_loss.csv: 708 runs,
16 (model, D) cells, each a grid of 9 peak LRs x 5 batch sizes of 2,048-token sequences; step-law/steplaw
@ 32a8f4c). For each cell it takes the run with the lowest smoothed final loss and compares its LR and
batch [tokens] with the `li2025` preset's eta(N, D) and B(D), once with N = the active parameters (Na)
and once with N = all parameters: the paper fits its laws on dense models, and a MoE's N is ambiguous.
Writes data/steplaw_moe_check.json (the per-cell table and the medians).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scalingviz import catalog, datasets, get_preset

HERE = Path(__file__).resolve().parent


def main() -> dict:
    t = datasets.load("steplaw").table("moe_lr_bs_loss.csv")
    N, Na, D = (t[k].astype(float) for k in ("N", "Na", "D"))
    lr, loss = t["lr"].astype(float), t["smooth loss"].astype(float)
    B = t["bs"].astype(float) * t["seq_len"].astype(float)
    law = get_preset("li2025")
    rows = []
    for key in sorted(set(zip(t["moe_name"], N, Na, D, strict=True)), key=lambda k: (k[2], k[3])):
        cell = (t["moe_name"] == key[0]) & (D == key[3])
        i = np.flatnonzero(cell)[np.argmin(loss[cell])]
        active = law.hparams(N=Na[i], D=D[i])
        total = law.hparams(N=N[i], D=D[i])
        rows.append({"model": str(key[0]), "N_total": N[i], "N_active": Na[i], "D": D[i], "runs": int(cell.sum()),
                     "best_lr": lr[i], "best_batch_tokens": B[i], "best_loss": loss[i],
                     "lr_over_steplaw_active": lr[i] / float(active["lr"]),
                     "lr_over_steplaw_total": lr[i] / float(total["lr"]),
                     "batch_over_steplaw": B[i] / float(active["batch_tokens"])})

    def med_abs_log2(k: str) -> float:
        return float(np.median(np.abs(np.log2([r[k] for r in rows]))))

    out = {"command": "python data/check_steplaw_moe.py",
           "source": "step-law/steplaw @ 32a8f4cc50247695fb56cc6c9117abdf67c97763, data/moe_lr_bs_loss.csv",
           "law": "li2025", "cells": rows,
           "median_abs_log2": {k: med_abs_log2(k) for k in ("lr_over_steplaw_active", "lr_over_steplaw_total",
                                                            "batch_over_steplaw")},
           "median_ratio": {k: float(np.median([r[k] for r in rows])) for k in
                            ("lr_over_steplaw_active", "lr_over_steplaw_total", "batch_over_steplaw")}}
    (HERE / "steplaw_moe_check.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    with catalog.data_or_exit("check_steplaw_moe.py"):
        res = main()
    print("| model | N active / total | D | best LR | / Step Law (N active) | / Step Law (N total) | best batch "
          "[tokens] | / Step Law |")
    print("|---|---|---|---|---|---|---|---|")
    for r in res["cells"]:
        print(f"| {r['model']} | {r['N_active']:.3g} / {r['N_total']:.3g} | {r['D']:.0e} | {r['best_lr']:.3g} | "
              f"{r['lr_over_steplaw_active']:.2f} | {r['lr_over_steplaw_total']:.2f} | {r['best_batch_tokens']:.3g} | "
              f"{r['batch_over_steplaw']:.2f} |")
    print(f"\nmedian ratio: {res['median_ratio']}\nmedian |log2 ratio|: {res['median_abs_log2']}")
