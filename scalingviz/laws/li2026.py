"""ScaleBench's law families (Li, Li, Lin, Sun, Talwalkar, Yang 2026, "Spend Less, Fit Better", arXiv:2604.22753).

ScaleBench gathers eight scaling-law tasks from the literature, each a table of real runs with a
held-out, high-cost test split, and for each a set of candidate laws (``laws.py`` of PlanarG/active-sl
at e0a58ff). The forms here are each task's first candidate (``sl_1``), written from its formula as
pure numpy over the task's own variables:

=================  ===========================================================  =========================
form               law                                                          variables
=================  ===========================================================  =========================
scalebench_moe     L_inf + B / (N^alpha E^beta)                                  N dense params, E experts
scalebench_dc      A/N^alpha + B/D^beta + E U^gamma N^delta                      N, D tokens, U unique tokens
scalebench_vocab   c0 + A V^b P^e D^g (a unigram-normalised loss: negative)      P non-vocab params, V vocab, D chars
scalebench_sparse  K P^-a N^-b exp(c ln P ln N) + L0                             P sparsity term, N active params
scalebench_par     c0 + cN N^-alpha + cS P^-beta + cNS N^-alpha P^-beta          N params, P parallel streams
scalebench_farseer exp(s N^q + S) + exp(B N^b + Q) D^-exp(A N^a + E)              N, D
scalebench_lr_bsz  exp(a quadratic in ln lr, ln bsz, ln D, ln N)                 lr, bsz, D, N
scalebench_domain  a + b ln p + c1 q1 + c2 q2 + c3 q3 + c4 q4                    p own share, q the others'
=================  ===========================================================  =========================

They are forms to fit, not presets: ScaleBench publishes its data and its fitting procedure, not one
set of constants per law. ``scalingviz.catalog`` maps each task's columns to these variables (the
Fit tab loads a task's train split with them); ``benchmarks/bench_scalebench.py`` scores each on the
task's held-out split.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .forms import LawForm, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = ["moe", "data_constrained", "vocab", "sparsity", "parallel", "farseer", "lr_bsz", "domain", "FORMS"]


def moe(N: ArrayLike, E: ArrayLike, *, L_inf: float, B: float, alpha: float, beta: float) -> NDArray | float:
    """L_inf + B / (N^alpha E^beta)

    Parameters
    ----------
    N : array_like
        Dense (non-expert) parameters [params].
    E : array_like
        Experts per layer.
    L_inf, B, alpha, beta : float
        Irreducible loss [nats/token], scale, and the exponents of N and E.

    Examples
    --------
    >>> round(moe(1e8, 8, L_inf=1.8, B=40.0, alpha=0.2, beta=0.05), 4)
    2.7055
    """
    return _out(L_inf + B / (_f(N) ** alpha * _f(E) ** beta))


def data_constrained(N: ArrayLike, D: ArrayLike, U: ArrayLike, *, A: float, alpha: float, B: float, beta: float,
                     E: float, gamma: float, delta: float) -> NDArray | float:
    """A/N^alpha + B/D^beta + E U^gamma N^delta

    Parameters
    ----------
    N, D, U : array_like
        Parameters [params], training tokens and unique tokens [tokens].
    A, alpha, B, beta, E, gamma, delta : float
        Scales and exponents; the last term carries the repeated data's penalty.

    Examples
    --------
    >>> round(data_constrained(1e9, 1e11, 1e10, A=400.0, alpha=0.34, B=400.0, beta=0.28, E=1.0, gamma=-0.02,
    ...                        delta=0.01), 4)
    1.4573
    """
    return _out(A / _f(N) ** alpha + B / _f(D) ** beta + E * _f(U) ** gamma * _f(N) ** delta)


def vocab(P: ArrayLike, V: ArrayLike, D: ArrayLike, *, c0: float, A: float, b: float, e: float,
          g: float) -> NDArray | float:
    """c0 + A V^b P^e D^g

    Tao et al. 2024's target is the unigram-normalised loss, which is negative: fit it on the linear scale.

    Parameters
    ----------
    P : array_like
        Non-vocabulary parameters [params].
    V : array_like
        Vocabulary size [tokens in the vocabulary].
    D : array_like
        Training characters.
    c0, A, b, e, g : float
        Offset, scale and the exponents of V, P and D.

    Examples
    --------
    >>> round(vocab(1e8, 32000, 1e10, c0=-5.0, A=20.0, b=0.05, e=-0.1, g=-0.05), 4)
    -3.3162
    """
    return _out(c0 + A * _f(V) ** b * _f(P) ** e * _f(D) ** g)


def sparsity(P: ArrayLike, N: ArrayLike, *, K: float, a: float, b: float, c: float, L0: float) -> NDArray | float:
    """K P^-a N^-b exp(c ln P ln N) + L0

    Parameters
    ----------
    P : array_like
        ScaleBench's sparsity variable (its column ``P``).
    N : array_like
        Active parameters [params].
    K, a, b, c, L0 : float
        Scale, exponents, interaction and the loss floor.

    Examples
    --------
    >>> round(sparsity(2.0, 1e8, K=50.0, a=0.1, b=0.2, c=0.001, L0=1.5), 4)
    2.6869
    """
    lP, lN = np.log(_f(P)), np.log(_f(N))
    return _out(K * np.exp(-a * lP - b * lN + c * lP * lN) + L0)


def parallel(N: ArrayLike, P: ArrayLike, *, c0: float, cN: float, alpha: float, cS: float, beta: float,
             cNS: float) -> NDArray | float:
    """c0 + cN N^-alpha + cS P^-beta + cNS N^-alpha P^-beta

    Parameters
    ----------
    N : array_like
        Parameters [params].
    P : array_like
        Parallel streams (ParScale's P).
    c0, cN, alpha, cS, beta, cNS : float
        Offset, the two power laws' scales and exponents, and their interaction.

    Examples
    --------
    >>> round(parallel(1e9, 4, c0=1.5, cN=30.0, alpha=0.2, cS=0.1, beta=0.5, cNS=1.0), 4)
    2.0334
    """
    n, s = _f(N) ** -alpha, _f(P) ** -beta
    return _out(c0 + cN * n + cS * s + cNS * n * s)


def farseer(N: ArrayLike, D: ArrayLike, *, s: float, q: float, S: float, B: float, b: float, Q: float, A: float,
            a: float, E: float) -> NDArray | float:
    """exp(s N^q + S) + exp(B N^b + Q) D^-exp(A N^a + E)

    Parameters
    ----------
    N : array_like
        Parameters [params].
    D : array_like
        Training tokens [tokens].
    s, q, S, B, b, Q, A, a, E : float
        Farseer's constants (Li et al. 2025): the floor's, the data term's scale and its exponent's, each a
        function of N.

    Examples
    --------
    >>> round(farseer(1e9, 1e11, s=-1.0, q=-0.05, S=1.0, B=1.0, b=-0.1, Q=3.0, A=-2.0, a=-0.1, E=0.0), 4)
    1.9063
    """
    N, D = _f(N), _f(D)
    return _out(np.exp(s * N**q + S) + np.exp(B * N**b + Q) * D ** -np.exp(A * N**a + E))


_QUAD = [(i, j) for i in range(4) for j in range(i, 4)]  # the 10 second-order terms of four logs


def lr_bsz(lr: ArrayLike, bsz: ArrayLike, D: ArrayLike, N: ArrayLike, *, c0: float, c1: float, c2: float, c3: float,
           c4: float, q00: float, q01: float, q02: float, q03: float, q11: float, q12: float, q13: float, q22: float,
           q23: float, q33: float) -> NDArray | float:
    """exp(c0 + sum_i c_i z_i + sum_{i<=j} q_ij z_i z_j), z = (ln lr, ln bsz, ln D, ln N)

    Parameters
    ----------
    lr : array_like
        Peak learning rate.
    bsz : array_like
        Batch size (ScaleBench's column ``bsz``).
    D : array_like
        Training tokens [tokens].
    N : array_like
        Non-embedding parameters [params].
    c0, c1, c2, c3, c4, q00, q01, q02, q03, q11, q12, q13, q22, q23, q33 : float
        The quadratic's coefficients (every one enters ln L linearly).

    Examples
    --------
    >>> zero = dict.fromkeys(("c1", "c2", "c3", "c4", "q00", "q01", "q02", "q03", "q11", "q12", "q13", "q22",
    ...                       "q23", "q33"), 0.0)
    >>> round(lr_bsz(1e-3, 256, 1e10, 1e8, c0=1.0, **{**zero, "q00": 0.01}), 4)
    4.3805
    """
    z = [np.log(_f(x)) for x in (lr, bsz, D, N)]
    q = {"q00": q00, "q01": q01, "q02": q02, "q03": q03, "q11": q11, "q12": q12, "q13": q13, "q22": q22, "q23": q23,
         "q33": q33}
    poly = c0 + c1 * z[0] + c2 * z[1] + c3 * z[2] + c4 * z[3]
    for i, j in _QUAD:
        poly = poly + q[f"q{i}{j}"] * z[i] * z[j]
    return _out(np.exp(poly))


def domain(p: ArrayLike, q1: ArrayLike, q2: ArrayLike, q3: ArrayLike, q4: ArrayLike, *, a: float, b: float,
           c1: float, c2: float, c3: float, c4: float) -> NDArray | float:
    """a + b ln p + c1 q1 + c2 q2 + c3 q3 + c4 q4

    One domain's loss in a five-domain mixture: p is that domain's share of the training data, q1 ... q4
    the other domains' shares (fit one law per domain, mapping its columns).

    Parameters
    ----------
    p : array_like
        The domain's own share of the mixture (0 < p <= 1; a share of 0 is taken as 1e-12).
    q1, q2, q3, q4 : array_like
        The other four domains' shares.
    a, b, c1, c2, c3, c4 : float
        Every constant enters linearly.

    Examples
    --------
    >>> round(domain(0.2, 0.2, 0.2, 0.2, 0.2, a=3.0, b=-0.1, c1=0.1, c2=0.0, c3=0.0, c4=-0.1), 4)
    3.1609
    """
    return _out(a + b * np.log(np.maximum(_f(p), 1e-12)) + c1 * _f(q1) + c2 * _f(q2) + c3 * _f(q3) + c4 * _f(q4))


_LR_BSZ = ("c0", "c1", "c2", "c3", "c4", *(f"q{i}{j}" for i, j in _QUAD))
_DOMAIN = ("a", "b", "c1", "c2", "c3", "c4")

#: ScaleBench's first candidate law of each task, as fittable forms (no presets: no constants are published).
#: Bounds keep each search where the benchmark's own fits land (benchmarks/bench_scalebench.py).
FORMS: dict[str, LawForm] = {f.name: register_form(f) for f in (
    LawForm("scalebench_moe", formula="L = L_inf + B/(N^alpha E^beta)", loss=moe, linear=("alpha", "beta"),
            affine=("L_inf", "B"), bounds={"B": (1e-3, 1e6), "alpha": (0, 2), "beta": (-1, 2)}),
    LawForm("scalebench_dc", formula="L = A/N^alpha + B/D^beta + E U^gamma N^delta", loss=data_constrained,
            linear=("alpha", "beta", "gamma", "delta"), affine=("A", "B", "E"),
            bounds={"A": (1e-3, 1e8), "B": (1e-3, 1e8), "E": (1e-6, 1e4), "alpha": (0, 1.5), "beta": (0, 1.5),
                    "gamma": (-1, 1), "delta": (-1, 1)}),
    LawForm("scalebench_vocab", formula="L_u = c0 + A V^b P^e D^g", loss=vocab, linear=("c0", "b", "e", "g"),
            affine=("c0", "A"), bounds={"c0": (-10, 10), "A": (1e-3, 1e6), "b": (-1, 1), "e": (-1, 1), "g": (-1, 1)}),
    LawForm("scalebench_sparse", formula="L = K P^-a N^-b exp(c ln P ln N) + L0", loss=sparsity,
            linear=("a", "b", "c"), affine=("K", "L0"), bounds={"a": (-1, 2), "b": (-1, 2), "c": (-1, 1)}),
    LawForm("scalebench_par", formula="L = c0 + cN N^-alpha + cS P^-beta + cNS N^-alpha P^-beta", loss=parallel,
            linear=("c0", "cNS", "alpha", "beta"), affine=("c0", "cN", "cS", "cNS"),
            bounds={"c0": (-10, 10), "cN": (1e-3, 1e6), "cS": (1e-4, 10), "cNS": (-100, 100), "alpha": (0, 1.5),
                    "beta": (0, 3)}),
    LawForm("scalebench_farseer", formula="L = exp(s N^q + S) + exp(B N^b + Q) D^-exp(A N^a + E)", loss=farseer,
            linear=("s", "q", "S", "B", "b", "Q", "A", "a", "E"),
            bounds={"q": (-1, 0.5), "b": (-1, 0.5), "a": (-1, 0.5), "s": (-20, 20), "S": (-5, 5), "B": (-50, 50),
                    "Q": (-10, 20), "A": (-20, 20), "E": (-5, 2)}),
    LawForm("scalebench_lr_bsz", formula="L = exp(quadratic in ln lr, ln bsz, ln D, ln N)", loss=lr_bsz,
            linear=_LR_BSZ, affine=_LR_BSZ, affine_scale="log"),
    LawForm("scalebench_domain", formula="L_i = a + b ln p + c1 q1 + c2 q2 + c3 q3 + c4 q4", loss=domain,
            linear=_DOMAIN, affine=_DOMAIN),
)}
