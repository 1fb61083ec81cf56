"""Su et al. 2024, "Unraveling the Mystery of Scaling Laws: Part I" (arXiv:2403.06563).

Su et al. keep Kaplan's functional forms and re-estimate their constants from small
(1M-60M parameter) runs. Their headline predictions are built from three of Kaplan's
relations:

* the converged loss ``L(N) = (N_c/N)^alpha_N``;
* the learning curve in minimum steps ``L(N, S_min) = L(N) + (S_c/S_min)^alpha_S``;
* the step adjustment ``S_min = S / (1 + B_crit(L)/B)`` with ``B_crit(L) = B_*/L^(1/alpha_B)``.

Together they define the whole loss trajectory at any batch size B **implicitly** in L:

.. math:: L = (N_c/N)^{\\alpha_N} + \\left(\\frac{S_c}{S}\\left(1 + \\frac{B_*}{B L^{1/\\alpha_B}}\\right)\\right)^{\\alpha_S}

:func:`loss_trajectory` solves it exactly (to machine precision) and vectorised. The inverse
questions -- steps and tokens to reach a target loss, the critical batch at that loss -- have
closed forms.

The paper's printed constants could not be verified (see the project's formulas dossier,
Sec. 2), so nothing here carries Su et al.'s numbers: the functions take the constants as
keyword arguments, the ``kaplan2020`` preset supplies Kaplan's, and the fitting issue's
procedure estimates new ones from data.

Units: N [params, non-embedding], S [steps], B and tokens [tokens], L [nats/token].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .appendix_b import efficient_frontier
from .forms import LawForm, OptimalMethod, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = [
    "FORM",
    "B_crit_at_loss",
    "loss_trajectory",
    "min_loss",
    "steps_to_loss",
    "tokens_to_loss",
]


def min_loss(N: ArrayLike, *, N_c: float, alpha_N: float) -> float | NDArray:
    """Minimum possible loss of an N-parameter model: the limit S -> inf, ``(N_c/N)^alpha_N``.

    Parameters
    ----------
    N : array_like
        Parameters [params], counted as the law counts them.
    N_c, alpha_N : float
        The law's constants, as in preset ``su2024``.

    Examples
    --------
    >>> from scalingviz.laws.su2024 import min_loss
    >>> k = dict(N_c=150295732670032.28, alpha_N=0.07399894361876912)
    >>> print(f"{float(min_loss(1e9, **k)):.4g}")
    2.416
    """
    return _out((N_c / _f(N)) ** alpha_N)


def B_crit_at_loss(L: ArrayLike, *, B_star: float, alpha_B: float) -> float | NDArray:
    """Critical batch size [tokens] at any loss L: ``B_* / L^(1/alpha_B)`` (Kaplan Eq. 5.3).

    Parameters
    ----------
    L : array_like
        Loss [nats/token].
    B_star, alpha_B : float
        The law's constants, as in preset ``su2024``.

    Examples
    --------
    >>> from scalingviz.laws.su2024 import B_crit_at_loss
    >>> k = dict(B_star=11125406638.93138, alpha_B=0.1340758171670363)
    >>> print(f"{float(B_crit_at_loss(2.5, **k)):.4g}")
    1.198e+07
    """
    return _out(B_star / _f(L) ** (1.0 / alpha_B))


def loss_trajectory(
    N: ArrayLike,
    S: ArrayLike,
    B: ArrayLike,
    *,
    N_c: float,
    alpha_N: float,
    S_c: float,
    alpha_S: float,
    B_star: float,
    alpha_B: float,
    rtol: float = 1e-13,
    max_iter: int = 60,
) -> float | NDArray:
    """Loss after S steps at batch size B: the root of the implicit L(N, S, B) equation.

    Parameters
    ----------
    N : array_like
        Parameters [params, non-embedding].
    S : array_like
        Optimizer steps taken [steps].
    B : array_like
        Batch size [tokens]. ``np.inf`` recovers L(N, S_min = S).
    N_c, alpha_N, S_c, alpha_S, B_star, alpha_B : float
        Constants of L(N, S_min) and B_crit(L) (Kaplan Table 3 / Table 5 for the defaults).
    rtol : float
        Relative tolerance on L; the default is close to machine precision.
    max_iter : int
        Iteration cap of the safeguarded Newton solver.

    Returns
    -------
    float or ndarray
        L [nats/token], broadcast over N, S and B.

    Notes
    -----
    Writing ``L_N = (N_c/N)^alpha_N``, ``s = (S_c/S)^alpha_S`` and
    ``u(L) = B_* / (B L^(1/alpha_B))``, the loss solves ``L - L_N = s (1 + u(L))^alpha_S``.
    The right side falls as L grows, so the root is unique. The solver works in
    ``y = ln(L - L_N)``, where the equation's slope stays between 1 and ``1 + alpha_S/alpha_B``,
    runs Newton steps on all unconverged points at once, and falls back to bisection wherever
    a step would leave the bracket ``[ln s, ln s + alpha_S ln(1 + u(L_N))]``. No Python loop
    runs over points; converged points drop out of the iteration.

    Examples
    --------
    >>> kw = dict(N_c=6.5e13, alpha_N=0.077, S_c=2.1e3, alpha_S=0.76, B_star=2.1e8, alpha_B=0.21)
    >>> L = loss_trajectory(1e9, 1e5, 2**19, **kw)
    >>> round(L, 4)
    2.5461
    >>> round(steps_to_loss(1e9, L, 2**19, **kw))   # the inverse recovers S
    100000
    """
    N, S, B = np.broadcast_arrays(_f(N), _f(S), _f(B))
    shape = N.shape
    N, S, B = N.ravel(), S.ravel(), B.ravel()
    k = 1.0 / alpha_B
    L_N = (N_c / N) ** alpha_N
    ln_s = alpha_S * np.log(S_c / S)
    with np.errstate(divide="ignore"):  # B = inf gives ln_c = -inf: no batch penalty
        ln_c = np.log(B_star / B)
    # Unknown y = ln(L - L_N). With z(y) = ln_c - k ln(L_N + e^y) = ln u(L), the equation is
    #   h(y) = y - ln_s - alpha_S ln(1 + e^z) = 0,   h'(y) = 1 + alpha_S k sigmoid(z) e^y / L,
    # so 1 <= h' < 1 + alpha_S k: a tame, strictly increasing function with the root in the
    # bracket [ln_s, ln_s + alpha_S ln(1 + u(L_N))].
    lo = ln_s.copy()
    with np.errstate(invalid="ignore"):  # NaN inputs stay NaN and never enter the iteration
        hi = ln_s + alpha_S * np.logaddexp(0.0, ln_c - k * np.log(L_N))
    y = 0.5 * (lo + hi)
    dx_prev = 2.0 * (hi - lo)  # so that the first Newton step is always allowed
    active = np.flatnonzero(np.isfinite(y) & (hi > lo))
    for _ in range(max_iter):
        if active.size == 0:
            break
        ya, LNa = y[active], L_N[active]
        t = np.exp(ya)
        La = LNa + t
        z = ln_c[active] - k * np.log(La)
        h = ya - ln_s[active] - alpha_S * np.logaddexp(0.0, z)
        dh = 1.0 + alpha_S * k * t / (La * (1.0 + np.exp(-z)))
        loa = np.where(h < 0, ya, lo[active])
        hia = np.where(h > 0, ya, hi[active])
        dx = h / dh
        step = ya - dx
        # Newton where it stays in the bracket and at least halves the previous step (else it can
        # cycle on the sharp knee of B_crit(L)); bisection otherwise (as in Numerical Recipes' rtsafe).
        newton = (step >= loa) & (step <= hia) & (2.0 * np.abs(dx) <= np.abs(dx_prev[active]))
        y_new = np.where(newton, step, 0.5 * (loa + hia))
        # converged when the change in L = L_N + e^y is below rtol relative
        done = np.abs(np.exp(y_new) - t) <= rtol * (LNa + t)
        y[active], lo[active], hi[active], dx_prev[active] = y_new, loa, hia, y_new - ya
        active = active[~done]
    L = (L_N + np.exp(y)).reshape(shape)
    return _out(L)


def steps_to_loss(
    N: ArrayLike,
    L: ArrayLike,
    B: ArrayLike = np.inf,
    *,
    N_c: float,
    alpha_N: float,
    S_c: float,
    alpha_S: float,
    B_star: float,
    alpha_B: float,
) -> float | NDArray:
    """Steps for an N-parameter model to reach loss L at batch B [tokens] (closed form).

    With ``B = inf`` (default) this is the minimum number of steps
    ``S_min(L) = S_c / (L - L_N)^(1/alpha_S)``; at finite B it is
    ``S = S_min (1 + B_crit(L) / B)`` (Kaplan Eq. 5.4 inverted). Infinite where L is at or
    below the minimum possible loss.

    Parameters
    ----------
    N : array_like
        Parameters [params], counted as the law counts them.
    L : array_like
        Loss [nats/token].
    B : array_like, default inf
        Batch size [tokens].
    N_c, alpha_N, S_c, alpha_S, B_star, alpha_B : float
        The law's constants, as in preset ``su2024``.

    Examples
    --------
    >>> from scalingviz.laws.su2024 import steps_to_loss
    >>> k = dict(N_c=150295732670032.28, alpha_N=0.07399894361876912, S_c=547.2670314584177,
    ...          alpha_S=0.8041259604676609, B_star=11125406638.93138, alpha_B=0.1340758171670363)
    >>> print(f"{float(steps_to_loss(1e9, 2.5, **k)):.4g}")
    1.19e+04
    """
    N, L, B = _f(N), _f(L), _f(B)
    gap = L - (N_c / N) ** alpha_N
    with np.errstate(divide="ignore", invalid="ignore"):
        s_min = S_c / gap ** (1.0 / alpha_S)
    s_min = np.where(gap > 0, s_min, np.where(np.isnan(gap), np.nan, np.inf))
    return _out(s_min * (1.0 + _f(B_crit_at_loss(L, B_star=B_star, alpha_B=alpha_B)) / B))


def tokens_to_loss(
    N: ArrayLike,
    L: ArrayLike,
    B: ArrayLike = 0.0,
    *,
    N_c: float,
    alpha_N: float,
    S_c: float,
    alpha_S: float,
    B_star: float,
    alpha_B: float,
) -> float | NDArray:
    """Tokens processed for an N-parameter model to reach loss L at batch B [tokens].

    With ``B = 0`` (default) this is the minimum number of tokens
    ``E_min(L) = B_crit(L) S_min(L)`` (Kaplan Eq. 5.2); at finite B it is
    ``E = E_min (1 + B / B_crit(L))``, which equals ``B x steps_to_loss``.

    Parameters
    ----------
    N : array_like
        Parameters [params], counted as the law counts them.
    L : array_like
        Loss [nats/token].
    B : array_like, default 0.0
        Batch size [tokens].
    N_c, alpha_N, S_c, alpha_S, B_star, alpha_B : float
        The law's constants, as in preset ``su2024``.

    Examples
    --------
    >>> from scalingviz.laws.su2024 import tokens_to_loss
    >>> k = dict(N_c=150295732670032.28, alpha_N=0.07399894361876912, S_c=547.2670314584177,
    ...          alpha_S=0.8041259604676609, B_star=11125406638.93138, alpha_B=0.1340758171670363)
    >>> print(f"{float(tokens_to_loss(1e9, 2.5, **k)):.4g}")
    1.425e+11
    """
    kw = dict(N_c=N_c, alpha_N=alpha_N, S_c=S_c, alpha_S=alpha_S, B_star=B_star, alpha_B=alpha_B)
    s_min = _f(steps_to_loss(N, L, np.inf, **kw))
    bc = _f(B_crit_at_loss(L, B_star=B_star, alpha_B=alpha_B))
    return _out(bc * s_min * (1.0 + _f(B) / bc))


# --- the form: Kaplan's relations with every constant from Su et al.'s procedure ----------------


def _learning_curve(N, S, *, N_c, alpha_N, S_c, alpha_S):
    return _out((N_c / _f(N)) ** alpha_N + (S_c / _f(S)) ** alpha_S)


def _appendix_b(C, *, N_c, alpha_N, S_c, alpha_S, B_star, alpha_B):
    return efficient_frontier(C, N_c=N_c, alpha_N=alpha_N, S_c=S_c, alpha_S=alpha_S, B_star=B_star, alpha_B=alpha_B)


#: L(N, S, B), the minimum loss, B_crit(L), the learning curve and Appendix B's frontier.
FORM = register_form(LawForm(
    "su",
    formula="L = (N_c/N)^alpha_N + (S_c (1 + B_crit(L)/B) / S)^alpha_S, B_crit(L) = B_*/L^(1/alpha_B)",
    trajectory=loss_trajectory, min_loss=min_loss, B_crit=B_crit_at_loss, learning_curve=_learning_curve,
    steps_to_loss=steps_to_loss, tokens_to_loss=tokens_to_loss,
    compute_optimal={"appendix_b": OptimalMethod(
        _appendix_b, "Kaplan Appendix B closed forms (Eq. B.6-B.10) with this law's constants, C at B = B_crit",
        exact=False, label="App. B closed forms")},
    fit_target="learning_curve",
    linear=("alpha_N", "alpha_S", "alpha_B"),
    bounds={"alpha_N": (0.0, 3.0), "alpha_S": (0.0, 5.0)},
))
