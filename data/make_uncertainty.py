"""Regenerate the uncertainty files for the published presets.

Run from the repository root:  python data/make_uncertainty.py
Reads Epoch's points and Step Law's bootstrap fits with scalingviz.datasets.load (fetched once from
their pinned origin, or from $SCALINGVIZ_EXTERNAL_DATA); writes
  data/besiroglu2024_bootstrap.csv      1,000 bootstrap refits of Epoch's 240 points (seed 0)
  data/li2025_bootstrap_moments.json    mean and covariance of Step Law's 1,000 released bootstrap fits
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scalingviz import catalog, datasets, fit

HERE = Path(__file__).resolve().parent


def besiroglu() -> None:
    runs = datasets.load("epoch_chinchilla").runs()
    keep = np.zeros(len(runs), bool)
    keep[np.argsort(runs.loss)[:-5]] = True  # Epoch drop the 5 highest-loss runs
    runs = runs.subset(keep)
    bs = fit.bootstrap(runs, "chinchilla", n=1000, seed=0)
    header = ",".join(bs.params)
    np.savetxt(HERE / "besiroglu2024_bootstrap.csv", bs.samples, delimiter=",", header=header, comments="",
               fmt="%.10g")


def li2025() -> None:
    t = datasets.load("steplaw").table("1004_fitted_lr_bs_scaling_model_parameters.csv")
    names = ["lr_intercept", "lr_coefN", "lr_coefD", "bs_intercept", "bs_coefD"]
    X = np.stack([t[k].astype(float) for k in names], axis=1)
    out = {"source": "step-law/steplaw @ 32a8f4cc, data/1004_fitted_lr_bs_scaling_model_parameters.csv (1,000 bootstrap fits)",
           "command": "python data/make_uncertainty.py", "names": names, "n": int(X.shape[0]),
           "mean": X.mean(axis=0).tolist(), "cov": np.cov(X, rowvar=False).tolist()}
    (HERE / "li2025_bootstrap_moments.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    with catalog.data_or_exit("make_uncertainty.py"):
        besiroglu()
        li2025()
