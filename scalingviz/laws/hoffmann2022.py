"""Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models" (arXiv:2203.15556).

The Chinchilla parametric loss (Approach 3) and its closed-form compute-optimal frontier
under ``C = 6 N D``. The same form, with other constants, is Besiroglu et al. 2024's
replication and the base of Muennighoff et al. 2023.

Units: N [params, **total**, embeddings included (Appendix F)], D [tokens], C [FLOP],
L [nats/token on MassiveText]. Scalars in give floats out; arrays broadcast.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "D_opt",
    "G",
    "N_opt",
    "compute_for_loss",
    "exponents",
    "loss",
    "loss_optimal",
]


def _f(x: ArrayLike) -> NDArray:
    return np.asarray(x, dtype=float)


def _out(x: NDArray) -> float | NDArray:
    return float(x) if np.ndim(x) == 0 else x


def loss(N: ArrayLike, D: ArrayLike, *, E: float, A: float, B: float, alpha: float, beta: float) -> float | NDArray:
    """Chinchilla loss ``L(N, D) = E + A / N^alpha + B / D^beta``.

    Parameters
    ----------
    N : array_like
        Parameters [params, total].
    D : array_like
        Training tokens [tokens]; ``np.inf`` gives the converged loss ``E + A/N^alpha``.
    E, A, B, alpha, beta : float
        Irreducible loss [nats/token], scales and exponents (Eq. 2 / Eq. 10).

    Returns
    -------
    float or ndarray
        L [nats/token].

    Examples
    --------
    >>> round(loss(70e9, 1.4e12, E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28), 4)
    1.9366
    """
    return _out(E + A / _f(N) ** alpha + B / _f(D) ** beta)


def exponents(*, alpha: float, beta: float) -> tuple[float, float]:
    """Frontier exponents ``(a, b) = (beta/(alpha+beta), alpha/(alpha+beta))`` of Eq. 4; a + b = 1."""
    return beta / (alpha + beta), alpha / (alpha + beta)


def G(*, A: float, B: float, alpha: float, beta: float) -> float:
    """``G = (alpha A / (beta B))^(1/(alpha+beta))`` of Eq. 4 [params^(...)]."""
    return (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))


def N_opt(C: ArrayLike, *, A: float, B: float, alpha: float, beta: float, E: float | None = None) -> float | NDArray:
    """Compute-optimal parameters ``N_opt(C) = G (C/6)^a`` [params, total] (Eq. 4), C [FLOP]."""
    a, _ = exponents(alpha=alpha, beta=beta)
    return _out(G(A=A, B=B, alpha=alpha, beta=beta) * (_f(C) / 6.0) ** a)


def D_opt(C: ArrayLike, *, A: float, B: float, alpha: float, beta: float, E: float | None = None) -> float | NDArray:
    """Compute-optimal tokens ``D_opt(C) = G^-1 (C/6)^b`` [tokens] (Eq. 4); ``6 N_opt D_opt = C``."""
    _, b = exponents(alpha=alpha, beta=beta)
    return _out((_f(C) / 6.0) ** b / G(A=A, B=B, alpha=alpha, beta=beta))


def _frontier_coefficient(A: float, B: float, alpha: float, beta: float) -> tuple[float, float]:
    # On the frontier, A/N_opt^alpha + B/D_opt^beta = K (C/6)^(-gamma), gamma = alpha beta/(alpha+beta).
    g = G(A=A, B=B, alpha=alpha, beta=beta)
    return A * g ** (-alpha) + B * g**beta, alpha * beta / (alpha + beta)


def loss_optimal(C: ArrayLike, *, E: float, A: float, B: float, alpha: float, beta: float) -> float | NDArray:
    """Loss on the compute-optimal frontier, ``L(N_opt(C), D_opt(C)) = E + K (C/6)^-gamma``.

    ``gamma = alpha beta / (alpha + beta)`` and ``K = A G^-alpha + B G^beta``; C [FLOP].
    """
    K, gamma = _frontier_coefficient(A, B, alpha, beta)
    return _out(E + K * (_f(C) / 6.0) ** (-gamma))


def compute_for_loss(L: ArrayLike, *, E: float, A: float, B: float, alpha: float, beta: float) -> float | NDArray:
    """Smallest compute [FLOP] that reaches loss L, the exact inverse of :func:`loss_optimal`.

    ``C = 6 ((L - E) / K)^(-1/gamma)``; infinite for L <= E (the irreducible loss).
    """
    K, gamma = _frontier_coefficient(A, B, alpha, beta)
    gap = _f(L) - E
    with np.errstate(divide="ignore", invalid="ignore"):
        C = 6.0 * (gap / K) ** (-1.0 / gamma)
    return _out(np.where(gap > 0, C, np.where(np.isnan(gap), np.nan, np.inf)))
