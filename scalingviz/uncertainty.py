"""Uncertainty of the published laws, and prediction bands for any law at any inputs.

Each preset says where its uncertainty comes from in its ``uncertainty`` field
(:class:`~scalingviz.presets.Uncertainty`); nothing here knows which law it is:

* ``samples``: parameter draws in a CSV under ``data/`` (besiroglu2024: this project's bootstrap
  of Epoch's 240 digitised runs; regenerate with ``python data/make_uncertainty.py``);
* ``normal``: draws from a multivariate normal whose mean and covariance are in a JSON under
  ``data/`` (li2025: the moments of Step Law's 1,000 released bootstrap fits);
* ``alternatives``: the paper's own alternative constants (kaplan2020 publishes no uncertainty;
  its "band" is the spread between its two constant sets, labelled as exactly that);
* none: the band is the point value (every modified or fitted preset without a bootstrap).

:func:`prediction_band` evaluates any function of a preset over its samples and returns the
band by the preset's own rule: percentiles for draws, min and max for alternative constants.
It is the one band function the Explorer, the Plan tab, the CLI and the plan check use.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, as_number
from .presets import PRESETS, Param, Preset, get_preset

__all__ = ["parameter_samples", "prediction_band"]

DATA = Path(__file__).resolve().parents[1] / "data"


@cache
def _read(file: str) -> Any:
    path = DATA / file
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; regenerate it with `python data/make_uncertainty.py`")
    if path.suffix == ".json":
        return json.loads(path.read_text())
    with path.open() as fh:
        header = fh.readline().strip().split(",")
    return header, np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)


#: Most constant draws one band may ask for (each is a preset evaluated by the caller).
MAX_SAMPLES = 100_000


def parameter_samples(preset: str | Preset, n: int = 1000, seed: int = 0) -> list[Preset]:
    """Presets whose constants are draws from the preset's uncertainty.

    Returns ``[preset]`` alone for a preset without uncertainty, and the two published constant
    sets for ``alternatives``. Draws for the registered, unmodified presets are cached.
    """
    p = get_preset(preset)
    n = int(as_number("n", n, 1, MAX_SAMPLES, what=" samples"))
    seed = int(as_number("seed", seed, 0, 2**32 - 1))
    if PRESETS.get(p.name) is p and not p.modified:
        return list(_cached_samples(p.name, n, seed))
    return _draw(p, n, seed)


@cache
def _cached_samples(name: str, n: int, seed: int) -> tuple[Preset, ...]:
    return tuple(_draw(PRESETS[name], n, seed))


def _draw(p: Preset, n: int, seed: int) -> list[Preset]:
    u = p.uncertainty
    if u is None:
        return [p]
    if u.kind == "alternatives":
        return [p, p.with_alternatives(p.name, p.title)]
    if u.kind == "samples":
        header, rows = _read(u.file)
        names = [u.names.get(h, h) for h in header]
        draws = rows[:n]
    else:  # normal
        m = _read(u.file)
        names = [u.names.get(h, h) for h in m["names"]]
        draws = np.random.default_rng(seed).multivariate_normal(m["mean"], m["cov"], size=n)
    out = []
    for row in draws:
        v = {k: float(np.exp(x)) if k in u.log else float(x) for k, x in zip(names, row, strict=True)}
        out.append(_with_values(p, v))
    return out


def _with_values(p: Preset, values: dict[str, float]) -> Preset:
    # Internal draws keep the preset's name: they are samples of it, not user modifications.
    params = {k: (Param(values[k], prm.unit, "uncertainty sample") if k in values else prm)
              for k, prm in p.params.items()}
    return replace(p, params=params)


def prediction_band(
    preset: str | Preset, fn: Callable[[Preset], Any], *, level: float = 0.95, n: int = 400, seed: int = 0
) -> dict[str, Any]:
    """Band of ``fn(preset)`` over the preset's parameter samples.

    Parameters
    ----------
    preset : str or Preset
    fn : callable
        Maps a preset to an array, e.g. ``lambda p: p.loss(N, D)``.
    level : float
        Central probability of a percentile band (0.95 gives the 2.5th and 97.5th percentiles).
        A band over alternative constants is their min and max whatever the level.
    n : int
        Number of parameter samples (400 by default: percentile bands of 95% are stable to
        about 1% of their width with 400 draws).

    Returns
    -------
    dict
        ``value`` (the preset's own prediction), ``low``, ``high``, ``source`` and ``label``
        (``"95%"`` or ``"alt. constants"``, for a legend).
    """
    if not 0 < level < 1:
        raise InputError(f"level: {level!r} is out of range; expected a probability in (0, 1), e.g. 0.95")
    p = get_preset(preset)
    value = np.asarray(fn(p), dtype=float)
    samples = parameter_samples(p, n=n, seed=seed)
    if len(samples) == 1:
        return {"value": value, "low": value, "high": value, "source": "no published uncertainty", "label": None}
    vals = np.stack([np.asarray(fn(s), dtype=float) for s in samples])
    if p.uncertainty.band_rule == "min-max":
        low, high, label = np.nanmin(vals, axis=0), np.nanmax(vals, axis=0), "alt. constants"
    else:
        q = 50 * (1 - level)
        # np.percentile is vectorised; nanpercentile works column by column (20x slower on a 200 x 150 band)
        pct = np.nanpercentile if np.isnan(vals).any() else np.percentile
        low, high = pct(vals, [q, 100 - q], axis=0)
        label = f"{100 * level:g}%"
    return {"value": value, "low": low, "high": high, "source": p.uncertainty.source, "label": label}
