"""Clark, de las Casas, Guy, Mensch et al. 2022, "Unified Scaling Laws for Routed Language Models"
(ICML 2022, arXiv:2202.01169).

For a dense model of N parameters turned into a routed (mixture-of-experts) model with E experts,
the loss is bilinear in log N and log E (the paper's first law, its Figure 1a):

.. math::

    \\log L(N, E) = a \\log N + b \\log E + c \\log N \\log E + d

b < 0: more experts lower the loss; c > 0: the gain from experts shrinks as the dense model grows.
N is the *dense* model's parameter count (the parameters each token uses, not the total with every
expert); E = 1 is the dense model itself.

A form to fit, not a preset: no stored copy of the paper's tables of constants could be read here,
so no constants are shipped (issue 22). The paper also saturates E for very many experts (an
E-hat between E_start and E_max); that transformation is not shipped either, since its exact form
could not be checked against the paper. On real runs not shipped here (ScaleBench's MoE task: dense
models of 16M-368M parameters with 1-512 experts), the form fitted to the train split ranks the
held-out 1.3B model's 10 expert counts with R^2 0.60 (tests/test_published_forms.py).

Units: N [params, dense], E [experts], L [nats/token].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .forms import LawForm, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = ["FORM", "loss"]


def loss(N: ArrayLike, E: ArrayLike, *, a: float, b: float, c: float, d: float) -> NDArray | float:
    """log L = a log N + b log E + c log N log E + d (natural logarithms)

    Parameters
    ----------
    N : array_like
        Parameters of the dense model the experts are added to [params].
    E : array_like
        Experts per routed layer (1: the dense model).
    a, b, c, d : float
        The law's constants: a the dense exponent, b the experts' exponent at N = 1, c their interaction.

    Returns
    -------
    float or ndarray
        Loss [nats/token].

    Examples
    --------
    >>> round(loss(1.3e9, 64, a=-0.085, b=-0.105, c=0.0042, d=2.58), 4)
    2.067
    """
    lN, lE = np.log(_f(N)), np.log(_f(E))
    return _out(np.exp(a * lN + b * lE + c * lN * lE + d))


#: log L is linear in all four constants: variable projection solves them exactly (affine on the log scale).
FORM: LawForm = register_form(LawForm(
    "clark_moe",
    formula="log L = a log N + b log E + c log N log E + d (N dense params, E experts)",
    loss=loss,
    linear=("a", "b", "c", "d"),
    affine=("a", "b", "c", "d"),
    affine_scale="log",
    bounds={"a": (-2.0, 2.0), "b": (-2.0, 2.0), "c": (-1.0, 1.0), "d": (-20.0, 20.0)},
))
