"""Sardana, Portes, Doubov & Frankle 2024, "Beyond Chinchilla-Optimal: Accounting for Inference in
Language Model Scaling Laws" (arXiv:2401.00448): the inference-aware optimum.

A model that will serve ``D_inf`` tokens over its life costs ``6 N D_train`` FLOPs to train and
``2 N D_inf`` to serve (forward passes only). To reach a loss ``L`` at the least total compute,
choose N and D_train to

    minimise  6 N D_train + w * 2 N D_inf   subject to   loss(N, D_train) = L,

with ``w = 1`` for compute, or the ratio of the cost of one inference FLOP to one training FLOP
(price and utilisation) for cost (their Sec. 3). With ``D_inf = 0`` it is the compute-optimal model
for the compute that reaches ``L``. The paper solves it for Chinchilla's law with Newton's method;
here any ``loss(N, D)`` works: ``D_train(N)`` by bisection in ln D on each N of a grid, then the
grid is refined around its minimum. Pure numpy, vectorised over the grid; no constant of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError

__all__ = ["data_for_loss", "inference_optimal", "total_compute"]

#: The N range searched [params] and the grid: 0.05 decade, refined three times by 40x.
N_RANGE = (1e3, 1e16)
_GRID = 261
_REFINE = 41


def data_for_loss(loss: Callable[[NDArray, NDArray], NDArray], N: NDArray, L: float | NDArray) -> NDArray:
    """Training tokens at which ``loss(N, D) = L`` [tokens]; NaN where N cannot reach L at any D
    (``L <= loss(N, inf)``). Bisection in ln D over [1, 1e40], the loss falling with D.

    Parameters
    ----------
    loss : callable
        The law's ``loss(N, D)`` [nats/token], vectorised.
    N : ndarray
        Parameters [params], counted as the law counts them.
    L : float or ndarray
        Target loss [nats/token].

    Examples
    --------
    >>> import numpy as np
    >>> from scalingviz import get_preset
    >>> from scalingviz.laws.sardana2024 import data_for_loss
    >>> law = get_preset('hoffmann2022')
    >>> print(f"{float(data_for_loss(law.loss, np.array([7e9]), 2.0)[0]):.4g}")
    3.392e+12
    """
    N, L = np.broadcast_arrays(np.asarray(N, float), np.asarray(L, float))
    lo, hi = np.zeros(N.shape), np.full(N.shape, math.log(1e40))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ok = (np.asarray(loss(N, np.exp(lo)), float) >= L) & (np.asarray(loss(N, np.exp(hi)), float) < L)
        for _ in range(64):  # 92 nepers / 2^64: exact to rounding
            mid = 0.5 * (lo + hi)
            above = np.asarray(loss(N, np.exp(mid)), float) > L
            lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.where(ok, np.exp(0.5 * (lo + hi)), np.nan)


def total_compute(loss: Callable[[NDArray, NDArray], NDArray], N: ArrayLike, L: ArrayLike, D_inf: ArrayLike,
                  weight: float = 1.0) -> dict[str, NDArray]:
    """For each N: the training tokens reaching L, and the training, inference and total FLOPs
    (``weight`` multiplies the inference FLOPs in ``objective``; ``total`` is unweighted).

    Parameters
    ----------
    loss : callable
        The law's ``loss(N, D)`` [nats/token], vectorised.
    N : array_like
        Parameters [params], counted as the law counts them.
    L : array_like
        Loss [nats/token].
    D_inf : array_like
        Tokens served at inference over the model's life [tokens].
    weight : float, default 1.0
        One inference FLOP priced in training FLOPs (1: least compute).

    Examples
    --------
    >>> from scalingviz import get_preset
    >>> from scalingviz.laws.sardana2024 import total_compute
    >>> out = total_compute(get_preset('hoffmann2022').loss, [3e9, 7e9], 2.0, 1e13)
    >>> [f'{float(x):.3g}' for x in out['total_flop']]
    ['6.86e+23', '2.82e+23']
    """
    N, L, D_inf = np.broadcast_arrays(np.asarray(N, float), np.asarray(L, float), np.asarray(D_inf, float))
    D = data_for_loss(loss, N, L)
    train, inf = 6.0 * N * D, 2.0 * N * D_inf
    return {"N": N, "D": D, "train_flop": train, "inference_flop": inf, "total_flop": train + inf,
            "objective": train + weight * inf}


def inference_optimal(loss: Callable[[NDArray, NDArray], NDArray], L: ArrayLike, D_inf: ArrayLike,
                      weight: float = 1.0) -> dict[str, Any]:
    """The N and D_train reaching loss ``L`` at the least ``6 N D + weight * 2 N D_inf``.

    ``L`` and ``D_inf`` broadcast (one optimum per element). Returns ``N``, ``D``,
    ``tokens_per_param``, ``train_flop``, ``inference_flop``, ``total_flop`` (unweighted) and
    ``objective``, as floats for scalar input, else arrays; NaN where no N in :data:`N_RANGE`
    reaches L.

    Parameters
    ----------
    loss : callable
        The law's ``loss(N, D)`` [nats/token], vectorised.
    L : array_like
        Loss [nats/token].
    D_inf : array_like
        Tokens served at inference over the model's life [tokens].
    weight : float, default 1.0
        One inference FLOP priced in training FLOPs (1: least compute).

    Examples
    --------
    >>> from scalingviz import get_preset
    >>> from scalingviz.laws.sardana2024 import inference_optimal
    >>> out = inference_optimal(get_preset('hoffmann2022').loss, 2.0, 1e13)
    >>> print(f"{float(out['N']):.3g} params, {float(out['D']):.3g} tokens")
    6.49e+09 params, 3.89e+12 tokens
    """
    L, D_inf = np.broadcast_arrays(np.asarray(L, float), np.asarray(D_inf, float))
    if not (np.all(np.isfinite(L)) and np.all(D_inf >= 0) and weight > 0):
        raise InputError(f"inference_optimal: L={L!r}, D_inf={D_inf!r}, weight={weight!r}; expected finite "
                         "losses, D_inf >= 0 and weight > 0")
    shape = L.shape
    lo, hi = math.log10(N_RANGE[0]), math.log10(N_RANGE[1])
    grid = np.broadcast_to(np.linspace(lo, hi, _GRID), (*shape, _GRID))
    Lg, Dg = L[..., None], D_inf[..., None]
    for _ in range(4):
        t = total_compute(loss, 10.0 ** grid, Lg, Dg, weight)
        obj = np.where(np.isfinite(t["objective"]), t["objective"], np.inf)
        i = np.argmin(obj, axis=-1)[..., None]
        step = grid[..., 1:2] - grid[..., 0:1]
        centre = np.take_along_axis(grid, i, axis=-1)
        grid = centre + step * np.linspace(-1.0, 1.0, _REFINE)
    found = np.isfinite(np.take_along_axis(obj, i, axis=-1))[..., 0]
    best = {k: np.where(found, np.take_along_axis(np.broadcast_to(v, obj.shape), i, axis=-1)[..., 0], np.nan)
            for k, v in t.items()}
    best["tokens_per_param"] = best["D"] / best["N"]
    return {k: (float(v) if v.ndim == 0 else v) for k, v in best.items()}
