"""Krajewski, Ludziejewski, Adamczewski et al. 2024, "Scaling Laws for Fine-Grained Mixture of Experts"
(ICML 2024, arXiv:2402.07871).

Granularity G splits each expert into G smaller ones (and routes to G times as many), keeping the
parameters and the compute per token. The loss over the model size N, the training tokens D and G:

.. math::

    L(N, D, G) = c + \\left(\\frac{g}{G^{\\gamma}} + a\\right) \\frac{1}{N^{\\alpha}} + \\frac{b}{D^{\\beta}}

N counts the model's *total* non-embedding parameters, every expert included (the paper fixes the
expansion rate, experts' total size over one dense feed-forward layer, at 64). With g = 0 it is
Chinchilla's form.

A form to fit, not a preset: the paper's Table 1 constants were seen only in second-hand notes here,
never in a stored copy of the paper, so none are shipped (issue 22). No public table of the paper's
runs could be found either: the tests check that a fit recovers known constants from runs drawn
from the form, not a held-out score on real runs.

Units: N [params, total non-embedding], D [tokens], G [granularity, >= 1], L [nats/token].
"""

from __future__ import annotations

from numpy.typing import ArrayLike, NDArray

from .forms import LawForm, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = ["FORM", "loss"]


def loss(N: ArrayLike, D: ArrayLike, G: ArrayLike, *, a: float, alpha: float, b: float, beta: float, g: float,
         gamma: float, c: float) -> NDArray | float:
    """L = c + (g/G^gamma + a)/N^alpha + b/D^beta

    Parameters
    ----------
    N : array_like
        Total non-embedding parameters, every expert included [params].
    D : array_like
        Training tokens [tokens].
    G : array_like
        Granularity: how many pieces each expert of a standard MoE is split into (1: standard MoE).
    a, alpha, b, beta, g, gamma, c : float
        The law's constants; g and gamma carry the effect of granularity, c is the irreducible loss.

    Returns
    -------
    float or ndarray
        Loss [nats/token].

    Examples
    --------
    >>> k = dict(a=18.0, alpha=0.115, b=30.0, beta=0.15, g=2.0, gamma=0.6, c=0.5)
    >>> round(loss(1e9, 1e10, 8, **k), 4)
    3.1623
    """
    return _out(c + (g / _f(G) ** gamma + a) / _f(N) ** alpha + b / _f(D) ** beta)


#: Affine in a, b, g, c once the exponents are fixed: variable projection solves those four exactly.
FORM: LawForm = register_form(LawForm(
    "krajewski_moe",
    formula="L = c + (g/G^gamma + a)/N^alpha + b/D^beta (N total non-embedding params, G granularity)",
    loss=loss,
    linear=("alpha", "beta", "gamma"),
    affine=("a", "b", "g", "c"),
    bounds={"alpha": (0.0, 1.5), "beta": (0.0, 1.5), "gamma": (0.0, 3.0), "a": (1e-6, 1e6), "b": (1e-6, 1e6),
            "g": (1e-6, 1e6), "c": (1e-6, 20.0)},
))
