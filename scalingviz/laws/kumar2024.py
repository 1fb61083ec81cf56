"""Kumar, Ankner, Spector, Bordelon, Muennighoff, Paul, Pehlevan, Ré, Raghunathan 2024, "Scaling Laws
for Precision" (arXiv:2411.04330).

Training in low precision shrinks a model's *effective* parameter count. With weights, activations
and the attention's key-value cache held in P_w, P_a and P_kv bits during training,

.. math::

    N_{eff} = N (1 - e^{-P_w/\\gamma_w}) (1 - e^{-P_a/\\gamma_a}) (1 - e^{-P_kv/\\gamma_kv})

    L(N, D, P_w, P_a, P_kv) = \\frac{A}{N_{eff}^{\\alpha}} + \\frac{B}{D^{\\beta}} + E

Each gamma is how sensitive the loss is to that quantity's precision (bits at which 63% of the
parameters count). In high precision (P >> gamma) N_eff -> N and the law is Chinchilla's. This is the
paper's pre-training law; its post-training quantisation term is not shipped.

A form to fit, not a preset: the paper's Table 2 constants were seen only in second-hand notes here,
never in a stored copy of the paper, and the paper itself warns they are unlikely to transfer to
other setups; none are shipped (issue 22). The second-hand notes also mention a fitted offset per
precision that this form does not have. No public table of the paper's runs could be found: the tests
check that a fit recovers known constants from runs drawn from the form. A table that varies only
some precisions leaves the others' gammas unidentified: pin them with ``fixed=`` (the fit says
``degenerate`` otherwise).

Units: N [params, non-embedding], D [tokens], P_w, P_a, P_kv [bits], L [nats/token].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .forms import LawForm, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = ["FORM", "effective_params", "loss"]


def effective_params(N: ArrayLike, P_w: ArrayLike, P_a: ArrayLike, P_kv: ArrayLike, *, gamma_w: float,
                     gamma_a: float, gamma_kv: float) -> NDArray | float:
    """N_eff = N (1 - exp(-P_w/gamma_w)) (1 - exp(-P_a/gamma_a)) (1 - exp(-P_kv/gamma_kv))

    Parameters
    ----------
    N : array_like
        Non-embedding parameters [params].
    P_w, P_a, P_kv : array_like
        Training precision of the weights, the activations and the key-value cache [bits].
    gamma_w, gamma_a, gamma_kv : float
        Precision sensitivities [bits].

    Returns
    -------
    float or ndarray
        Effective parameters [params].

    Examples
    --------
    >>> round(float(effective_params(1e9, 4, 8, 8, gamma_w=2.7, gamma_a=2.2, gamma_kv=1.0)) / 1e9, 4)
    0.7521
    """
    keep = -np.expm1(-_f(P_w) / gamma_w) * -np.expm1(-_f(P_a) / gamma_a) * -np.expm1(-_f(P_kv) / gamma_kv)
    return _out(_f(N) * keep)


def loss(N: ArrayLike, D: ArrayLike, P_w: ArrayLike, P_a: ArrayLike, P_kv: ArrayLike, *, A: float, alpha: float,
         B: float, beta: float, E: float, gamma_w: float, gamma_a: float, gamma_kv: float) -> NDArray | float:
    """L = A/N_eff^alpha + B/D^beta + E, N_eff = N prod_x (1 - exp(-P_x/gamma_x)), x = w, a, kv

    Parameters
    ----------
    N : array_like
        Non-embedding parameters [params].
    D : array_like
        Training tokens [tokens].
    P_w, P_a, P_kv : array_like
        Training precision of the weights, the activations and the key-value cache [bits].
    A, alpha, B, beta, E : float
        Chinchilla's constants over N_eff and D.
    gamma_w, gamma_a, gamma_kv : float
        Precision sensitivities [bits].

    Returns
    -------
    float or ndarray
        Loss [nats/token].

    Examples
    --------
    >>> k = dict(A=400.0, alpha=0.34, B=410.0, beta=0.28, E=1.69, gamma_w=2.7, gamma_a=2.2, gamma_kv=1.0)
    >>> round(loss(1e9, 2e10, 16, 16, 16, **k), 4), round(loss(1e9, 2e10, 4, 8, 8, **k), 4)
    (2.574, 2.609)
    """
    n_eff = effective_params(N, P_w, P_a, P_kv, gamma_w=gamma_w, gamma_a=gamma_a, gamma_kv=gamma_kv)
    return _out(A / _f(n_eff) ** alpha + B / _f(D) ** beta + E)


#: Affine in A, B, E once the exponents and the gammas are fixed (variable projection).
FORM: LawForm = register_form(LawForm(
    "kumar_precision",
    formula="L = A/N_eff^alpha + B/D^beta + E, N_eff = N prod (1 - exp(-P/gamma)) over P_w, P_a, P_kv [bits]",
    loss=loss,
    linear=("alpha", "beta"),
    affine=("A", "B", "E"),
    bounds={"alpha": (0.0, 1.5), "beta": (0.0, 1.5), "gamma_w": (0.05, 64.0), "gamma_a": (0.05, 64.0),
            "gamma_kv": (0.05, 64.0), "A": (1e-6, 1e8), "B": (1e-6, 1e8), "E": (1e-6, 20.0)},
))
