"""Kaplan et al. 2020, Sections 5-6 and Appendices B and D: the critical batch size and the
steps, tokens and compute it trades (Eq. 5.1-5.5), the learning-rate rule (Eq. D.1), the
compute-efficient allocation (Table 6), the compute to reach a loss, and the cost of a model
off the efficient size (Eq. B.17).

:mod:`scalingviz.laws.kaplan2020` re-exports every function here; the conventions are its own:
L [nats/token], N non-embedding [params], B and D [tokens], S [steps], compute arguments [FLOP].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..units import PF_DAY
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = [
    "B_crit",
    "C_min",
    "E_min",
    "S_min",
    "compute_efficient_table6",
    "compute_for_loss",
    "excess_compute_ratio",
    "excess_steps_ratio",
    "learning_rate",
]


def B_crit(L: ArrayLike, *, B_star: float, alpha_B: float) -> float | NDArray:
    """Critical batch size at loss L.

    Parameters
    ----------
    L : array_like
        Loss [nats/token].
    B_star : float
        Scale [tokens]. alpha_B : float. Exponent [-].

    Returns
    -------
    float or ndarray
        B_crit [tokens].

    Notes
    -----
    Eq. 1.4 / 5.3: ``B_crit(L) = B_* / L^(1/alpha_B)``.

    Examples
    --------
    >>> round(B_crit(3.0, B_star=2e8, alpha_B=0.21) / 1e6, 3)   # formulas.md Sec. 8
    1.069
    """
    return _out(B_star / _f(L) ** (1.0 / alpha_B))


def S_min(S: ArrayLike, B: ArrayLike, L: ArrayLike, *, B_star: float, alpha_B: float) -> float | NDArray:
    """Minimum steps (at B >> B_crit) equivalent to S steps taken at batch B [tokens].

    Parameters
    ----------
    S : array_like
        Optimizer steps taken.
    B : array_like
        Batch size [tokens].
    L : array_like
        Loss [nats/token].
    B_star, alpha_B : float
        The law's constants, as in preset ``kaplan2020``.

    Notes
    -----
    Eq. 5.4: ``S_min = S / (1 + B_crit(L) / B)``.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import S_min
    >>> k = dict(B_star=2.1e+08, alpha_B=0.21)
    >>> print(f"{float(S_min(1e5, 2**20, 2.5, **k)):.4g}")
    2.816e+04
    """
    return _out(_f(S) / (1.0 + _f(B_crit(L, B_star=B_star, alpha_B=alpha_B)) / _f(B)))


def E_min(E: ArrayLike, B: ArrayLike, L: ArrayLike, *, B_star: float, alpha_B: float) -> float | NDArray:
    """Minimum tokens (at B << B_crit) equivalent to E = B S tokens processed at batch B.

    Parameters
    ----------
    E : array_like
        Tokens processed, E = B S [tokens].
    B : array_like
        Batch size [tokens].
    L : array_like
        Loss [nats/token].
    B_star, alpha_B : float
        The law's constants, as in preset ``kaplan2020``.

    Notes
    -----
    ``E_min = E / (1 + B / B_crit(L))``. Not printed in the paper; it follows exactly from
    Eq. 5.1, 5.2 and E = B S, and equals C_min / (6 N).

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import E_min
    >>> k = dict(B_star=2.1e+08, alpha_B=0.21)
    >>> print(f"{float(E_min(1e11, 2**20, 2.5, **k)):.4g}")
    7.184e+10
    """
    return _out(_f(E) / (1.0 + _f(B) / _f(B_crit(L, B_star=B_star, alpha_B=alpha_B))))


def C_min(C: ArrayLike, B: ArrayLike, L: ArrayLike, *, B_star: float, alpha_B: float) -> float | NDArray:
    """Minimum compute (at B << B_crit) equivalent to compute C spent at batch B [tokens].

    Parameters
    ----------
    C : array_like
        Compute [FLOP].
    B : array_like
        Batch size [tokens].
    L : array_like
        Loss [nats/token].
    B_star, alpha_B : float
        The law's constants, as in preset ``kaplan2020``.

    Notes
    -----
    Eq. 5.5: ``C_min = C / (1 + B / B_crit(L))``; C and C_min in the same unit.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import C_min
    >>> k = dict(B_star=2.1e+08, alpha_B=0.21)
    >>> print(f"{float(C_min(1e21, 2**20, 2.5, **k)):.4g}")
    7.184e+20
    """
    return _out(_f(C) / (1.0 + _f(B) / _f(B_crit(L, B_star=B_star, alpha_B=alpha_B))))


def learning_rate(N: ArrayLike, *, lr_intercept: float, lr_slope: float) -> float | NDArray:
    """Kaplan's rule-of-thumb learning rate, Appendix D.6 Eq. D.1.

    ``LR(N) ~ lr_intercept - lr_slope ln(N)`` (0.003239 and 0.0001395 in the paper),
    N [params, non-embedding]. The paper warns it breaks down above N ~ 1e10, where it
    approaches zero and then turns negative; such values are returned as NaN.

    Parameters
    ----------
    N : array_like
        Non-embedding parameters [params].
    lr_intercept, lr_slope : float
        The law's constants, as in preset ``kaplan2020``.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import learning_rate
    >>> k = dict(lr_intercept=0.003239, lr_slope=0.0001395)
    >>> print(f"{float(learning_rate(1e9, **k)):.4g}")
    0.0003481
    """
    lr = lr_intercept - lr_slope * np.log(_f(N))
    return _out(np.where(lr > 0, lr, np.nan))


def compute_efficient_table6(
    C_min: ArrayLike,
    *,
    N_e: float,
    p_N: float,
    B_e: float,
    p_B: float,
    S_e: float,
    p_S: float,
    D_e: float,
    p_D: float,
) -> dict[str, float | NDArray]:
    """Compute-efficient N, B, S and D from the empirical fits of Table 6.

    Parameters
    ----------
    C_min : array_like
        Minimum compute [FLOP] (converted to PF-days, the unit of the fits).

    Returns
    -------
    dict
        ``N_opt`` [params, non-embedding], ``B_opt`` [tokens], ``S_opt`` [steps, a lower
        bound on S_min] and ``D_opt`` [tokens, one epoch].

    Notes
    -----
    Table 6: ``N_opt = N_e C_min^p_N``, ``B = B_e C_min^p_B``, ``S_min = S_e C_min^p_S``,
    ``D_opt = D_e C_min^p_D`` with C_min in PF-days. These are separate fits; ``B S`` is not
    exactly ``D``.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import compute_efficient_table6
    >>> k = dict(N_e=1.3e+09, p_N=0.73, B_e=2e+06, p_B=0.24, S_e=5400, p_S=0.03, D_e=2e+10, p_D=0.27)
    >>> out = compute_efficient_table6(1e21, **k)
    >>> sorted(out)[:4]
    ['B_opt', 'D_opt', 'N_opt', 'S_opt']
    """
    c = _f(C_min) / PF_DAY
    return {
        "N_opt": _out(N_e * c**p_N),
        "B_opt": _out(B_e * c**p_B),
        "S_opt": _out(S_e * c**p_S),
        "D_opt": _out(D_e * c**p_D),
    }


def compute_for_loss(
    N: ArrayLike, L: ArrayLike, *, N_c: float, alpha_N: float, S_c: float, alpha_S: float, B_star: float, alpha_B: float
) -> float | NDArray:
    """Compute [FLOP] for an N-parameter model to reach loss L at the critical batch size.

    Parameters
    ----------
    N : array_like
        Non-embedding parameters [params].
    L : array_like
        Loss [nats/token].
    N_c, alpha_N, S_c, alpha_S, B_star, alpha_B : float
        The law's constants, as in preset ``kaplan2020``.

    Notes
    -----
    Eq. B.15: ``C(N, L) = 6 B_* S_c N / L^(1/alpha_B) (L - (N_c/N)^alpha_N)^(-1/alpha_S)``.
    Infinite where L is at or below the model's converged loss.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import compute_for_loss
    >>> k = dict(N_c=8.8e+13, alpha_N=0.076, S_c=2100, alpha_S=0.76, B_star=2.1e+08, alpha_B=0.21)
    >>> print(f"{float(compute_for_loss(1e9, 2.5, **k)):.4g}")
    5.234e+20
    """
    N, L = _f(N), _f(L)
    gap = L - (N_c / N) ** alpha_N
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 6.0 * B_star * S_c * N / L ** (1.0 / alpha_B) * gap ** (-1.0 / alpha_S)
    return _out(np.where(gap > 0, out, np.where(np.isnan(gap), np.nan, np.inf)))


def excess_compute_ratio(N_over_N_eff: ArrayLike, *, alpha_N: float, alpha_S: float) -> float | NDArray:
    """Extra compute for a model k = N/N_eff times the efficient size to reach the same loss.

    Eq. B.16: ``k [1 + (alpha_S/alpha_N)(1 - k^(-alpha_N))]^(-1/alpha_S)``; about 1.2 at k = 0.6 and 2.2.

    Parameters
    ----------
    N_over_N_eff : array_like
        Model size as a multiple k of the compute-efficient size.
    alpha_N, alpha_S : float
        The law's constants, as in preset ``kaplan2020``.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import excess_compute_ratio
    >>> k = dict(alpha_N=0.076, alpha_S=0.76)
    >>> print(f"{float(excess_compute_ratio(2.2, **k)):.4g}")
    1.203
    """
    k = _f(N_over_N_eff)
    return _out(k * _step_factor(k, alpha_N, alpha_S))


def excess_steps_ratio(N_over_N_eff: ArrayLike, *, alpha_N: float, alpha_S: float) -> float | NDArray:
    """Step ratio for a model k times the efficient size, Eq. B.17 (0.55 at k = 2.2: 45% fewer steps).

    Parameters
    ----------
    N_over_N_eff : array_like
        Model size as a multiple k of the compute-efficient size.
    alpha_N, alpha_S : float
        The law's constants, as in preset ``kaplan2020``.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import excess_steps_ratio
    >>> k = dict(alpha_N=0.076, alpha_S=0.76)
    >>> print(f"{float(excess_steps_ratio(2.2, **k)):.4g}")
    0.547
    """
    return _out(_step_factor(_f(N_over_N_eff), alpha_N, alpha_S))


def _step_factor(k: NDArray, alpha_N: float, alpha_S: float) -> NDArray:
    # [1 + (alpha_S/alpha_N)(1 - k^-alpha_N)]^(-1/alpha_S); infinite where a model this small
    # can never reach the efficient model's loss (the bracket is <= 0).
    base = 1.0 + alpha_S / alpha_N * (1.0 - k ** (-alpha_N))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(base > 0, base, np.nan) ** (-1.0 / alpha_S)
    return np.where(base > 0, out, np.where(np.isnan(base), np.nan, np.inf))
