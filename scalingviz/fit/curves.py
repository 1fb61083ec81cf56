"""Loss curves under learning-rate schedules: fitting a curve law (``curve`` capability) to logs.

Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..laws.forms import FORMS, LawForm
from ..presets import Preset
from .core import (
    DELTA,
    _check_fixed,
    _check_starts,
    _Constants,
    _lookup,
    _optimise,
    _polish,
    _Problem,
    condition_number,
)
from .scores import BootstrapResult

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
    from ..schedules import from_log

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
        from ..schedules import unlogged_assumption

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
            from ..calibration import final_loss_interval

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
        from ..presets import Preset

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
            with np.errstate(over="ignore"):  # an interval wider than a float's range reads inf (math.exp raised)
                e_lo, e_hi, e_th, span = (float(np.exp(x)) for x in (lo, hi, theta[j], hi - lo))
            out[name] = [e_lo, e_hi]
            if hi - lo > math.log(10):
                problems.append(f"{name} = {e_th:.3g}: its 95% interval [{e_lo:.3g}, {e_hi:.3g}] spans {span:.3g}x")
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
