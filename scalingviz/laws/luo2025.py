"""Luo et al. 2025, "A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules"
(ICLR 2025, arXiv:2503.12811).

The loss after step t of a run whose learning rate follows any schedule eta_0, eta_1, ...:

.. math::

    L(t) = L_0 + A\\,S_1(t)^{-\\alpha} + B\\,\\sum_{k=1}^{t} (\\eta_k - \\eta_{k-1})\\,
           G\\!\\left(\\eta_k^{-\\gamma} S_k(t)\\right),\\qquad
    G(x) = 1 - (C x + 1)^{-\\beta},

with ``S_1(t) = sum_{tau=0..t} eta_tau`` (warmup included) and ``S_k(t) = sum_{tau=k..t} eta_tau``.
A decreasing learning rate makes ``eta_k - eta_{k-1}`` negative: the last term is the loss drop
of annealing. This is the paper's Eq. 1 in the indexing of its reference code
(``src/models.py`` and ``src/evaluation.py`` at commit 8da9f19): the per-step schedule starts
at step 0 and includes the linear warmup from 0.

Units: t [optimizer steps], eta [learning rate], L [nats/token, the paper's training loss].

The direct sum is quadratic in steps (a 72,000-step curve at 500 points is 36 million terms).
:func:`loss_curve` groups the steps into chunks of 128, represents each chunk by its summed
learning-rate change at the change-weighted mean of ``eta_k^-gamma`` and ``S(k-1)`` (exact for a
chunk with a single jump, as in a step schedule), and sums only the last, partial chunk before
each query step term by term. :func:`loss_curve_direct` is the direct sum, kept as the reference
the tests compare with.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError
from .forms import LawForm, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = ["CHUNK", "FORM", "Curve", "loss_curve", "loss_curve_direct", "loss_curve_gradient"]

#: Steps per chunk of :func:`loss_curve`'s sum.
CHUNK = 128
#: At most this many (query step x chunk) elements per array: longer queries are evaluated in blocks.
QUERY_ELEMENTS = 1 << 22


def _prepare(step: ArrayLike, lr: ArrayLike) -> tuple[NDArray, NDArray, NDArray]:
    eta = _f(lr).ravel()
    q = np.asarray(step)
    qi = q.astype(np.int64)
    if eta.size < 2 or np.any(qi != q) or (q.size and (qi.min() < 1 or qi.max() >= eta.size)):
        raise InputError(f"step: query steps must be whole numbers from 1 to {eta.size - 1} (the schedule has "
                         f"{eta.size} steps)")
    S = np.cumsum(eta)
    return eta, S, qi


def _G(x: NDArray, C: float, beta: float) -> NDArray:
    return -np.expm1(-beta * np.log1p(C * x))  # 1 - (1 + C x)^-beta, exact for small x


def loss_curve_direct(step: ArrayLike, lr: ArrayLike, *, L0: float, A: float, alpha: float, B: float, C: float,
                      beta: float, gamma: float) -> float | NDArray:
    """The Multi-Power Law by its direct, quadratic sum (the reference for :func:`loss_curve`).

    Parameters
    ----------
    step : array_like of int
        Steps to evaluate, 1 to ``len(lr) - 1``.
    lr : array_like
        The learning rate of every step from 0 (warmup included), e.g. :meth:`scalingviz.schedules.Schedule.lrs`.
    L0, A, alpha, B, C, beta, gamma : float
        The law's constants, as in preset ``luo2025-100m``.

    Examples
    --------
    >>> from scalingviz.laws.luo2025 import loss_curve_direct
    >>> from scalingviz.schedules import Schedule
    >>> lr = Schedule("cosine", steps=2000, peak_lr=3e-4, warmup=100).lrs()
    >>> k = dict(L0=2.6514477, A=0.60115152, alpha=0.45295811, B=437.9464276, C=2.13245612,
    ...          beta=0.59785199, gamma=0.65523644)
    >>> print(f"{float(loss_curve_direct(1999, lr, **k)):.4g}")
    3.668
    """
    eta, S, q = _prepare(step, lr)
    gap = np.zeros_like(eta)
    gap[1:] = np.diff(eta)
    with np.errstate(divide="ignore"):
        eg = eta ** (-gamma)
    out = np.empty(q.shape, dtype=float)
    for i, s in np.ndenumerate(q):
        k = np.arange(1, s + 1)
        nz = gap[k] != 0
        k = k[nz]
        out[i] = L0 + A * S[s] ** (-alpha) + B * np.sum(gap[k] * _G(eg[k] * (S[s] - S[k - 1]), C, beta))
    return _out(out)


class Curve:
    """One run's schedule and query steps, prepared once for :func:`loss_curve` (and for fitting:
    everything that does not depend on the constants is computed here).

    Chunks of :data:`CHUNK` steps over k = 1 .. T-1: chunk j holds k in [1 + j m, 1 + (j+1) m). The
    chunks wholly before a query step are summed at their change-weighted means; the chunk holding
    the query step is summed term by term.
    """

    def __init__(self, step: ArrayLike, lr: ArrayLike, chunk: int = CHUNK):
        eta, S, q = _prepare(step, lr)
        self.shape = q.shape
        q = q.ravel()
        T, m = eta.size, chunk
        gap = np.zeros_like(eta)
        gap[1:] = np.diff(eta)
        log_eta = np.log(np.maximum(eta, 1e-30))  # a rate of 0 acts as a vanishing one: its term tends to G(inf) = 1
        n_chunks = (T - 1 + m - 1) // m
        pad = n_chunks * m - (T - 1)
        kk = np.arange(1, T)

        def blocks(x: NDArray) -> NDArray:
            return np.concatenate([x, np.zeros(pad)]).reshape(n_chunks, m)

        g = blocks(gap[1:])
        w = np.abs(g)
        W = w.sum(axis=1)
        live = np.flatnonzero(W > 0)  # chunks where the schedule changes at all
        self.w = w[live] / W[live, None]  # weights within each live chunk, summing to 1
        self.log_eta_c = blocks(log_eta[kk])[live]
        self.gsum = g[live].sum(axis=1)
        s_bar = (self.w * blocks(S[kk - 1])[live]).sum(axis=1)
        js = (q - 1) // m
        self.full = live[None, :] < js[:, None]  # (n_q, n_live): chunks wholly before each query
        self.dS_c = np.where(self.full, S[q][:, None] - s_bar[None, :], 0.0)
        K = js[:, None] * m + 1 + np.arange(m)[None, :]  # the partial chunk, step by step
        valid = K <= q[:, None]
        Kc = np.minimum(K, T - 1)
        self.g_p = np.where(valid, gap[Kc], 0.0)
        self.dS_p = np.where(valid, S[q][:, None] - S[Kc - 1], 0.0)
        self.log_eta_p = log_eta[Kc]
        self.S1 = S[q]

    def evaluate(self, *, L0, A, alpha, B, C, beta, gamma, gradient: bool = False):
        """Predicted losses (and, with ``gradient=True``, ``{constant: dL/dconstant}``)."""
        e_all = np.exp(-gamma * self.log_eta_c)
        e_c = (self.w * e_all).sum(axis=1)
        e_p = np.exp(-gamma * self.log_eta_p)
        x_c = e_c[None, :] * self.dS_c
        x_p = e_p * self.dS_p
        u_c, u_p = 1.0 + C * x_c, 1.0 + C * x_p
        lu_c, lu_p = np.log(u_c), np.log(u_p)  # each logarithm once: the gradient reuses them
        G_c = np.where(self.full, -np.expm1(-beta * lu_c), 0.0)
        G_p = -np.expm1(-beta * lu_p)
        LD = G_c @ self.gsum + (self.g_p * G_p).sum(axis=1)
        P = self.S1 ** (-alpha)
        pred = L0 + A * P + B * LD
        if not gradient:
            return pred.reshape(self.shape)
        # d/dC, d/dbeta, d/dgamma of G = 1 - u^-beta, u = 1 + C x, x = e(gamma) dS; u^-beta = exp(-beta ln u)
        # and u^(-beta-1) = u^-beta / u, from the logarithms above (no power is taken twice)
        pw_c, pw_p = np.exp(-beta * lu_c), np.exp(-beta * lu_p)
        up_c, up_p = pw_c / u_c, pw_p / u_p
        dG_dx_c, dG_dx_p = beta * C * up_c, beta * C * up_p
        de_c = -(self.w * e_all * self.log_eta_c).sum(axis=1)  # d e_c / d gamma
        de_p = -e_p * self.log_eta_p
        full = self.full
        grad = {
            "L0": np.ones_like(pred),
            "A": P,
            "alpha": -A * P * np.log(self.S1),
            "B": LD,
            "C": B * (np.where(full, beta * x_c * up_c, 0.0) @ self.gsum + (self.g_p * beta * x_p * up_p).sum(axis=1)),
            "beta": B * (np.where(full, pw_c * lu_c, 0.0) @ self.gsum + (self.g_p * pw_p * lu_p).sum(axis=1)),
            "gamma": B * (np.where(full, dG_dx_c * self.dS_c * de_c[None, :], 0.0) @ self.gsum
                          + (self.g_p * dG_dx_p * self.dS_p * de_p).sum(axis=1)),
        }
        return pred.reshape(self.shape), {k: v.reshape(self.shape) for k, v in grad.items()}


_CACHE: dict[bytes, Curve] = {}
_CACHE_SIZE = 32


def prepared(step: ArrayLike, lr: ArrayLike) -> Curve:
    """A :class:`Curve` for (step, lr), cached by a digest of both arrays: a fit evaluates the same
    curves thousands of times with other constants, and the preparation does not depend on them."""
    import hashlib

    st, eta = np.asarray(step), np.asarray(lr, dtype=float)  # (not ascontiguousarray: it makes a scalar 1-d)
    key = hashlib.blake2b(st.tobytes() + str((st.dtype, st.shape)).encode() + eta.tobytes(), digest_size=16).digest()
    c = _CACHE.get(key)
    if c is None:
        c = Curve(st, eta)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = c
    return c


def loss_curve(step: ArrayLike, lr: ArrayLike, *, L0: float, A: float, alpha: float, B: float, C: float,
               beta: float, gamma: float) -> float | NDArray:
    """Loss at the given steps of a run with per-step learning rates ``lr`` (Luo et al. 2025, Eq. 1).

    Parameters
    ----------
    step : array_like of int
        Steps to evaluate, 1 to ``len(lr) - 1`` [steps].
    lr : array_like
        The learning rate of every step from 0 (warmup included), e.g.
        :meth:`scalingviz.schedules.Schedule.lrs`.
    L0, A, alpha, B, C, beta, gamma : float
        The law's constants (presets ``luo2025-25m``, ``-100m``, ``-400m``).

    Returns
    -------
    float or ndarray
        L [nats/token], shaped like ``step``.

    Notes
    -----
    Chunked sum (:class:`Curve`); it agrees with :func:`loss_curve_direct` within 3e-4 nats (1e-4 relative) after
    the warmup, and 3e-5 relative inside it, on the paper's schedules (tested).

    Examples
    --------
    >>> from scalingviz.laws.luo2025 import loss_curve
    >>> from scalingviz.schedules import Schedule
    >>> lr = Schedule("cosine", steps=2000, peak_lr=3e-4, warmup=100).lrs()
    >>> k = dict(L0=2.6514477, A=0.60115152, alpha=0.45295811, B=437.9464276, C=2.13245612,
    ...          beta=0.59785199, gamma=0.65523644)
    >>> print(f"{float(loss_curve(1999, lr, **k)):.4g}")
    3.669
    """
    consts = dict(L0=L0, A=A, alpha=alpha, B=B, C=C, beta=beta, gamma=gamma)
    q = np.asarray(step)
    block = max(1, QUERY_ELEMENTS // max(1, (np.asarray(lr).size - 1) // CHUNK + CHUNK))
    if q.size > block:  # bounded memory: the query steps in blocks (each block's arrays are queries x chunks)
        flat = q.ravel()
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            parts = [Curve(flat[i:i + block], lr).evaluate(**consts) for i in range(0, flat.size, block)]
        return _out(np.concatenate([np.ravel(p) for p in parts]).reshape(q.shape))
    c = prepared(step, lr)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _out(c.evaluate(**consts))


def loss_curve_gradient(step: ArrayLike, lr: ArrayLike, *, L0: float, A: float, alpha: float, B: float, C: float,
                        beta: float, gamma: float) -> dict[str, NDArray]:
    """Partial derivatives of :func:`loss_curve` with respect to each constant (for fitting).

    Parameters
    ----------
    step : array_like of int
        Steps to evaluate, 1 to ``len(lr) - 1``.
    lr : array_like
        The learning rate of every step from 0 (warmup included), e.g. :meth:`scalingviz.schedules.Schedule.lrs`.
    L0, A, alpha, B, C, beta, gamma : float
        The law's constants, as in preset ``luo2025-100m``.

    Examples
    --------
    >>> from scalingviz.laws.luo2025 import loss_curve_gradient
    >>> from scalingviz.schedules import Schedule
    >>> lr = Schedule("cosine", steps=2000, peak_lr=3e-4, warmup=100).lrs()
    >>> k = dict(L0=2.6514477, A=0.60115152, alpha=0.45295811, B=437.9464276, C=2.13245612,
    ...          beta=0.59785199, gamma=0.65523644)
    >>> out = loss_curve_gradient(1999, lr, **k)
    >>> sorted(out)[:4]
    ['A', 'B', 'C', 'L0']
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return prepared(step, lr).evaluate(L0=L0, A=A, alpha=alpha, B=B, C=C, beta=beta, gamma=gamma,
                                           gradient=True)[1]


def fit_starts(X: dict, L: NDArray) -> list[dict]:
    """Candidate starts, as the paper's ``initialize_params``: L0 around the lowest loss, A and alpha
    from a power law of (loss - min + 0.01) in the learning-rate sum S1, a few B and C, and
    beta = gamma = 0.5 (the origin's ``generate_init_params``)."""
    S1 = X["S1"]
    lo = float(L.min())
    slope, icpt = np.polyfit(np.log(S1), np.log(L - lo + 0.01), 1)
    A0, a0 = float(np.exp(icpt)), float(max(-slope, 0.05))
    return [{"L0": L0, "A": A, "alpha": al, "B": B, "C": C, "beta": 0.5, "gamma": 0.5}
            for L0 in lo + np.array([-0.2, -0.1, 0.0, 0.1])
            for A in (A0 * 0.8, A0, A0 * 1.25) for al in (a0 - 0.1, a0, a0 + 0.1) if al > 0
            for B in (100.0, 300.0, 1000.0) for C in (0.5, 2.0)]


def final_loss_schedule_gradient(lr: ArrayLike, *, L0: float, A: float, alpha: float, B: float, C: float,
                                 beta: float, gamma: float) -> tuple[float, NDArray]:
    """The loss at a schedule's last step and its gradient with respect to every step's learning rate.

    Parameters
    ----------
    lr : array_like
        The per-step learning rates eta_0 .. eta_{T-1}, all > 0 after step 0.

    Returns
    -------
    loss : float
        L(T - 1) by the direct sum (:func:`loss_curve_direct`) [nats/token].
    grad : ndarray
        dL(T - 1) / d eta_j for j = 0 .. T-1, in one O(T) pass, for optimising a schedule (one evaluation
        per step of the optimiser instead of one per knot).

    Notes
    -----
    With D_k = sum_{tau=k}^{T-1} eta_tau, x_k = eta_k^-gamma D_k and g_k = eta_k - eta_{k-1} (Luo et al.'s
    Eq. 1-2 in this module's notation), L = L0 + A S^-alpha + B sum_k g_k G(x_k), so
    dL/d eta_j = -alpha A S^(-alpha-1) + B [G(x_j) - G(x_{j+1})] - B gamma g_j G'(x_j) eta_j^(-gamma-1) D_j
    + B sum_{k <= j} g_k G'(x_k) eta_k^-gamma, with G'(x) = beta C (1 + C x)^(-beta-1).
    """
    eta = _f(lr).ravel()
    if eta.size < 2:
        raise ValueError("lr: a schedule needs at least 2 steps")
    S = float(eta.sum())
    D = np.cumsum(eta[::-1])[::-1]
    g = np.diff(eta)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        eg = eta[1:] ** (-gamma)
        lx = np.log1p(C * eg * D[1:])
        Gx = -np.expm1(-beta * lx)
        dG = beta * C * np.exp((-beta - 1.0) * lx)
        loss = L0 + A * S ** (-alpha) + B * float(np.sum(g * Gx))
        grad = np.full(eta.size, -alpha * A * S ** (-alpha - 1.0))
        grad[1:] += B * Gx
        grad[:-1] -= B * Gx
        grad[1:] += B * g * dG * (-gamma) * eg / eta[1:] * D[1:]
        grad[1:] += B * np.cumsum(g * dG * eg)
    return float(loss), grad


FORM = register_form(LawForm(
    "multipower",
    formula="L(t) = L0 + A (S1(t))^-alpha + B sum_k (eta_k - eta_{k-1}) G(eta_k^-gamma S_k(t)), "
            "G(x) = 1 - (C x + 1)^-beta",
    curve=loss_curve,
    gradient={"curve": loss_curve_gradient},
    schedule_gradient=final_loss_schedule_gradient,
    fit_target="curve",
    starts=fit_starts,
    linear=("alpha", "beta", "gamma"),
    bounds={"alpha": (0.0, 3.0), "beta": (0.0, 5.0), "gamma": (0.0, 3.0)},
))
