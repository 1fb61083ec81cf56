"""Run the Su et al. (2024) procedure on real data and write the `su2024` preset's constants.

Run from the repository root:  python data/make_su2024.py
Reads its data with scalingviz.datasets.load (Zhang et al.'s table is shipped; the open_lm runs are
fetched once from their pinned origin, or read from $SCALINGVIZ_EXTERNAL_DATA). Writes
data/su2024_procedure.json.

Inputs (both C4 validation loss, nats/token):
  step 1: critical_batch_size_zhang2024/steps_to_target_loss.csv -- steps to a target loss vs batch size
          for 5 OLMo-style models (85M-1.2B), seq len 512 (Zhang et al. 2024)
  step 2: misfitting_li2025/scaling_results_last_ckpt_only.csv -- final losses of 261 open_lm runs
          (12M-1B non-embedding) at a fixed batch of 1,048,576 tokens; for each (model, total steps)
          the best peak LR is kept; each run ends a full cosine schedule, so (N, S, loss) traces
          the envelope of compute-efficient stopping points
  step 3: the 1B model is held out; its two final losses and the checkpoints of its 20k-step run
          (best LR) are predicted.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scalingviz import catalog, datasets, fit

HERE = Path(__file__).resolve().parent
B = 1048576.0


def main() -> dict:
    z = datasets.load("critical_batch_size_zhang2024").table()
    runs = datasets.load("misfitting_li2025")
    m = runs.table("scaling_results_last_ckpt_only.csv")
    model, steps = m["model"], m["total_steps"].astype(float)
    loss = m["loss"].astype(float)
    keys = sorted(set(zip(model, steps, strict=True)))
    best = [int(np.flatnonzero((model == k[0]) & (steps == k[1]))[np.argmin(loss[(model == k[0]) & (steps == k[1])])])
            for k in keys]
    N = m["N_no_emb"].astype(float)[best]
    S, L = steps[best], loss[best]
    big = N.max()
    full = runs.table("scaling_results.csv")
    fN, fT = full["N_no_emb"].astype(float), full["total_steps"].astype(float)
    fL, lr = full["loss"].astype(float), full["peak_lr"].astype(float)
    sel = (fN == big) & (fT == fT[fN == big].max())
    best_lr = min(set(lr[sel]), key=lambda x: fL[sel & (lr == x)].min())
    sel &= lr == best_lr
    order = np.argsort(full["current_steps"].astype(float)[sel])
    res = fit.su2024_procedure(
        target_loss=z["target_c4_val_loss"], batch_tokens=z["batch_size_tokens"], steps_to_target=z["steps_to_target"],
        N=N, S=S, loss=L, B=B, predict_N=big,
        curve_S=full["current_steps"].astype(float)[sel][order], curve_loss=fL[sel][order],
    )
    out = {"command": "python data/make_su2024.py",
           "inputs": {"step1": "critical_batch_size_zhang2024/steps_to_target_loss.csv (hlzhang109/critical-batch-size @ c5b509d)",
                      "step2": "misfitting_li2025/scaling_results_last_ckpt_only.csv (hadasah/scaling_laws @ 1f3708c), "
                               "best peak LR per (model, total_steps), N = N_no_emb",
                      "step3": f"held-out model N = {big:g}; curve: its {int(fT[sel][0])}-step run at peak LR {best_lr:g}"},
           **res.to_dict()}
    (HERE / "su2024_procedure.json").write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    with catalog.data_or_exit("make_su2024.py"):
        o = main()
    print(json.dumps({k: o[k] for k in ("constants",)}, indent=1))
    print({k: (v["median_abs_pct_error"], v["max_abs_pct_error"]) for k, v in o["step3_prediction"].items()
           if isinstance(v, dict)})
