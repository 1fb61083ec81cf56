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

from .forms import LawForm, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out
from .hoffmann2022 import G

__all__ = ["FORM", "effective_data", "effective_params", "loss"]


def _decay(unique: NDArray, repeats: NDArray, r_star: float) -> NDArray:
    return unique * (1.0 - r_star * np.expm1(-repeats / r_star))


def effective_data(D: ArrayLike, U: ArrayLike, *, R_D_star: float) -> float | NDArray:
    """Effective data D' [tokens] of D tokens drawn from U unique tokens.

    Parameters
    ----------
    D : array_like
        Training tokens [tokens].
    U : array_like
        Unique tokens available [tokens].
    R_D_star : float
        The law's constants, as in preset ``muennighoff2023``.

    Examples
    --------
    >>> from scalingviz.laws.muennighoff2023 import effective_data
    >>> k = dict(R_D_star=15.387756)
    >>> print(f"{float(effective_data(2e10, 1e10, **k)):.4g}")
    1.968e+10
    """
    D, U = np.broadcast_arrays(_f(D), _f(U))
    U_D = np.minimum(U, D)
    return _out(_decay(U_D, _repeats(D, U_D), R_D_star))


def _repeats(total: NDArray, unique: NDArray) -> NDArray:
    # max(total/unique - 1, 0), with no repetition where both are infinite.
    ratio = np.divide(total, unique, out=np.ones_like(total), where=np.isfinite(total) | np.isfinite(unique))
    return np.maximum(ratio - 1.0, 0.0)


def _n_for_data(D: NDArray, *, A: float, B: float, alpha: float, beta: float) -> NDArray:
    # README's D_to_N: the Chinchilla-optimal N for D tokens, (D G)^(beta/alpha) G (Hoffmann Eq. 4's G).
    g = G(A=A, B=B, alpha=alpha, beta=beta)
    return (D * g) ** (beta / alpha) * g


def effective_params(N: ArrayLike, U: ArrayLike, *, A: float, B: float, alpha: float, beta: float, R_N_star: float) -> float | NDArray:
    """Effective parameters N' [params]: parameters beyond N_opt(U) decay in value.

    Parameters
    ----------
    N : array_like
        Parameters [params], counted as the law counts them.
    U : array_like
        Unique tokens available [tokens].
    A, B, alpha, beta, R_N_star : float
        The law's constants, as in preset ``muennighoff2023``.

    Examples
    --------
    >>> from scalingviz.laws.muennighoff2023 import effective_params
    >>> k = dict(A=520.8249516599187, B=1487.716093782861, alpha=0.3526596, beta=0.3526596,
    ...          R_N_star=5.309743)
    >>> print(f"{float(effective_params(1e9, 1e10, **k)):.4g}")
    9.582e+08
    """
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

    Examples
    --------
    >>> from scalingviz.laws.muennighoff2023 import loss
    >>> k = dict(E=1.8691436784054858, A=520.8249516599187, B=1487.716093782861, alpha=0.3526596,
    ...          beta=0.3526596, R_D_star=15.387756, R_N_star=5.309743)
    >>> print(f"{float(loss(1e9, 2e10, **k)):.4g}")
    2.565
    """
    U = D if U is None else U
    Np = _f(effective_params(N, U, A=A, B=B, alpha=alpha, beta=beta, R_N_star=R_N_star))
    Dp = _f(effective_data(D, U, R_D_star=R_D_star))
    return _out(E + A / Np**alpha + B / Dp**beta)


#: The data-constrained law. Its compute-optimal allocation (with or without a unique-token limit
#: U) has no closed form and comes from the generic minimisation in :mod:`.forms`, as the
#: datablations README searches a grid of N.
FORM = register_form(LawForm(
    "datablations",
    formula="L = E + A/N'^alpha + B/D'^beta, D' = U + U R_D* (1 - exp(-R_D/R_D*)), N' likewise",
    loss=loss,
    linear=("alpha", "beta"),
    # exponents kept away from 0: U_N = N_opt(U) divides by alpha (a fit reaching alpha = 0 divided by zero)
    bounds={"alpha": (1e-2, 3.0), "beta": (1e-2, 3.0)},
))
