"""Muennighoff et al. 2023, "Scaling Data-Constrained Language Models" (arXiv:2305.16264).

A Chinchilla-form law in which repeated data and excess parameters decay in value:

.. math::

    L(N, D, U) = E + \\frac{A}{N'^{\\alpha}} + \\frac{B}{D'^{\\beta}},\\quad
    D' = U_D + U_D R_D^* (1 - e^{-R_D/R_D^*}),\\quad N' = U_N + U_N R_N^* (1 - e^{-R_N/R_N^*})

with U_D = U unique tokens, R_D = max(D/U - 1, 0) repetitions after the first epoch,
U_N = min(N, N_opt(U)) the compute-optimal size for U tokens, and R_N = max(N/U_N - 1, 0)
(README "Parametric Fit" of huggingface/datablations). With no repetition (U >= D) and
N <= N_opt(U), it reduces to the Chinchilla form with the paper's constants.

Units: N [params, total], D and U [tokens], C [FLOP], L [nats/token on C4].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["effective_data", "effective_params", "loss", "optimal_allocation"]


def _f(x: ArrayLike) -> NDArray:
    return np.asarray(x, dtype=float)


def _out(x: NDArray) -> float | NDArray:
    return float(x) if np.ndim(x) == 0 else x


def _decay(unique: NDArray, repeats: NDArray, r_star: float) -> NDArray:
    return unique * (1.0 - r_star * np.expm1(-repeats / r_star))


def effective_data(D: ArrayLike, U: ArrayLike, *, R_D_star: float) -> float | NDArray:
    """Effective data D' [tokens] of D tokens drawn from U unique tokens."""
    D, U = np.broadcast_arrays(_f(D), _f(U))
    U_D = np.minimum(U, D)
    return _out(_decay(U_D, _repeats(D, U_D), R_D_star))


def _repeats(total: NDArray, unique: NDArray) -> NDArray:
    # max(total/unique - 1, 0), with no repetition where both are infinite.
    ratio = np.divide(total, unique, out=np.ones_like(total), where=np.isfinite(total) | np.isfinite(unique))
    return np.maximum(ratio - 1.0, 0.0)


def _n_for_data(D: NDArray, *, A: float, B: float, alpha: float, beta: float) -> NDArray:
    # README's D_to_N: the Chinchilla-optimal N for D tokens, (D G)^(beta/alpha) G,
    # with G = (alpha A / (beta B))^(1/(alpha+beta)).
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    return (D * G) ** (beta / alpha) * G


def effective_params(N: ArrayLike, U: ArrayLike, *, A: float, B: float, alpha: float, beta: float, R_N_star: float) -> float | NDArray:
    """Effective parameters N' [params]: parameters beyond N_opt(U) decay in value."""
    N, U = np.broadcast_arrays(_f(N), _f(U))
    U_N = np.minimum(N, _n_for_data(U, A=A, B=B, alpha=alpha, beta=beta))
    return _out(_decay(U_N, _repeats(N, U_N), R_N_star))


def loss(
    N: ArrayLike,
    D: ArrayLike,
    U: ArrayLike | None = None,
    *,
    E: float,
    A: float,
    B: float,
    alpha: float,
    beta: float,
    R_D_star: float,
    R_N_star: float,
) -> float | NDArray:
    """Loss with repeated data, ``E + A/N'^alpha + B/D'^beta`` [nats/token].

    Parameters
    ----------
    N : array_like
        Parameters [params, total].
    D : array_like
        Tokens trained on, repetitions included [tokens].
    U : array_like, optional
        Unique tokens available [tokens]; defaults to D (one epoch, no repetition).
    """
    U = D if U is None else U
    Np = _f(effective_params(N, U, A=A, B=B, alpha=alpha, beta=beta, R_N_star=R_N_star))
    Dp = _f(effective_data(D, U, R_D_star=R_D_star))
    return _out(E + A / Np**alpha + B / Dp**beta)


def optimal_allocation(
    C: ArrayLike,
    U: ArrayLike,
    *,
    E: float,
    A: float,
    B: float,
    alpha: float,
    beta: float,
    R_D_star: float,
    R_N_star: float,
    n_grid: int = 1201,
) -> dict[str, float | NDArray]:
    """Loss-minimising (N, D) for compute C [FLOP] with U unique tokens available, ``C = 6 N D``.

    No closed form exists, so this searches a log-spaced grid of N spanning six decades
    around the Chinchilla optimum (vectorised over C and U) and refines the best point with
    a parabola through its neighbours in log N. The datablations README searches a 500-point
    grid the same way.

    Returns
    -------
    dict
        ``N_opt`` [params], ``D_opt`` [tokens], ``loss`` [nats/token], ``epochs`` = D / min(U, D) (1 when data is not repeated).
    """
    C, U = np.broadcast_arrays(_f(C), _f(U))
    kw = dict(E=E, A=A, B=B, alpha=alpha, beta=beta, R_D_star=R_D_star, R_N_star=R_N_star)
    G = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))
    n0 = np.log(G * (C / 6.0) ** (beta / (alpha + beta)))
    t = np.linspace(-3.0, 3.0, n_grid) * np.log(10.0)
    logN = n0[..., None] + t
    N = np.exp(logN)
    Lg = _f(loss(N, C[..., None] / (6.0 * N), U[..., None], **kw))
    i = np.clip(np.argmin(Lg, axis=-1), 1, n_grid - 2)
    take = lambda arr, j: np.take_along_axis(arr, j[..., None], axis=-1)[..., 0]  # noqa: E731
    y0, y1, y2 = take(Lg, i - 1), take(Lg, i), take(Lg, i + 1)
    h = t[1] - t[0]
    denom = y0 - 2 * y1 + y2
    shift = np.where(denom > 0, 0.5 * (y0 - y2) / np.where(denom > 0, denom, 1.0), 0.0)
    logN_best = take(logN, i) + np.clip(shift, -1, 1) * h
    N_best = np.exp(logN_best)
    D_best = C / (6.0 * N_best)
    L_best = _f(loss(N_best, D_best, U, **kw))
    return {"N_opt": _out(N_best), "D_opt": _out(D_best), "loss": _out(L_best), "epochs": _out(D_best / np.minimum(U, D_best))}
