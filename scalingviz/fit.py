"""Fit scaling laws to your own runs.

The default method is Hoffmann et al.'s (2022, Sec. 3.3 and Appendix D.2), as Besiroglu et
al. (2024) replicated it: minimise the **sum** of Huber losses (delta = 1e-3) between the
predicted and observed **log** loss, by L-BFGS-B from several starts. The objective is built from
the form's own function (:class:`~scalingviz.laws.forms.LawForm`): its constants' names come from
the function's signature, its analytic gradient is used where the form gives one, and a
vectorised finite difference otherwise. Scales are searched in log space, exponents linearly.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .datasets import RunsTable, as_runs, require_points, runs_from_arrays
from .errors import InputError, shown
from .laws.forms import FORMS, LawForm, nnls_scales
from .presets import Preset

__all__ = [
    "BatchFit",
    "BootstrapResult",
    "CurveFit",
    "FitError",
    "FitResult",
    "HeldOut",
    "HparamFit",
    "IsoflopFit",
    "SuProcedure",
    "bootstrap",
    "bootstrap_curve",
    "curve_metrics",
    "fit_batch",
    "fit_curve",
    "fit_data_constrained",
    "fit_hparams",
    "fit_isoflop",
    "fit_law",
    "condition_number",
    "fittable_forms",
    "heldout_check",
    "group_budgets",
    "huber_objective",
    "identified_by_bootstrap",
    "leave_largest_out",
    "parse_constraints",
    "prediction_interval",
    "resolve_law",
    "su2024_procedure",
    "with_bootstrap_check",
]

DELTA = 1e-3


class FitError(RuntimeError):
    """A fit that could not produce an answer (all starts failed, non-finite objective...)."""


# --- which law, which function, which constants ------------------------------------------------


#: The columns of a runs table a form's fit target may take as variables.
RUN_COLUMNS = frozenset({"N", "D", "C", "S", "U"})


def fittable_forms() -> list[str]:
    """Registered forms a runs table can be fitted to (a fit target whose variables are run columns);
    curve laws are fitted to loss curves by :func:`fit_curve`."""
    return [n for n, f in FORMS.items()
            if f.fit_target in f.functions and set(f.required_variables(f.fit_target)) <= RUN_COLUMNS]


def _lookup(law: LawForm | Preset | str) -> tuple[LawForm, dict[str, float]]:
    """The form to fit and the constants a preset brings (empty for a bare form).

    ``law`` may be a :class:`LawForm`, a :class:`Preset` (its constants are starting values, and
    those its fit target does not use are carried over unchanged), a preset name or a form name.
    """
    from .presets import PRESETS

    if isinstance(law, LawForm):
        form, values = law, {}
    elif isinstance(law, Preset):
        form, values = law.form, dict(law.values)
    elif isinstance(law, str) and law.strip() in PRESETS:
        p = PRESETS[law.strip()]
        form, values = p.form, dict(p.values)
    elif isinstance(law, str) and law.strip() in FORMS:
        form, values = FORMS[law.strip()], {}
    else:
        valid = sorted({n for n in fittable_forms()} | {n for n, p in PRESETS.items() if p.form.name in fittable_forms()})
        raise InputError(f"law: {law!r} is not a fittable form; valid names are {', '.join(valid)}")
    return form, values


def resolve_law(law: LawForm | Preset | str) -> tuple[LawForm, dict[str, float]]:
    """:func:`_lookup`, for a fit to a table of runs: the form must take run columns."""
    form, values = _lookup(law)
    if form.fit_target not in form.functions or not set(form.required_variables(form.fit_target)) <= RUN_COLUMNS:
        hint = "; fit its loss curves with fit_curve" if "curve" in form.functions else ""
        raise InputError(f"law: the {form.name} form has nothing to fit to a table of runs{hint}; fittable forms: "
                         f"{', '.join(fittable_forms())}")
    return form, values


def parse_constraints(text: str) -> tuple[dict[str, float], dict[str, tuple[float | None, float | None]]]:
    """Constants typed as text: ``E=1.8; alpha>=0.2; alpha<=0.6`` -> (fixed, bounds). Nothing is evaluated."""
    from .units import parse_quantity

    fixed: dict[str, float] = {}
    bounds: dict[str, list[float | None]] = {}
    for item in (x.strip() for x in str(text or "").split(";")):
        if not item:
            continue
        for op in (">=", "<=", "="):
            if op in item:
                name, value = (x.strip() for x in item.split(op, 1))
                if not name.isidentifier():
                    raise InputError(f"constants: {item!r}: {name!r} is not a constant's name")
                v = parse_quantity(value, name)
                if op == "=":
                    fixed[name] = v
                else:
                    bounds.setdefault(name, [None, None])[0 if op == ">=" else 1] = v
                break
        else:
            raise InputError(f"constants: {item!r} is not NAME=VALUE (pin), NAME>=LOW or NAME<=HIGH (bound)")
    return fixed, {k: (lo, hi) for k, (lo, hi) in bounds.items()}


def _check_fixed(form: LawForm, fixed: dict[str, float] | None) -> dict[str, float]:
    """Constants to hold fixed: each a constant of the form, with a finite value."""
    fixed = dict(fixed or {})
    for k, v in fixed.items():
        if k not in form.constants:
            raise InputError(f"fixed: {k!r} is not a constant of the {form.name} form; valid: {', '.join(form.constants)}")
        try:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))
        except OverflowError:
            ok = False
        if not ok:
            raise InputError(f"fixed: {k}={shown(v)} is not a finite number")
    return fixed


def _huber(r: NDArray, delta: float) -> NDArray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def huber_objective(residuals: NDArray, delta: float = DELTA) -> float:
    """Sum of Huber losses (the value Besiroglu et al. report): ``r^2/2`` inside delta, linear outside."""
    return float(np.sum(_huber(np.asarray(residuals, dtype=float), delta)))


def _run_columns(runs: RunsTable, variables: tuple[str, ...], form: str) -> list[NDArray]:
    cols = []
    for v in variables:
        arr = runs.C if v == "C" else getattr(runs, v, None)
        if arr is None:
            raise InputError(f"column {v!r} is required for the {form} form")
        cols.append(arr)
    return cols


class _Problem:
    """The objective of one fit: Huber on log loss of the form's own function, in theta space.

    theta_j is ln(c_j) for constants fitted in log space (every constant not in ``form.linear``),
    else c_j. The gradient is the form's analytic one where it has one, else a vectorised
    central finite difference (one call of the function with the constants as column arrays).
    """

    def __init__(self, form: LawForm, names: tuple[str, ...], fixed: dict[str, float], X: list[NDArray],
                 lnL: NDArray, delta: float, fn: Callable | None = None, grad_fn: Callable | None = None,
                 weights: NDArray | None = None):
        self.form, self.names, self.fixed, self.X, self.lnL, self.delta = form, names, fixed, X, lnL, delta
        self.w = 1.0 if weights is None else np.asarray(weights, dtype=float)
        self.fn = fn or form.functions[form.fit_target]
        self.grad_fn = grad_fn if fn is not None else form.gradient.get(form.fit_target)
        self.log = np.array([n not in form.linear for n in names])

    def constants(self, theta: NDArray) -> dict[str, Any]:
        c = np.where(self.log, np.exp(np.clip(theta, -700, 700)), theta)
        if theta.ndim == 2:  # a batch of thetas (m, k): constants as column arrays
            return {**self.fixed, **{n: c[:, j:j + 1] for j, n in enumerate(self.names)}}
        return {**self.fixed, **{n: float(c[j]) for j, n in enumerate(self.names)}}

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
            r = np.log(self.predict_many(thetas)) - self.lnL
            v = (self.w * _huber(r, self.delta)).sum(axis=1)
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
            return J * (scale / pred[:, None])
        k = theta.size
        h = 1e-6 * np.maximum(1.0, np.abs(theta))
        T = np.concatenate([theta + np.diag(h), theta - np.diag(h)])
        with np.errstate(all="ignore"):
            P = np.log(self.predict_many(T))
        return ((P[:k] - P[k:]) / (2 * h[:, None])).T

    def value_and_grad(self, theta: NDArray, scale: float) -> tuple[float, NDArray]:
        c = self.constants(theta)
        try:
            with np.errstate(all="ignore"):
                pred = np.asarray(self.fn(*self.X, **c), dtype=float)
                r = np.log(pred) - self.lnL
        except ArithmeticError:
            return np.inf, np.zeros_like(theta)
        v = float(np.sum(self.w * _huber(r, self.delta)))
        if not np.isfinite(v):
            return np.inf, np.zeros_like(theta)
        g = self.w * np.clip(r, -self.delta, self.delta)  # derivative of Huber (weighted)
        grad = self.jacobian(theta, pred, c).T @ g
        if not np.all(np.isfinite(grad)):
            return np.inf, np.zeros_like(theta)
        return scale * v, scale * grad

    def subset(self, rows: NDArray) -> _Problem:
        """The same objective on some rows only (screening starts on a subsample of a big table)."""
        w = self.w if np.ndim(self.w) == 0 else self.w[rows]
        out = _Problem(self.form, self.names, self.fixed, [x[rows] for x in self.X], self.lnL[rows], self.delta,
                       fn=self.fn, grad_fn=self.grad_fn, weights=None if np.ndim(w) == 0 else w)
        return out

    def to_theta(self, values: dict[str, float]) -> NDArray:
        v = np.array([float(values[n]) for n in self.names])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.log, np.log(np.where(self.log, v, 1.0)), v)

    def theta_bounds(self, bounds: dict[str, tuple[float | None, float | None]]) -> list[tuple[float | None, float | None]]:
        out = []
        for j, n in enumerate(self.names):
            lo, hi = bounds.get(n, (None, None))
            if self.log[j]:
                lo = math.log(lo) if lo is not None and lo > 0 else None
                hi = math.log(hi) if hi is not None and hi > 0 else None
            out.append((lo, hi))
        return out


#: Predictions (starts x rows) evaluated at once when screening starts: 2^21 doubles, 16 MB per array.
CHUNK_ELEMENTS = 1 << 21
#: Tables with more rows than this screen their starting candidates on a random subsample of this many rows
#: (the polish and every reported number use all rows).
SCREEN_ROWS = 20_000
#: The most rows a table of runs may have for a fit (a 1e6-row fit takes about a minute here).
MAX_FIT_ROWS = 2_000_000


def _polish(problem: _Problem, th0: NDArray, bounds, maxiter: int):
    from scipy.optimize import minimize

    delta = problem.delta
    lnL = problem.lnL
    scale = 1.0 / (delta * delta) if np.isfinite(delta) else 1.0 / max(float(np.var(lnL)), 1e-12) / lnL.size
    res = minimize(lambda th: problem.value_and_grad(th, scale), th0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20})
    return res, res.fun / scale


class _Constants:
    """What every fit result shares: its constants in the form's order, fitted and given."""

    params: dict[str, float]
    fixed: dict[str, float]
    law_form: LawForm | None

    @property
    def constants(self) -> dict[str, float]:
        """Every constant of the form that the fit determined or was given, in the form's order."""
        both = {**self.fixed, **self.params}
        return {k: both[k] for k in self.law_form.constants if k in both}


@dataclass(frozen=True)
class FitResult(_Constants):
    """The outcome of :func:`fit_law`.

    ``params`` holds the fitted constants under the form's (and its presets') own names; ``fixed``
    the constants held fixed (pinned, or carried over from a preset); ``objective`` is the summed
    Huber loss on log loss; ``status`` is one of ``converged``, ``degenerate`` (a constant on a bound,
    collapsed toward 0, or the constants not identified: ``message`` says which and what to try),
    ``max_iter``, ``abnormal``; ``condition`` is the condition number of the fit's Gauss-Newton matrix.
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
    fixed: dict[str, float] = field(default_factory=dict)
    law_form: LawForm | None = field(default=None, repr=False, compare=False)
    condition: float = float("nan")

    @property
    def variables(self) -> tuple[str, ...]:
        return self.law_form.variables(self.law_form.fit_target)

    def predict(self, **variables: Any) -> NDArray:
        """Predicted loss [nats/token] at the given variables (e.g. ``N=..., D=...``)."""
        missing = [v for v in self.law_form.required_variables(self.law_form.fit_target) if v not in variables]
        if missing:
            raise InputError(f"predict: give {', '.join(missing)} for the {self.form} form")
        args = [variables[v] for v in self.variables if v in variables]
        return np.asarray(self.law_form.call(self.law_form.fit_target, self.constants, *args), dtype=float)

    def to_preset(self, name: str = "my-fit", title: str | None = None, **constants: float):
        """A :class:`~scalingviz.presets.Preset` usable everywhere a published law is.

        Constants the fit did not determine (e.g. B_* and alpha_B of the ``su`` form, which
        :func:`fit_batch` estimates) are given as keyword arguments.
        """
        from .presets import FittedRange, Preset

        values = {**self.constants, **constants}
        missing = [k for k in self.law_form.constants if k not in values]
        if missing:
            raise InputError(f"to_preset: constant(s) {', '.join(missing)} of the {self.form} form were not fitted; "
                             f"give them, e.g. to_preset({name!r}, {missing[0]}=...)")
        rng = FittedRange(N=self.data_range.get("N"), D=self.data_range.get("D"), C=self.data_range.get("C"),
                          source=f"the {self.n_points} runs this law was fitted to")
        return Preset.from_values(name, self.law_form, values, title=title or f"{name} (fitted)",
                                  N_convention="as in your data", loss_unit="as in your data", fitted_range=rng,
                                  source=f"fitted ({self.status})", fitted=True,
                                  notes=f"Fitted to {self.n_points} runs; objective {self.objective:.6g}.")


def fit_law(
    runs: RunsTable | dict,
    law: LawForm | Preset | str = "chinchilla",
    *,
    loss: str = "huber",
    delta: float = DELTA,
    starts: Sequence[Sequence[float] | dict[str, float]] | int | None = None,
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
    fixed: dict[str, float] | None = None,
    seed: int = 0,
    maxiter: int = 2000,
) -> FitResult:
    """Fit a law to runs by Huber regression on log loss.

    Parameters
    ----------
    runs : RunsTable or dict
        Validated runs (see :mod:`scalingviz.datasets`), or a dict of columns.
    law : LawForm, Preset or str
        A form (``chinchilla``, ``kaplan_nd``, ``kaplan_ns``, ``power_N``, ``power_offset_N``,
        your own :class:`LawForm`), or a preset (``hoffmann2022``, ``kaplan2020``): the objective
        is built from the form's own fit-target function (``loss`` for most) and its constants'
        names. A preset's constants start the search, and those the fit target does not use are
        carried over unchanged.
    loss : {"huber", "squared"}
        ``huber`` (default, Hoffmann et al.) or ``squared`` (ordinary least squares on log loss,
        i.e. Huber with an infinite threshold; more sensitive to outliers).
    delta : float
        Huber threshold on log loss (1e-3, as in Hoffmann et al.).
    starts : int or list, optional
        Number of best candidate starts to polish (default 6), or explicit starting points as
        dicts in the constants' names (or sequences in the order of the fitted constants).
    bounds : dict, optional
        ``{constant: (low, high)}`` on any constant, in its own units (the form's defaults
        apply to the others).
    fixed : dict, optional
        ``{constant: value}`` held fixed (e.g. E from another fit).
    seed : int
        Seeds the jitter of the extra random starts.

    Raises
    ------
    ValueError
        Bad data (too few points, too few distinct values) or bad options.
    FitError
        When no start gives a finite objective.
    """
    form, preset_values = resolve_law(law)
    target = form.fit_target
    fixed = _check_fixed(form, fixed)
    used = form.constants_of(target)
    names = tuple(c for c in used if c not in fixed)
    if not names:
        raise InputError(f"fixed: every constant of {form.name} is pinned ({', '.join(used)}); nothing is left to fit: "
                         "leave at least one free")
    fixed_all = {**{k: v for k, v in preset_values.items() if k not in used}, **fixed}
    fixed_call = {k: float(v) for k, v in fixed_all.items() if k in used}
    runs = as_runs(runs, allow_duplicates=True)
    if len(runs) > MAX_FIT_ROWS:
        raise InputError(f"runs: {len(runs):,} rows is more than a fit takes ({MAX_FIT_ROWS:,}); fit a subsample or "
                         "aggregate repeated runs first")
    variables = form.variables(target)
    require_points(runs, len(names), tuple(v for v in variables if v != "C"), form.name)
    if loss not in ("huber", "squared"):
        raise InputError(f"loss: {loss!r} is not valid; valid: huber, squared")
    if not delta > 0:
        raise InputError(f"delta: {delta!r} is out of range; expected a positive Huber threshold (default 1e-3)")
    if loss == "squared":
        delta = np.inf
    X = _run_columns(runs, variables, form.name)
    problem = _Problem(form, names, fixed_call, X, np.log(runs.loss), delta)
    all_bounds = dict(form.bounds)
    for name, bnd in (bounds or {}).items():
        if name not in names:
            raise InputError(f"bounds: {name!r} is not a parameter of {form.name} being fitted; valid: {', '.join(names)}")
        lo, hi = bnd
        if lo is not None and hi is not None and not lo <= hi:
            raise InputError(f"bounds: {name} ({lo}, {hi}) is empty; give low <= high")
        all_bounds[name] = (lo, hi)
    starts = _check_starts(starts)
    n_keep = starts if isinstance(starts, int) else (6 if form.starts is not None or preset_values else 24)
    explicit = None if isinstance(starts, int) or starts is None else starts
    th, obj, status, message, n_starts = _optimise(
        problem, lambda: _candidates(form, problem, runs, preset_values, seed), explicit, all_bounds, n_keep, seed,
        maxiter, f"{form.name} on {len(runs)} runs")
    resid = np.log(problem.predict(th)) - problem.lnL
    rng_data = {"N": (float(runs.N.min()), float(runs.N.max())), "D": (float(runs.D.min()), float(runs.D.max())),
                "C": (float(runs.C.min()), float(runs.C.max()))}
    c = problem.constants(th)
    params = {n: c[n] for n in names}
    return FitResult(form.name, params, obj, status, message, len(runs), resid, th, n_starts, delta, rng_data,
                     fixed=fixed_all, law_form=form, condition=condition_number(problem, th))


#: Most starting points a fit polishes.
MAX_STARTS = 1000


def _check_starts(starts: Any) -> Any:
    """``starts`` as a fit takes it: None, a count from 1 to :data:`MAX_STARTS`, or a non-empty list of
    starting points (dicts of constants or sequences of values); else an :class:`InputError`."""
    if starts is None:
        return None
    if isinstance(starts, (int, np.integer)) and not isinstance(starts, bool):
        if not 1 <= starts <= MAX_STARTS:
            raise InputError(f"starts: {shown(starts)} is out of range; expected a count from 1 to {MAX_STARTS:,} "
                             "or a list of starting points")
        return int(starts)
    if isinstance(starts, (list, tuple)) and starts and all(isinstance(x, (dict, list, tuple, np.ndarray))
                                                           for x in starts):
        return starts
    raise InputError(f"starts: {shown(starts)} is not a count or a list of starting points (dicts of constants)")


def _start_theta(problem: _Problem, start: Any) -> NDArray:
    """One explicit starting point as the optimiser's theta; a bad one is an :class:`InputError`."""
    try:
        if isinstance(start, dict):
            missing = [n for n in problem.names if n not in start]
            if missing:
                raise InputError(f"starts: a starting point lacks {', '.join(missing)}; give every fitted constant "
                                 f"({', '.join(problem.names)})")
            return problem.to_theta(start)
        th = np.asarray(start, dtype=float).ravel()
    except (TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"starts: {shown(start)} is not a starting point of numbers") from None
    if th.size != len(problem.names):
        raise InputError(f"starts: a starting point has {th.size} values; the fit has {len(problem.names)} "
                         f"({', '.join(problem.names)})")
    return th


def _optimise(problem: _Problem, candidates: Callable[[], list[dict[str, float]]],
              starts: Sequence[Sequence[float] | dict[str, float]] | None,
              bounds: dict[str, tuple[float | None, float | None]], n_keep: int, seed: int, maxiter: int,
              what: str, screen_iter: int | None = None) -> tuple[NDArray, float, str, str, int]:
    """The multi-start search every fit shares: rank candidates, polish the best ``n_keep`` (plus a
    jittered copy of the best) with L-BFGS-B, and report the status. Returns theta, objective,
    status, message and the number of starts polished.

    With ``screen_iter``, every start is polished for that many iterations only and the best one is
    then polished to convergence (for objectives that are costly to evaluate, such as loss curves)."""
    bnds = problem.theta_bounds(bounds)
    lows = np.array([-np.inf if lo is None else lo for lo, _ in bnds])
    highs = np.array([np.inf if hi is None else hi for _, hi in bnds])
    if starts is None:
        cands = candidates()
        if not cands:
            raise FitError(f"no starting values for {what}; give starts=[{{...}}]")
        T = np.clip(np.array([problem.to_theta({**c}) for c in cands]), lows, highs)
        screen = problem
        if problem.lnL.size > SCREEN_ROWS and len(problem.X) and np.ndim(problem.X[0]) == 1:
            rows = np.random.default_rng(seed).choice(problem.lnL.size, SCREEN_ROWS, replace=False)
            screen = problem.subset(np.sort(rows))
        scores = screen.objective_many(T)
        order = np.argsort(scores, kind="stable")
        th_starts = [T[i] for i in order[:n_keep] if np.isfinite(scores[i])]
    else:
        th_starts = [_start_theta(problem, s) for s in starts]
    rng = np.random.default_rng(seed)
    if th_starts:  # a jittered copy of the best start guards against a flat grid
        th_starts = list(th_starts) + [th_starts[0] * (1 + 0.05 * rng.standard_normal(th_starts[0].size))]
    results = []
    for th0 in th_starts:
        th0 = np.clip(th0, lows, highs)
        if not np.all(np.isfinite(th0)):
            continue
        res, obj = _polish(problem, th0, bnds, maxiter if screen_iter is None else screen_iter)
        if np.isfinite(obj) and np.all(np.isfinite(res.x)):
            results.append((res, obj))
    if screen_iter is not None and results:
        res, obj = _polish(problem, min(results, key=lambda r: r[1])[0].x, bnds, maxiter)
        results = [(res, obj)] if np.isfinite(obj) and np.all(np.isfinite(res.x)) else results
    if not results:
        raise FitError(f"no start gave a finite objective for {what}; check that the losses fall as the law "
                       "expects, or give starts=")
    # Among starts that reach the best objective (to 1e-10 relative), prefer one whose optimiser
    # reported success: several starts usually land on the same optimum.
    lowest = min(obj for _, obj in results)
    tied = [r for r in results if r[1] <= lowest * (1 + 1e-10) + 1e-300]
    res, obj = min(tied, key=lambda r: (not r[0].success, r[1]))
    th = res.x
    grad_norm = float(np.max(np.abs(res.jac))) if getattr(res, "jac", None) is not None else np.inf
    problems = _diagnose(problem, th, bnds, bounds)
    if problems:
        status, message = "degenerate", "; ".join(problems)
    elif res.success:
        status, message = "converged", str(res.message)
    elif "ABNORMAL" in str(res.message) and grad_norm < 1e-5 * max(1.0, abs(float(res.fun))):
        # L-BFGS-B's line search stalls at a stationary point once float precision is exhausted.
        status, message = "converged", f"line search stalled at a stationary point (max |gradient| {grad_norm:.1e}, scaled)"
    elif res.nit >= maxiter:
        status, message = "max_iter", f"stopped after {res.nit} iterations (maxiter={maxiter})"
    else:
        status, message = "abnormal", str(res.message)
    return th, obj, status, message, len(th_starts)


#: Above this condition number of the fit's Gauss-Newton matrix J^T J (J = d ln L / d theta, with
#: scales in log space), the constants are not identified. Calibrated on real fits: Epoch's Chinchilla
#: fit 4.0e6, open_lm runs with total N 4.7e7, the Multi-Power Law on Luo et al.'s curves 3e8-6e9;
#: open_lm runs with non-embedding N (E collapses to 2e-11) 1.8e30.
CONDITION_LIMIT = 1e10
#: A positive constant fitted below this has collapsed: its term vanished from the law.
COLLAPSE_LIMIT = 1e-6


def condition_number(problem: _Problem, theta: NDArray) -> float:
    """Condition number of J^T J at theta (the square of J's): how well the runs pin the constants down."""
    with np.errstate(all="ignore"):
        J = problem.jacobian(theta, problem.predict(theta))
    if not np.all(np.isfinite(J)):
        return float("inf")
    s = np.linalg.svd(J, compute_uv=False)
    return float((s[0] / s[-1]) ** 2) if s[-1] > 0 else float("inf")


def _diagnose(problem: _Problem, theta: NDArray, bnds: list, bounds: dict) -> list[str]:
    """Plain messages for a degenerate fit: a constant on a bound, collapsed to 0, or constants not identified."""
    out = []
    c = problem.constants(theta)
    for i, (lo, hi) in enumerate(bnds):
        name = problem.names[i]
        if (lo is not None and abs(theta[i] - lo) < 1e-8) or (hi is not None and abs(theta[i] - hi) < 1e-8):
            blo, bhi = bounds.get(name, (None, None))
            out.append(f"{name} = {c[name]:.4g} ended on its bound ({blo}, {bhi}): the best fit lies beyond it; "
                       f"widen the bound, or pin {name} with fixed= if another fit gives it")
    for j, name in enumerate(problem.names):
        if problem.log[j] and c[name] < COLLAPSE_LIMIT:
            out.append(f"{name} = {c[name]:.3g} collapsed toward 0: its term vanished and the other constants absorbed "
                       f"it; bound it away from 0 (bounds={{{name!r}: (low, None)}}) or pin it (fixed=)")
    cond = condition_number(problem, theta)
    if cond > CONDITION_LIMIT:
        out.append(f"the constants are not identified by these runs (condition number {cond:.2g} of the fit's "
                   f"Gauss-Newton matrix, above {CONDITION_LIMIT:.0e}); pin some constants (fixed=) or add runs that "
                   "vary what they control")
    return out


def identified_by_bootstrap(boot: BootstrapResult, decade: float = 10.0) -> list[str]:
    """Constants whose bootstrap interval spans more than a factor ``decade`` (positive constants only)."""
    out = []
    for name, (lo, hi) in boot.ci.items():
        if lo > 0 and hi / lo > decade:
            out.append(f"{name}'s {100 * boot.level:g}% bootstrap interval [{lo:.3g}, {hi:.3g}] spans "
                       f"{hi / lo:.3g}x: not identified by these runs")
    return out


def with_bootstrap_check(result: FitResult, boot: BootstrapResult) -> FitResult:
    """The fit, marked ``degenerate`` if a bootstrap interval spans more than a decade."""
    problems = identified_by_bootstrap(boot)
    if not problems:
        return result
    msg = "; ".join(problems) if result.status != "degenerate" else result.message + "; " + "; ".join(problems)
    return replace(result, status="degenerate", message=msg)


def _candidates(form: LawForm, problem: _Problem, runs: RunsTable, preset_values: dict[str, float],
                seed: int) -> list[dict[str, float]]:
    """Starting candidates: the form's own (grids with exact linear solves), the preset's constants,
    and a random cloud in the bounds (log-uniform scales, uniform exponents) for forms with neither."""
    cands: list[dict[str, float]] = []
    fill = dict(problem.fixed)
    if form.starts is not None:
        cols = dict(zip(form.variables(form.fit_target), problem.X, strict=True))
        L = runs.loss
        if L.size > SCREEN_ROWS:  # the starts' exact linear solves on a subsample of a big table
            rows = np.sort(np.random.default_rng(seed).choice(L.size, SCREEN_ROWS, replace=False))
            cols, L = {k: v[rows] for k, v in cols.items()}, L[rows]
        cands += [{**fill, **c} for c in form.starts(cols, L)]
    if preset_values:
        cands.append({**fill, **preset_values})
    if not cands:
        rng = np.random.default_rng(seed)
        m = 4096
        cloud = np.empty((m, len(problem.names)))
        for j, n in enumerate(problem.names):
            lo, hi = form.bounds.get(n, (None, None))
            if problem.log[j]:
                a = math.log(lo) if lo is not None and lo > 0 else math.log(1e-2)
                b = math.log(hi) if hi is not None and hi > 0 else math.log(1e4)
            else:
                a = lo if lo is not None else 0.02
                b = hi if hi is not None else 1.5
                b = min(b, a + 3.0)
            cloud[:, j] = rng.uniform(a, b, m)
        c = np.where(problem.log, np.exp(cloud), cloud)
        cands = [{**fill, **dict(zip(problem.names, row, strict=True))} for row in c]
    return [{k: v for k, v in c.items() if k in problem.names} for c in cands
            if all(k in c for k in problem.names)]


# --- bootstrap -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapResult:
    """Parameter samples from refits to resampled runs, with percentile intervals."""

    params: tuple[str, ...]
    samples: NDArray  # (n_ok, n_params), constants' names in `params` order
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


def _refit_chunk(form: LawForm, names: tuple[str, ...], fixed: dict[str, float], X: list[NDArray], lnL: NDArray,
                 theta: NDArray, delta: float, idx: NDArray) -> tuple[NDArray, int]:
    """Refit one chunk of resamples (rows of ``idx``); module-level so a process pool can run it."""
    out, failed = [], 0
    bnds = None
    for row in idx:
        problem = _Problem(form, names, fixed, [x[row] for x in X], lnL[row], delta)
        if bnds is None:
            bnds = problem.theta_bounds(dict(form.bounds))
        res, obj = _polish(problem, theta, bnds, 500)
        if np.isfinite(obj) and np.all(np.isfinite(res.x)):
            c = problem.constants(res.x)
            out.append([c[k] for k in names])
        else:
            failed += 1
    return np.array(out).reshape(-1, len(names)), failed


def _picklable(obj: Any) -> bool:
    import pickle

    try:
        pickle.dumps(obj)
    except Exception:
        return False
    return True


#: Most resamples one bootstrap may ask for (each is a refit).
MAX_RESAMPLES = 1_000_000


def bootstrap(
    runs: RunsTable,
    law: LawForm | Preset | str = "chinchilla",
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
    safe inside a Jupyter kernel; a form that cannot be sent to a worker, e.g. one defined in a
    notebook, is refitted here). ``progress(i, n)`` is called as refits complete. Refits that
    fail are counted in ``n_failed`` and left out of the samples.
    """
    if isinstance(n, bool) or not (isinstance(n, int) and 1 <= n <= MAX_RESAMPLES):
        raise InputError(f"n: {shown(n)} is out of range; expected a number of resamples from 1 to "
                         f"{MAX_RESAMPLES:,} (e.g. 1000)")
    if not 0 < level < 1:
        raise InputError(f"level: {level!r} is out of range; expected a confidence level in (0, 1), e.g. 0.95")
    if fit is None:
        fit = fit_law(runs, law, delta=delta)
    form = fit.law_form
    names = tuple(fit.params)
    used = form.constants_of(form.fit_target)
    fixed = {k: float(v) for k, v in fit.fixed.items() if k in used}
    X = _run_columns(runs, form.variables(form.fit_target), form.name)
    lnL = np.log(runs.loss)
    m = len(runs)
    idx = np.random.default_rng(seed).integers(0, m, (n, m))
    chunk = max(1, min(50, n // max(1, 4 * n_jobs)))
    pieces = [idx[i:i + chunk] for i in range(0, n, chunk)]
    results: list[tuple[NDArray, int]] = []
    done = 0
    if n_jobs > 1 and not _picklable(form):
        n_jobs = 1
    if n_jobs <= 1:
        for piece in pieces:
            results.append(_refit_chunk(form, names, fixed, X, lnL, fit.theta, delta, piece))
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
                futures = [pool.submit(_refit_chunk, form, names, fixed, X, lnL, fit.theta, delta, piece)
                           for piece in pieces]
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
    return BootstrapResult(names, samples, n, sum(r[1] for r in results), seed, level)


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
    runs: RunsTable, law: LawForm | Preset | str = "chinchilla", *, above_C: float | None = None,
    above_N: float | None = None, delta: float = DELTA, fixed: dict[str, float] | None = None,
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
) -> HeldOut:
    """Fit on runs with C = 6ND <= ``above_C`` (or N <= ``above_N``); predict the rest.

    Reports the median and maximum absolute percent error of the fit, and the same for every
    published preset that gives the fitted quantity, on the same held-out runs; ``in_sample`` marks a
    preset fitted on these very runs (its ``fitted_on`` names the runs' published data set), whose
    errors are then no test.
    """
    from .presets import PRESETS

    if (above_C is None) == (above_N is None):
        raise InputError("give exactly one threshold: above_C [FLOP] or above_N [params]")
    key, thr = ("C", above_C) if above_C is not None else ("N", above_N)
    vals = runs.C if key == "C" else runs.N
    train = vals <= thr
    if train.all() or not train.any():
        raise InputError(
            f"above_{key}: {thr:g} leaves {int(train.sum())} runs to fit and {int((~train).sum())} to check; "
            f"choose a value between {vals.min():g} and {vals.max():g}"
        )
    fit = fit_law(runs.subset(train), law, delta=delta, fixed=fixed, bounds=bounds)
    test = runs.subset(~train)
    form = fit.law_form
    cols = dict(zip(fit.variables, _run_columns(test, fit.variables, form.name), strict=True))
    pred = fit.predict(**cols)
    med, mx = _pct_errors(pred, test.loss)
    target = form.fit_target
    from .datasets import identify

    data_set = identify(runs.source)
    presets = {}
    for name, p in PRESETS.items():
        if p.has(target) and not p.fitted and set(p.form.required_variables(target)) <= set(cols):
            args = [cols[v] for v in p.form.variables(target) if v in cols]
            m2, x2 = _pct_errors(np.asarray(p.form.call(target, p.values, *args)), test.loss)
            presets[name] = {"median_abs_pct_error": m2, "max_abs_pct_error": x2,
                             "in_sample": data_set is not None and data_set in p.fitted_on}
    return HeldOut(int(train.sum()), len(test), med, mx, fit, presets)


def prediction_interval(result: FitResult, boot: BootstrapResult, *, level: float = 0.95, seed: int = 0,
                        **variables: Any) -> dict[str, NDArray]:
    """A prediction interval for the loss of new runs: each bootstrap draw of the constants predicts, times
    a residual drawn from the fit's own log residuals (parameter uncertainty plus run-to-run scatter).

    Returns ``value`` (the fit's prediction), ``low`` and ``high`` at the given level, shaped like the
    variables (``N=..., D=...``).
    """
    if not 0 < level < 1:
        raise InputError(f"level: {level!r} is out of range; expected a probability in (0, 1), e.g. 0.95")
    value = result.predict(**variables)
    rng = np.random.default_rng(seed)
    preds = []
    for row in boot.samples:
        c = {**result.constants, **dict(zip(boot.params, row, strict=True))}
        args = [variables[v] for v in result.variables if v in variables]
        p = np.asarray(result.law_form.call(result.law_form.fit_target, c, *args), dtype=float)
        preds.append(p * np.exp(rng.choice(result.residuals, size=np.shape(p))))
    q = 50 * (1 - level)
    low, high = np.percentile(np.stack(preds), [q, 100 - q], axis=0)
    return {"value": value, "low": low, "high": high}


def leave_largest_out(runs: RunsTable, law: LawForm | Preset | str = "chinchilla", *, by: str = "N",
                      delta: float = DELTA) -> HeldOut:
    """A rollout score: fit without the largest model (``by="N"``) or budget (``by="C"``), score on it.

    The question a scaling law is asked in practice (predict the next size up), beside the threshold
    hold-out of :func:`heldout_check`.
    """
    if by not in ("N", "C"):
        raise InputError(f"by: {by!r} is not valid; expected 'N' (the largest model) or 'C' (the largest budget)")
    vals = np.unique(runs.N if by == "N" else runs.C)
    if vals.size < 3:
        raise InputError(f"leave the largest out needs at least 3 distinct {by}; got {vals.size}")
    return heldout_check(runs, law, **{f"above_{by}": float(vals[-2]) * (1 + 1e-12)}, delta=delta)


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
        raise InputError(f"columns 'loss', 'B', 'S' must have equal lengths, got {L.size}, {Bt.size}, {St.size}")
    targets = []
    for target in np.unique(L):
        m = L == target
        if np.unique(Bt[m]).size < 2:
            raise InputError(f"target loss {target:g}: {np.unique(Bt[m]).size} distinct batch size; "
                             "Eq. 5.1 needs at least 2 batch sizes per target")
        c = nnls_scales([np.ones(m.sum()), 1.0 / Bt[m]], St[m])
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
    """Step Law's laws ``lr = lr_coef N^lr_exp_N D^lr_exp_D`` and ``B = bs_coef D^bs_exp_D`` [tokens],
    under the ``li2025`` preset's own names; :meth:`to_preset` makes them a law."""

    coef: dict[str, float]
    samples: NDArray  # bootstrap samples (n, 5) in NAMES order, coefficients (not their logs)
    n_kept: int
    n_cells: int

    NAMES = ("lr_coef", "lr_exp_N", "lr_exp_D", "bs_coef", "bs_exp_D")

    @property
    def ci(self) -> dict[str, tuple[float, float]]:
        if not len(self.samples):  # fitted without a bootstrap
            return {}
        q = np.percentile(self.samples, [2.5, 97.5], axis=0)
        return {k: (float(q[0, i]), float(q[1, i])) for i, k in enumerate(self.NAMES)}

    def to_preset(self, name: str = "my-hparams", title: str | None = None):
        """The refitted laws as a preset of Step Law's form."""
        from .laws import li2025
        from .presets import Preset

        return Preset.from_values(name, li2025.FORM, self.coef, title=title or f"{name} (fitted)",
                                  N_convention="as in your data", loss_unit="(no loss law)",
                                  source="fitted by Step Law's procedure (fit_hparams)", fitted=True)


def _ols(X: NDArray, y: NDArray) -> NDArray:
    return np.linalg.lstsq(X, y, rcond=None)[0]


def fit_hparams(N: Any, D: Any, lr: Any, B: Any, loss: Any, *, threshold: float = 0.0025, n_boot: int = 1000,
                seed: int = 0) -> HparamFit:
    """Step Law's procedure: keep runs within ``threshold`` (0.25%) of their (N, D) cell's best loss,
    regress ln lr on (ln N, ln D) and ln B on ln D, and bootstrap the regression.

    B must be in **tokens** (multiply sequences by the sequence length first). ``n_boot = 0``: no
    bootstrap (``ci`` is empty).
    """
    if not (isinstance(threshold, (int, float)) and 0 <= threshold < 1):
        raise InputError(f"threshold: {threshold!r} is out of range; expected a fraction in [0, 1), e.g. 0.0025")
    if not (isinstance(n_boot, (int, np.integer)) and 0 <= n_boot <= MAX_BOOTSTRAP):
        raise InputError(f"n_boot: {n_boot!r} is out of range; expected 0 to {MAX_BOOTSTRAP:,} resamples")
    arrs = [_positive_array(k, v) for k, v in (("N", N), ("D", D), ("lr", lr), ("B", B), ("loss", loss))]
    N, D, lr, B, loss = arrs
    cells = np.unique(np.stack([N, D], 1), axis=0)
    keep = np.zeros(N.size, bool)
    for n_, d_ in cells:
        m = (N == n_) & (D == d_)
        keep |= m & (loss <= loss[m].min() * (1 + threshold))
    if cells.shape[0] < 3 or np.unique(N).size < 2 or np.unique(D).size < 2:
        raise InputError(f"need at least 3 (N, D) cells with 2 distinct N and 2 distinct D; got {cells.shape[0]} cells")
    lN, lD, llr, lB = np.log(N[keep]), np.log(D[keep]), np.log(lr[keep]), np.log(B[keep])
    X_lr = np.stack([np.ones_like(lN), lN, lD], 1)
    X_b = np.stack([np.ones_like(lD), lD], 1)
    def natural(v: NDArray) -> NDArray:  # (ln lr_coef, N exp, D exp, ln bs_coef, D exp) -> the preset's constants
        return np.array([np.exp(v[0]), v[1], v[2], np.exp(v[3]), v[4]])

    point = natural(np.concatenate([_ols(X_lr, llr), _ols(X_b, lB)]))
    rng = np.random.default_rng(seed)
    samples = np.empty((n_boot, 5))
    for i in range(n_boot):
        idx = rng.integers(0, lN.size, lN.size)
        samples[i] = natural(np.concatenate([_ols(X_lr[idx], llr[idx]), _ols(X_b[idx], lB[idx])]))
    coef = dict(zip(HparamFit.NAMES, map(float, point), strict=True))
    return HparamFit(coef, samples, int(keep.sum()), int(cells.shape[0]))


# --- IsoFLOP profiles (Chinchilla Approach 2) -------------------------------------------------


@dataclass(frozen=True)
class IsoflopFit:
    """Per budget the curve's optimum; then ``N_opt = k_N C^a`` and ``D_opt = k_D C^b``.

    ``budgets`` holds, per budget, ``C`` (the budget's median FLOP count), ``n_runs``, ``N_opt``,
    ``D_opt`` (read from the runs' own D along the curve, else C/6N*), ``loss_opt`` (also ``loss``),
    ``used``, ``status`` (``converged``; ``unbracketed``: the best run is the smallest or largest model
    sampled, or the curve's minimum lies outside the sampled N; ``no minimum``; ``non-positive loss``;
    ``too few runs``) and ``reason``. ``outliers`` lists runs far above their budget's curve (diverged
    runs), with ``dropped`` saying whether they were left out. ``status`` is ``converged`` only when
    every used budget's optimum lies inside its sampled N range at a positive loss and no flagged run
    was kept; else ``degenerate`` and ``message`` says why. ``sensitivity`` shows Approach 2's known
    biases on these runs (the exponent with each budget left out; the widest and the most off-centre
    budget named). ``ci`` has bootstrap intervals of the exponents (budgets resampled).
    """

    budgets: list[dict[str, Any]]
    a: float
    b: float
    k_N: float
    k_D: float
    method: str = "parabola"
    flop_model: str = "C = 6ND"
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    status: str = "converged"
    message: str = ""
    outliers: list[dict[str, Any]] = field(default_factory=list)
    sensitivity: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "flop_model": self.flop_model, "budgets": self.budgets,
                "N_opt": {"coef": self.k_N, "exp": self.a}, "D_opt": {"coef": self.k_D, "exp": self.b},
                "ci": self.ci, "status": self.status, "message": self.message, "outliers": self.outliers,
                "sensitivity": self.sensitivity, "caveat": ISOFLOP_CAVEAT}


#: The most bootstrap resamples any fit takes (the CLI's and the dashboard's cap).
MAX_BOOTSTRAP = 100_000

#: Approach 2 methods, and who used which.
ISOFLOP_METHODS = {
    "parabola": "a parabola in ln N through the best run and its window neighbours (local; this package's default)",
    "quadratic": "a parabola in ln N over each whole IsoFLOP curve (Hoffmann et al. 2022 Approach 2; Meta's Llama 3)",
    "akima": "an Akima spline in ln N, minimised between the best run's neighbours (reproduces Porian et al. 2024)",
}

#: What Approach 2 cannot see on its own runs (stated with every IsoFLOP fit).
ISOFLOP_CAVEAT = ("Approach 2 is biased by how each budget was sampled: a wide grid of N, or one placed off the "
                  "optimum's centre, moves the fitted N* and with it the exponent, even on noise-free losses "
                  "(Open-Athena, 'Problems with Chinchilla Approach 2', arXiv:2603.22339). 'sensitivity' gives "
                  "the exponent with each budget left out, the widest and the most off-centre budget named; a "
                  "spread wider than the bootstrap interval means the sampling, not the noise, limits the answer.")

#: A run more than this fraction above the curve through the other runs of its budget is flagged as an
#: outlier (a diverged or broken run): 5%, about 25 times the seed-to-seed spread of final losses.
ISOFLOP_OUTLIER_EXCESS = 0.05


def group_budgets(C: Any, *, tolerance: float = 0.05) -> NDArray:
    """Budget labels for runs whose FLOP counts agree within ``tolerance`` (log-spaced): runs are sorted by
    C and a new budget starts where C exceeds the current budget's smallest C by more than (1 + tolerance)."""
    if not 0 < tolerance < 1:
        raise InputError(f"tolerance: {tolerance!r} is out of range; expected a fraction in (0, 1), e.g. 0.05")
    C = np.asarray(C, dtype=float)
    order = np.argsort(C)
    labels = np.empty(C.size, int)
    start, k = None, -1
    for i in order:
        if start is None or C[i] > start * (1 + tolerance):
            start, k = C[i], k + 1
        labels[i] = k
    return labels


def _isoflop_outliers(x: NDArray, y: NDArray, excess: float) -> NDArray:
    """Runs of one budget (sorted by ``x = ln N``) that break its valley: a boolean mask.

    Toward the best run the loss must fall; a run more than ``excess`` above the next run farther from
    the minimum (on its side) is flagged, as a diverged run would be. An outermost run has nothing farther
    out to be judged against; it is flagged only where it alone brackets the minimum (the best run is its
    neighbour) and lies more than twice ``excess`` above it: of 209 real budgets (Porian et al.'s 177, Llama
    3's 10, Marin's 22), 46 had their minimum bracketed by one edge run, at most 6.2% above the best run."""
    n = y.size
    flags = np.zeros(n, bool)
    best = int(np.argmin(y))  # a diverged run is never the lowest
    for i in range(1, best):  # left of the minimum: y[i] should not exceed y[i - 1]
        flags[i] = y[i] > y[i - 1] * (1 + excess)
    for i in range(best + 1, n - 1):  # right of it: y[i] should not exceed y[i + 1]
        flags[i] = y[i] > y[i + 1] * (1 + excess)
    if n >= 3 and best == 1:
        flags[0] = y[0] > y[1] * (1 + 2 * excess)
    if n >= 3 and best == n - 2:
        flags[-1] = y[-1] > y[-2] * (1 + 2 * excess)
    return flags


def _polyfit_exponents(lc: NDArray, ln_N: NDArray, ln_D: NDArray) -> tuple[float, float]:
    return float(np.polyfit(lc, ln_N, 1)[0]), float(np.polyfit(lc, ln_D, 1)[0])


def _isoflop_sensitivity(used: list[dict[str, Any]]) -> dict[str, Any]:
    """The exponent of N* with each used budget left out, and which budgets are the widest (span of ln N
    sampled) and the most off-centre (optimum farthest from the middle of its sampled ln N, in half-spans)."""
    if len(used) < 3:
        return {}
    lc = np.log([u["C"] for u in used])
    ln_N = np.log([u["N_opt"] for u in used])
    ln_D = np.log([u["D_opt"] for u in used])
    rows = []
    for k, u in enumerate(used):
        keep = np.arange(len(used)) != k
        a, b = _polyfit_exponents(lc[keep], ln_N[keep], ln_D[keep])
        rows.append({"C": u["C"], "a_without": a, "b_without": b, "span_decades": u["span_decades"],
                     "off_centre": u["off_centre"]})
    widest = max(rows, key=lambda r: r["span_decades"])
    off = max(rows, key=lambda r: abs(r["off_centre"]))
    a_all = [r["a_without"] for r in rows]
    return {"leave_one_budget_out": rows, "a_range": [min(a_all), max(a_all)],
            "widest": {"C": widest["C"], "span_decades": widest["span_decades"], "a_without": widest["a_without"]},
            "off_centre": {"C": off["C"], "off_centre": off["off_centre"], "a_without": off["a_without"]}}


def fit_isoflop(C: Any, N: Any, loss: Any, *, D: Any = None, budget: Any = None, method: str = "parabola",
                window: int = 1, tolerance: float = 0.05, min_runs: int = 3, skip_small: bool = False,
                drop_outliers: bool = False, drop_unbracketed: bool = False,
                outlier_excess: float = ISOFLOP_OUTLIER_EXCESS, n_boot: int = 1000, seed: int = 0) -> IsoflopFit:
    """Chinchilla Approach 2: per compute budget find the loss-minimising model size N*, then
    regress ln N* and ln D* on ln C.

    Parameters
    ----------
    C, N, loss : array_like
        Compute [FLOP], model size [parameters] and final loss [nats/token] of each run.
    D : array_like, optional
        Each run's tokens: D* is then read along the curve (ln D interpolated at ln N*), right
        whatever the FLOP model; without D it is C/(6 N*), right only where C = 6ND.
    budget : array_like, optional
        Each run's budget label; without it, runs whose C agree within ``tolerance`` form a budget.
    method : {"parabola", "quadratic", "akima"}
        How N* is read off one curve (:data:`ISOFLOP_METHODS`).
    window : int
        Neighbours on each side of the best run used by ``"parabola"``.
    min_runs : int
        Runs a budget needs (default 3); a budget with fewer raises, naming it, unless ``skip_small``
        (then it is listed with ``used = False`` and the reason, e.g. single validation runs at a
        predicted optimum beside a sweep).
    drop_outliers : bool
        Leave out runs more than ``outlier_excess`` above the parabola through the other runs of their
        budget (diverged runs). They are always flagged in ``outliers``; kept, they make the status
        ``degenerate``.
    drop_unbracketed : bool
        Leave out budgets whose fitted minimum lies outside the N they sampled (kept and flagged by
        default). Budgets whose best run is the smallest or largest model are never used.
    n_boot : int
        Bootstrap resamples of the budgets for intervals on the exponents (0 for none).

    A budget's minimum at a loss <= 0, or a curve that opens downwards, is never used.
    """
    C, N, loss = (_positive_array(k, v) for k, v in (("C", C), ("N", N), ("loss", loss)))
    if method not in ISOFLOP_METHODS:
        raise InputError(f"method: {method!r} is not known; expected one of {', '.join(map(repr, ISOFLOP_METHODS))}")
    if not (isinstance(window, int) and window >= 1):
        raise InputError(f"window: {window!r} is out of range; expected an integer >= 1")
    if not (isinstance(outlier_excess, (int, float)) and 0 < outlier_excess < 10):
        raise InputError(f"outlier_excess: {outlier_excess!r} is out of range; expected a fraction in (0, 10), "
                         f"default {ISOFLOP_OUTLIER_EXCESS}")
    Dv = None if D is None else _positive_array("D", D)
    if budget is None:
        labels = group_budgets(C, tolerance=tolerance)
    else:
        raw = np.asarray(budget).ravel()
        if raw.size != C.size:
            raise InputError(f"budget: {raw.size} labels for {C.size} runs")
        _, labels = np.unique(raw.astype(str), return_inverse=True)
    small = []
    budgets = []
    outliers: list[dict[str, Any]] = []
    nan = float("nan")
    for lab in np.unique(labels):
        m = labels == lab
        c = float(np.median(C[m]))
        if m.sum() < min_runs:
            small.append(f"C = {c:.3g} FLOP has {int(m.sum())} run(s)")
            budgets.append({"C": c, "n_runs": int(m.sum()), "n": int(m.sum()), "N_opt": nan, "D_opt": nan,
                            "loss_opt": nan, "loss": nan, "used": False, "status": "too few runs",
                            "reason": f"fewer than {min_runs} runs"})
            continue
        order = np.argsort(N[m])
        x, y = np.log(N[m][order]), loss[m][order]
        xd = None if Dv is None else np.log(Dv[m][order])
        bad = _isoflop_outliers(x, y, outlier_excess)
        for j in np.flatnonzero(bad):
            outliers.append({"C": c, "N": float(np.exp(x[j])), "loss": float(y[j]), "dropped": drop_outliers})
        if drop_outliers and bad.any():
            x, y = x[~bad], y[~bad]
            xd = None if xd is None else xd[~bad]
        entry = {"C": c, "n_runs": int(m.sum()), "n": int(x.size), "N_range": [float(np.exp(x[0])), float(np.exp(x[-1]))],
                 "span_decades": float((x[-1] - x[0]) / np.log(10))}
        i = int(np.argmin(y))
        if x.size < 3 or not 0 < i < x.size - 1:
            status, reason = "unbracketed", ("the best run is the " + ("smallest" if i == 0 else "largest")
                                             + " model sampled: the minimum is not bracketed")
            x_star = y_star = nan
        else:
            x_star, y_star = _isoflop_minimum(x, y, i, method, window)
            if not np.isfinite(x_star):
                status, reason = "no minimum", "the fitted curve opens downwards: no minimum"
            elif not y_star > 0:
                status, reason = "non-positive loss", (f"the fitted minimum is at a loss of {y_star:.3g} <= 0 "
                                                       f"(N = {np.exp(x_star):.3g}): the curve is not a valley")
            elif not x[0] <= x_star <= x[-1]:
                side = "below the smallest" if x_star < x[0] else "above the largest"
                factor = float(np.exp(abs(x_star - (x[0] if x_star < x[0] else x[-1]))))
                status, reason = "unbracketed", (f"the fitted minimum N = {np.exp(x_star):.3g} lies {factor:.3g}x "
                                                 f"{side} model sampled")
            else:
                status, reason = "converged", ""
        usable = status == "converged" or (status == "unbracketed" and np.isfinite(x_star) and not drop_unbracketed)
        n_star = float(np.exp(x_star)) if usable else nan
        if not usable:
            d_star = nan
        elif xd is not None:
            d_star = float(np.exp(np.interp(x_star, x, xd)))
        else:
            d_star = c / (6 * n_star)
        mid, half = 0.5 * (x[0] + x[-1]), 0.5 * (x[-1] - x[0])
        entry.update({"N_opt": n_star, "D_opt": d_star, "loss_opt": float(y_star) if usable else nan,
                      "loss": float(y_star) if usable else nan, "used": bool(usable), "status": status,
                      "off_centre": float((x_star - mid) / half) if usable and half > 0 else nan})
        if reason:
            entry["reason"] = reason + ("" if usable or status != "unbracketed" or not np.isfinite(x_star)
                                        else " (dropped: drop_unbracketed)")
        budgets.append(entry)
    budgets.sort(key=lambda bud: bud["C"])
    if small and not skip_small:
        raise InputError("; ".join(small) + f": an IsoFLOP curve needs at least {min_runs} runs; drop those budgets "
                         "(skip_small=True, --skip-small-budgets) or group runs with a wider tolerance")
    used = [bud for bud in budgets if bud["used"]]
    if len(used) < 2:
        raise InputError(f"IsoFLOP fit needs at least 2 budgets whose minimum is bracketed by smaller and larger "
                         f"models at a positive loss; got {len(used)} of {len(budgets)} budgets")
    lc = np.log([bud["C"] for bud in used])
    ln_N = np.log([bud["N_opt"] for bud in used])
    ln_D = np.log([bud["D_opt"] for bud in used])
    a, ln_kN = np.polyfit(lc, ln_N, 1)
    b, ln_kD = np.polyfit(lc, ln_D, 1)
    ci = {}
    if n_boot and len(used) >= 3:
        rng = np.random.default_rng(seed)
        A, Bs = [], []
        for _ in range(n_boot):
            idx = rng.integers(0, len(used), len(used))
            if np.unique(lc[idx]).size < 2:
                continue
            ea, eb = _polyfit_exponents(lc[idx], ln_N[idx], ln_D[idx])
            A.append(ea)
            Bs.append(eb)
        ci = {"a": tuple(map(float, np.percentile(A, [2.5, 97.5]))), "b": tuple(map(float, np.percentile(Bs, [2.5, 97.5])))}
    problems = [f"C = {u['C']:.3g}: {u['reason']}" for u in used if u["status"] != "converged"]
    kept = [o for o in outliers if not o["dropped"]]
    if kept:
        problems.append(f"{len(kept)} run(s) more than {100 * outlier_excess:g}% above their budget's curve were kept "
                        "(diverged?): " + ", ".join(f"C = {o['C']:.3g} N = {o['N']:.3g} loss {o['loss']:.4g}"
                                                    for o in kept) + "; drop them with drop_outliers (--drop-outliers)")
    unused = [f"C = {u['C']:.3g} ({u['reason']})" for u in budgets if not u["used"]]
    note = (f"; not used: {'; '.join(unused)}" if unused else "")
    dropped = [o for o in outliers if o["dropped"]]
    if dropped:
        note += "; dropped as outliers: " + ", ".join(f"C = {o['C']:.3g} N = {o['N']:.3g}" for o in dropped)
    status = "degenerate" if problems else "converged"
    message = ("; ".join(problems) if problems else f"every used budget's minimum lies inside its sampled N at a "
               f"positive loss ({len(used)} budgets)") + note
    flop_model = "D read from the runs (ln D interpolated at ln N*)" if Dv is not None else "D* = C/(6 N*) (C = 6ND)"
    return IsoflopFit(budgets, float(a), float(b), float(np.exp(ln_kN)), float(np.exp(ln_kD)), method, flop_model, ci,
                      status, message, outliers, _isoflop_sensitivity(used))


def _isoflop_minimum(x: NDArray, y: NDArray, i: int, method: str, window: int) -> tuple[float, float]:
    """Minimum (ln N*, loss*) of one IsoFLOP curve sorted by ``x = ln N`` with its best run at ``i``
    (0 < i < len - 1); NaNs when the curve gives no minimum."""
    if method in ("parabola", "quadratic"):
        sl = slice(0, x.size) if method == "quadratic" else slice(max(0, i - window), min(x.size, i + window + 1))
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
        raise InputError(f"step 2 needs at least 5 runs of 2 or more model sizes below N = {predict_N:g}; got {int(train.sum())}")
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


# --- loss curves under learning-rate schedules (a form with the ``curve`` capability) ---------


def curve_metrics(pred: Any, obs: Any) -> dict[str, float]:
    """R^2, mean and worst relative error (fractions) of predicted against observed losses, as Luo et al. report them."""
    p, o = np.asarray(pred, dtype=float), np.asarray(obs, dtype=float)
    rel = np.abs(p / o - 1)
    ss = float(np.sum((o - o.mean()) ** 2))
    return {"r2": 1 - float(np.sum((o - p) ** 2)) / ss if ss > 0 else float("nan"),
            "mean_rel_err": float(rel.mean()), "max_rel_err": float(rel.max())}


def _curve_table(name: str, c: Any) -> dict[str, NDArray]:
    """Validate one curve: ``step`` (whole, increasing), ``loss`` (> 0) and ``lr`` (the per-step schedule)."""
    from .schedules import from_log

    if not isinstance(c, Mapping):
        raise InputError(f"curves: {name!r} is a {type(c).__name__}; give a mapping with step, loss and lr")
    missing = [k for k in ("step", "loss") if k not in c]
    if missing:
        raise InputError(f"curve {name!r}: missing column(s) {', '.join(missing)}; a curve needs step, lr and loss")
    step = np.asarray(c["step"], dtype=float).ravel()
    loss = np.asarray(c["loss"], dtype=float).ravel()
    if step.size != loss.size:
        raise InputError(f"curve {name!r}: {step.size} steps but {loss.size} losses")
    if step.size < 10:
        raise InputError(f"curve {name!r}: {step.size} points; a curve needs at least 10")
    bad = np.flatnonzero(~np.isfinite(loss) | (loss <= 0))
    if bad.size:
        raise InputError(f"curve {name!r}: loss in row {bad[0] + 1} is {float(loss[bad[0]])!r}; expected a loss > 0")
    if "lr" not in c or c["lr"] is None:
        raise InputError(f"curve {name!r}: no lr; give the per-step schedule (scalingviz.schedules) or a logged lr "
                         "column")
    lr = np.asarray(c["lr"], dtype=float).ravel()
    assumed = c.get("assumed") or ""  # a table already rebuilt keeps what was assumed
    if lr.size == step.size and lr.size < step.max() + 1:  # a logged lr column: rebuild the per-step schedule
        from .schedules import unlogged_assumption

        assumed = unlogged_assumption(int(step[0]), float(lr[0]), c.get("warmup"))
        lr = from_log(step, lr, steps=int(step.max()) + 1, warmup=c.get("warmup"))
    if np.any(step != np.round(step)) or np.any(np.diff(step) <= 0) or step.min() < 1 or step.max() >= lr.size:
        raise InputError(f"curve {name!r}: steps must be whole, increasing and within the schedule (1 to "
                         f"{lr.size - 1})")
    if not np.all(np.isfinite(lr)) or np.any(lr < 0):
        raise InputError(f"curve {name!r}: the schedule has a negative or non-finite learning rate")
    if lr.size > 10_000_000:
        raise InputError(f"curve {name!r}: {lr.size:,} steps is beyond the 10,000,000-step limit")
    binned = c.get("binned") or ""
    if step.size > MAX_CURVE_POINTS:  # bounded cost: means of consecutive logged points (the schedule stays per step)
        k = math.ceil(step.size / MAX_CURVE_POINTS)
        m = step.size // k * k
        s_b, l_b = step[:m].reshape(-1, k).mean(axis=1), loss[:m].reshape(-1, k).mean(axis=1)
        if m < step.size:
            s_b, l_b = np.r_[s_b, step[m:].mean()], np.r_[l_b, loss[m:].mean()]
        binned = f"{step.size:,} logged points binned to {s_b.size:,} (means of {k} consecutive points)"
        step, loss = np.round(s_b), l_b
    return {"step": step.astype(int), "loss": loss, "lr": lr, "assumed": assumed, "binned": binned}


@dataclass(frozen=True)
class CurveFit(_Constants):
    """The outcome of :func:`fit_curve`: constants under the form's names, status, and per-curve scores."""

    form: str
    params: dict[str, float]
    objective: float
    status: str
    message: str
    n_points: int
    fit: dict[str, dict[str, float]]
    theta: NDArray
    delta: float
    fixed: dict[str, float] = field(default_factory=dict)
    law_form: LawForm | None = field(default=None, repr=False, compare=False)
    condition: float = float("nan")
    #: Per curve rebuilt from a log that starts late, what was assumed about its unlogged steps.
    assumed: dict[str, str] = field(default_factory=dict)
    #: Approximate 95% intervals of the fitted constants (:func:`_curve_identification`).
    intervals: dict[str, list[float]] = field(default_factory=dict)
    weight: str = "uniform"

    def predict(self, step: Any, lr: Any) -> NDArray:
        """Predicted loss at ``step`` of a run with per-step learning rates ``lr``."""
        return np.asarray(self.law_form.call("curve", self.constants, step, lr), dtype=float)

    def score(self, curves: Mapping[str, Any]) -> dict[str, dict[str, float]]:
        """R^2, mean and worst relative error per curve, with the predicted and observed final losses."""
        out = {}
        for name, c in curves.items():
            t = _curve_table(name, c)
            p = self.predict(t["step"], t["lr"])
            from .calibration import final_loss_interval

            out[name] = {**curve_metrics(p, t["loss"]), "final_loss_pred": float(p[-1]),
                         "final_loss_interval": final_loss_interval(float(p[-1])),
                         "final_loss_obs": float(t["loss"][-1])}
            if t["assumed"]:
                out[name]["assumed"] = t["assumed"]
            if t["binned"]:
                out[name]["binned"] = t["binned"]
        return out

    def to_preset(self, name: str = "my-curve-fit", title: str | None = None, setup: Mapping[str, float] | None = None):
        """A preset of the curve form (``setup``: the schedule's peak_lr, warmup, floor, steps)."""
        from .presets import Preset

        p = Preset.from_values(name, self.law_form, self.constants, title=title or f"{name} (fitted)",
                               N_convention="as in your runs", loss_unit="as in your runs",
                               source=f"fitted to {self.n_points} curve points ({self.status})", fitted=True)
        from dataclasses import replace

        return replace(p, setup=dict(setup or {}))


def _curve_weights(tables: list[dict[str, NDArray]], weight: str) -> NDArray | None:
    """Per-point weights of a curve fit: ``uniform`` (None), or ``final``: the last 20% of each curve's
    logged steps count 10 times (the end of the run, where schedule advice is read)."""
    if weight == "uniform":
        return None
    if weight != "final":
        raise InputError(f"weight: {weight!r} is not valid; valid: {', '.join(CURVE_WEIGHTS)}")
    parts = []
    for t in tables:
        s = t["step"].astype(float)
        parts.append(np.where(s >= s[0] + 0.8 * (s[-1] - s[0]), 10.0, 1.0))
    return np.concatenate(parts)


#: Curves with more logged points than this are fitted and scored on means of consecutive points (Luo et
#: al.'s longest, 72,000 steps logged every 128, have 546).
MAX_CURVE_POINTS = 600

#: Weightings of :func:`fit_curve`'s points.
CURVE_WEIGHTS = ("uniform", "final")


def _curve_problem(form: LawForm, tables: list[dict[str, NDArray]], names: tuple[str, ...],
                   fixed: dict[str, float], delta: float, rows: NDArray | None = None,
                   weights: NDArray | None = None) -> _Problem:
    """The objective over several curves: every curve's points, stacked (``rows`` selects a resample).
    It calls the form's own ``curve`` function and, where the form has one, its analytic gradient."""
    n = sum(t["step"].size for t in tables)
    rows = np.arange(n) if rows is None else rows
    lnL = np.log(np.concatenate([t["loss"] for t in tables]))[rows]
    fn_curve, fn_grad = form.functions["curve"], form.gradient.get("curve")

    def fn(r, **c):
        if any(np.ndim(v) for v in c.values()):  # a batch of constants: let the fitter evaluate them one by one
            raise ValueError("one set of constants at a time")
        return np.concatenate([np.asarray(fn_curve(t["step"], t["lr"], **c), float) for t in tables])[r]

    def grad(r, **c):
        parts = [fn_grad(t["step"], t["lr"], **c) for t in tables]
        return {k: np.concatenate([g[k] for g in parts])[r] for k in parts[0]}

    w = None if weights is None else np.asarray(weights, dtype=float)[rows]
    return _Problem(form, names, fixed, [rows], lnL, delta, fn=fn, grad_fn=grad if fn_grad is not None else None,
                    weights=w)


def _curve_identification(problem: _Problem, theta: NDArray, sizes: list[int]) -> tuple[dict[str, list[float]], list[str]]:
    """Approximate 95% intervals of a curve fit's constants, and the constants they do not pin down.

    Gauss-Newton: cov = s^2 (J^T J)^-1 on log loss, with s^2 the residuals' variance inflated by
    (1 + rho) / (1 - rho) for their lag-1 autocorrelation rho within each curve (neighbouring logged points
    of a loss curve are not independent). A positive constant whose interval spans more than a decade, or
    an exponent whose interval reaches 0, is not identified by these curves."""
    with np.errstate(all="ignore"):
        pred = problem.predict(theta)
        r = np.log(pred) - problem.lnL
        J = problem.jacobian(theta, pred)
    if not (np.all(np.isfinite(J)) and np.all(np.isfinite(r))):
        return {}, []
    num = den = 0.0
    start = 0
    for m in sizes:
        e = r[start:start + m] - r[start:start + m].mean()
        num, den, start = num + float(np.sum(e[1:] * e[:-1])), den + float(np.sum(e * e)), start + m
    rho = min(max(num / den, 0.0), 0.99) if den > 0 else 0.0
    k = theta.size
    s2 = float(np.sum(r**2)) / max(r.size - k, 1) * (1 + rho) / (1 - rho)
    se = np.sqrt(np.clip(np.diag(np.linalg.pinv(J.T @ J)) * s2, 0, None))
    out, problems = {}, []
    for j, name in enumerate(problem.names):
        lo, hi = theta[j] - 1.96 * se[j], theta[j] + 1.96 * se[j]
        if problem.log[j]:
            out[name] = [float(np.exp(lo)), float(np.exp(hi))]
            if hi - lo > math.log(10):
                problems.append(f"{name} = {math.exp(theta[j]):.3g}: its 95% interval [{math.exp(lo):.3g}, "
                                f"{math.exp(hi):.3g}] spans {math.exp(hi - lo):.3g}x")
        else:
            out[name] = [float(lo), float(hi)]
            if lo <= 0 < theta[j] or (lo > 0 and hi / lo > 10):
                problems.append(f"{name} = {theta[j]:.3g}: its 95% interval [{lo:.3g}, {hi:.3g}] "
                                + ("reaches 0" if lo <= 0 else f"spans {hi / lo:.3g}x"))
    if problems:
        problems = ["not identified by these curves: " + "; ".join(problems)
                    + f" (Gauss-Newton, the residuals' lag-1 autocorrelation {rho:.2f} accounted for); pin them "
                    "(fixed=) or fit more schedules, and read schedule gaps with their intervals"]
    return out, problems


def fit_curve(
    curves: Mapping[str, Any],
    form: LawForm | Preset | str = "multipower",
    *,
    delta: float = DELTA,
    starts: Sequence[dict[str, float]] | int | None = None,
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
    fixed: dict[str, float] | None = None,
    seed: int = 0,
    maxiter: int = 2000,
    weight: str = "uniform",
) -> CurveFit:
    """Fit a schedule-aware curve law (Luo et al.'s Multi-Power Law by default) to one model's loss curves.

    Parameters
    ----------
    curves : mapping
        ``{name: {"step": [...], "loss": [...], "lr": [...]}}``: each curve's logged steps and losses
        and its learning rates, either per step from 0 (a :class:`~scalingviz.schedules.Schedule`'s
        ``lrs()``) or one per logged step (rebuilt with :func:`scalingviz.schedules.from_log`).
    form : LawForm, Preset or str
        A form with the ``curve`` capability (``"multipower"`` or ``"luo2025"``), or a preset of one
        (its constants start the search).
    delta : float
        Huber threshold on log loss (1e-3, as Luo et al.).
    weight : {"uniform", "final"}
        ``final`` counts the last 20% of each curve's logged steps 10 times: the fit then serves the end of
        the run, where schedule advice is read (:data:`CURVE_WEIGHTS`).

    The status is ``degenerate`` when a constant is not pinned down by the curves (its approximate 95%
    interval, in ``intervals``, spans more than a decade or reaches 0), naming the constants.

    The objective is the summed Huber loss on log loss over every point, as the paper's; starts
    follow the paper's initialisation (L0 near the lowest loss, A and alpha from a power law in the
    learning-rate sum); L-BFGS-B with the law's analytic gradient polishes the best.
    """
    if isinstance(form, str) and form.strip() == "luo2025":
        form = "multipower"
    law_form, preset_values = _lookup(form)
    if "curve" not in law_form.functions:
        raise InputError(f"form: {law_form.name!r} has no loss curve under a schedule; forms that do: "
                         f"{', '.join(n for n, f in FORMS.items() if 'curve' in f.functions)}")
    if not isinstance(curves, Mapping) or not curves:
        raise InputError("curves: give at least one curve as {name: {step, loss, lr}}")
    if not delta > 0:
        raise InputError(f"delta: {delta!r} is out of range; expected a positive Huber threshold (default 1e-3)")
    tables = [_curve_table(str(k), v) for k, v in curves.items()]
    fixed = _check_fixed(law_form, fixed)
    names = tuple(c for c in law_form.constants_of("curve") if c not in fixed)
    n = sum(t["step"].size for t in tables)
    if n < len(names) + 1:
        raise InputError(f"curves: {n} points for {len(names)} constants; give more points")
    key = _curve_fit_key(f"{law_form.name}@{id(law_form)}", preset_values, [str(k) for k in curves], tables,
                         (delta, starts, bounds, fixed, seed, maxiter, weight))
    if key is not None and key in _CURVE_FITS:
        return _CURVE_FITS[key]
    weights = _curve_weights(tables, weight)
    problem = _curve_problem(law_form, tables, names, fixed, delta, weights=weights)
    all_bounds = {**law_form.bounds, **(bounds or {})}

    def candidates() -> list[dict[str, float]]:
        cands = []
        if law_form.starts is not None:
            X = {"S1": np.concatenate([np.cumsum(t["lr"])[t["step"]] for t in tables])}
            cands += law_form.starts(X, np.concatenate([t["loss"] for t in tables]))
        if preset_values:
            cands.append(preset_values)
        return [{k: v for k, v in c.items() if k in names} for c in cands]

    starts = _check_starts(starts)
    explicit = None if isinstance(starts, int) or starts is None else starts
    th, obj, status, message, _n = _optimise(problem, candidates, explicit, all_bounds,
                                              starts if isinstance(starts, int) else 4, seed, maxiter,
                                              f"{law_form.name} on {len(tables)} curves", screen_iter=40)
    c = problem.constants(th)
    params = {k: c[k] for k in names}
    intervals, unidentified = _curve_identification(problem, th, [t["step"].size for t in tables])
    if unidentified:
        message = "; ".join(unidentified) if status == "converged" else f"{message}; {'; '.join(unidentified)}"
        status = "degenerate"
    result = CurveFit(law_form.name, params, obj, status, message, n, {}, th, delta, fixed, law_form,
                      condition_number(problem, th), {str(k): t["assumed"] for k, t in zip(curves, tables, strict=True)
                                                      if t["assumed"]}, intervals, weight)
    result = replace(result, fit=result.score(dict(zip(map(str, curves), tables, strict=True))))
    if key is not None:
        if len(_CURVE_FITS) >= 8:
            _CURVE_FITS.pop(next(iter(_CURVE_FITS)))
        _CURVE_FITS[key] = result
    return result


#: The last few curve fits, by a digest of everything they depend on: the same fit asked twice in one
#: process (a notebook's exercise and its check, a tab and the CLI in one kernel) runs once; a form
#: registered again under the same name is another object, so another key. A fit is
#: deterministic in its inputs (``seed``) and a :class:`CurveFit` is immutable.
_CURVE_FITS: dict[bytes, CurveFit] = {}


def _curve_fit_key(form: str, preset_values, names: list[str], tables: list[dict], options: tuple) -> bytes | None:
    """A digest of a curve fit's inputs, or None when an option is not plain data (then no caching)."""
    import hashlib

    plain = (str, int, float, bool, type(None))

    def ok(x) -> bool:
        if isinstance(x, dict):
            return all(isinstance(k, str) and ok(v) for k, v in x.items())
        if isinstance(x, (list, tuple)):
            return all(ok(v) for v in x)
        return isinstance(x, plain)

    if not ok(options) or not ok(preset_values or {}):
        return None
    h = hashlib.blake2b(digest_size=20)
    h.update(repr((form, sorted((preset_values or {}).items()), names, options)).encode())
    for t in tables:
        for k in sorted(t):
            v = t[k]
            if isinstance(v, np.ndarray):
                h.update(f"{k}:{v.dtype}:{v.shape}".encode())
                h.update(np.ascontiguousarray(v).tobytes())
            else:
                h.update(f"{k}={v!r}".encode())
    return h.digest()


def bootstrap_curve(curves: Mapping[str, Any], fit: CurveFit, *, n: int = 100, seed: int = 0,
                    level: float = 0.95) -> BootstrapResult:
    """Refit to curve points resampled with replacement (all curves together), from the point estimate."""
    if not (isinstance(n, int) and n >= 1):
        raise InputError(f"n: {n!r} is out of range; expected a number of resamples >= 1")
    tables = [_curve_table(str(k), v) for k, v in curves.items()]
    names = tuple(fit.params)
    total = sum(t["step"].size for t in tables)
    idx = np.random.default_rng(seed).integers(0, total, (n, total))
    out, failed = [], 0
    for rows in idx:
        problem = _curve_problem(fit.law_form, tables, names, fit.fixed, fit.delta, rows=rows,
                                 weights=_curve_weights(tables, fit.weight))
        res, obj = _polish(problem, fit.theta, problem.theta_bounds(dict(fit.law_form.bounds)), 300)
        if np.isfinite(obj) and np.all(np.isfinite(res.x)):
            c = problem.constants(res.x)
            out.append([c[k] for k in names])
        else:
            failed += 1
    return BootstrapResult(names, np.array(out).reshape(-1, len(names)), n, failed, seed, level)


# --- the data-constrained law (Muennighoff et al. 2023) -----------------------------------------


@dataclass(frozen=True)
class DataConstrainedFit:
    """Muennighoff et al.'s two stages: the Chinchilla constants from single-epoch runs, then R_D* and R_N*
    from every run (repeated data and excess parameters) with those constants held.

    ``single_epoch`` is None when every stage-1 constant was pinned (stage 1 skipped). ``profile`` is the
    stage-2 objective profiled along R_D* and R_N* (each on a log grid, the other minimised), with the
    values whose profile lies within a Laplace-likelihood 95% band of the best (``interval``). ``ci`` is a
    bootstrap interval of the stage-2 constants when asked for. ``status`` is ``converged`` only when both
    stages converged and R_D*, R_N* are pinned down: an interval spanning more than a decade (or reaching
    the end of the grid) makes it ``degenerate``, and ``message`` names the constants.
    """

    single_epoch: FitResult | None
    repeated: FitResult
    n_single: int
    n_repeated: int
    pinned: dict[str, float] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    boot: BootstrapResult | None = None

    @property
    def params(self) -> dict[str, float]:
        return self.repeated.constants

    @property
    def ci(self) -> dict[str, tuple[float, float]]:
        return self.boot.ci if self.boot is not None else {}

    def _problems(self) -> list[str]:
        out = []
        for name, p in self.profile.items():
            lo, hi = p["interval"]
            if p["open"] or hi / lo > 10:
                out.append(f"{name} is not identified by these runs: the objective stays within "
                           f"{100 * p['tolerance']:.2g}% of its best for {name} from {lo:.3g} to "
                           f"{hi:.3g}{' (the end of the grid)' if p['open'] else ''}")
        if self.boot is not None:
            out += identified_by_bootstrap(self.boot)
        return out

    @property
    def status(self) -> str:
        stages = [r for r in (self.single_epoch, self.repeated) if r is not None]
        bad = [r.status for r in stages if r.status != "converged"]
        return bad[0] if bad else ("degenerate" if self._problems() else "converged")

    @property
    def message(self) -> str:
        parts = [f"stage {i}: {r.message}" for i, r in ((1, self.single_epoch), (2, self.repeated))
                 if r is not None and r.status != "converged"]
        return "; ".join(parts + self._problems()) or "both stages converged; R_D* and R_N* are pinned down"

    def to_preset(self, name: str = "my-data-constrained-fit", title: str | None = None):
        return self.repeated.to_preset(name, title)

    def to_dict(self) -> dict[str, Any]:
        stage1 = ({"skipped": True, "reason": "every stage-1 constant was pinned", "params": {}}
                  if self.single_epoch is None else
                  {"params": self.single_epoch.params, "status": self.single_epoch.status,
                   "message": self.single_epoch.message})
        return {"params": self.params, "status": self.status, "message": self.message, "n_single_epoch": self.n_single,
                "n_runs": self.n_repeated, "pinned": self.pinned, "stage1": stage1,
                "stage2": {"params": self.repeated.params, "status": self.repeated.status,
                           "message": self.repeated.message, "objective": self.repeated.objective},
                "profile": {k: {kk: vv for kk, vv in v.items() if kk != "grid_objective"} | {
                    "grid_objective": v["grid_objective"]} for k, v in self.profile.items()},
                "ci": self.ci}


#: Profile grid of R_D* and R_N* (log-spaced; their values in Muennighoff et al. are ~15 and ~5).
DC_PROFILE_GRID = np.logspace(-1, 4, 51)


def _profile_stage2(runs: RunsTable, form: LawForm, fit2: FitResult) -> dict[str, Any]:
    """The stage-2 objective profiled along each of R_D* and R_N* (the other minimised over the grid).

    The values kept are those within a relative ``1.92 / n`` of the best objective: with residuals
    larger than the Huber threshold (as here: about 1% on log loss against delta = 1e-3) the summed
    Huber loss is delta x sum |r|, a Laplace likelihood, and 1.92 = chi2(1, 0.95) / 2 is its 95%
    profile-likelihood drop. An interval reaching the end of the grid is open."""
    names = tuple(fit2.params)
    if set(names) != {"R_D_star", "R_N_star"}:
        return {}
    X = _run_columns(runs, form.variables(form.fit_target), form.name)
    problem = _Problem(form, names, {k: float(v) for k, v in fit2.fixed.items()}, X, np.log(runs.loss), fit2.delta)
    g = DC_PROFILE_GRID
    RD, RN = np.meshgrid(g, g, indexing="ij")
    values = {"R_D_star": RD.ravel(), "R_N_star": RN.ravel()}
    obj = problem.objective_many(np.log(np.column_stack([values[n] for n in names]))).reshape(g.size, g.size)
    best = min(float(obj.min()), fit2.objective)
    tol = 1.92 / len(runs)
    out = {}
    for axis, name in enumerate(("R_D_star", "R_N_star")):
        prof = obj.min(axis=1 - axis)
        inside = np.flatnonzero(prof <= best * (1 + tol))
        lo, hi = (float(g[inside[0]]), float(g[inside[-1]])) if inside.size else (fit2.params[name],) * 2
        out[name] = {"grid": g.tolist(), "grid_objective": prof.tolist(), "best_objective": best,
                     "interval": [lo, hi], "tolerance": tol,
                     "open": bool(inside.size and (inside[0] == 0 or inside[-1] == g.size - 1))}
    return out


def fit_data_constrained(runs: RunsTable | dict, form: LawForm | str = "datablations", *,
                         single_epoch: str | LawForm | Preset = "chinchilla", fixed: dict[str, float] | None = None,
                         n_boot: int = 0, seed: int = 0, profile: bool = True) -> DataConstrainedFit:
    """Fit the data-constrained law by Muennighoff et al.'s two-stage procedure.

    Stage 1 fits ``single_epoch`` (Chinchilla's form) to the runs that saw every token once
    (U >= D); stage 2 fits the data-constrained form to every run, its remaining constants (R_D*,
    R_N*) free and the stage-1 constants held. The runs need a unique-tokens column U (``D /
    epochs``); repeated (N, D) with different U are distinct runs.

    ``fixed`` pins constants in both stages: pinned stage-1 constants are held in stage 1 (it is skipped
    when all of them are pinned, as Muennighoff et al. held their C4 fit) and carried into stage 2.
    ``n_boot`` resamples the runs for a bootstrap interval of the stage-2 constants. ``profile`` computes
    the objective along R_D* and R_N* (see :class:`DataConstrainedFit`).
    """
    runs = as_runs(runs)
    if runs.U is None:
        raise InputError("column 'U' is required for the data-constrained law: the unique tokens of each run "
                         "(D / epochs); map it with --col U=... or columns={'U': ...}")
    dc_form, _ = resolve_law(form)
    one_form, one_values = resolve_law(single_epoch)
    fixed = _check_fixed(dc_form, fixed)
    stage1_names = one_form.constants_of(one_form.fit_target)
    pins1 = {k: v for k, v in fixed.items() if k in stage1_names}
    once = runs.U >= runs.D * (1 - 1e-9)
    if (~once).sum() < 3:
        raise InputError(f"stage 2 needs runs with repeated data (U < D): {int((~once).sum())} found, at least 3 needed")
    if len(pins1) == len(stage1_names):
        stage1 = None
        held = dict(pins1)
    else:
        if once.sum() < 8:
            raise InputError(f"stage 1 needs single-epoch runs (U >= D) to fit the Chinchilla constants: "
                             f"{int(once.sum())} found, at least 8 needed (or pin them: fixed= / --fix)")
        stage1 = fit_law(runs.subset(once), single_epoch, fixed=pins1 or None, seed=seed)
        held = {**stage1.fixed, **stage1.params}
        held = {k: float(held[k]) for k in stage1_names}
    stage2 = fit_law(runs, form, fixed={**held, **fixed}, seed=seed)
    boot = bootstrap(runs, form, n=n_boot, fit=stage2, seed=seed) if n_boot else None
    prof = _profile_stage2(runs, dc_form, stage2) if profile else {}
    return DataConstrainedFit(stage1, stage2, int(once.sum()), len(runs), dict(fixed), prof, boot)
