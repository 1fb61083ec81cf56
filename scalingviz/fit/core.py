"""The fitting engine: a law's objective from its form's own function, multi-start search with
bounds and pins, the fit's status; :func:`fit_law`.

Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..datasets import RunsTable, as_runs, require_points
from ..errors import InputError, shown
from ..laws.forms import FORMS, LawForm
from ..presets import Preset

if TYPE_CHECKING:
    pass


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
    from ..presets import PRESETS

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
    from ..units import parse_quantity

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
        from ..presets import FittedRange, Preset

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


#: The most bootstrap resamples any fit takes (the CLI's and the dashboard's cap).
MAX_BOOTSTRAP = 100_000


def _positive_array(name: str, values: Any) -> NDArray:
    from ..datasets import _check_numeric

    return _check_numeric(name, values)
