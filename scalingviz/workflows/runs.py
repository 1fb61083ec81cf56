"""Fit a law to a table of runs: the one procedure ``scalingviz fit`` and the Fit tab share.

The fit, the held-out check above a compute threshold, the bootstrap (and whether it pins the
constants down), the held-out runs' coverage by their 95% prediction intervals, the largest model
left out, and the data-constrained law's two stages, in one :class:`RunsFitReport`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import fit
from ..datasets import RunsTable
from ..errors import InputError
from ..laws.forms import LawForm
from ..presets import Preset
from ..table import Table

__all__ = ["RunsFitReport", "TableScore", "fit_runs", "objective_text", "read_fit_data", "reads_runs", "score_table"]

#: Resamples from which a bootstrap is spread over processes (fewer: one process is faster).
PARALLEL_FROM = 200


def reads_runs(law: str | LawForm | Preset, columns: dict[str, str] | None = None, target: str = "loss",
               space: str = "log", group: str | None = None) -> bool:
    """Whether a fit of ``law`` reads its data as a runs table (N, D, C... with their checks and conversions,
    N/D/C row selections, held-out compute thresholds) rather than as a table of any columns."""
    from ..datasets import NUMERIC

    form, _ = fit.resolve_law(law)
    return (set(form.required_variables(form.fit_target)) <= fit.RUN_COLUMNS
            and set(columns or {}) <= {*NUMERIC, "run"} and space == "log" and target == "loss" and group is None)


def read_fit_data(source: Any, law: str | LawForm | Preset, *, columns: dict[str, str] | None = None,
                  target: str = "loss", space: str = "log", group: str | None = None,
                  filters: dict[str, list[str]] | None = None, allow_duplicates: bool = False) -> RunsTable | Table:
    """A file (path, bytes or text) read as the fit of ``law`` reads it: a runs table where :func:`reads_runs`,
    else a :class:`~scalingviz.table.Table` of the form's variables (mapped by ``columns``) and ``target``.
    ``filters`` keeps the rows whose COLUMN equals one of the values (``{"group": ["pile"]}``)."""
    from .. import datasets

    if reads_runs(law, columns, target, space, group):
        return datasets.read_runs(source, dict(columns or {}), filters=filters, allow_duplicates=allow_duplicates)
    return fit.as_fit_table(datasets.read_table(source, filters=filters), law, dict(columns or {}), target=target,
                            space=space, group=group)


@dataclass(frozen=True)
class TableScore:
    """A fit scored on rows it was not fitted to: R^2 of the target itself (clipped to [-1, 1], as ScaleBench
    scores its held-out splits) and the median absolute error, over ``n`` rows."""

    n: int
    r2: float
    median_abs_error: float

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "r2": self.r2, "median_abs_error": self.median_abs_error}


def r_squared(y: np.ndarray, pred: np.ndarray) -> float:
    """R^2 of ``pred`` against ``y``, clipped to [-1, 1] (ScaleBench's score; 1 is exact, 0 the mean's)."""
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    ss_res, ss_tot = float(np.sum((y - pred) ** 2)), float(np.sum((y - y.mean()) ** 2))
    return float(np.clip(1 - ss_res / ss_tot, -1, 1)) if ss_tot > 0 else float("nan")


def score_table(result: fit.FitResult, source: Any, *, columns: dict[str, str] | None = None, target: str = "loss",
                filters: dict[str, list[str]] | None = None) -> TableScore:
    """Score a fit on another table (a benchmark's held-out split): read it as the fit read its own data (same
    column mapping, same target), predict, and compare."""
    from .. import datasets

    data = fit.as_fit_table(datasets.read_table(source, filters=filters), result.law_form, dict(columns or {}),
                            target=target, space="linear")
    pred = result.predict(**{v: data.column(v) for v in result.variables if v in data.columns})
    return TableScore(len(data), r_squared(data.loss, pred), float(np.median(np.abs(data.loss - pred))))


def objective_text(r: fit.FitResult) -> str:
    """What a fit minimised, in words: the sum of Huber (or squared) losses, on which scale, how weighted."""
    kind = "squared residuals" if r.delta == float("inf") else f"Huber losses, delta {r.delta:.3g}"
    scale = f"log {r.target}" if r.space == "log" else f"{r.target} (linear scale)"
    skew = f"; over-estimates weigh {r.asymmetry:g}x" if r.asymmetry != 1 else ""
    prior = f"; plus the prior's term on {', '.join(r.prior[0])}" if r.prior else ""
    return f"{r.objective:.6g} (sum of {kind} on {scale}{skew}{prior})"


@dataclass(frozen=True)
class RunsFitReport:
    """What :func:`fit_runs` found.

    Attributes
    ----------
    law : str
        The law or form the user named.
    form : LawForm
        Its functional form.
    runs : RunsTable
        Every run given (after the selection).
    train : RunsTable
        The runs the fit used (all, or those with C <= ``holdout_above_C``).
    result : FitResult
        The fit; its ``status`` and ``message`` include the bootstrap's verdict (and, for the
        data-constrained law, both stages').
    holdout_above_C : float or None
        The compute threshold above which runs were held out [FLOP].
    pinned : dict
        Constants the user fixed.
    stages : DataConstrainedFit or None
        The data-constrained law's two stages (Muennighoff et al. 2023), when the runs have U.
    boot : BootstrapResult or None
        The bootstrap (for the two stages: stage 2's, with stage 1 held).
    heldout : HeldOut or None
        The fit's and every published law's errors on the held-out runs.
    coverage : float or None
        The share of held-out runs inside their 95% prediction interval (needs the bootstrap).
    rollout : HeldOut or None
        The errors on the largest model's runs with the fit made without them.
    """

    law: str
    form: LawForm
    runs: RunsTable
    train: RunsTable
    result: fit.FitResult
    holdout_above_C: float | None = None
    pinned: dict[str, float] = field(default_factory=dict)
    stages: fit.DataConstrainedFit | None = None
    boot: fit.BootstrapResult | None = None
    heldout: fit.HeldOut | None = None
    coverage: float | None = None
    rollout: fit.HeldOut | None = None

    @property
    def held_mask(self) -> np.ndarray:
        """True for the runs held out of the fit."""
        if self.holdout_above_C is None:
            return np.zeros(len(self.runs), bool)
        return self.runs.C > self.holdout_above_C

    @property
    def ci(self) -> dict[str, tuple[float, float]] | None:
        """95% intervals of the constants (from the bootstrap; for the two stages, theirs)."""
        if self.stages is not None:
            return self.stages.ci or None
        return None if self.boot is None else self.boot.ci

    @property
    def params(self) -> dict[str, float]:
        """Every fitted constant (for the two stages: stage 1's and stage 2's)."""
        return dict(self.stages.params) if self.stages is not None else dict(self.result.params)

    @property
    def procedure(self) -> str | None:
        """How the two-stage fit went, in words (None for a one-stage fit)."""
        dc = self.stages
        if dc is None:
            return None
        if dc.single_epoch is None:
            return ("two stages: stage 1 skipped (every Chinchilla constant pinned), then R_D* and R_N* "
                    f"from all {dc.n_repeated} runs")
        held = [k for k in self.pinned if k in dc.single_epoch.fixed]
        return (f"two stages: Chinchilla constants from the {dc.n_single} single-epoch runs"
                + (f" (pinned: {', '.join(held)})" if held else "") + f", then R_D* and R_N* from all {dc.n_repeated} runs")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what ``scalingviz fit --json`` prints."""
        r = self.result
        out: dict[str, Any] = {"law": self.law, "form": self.form.name, "formula": self.form.formula}
        if self.stages is not None:
            out["stages"] = self.stages.to_dict()
            out["procedure"] = self.procedure
        if self.heldout is not None:
            ho = self.heldout
            out["heldout"] = {"n": ho.n, "median_abs_pct_error": ho.median_abs_pct_error,
                              "max_abs_pct_error": ho.max_abs_pct_error, "presets": ho.presets}
            if self.coverage is not None:
                out["heldout"]["interval_coverage"] = self.coverage
        out.update(n_points=r.n_points, params=self.params, objective=r.objective, status=r.status,
                   message=r.message, condition=r.condition)
        if self.rollout is not None:
            out["leave_largest_out"] = {"n": self.rollout.n, "N": float(self.train.N.max()), **self.rollout.to_dict()}
        r_opts = {"space": r.space, "asymmetry": r.asymmetry, "target": r.target}
        if r_opts != {"space": "log", "asymmetry": 1.0, "target": "loss"}:
            out["objective_options"] = r_opts
        if r.prior:
            out["prior"] = {k: {"mean": mu, "sd": sd} for k, (mu, sd) in r.prior[0].items()}
            out["prior_weight"] = r.prior[1]
        if self.pinned:
            out["pinned"] = dict(self.pinned)
        out["ci"] = self.ci
        if self.stages is not None:
            out["profile"] = {k: {"interval": v["interval"], "open": v["open"], "tolerance": v["tolerance"]}
                              for k, v in self.stages.profile.items()}
        if self.boot is not None:
            b = self.boot
            out["bootstrap"] = {"n": b.n_resamples, "failed": b.n_failed, "seed": b.seed, "level": b.level}
            if self.stages is not None:
                out["bootstrap"]["resampled"] = "stage 2 (R_D*, R_N*), stage 1 held"
        return out


def fit_runs(runs: RunsTable | Table, law: str | LawForm | Preset, *, fixed: dict[str, float] | None = None,
             bounds: dict[str, tuple[float | None, float | None]] | None = None,
             holdout_above_C: float | None = None, n_boot: int = 0, seed: int = 0,
             leave_largest_out: bool = False, n_jobs: int | None = None,
             progress: Callable[[int, int], None] | None = None, space: str = "log", loss: str = "huber",
             asymmetry: float = 1.0, group: str | None = None, per_group: tuple[str, ...] = (),
             prior: dict[str, tuple[float, float]] | None = None) -> RunsFitReport:
    """Fit ``law`` to ``runs``, with the checks a user asked for.

    Parameters
    ----------
    runs : RunsTable or Table
        The runs (:func:`scalingviz.datasets.read_runs`), or a table of any columns
        (:func:`scalingviz.fit.as_fit_table`) for a form over other variables.
    law : str, LawForm or Preset
        A registered form or preset name (``"chinchilla"``, ``"kaplan2020"``), or your own form.
    fixed, bounds : dict, optional
        Constants pinned to a value, or kept within ``(low, high)`` (:func:`scalingviz.fit.parse_constraints`).
    holdout_above_C : float, optional
        Fit on the runs with C = 6ND <= this [FLOP]; score the fit and the published laws on the rest.
    n_boot : int
        Bootstrap resamples (0: none). With runs that have U (the data-constrained law) they
        resample stage 2.
    seed : int
        The bootstrap's seed.
    leave_largest_out : bool
        Also fit without the largest model's runs and score them.
    n_jobs : int, optional
        Processes for a bootstrap of at least 200 resamples (default: the machine's cores).
    progress : callable, optional
        ``progress(i, n)`` after each resample.
    space, loss, asymmetry, group, per_group, prior
        The fit's scale, robust loss, weight of over-estimates, the column of groups with the constants
        fitted per group, and a Gaussian prior on constants (:func:`scalingviz.fit.fit_law`).

    Returns
    -------
    RunsFitReport

    Examples
    --------
    >>> import numpy as np
    >>> from scalingviz import datasets, get_preset
    >>> N, D = np.repeat([1e8, 3e8, 1e9, 3e9], 4), np.tile([2e9, 6e9, 2e10, 6e10], 4)
    >>> runs = datasets.runs_from_arrays(N=N, D=D, loss=get_preset("hoffmann2022").loss(N, D))
    >>> report = fit_runs(runs, "chinchilla")
    >>> report.result.status, round(report.result.params["alpha"], 3)
    ('converged', 0.34)
    """
    form, _ = fit.resolve_law(law)
    name = law if isinstance(law, str) else getattr(law, "name", form.name)
    fixed, bounds = dict(fixed or {}), dict(bounds or {})
    options: dict[str, Any] = {"fixed": fixed or None, "bounds": bounds or None}
    if (space, loss, asymmetry) != ("log", "huber", 1.0):
        options.update(space=space, loss=loss, asymmetry=asymmetry)
    if prior:
        options["prior"] = dict(prior)
    if group is not None:
        options.update(group=group, per_group=tuple(per_group))
    if holdout_above_C is not None and runs.C is None:
        raise InputError("holdout_above_C: the table has no compute (no C, or N and D); fit without a hold-out")
    train = runs if holdout_above_C is None else runs.subset(runs.C <= holdout_above_C)
    if holdout_above_C is not None and len(train) == len(runs):
        raise InputError(f"holdout_above_C: every run has C <= {holdout_above_C:.3g} FLOP; nothing would be held "
                         f"out; choose a value between {runs.C.min():.3g} and {runs.C.max():.3g}")
    if getattr(runs, "U", None) is not None and form.accepts(form.fit_target, "U"):
        # Muennighoff et al.'s two stages (Chinchilla on single-epoch runs, then R_D*, R_N*), with every
        # pin honoured in both; the bootstrap resamples stage 2.
        if bounds:
            raise InputError("bounds: not supported by the two-stage data-constrained fit; pin constants instead "
                             "(E=1.87)")
        if holdout_above_C is not None:
            raise InputError("holdout_above_C: not supported by the two-stage data-constrained fit")
        if prior:
            raise InputError("prior: not supported by the two-stage data-constrained fit; pin constants instead "
                             "(E=1.87)")
        dc = fit.fit_data_constrained(runs, form, fixed=fixed or None, n_boot=n_boot, seed=seed)
        # the status is both stages' (R_D*, R_N* identified or not), not stage 2's alone
        result = replace(dc.repeated, status=dc.status, message=dc.message)
        rollout = fit.leave_largest_out(runs, name) if leave_largest_out else None
        return RunsFitReport(name, form, runs, runs, result, None, fixed, dc, dc.boot, rollout=rollout)
    heldout = None
    if holdout_above_C is not None:
        heldout = fit.heldout_check(runs, law, above_C=holdout_above_C, **options)
        result = heldout.fit
    else:
        result = fit.fit_law(train, law, **options)
    boot = coverage = None
    if n_boot:
        jobs = (n_jobs or os.cpu_count() or 1) if n_boot >= PARALLEL_FROM else 1
        boot = fit.bootstrap(train, law, n=n_boot, fit=result, seed=seed, progress=progress, n_jobs=jobs)
        result = fit.with_bootstrap_check(result, boot)
        if heldout is not None:  # how often the held-out runs fall inside their 95% prediction interval
            test = runs.subset(runs.C > holdout_above_C)
            pi = fit.prediction_interval(result, boot, **{v: (test.C if v == "C" else getattr(test, v))
                                                          for v in result.variables})
            coverage = float(((test.loss >= pi["low"]) & (test.loss <= pi["high"])).mean())
    rollout = fit.leave_largest_out(train, law, **{k: v for k, v in options.items() if k not in ("fixed", "bounds")}) \
        if leave_largest_out else None
    return RunsFitReport(name, form, runs, train, result, holdout_above_C, fixed, None, boot, heldout, coverage,
                         rollout)
