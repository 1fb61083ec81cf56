"""What-if answers about learning-rate schedules, from any law with a loss curve (``curve`` capability).

* :func:`compare_schedules`: the final loss of WSD at several cooldown fractions, cosine and a
  constant rate at the same number of steps, and of a longer run;
* :func:`best_cooldown`: the WSD cooldown fraction with the lowest final loss (bounded 1-D search);
* :func:`optimal_schedule`: the non-increasing schedule after warmup with the lowest final loss
  for a budget of steps (Luo et al. 2025 optimise every step's rate; here the rate is
  piecewise log-linear between 32 knots, denser toward the end, each knot at most its
  predecessor), with its gain over cosine;
* :func:`schedule_advice`: all three, as the CLI and the dashboard show them.

All of them evaluate the law's own ``curve`` function; nothing here knows which law it is. Every final
loss carries ``final_loss_interval`` and every difference between schedules of the same length its
``*_interval``: how far the law has been right on real curves it did not see
(:mod:`scalingviz.calibration`; the intervals' basis is in ``interval_basis``).

>>> from scalingviz.presets import get_preset
>>> rows = compare_schedules(get_preset("luo2025-100m"), 24_000, cooldowns=(0.2,))
>>> [r["schedule"].split(" ")[0] for r in rows]
['WSD', 'cosine', 'constant', 'WSD']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .calibration import difference_interval, final_loss_interval, schedule_calibration
from .errors import InputError, as_array, as_number, shown
from .presets import Preset, get_preset
from .schedules import Schedule

__all__ = ["best_cooldown", "compare_schedules", "final_loss", "optimal_schedule", "schedule_advice"]

#: Knots of :func:`optimal_schedule`'s piecewise log-linear schedule.
KNOTS = 32


def _law(law: str | Preset) -> Preset:
    p = get_preset(law)
    if not p.has("curve"):
        from .presets import preset_names

        raise InputError(f"law: {p.name!r} has no loss curve under a schedule; laws that do: "
                         f"{', '.join(preset_names('curve'))}")
    return p


def _steps(steps: Any) -> int:
    """The run's optimizer steps: a whole number from 2 to 10,000,000, else an :class:`InputError`."""
    x = as_number("steps", steps, 2, 10_000_000, what=" (a whole number of steps)")
    if not x.is_integer():
        raise InputError(f"steps: {shown(steps)} is out of range; expected a whole number of steps, 2 to 10,000,000")
    return int(x)


def _setup(law: Preset, peak_lr: float | None, warmup: int | None, floor: float | None) -> tuple[float, int, float]:
    """The schedule's peak, warmup and floor: given, else the law's own setup (its fitted schedule)."""
    s = law.setup
    peak = as_number("peak_lr", peak_lr if peak_lr is not None else s.get("peak_lr", 3e-4), 1e-12, 1e3)
    wu = int(as_number("warmup", warmup if warmup is not None else s.get("warmup", 0), 0, 10_000_000))
    fl = as_number("floor", floor if floor is not None else s.get("floor", peak / 10), 0, peak)
    return peak, wu, fl


def final_loss(law: str | Preset, schedule: Schedule | NDArray) -> float:
    """The law's loss at the last step of a schedule (a :class:`Schedule` or a per-step array)."""
    p = _law(law)
    lr = schedule.lrs() if isinstance(schedule, Schedule) else as_array("schedule", schedule, zero=True).ravel()
    if lr.size < 2:
        raise InputError(f"schedule: {lr.size} learning rate(s); give a Schedule or one learning rate per step (2 or more)")
    return float(p.curve(lr.size - 1, lr))


def compare_schedules(law: str | Preset, steps: int, *, peak_lr: float | None = None, warmup: int | None = None,
                      floor: float | None = None, cooldowns: tuple[float, ...] = (0.1, 0.2, 0.3),
                      decay_shape: str = "linear", extend: float = 3.0) -> list[dict[str, Any]]:
    """Final losses of WSD (each cooldown fraction), cosine and constant at ``steps``, and WSD at
    ``extend`` times the steps; each row has ``schedule`` (text), ``spec``, ``steps`` and ``final_loss``."""
    p = _law(law)
    steps = _steps(steps)
    peak, wu, fl = _setup(p, peak_lr, warmup, floor)
    base = dict(peak_lr=peak, warmup=wu)
    specs = [Schedule("wsd", steps, floor=fl, cooldown=c, decay_shape=decay_shape, **base) for c in cooldowns]
    specs += [Schedule("cosine", steps, floor=fl, **base), Schedule("constant", steps, **base)]
    if extend and extend != 1:
        longer = int(round(steps * extend))
        specs.append(Schedule("wsd", longer, floor=fl, cooldown=cooldowns[len(cooldowns) // 2], decay_shape=decay_shape,
                              **base))
    rows = [{"schedule": s.describe(), "spec": s.to_dict(), "steps": s.steps, "final_loss": final_loss(p, s)}
            for s in specs]
    cosine = next(r["final_loss"] for r in rows if r["spec"]["kind"] == "cosine")
    for r in rows:
        r["final_loss_interval"] = final_loss_interval(r["final_loss"])
        if r["steps"] == steps and r["spec"]["kind"] != "cosine":
            r["vs_cosine"] = r["final_loss"] - cosine
            r["vs_cosine_interval"] = difference_interval(r["vs_cosine"])
    return rows


def best_cooldown(law: str | Preset, steps: int, *, peak_lr: float | None = None, warmup: int | None = None,
                  floor: float | None = None, decay_shape: str = "linear") -> dict[str, Any]:
    """The WSD cooldown fraction (of all steps) with the lowest final loss, by a bounded scalar search."""
    from scipy.optimize import minimize_scalar

    p = _law(law)
    steps = _steps(steps)
    peak, wu, fl = _setup(p, peak_lr, warmup, floor)
    hi = 1.0 - wu / steps - 1.0 / steps

    def f(frac: float) -> float:
        return final_loss(p, Schedule("wsd", steps, peak, wu, fl, cooldown=frac, decay_shape=decay_shape))

    res = minimize_scalar(f, bounds=(1.0 / steps, hi), method="bounded", options={"xatol": 1e-3})
    grid = np.linspace(0.02, hi, 12)  # guard against a second minimum the bounded search missed
    vals = [f(x) for x in grid]
    frac, loss = (float(res.x), float(res.fun)) if res.fun <= min(vals) else (float(grid[int(np.argmin(vals))]),
                                                                              float(min(vals)))
    return {"cooldown": frac, "final_loss": loss, "decay_shape": decay_shape,
            "schedule": Schedule("wsd", steps, peak, wu, fl, cooldown=frac, decay_shape=decay_shape).describe()}


def _knot_schedule(u: NDArray, steps: int, peak: float, warmup: int) -> NDArray:
    """Per-step rates: warmup, then log-linear between knots whose log-rates fall by -u_i >= 0 each."""
    t = np.arange(steps, dtype=float)
    z = np.linspace(0.0, 1.0, u.size + 1)
    pos = warmup + (steps - 1 - warmup) * (1 - (1 - z) ** 2)  # denser toward the end, where the decay happens
    log_eta = math.log(peak) + np.concatenate([[0.0], np.cumsum(u)])
    out = np.exp(np.interp(t, pos, log_eta))
    if warmup:
        out[:warmup] = np.linspace(0.0, peak, warmup)
    return out


def _knot_gradient(u: NDArray, steps: int, warmup: int, eta: NDArray, grad_eta: NDArray) -> NDArray:
    """d(final loss)/du for :func:`_knot_schedule`'s knots, from the gradient with respect to every step's rate:
    eta_t = exp(l_t), l_t interpolated between knot log-rates le_m = ln(peak) + sum_{i<m} u_i (warmup fixed)."""
    K = u.size
    t = np.arange(steps, dtype=float)
    z = np.linspace(0.0, 1.0, K + 1)
    pos = warmup + (steps - 1 - warmup) * (1 - (1 - z) ** 2)
    seg = np.clip(np.searchsorted(pos, t, side="right") - 1, 0, K - 1)
    w = np.clip((t - pos[seg]) / (pos[seg + 1] - pos[seg]), 0.0, 1.0)
    h = grad_eta * eta
    h[:warmup] = 0.0  # the warmup does not depend on the knots
    d_le = np.bincount(seg, weights=h * (1 - w), minlength=K + 1) + np.bincount(seg + 1, weights=h * w, minlength=K + 1)
    return np.cumsum(d_le[::-1])[::-1][1:]


def optimal_schedule(law: str | Preset, steps: int, *, peak_lr: float | None = None, warmup: int | None = None,
                     floor: float | None = None, knots: int = KNOTS) -> dict[str, Any]:
    """The non-increasing schedule (after warmup, starting at the peak) with the lowest final loss.

    Returns ``lr`` (per step), ``final_loss``, the cosine schedule's final loss at the same steps
    (to ``floor``) and ``gain_vs_cosine`` (cosine minus optimal, nats). L-BFGS-B over the knots'
    log-rate decrements, each in [-12, 0] (a knot may fall to ~6e-6 of its predecessor).
    """
    from scipy.optimize import minimize

    p = _law(law)
    steps = _steps(steps)
    peak, wu, fl = _setup(p, peak_lr, warmup, floor)
    if not 2 <= knots <= 200:
        raise InputError(f"knots: {knots!r} is out of range; expected 2 to 200")

    schedule_grad = p.form.schedule_gradient  # a law that gives d(final loss)/d(every rate), or None

    def f(u: NDArray) -> float:
        return final_loss(p, _knot_schedule(u, steps, peak, wu))

    def f_and_grad(u: NDArray) -> tuple[float, NDArray]:
        eta = _knot_schedule(u, steps, peak, wu)
        loss, g = schedule_grad(eta, **p.values)
        return loss, _knot_gradient(u, steps, wu, eta, g)

    cos = Schedule("cosine", steps, peak, wu, fl)
    starts = [np.full(knots, math.log(fl / peak) / knots), np.r_[np.zeros(knots // 2),
                                                                  np.full(knots - knots // 2, math.log(fl / peak) / (knots - knots // 2))]]
    best = None
    for u0 in starts:
        if schedule_grad is not None:  # one evaluation per step of the optimiser
            res = minimize(f_and_grad, u0, jac=True, method="L-BFGS-B", bounds=[(-12.0, 0.0)] * knots,
                           options={"maxiter": 300})
        else:  # finite differences over the knots
            res = minimize(f, u0, method="L-BFGS-B", bounds=[(-12.0, 0.0)] * knots,
                           options={"maxiter": 300, "eps": 1e-4})
        if best is None or res.fun < best.fun:
            best = res
    lr = _knot_schedule(best.x, steps, peak, wu)
    best_loss = final_loss(p, lr)  # reported by the law's own curve, as every other number here
    cos_loss = final_loss(p, cos)
    lo, hi = difference_interval(best_loss - cos_loss)
    return {"lr": lr, "final_loss": best_loss, "final_loss_interval": final_loss_interval(best_loss),
            "cosine_final_loss": cos_loss, "gain_vs_cosine": cos_loss - best_loss,
            "gain_vs_cosine_interval": [-hi, -lo], "knots": knots, "iterations": int(best.nit),
            "min_lr": float(lr[-1]), "status": "converged" if best.success else str(best.message)}


def schedule_advice(law: str | Preset, steps: int, *, peak_lr: float | None = None, warmup: int | None = None,
                    floor: float | None = None, cooldowns: tuple[float, ...] = (0.1, 0.2, 0.3),
                    decay_shape: str = "linear", extend: float = 3.0, optimise: bool = True) -> dict[str, Any]:
    """The what-if table, the best cooldown, and (with ``optimise``) the optimised schedule's gain."""
    p = _law(law)
    steps = _steps(steps)
    if extend and extend != 1 and steps * extend > 10_000_000:
        raise InputError(f"extend: {extend:g} x {steps:,} steps = {steps * extend:,.0f} is beyond the 10,000,000-step "
                         "limit; give a smaller extend (1: no longer run) or fewer steps")
    peak, wu, fl = _setup(p, peak_lr, warmup, floor)
    table = compare_schedules(p, steps, peak_lr=peak, warmup=wu, floor=fl, cooldowns=cooldowns,
                              decay_shape=decay_shape, extend=extend)
    best = best_cooldown(p, steps, peak_lr=peak, warmup=wu, floor=fl, decay_shape=decay_shape)
    cosine = next(r["final_loss"] for r in table if r["spec"]["kind"] == "cosine")
    best.update(final_loss_interval=final_loss_interval(best["final_loss"]), vs_cosine=best["final_loss"] - cosine,
                vs_cosine_interval=difference_interval(best["final_loss"] - cosine))
    out: dict[str, Any] = {"law": p.name, "steps": steps, "peak_lr": peak, "warmup": wu, "floor": fl, "table": table,
                           "best_cooldown": best, "interval_basis": schedule_calibration()["text"]}
    if optimise:
        o = optimal_schedule(p, steps, peak_lr=peak, warmup=wu, floor=fl)
        out["optimal"] = {k: v for k, v in o.items() if k != "lr"}
        out["optimal_lr"] = o["lr"]
    fitted = p.fitted_range.outside(S=float(steps))
    out["warnings"] = [text for _k, _f, text in p.fitted_range.describe(p.name, S=float(steps))] if fitted else []
    return out
