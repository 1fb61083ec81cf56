"""DeepSeek LLM (Bi et al. 2024), "Scaling Open-Source Language Models with Longtermism" (arXiv:2401.02954).

Hyperparameter and allocation laws in terms of the compute budget C = M D [FLOP], where the
model scale M is non-embedding training FLOP per token, attention included
(:func:`scalingviz.compute.flops_per_token_deepseek`):

* Eq. 1: ``eta_opt = 0.3118 C^-0.1250``, ``B_opt = 0.2920 C^0.3271`` [tokens];
* Eq. 4: ``M_opt = M_base C^a``, ``D_opt = D_base C^b`` with a + b = 1.

Scalars in give floats out; arrays broadcast.
"""

from __future__ import annotations

from numpy.typing import ArrayLike, NDArray

from .forms import LawForm, OptimalMethod, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = ["FORM", "D_opt", "M_opt", "batch_tokens", "learning_rate"]


def learning_rate(C: ArrayLike, *, lr_coef: float, lr_exp_C: float) -> float | NDArray:
    """Optimal peak learning rate ``eta = lr_coef C^lr_exp_C`` (Eq. 1), C [FLOP].

    Parameters
    ----------
    C : array_like
        Compute [FLOP].
    lr_coef, lr_exp_C : float
        The law's constants, as in preset ``bi2024``.

    Examples
    --------
    >>> round(learning_rate(1e17, lr_coef=0.3118, lr_exp_C=-0.1250), 7)
    0.0023382
    """
    return _out(lr_coef * _f(C) ** lr_exp_C)


def batch_tokens(C: ArrayLike, *, bs_coef: float, bs_exp_C: float) -> float | NDArray:
    """Optimal batch size ``B = bs_coef C^bs_exp_C`` [tokens] (Eq. 1), C [FLOP].

    Parameters
    ----------
    C : array_like
        Compute [FLOP].
    bs_coef, bs_exp_C : float
        The law's constants, as in preset ``bi2024``.

    Examples
    --------
    >>> from scalingviz.laws.bi2024 import batch_tokens
    >>> k = dict(bs_coef=0.292, bs_exp_C=0.3271)
    >>> print(f"{float(batch_tokens(1e21, **k)):.4g}")
    2.16e+06
    """
    return _out(bs_coef * _f(C) ** bs_exp_C)


def M_opt(C: ArrayLike, *, M_base: float, a: float) -> float | NDArray:
    """Compute-optimal model scale ``M_opt = M_base C^a`` [FLOP/token] (Eq. 4).

    Parameters
    ----------
    C : array_like
        Compute [FLOP].
    M_base, a : float
        The law's constants, as in preset ``bi2024``.

    Examples
    --------
    >>> from scalingviz.laws.bi2024 import M_opt
    >>> k = dict(M_base=0.1715, a=0.5243)
    >>> print(f"{float(M_opt(1e21, **k)):.4g}")
    1.756e+10
    """
    return _out(M_base * _f(C) ** a)


def D_opt(C: ArrayLike, *, D_base: float, b: float) -> float | NDArray:
    """Compute-optimal data ``D_opt = D_base C^b`` [tokens] (Eq. 4); ``M_opt D_opt ~ C``.

    Parameters
    ----------
    C : array_like
        Compute [FLOP].
    D_base, b : float
        The law's constants, as in preset ``bi2024``.

    Examples
    --------
    >>> from scalingviz.laws.bi2024 import D_opt
    >>> k = dict(D_base=5.8316, b=0.4757)
    >>> print(f"{float(D_opt(1e21, **k)):.4g}")
    5.695e+10
    """
    return _out(D_base * _f(C) ** b)


def _compute_optimal(C: ArrayLike, *, M_base: float, a: float, D_base: float, b: float) -> dict:
    M = _f(M_opt(C, M_base=M_base, a=a))
    return {"M_opt": _out(M), "N_opt": _out(M / 6.0), "D_opt": D_opt(C, D_base=D_base, b=b), "loss": None}


#: DeepSeek's hyperparameter (Eq. 1) and allocation (Eq. 4) laws, in C = M D.
FORM = register_form(LawForm(
    "deepseek",
    formula="eta_opt = lr_coef C^lr_exp_C; B_opt = bs_coef C^bs_exp_C tokens; M_opt = M_base C^a; D_opt = D_base C^b",
    lr=learning_rate, batch=batch_tokens,
    compute_optimal={"eq4": OptimalMethod(
        _compute_optimal, "Bi et al. Eq. 4 (C = M D); N_opt = M_opt/6 ignores the attention FLOPs in M", exact=False,
        label="Eq. 4")},
    linear=("lr_exp_C", "bs_exp_C", "a", "b"),
))
