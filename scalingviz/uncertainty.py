"""Uncertainty of the published laws, and prediction bands for any law at any inputs.

Where each preset's uncertainty comes from:

* ``besiroglu2024``: 1,000 parameter samples from this project's own bootstrap of Epoch's
  240 digitised Chinchilla runs (``data/besiroglu2024_bootstrap.csv``; regenerate with
  ``python data/make_uncertainty.py``);
* ``li2025``: a multivariate normal with the mean and covariance of Step Law's 1,000 released
  bootstrap fits (``data/li2025_bootstrap_moments.json``);
* ``kaplan2020`` publishes no uncertainty. Its "band" is the spread between the paper's own
  alternative constants (``kaplan2020`` vs ``kaplan2020-alt``), labelled as exactly that;
* every other preset: none (the band is the point value).

:func:`prediction_band` evaluates any function of a preset over its samples and returns
percentiles.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .presets import PRESETS, Preset, get_preset

__all__ = ["UNCERTAINTY_SOURCES", "parameter_samples", "prediction_band"]

DATA = Path(__file__).resolve().parents[1] / "data"

UNCERTAINTY_SOURCES = {
    "besiroglu2024": "bootstrap of Epoch's 240 points (1,000 refits, this project; data/besiroglu2024_bootstrap.csv)",
    "li2025": "normal fit to Step Law's 1,000 released bootstrap fits (data/li2025_bootstrap_moments.json)",
    "kaplan2020": "spread between the paper's alternative constants (kaplan2020 vs kaplan2020-alt), not a statistical interval",
}


@cache
def _besiroglu_samples() -> NDArray:
    path = DATA / "besiroglu2024_bootstrap.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; regenerate it with `python data/make_uncertainty.py`")
    return np.loadtxt(path, delimiter=",", skiprows=1)


@cache
def _li_moments() -> dict[str, Any]:
    return json.loads((DATA / "li2025_bootstrap_moments.json").read_text())


def parameter_samples(preset: str | Preset, n: int = 1000, seed: int = 0) -> list[Preset]:
    """Presets whose constants are draws from the named preset's uncertainty.

    Returns ``[preset]`` alone for a preset without published or computed uncertainty, and
    the two published variants for ``kaplan2020``. Draws for the registered presets are cached.
    """
    p = get_preset(preset)
    if PRESETS.get(p.name) is p and not p.modified:
        return list(_cached_samples(p.name, n, seed))
    return _draw(p, n, seed)


@cache
def _cached_samples(name: str, n: int, seed: int) -> tuple[Preset, ...]:
    return tuple(_draw(PRESETS[name], n, seed))


def _draw(p: Preset, n: int, seed: int) -> list[Preset]:
    if p.name == "besiroglu2024":
        S = _besiroglu_samples()
        names = ("E", "A", "B", "alpha", "beta")
        return [_with_values(p, dict(zip(names, row, strict=True))) for row in S[:n]]
    if p.name == "li2025":
        m = _li_moments()
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(m["mean"], m["cov"], size=n)
        out = []
        for d in draws:
            v = dict(zip(m["names"], d, strict=True))
            out.append(_with_values(p, {"lr_coef": float(np.exp(v["lr_intercept"])), "lr_exp_N": v["lr_coefN"],
                                        "lr_exp_D": v["lr_coefD"], "bs_coef": float(np.exp(v["bs_intercept"])),
                                        "bs_exp_D": v["bs_coefD"]}))
        return out
    if p.name == "kaplan2020":
        return [p, PRESETS["kaplan2020-alt"]]
    return [p]


def _with_values(p: Preset, values: dict[str, float]) -> Preset:
    # Internal draws keep the preset's name: they are samples of it, not user modifications.
    from dataclasses import replace

    from .presets import Param

    params = {k: (Param(float(values[k]), prm.unit, "uncertainty sample") if k in values else prm)
              for k, prm in p.params.items()}
    return replace(p, params=params)


def prediction_band(
    preset: str | Preset, fn: Callable[[Preset], Any], *, level: float = 0.95, n: int = 400, seed: int = 0
) -> dict[str, Any]:
    """Percentile band of ``fn(preset)`` over the preset's parameter samples.

    Parameters
    ----------
    preset : str or Preset
    fn : callable
        Maps a preset to an array, e.g. ``lambda p: p.loss(N, D)``.
    level : float
        Central probability of the band (0.95 gives the 2.5th and 97.5th percentiles). For
        ``kaplan2020`` the band is the min and max over its two published constant sets.
    n : int
        Number of parameter samples (400 by default: percentile bands of 95% are stable to
        about 1% of their width with 400 draws).

    Returns
    -------
    dict
        ``value`` (the preset's own prediction), ``low``, ``high`` and ``source``.
    """
    if not 0 < level < 1:
        raise ValueError(f"level: {level!r} is out of range; expected a probability in (0, 1), e.g. 0.95")
    p = get_preset(preset)
    value = np.asarray(fn(p), dtype=float)
    samples = parameter_samples(p, n=n, seed=seed)
    if len(samples) == 1:
        return {"value": value, "low": value, "high": value, "source": "no published uncertainty"}
    vals = np.stack([np.asarray(fn(s), dtype=float) for s in samples])
    if p.name == "kaplan2020":
        low, high = np.nanmin(vals, axis=0), np.nanmax(vals, axis=0)
    else:
        q = 50 * (1 - level)
        low, high = np.nanpercentile(vals, [q, 100 - q], axis=0)
    return {"value": value, "low": low, "high": high, "source": UNCERTAINTY_SOURCES[p.name]}
