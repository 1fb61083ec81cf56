"""Tao, Liu, Dou, Muennighoff, Wan, Luo, Lin, Wong 2024, "Scaling Laws with Vocabulary: Larger Models
Deserve Larger Vocabularies" (NeurIPS 2024, arXiv:2407.13623).

The loss is the *unigram-normalised* loss L_u: the language-modelling loss minus the loss of a unigram
model of the same tokenizer, so that vocabularies of different sizes compare fairly. It is negative
(about -1 to -5.5 nats/token on the paper's runs). The paper's Approach 3 fits

.. math::

    L_u(N_{nv}, N_v, D) = -E + \\frac{A_1}{N_{nv}^{\\alpha_1}} + \\frac{A_2}{N_v^{\\alpha_2}} + \\frac{B}{D^{\\beta}}

with N_nv the non-vocabulary parameters, N_v = V d the vocabulary parameters (V tokens in the
vocabulary, d the embedding width), and D training data, in the authors' normalised units: N_nv and
N_v in millions of parameters, D in billions (``approach3_isoloss.py`` of sail-sg/scaling-with-vocab).
The functions here take plain counts and convert.

What D counts differs between the authors' two steps, and this module keeps both as published. Their
fit of the constants converts characters with :func:`tokens_from_characters` at V in thousands, a D
2.5-4x the true token count; their optimal vocabulary (Approach 3) takes D = C / (6 (N_nv + V d)) in
true tokens. The preset's constants reproduce the authors' runs only with the first (R^2 0.98 against
0.11), and the paper's headline vocabularies only with the second (Llama2-70B: 218K, "at least 216K").

The compute-optimal vocabulary for N_nv non-vocabulary parameters and a budget of C FLOP solves
dL_u/dV = 0 with D = C / (6 (N_nv + V d)) (the paper's Approach 3; ``optimal_Nv_predict.py``):
:func:`optimal_vocab`. Without C, the budget is the one Approach 1 finds compute-optimal for N_nv,
N_nv = G C^a.

Units: N_nv and N_v [params], D [tokens], C [FLOP], L_u [nats/token, unigram-normalised].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .forms import LawForm, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = ["FORM", "loss", "optimal_vocab", "tokens_from_characters"]

# The authors' normalisation of the fit's variables (approach3_isoloss.py): constants are published for these.
_N_UNIT, _D_UNIT = 1e6, 1e9


def loss(N: ArrayLike, Nv: ArrayLike, D: ArrayLike, *, E: float, A1: float, alpha1: float, A2: float, alpha2: float,
         B: float, beta: float) -> NDArray | float:
    """L_u = -E + A1/N^alpha1 + A2/Nv^alpha2 + B/D^beta (N, Nv in millions of params, D in billions of tokens)

    Parameters
    ----------
    N : array_like
        Non-vocabulary parameters [params].
    Nv : array_like
        Vocabulary parameters, vocabulary size times embedding width [params].
    D : array_like
        Training tokens [tokens].
    E, A1, alpha1, A2, alpha2, B, beta : float
        The law's constants, as in preset ``tao2024`` (E enters with a minus sign: L_u is negative).

    Returns
    -------
    float or ndarray
        Unigram-normalised loss [nats/token].

    Examples
    --------
    >>> k = dict(E=5.5, A1=1.8, alpha1=0.45, A2=0.2, alpha2=0.67, B=2.1, beta=0.45)
    >>> round(loss(1e9, 32000 * 2048, 2e10, **k), 4)
    -4.862
    """
    return _out(-E + A1 / (_f(N) / _N_UNIT) ** alpha1 + A2 / (_f(Nv) / _N_UNIT) ** alpha2
                + B / (_f(D) / _D_UNIT) ** beta)


def tokens_from_characters(H: ArrayLike, V: ArrayLike, *, r0: float, r1: float, r2: float,
                           V_unit: float = 1.0) -> NDArray | float:
    """Tokens in H characters for a vocabulary of V tokens: H (r2 ln^2 v + r1 ln v + r0), v = min(V, 2e5) / V_unit.

    The authors' fit of their tokenizers' compression (``utils.H_to_D`` of sail-sg/scaling-with-vocab;
    preset ``tao2024``'s ``setup``). ``V_unit=1`` gives tokens (about 0.24-0.33 per character for 4K-64K
    vocabularies). The published loss constants were fitted with ``V_unit=1000`` (V in thousands, as
    ``approach3_isoloss.py`` passes it): a D of 0.66-0.99 per character, 2.5-4x the token count. Use
    that D with the preset's :func:`loss`; with true tokens its constants score R^2 0.11 on the authors'
    own runs, against 0.98 (tests/test_tao2024.py).

    Parameters
    ----------
    H : array_like
        Characters of training text [characters].
    V : array_like
        Vocabulary size [tokens in the vocabulary].
    r0, r1, r2 : float
        The tokenizer ratio's coefficients, as in preset ``tao2024``'s ``setup``.
    V_unit : float
        The unit V is counted in inside the logarithm (1: tokens; 1000: as the authors' fit).

    Returns
    -------
    float or ndarray
        Tokens [tokens] (or the fit's D, with ``V_unit=1000``).

    Examples
    --------
    >>> k = dict(r0=1.2, r1=-0.16, r2=0.0064)
    >>> round(float(tokens_from_characters(1e9, 32000, **k)) / 1e9, 3)
    0.229
    """
    v = np.minimum(_f(V), 200_000.0) / V_unit
    lv = np.log(v)
    return _out(_f(H) * (r2 * lv ** 2 + r1 * lv + r0))


def optimal_vocab(N: ArrayLike, d: ArrayLike, C: ArrayLike | None = None, *, E: float, A1: float, alpha1: float,
                  A2: float, alpha2: float, B: float, beta: float, G: float, a: float) -> dict[str, NDArray | float]:
    """The vocabulary that minimises L_u for N non-vocabulary parameters, width d and C FLOP.

    Spending C on a larger vocabulary leaves fewer tokens, D = C / (6 (N + V d)); the optimum is the
    root of dL_u/dN_v = -alpha2 A2 N_v^-alpha2 / N_v + beta B D^-beta / (N + N_v) (normalised units),
    which rises with N_v, found by bisection in ln N_v (vectorised).

    Parameters
    ----------
    N : array_like
        Non-vocabulary parameters [params].
    d : array_like
        Embedding width [-].
    C : array_like, optional
        Training compute [FLOP], counted as 6 (N + V d) D. Default: the compute-optimal budget for N
        by the paper's Approach 1, N = G C^a.
    E, A1, alpha1, A2, alpha2, B, beta, G, a : float
        The law's constants, as in preset ``tao2024``.

    Returns
    -------
    dict
        ``V_opt`` [tokens in the vocabulary], ``Nv_opt`` [params], ``D`` [tokens] left for training,
        ``C`` [FLOP] and ``loss`` [nats/token, unigram-normalised] at the optimum.

    Examples
    --------
    >>> k = dict(E=5.5, A1=1.8, alpha1=0.45, A2=0.2, alpha2=0.67, B=2.1, beta=0.45, G=0.083, a=0.5)
    >>> round(float(optimal_vocab(7e9, 4096, **k)["V_opt"]), -2)
    61300.0
    """
    N, d = _f(N), _f(d)
    C = (N / G) ** (1.0 / a) if C is None else _f(C)
    N, d, C = np.broadcast_arrays(N, d, C)
    n = N / _N_UNIT

    def slope(nv: NDArray) -> NDArray:  # dL_u/dN_v in normalised units; rises with N_v
        D = C / (6.0 * (N + nv * _N_UNIT)) / _D_UNIT
        return -alpha2 * A2 * nv ** (-alpha2 - 1.0) + beta * B * D ** (-beta) / (n + nv)

    lo, hi = np.full(N.shape, np.log(1e-6)), np.log(np.maximum(C / (6.0 * _D_UNIT * 1e-6), 1.0) / _N_UNIT)
    hi = np.maximum(hi, lo + 1.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        up = slope(np.exp(mid)) > 0
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    Nv = np.exp(0.5 * (lo + hi)) * _N_UNIT
    D = C / (6.0 * (N + Nv))
    L = loss(N, Nv, D, E=E, A1=A1, alpha1=alpha1, A2=A2, alpha2=alpha2, B=B, beta=beta)
    return {"V_opt": _out(Nv / d), "Nv_opt": _out(Nv), "D": _out(D), "C": _out(C), "loss": _out(L)}


#: The paper's Approach 3 form. The constants enter affinely in E, A1, A2, B (variable projection); the
#: authors tie alpha1 = beta (their constraint), which a fit can impose with ``fixed=`` or leave free.
FORM: LawForm = register_form(LawForm(
    "tao_vocab",
    formula="L_u = -E + A1/N_nv^alpha1 + A2/N_v^alpha2 + B/D^beta (N in 1e6 params, D in 1e9 tokens)",
    loss=loss,
    optimal_vocab=optimal_vocab,
    linear=("E", "alpha1", "alpha2", "beta"),
    affine=("E", "A1", "A2", "B"),
    bounds={"E": (-20.0, 20.0), "alpha1": (0.0, 2.0), "alpha2": (0.0, 2.0), "beta": (0.0, 2.0)},
))
