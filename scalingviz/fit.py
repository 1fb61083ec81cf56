"""Fit scaling laws to your own runs.

The default method is Hoffmann et al.'s (2022, Sec. 3.3 and Appendix D.2), as Besiroglu et
al. (2024) replicated it: minimise the **sum** of Huber losses (delta = 1e-3) between the
predicted and observed **log** loss, with each law written in log-sum-exp form, by L-BFGS-B
with analytic gradients from several starts.

The starts are cheap and good: for a law that is linear in its scales once its exponents are
fixed (``E + A/N^alpha + B/D^beta`` is linear in E, A, B), a grid over the exponents with a
non-negative least-squares solve inside ranks the candidates, and only the best few are
polished with L-BFGS-B. The objective is scaled by 1/delta^2 inside the optimiser so that its
stopping rule is not fooled by the tiny absolute values -- the cause of the early stop in the
original Chinchilla fit (Besiroglu et al. 2024).

Hard failures raise :class:`FitError`; soft ones (iteration cap, a bound hit) are reported in
:attr:`FitResult.status`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .datasets import RunsTable, require_points, runs_from_arrays

__all__ = [
    "FORMS",
    "BatchFit",
    "HparamFit",
    "IsoflopFit",
    "SuProcedure",
    "su2024_procedure",
    "fit_batch",
    "fit_hparams",
    "fit_isoflop",
    "BootstrapResult",
    "FitError",
    "FitForm",
    "FitResult",
    "HeldOut",
    "bootstrap",
    "fit_law",
    "form_for",
    "heldout_check",
    "huber_objective",
]

DELTA = 1e-3


class FitError(RuntimeError):
    """A fit that could not produce an answer (all starts failed, non-finite objective...)."""


def _lse(*cols: NDArray) -> tuple[NDArray, NDArray]:
    """Row-wise log-sum-exp of the columns and the softmax weights (n x k)."""
    U = np.stack(cols, axis=-1)
    m = U.max(axis=-1, keepdims=True)
    e = np.exp(U - m)
    s = e.sum(axis=-1, keepdims=True)
    return (m + np.log(s))[..., 0], e / s


@dataclass(frozen=True)
class FitForm:
    """A functional form written for fitting.

    ``theta`` is the internal parameter vector (log scales, exponents); ``logpred(theta, X)``
    returns the predicted log loss and its Jacobian; ``to_params`` maps theta to the papers'
    names; ``starts(X, L)`` proposes initial thetas.
    """

    name: str
    law: str  # the preset that uses this form (for the CLI's --law)
    params: tuple[str, ...]
    variables: tuple[str, ...]
    logpred: Callable[[NDArray, dict[str, NDArray]], tuple[NDArray, NDArray]]
    to_params: Callable[[NDArray], dict[str, float]]
    from_params: Callable[[dict[str, float]], NDArray]
    starts: Callable[[dict[str, NDArray], NDArray], list[NDArray]]
    exponent_index: tuple[int, ...]
    formula: str


# --- Chinchilla: L = E + A/N^alpha + B/D^beta, theta = (a, b, e, alpha, beta) ------------------


def _chin_logpred(th: NDArray, X: dict[str, NDArray]) -> tuple[NDArray, NDArray]:
    a, b, e, al, be = th
    lnN, lnD = X["lnN"], X["lnD"]
    val, w = _lse(a - al * lnN, b - be * lnD, np.full_like(lnN, e))
    J = np.stack([w[:, 0], w[:, 1], w[:, 2], -w[:, 0] * lnN, -w[:, 1] * lnD], axis=1)
    return val, J


def _nnls_scales(cols: list[NDArray], L: NDArray) -> NDArray | None:
    """Non-negative least squares for L = sum_j c_j cols_j in relative error (rows scaled by 1/L)."""
    from scipy.optimize import nnls

    M = np.stack(cols, axis=1) / L[:, None]
    scale = np.maximum(np.abs(M).max(axis=0), 1e-300)
    try:
        c, _ = nnls(M / scale, np.ones_like(L), maxiter=200)
    except RuntimeError:
        return None
    return c / scale


def _rank_and_pick(cands: list[NDArray], form_logpred, X, lnL, k: int) -> list[NDArray]:
    scored = []
    for th in cands:
        if not np.all(np.isfinite(th)):
            continue
        r = form_logpred(th, X)[0] - lnL
        scored.append((float(np.sum(_huber(r, DELTA))), th))
    scored.sort(key=lambda t: t[0])
    return [th for _, th in scored[:k]]


def _chin_starts(X: dict[str, NDArray], L: NDArray, n_keep: int = 6) -> list[NDArray]:
    N, D = np.exp(X["lnN"]), np.exp(X["lnD"])
    cands = []
    grid = np.linspace(0.05, 1.2, 24)
    for al in grid:
        xn = N**-al
        for be in grid:
            c = _nnls_scales([np.ones_like(L), xn, D**-be], L)
            if c is None:
                continue
            E, A, B = np.maximum(c, [1e-3 * L.min(), 1e-8, 1e-8])
            cands.append(np.array([np.log(A), np.log(B), np.log(E), al, be]))
    return _rank_and_pick(cands, _chin_logpred, X, np.log(L), n_keep)


CHINCHILLA = FitForm(
    name="chinchilla",
    law="hoffmann2022",
    params=("E", "A", "B", "alpha", "beta"),
    variables=("N", "D"),
    logpred=_chin_logpred,
    to_params=lambda th: {"E": math.exp(th[2]), "A": math.exp(th[0]), "B": math.exp(th[1]), "alpha": float(th[3]),
                          "beta": float(th[4])},
    from_params=lambda p: np.array([math.log(p["A"]), math.log(p["B"]), math.log(p["E"]), p["alpha"], p["beta"]]),
    starts=_chin_starts,
    exponent_index=(3, 4),
    formula="L = E + A/N^alpha + B/D^beta",
)


# --- Kaplan L(N, D) = [(N_c/N)^(aN/aD) + D_c/D]^aD, theta = (ln N_c, ln D_c, aN, aD) -----------


def _knd_logpred(th: NDArray, X: dict[str, NDArray]) -> tuple[NDArray, NDArray]:
    lNc, lDc, aN, aD = th
    r = aN / aD
    u1 = r * (lNc - X["lnN"])
    u2 = lDc - X["lnD"]
    S, w = _lse(u1, u2)
    J = np.stack([aN * w[:, 0], aD * w[:, 1], w[:, 0] * (lNc - X["lnN"]), S - w[:, 0] * u1], axis=1)
    return aD * S, J


def _knd_starts(X: dict[str, NDArray], L: NDArray, n_keep: int = 6) -> list[NDArray]:
    N, D = np.exp(X["lnN"]), np.exp(X["lnD"])
    cands = []
    for aN in np.linspace(0.02, 0.6, 16):
        for aD in np.linspace(0.02, 0.6, 16):
            r = aN / aD
            c = _nnls_scales([N**-r, 1.0 / D], L ** (1.0 / aD))
            if c is None or np.any(c <= 0):
                continue
            cands.append(np.array([np.log(c[0]) / r, np.log(c[1]), aN, aD]))
    return _rank_and_pick(cands, _knd_logpred, X, np.log(L), n_keep)


KAPLAN_ND = FitForm(
    name="kaplan_nd",
    law="kaplan2020",
    params=("N_c", "D_c", "alpha_N", "alpha_D"),
    variables=("N", "D"),
    logpred=_knd_logpred,
    to_params=lambda th: {"N_c": math.exp(th[0]), "D_c": math.exp(th[1]), "alpha_N": float(th[2]), "alpha_D": float(th[3])},
    from_params=lambda p: np.array([math.log(p["N_c"]), math.log(p["D_c"]), p["alpha_N"], p["alpha_D"]]),
    starts=_knd_starts,
    exponent_index=(2, 3),
    formula="L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D",
)


# --- Kaplan/Su L(N, S_min) = (N_c/N)^aN + (S_c/S_min)^aS, theta = (ln N_c, aN, ln S_c, aS) ------


def _kns_logpred(th: NDArray, X: dict[str, NDArray]) -> tuple[NDArray, NDArray]:
    lNc, aN, lSc, aS = th
    dN, dS = lNc - X["lnN"], lSc - X["lnS"]
    val, w = _lse(aN * dN, aS * dS)
    J = np.stack([aN * w[:, 0], w[:, 0] * dN, aS * w[:, 1], w[:, 1] * dS], axis=1)
    return val, J


def _kns_starts(X: dict[str, NDArray], L: NDArray, n_keep: int = 6) -> list[NDArray]:
    N, S = np.exp(X["lnN"]), np.exp(X["lnS"])
    cands = []
    for aN in np.linspace(0.02, 0.6, 16):
        for aS in np.linspace(0.1, 1.5, 16):
            c = _nnls_scales([N**-aN, S**-aS], L)
            if c is None or np.any(c <= 0):
                continue
            cands.append(np.array([np.log(c[0]) / aN, aN, np.log(c[1]) / aS, aS]))
    return _rank_and_pick(cands, _kns_logpred, X, np.log(L), n_keep)


KAPLAN_NS = FitForm(
    name="kaplan_ns",
    law="su2024",
    params=("N_c", "alpha_N", "S_c", "alpha_S"),
    variables=("N", "S"),
    logpred=_kns_logpred,
    to_params=lambda th: {"N_c": math.exp(th[0]), "alpha_N": float(th[1]), "S_c": math.exp(th[2]), "alpha_S": float(th[3])},
    from_params=lambda p: np.array([math.log(p["N_c"]), p["alpha_N"], math.log(p["S_c"]), p["alpha_S"]]),
    starts=_kns_starts,
    exponent_index=(1, 3),
    formula="L = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S",
)


# --- single power laws in one variable, with and without an offset -----------------------------


def _power_form(var: str, offset: bool) -> FitForm:
    lnv = f"ln{var}"
    scale, expo = f"{var}_c", f"alpha_{var}"
    if not offset:

        def logpred(th, X):
            d = th[0] - X[lnv]
            return th[1] * d, np.stack([np.full_like(d, th[1]), d], axis=1)

        def starts(X, L, n_keep=1):
            # Exact in log space: ln L = alpha ln X_c - alpha ln X is linear.
            slope, icpt = np.polyfit(X[lnv], np.log(L), 1)
            alpha = -slope if slope < 0 else 0.1
            return [np.array([icpt / alpha, alpha])]

        return FitForm(
            name=f"power_{var}", law=f"power_{var}", params=(scale, expo), variables=(var,), logpred=logpred,
            to_params=lambda th: {scale: math.exp(th[0]), expo: float(th[1])},
            from_params=lambda p: np.array([math.log(p[scale]), p[expo]]),
            starts=starts, exponent_index=(1,), formula=f"L = ({scale}/{var})^{expo}",
        )

    def logpred_o(th, X):
        e, lc, a = th
        d = lc - X[lnv]
        val, w = _lse(np.full_like(d, e), a * d)
        return val, np.stack([w[:, 0], a * w[:, 1], w[:, 1] * d], axis=1)

    def starts_o(X, L, n_keep=4):
        x = np.exp(X[lnv])
        cands = []
        for a in np.linspace(0.02, 1.5, 60):
            c = _nnls_scales([np.ones_like(L), x**-a], L)
            if c is None or c[1] <= 0:
                continue
            E = max(c[0], 1e-3 * L.min())
            cands.append(np.array([np.log(E), np.log(c[1]) / a, a]))
        return _rank_and_pick(cands, logpred_o, X, np.log(L), n_keep)

    return FitForm(
        name=f"power_offset_{var}", law=f"power_offset_{var}", params=("E", scale, expo), variables=(var,),
        logpred=logpred_o,
        to_params=lambda th: {"E": math.exp(th[0]), scale: math.exp(th[1]), expo: float(th[2])},
        from_params=lambda p: np.array([math.log(p["E"]), math.log(p[scale]), p[expo]]),
        starts=starts_o, exponent_index=(2,), formula=f"L = E + ({scale}/{var})^{expo}",
    )


FORMS: dict[str, FitForm] = {f.name: f for f in (CHINCHILLA, KAPLAN_ND, KAPLAN_NS)}
for _v in ("N", "D", "C"):
    for _o in (False, True):
        _f = _power_form(_v, _o)
        FORMS[_f.name] = _f
#: CLI/preset names that select a form (``--law hoffmann2022`` means the Chinchilla form).
LAW_TO_FORM = {
    "hoffmann2022": "chinchilla", "hoffmann2022-tex": "chinchilla", "besiroglu2024": "chinchilla",
    "chinchilla": "chinchilla", "kaplan2020": "kaplan_nd", "su2024": "kaplan_ns",
}


def form_for(law: str) -> FitForm:
    """The fit form for a preset or form name; the error lists the valid names."""
    key = LAW_TO_FORM.get(law, law)
    if key not in FORMS:
        valid = sorted(set(LAW_TO_FORM) | set(FORMS))
        raise ValueError(f"law: {law!r} is not a fittable form; valid names are {', '.join(valid)}")
    return FORMS[key]


# --- objective and optimiser ------------------------------------------------------------------


def _huber(r: NDArray, delta: float) -> NDArray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def huber_objective(residuals: NDArray, delta: float = DELTA) -> float:
    """Sum of Huber losses (the value Besiroglu et al. report): ``r^2/2`` inside delta, linear outside."""
    return float(np.sum(_huber(np.asarray(residuals, dtype=float), delta)))


def _design(runs: RunsTable, form: FitForm) -> dict[str, NDArray]:
    X = {}
    for v in form.variables:
        arr = runs.C if v == "C" else getattr(runs, v)
        if arr is None:
            raise ValueError(f"column {v!r} is required for the {form.name} form ({form.formula})")
        X[f"ln{v}"] = np.log(arr)
    return X


@dataclass(frozen=True)
class FitResult:
    """The outcome of :func:`fit_law`.

    ``params`` uses the papers' names; ``objective`` is the summed Huber loss on log loss;
    ``status`` is one of ``converged``, ``max_iter``, ``bound_hit``, ``abnormal``.
    """

    form: str
    params: dict[str, float]
    objective: float
    status: str
    message: str
    n_points: int
    residuals: NDArray
    theta: NDArray
    n_starts: int
    delta: float
    data_range: dict[str, tuple[float, float]] = field(default_factory=dict)

    def predict(self, **variables: Any) -> NDArray:
        """Predicted loss [nats/token] at the given variables (e.g. ``N=..., D=...``)."""
        form = FORMS[self.form]
        X = {f"ln{v}": np.log(np.asarray(variables[v], dtype=float)).ravel() for v in form.variables}
        shape = np.broadcast_shapes(*(np.shape(variables[v]) for v in form.variables))
        X = {k: np.broadcast_to(x, (int(np.prod(shape)),)) if x.size == 1 else x for k, x in X.items()}
        return np.exp(form.logpred(self.theta, X)[0]).reshape(shape)

    def to_preset(self, name: str = "my-fit", title: str | None = None):
        """A :class:`~scalingviz.presets.Preset` usable everywhere a published law is."""
        from .presets import Citation, FittedRange, Param, Preset

        cit = Citation("your runs", 0, f"fit of {self.form} to {self.n_points} runs", "-")
        rng = FittedRange(N=self.data_range.get("N"), D=self.data_range.get("D"), C=self.data_range.get("C"),
                          source=f"the {self.n_points} runs this law was fitted to")
        if self.form == "chinchilla":
            units = {"E": "nats/token", "A": "nats/token x params^alpha", "B": "nats/token x tokens^beta", "alpha": "-", "beta": "-"}
            params = {k: Param(v, units[k], f"fitted ({self.status})") for k, v in self.params.items()}
            form = "chinchilla"
        elif self.form == "kaplan_nd":
            units = {"N_c": "params", "D_c": "tokens", "alpha_N": "-", "alpha_D": "-"}
            params = {f"ND_{k}": Param(v, units[k], f"fitted ({self.status})") for k, v in self.params.items()}
            form = "kaplan_nd"
        else:
            raise FitError(f"form {self.form!r} cannot become a preset yet; fit 'chinchilla' or 'kaplan_nd'")
        return Preset(name=name, title=title or f"{name} (fitted)", form=form, citation=cit, params=params,
                      N_convention="as in your data", loss_unit="as in your data", fitted_range=rng,
                      formula=FORMS[self.form].formula, fitted=True,
                      notes=f"Fitted to {self.n_points} runs; objective {self.objective:.6g}.")


def _polish(form: FitForm, X, lnL, th0, delta, bounds, maxiter):
    from scipy.optimize import minimize

    scale = 1.0 / (delta * delta) if np.isfinite(delta) else 1.0 / max(float(np.var(lnL)), 1e-12) / lnL.size

    def fun(th):
        pred, J = form.logpred(th, X)
        r = pred - lnL
        g = np.clip(r, -delta, delta)  # derivative of Huber
        return scale * float(np.sum(_huber(r, delta))), scale * (J.T @ g)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        res = minimize(fun, th0, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20})
    return res, res.fun / scale


def fit_law(
    runs: RunsTable | dict,
    law: str = "chinchilla",
    *,
    loss: str = "huber",
    delta: float = DELTA,
    starts: Sequence[Sequence[float] | dict[str, float]] | int | None = None,
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
    seed: int = 0,
    maxiter: int = 2000,
) -> FitResult:
    """Fit a law to runs by Huber regression on log loss.

    Parameters
    ----------
    runs : RunsTable or dict
        Validated runs (see :mod:`scalingviz.datasets`), or a dict of columns.
    law : str
        A form name (``chinchilla``, ``kaplan_nd``, ``kaplan_ns``, ``power_N``,
        ``power_offset_N``, ...) or a preset that uses one (``hoffmann2022``, ``kaplan2020``).
    loss : {"huber", "squared"}
        ``huber`` (default, Hoffmann et al.) or ``squared`` (ordinary least squares on log loss,
        i.e. Huber with an infinite threshold; more sensitive to outliers).
    delta : float
        Huber threshold on log loss (1e-3, as in Hoffmann et al.).
    starts : int or list, optional
        Number of best grid starts to polish (default: the form's own), or explicit starting
        points as dicts in the papers' names.
    bounds : dict, optional
        ``{param: (low, high)}`` on the exponents (``alpha``, ``beta``, ``alpha_N``...).
    seed : int
        Seeds the jitter of the extra random starts.

    Raises
    ------
    ValueError
        Bad data (too few points, too few distinct values).
    FitError
        When no start gives a finite objective.
    """
    form = form_for(law)
    if isinstance(runs, dict):
        runs = runs_from_arrays(**runs, allow_duplicates=True)
    require_points(runs, len(form.params), tuple(v for v in form.variables if v != "C"), form.name)
    if loss not in ("huber", "squared"):
        raise ValueError(f"loss: {loss!r} is not valid; valid: huber, squared")
    if not delta > 0:
        raise ValueError(f"delta: {delta!r} is out of range; expected a positive Huber threshold (default 1e-3)")
    if loss == "squared":
        delta = np.inf
    X = _design(runs, form)
    lnL = np.log(runs.loss)
    bnds = [(None, None)] * len(form.params)
    for name, (lo, hi) in (bounds or {}).items():
        if name not in form.params:
            raise ValueError(f"bounds: {name!r} is not a parameter of {form.name}; valid: {', '.join(form.params)}")
        i = form.params.index(name)
        if i not in form.exponent_index:
            raise ValueError(f"bounds: only exponents can be bounded ({', '.join(form.params[j] for j in form.exponent_index)})")
        bnds[i] = (lo, hi)
    if isinstance(starts, int) or starts is None:
        th_starts = form.starts(X, runs.loss) if starts is None else form.starts(X, runs.loss, starts)
    else:
        th_starts = [form.from_params(s) if isinstance(s, dict) else np.asarray(s, float) for s in starts]
    rng = np.random.default_rng(seed)
    if th_starts:  # a jittered copy of the best start guards against a flat grid
        th_starts = list(th_starts) + [th_starts[0] * (1 + 0.05 * rng.standard_normal(th_starts[0].size))]
    results = []
    for th0 in th_starts:
        if bnds != [(None, None)] * len(bnds):
            th0 = np.array([np.clip(t, lo if lo is not None else -np.inf, hi if hi is not None else np.inf)
                            for t, (lo, hi) in zip(th0, bnds, strict=True)])
        res, obj = _polish(form, X, lnL, th0, delta, bnds, maxiter)
        if np.isfinite(obj) and np.all(np.isfinite(res.x)):
            results.append((res, obj))
    best = None
    if results:
        # Among starts that reach the best objective (to 1e-10 relative), prefer one whose optimiser
        # reported success: several starts usually land on the same optimum.
        lowest = min(obj for _, obj in results)
        tied = [r for r in results if r[1] <= lowest * (1 + 1e-10) + 1e-300]
        best = min(tied, key=lambda r: (not r[0].success, r[1]))
    if best is None:
        raise FitError(f"no start gave a finite objective for {form.name} on {len(runs)} runs; "
                       "check that the losses fall with N and D, or give starts=")
    res, obj = best
    th = res.x
    hit = [form.params[i] for i, (lo, hi) in enumerate(bnds)
           if (lo is not None and abs(th[i] - lo) < 1e-8) or (hi is not None and abs(th[i] - hi) < 1e-8)]
    grad_norm = float(np.max(np.abs(res.jac))) if getattr(res, "jac", None) is not None else np.inf
    if hit:
        status, message = "bound_hit", f"parameter(s) {', '.join(hit)} ended on a bound"
    elif res.success:
        status, message = "converged", str(res.message)
    elif "ABNORMAL" in str(res.message) and grad_norm < 1e-5 * max(1.0, abs(float(res.fun))):
        # L-BFGS-B's line search stalls at a stationary point once float precision is exhausted.
        status, message = "converged", f"line search stalled at a stationary point (max |gradient| {grad_norm:.1e}, scaled)"
    elif res.nit >= maxiter:
        status, message = "max_iter", f"stopped after {res.nit} iterations (maxiter={maxiter})"
    else:
        status, message = "abnormal", str(res.message)
    resid = form.logpred(th, X)[0] - lnL
    rng_data = {"N": (float(runs.N.min()), float(runs.N.max())), "D": (float(runs.D.min()), float(runs.D.max())),
                "C": (float(runs.C.min()), float(runs.C.max()))}
    return FitResult(form.name, form.to_params(th), obj, status, message, len(runs), resid, th, len(th_starts), delta,
                     rng_data)


# --- bootstrap -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapResult:
    """Parameter samples from refits to resampled runs, with percentile intervals."""

    params: tuple[str, ...]
    samples: NDArray  # (n_ok, n_params), papers' names in `params` order
    n_resamples: int
    n_failed: int
    seed: int
    level: float = 0.95

    @property
    def ci(self) -> dict[str, tuple[float, float]]:
        lo, hi = 50 * (1 - self.level), 100 - 50 * (1 - self.level)
        q = np.percentile(self.samples, [lo, hi], axis=0)
        return {p: (float(q[0, i]), float(q[1, i])) for i, p in enumerate(self.params)}

    @property
    def stderr(self) -> dict[str, float]:
        return {p: float(s) for p, s in zip(self.params, self.samples.std(axis=0, ddof=1), strict=True)}


def _refit_chunk(form_name: str, X: dict[str, NDArray], lnL: NDArray, theta: NDArray, delta: float,
                 idx: NDArray) -> tuple[NDArray, int]:
    """Refit one chunk of resamples (rows of ``idx``); module-level so a process pool can run it."""
    form = FORMS[form_name]
    bnds = [(None, None)] * len(form.params)
    out, failed = [], 0
    for row in idx:
        res, obj = _polish(form, {k: v[row] for k, v in X.items()}, lnL[row], theta, delta, bnds, 500)
        if np.isfinite(obj) and np.all(np.isfinite(res.x)):
            p = form.to_params(res.x)
            out.append([p[k] for k in form.params])
        else:
            failed += 1
    return np.array(out).reshape(-1, len(form.params)), failed


def bootstrap(
    runs: RunsTable,
    law: str = "chinchilla",
    *,
    n: int = 1000,
    seed: int = 0,
    fit: FitResult | None = None,
    delta: float = DELTA,
    progress: Callable[[int, int], None] | None = None,
    level: float = 0.95,
    n_jobs: int = 1,
) -> BootstrapResult:
    """Resample the runs with replacement ``n`` times and refit each from the point estimate.

    All resample indices are drawn up front from ``seed``, so the samples are identical for
    any ``n_jobs``. ``n_jobs > 1`` refits chunks in that many worker processes (spawned, so it is
    safe inside a Jupyter kernel). ``progress(i, n)`` is called as refits complete (for a progress
    bar). Refits that fail are counted in ``n_failed`` and left out of the samples.
    """
    form = form_for(law)
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"n: {n!r} is out of range; expected a number of resamples >= 1 (e.g. 1000)")
    if not 0 < level < 1:
        raise ValueError(f"level: {level!r} is out of range; expected a confidence level in (0, 1), e.g. 0.95")
    if fit is None:
        fit = fit_law(runs, form.name, delta=delta)
    X = _design(runs, form)
    lnL = np.log(runs.loss)
    m = len(runs)
    idx = np.random.default_rng(seed).integers(0, m, (n, m))
    chunk = max(1, min(50, n // max(1, 4 * n_jobs)))
    pieces = [idx[i:i + chunk] for i in range(0, n, chunk)]
    results: list[tuple[NDArray, int]] = []
    done = 0
    if n_jobs <= 1:
        for piece in pieces:
            results.append(_refit_chunk(form.name, X, lnL, fit.theta, delta, piece))
            done += len(piece)
            if progress is not None:
                progress(done, n)
    else:
        import multiprocessing as mp
        import os
        from concurrent.futures import ProcessPoolExecutor

        # One BLAS thread per worker: the workers already fill the cores. Spawned children inherit
        # this environment; it is restored when the pool has finished.
        saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
        os.environ.update({k: "1" for k in saved})
        try:
            with ProcessPoolExecutor(max_workers=n_jobs, mp_context=mp.get_context("spawn")) as pool:
                futures = [pool.submit(_refit_chunk, form.name, X, lnL, fit.theta, delta, piece) for piece in pieces]
                for fut, piece in zip(futures, pieces, strict=True):  # in order, so samples are reproducible
                    results.append(fut.result())
                    done += len(piece)
                    if progress is not None:
                        progress(done, n)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    samples = np.concatenate([r[0] for r in results], axis=0)
    return BootstrapResult(form.params, samples, n, sum(r[1] for r in results), seed, level)


# --- held-out check --------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldOut:
    """Errors predicting runs above a threshold from a fit to the runs at or below it."""

    n_train: int
    n: int
    median_abs_pct_error: float
    max_abs_pct_error: float
    fit: FitResult
    presets: dict[str, dict[str, float]]

    def to_dict(self) -> dict[str, Any]:
        return {"n_train": self.n_train, "n": self.n, "median_abs_pct_error": self.median_abs_pct_error,
                "max_abs_pct_error": self.max_abs_pct_error, "presets": self.presets}


def _pct_errors(pred: NDArray, obs: NDArray) -> tuple[float, float]:
    e = 100 * np.abs(pred / obs - 1)
    return float(np.median(e)), float(np.max(e))


def heldout_check(
    runs: RunsTable, law: str = "chinchilla", *, above_C: float | None = None, above_N: float | None = None,
    delta: float = DELTA,
) -> HeldOut:
    """Fit on runs with C = 6ND <= ``above_C`` (or N <= ``above_N``); predict the rest.

    Reports the median and maximum absolute percent error of the fit, and the same for every
    published preset with an N, D loss law on the same held-out runs.
    """
    from .presets import PRESETS

    if (above_C is None) == (above_N is None):
        raise ValueError("give exactly one threshold: above_C [FLOP] or above_N [params]")
    key, thr = ("C", above_C) if above_C is not None else ("N", above_N)
    vals = runs.C if key == "C" else runs.N
    train = vals <= thr
    if train.all() or not train.any():
        raise ValueError(
            f"above_{key}: {thr:g} leaves {int(train.sum())} runs to fit and {int((~train).sum())} to check; "
            f"choose a value between {vals.min():g} and {vals.max():g}"
        )
    fit = fit_law(runs.subset(train), law, delta=delta)
    test = runs.subset(~train)
    form = FORMS[fit.form]
    pred = fit.predict(**{v: (test.C if v == "C" else getattr(test, v)) for v in form.variables})
    med, mx = _pct_errors(pred, test.loss)
    presets = {}
    for name, p in PRESETS.items():
        if p.has("loss") and not p.fitted:
            m2, x2 = _pct_errors(np.asarray(p.loss(test.N, test.D)), test.loss)
            presets[name] = {"median_abs_pct_error": m2, "max_abs_pct_error": x2}
    return HeldOut(int(train.sum()), len(test), med, mx, fit, presets)


# --- critical batch size from steps-to-target pairs (Kaplan Eq. 5.1) ---------------------------


@dataclass(frozen=True)
class BatchFit:
    """Per target loss: S_min, E_min, B_crit = E_min/S_min; then B_crit(L) = B_* / L^(1/alpha_B)."""

    targets: list[dict[str, float]]
    B_star: float | None
    alpha_B: float | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"targets": self.targets, "B_star": self.B_star, "alpha_B": self.alpha_B, "message": self.message}


def fit_batch(loss: Any, B: Any, S: Any) -> BatchFit:
    """Fit Kaplan's Eq. 5.1 to (target loss, batch [tokens], steps to reach it) triples.

    For each target loss, ``S = S_min (1 + B_crit/B) = S_min + E_min / B`` is linear in
    (S_min, E_min); it is solved by non-negative least squares in relative error. Then
    ``ln B_crit = ln B_* - (1/alpha_B) ln L`` is fitted across targets by least squares.

    Raises
    ------
    ValueError
        Fewer than 2 distinct batch sizes for a target, or non-positive values.
    """
    L = _positive_array("loss", loss)
    Bt = _positive_array("B", B)
    St = _positive_array("S", S)
    if not (L.size == Bt.size == St.size):
        raise ValueError(f"columns 'loss', 'B', 'S' must have equal lengths, got {L.size}, {Bt.size}, {St.size}")
    targets = []
    for target in np.unique(L):
        m = L == target
        if np.unique(Bt[m]).size < 2:
            raise ValueError(f"target loss {target:g}: {np.unique(Bt[m]).size} distinct batch size; "
                             "Eq. 5.1 needs at least 2 batch sizes per target")
        c = _nnls_scales([np.ones(m.sum()), 1.0 / Bt[m]], St[m])
        if c is None or np.any(c <= 0):
            raise FitError(f"target loss {target:g}: steps do not fall with batch size as S = S_min + E_min/B requires")
        s_min, e_min = float(c[0]), float(c[1])
        targets.append({"loss": float(target), "S_min": s_min, "E_min": e_min, "B_crit": e_min / s_min,
                        "n": int(m.sum())})
    if len(targets) >= 2:
        lnL = np.log([t["loss"] for t in targets])
        lnB = np.log([t["B_crit"] for t in targets])
        slope, icpt = np.polyfit(lnL, lnB, 1)
        alpha_B = -1.0 / slope if slope != 0 else None
        B_star, msg = float(np.exp(icpt)), "B_crit(L) = B_* / L^(1/alpha_B) fitted across targets"
        if alpha_B is None or alpha_B <= 0:
            msg = f"B_crit does not fall with the target loss (slope {slope:.3g}); alpha_B is not positive"
    else:
        alpha_B, B_star, msg = None, None, "one target loss only: B_* and alpha_B need at least 2"
    return BatchFit(targets, B_star, None if alpha_B is None else float(alpha_B), msg)


def _positive_array(name: str, values: Any) -> NDArray:
    from .datasets import _check_numeric

    return _check_numeric(name, values)


# --- hyperparameter laws, Step Law style -----------------------------------------------------


@dataclass(frozen=True)
class HparamFit:
    """``lr = exp(lr_intercept) N^lr_coefN D^lr_coefD`` and ``B = exp(bs_intercept) D^bs_coefD`` [tokens]."""

    coef: dict[str, float]
    samples: NDArray  # bootstrap samples (n, 5): lr_intercept, lr_coefN, lr_coefD, bs_intercept, bs_coefD
    n_kept: int
    n_cells: int

    @property
    def ci(self) -> dict[str, tuple[float, float]]:
        names = ("lr_intercept", "lr_coefN", "lr_coefD", "bs_intercept", "bs_coefD")
        q = np.percentile(self.samples, [2.5, 97.5], axis=0)
        return {k: (float(q[0, i]), float(q[1, i])) for i, k in enumerate(names)}


def _ols(X: NDArray, y: NDArray) -> NDArray:
    return np.linalg.lstsq(X, y, rcond=None)[0]


def fit_hparams(N: Any, D: Any, lr: Any, B: Any, loss: Any, *, threshold: float = 0.0025, n_boot: int = 1000,
                seed: int = 0) -> HparamFit:
    """Step Law's procedure: keep runs within ``threshold`` (0.25%) of their (N, D) cell's best loss,
    regress ln lr on (ln N, ln D) and ln B on ln D, and bootstrap the regression.

    B must be in **tokens** (multiply sequences by the sequence length first).
    """
    arrs = [_positive_array(k, v) for k, v in (("N", N), ("D", D), ("lr", lr), ("B", B), ("loss", loss))]
    N, D, lr, B, loss = arrs
    cells = np.unique(np.stack([N, D], 1), axis=0)
    keep = np.zeros(N.size, bool)
    for n_, d_ in cells:
        m = (N == n_) & (D == d_)
        keep |= m & (loss <= loss[m].min() * (1 + threshold))
    if cells.shape[0] < 3 or np.unique(N).size < 2 or np.unique(D).size < 2:
        raise ValueError(f"need at least 3 (N, D) cells with 2 distinct N and 2 distinct D; got {cells.shape[0]} cells")
    lN, lD, llr, lB = np.log(N[keep]), np.log(D[keep]), np.log(lr[keep]), np.log(B[keep])
    X_lr = np.stack([np.ones_like(lN), lN, lD], 1)
    X_b = np.stack([np.ones_like(lD), lD], 1)
    point = np.concatenate([_ols(X_lr, llr), _ols(X_b, lB)])
    rng = np.random.default_rng(seed)
    samples = np.empty((n_boot, 5))
    for i in range(n_boot):
        idx = rng.integers(0, lN.size, lN.size)
        samples[i] = np.concatenate([_ols(X_lr[idx], llr[idx]), _ols(X_b[idx], lB[idx])])
    coef = dict(zip(("lr_intercept", "lr_coefN", "lr_coefD", "bs_intercept", "bs_coefD"), map(float, point), strict=True))
    return HparamFit(coef, samples, int(keep.sum()), int(cells.shape[0]))


# --- IsoFLOP profiles (Chinchilla Approach 2) -------------------------------------------------


@dataclass(frozen=True)
class IsoflopFit:
    """Per budget the parabola's optimum; then ``N_opt = k_N C^a`` and ``D_opt = k_D C^b``."""

    budgets: list[dict[str, float]]
    a: float
    b: float
    k_N: float
    k_D: float


def fit_isoflop(C: Any, N: Any, loss: Any, *, method: str = "parabola", window: int = 1) -> IsoflopFit:
    """Chinchilla Approach 2: per compute budget find the loss-minimising model size N*, then
    regress ln N* (and ln D* = ln C/(6 N*)) on ln C.

    Parameters
    ----------
    C, N, loss : array_like
        Compute budget [FLOP], model size [parameters] and final loss [nats/token] of each run.
    method : {"parabola", "akima"}
        How N* is read off one IsoFLOP curve. ``"parabola"`` (Hoffmann et al. 2022) fits
        ``loss = p0 + p1 ln N + p2 (ln N)^2`` to the lowest-loss run and its ``window``
        neighbours on each side; a local parabola follows the bottom of the curve where a global
        one is dragged by the asymmetric tails. ``"akima"`` interpolates the curve in ln N with an
        Akima spline and takes its minimum between the best run's neighbours; it reproduces the
        per-budget optima Porian et al. (2024) publish (median 0.5% in N* on their 177 budgets).
    window : int
        Neighbours on each side of the best run used by ``"parabola"``.

    Budgets whose best run is the smallest or largest model sampled (the minimum is not
    bracketed), or whose parabola opens downwards, are kept with ``used = False``.
    """
    C, N, loss = (_positive_array(k, v) for k, v in (("C", C), ("N", N), ("loss", loss)))
    if method not in ("parabola", "akima"):
        raise ValueError(f"method: {method!r} is not known; expected 'parabola' or 'akima'")
    if not (isinstance(window, int) and window >= 1):
        raise ValueError(f"window: {window!r} is out of range; expected an integer >= 1")
    budgets = []
    for c in np.unique(C):
        m = C == c
        order = np.argsort(N[m])
        x, y = np.log(N[m][order]), loss[m][order]
        i = int(np.argmin(y))
        x_star, y_star = _isoflop_minimum(x, y, i, method, window) if 0 < i < x.size - 1 else (np.nan, np.nan)
        ok = bool(np.isfinite(x_star))
        n_star = float(np.exp(x_star)) if ok else float("nan")
        budgets.append({"C": float(c), "N_opt": n_star, "D_opt": float(c / (6 * n_star)) if ok else float("nan"),
                        "loss": float(y_star), "n": int(m.sum()), "used": ok})
    used = [bud for bud in budgets if bud["used"]]
    if len(used) < 2:
        raise ValueError(f"IsoFLOP fit needs at least 2 budgets whose best run is bracketed by smaller and larger "
                         f"models; got {len(used)} of {len(budgets)} budgets")
    lc = np.log([bud["C"] for bud in used])
    a, ln_kN = np.polyfit(lc, np.log([bud["N_opt"] for bud in used]), 1)
    b, ln_kD = np.polyfit(lc, np.log([bud["D_opt"] for bud in used]), 1)
    return IsoflopFit(budgets, float(a), float(b), float(np.exp(ln_kN)), float(np.exp(ln_kD)))


def _isoflop_minimum(x: NDArray, y: NDArray, i: int, method: str, window: int) -> tuple[float, float]:
    """Minimum (ln N*, loss*) of one IsoFLOP curve sorted by ``x = ln N`` with its best run at ``i``
    (0 < i < len - 1); NaNs when the curve gives no minimum."""
    if method == "parabola":
        sl = slice(max(0, i - window), min(x.size, i + window + 1))
        p2, p1, p0 = np.polyfit(x[sl], y[sl], 2)
        if not p2 > 0:
            return np.nan, np.nan
        xs = -p1 / (2 * p2)
        return float(xs), float(p0 + p1 * xs + p2 * xs**2)
    from scipy.interpolate import Akima1DInterpolator
    from scipy.optimize import minimize_scalar

    spline = Akima1DInterpolator(x, y)
    grid = np.linspace(x[i - 1], x[i + 1], 401)
    k = int(np.argmin(spline(grid)))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = minimize_scalar(lambda v: float(spline(v)), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-10})
    return float(res.x), float(res.fun)


# --- Su et al. 2024: every constant of the Kaplan forms from small runs -----------------------


@dataclass(frozen=True)
class SuProcedure:
    """Every intermediate of :func:`su2024_procedure`."""

    batch: BatchFit
    learning_curve: FitResult
    constants: dict[str, float]
    predicted_N: float
    prediction: dict[str, Any]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        lc = self.learning_curve
        return {
            "step1_B_crit": self.batch.to_dict(),
            "step2_L_N_Smin": {"params": lc.params, "objective": lc.objective, "status": lc.status,
                               "n_points": lc.n_points, "data_range": lc.data_range},
            "constants": self.constants,
            "step3_prediction": {"N": self.predicted_N, **self.prediction},
            "notes": list(self.notes),
        }


def su2024_procedure(
    *, target_loss: Any, batch_tokens: Any, steps_to_target: Any, N: Any, S: Any, loss: Any, B: float,
    predict_N: float | None = None, curve_S: Any = None, curve_loss: Any = None,
) -> SuProcedure:
    """Estimate every constant of L(N, S, B) from small runs and predict a larger model.

    The steps follow Su et al. (2024), who keep Kaplan's forms and estimate their constants:

    1. **B_crit(L)**: from (target loss, batch size, steps to reach it) triples, fit Kaplan's
       Eq. 5.1 per target and ``B_crit = B_* / L^(1/alpha_B)`` across targets (:func:`fit_batch`).
    2. **L(N, S_min)**: convert each run's steps S at batch B to ``S_min = S / (1 + B_crit(L)/B)``
       with step 1's law, and fit ``(N_c/N)^alpha_N + (S_c/S_min)^alpha_S`` (form ``kaplan_ns``)
       to every model smaller than ``predict_N``.
    3. **Predict** the loss of the ``predict_N`` model after S steps at batch B by solving the
       implicit L(N, S, B) (:func:`scalingviz.laws.su2024.loss_trajectory`), without its data, and
       report the error at its own runs (``N == predict_N``) and along an optional curve.

    Parameters
    ----------
    target_loss, batch_tokens, steps_to_target : array_like
        Step 1's table; batch in tokens.
    N, S, loss : array_like
        Step 2's runs: non-embedding parameters, steps, loss at batch ``B`` [tokens].
    predict_N : float, optional
        The model to predict (default: the largest N).
    curve_S, curve_loss : array_like, optional
        A loss curve of the ``predict_N`` model at batch B, to measure the error along it.
    """
    from .laws import su2024 as su

    notes = []
    batch = fit_batch(target_loss, batch_tokens, steps_to_target)
    if batch.alpha_B is None or batch.alpha_B <= 0:
        raise FitError(f"step 1 failed: {batch.message}; B_crit(L) cannot convert steps to S_min")
    N, S, L = (_positive_array(k, v) for k, v in (("N", N), ("S", S), ("loss", loss)))
    predict_N = float(N.max()) if predict_N is None else float(predict_N)
    bc = batch.B_star / L ** (1.0 / batch.alpha_B)
    s_min = S / (1.0 + bc / B)
    train = N < predict_N
    if train.sum() < 5 or np.unique(N[train]).size < 2:
        raise ValueError(f"step 2 needs at least 5 runs of 2 or more model sizes below N = {predict_N:g}; got {int(train.sum())}")
    runs = runs_from_arrays(N=N[train], D=S[train] * B, S=s_min[train], loss=L[train], allow_duplicates=True)
    lc = fit_law(runs, "kaplan_ns")
    consts = {"N_c": lc.params["N_c"], "alpha_N": lc.params["alpha_N"], "S_c": lc.params["S_c"],
              "alpha_S": lc.params["alpha_S"], "B_star": batch.B_star, "alpha_B": batch.alpha_B}
    pred = {"B": B}
    own = N == predict_N
    if own.any():
        p = np.asarray(su.loss_trajectory(predict_N, S[own], B, **consts))
        e = 100 * (p / L[own] - 1)
        pred["runs"] = {"S": S[own].tolist(), "observed": L[own].tolist(), "predicted": p.tolist(),
                        "median_abs_pct_error": float(np.median(np.abs(e))), "max_abs_pct_error": float(np.max(np.abs(e)))}
    if curve_S is not None:
        cS, cL = _positive_array("curve_S", curve_S), _positive_array("curve_loss", curve_loss)
        p = np.asarray(su.loss_trajectory(predict_N, cS, B, **consts))
        e = 100 * (p / cL - 1)
        pred["curve"] = {"S": cS.tolist(), "observed": cL.tolist(), "predicted": p.tolist(),
                         "median_abs_pct_error": float(np.median(np.abs(e))), "max_abs_pct_error": float(np.max(np.abs(e)))}
    ratio = S / s_min
    notes.append(f"S/S_min ranges {ratio.min():.3g}-{ratio.max():.3g} at B = {B:g} tokens: the batch correction matters")
    return SuProcedure(batch, lc, consts, predict_N, pred, tuple(notes))
