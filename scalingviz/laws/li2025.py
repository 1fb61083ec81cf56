"""Li et al. 2025, "Predictable Scale: Part I -- Step Law" (arXiv:2503.04715).

Optimal peak learning rate and batch size from dense LLaMA-style runs:

* ``eta_opt(N, D) = c_lr N^p_N D^p_D`` (1.79 N^-0.713 D^0.307 in the paper);
* ``B_opt(D) = c_B D^q_D`` [tokens] (0.58 D^0.571), independent of N.

N counts **non-embedding** parameters; D and B are in **tokens** (the released fitting code
converts sequences to tokens with ``bs x seq_len`` before fitting). Scalars in give floats
out; arrays broadcast.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .forms import LawForm, register_form
from .forms import scalar_or_array as _out

__all__ = ["FORM", "batch_tokens", "learning_rate"]


def learning_rate(N: ArrayLike, D: ArrayLike, *, lr_coef: float, lr_exp_N: float, lr_exp_D: float) -> float | NDArray:
    """Optimal peak learning rate ``eta = lr_coef N^lr_exp_N D^lr_exp_D`` [-].

    Parameters
    ----------
    N : array_like
        Parameters [params, non-embedding].
    D : array_like
        Training tokens [tokens].

    Examples
    --------
    >>> round(learning_rate(7e9, 1.4e12, lr_coef=1.79, lr_exp_N=-0.713, lr_exp_D=0.307), 7)
    0.0009166
    """
    N, D = np.asarray(N, dtype=float), np.asarray(D, dtype=float)
    return _out(lr_coef * N**lr_exp_N * D**lr_exp_D)


def batch_tokens(D: ArrayLike, *, bs_coef: float, bs_exp_D: float) -> float | NDArray:
    """Optimal batch size ``B = bs_coef D^bs_exp_D`` [tokens]; divide by the sequence length for sequences.

    Parameters
    ----------
    D : array_like
        Training tokens [tokens].
    bs_coef, bs_exp_D : float
        The law's constants, as in preset ``li2025``.

    Examples
    --------
    >>> round(batch_tokens(1.4e12, bs_coef=0.58, bs_exp_D=0.571) / 1e6, 4)
    4.9988
    """
    return _out(bs_coef * np.asarray(D, dtype=float) ** bs_exp_D)


#: Step Law: eta(N, D) and B(D) [tokens].
FORM = register_form(LawForm(
    "steplaw",
    formula="eta_opt = lr_coef N^lr_exp_N D^lr_exp_D; B_opt = bs_coef D^bs_exp_D tokens",
    lr=learning_rate, batch=batch_tokens,
    linear=("lr_exp_N", "lr_exp_D", "bs_exp_D"),
))
