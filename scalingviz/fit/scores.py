"""How far a fit can be trusted: bootstrap, held-out checks, prediction intervals, leave-largest-out.

Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..datasets import RunsTable
from ..errors import InputError, shown
from ..laws.forms import LawForm
from ..presets import Preset
from .core import DELTA, FitResult, _polish, _Problem, _run_columns, as_fit_table, fit_law
from .objective import transform

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
                 theta: NDArray, delta: float, idx: NDArray, space: str = "log",
                 asymmetry: float = 1.0, prior: tuple | None = None,
                 groups: tuple[NDArray, tuple[str, ...]] | None = None) -> tuple[NDArray, int]:
    """Refit one chunk of resamples (rows of ``idx``); module-level so a process pool can run it."""
    out, failed = [], 0
    bnds = None
    for row in idx:
        problem = _Problem(form, names, fixed, [x[row] for x in X], lnL[row], delta, space=space, asymmetry=asymmetry,
                           prior=prior, groups=None if groups is None else (groups[0][row], groups[1]))
        if bnds is None:
            bnds = problem.theta_bounds(dict(form.bounds))
        res, obj = _polish(problem, theta, bnds, 500)
        if np.isfinite(obj) and np.all(np.isfinite(res.x)):
            c = problem.named(res.x)  # by name: "A[label]" for a per-group constant
            out.append([c[k] for k in names])
        else:
            failed += 1
    return np.array(out).reshape(-1, len(names)), failed


def _picklable(obj: Any) -> bool:
    """Whether a worker process can rebuild ``obj``: it pickles, and a form's functions live in modules a
    fresh process imports by name (not ``__main__``, a notebook, or a ``--plugin`` file loaded by path,
    whose registered forms a worker would not know)."""
    import pickle

    fns = getattr(obj, "functions", {}).values() if isinstance(obj, LawForm) else ()
    if any(getattr(f, "__module__", "__main__") in ("__main__", None)
           or str(getattr(f, "__module__", "")).startswith("scalingviz_plugin_") for f in fns):
        return False
    try:
        pickle.dumps(obj)
    except Exception:
        return False
    return True


def resample_rows(rng: np.random.Generator, n: int, m: int, codes: NDArray | None = None) -> NDArray:
    """``n`` resamples of ``m`` rows with replacement, as an (n, m) array of row indices; with ``codes`` (each
    row's group index), stratified: row i of a resample is drawn from the rows of row i's own group."""
    if codes is None:
        return rng.integers(0, m, (n, m))
    idx = np.empty((n, m), dtype=np.intp)
    for k in np.unique(codes):
        rows = np.flatnonzero(codes == k)
        idx[:, rows] = rows[rng.integers(0, rows.size, (n, rows.size))]
    return idx


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

    A grouped fit (``fit_law(..., group=, per_group=)``) is resampled within each group (a stratified
    bootstrap: every resample keeps each group's number of runs, so each group's own constants stay
    estimable); pass the same table the fit read, with its group column.
    """
    if isinstance(n, bool) or not (isinstance(n, int) and 1 <= n <= MAX_RESAMPLES):
        raise InputError(f"n: {shown(n)} is out of range; expected a number of resamples from 1 to "
                         f"{MAX_RESAMPLES:,} (e.g. 1000)")
    if not 0 < level < 1:
        raise InputError(f"level: {level!r} is out of range; expected a confidence level in (0, 1), e.g. 0.95")
    if fit is None:
        fit = fit_law(runs, law, delta=delta)
    delta = fit.delta  # the fit's own threshold and scale: each resample is refitted as the fit was
    form = fit.law_form
    names = tuple(fit.params)
    used = form.constants_of(form.fit_target)
    fixed = {k: float(v) for k, v in fit.fixed.items() if k in used}
    groups = None
    if fit.group_labels:
        runs = as_fit_table(runs, form, None, fit.target, fit.space, group=fit.group)
        labels, codes = np.unique(np.asarray(runs.group).astype(str), return_inverse=True)
        if tuple(labels) != fit.group_labels:
            raise InputError(f"runs: the groups in {fit.group!r} are {', '.join(labels)}, but the fit's are "
                             f"{', '.join(fit.group_labels)}; bootstrap the table the fit read")
        groups = (codes, fit.group_labels)
    X = _run_columns(runs, form.variables(form.fit_target), form.name)
    lnL = transform(runs.loss, fit.space)
    opts = (fit.space, fit.asymmetry, fit.prior, groups)
    m = len(runs)
    idx = resample_rows(np.random.default_rng(seed), n, m, None if groups is None else groups[0])
    chunk = max(1, min(50, n // max(1, 4 * n_jobs)))
    pieces = [idx[i:i + chunk] for i in range(0, n, chunk)]
    results: list[tuple[NDArray, int]] = []
    done = 0
    if n_jobs > 1 and not _picklable(form):
        n_jobs = 1
    if n_jobs <= 1:
        for piece in pieces:
            results.append(_refit_chunk(form, names, fixed, X, lnL, fit.theta, delta, piece, *opts))
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
                futures = [pool.submit(_refit_chunk, form, names, fixed, X, lnL, fit.theta, delta, piece, *opts)
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
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero target (linear scale) has no percent error
        e = 100 * np.abs(pred / obs - 1)
    return float(np.median(e)), float(np.max(e))


def heldout_check(
    runs: RunsTable, law: LawForm | Preset | str = "chinchilla", *, above_C: float | None = None,
    above_N: float | None = None, delta: float = DELTA, fixed: dict[str, float] | None = None,
    bounds: dict[str, tuple[float | None, float | None]] | None = None, **options: Any,
) -> HeldOut:
    """Fit on runs with C = 6ND <= ``above_C`` (or N <= ``above_N``); predict the rest.

    Reports the median and maximum absolute percent error of the fit, and the same for every
    published preset that gives the fitted quantity, on the same held-out runs; ``in_sample`` marks a
    preset fitted on these very runs (its ``fitted_on`` names the runs' published data set), whose
    errors are then no test. ``options`` (``space``, ``asymmetry``, ``loss``, ``columns``, ``target``) are
    the fit's own (:func:`fit_law`).
    """
    from ..presets import PRESETS

    if (above_C is None) == (above_N is None):
        raise InputError("give exactly one threshold: above_C [FLOP] or above_N [params]")
    key, thr = ("C", above_C) if above_C is not None else ("N", above_N)
    vals = runs.C if key == "C" else runs.N
    if vals is None:
        raise InputError(f"above_{key}: the table has no {key} column (N and D give C); hold out by a column it has")
    train = vals <= thr
    if train.all() or not train.any():
        raise InputError(
            f"above_{key}: {thr:g} leaves {int(train.sum())} runs to fit and {int((~train).sum())} to check; "
            f"choose a value between {vals.min():g} and {vals.max():g}"
        )
    fit = fit_law(runs.subset(train), law, delta=delta, fixed=fixed, bounds=bounds, **options)
    test = runs.subset(~train)
    form = fit.law_form
    cols = dict(zip(fit.variables, _run_columns(test, fit.variables, form.name), strict=True))
    pred = fit.predict(**cols, **({"group": test.group} if fit.group_labels else {}))
    med, mx = _pct_errors(pred, test.loss)
    target = form.fit_target
    from ..datasets import identify

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
        r = rng.choice(result.residuals, size=np.shape(p))
        preds.append(p * np.exp(r) if result.space == "log" else p + r)
    q = 50 * (1 - level)
    low, high = np.percentile(np.stack(preds), [q, 100 - q], axis=0)
    return {"value": value, "low": low, "high": high}


def leave_largest_out(runs: RunsTable, law: LawForm | Preset | str = "chinchilla", *, by: str = "N",
                      delta: float = DELTA, **options: Any) -> HeldOut:
    """A rollout score: fit without the largest model (``by="N"``) or budget (``by="C"``), score on it.

    The question a scaling law is asked in practice (predict the next size up), beside the threshold
    hold-out of :func:`heldout_check`.
    """
    if by not in ("N", "C"):
        raise InputError(f"by: {by!r} is not valid; expected 'N' (the largest model) or 'C' (the largest budget)")
    col = runs.N if by == "N" else runs.C
    if col is None:
        raise InputError(f"by: the table has no {by} column; leave the largest out by a column it has")
    vals = np.unique(col)
    if vals.size < 3:
        raise InputError(f"leave the largest out needs at least 3 distinct {by}; got {vals.size}")
    return heldout_check(runs, law, **{f"above_{by}": float(vals[-2]) * (1 + 1e-12)}, delta=delta, **options)


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
