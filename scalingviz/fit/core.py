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
from ..table import Table, as_table
from .constraints import _check_fixed, _check_prior, prior_weight
from .objective import CHUNK_ELEMENTS, DELTA, SPACES, _huber, _Problem, huber_objective  # noqa: F401

if TYPE_CHECKING:
    pass




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


def table_forms() -> list[str]:
    """Registered forms fitted to a table, of runs or of any columns (a mixture-of-experts law over N and E):
    every form with a fit target that is not a loss curve (those are :func:`fit_curve`'s)."""
    return [n for n, f in FORMS.items() if f.fit_target in f.functions and f.fit_target != "curve"]


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
    """:func:`_lookup`, for a fit to a table: the form needs a fit target over the table's columns (any
    columns: a curve law, whose variable is a whole schedule, is fitted to loss curves instead)."""
    form, values = _lookup(law)
    if form.fit_target not in form.functions or form.fit_target == "curve":
        hint = "; fit its loss curves with fit_curve" if "curve" in form.functions else ""
        raise InputError(f"law: the {form.name} form has nothing to fit to a table of runs{hint}; fittable forms: "
                         f"{', '.join(fittable_forms())}")
    return form, values


def _run_columns(runs: RunsTable | Table, variables: tuple[str, ...], form: str) -> list[NDArray]:
    if isinstance(runs, Table):
        return [runs.column(v) for v in variables if v in runs.columns or v == "C"]
    cols = []
    for v in variables:
        arr = runs.C if v == "C" else getattr(runs, v, None)
        if arr is None:
            raise InputError(f"column {v!r} is required for the {form} form")
        cols.append(arr)
    return cols


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
        return {k: v for c in self.law_form.constants for k, v in both.items() if k.split("[", 1)[0] == c}


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
    space: str = "log"  # the scale of the residuals: log or linear
    asymmetry: float = 1.0  # the weight of an over-estimate relative to an under-estimate
    target: str = "loss"  # the column the law predicts
    group: str | None = None  # the column whose labels split the runs (a grouped fit)
    group_labels: tuple[str, ...] = ()
    #: a Gaussian prior on constants and its weight, ({name: (mean, sd)}, s2) (see fit_law's ``prior``)
    prior: tuple[dict[str, tuple[float, float]], float] | None = None

    @property
    def variables(self) -> tuple[str, ...]:
        return self.law_form.variables(self.law_form.fit_target)

    def predict(self, group: Any = None, **variables: Any) -> NDArray:
        """The predicted target (loss [nats/token] for most laws) at the given variables (``N=..., D=...``,
        ``N=..., E=...``); for a grouped fit, ``group`` is a label (or one per row)."""
        missing = [v for v in self.law_form.required_variables(self.law_form.fit_target) if v not in variables]
        if missing:
            raise InputError(f"predict: give {', '.join(missing)} for the {self.form} form")
        args = [variables[v] for v in self.variables if v in variables]
        return np.asarray(self.law_form.call(self.law_form.fit_target, self.for_group(group), *args), dtype=float)

    def for_group(self, group: Any = None) -> dict[str, Any]:
        """The constants for ``group`` (a label, or an array of labels: then per-group constants are arrays)."""
        c = self.constants
        if not self.group_labels:
            return c
        if group is None:
            raise InputError(f"group: this fit has constants per {self.group}; give group= one of "
                             f"{', '.join(self.group_labels)}")
        labels = np.asarray(group, dtype=object)
        unknown = sorted({str(x) for x in labels.ravel()} - set(self.group_labels))
        if unknown:
            raise InputError(f"group: {', '.join(map(repr, unknown[:3]))} is not a group of this fit; groups are "
                             f"{', '.join(self.group_labels)}")
        out = {k: v for k, v in c.items() if "[" not in k}
        for k in {k.split("[", 1)[0] for k in c if "[" in k}:
            if labels.ndim == 0:
                out[k] = c[f"{k}[{labels.item()}]"]
            else:
                out[k] = np.array([c[f"{k}[{x}]"] for x in labels.ravel()], dtype=float)
        return out

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
    runs: RunsTable | Table | dict | Any,
    law: LawForm | Preset | str = "chinchilla",
    *,
    loss: str = "huber",
    delta: float | None = None,
    starts: Sequence[Sequence[float] | dict[str, float]] | int | None = None,
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
    fixed: dict[str, float] | None = None,
    seed: int = 0,
    maxiter: int = 2000,
    space: str = "log",
    asymmetry: float = 1.0,
    columns: dict[str, str] | None = None,
    target: str = "loss",
    group: str | None = None,
    per_group: Sequence[str] = (),
    prior: dict[str, tuple[float, float]] | None = None,
) -> FitResult:
    """Fit a law to runs by Huber regression on log loss (by default).

    Parameters
    ----------
    runs : RunsTable, Table, dict or DataFrame
        Validated runs (see :mod:`scalingviz.datasets`), or columns: a dict of sequences or a pandas
        DataFrame. The form's variables (its function's positional parameters) are read from the
        columns of those names, or of the names ``columns`` maps them to; a table whose columns are
        all a runs table's (N, D, C, S, B, lr, U, epochs, loss) gets the runs table's checks, any
        other the generic ones (:mod:`scalingviz.table`).
    law : LawForm, Preset or str
        A form (``chinchilla``, ``kaplan_nd``, ``kaplan_ns``, ``power_N``, ``power_offset_N``,
        your own :class:`LawForm` over any variables), or a preset (``hoffmann2022``,
        ``kaplan2020``): the objective is built from the form's own fit-target function (``loss``
        for most) and its constants' names. A preset's constants start the search, and those the
        fit target does not use are carried over unchanged.
    loss : {"huber", "squared"}
        ``huber`` (default, Hoffmann et al.) or ``squared`` (least squares, i.e. Huber with an
        infinite threshold; more sensitive to outliers).
    delta : float, optional
        Huber threshold on the fit's scale: 1e-3 on log loss (Hoffmann et al.); on the linear scale
        1e-3 times the target's median absolute value (about the same weight per point).
    space : {"log", "linear"}
        Compare prediction and target as logarithms (default; targets must be positive) or as they
        are (targets that can be zero or negative: normalised losses, accuracies, Brier scores).
    asymmetry : float
        Weight of an over-estimate (prediction above the target) relative to an under-estimate
        (default 1: symmetric). Above 1 the fit tracks the lower envelope of the runs, the best
        each size achieved (OLMo-core's ladder fits): use it when some runs are worse than they
        should be (a bad seed, a short schedule) and the law should predict the best achievable.
    columns : dict, optional
        ``{variable: column}`` for variables (or the target) named differently in the data, e.g.
        ``{"E": "num_experts"}``.
    target : str
        The column the law predicts (default ``loss``).
    group, per_group : str, sequence of str
        A column of group labels (a corpus, a domain, a base model) and the constants that take one
        value per group (fitted as ``A[label]``); every other constant is shared by all groups.
        ``FitResult.predict(..., group=label)`` predicts for a group.
    starts : int or list, optional
        Number of best candidate starts to polish (default 6), or explicit starting points as
        dicts in the constants' names (or sequences in the order of the fitted constants).
    bounds : dict, optional
        ``{constant: (low, high)}`` on any constant, in its own units (the form's defaults
        apply to the others).
    fixed : dict, optional
        ``{constant: value}`` held fixed (e.g. E from another fit).
    prior : dict, optional
        ``{constant: (mean, sd)}``: a Gaussian prior, between a free constant and a pinned one (Marin's
        irreducible loss: a free E extrapolated too optimistically, a pin ignores the data). The fit first
        runs without it; the prior then adds ``w * ((c - mean) / sd)^2 / 2`` to the objective, ``w``
        (:func:`prior_weight`) putting it on the scale of the data's information in that first fit, so the
        result is the maximum a posteriori estimate (exactly so for squared loss and Gaussian noise; the
        reported objective includes the term). Bootstrap refits keep the same prior and weight.
    seed : int
        Seeds the jitter of the extra random starts.

    Raises
    ------
    ValueError
        Bad data (too few points, too few distinct values) or bad options.
    FitError
        When no start gives a finite objective.

    Examples
    --------
    Clark et al. 2022's routed mixture-of-experts form over a column ``experts`` (E in the form):

    >>> import numpy as np
    >>> def moe(N, E, *, a, b, c, d):
    ...     lN, lE = np.log(N), np.log(E)
    ...     return np.exp(a * lN + b * lE + c * lN * lE + d)
    >>> N, E = np.meshgrid([1e7, 1e8, 1e9], [1, 8, 64, 512])
    >>> L = moe(N.ravel(), E.ravel(), a=-0.08, b=-0.05, c=0.002, d=2.4)
    >>> form = LawForm("moe", loss=moe, linear=("a", "b", "c", "d"))
    >>> r = fit_law({"N": N.ravel(), "experts": E.ravel(), "loss": L}, form, columns={"E": "experts"}, loss="squared")
    >>> r.status, round(r.params["b"], 6), round(float(r.predict(N=1e9, E=64)), 6)
    ('converged', -0.05, 2.027018)
    """
    form, preset_values = resolve_law(law)
    fit_target = form.fit_target
    fixed = _check_fixed(form, fixed)
    used = form.constants_of(fit_target)
    names = tuple(c for c in used if c not in fixed)
    per_group = tuple(per_group or ())
    bad = [c for c in per_group if c not in names]
    if bad:
        raise InputError(f"per_group: {', '.join(map(repr, bad))} is not a fitted constant of {form.name}; valid: "
                         f"{', '.join(names)}")
    if per_group and group is None:
        raise InputError("per_group: needs group=COLUMN, the column whose labels split the runs")
    if not names:
        raise InputError(f"fixed: every constant of {form.name} is pinned ({', '.join(used)}); nothing is left to fit: "
                         "leave at least one free")
    if space not in SPACES:
        raise InputError(f"space: {space!r} is not valid; valid: {', '.join(SPACES)}")
    if loss not in ("huber", "squared"):
        raise InputError(f"loss: {loss!r} is not valid; valid: huber, squared")
    if isinstance(asymmetry, bool) or not (isinstance(asymmetry, (int, float)) and 0 < asymmetry <= 1e6):
        raise InputError(f"asymmetry: {shown(asymmetry)} is out of range; expected the weight of an over-estimate "
                         "relative to an under-estimate, > 0 (1: symmetric)")
    if delta is not None and not (isinstance(delta, (int, float)) and delta > 0):
        raise InputError(f"delta: {delta!r} is out of range; expected a positive Huber threshold (default 1e-3)")
    prior = _check_prior(form, prior, names, per_group)
    fixed_all = {**{k: v for k, v in preset_values.items() if k not in used}, **fixed}
    fixed_call = {k: float(v) for k, v in fixed_all.items() if k in used}
    variables = form.variables(fit_target)
    table = as_fit_table(runs, form, columns, target, space, group=group)
    if isinstance(table, Table):
        target = table.target
    if len(table) > MAX_FIT_ROWS:
        raise InputError(f"runs: {len(table):,} rows is more than a fit takes ({MAX_FIT_ROWS:,}); fit a subsample or "
                         "aggregate repeated runs first")
    _require_points(table, len(names), tuple(v for v in variables if v != "C"), form.name, pinned=bool(fixed))
    y = table.loss
    if delta is None:
        delta = DELTA if space == "log" else DELTA * max(float(np.median(np.abs(y))), 1e-12)
    if loss == "squared":
        delta = np.inf
    X = _run_columns(table, variables, form.name)
    groups = None
    if group is not None:
        labels, codes = np.unique(table.group, return_inverse=True)
        labels = tuple(str(x) for x in labels)
        groups = (codes, labels)
        names = tuple(e for n in names for e in ([f"{n}[{g}]" for g in labels] if n in per_group else [n]))
    prior_term = None
    if prior:
        free = fit_law(table, law, loss=loss, delta=delta, starts=starts, bounds=bounds, fixed=fixed, seed=seed,
                       maxiter=maxiter, space=space, asymmetry=asymmetry, group=group, per_group=per_group)
        prior_term = (prior, prior_weight(free.residuals, delta))
        starts = [free.params, {**free.params, **{k: mu for k, (mu, _) in prior.items()}}]
    problem = _Problem(form, names, fixed_call, X, np.log(y) if space == "log" else y, delta, space=space,
                       asymmetry=asymmetry, groups=groups, prior=prior_term)
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
        problem, lambda: _candidates(form, problem, table, preset_values, seed), explicit, all_bounds, n_keep, seed,
        maxiter, f"{form.name} on {len(table)} runs")
    resid = problem.residuals(th)
    if isinstance(table, Table):
        rng_data = table.data_range()
    else:
        rng_data = {"N": (float(table.N.min()), float(table.N.max())), "D": (float(table.D.min()), float(table.D.max())),
                    "C": (float(table.C.min()), float(table.C.max()))}
    params = problem.named(th)
    if prior_term is not None:
        message += ("; prior " + ", ".join(f"{k} ~ N({mu:g}, {sd:g})" for k, (mu, sd) in prior.items())
                    + f", weighed by the data's information in the fit without it (a MAP estimate; free, "
                    f"{', '.join(f'{k} = {free.params[k]:.4g}' for k in prior)})")
    return FitResult(form.name, params, obj, status, message, len(table), resid, th, n_starts, delta, rng_data,
                     fixed=fixed_all, law_form=form, condition=condition_number(problem, th), space=space,
                     asymmetry=float(asymmetry), target=target, group=group,
                     group_labels=() if groups is None else groups[1], prior=prior_term)


#: The columns a runs table reads (any other column makes the data a generic table).
_RUNS_TABLE_COLUMNS = frozenset({"N", "loss", "D", "C", "S", "B", "lr", "run", "U", "epochs"})


def as_fit_table(runs: Any, law: LawForm | Preset | str, columns: dict[str, str] | None = None, target: str = "loss",
                 space: str = "log", group: str | None = None) -> RunsTable | Table:
    """The data as a fit of ``law`` reads it: a runs table (its checks and conversions) where the form's variables
    are run columns and the data is one, else a :class:`Table` of the form's variables."""
    form, _ = resolve_law(law)
    fit_target = form.fit_target
    variables = form.variables(fit_target)
    runs_like = (set(form.required_variables(fit_target)) <= RUN_COLUMNS and not columns and target == "loss"
                 and space == "log" and group is None)
    if isinstance(runs, RunsTable):
        if runs_like:
            return runs
    elif isinstance(runs, Table):
        if (set(form.required_variables(fit_target)) <= set(runs.columns) | ({"C"} if runs.C is not None else set())
                and (group is None or runs.group is not None)):
            return runs
    elif runs_like and isinstance(runs, dict) and set(map(str, runs)) <= _RUNS_TABLE_COLUMNS:
        return as_runs(runs, allow_duplicates=True)
    from ..table import table_columns

    have = set(table_columns(runs)) if not isinstance(runs, Table) else set(runs.columns)
    mapped = dict(columns or {})
    wanted = [v for v in variables if v in form.required_variables(fit_target) or mapped.get(v, v) in have]
    return as_table(runs, wanted, target=target, columns=columns, positive_target=space == "log", group=group)


def _require_points(table: RunsTable | Table, n_params: int, variables: tuple[str, ...], form: str,
                    pinned: bool = False) -> None:
    """Enough runs, and every variable varying. A table of any columns may hold one of them constant (P_a at
    16 bits throughout) once the user pins the constants only that column identifies (``pinned``): the
    fit then runs, and its status says ``degenerate`` if the pins were not enough."""
    if isinstance(table, RunsTable):
        require_points(table, n_params, variables, form)
        return
    if len(table) < n_params + 1:
        raise InputError(f"too few runs for {form}: {len(table)} given, at least {n_params + 1} needed (parameters + 1)")
    for v in variables:
        if v in table.columns and not pinned and np.unique(table.columns[v]).size < 2:
            raise InputError(f"column {v!r} has 1 distinct value ({float(table.columns[v][0]):g}); {form} needs at "
                             f"least 2 distinct {v} values, or the constants that only {v} identifies pinned "
                             "(fixed= in Python, --fix NAME=VALUE on the command line)")


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
        status, message = "converged", plain_message(res.message)
    elif "ABNORMAL" in str(res.message) and grad_norm < 1e-5 * max(1.0, abs(float(res.fun))):
        # L-BFGS-B's line search stalls at a stationary point once float precision is exhausted.
        status, message = "converged", f"line search stalled at a stationary point (max |gradient| {grad_norm:.1e}, scaled)"
    elif res.nit >= maxiter:
        status, message = "max_iter", f"stopped after {res.nit} iterations (maxiter={maxiter})"
    else:
        status, message = "abnormal", plain_message(res.message)
    return th, obj, status, message, len(th_starts)


#: L-BFGS-B's stop reasons in words (scipy prints them in capitals).
_LBFGSB = {
    "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL": "the gradient vanished (below L-BFGS-B's pgtol)",
    "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH":
        "the objective stopped falling (relative change below L-BFGS-B's factr x machine epsilon)",
    "ABNORMAL_TERMINATION_IN_LNSRCH": "the line search failed away from a stationary point",
    "ABNORMAL: ": "the line search failed away from a stationary point",
}


def plain_message(message: object) -> str:
    """An optimiser's stop reason in words, with scipy's own text kept in brackets.

    >>> plain_message("CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL")
    "the gradient vanished (below L-BFGS-B's pgtol) [CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL]"
    >>> plain_message("Optimization terminated successfully.")
    'Optimization terminated successfully.'
    """
    text = message.decode() if isinstance(message, bytes) else str(message)
    words = next((w for k, w in _LBFGSB.items() if text.upper().startswith(k)), None)
    return f"{words} [{text}]" if words else text


#: Above this condition number of the fit's Gauss-Newton matrix J^T J (J = d ln L / d theta, with
#: scales in log space), the constants are not identified. Calibrated on real fits: Epoch's Chinchilla
#: fit 4.0e6, open_lm runs with total N 4.7e7, the Multi-Power Law on Luo et al.'s curves 3e8-6e9;
#: open_lm runs with non-embedding N (E collapses to 2e-11) 1.8e30.
CONDITION_LIMIT = 1e10
#: A positive constant fitted below this has collapsed: its term vanished from the law.
COLLAPSE_LIMIT = 1e-6


def condition_number(problem: _Problem, theta: NDArray) -> float:
    """Condition number of J^T J at theta (the square of J's): how well the runs pin the constants down."""
    return _conditioning(problem, theta)[0]


def _conditioning(problem: _Problem, theta: NDArray) -> tuple[float, list[str]]:
    """The condition number, and the constants that move together along the direction the runs pin down
    least (those with at least 30% of the weakest right singular vector; all of them if J is not finite)."""
    with np.errstate(all="ignore"):
        J = problem.jacobian(theta, problem.predict(theta))
    if not np.all(np.isfinite(J)):
        return float("inf"), list(problem.names)
    _, s, vt = np.linalg.svd(J, full_matrices=False)
    weak = [n for n, w in zip(problem.names, vt[-1], strict=True) if abs(w) >= 0.3]
    return (float((s[0] / s[-1]) ** 2) if s[-1] > 0 else float("inf")), weak


def _diagnose(problem: _Problem, theta: NDArray, bnds: list, bounds: dict) -> list[str]:
    """Plain messages for a degenerate fit: a constant on a bound, collapsed to 0, or constants not identified."""
    out = []
    c = problem.named(theta)
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
    cond, weak = _conditioning(problem, theta)
    if cond > CONDITION_LIMIT:
        trade = (f"; the runs cannot tell apart changes of {', '.join(weak)} that offset each other" if len(weak) > 1
                 else f"; they barely constrain {weak[0]}" if weak else "")
        out.append(f"the constants are not identified by these runs (condition number {cond:.2g} of the fit's "
                   f"Gauss-Newton matrix, above {CONDITION_LIMIT:.0e}){trade}; pin some of them (fixed=) or add runs "
                   "that vary what they control")
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
    elif form.affine:  # variable projection: the affine constants solved exactly on a grid of the others
        from .varpro import affine_candidates

        cands += [{**fill, **c} for c in affine_candidates(form, problem)]
    if preset_values:
        cands.append({**fill, **preset_values})
    if not cands:
        rng = np.random.default_rng(seed)
        m = 4096
        cloud = np.empty((m, len(problem.names)))
        for j, n in enumerate(problem.names):
            lo, hi = form.bounds.get(problem.base[n], (None, None))
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
    base = problem.base  # a per-group constant "A[label]" starts from A's candidate value
    return [{n: c[n] if n in c else c[base[n]] for n in problem.names} for c in cands
            if all(n in c or base[n] in c for n in problem.names)]


#: The most bootstrap resamples any fit takes (the CLI's and the dashboard's cap).
MAX_BOOTSTRAP = 100_000


def _positive_array(name: str, values: Any) -> NDArray:
    from ..datasets import _check_numeric

    return _check_numeric(name, values)
