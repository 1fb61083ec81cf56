"""The objective every fit minimises: a robust loss of the residuals between the form's prediction
and the target, on the log scale (the default: Hoffmann et al.'s Huber on log loss) or the linear one
(targets that can be zero or negative: normalised losses, accuracies, Brier scores), optionally
asymmetric (over-estimates count more).

Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..laws.forms import LawForm

#: Hoffmann et al.'s Huber threshold on log loss.
DELTA = 1e-3
#: The scales a fit can compare predictions and targets on.
SPACES = ("log", "linear")
#: Predictions (starts x rows) evaluated at once when screening starts: 2^21 doubles, 16 MB per array.
CHUNK_ELEMENTS = 1 << 21


def _huber(r: NDArray, delta: float) -> NDArray:
    if not np.isfinite(delta):  # squared loss
        return 0.5 * r * r
    a = np.abs(r)
    with np.errstate(over="ignore"):  # a residual past 1e154 squares to inf: an infinite objective, as it should be
        return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def huber_objective(residuals: NDArray, delta: float = DELTA) -> float:
    """Sum of Huber losses (the value Besiroglu et al. report): ``r^2/2`` inside delta, linear outside."""
    return float(np.sum(_huber(np.asarray(residuals, dtype=float), delta)))


def transform(values: NDArray, space: str) -> NDArray:
    """Values on the fit's scale: their log for ``space="log"``, themselves for ``"linear"``."""
    with np.errstate(all="ignore"):
        return np.log(values) if space == "log" else np.asarray(values, dtype=float)


class _Problem:
    """The objective of one fit: Huber (or squared, ``delta = inf``) on the residuals of the form's own
    function, in theta space. ``lnL`` holds the target on the fit's scale (``space``: log or linear);
    residuals above zero (over-estimates) weigh ``asymmetry`` times those below.

    theta_j is ln(c_j) for constants fitted in log space (every constant not in ``form.linear``),
    else c_j. The gradient is the form's analytic one where it has one, else a vectorised
    central finite difference (one call of the function with the constants as column arrays).
    """

    def __init__(self, form: LawForm, names: tuple[str, ...], fixed: dict[str, float], X: list[NDArray],
                 lnL: NDArray, delta: float, fn: Callable | None = None, grad_fn: Callable | None = None,
                 weights: NDArray | None = None, space: str = "log", asymmetry: float = 1.0,
                 groups: tuple[NDArray, tuple[str, ...]] | None = None,
                 prior: tuple[dict[str, tuple[float, float]], float] | None = None):
        self.form, self.names, self.fixed, self.X, self.lnL, self.delta = form, names, fixed, X, lnL, delta
        # A Gaussian prior on some constants, ({name: (mean, sd)}, weight): the objective gains
        # weight * sum ((c - mean) / sd)^2 / 2, the weight being the residuals' variance on the fit's scale
        # (so the sum is a MAP objective under Gaussian noise; see fit_law's ``prior``).
        self.prior = prior
        self._prior = [(names.index(n), mu, sd) for n, (mu, sd) in (prior[0] if prior else {}).items()]
        self._prior_w = float(prior[1]) if prior else 0.0
        self.space, self.asymmetry = space, float(asymmetry)
        self.w = 1.0 if weights is None else np.asarray(weights, dtype=float)
        self.fn = fn or form.functions[form.fit_target]
        self.grad_fn = grad_fn if fn is not None else form.gradient.get(form.fit_target)
        # A grouped fit: ``groups`` = (each row's group index, the labels); a constant named "A[label]" is
        # A for that group's rows (one value per group), any other is shared by every row.
        self.groups = groups
        self.base = {n: n.split("[", 1)[0] for n in names}
        self.per_group: dict[str, list[int]] = {}
        if groups is not None:
            self.grad_fn = None  # the form's gradient is per constant, not per group: finite differences
            for j, n in enumerate(names):
                if "[" in n:
                    self.per_group.setdefault(self.base[n], []).append(j)
        self.log = np.array([self.base[n] not in form.linear for n in names])

    def penalty(self, theta: NDArray) -> tuple[NDArray | float, NDArray]:
        """The prior's term of the objective for one theta (k,) or a batch (m, k), and its gradient in theta."""
        grad = np.zeros_like(theta, dtype=float)
        if not self._prior:
            return (0.0 if theta.ndim == 1 else np.zeros(theta.shape[0])), grad
        value = 0.0
        with np.errstate(all="ignore"):
            for j, mu, sd in self._prior:
                t = theta[..., j]
                c = np.exp(np.clip(t, -700, 700)) if self.log[j] else t
                z = (c - mu) / sd
                value = value + 0.5 * self._prior_w * z * z
                grad[..., j] = self._prior_w * z / sd * (c if self.log[j] else 1.0)
        return value, grad

    def weight(self, r: NDArray) -> NDArray | float:
        """Each residual's weight: the row's own, times ``asymmetry`` for an over-estimate (r > 0)."""
        if self.asymmetry == 1.0:
            return self.w
        return self.w * np.where(r > 0, self.asymmetry, 1.0)

    def residuals(self, theta: NDArray) -> NDArray:
        """Prediction minus target, on the fit's scale."""
        return transform(self.predict(theta), self.space) - self.lnL

    def constants(self, theta: NDArray) -> dict[str, Any]:
        """The constants the form's function takes (a per-group constant as one value per row)."""
        c = np.where(self.log, np.exp(np.clip(theta, -700, 700)), theta)
        shared = [(j, n) for j, n in enumerate(self.names) if self.base[n] not in self.per_group]
        if theta.ndim == 2:  # a batch of thetas (m, k): constants as column arrays
            out = {**self.fixed, **{n: c[:, j:j + 1] for j, n in shared}}
            out.update({b: c[:, idx][:, self.groups[0]] for b, idx in self.per_group.items()})
            return out
        out = {**self.fixed, **{n: float(c[j]) for j, n in shared}}
        out.update({b: c[idx][self.groups[0]] for b, idx in self.per_group.items()})
        return out

    def named(self, theta: NDArray) -> dict[str, float]:
        """Every fitted constant by its name (``A[label]`` for a per-group one), as a number."""
        c = np.where(self.log, np.exp(np.clip(theta, -700, 700)), theta)
        return {n: float(c[j]) for j, n in enumerate(self.names)}

    def predict(self, theta: NDArray) -> NDArray:
        try:
            with np.errstate(all="ignore"):
                return np.asarray(self.fn(*self.X, **self.constants(theta)), dtype=float)
        except ArithmeticError:  # a form dividing by a constant in plain Python (a start at a bound): no value
            return np.full(self.lnL.shape, np.nan)

    def predict_many(self, thetas: NDArray) -> NDArray:
        """Predictions for a batch of thetas (m, k) -> (m, n), broadcasting where the function allows."""
        try:
            with np.errstate(all="ignore"):
                out = np.asarray(self.fn(*self.X, **self.constants(thetas)), dtype=float)
            if out.shape == (thetas.shape[0], self.lnL.size):
                return out
        except Exception:  # a user's function that does not broadcast over constants: one call each
            pass
        return np.stack([self.predict(t) for t in thetas])

    def objective_many(self, thetas: NDArray) -> NDArray:
        # bounded memory: at most CHUNK_ELEMENTS predictions (thetas x rows) at a time, whatever the table's size
        step = max(1, CHUNK_ELEMENTS // max(self.lnL.size, 1))
        if thetas.shape[0] > step:
            return np.concatenate([self.objective_many(thetas[i:i + step]) for i in range(0, thetas.shape[0], step)])
        with np.errstate(all="ignore"):
            r = transform(self.predict_many(thetas), self.space) - self.lnL
            v = (self.weight(r) * _huber(r, self.delta)).sum(axis=1) + self.penalty(thetas)[0]
        return np.where(np.isfinite(v), v, np.inf)

    def jacobian(self, theta: NDArray, pred: NDArray, c: dict[str, float] | None = None) -> NDArray:
        """d ln(pred) / d theta, (n, k)."""
        if self.grad_fn is not None:
            c = self.constants(theta) if c is None else c
            try:
                with np.errstate(all="ignore"):
                    g = self.grad_fn(*self.X, **c)
            except ArithmeticError:
                return np.full((pred.size, len(self.names)), np.nan)
            J = np.empty((pred.size, len(self.names)))
            for j, n in enumerate(self.names):  # column assignment broadcasts a scalar or a row
                J[:, j] = g[n]
            scale = np.array([c[n] if log else 1.0 for n, log in zip(self.names, self.log, strict=True)])
            with np.errstate(all="ignore"):  # an overflowing derivative: non-finite, and its caller says so
                return J * (scale / pred[:, None]) if self.space == "log" else J * scale
        k = theta.size
        h = 1e-6 * np.maximum(1.0, np.abs(theta))
        T = np.concatenate([theta + np.diag(h), theta - np.diag(h)])
        with np.errstate(all="ignore"):
            P = transform(self.predict_many(T), self.space)
        return ((P[:k] - P[k:]) / (2 * h[:, None])).T

    def value_and_grad(self, theta: NDArray, scale: float) -> tuple[float, NDArray]:
        c = self.constants(theta)
        try:
            with np.errstate(all="ignore"):
                pred = np.asarray(self.fn(*self.X, **c), dtype=float)
                r = transform(pred, self.space) - self.lnL
        except ArithmeticError:
            return np.inf, np.zeros_like(theta)
        w = self.weight(r)
        v = float(np.sum(w * _huber(r, self.delta)))
        if not np.isfinite(v):
            return np.inf, np.zeros_like(theta)
        g = w * np.clip(r, -self.delta, self.delta)  # derivative of Huber (weighted)
        grad = self.jacobian(theta, pred, c).T @ g
        if self._prior:
            pv, pg = self.penalty(theta)
            v, grad = v + float(pv), grad + pg
        if not (np.isfinite(v) and np.all(np.isfinite(grad))):
            return np.inf, np.zeros_like(theta)
        return scale * v, scale * grad

    def subset(self, rows: NDArray) -> _Problem:
        """The same objective on some rows only (screening starts on a subsample of a big table)."""
        w = self.w if np.ndim(self.w) == 0 else self.w[rows]
        out = _Problem(self.form, self.names, self.fixed, [x[rows] for x in self.X], self.lnL[rows], self.delta,
                       fn=self.fn, grad_fn=self.grad_fn, weights=None if np.ndim(w) == 0 else w, space=self.space,
                       asymmetry=self.asymmetry,
                       groups=None if self.groups is None else (self.groups[0][rows], self.groups[1]), prior=self.prior)
        return out

    def to_theta(self, values: dict[str, float]) -> NDArray:
        v = np.array([float(values[n] if n in values else values[self.base[n]]) for n in self.names])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.log, np.log(np.where(self.log, v, 1.0)), v)

    def theta_bounds(self, bounds: dict[str, tuple[float | None, float | None]]) -> list[tuple[float | None, float | None]]:
        out = []
        for j, n in enumerate(self.names):
            lo, hi = bounds.get(n, bounds.get(self.base[n], (None, None)))
            if self.log[j]:
                lo = math.log(lo) if lo is not None and lo > 0 else None
                hi = math.log(hi) if hi is not None and hi > 0 else None
            out.append((lo, hi))
        return out


