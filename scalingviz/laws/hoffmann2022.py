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

from .forms import LawForm, OptimalMethod, nnls_scales, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = [
    "FORM",
    "D_opt",
    "G",
    "N_opt",
    "compute_for_loss",
    "exponents",
    "loss",
    "loss_gradient",
    "loss_optimal",
]


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
    """Frontier exponents ``(a, b) = (beta/(alpha+beta), alpha/(alpha+beta))`` of Eq. 4; a + b = 1.

    Parameters
    ----------
    alpha, beta : float
        The law's constants, as in preset ``hoffmann2022``.

    Examples
    --------
    >>> from scalingviz.laws.hoffmann2022 import exponents
    >>> k = dict(alpha=0.34, beta=0.28)
    >>> [round(x, 4) for x in exponents(**k)]
    [0.4516, 0.5484]
    """
    return beta / (alpha + beta), alpha / (alpha + beta)


def G(*, A: float, B: float, alpha: float, beta: float) -> float:
    """``G = (alpha A / (beta B))^(1/(alpha+beta))`` of Eq. 4 [params^(...)].

    Parameters
    ----------
    A, B, alpha, beta : float
        The law's constants, as in preset ``hoffmann2022``.

    Examples
    --------
    >>> from scalingviz.laws.hoffmann2022 import G
    >>> k = dict(A=406.4, B=410.7, alpha=0.34, beta=0.28)
    >>> print(f"{float(G(**k)):.4g}")
    1.345
    """
    return (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))


def N_opt(C: ArrayLike, *, A: float, B: float, alpha: float, beta: float, E: float | None = None) -> float | NDArray:
    """Compute-optimal parameters ``N_opt(C) = G (C/6)^a`` [params, total] (Eq. 4), C [FLOP].

    Parameters
    ----------
    C : array_like
        Compute [FLOP].
    A, B, alpha, beta, E : float
        The law's constants, as in preset ``hoffmann2022``.

    Examples
    --------
    >>> from scalingviz.laws.hoffmann2022 import N_opt
    >>> k = dict(A=406.4, B=410.7, alpha=0.34, beta=0.28, E=1.69)
    >>> print(f"{float(N_opt(1e21, **k)):.4g}")
    1.824e+09
    """
    a, _ = exponents(alpha=alpha, beta=beta)
    return _out(G(A=A, B=B, alpha=alpha, beta=beta) * (_f(C) / 6.0) ** a)


def D_opt(C: ArrayLike, *, A: float, B: float, alpha: float, beta: float, E: float | None = None) -> float | NDArray:
    """Compute-optimal tokens ``D_opt(C) = G^-1 (C/6)^b`` [tokens] (Eq. 4); ``6 N_opt D_opt = C``.

    Parameters
    ----------
    C : array_like
        Compute [FLOP].
    A, B, alpha, beta, E : float
        The law's constants, as in preset ``hoffmann2022``.

    Examples
    --------
    >>> from scalingviz.laws.hoffmann2022 import D_opt
    >>> k = dict(A=406.4, B=410.7, alpha=0.34, beta=0.28, E=1.69)
    >>> print(f"{float(D_opt(1e21, **k)):.4g}")
    9.136e+10
    """
    _, b = exponents(alpha=alpha, beta=beta)
    return _out((_f(C) / 6.0) ** b / G(A=A, B=B, alpha=alpha, beta=beta))


def _frontier_coefficient(A: float, B: float, alpha: float, beta: float) -> tuple[float, float]:
    # On the frontier, A/N_opt^alpha + B/D_opt^beta = K (C/6)^(-gamma), gamma = alpha beta/(alpha+beta).
    g = G(A=A, B=B, alpha=alpha, beta=beta)
    return A * g ** (-alpha) + B * g**beta, alpha * beta / (alpha + beta)


def loss_optimal(C: ArrayLike, *, E: float, A: float, B: float, alpha: float, beta: float) -> float | NDArray:
    """Loss on the compute-optimal frontier, ``L(N_opt(C), D_opt(C)) = E + K (C/6)^-gamma``.

    ``gamma = alpha beta / (alpha + beta)`` and ``K = A G^-alpha + B G^beta``; C [FLOP].

    Parameters
    ----------
    C : array_like
        Compute [FLOP].
    E, A, B, alpha, beta : float
        The law's constants, as in preset ``hoffmann2022``.

    Examples
    --------
    >>> from scalingviz.laws.hoffmann2022 import loss_optimal
    >>> k = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
    >>> print(f"{float(loss_optimal(1e21, **k)):.4g}")
    2.329
    """
    K, gamma = _frontier_coefficient(A, B, alpha, beta)
    return _out(E + K * (_f(C) / 6.0) ** (-gamma))


def compute_for_loss(L: ArrayLike, *, E: float, A: float, B: float, alpha: float, beta: float) -> float | NDArray:
    """Smallest compute [FLOP] that reaches loss L, the exact inverse of :func:`loss_optimal`.

    ``C = 6 ((L - E) / K)^(-1/gamma)``; infinite for L <= E (the irreducible loss).

    Parameters
    ----------
    L : array_like
        Loss [nats/token].
    E, A, B, alpha, beta : float
        The law's constants, as in preset ``hoffmann2022``.

    Examples
    --------
    >>> from scalingviz.laws.hoffmann2022 import compute_for_loss
    >>> k = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
    >>> print(f"{float(compute_for_loss(2.5, **k)):.4g}")
    2.132e+20
    """
    K, gamma = _frontier_coefficient(A, B, alpha, beta)
    gap = _f(L) - E
    with np.errstate(divide="ignore", invalid="ignore"):
        C = 6.0 * (gap / K) ** (-1.0 / gamma)
    return _out(np.where(gap > 0, C, np.where(np.isnan(gap), np.nan, np.inf)))


def loss_gradient(N: ArrayLike, D: ArrayLike, *, E: float, A: float, B: float, alpha: float, beta: float) -> dict:
    """Partial derivatives of :func:`loss` with respect to each constant (for fitting).

    Parameters
    ----------
    N : array_like
        Parameters [params, total].
    D : array_like
        Training tokens [tokens].
    E, A, B, alpha, beta : float
        The law's constants, as in preset ``hoffmann2022``.

    Examples
    --------
    >>> from scalingviz.laws.hoffmann2022 import loss_gradient
    >>> k = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
    >>> out = loss_gradient(1e9, 2e10, **k)
    >>> sorted(out)[:4]
    ['A', 'B', 'E', 'alpha']
    """
    tN, tD = A / _f(N) ** alpha, B / _f(D) ** beta
    one = np.ones(np.broadcast_shapes(tN.shape, tD.shape))
    return {"E": one, "A": tN / A * one, "B": tD / B * one, "alpha": -tN * np.log(_f(N)) * one,
            "beta": -tD * np.log(_f(D)) * one}


def _compute_optimal(C: ArrayLike, *, E: float, A: float, B: float, alpha: float, beta: float) -> dict:
    kw = dict(A=A, B=B, alpha=alpha, beta=beta)
    return {"N_opt": N_opt(C, **kw), "D_opt": D_opt(C, **kw), "loss": loss_optimal(C, E=E, **kw)}


def fit_starts(X: dict, L: NDArray) -> list[dict]:
    """Candidate starts for a fit: a 24 x 24 grid of (alpha, beta), with E, A, B solved exactly by
    non-negative least squares at each point (the scales enter linearly)."""
    N, D = X["N"], X["D"]
    cands = []
    grid = np.linspace(0.05, 1.2, 24)
    for al in grid:
        xn = N**-al
        for be in grid:
            c = nnls_scales([np.ones_like(L), xn, D**-be], L)
            if c is None:
                continue
            E, A, B = np.maximum(c, [1e-3 * L.min(), 1e-8, 1e-8])
            cands.append({"E": E, "A": A, "B": B, "alpha": al, "beta": be})
    return cands


#: Chinchilla's parametric form (Approach 3); also Besiroglu et al.'s.
FORM = register_form(LawForm(
    "chinchilla",
    formula="L = E + A/N^alpha + B/D^beta",
    loss=loss,
    compute_optimal={"closed_form": OptimalMethod(_compute_optimal, "closed form, Hoffmann et al. Eq. 4 with C = 6ND",
                                                  label="Eq. 4 closed form")},
    compute_for_loss=compute_for_loss,
    gradient={"loss": loss_gradient},
    linear=("alpha", "beta"),
    bounds={"E": (0.0, None), "alpha": (0.0, 3.0), "beta": (0.0, 3.0)},
    starts=fit_starts,
))
