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

    Notes
    -----
    Eq. 1.2: ``L(D) = (D_c / D)^alpha_D``; D [tokens], L [nats/token].
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
    """
    N, D = _f(N), _f(D)
    return _out(((N_c / N) ** (alpha_N / alpha_D) + D_c / D) ** alpha_D)


def delta_L(N: ArrayLike, D: ArrayLike, *, N_c: float, D_c: float, alpha_N: float, alpha_D: float) -> float | NDArray:
    """Overfitting penalty: the fractional excess loss from finite data.

    Notes
    -----
    Eq. 4.2 defines ``deltaL = L(N, D) / L(N, inf) - 1``; Eq. 4.3 is its closed form
    ``(1 + (N/N_c)^(alpha_N/alpha_D) D_c / D)^alpha_D - 1``, computed here with
    ``expm1``/``log1p`` so that tiny penalties keep full precision.
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
    """
    N, delta = _f(N), _f(delta)
    return _out(D_c * (N / N_c) ** (alpha_N / alpha_D) / np.expm1(np.log1p(delta) / alpha_D))


def data_overfit_threshold(N: ArrayLike, *, coef: float, exponent: float) -> float | NDArray:
    """Kaplan's rule of thumb for enough data: ``D >~ coef N^exponent`` [tokens].

    Notes
    -----
    Eq. 4.4: ``D >~ (5 x 10^3) N^0.74``, the data at which the penalty of Eq. 4.3 falls to the
    level of seed noise (deltaL ~ 0.02).
    """
    return _out(coef * _f(N) ** exponent)


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

    Notes
    -----
    Eq. 5.4: ``S_min = S / (1 + B_crit(L) / B)``.
    """
    return _out(_f(S) / (1.0 + _f(B_crit(L, B_star=B_star, alpha_B=alpha_B)) / _f(B)))


def E_min(E: ArrayLike, B: ArrayLike, L: ArrayLike, *, B_star: float, alpha_B: float) -> float | NDArray:
    """Minimum tokens (at B << B_crit) equivalent to E = B S tokens processed at batch B.

    Notes
    -----
    ``E_min = E / (1 + B / B_crit(L))``. Not printed in the paper; it follows exactly from
    Eq. 5.1, 5.2 and E = B S, and equals C_min / (6 N).
    """
    return _out(_f(E) / (1.0 + _f(B) / _f(B_crit(L, B_star=B_star, alpha_B=alpha_B))))


def C_min(C: ArrayLike, B: ArrayLike, L: ArrayLike, *, B_star: float, alpha_B: float) -> float | NDArray:
    """Minimum compute (at B << B_crit) equivalent to compute C spent at batch B [tokens].

    Notes
    -----
    Eq. 5.5: ``C_min = C / (1 + B / B_crit(L))``; C and C_min in the same unit.
    """
    return _out(_f(C) / (1.0 + _f(B) / _f(B_crit(L, B_star=B_star, alpha_B=alpha_B))))


def loss_NS(N: ArrayLike, S_min: ArrayLike, *, N_c: float, alpha_N: float, S_c: float, alpha_S: float) -> float | NDArray:
    """Loss after S_min minimum steps of an N-parameter model on unlimited data.

    Notes
    -----
    Eq. 1.6 / 5.6: ``L(N, S_min) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S`` (Table 3 constants).
    For the loss at a given batch size, see :func:`scalingviz.laws.su2024.loss_trajectory`.
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

    Notes
    -----
    Eq. 5.7: ``S_stop(N, D) >~ S_c / [L(N, D) - L(N, inf)]^(1/alpha_S)``, with both losses
    from the L(N, D) fit (Eq. 1.5).
    """
    kw = dict(N_c=N_c, D_c=D_c, alpha_N=alpha_N, alpha_D=alpha_D)
    L_inf = _f(loss_ND(N, np.inf, **kw))
    gap = _f(delta_L(N, D, **kw)) * L_inf
    return _out(S_c / gap ** (1.0 / alpha_S))


def learning_rate(N: ArrayLike, *, lr_intercept: float, lr_slope: float) -> float | NDArray:
    """Kaplan's rule-of-thumb learning rate, Appendix D.6 Eq. D.1.

    ``LR(N) ~ lr_intercept - lr_slope ln(N)`` (0.003239 and 0.0001395 in the paper),
    N [params, non-embedding]. The paper warns it breaks down above N ~ 1e10, where it
    approaches zero and then turns negative; such values are returned as NaN.
    """
    lr = lr_intercept - lr_slope * np.log(_f(N))
    return _out(np.where(lr > 0, lr, np.nan))


# --- compute-efficient training -----------------------------------------------------------


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

    Notes
    -----
    Eq. B.15: ``C(N, L) = 6 B_* S_c N / L^(1/alpha_B) (L - (N_c/N)^alpha_N)^(-1/alpha_S)``.
    Infinite where L is at or below the model's converged loss.
    """
    N, L = _f(N), _f(L)
    gap = L - (N_c / N) ** alpha_N
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 6.0 * B_star * S_c * N / L ** (1.0 / alpha_B) * gap ** (-1.0 / alpha_S)
    return _out(np.where(gap > 0, out, np.where(np.isnan(gap), np.nan, np.inf)))


def excess_compute_ratio(N_over_N_eff: ArrayLike, *, alpha_N: float, alpha_S: float) -> float | NDArray:
    """Extra compute for a model k = N/N_eff times the efficient size to reach the same loss.

    Eq. B.16: ``k [1 + (alpha_S/alpha_N)(1 - k^(-alpha_N))]^(-1/alpha_S)``; about 1.2 at k = 0.6 and 2.2.
    """
    k = _f(N_over_N_eff)
    return _out(k * _step_factor(k, alpha_N, alpha_S))


def excess_steps_ratio(N_over_N_eff: ArrayLike, *, alpha_N: float, alpha_S: float) -> float | NDArray:
    """Step ratio for a model k times the efficient size, Eq. B.17 (0.55 at k = 2.2: 45% fewer steps)."""
    return _out(_step_factor(_f(N_over_N_eff), alpha_N, alpha_S))


def _step_factor(k: NDArray, alpha_N: float, alpha_S: float) -> NDArray:
    # [1 + (alpha_S/alpha_N)(1 - k^-alpha_N)]^(-1/alpha_S); infinite where a model this small
    # can never reach the efficient model's loss (the bracket is <= 0).
    base = 1.0 + alpha_S / alpha_N * (1.0 - k ** (-alpha_N))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(base > 0, base, np.nan) ** (-1.0 / alpha_S)
    return np.where(base > 0, out, np.where(np.isnan(base), np.nan, np.inf))


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
