"""Kaplan et al. 2020, "Scaling Laws for Neural Language Models" (arXiv:2001.08361).

Pure, vectorised functions. Independent variables come first; the constants are
keyword-only and carry the paper's names (the values live in :mod:`scalingviz.presets`).
Scalars in give floats out; arrays broadcast; NaN propagates.

Conventions (Sec. 1.3): L is test cross-entropy [nats/token] on WebText2; N counts
**non-embedding** parameters; D and the batch size B are in **tokens**; S counts
optimizer steps; compute constants are in **PF-days** as printed, while every compute
*argument* here is in **FLOP** (converted with :data:`scalingviz.units.PF_DAY`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..units import PF_DAY
from . import su2024
from .appendix_b import alpha_C_min_from_exponents, efficient_frontier, frontier_constant_C_c
from .forms import LawForm, OptimalMethod, nnls_scales, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out
from .kaplan2020_batch import (
    B_crit,
    C_min,
    E_min,
    S_min,
    compute_efficient_table6,
    compute_for_loss,
    excess_compute_ratio,
    excess_steps_ratio,
    learning_rate,
)

__all__ = [
    "FORM",
    "FORM_ND",
    "FORM_NS",
    "B_crit",
    "C_min",
    "E_min",
    "S_min",
    "S_stop",
    "alpha_C_min_from_exponents",
    "compute_efficient_table6",
    "compute_for_loss",
    "data_for_delta_L",
    "data_overfit_threshold",
    "delta_L",
    "efficient_frontier",
    "excess_compute_ratio",
    "excess_steps_ratio",
    "frontier_constant_C_c",
    "learning_rate",
    "loss_C",
    "loss_C_min",
    "loss_D",
    "loss_N",
    "loss_ND",
    "loss_NS",
]


def loss_N(N: ArrayLike, *, N_c: float, alpha_N: float) -> float | NDArray:
    """Converged loss of a model of N parameters trained on unlimited data.

    Parameters
    ----------
    N : array_like
        Parameters [params, non-embedding].
    N_c : float
        Scale [params]. alpha_N : float. Exponent [-].

    Returns
    -------
    float or ndarray
        L [nats/token].

    Notes
    -----
    Eq. 1.1: ``L(N) = (N_c / N)^alpha_N``.

    Examples
    --------
    >>> round(loss_N(1e9, N_c=8.8e13, alpha_N=0.076), 4)   # formulas.md Sec. 8
    2.3756
    """
    return _out((N_c / _f(N)) ** alpha_N)


def loss_D(D: ArrayLike, *, D_c: float, alpha_D: float) -> float | NDArray:
    """Loss of a large model trained with early stopping on D tokens.

    Parameters
    ----------
    D : array_like
        Training tokens [tokens].
    D_c, alpha_D : float
        The law's constants, as in preset ``kaplan2020``.

    Notes
    -----
    Eq. 1.2: ``L(D) = (D_c / D)^alpha_D``; D [tokens], L [nats/token].

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import loss_D
    >>> k = dict(D_c=5.4e+13, alpha_D=0.095)
    >>> print(f"{float(loss_D(2e10, **k)):.4g}")
    2.118
    """
    return _out((D_c / _f(D)) ** alpha_D)


def loss_C(C: ArrayLike, *, C_c: float, alpha_C: float) -> float | NDArray:
    """"Naive" compute law at the fixed batch size 2^19 tokens.

    Parameters
    ----------
    C : array_like
        Compute [FLOP].
    C_c : float
        Scale [PF-day], as printed in Table 5.

    Notes
    -----
    Eq. 3.3: ``L(C) = (C_c / C)^alpha_C``. The paper recommends L(C_min) for predictions.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import loss_C
    >>> k = dict(C_c=1.6e+07, alpha_C=0.057)
    >>> print(f"{float(loss_C(1e21, **k)):.4g}")
    2.239
    """
    return _out((C_c * PF_DAY / _f(C)) ** alpha_C)


def loss_C_min(C_min: ArrayLike, *, C_c_min: float, alpha_C_min: float) -> float | NDArray:
    """Loss reachable with minimum compute C_min (training at B << B_crit).

    Parameters
    ----------
    C_min : array_like
        Minimum compute [FLOP].
    C_c_min : float
        Scale [PF-day], as printed (Eq. 1.3, Table 5).

    Notes
    -----
    Eq. 1.3: ``L(C_min) = (C_c^min / C_min)^alpha_C^min``.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import loss_C_min
    >>> k = dict(C_c_min=3.1e+08, alpha_C_min=0.05)
    >>> print(f"{float(loss_C_min(1e21, **k)):.4g}")
    2.352
    """
    return _out((C_c_min * PF_DAY / _f(C_min)) ** alpha_C_min)


def loss_ND(N: ArrayLike, D: ArrayLike, *, N_c: float, D_c: float, alpha_N: float, alpha_D: float) -> float | NDArray:
    """Loss of an N-parameter model trained (with early stopping) on D tokens.

    Parameters
    ----------
    N : array_like
        Parameters [params, non-embedding].
    D : array_like
        Tokens [tokens]; ``np.inf`` gives L(N).

    Returns
    -------
    float or ndarray
        L [nats/token].

    Notes
    -----
    Eq. 1.5 / Eq. 4.1: ``L(N, D) = [ (N_c/N)^(alpha_N/alpha_D) + D_c/D ]^alpha_D``.
    Table 2 gives the joint-fit constants; the single-variable Table 5 values differ slightly.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import loss_ND
    >>> k = dict(N_c=6.4e+13, D_c=1.8e+13, alpha_N=0.076, alpha_D=0.103)
    >>> print(f"{float(loss_ND(1e9, 2e10, **k)):.4g}")
    2.374
    """
    N, D = _f(N), _f(D)
    return _out(((N_c / N) ** (alpha_N / alpha_D) + D_c / D) ** alpha_D)


def delta_L(N: ArrayLike, D: ArrayLike, *, N_c: float, D_c: float, alpha_N: float, alpha_D: float) -> float | NDArray:
    """Overfitting penalty: the fractional excess loss from finite data.

    Parameters
    ----------
    N : array_like
        Non-embedding parameters [params].
    D : array_like
        Training tokens [tokens].
    N_c, D_c, alpha_N, alpha_D : float
        The law's constants, as in preset ``kaplan2020`` (N_c is its ND_N_c, D_c is its ND_D_c, alpha_N is its ND_alpha_N, alpha_D is its ND_alpha_D).

    Notes
    -----
    Eq. 4.2 defines ``deltaL = L(N, D) / L(N, inf) - 1``; Eq. 4.3 is its closed form
    ``(1 + (N/N_c)^(alpha_N/alpha_D) D_c / D)^alpha_D - 1``, computed here with
    ``expm1``/``log1p`` so that tiny penalties keep full precision.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import delta_L
    >>> k = dict(N_c=6.4e+13, D_c=1.8e+13, alpha_N=0.076, alpha_D=0.103)
    >>> print(f"{float(delta_L(1e9, 2e10, **k)):.4g}")
    0.02374
    """
    N, D = _f(N), _f(D)
    x = (N / N_c) ** (alpha_N / alpha_D) * D_c / D
    return _out(np.expm1(alpha_D * np.log1p(x)))


def data_for_delta_L(
    N: ArrayLike, delta: ArrayLike, *, N_c: float, D_c: float, alpha_N: float, alpha_D: float
) -> float | NDArray:
    """Tokens D at which an N-parameter model's overfitting penalty equals ``delta``.

    The exact inverse of :func:`delta_L` in D (Eq. 4.3 solved for D):
    ``D = D_c (N/N_c)^(alpha_N/alpha_D) / ((1 + delta)^(1/alpha_D) - 1)`` [tokens].
    Any D above this keeps the penalty below ``delta``. Eq. 4.4 is the paper's power-law
    approximation of this at ``delta ~ 0.02`` (see :func:`data_overfit_threshold`).

    Parameters
    ----------
    N : array_like
        Non-embedding parameters [params].
    delta : array_like
        Overfitting penalty as a fraction (0.02 for 2%).
    N_c, D_c, alpha_N, alpha_D : float
        The law's constants, as in preset ``kaplan2020`` (N_c is its ND_N_c, D_c is its ND_D_c, alpha_N is its ND_alpha_N, alpha_D is its ND_alpha_D).

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import data_for_delta_L
    >>> k = dict(N_c=6.4e+13, D_c=1.8e+13, alpha_N=0.076, alpha_D=0.103)
    >>> print(f"{float(data_for_delta_L(1e9, 0.02, **k)):.4g}")
    2.414e+10
    """
    N, delta = _f(N), _f(delta)
    return _out(D_c * (N / N_c) ** (alpha_N / alpha_D) / np.expm1(np.log1p(delta) / alpha_D))


def data_overfit_threshold(N: ArrayLike, *, coef: float, exponent: float) -> float | NDArray:
    """Kaplan's rule of thumb for enough data: ``D >~ coef N^exponent`` [tokens].

    Parameters
    ----------
    N : array_like
        Non-embedding parameters [params].
    coef, exponent : float
        The law's constants, as in preset ``kaplan2020`` (coef is its D_overfit_coef, exponent is its D_overfit_exp).

    Notes
    -----
    Eq. 4.4: ``D >~ (5 x 10^3) N^0.74``, the data at which the penalty of Eq. 4.3 falls to the
    level of seed noise (deltaL ~ 0.02).

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import data_overfit_threshold
    >>> k = dict(coef=5000, exponent=0.74)
    >>> print(f"{float(data_overfit_threshold(1e9, **k)):.4g}")
    2.285e+10
    """
    return _out(coef * _f(N) ** exponent)


def loss_NS(N: ArrayLike, S_min: ArrayLike, *, N_c: float, alpha_N: float, S_c: float, alpha_S: float) -> float | NDArray:
    """Loss after S_min minimum steps of an N-parameter model on unlimited data.

    Parameters
    ----------
    N : array_like
        Non-embedding parameters [params].
    S_min : array_like
        Minimum steps (training at B >> B_crit).
    N_c, alpha_N, S_c, alpha_S : float
        The law's constants, as in preset ``kaplan2020`` (N_c is its NS_N_c, alpha_N is its NS_alpha_N).

    Notes
    -----
    Eq. 1.6 / 5.6: ``L(N, S_min) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S`` (Table 3 constants).
    For the loss at a given batch size, see :func:`scalingviz.laws.su2024.loss_trajectory`.

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import loss_NS
    >>> k = dict(N_c=6.5e+13, alpha_N=0.077, S_c=2100, alpha_S=0.76)
    >>> print(f"{float(loss_NS(1e9, 1e5, **k)):.4g}")
    2.401
    """
    return _out((N_c / _f(N)) ** alpha_N + (S_c / _f(S_min)) ** alpha_S)


def S_stop(
    N: ArrayLike,
    D: ArrayLike,
    *,
    N_c: float,
    D_c: float,
    alpha_N: float,
    alpha_D: float,
    S_c: float,
    alpha_S: float,
) -> float | NDArray:
    """Lower bound on the step at which early stopping happens.

    Parameters
    ----------
    N : array_like
        Non-embedding parameters [params].
    D : array_like
        Training tokens [tokens].
    N_c, D_c, alpha_N, alpha_D, S_c, alpha_S : float
        The law's constants, as in preset ``kaplan2020`` (N_c is its ND_N_c, D_c is its ND_D_c, alpha_N is its ND_alpha_N, alpha_D is its ND_alpha_D).

    Notes
    -----
    Eq. 5.7: ``S_stop(N, D) >~ S_c / [L(N, D) - L(N, inf)]^(1/alpha_S)``, with both losses
    from the L(N, D) fit (Eq. 1.5).

    Examples
    --------
    >>> from scalingviz.laws.kaplan2020 import S_stop
    >>> k = dict(N_c=6.4e+13, D_c=1.8e+13, alpha_N=0.076, alpha_D=0.103, S_c=2100, alpha_S=0.76)
    >>> print(f"{float(S_stop(1e9, 2e10, **k)):.4g}")
    9.531e+04
    """
    kw = dict(N_c=N_c, D_c=D_c, alpha_N=alpha_N, alpha_D=alpha_D)
    L_inf = _f(loss_ND(N, np.inf, **kw))
    gap = _f(delta_L(N, D, **kw)) * L_inf
    return _out(S_c / gap ** (1.0 / alpha_S))


# --- compute-efficient training -----------------------------------------------------------


# --- the forms -------------------------------------------------------------------------------
# The full Kaplan law carries several constant sets (Table 2's L(N, D), Table 3's L(N, S), Table 5,
# Table 6); the preset names them with prefixes (ND_, NS_) and these wrappers map them onto the
# paper's own symbols.


def loss_ND_gradient(N: ArrayLike, D: ArrayLike, *, N_c: float, D_c: float, alpha_N: float, alpha_D: float) -> dict:
    """Partial derivatives of :func:`loss_ND` with respect to each constant (for fitting)."""
    N, D = _f(N), _f(D)
    r = alpha_N / alpha_D
    x, y = (N_c / N) ** r, D_c / D
    s = x + y
    L = s**alpha_D
    lx = np.log(N_c / N)
    dL_ds = alpha_D * s ** (alpha_D - 1.0)
    return {"N_c": dL_ds * x * r / N_c, "D_c": dL_ds / D, "alpha_N": dL_ds * x * lx / alpha_D,
            "alpha_D": L * np.log(s) - dL_ds * x * lx * alpha_N / alpha_D**2}


def loss_NS_gradient(N: ArrayLike, S: ArrayLike, *, N_c: float, alpha_N: float, S_c: float, alpha_S: float) -> dict:
    """Partial derivatives of :func:`loss_NS` with respect to each constant (for fitting)."""
    tN, tS = (N_c / _f(N)) ** alpha_N, (S_c / _f(S)) ** alpha_S
    one = np.ones(np.broadcast_shapes(tN.shape, tS.shape))
    return {"N_c": alpha_N * tN / N_c * one, "alpha_N": tN * np.log(N_c / _f(N)) * one,
            "S_c": alpha_S * tS / S_c * one, "alpha_S": tS * np.log(S_c / _f(S)) * one}


def _nd_starts(X: dict, L: NDArray) -> list[dict]:
    # A 16 x 16 grid of exponents; L^(1/alpha_D) = N_c^r N^-r + D_c / D is linear in (N_c^r, D_c).
    N, D = X["N"], X["D"]
    cands = []
    for aN in np.linspace(0.02, 0.6, 16):
        for aD in np.linspace(0.02, 0.6, 16):
            r = aN / aD
            c = nnls_scales([N**-r, 1.0 / D], L ** (1.0 / aD))
            if c is None or np.any(c <= 0):
                continue
            cands.append({"N_c": float(c[0] ** (1.0 / r)), "D_c": float(c[1]), "alpha_N": aN, "alpha_D": aD})
    return cands


def _ns_starts(X: dict, L: NDArray) -> list[dict]:
    N, S = X["N"], X["S"]
    cands = []
    for aN in np.linspace(0.02, 0.6, 16):
        for aS in np.linspace(0.1, 1.5, 16):
            c = nnls_scales([N**-aN, S**-aS], L)
            if c is None or np.any(c <= 0):
                continue
            cands.append({"N_c": float(c[0] ** (1.0 / aN)), "alpha_N": aN, "S_c": float(c[1] ** (1.0 / aS)),
                          "alpha_S": aS})
    return cands


def learning_curve(N: ArrayLike, S: ArrayLike, *, N_c: float, alpha_N: float, S_c: float, alpha_S: float):
    """``L(N, S_min)`` of Eq. 5.6 with S read as minimum steps S_min [steps]; see :func:`loss_NS`."""
    return loss_NS(N, S, N_c=N_c, alpha_N=alpha_N, S_c=S_c, alpha_S=alpha_S)


#: Kaplan's L(N, D) alone (Eq. 1.5), e.g. fitted to your runs.
FORM_ND = register_form(LawForm(
    "kaplan_nd",
    formula="L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D",
    loss=loss_ND, delta_L=delta_L, data_for_delta_L=data_for_delta_L,
    gradient={"loss": loss_ND_gradient}, linear=("alpha_N", "alpha_D"),
    bounds={"alpha_N": (0.0, 3.0), "alpha_D": (1e-3, 3.0)}, starts=_nd_starts,
))

#: Kaplan's learning curve L(N, S_min) alone (Eq. 5.6), the form Su et al.'s step 2 fits.
FORM_NS = register_form(LawForm(
    "kaplan_ns",
    formula="L = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S",
    learning_curve=learning_curve,
    gradient={"learning_curve": loss_NS_gradient}, linear=("alpha_N", "alpha_S"),
    bounds={"alpha_N": (0.0, 3.0), "alpha_S": (0.0, 5.0)}, starts=_ns_starts,
))


def _nd(c: dict) -> dict:
    return {"N_c": c["ND_N_c"], "D_c": c["ND_D_c"], "alpha_N": c["ND_alpha_N"], "alpha_D": c["ND_alpha_D"]}


def _full_loss(N, D, *, ND_N_c, ND_D_c, ND_alpha_N, ND_alpha_D):
    return loss_ND(N, D, **_nd(locals()))


def _full_delta_L(N, D, *, ND_N_c, ND_D_c, ND_alpha_N, ND_alpha_D):
    return delta_L(N, D, **_nd(locals()))


def _full_data_for_delta_L(N, delta, *, ND_N_c, ND_D_c, ND_alpha_N, ND_alpha_D):
    return data_for_delta_L(N, delta, **_nd(locals()))


def _full_loss_gradient(N, D, *, ND_N_c, ND_D_c, ND_alpha_N, ND_alpha_D):
    return {f"ND_{k}": v for k, v in loss_ND_gradient(N, D, **_nd(locals())).items()}


def _full_starts(X: dict, L: NDArray) -> list[dict]:
    return [{f"ND_{k}": v for k, v in c.items()} for c in _nd_starts(X, L)]


def _overfit_rule(N, *, D_overfit_coef, D_overfit_exp):
    return data_overfit_threshold(N, coef=D_overfit_coef, exponent=D_overfit_exp)


def _trajectory(N, S, B, *, NS_N_c, NS_alpha_N, S_c, alpha_S, B_star, alpha_B):
    return su2024.loss_trajectory(N, S, B, N_c=NS_N_c, alpha_N=NS_alpha_N, S_c=S_c, alpha_S=alpha_S, B_star=B_star,
                                  alpha_B=alpha_B)


def _min_loss(N, *, NS_N_c, NS_alpha_N):
    return su2024.min_loss(N, N_c=NS_N_c, alpha_N=NS_alpha_N)


def _learning_curve(N, S, *, NS_N_c, NS_alpha_N, S_c, alpha_S):
    return loss_NS(N, S, N_c=NS_N_c, alpha_N=NS_alpha_N, S_c=S_c, alpha_S=alpha_S)


def _steps_to_loss(N, L, B=np.inf, *, NS_N_c, NS_alpha_N, S_c, alpha_S, B_star, alpha_B):
    return su2024.steps_to_loss(N, L, B, N_c=NS_N_c, alpha_N=NS_alpha_N, S_c=S_c, alpha_S=alpha_S, B_star=B_star,
                                alpha_B=alpha_B)


def _tokens_to_loss(N, L, B=0.0, *, NS_N_c, NS_alpha_N, S_c, alpha_S, B_star, alpha_B):
    return su2024.tokens_to_loss(N, L, B, N_c=NS_N_c, alpha_N=NS_alpha_N, S_c=S_c, alpha_S=alpha_S, B_star=B_star,
                                 alpha_B=alpha_B)


def _B_crit(L, *, B_star, alpha_B):
    return B_crit(L, B_star=B_star, alpha_B=alpha_B)


def _lr(N, *, lr_intercept, lr_slope):
    return learning_rate(N, lr_intercept=lr_intercept, lr_slope=lr_slope)


def _table6(C, *, N_e, p_N, B_e, p_B, S_e, p_S, D_e, p_D, C_c_min, alpha_C_min):
    out = compute_efficient_table6(C, N_e=N_e, p_N=p_N, B_e=B_e, p_B=p_B, S_e=S_e, p_S=p_S, D_e=D_e, p_D=p_D)
    out["loss"] = loss_C_min(C, C_c_min=C_c_min, alpha_C_min=alpha_C_min)
    return out


def _appendix_b(C, *, NS_N_c, NS_alpha_N, S_c, alpha_S, B_star, alpha_B):
    return efficient_frontier(C, N_c=NS_N_c, alpha_N=NS_alpha_N, S_c=S_c, alpha_S=alpha_S, B_star=B_star,
                              alpha_B=alpha_B)


#: The whole of Kaplan et al. 2020 as one form (the kaplan2020 preset).
FORM = register_form(LawForm(
    "kaplan",
    formula="L(N,D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D; L(N,S,B) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S, "
    "S_min = S/(1 + B_crit(L)/B), B_crit = B_*/L^(1/alpha_B)",
    loss=_full_loss, delta_L=_full_delta_L, data_for_delta_L=_full_data_for_delta_L, overfit_rule=_overfit_rule,
    trajectory=_trajectory, min_loss=_min_loss, learning_curve=_learning_curve, B_crit=_B_crit, lr=_lr,
    steps_to_loss=_steps_to_loss, tokens_to_loss=_tokens_to_loss,
    compute_optimal={
        "table6": OptimalMethod(_table6, "Kaplan Table 6 empirical fits (C read as C_min); loss from Eq. 1.3 L(C_min)",
                                exact=False, label="Table 6"),
        "appendix_b": OptimalMethod(_appendix_b, "Kaplan Appendix B closed forms (Eq. B.6-B.10), C at B = B_crit",
                                    exact=False, label="App. B"),
    },
    gradient={"loss": _full_loss_gradient},
    linear=("ND_alpha_N", "ND_alpha_D"),
    bounds={"ND_alpha_N": (0.0, 3.0), "ND_alpha_D": (1e-3, 3.0)},
    starts=_full_starts,
    extra_constants=("alpha_N", "N_c", "alpha_D", "D_c", "alpha_C", "C_c"),
    formulas={"lr": "LR(N) = {lr_intercept:.7g} - {lr_slope:.7g} ln N (Eq. D.1)",
              "overfit_rule": "D = {D_overfit_coef:g} N^{D_overfit_exp:g} (Eq. 4.4)"},
))
