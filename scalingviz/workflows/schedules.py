"""The loss curve of a run under a learning-rate schedule, beside other schedules: the one
computation ``scalingviz curve`` and the Explorer's schedule section share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..calibration import difference_interval, final_loss_interval, schedule_calibration
from ..errors import InputError
from ..presets import Preset
from ..schedules import Schedule

__all__ = ["ScheduleCurve", "ScheduleCurvesReport", "schedule_curves"]

#: Points of a curve by default (the last step always among them).
POINTS = 200


@dataclass(frozen=True)
class ScheduleCurve:
    """One schedule's curve: ``step`` [steps], ``lr`` at those steps, ``loss`` [the law's unit], and
    the final loss (at the last step) with the interval the law has earned on real curves."""

    schedule: Schedule | None
    label: str
    step: np.ndarray
    lr: np.ndarray
    loss: np.ndarray

    @property
    def final_loss(self) -> float:
        return float(self.loss[-1])

    @property
    def final_loss_interval(self) -> list[float]:
        return final_loss_interval(self.final_loss)


@dataclass(frozen=True)
class ScheduleCurvesReport:
    """What :func:`schedule_curves` found: ``curve`` (the schedule asked about), ``others`` (the
    schedules compared with it, at the same steps), ``warnings`` (outside the law's fitted range)."""

    law: Preset
    curve: ScheduleCurve
    others: tuple[ScheduleCurve, ...] = ()
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def difference(self, other: ScheduleCurve) -> tuple[float, list[float]]:
        """This schedule's final loss minus ``other``'s, with the interval the law has earned."""
        d = self.curve.final_loss - other.final_loss
        return d, difference_interval(d)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what ``scalingviz curve --json`` prints."""
        c = self.curve
        sched = ({**c.schedule.to_dict(), "describe": c.schedule.describe()} if c.schedule is not None
                 else {"describe": c.label})
        out = {"law": self.law.name, "schedule": sched, "step": c.step.tolist(), "lr": c.lr.tolist(),
               "loss": c.loss.tolist(), "final_loss": c.final_loss, "final_loss_interval": c.final_loss_interval,
               "warnings": self.warnings}
        if self.others:
            out["compare"] = [{"schedule": o.label, "final_loss": o.final_loss,
                               "final_loss_interval": o.final_loss_interval, "difference": self.difference(o)[0],
                               "difference_interval": self.difference(o)[1]} for o in self.others]
        out["interval_basis"] = schedule_calibration()["text"]
        return out


def schedule_curves(law: Preset, schedule: Schedule | np.ndarray, *, compare: Sequence[Schedule] = (),
                    step: Any = None, label: str | None = None) -> ScheduleCurvesReport:
    """The loss curve under ``schedule`` and under each schedule in ``compare``.

    Parameters
    ----------
    law : Preset
        A law with the ``curve`` capability (the Multi-Power Law's presets).
    schedule : Schedule or ndarray
        The schedule, or the learning rate of every step from 0 (a logged schedule, :func:`scalingviz.schedules.from_log`).
    compare : sequence of Schedule
        Schedules of the same length to compare with (their curves at the same steps).
    step : array_like of int, optional
        Steps to evaluate (>= 1); default about 200 from 1 to the last step.
    label : str, optional
        How to name a schedule given as an array.

    Examples
    --------
    >>> from scalingviz import get_preset
    >>> law = get_preset("luo2025-100m")
    >>> wsd = Schedule("wsd", steps=24000, peak_lr=3e-4, warmup=2160, floor=3e-5, cooldown=0.2)
    >>> cosine = Schedule("cosine", steps=24000, peak_lr=3e-4, warmup=2160, floor=3e-5)
    >>> r = schedule_curves(law, wsd, compare=[cosine])
    >>> d, (lo, hi) = r.difference(r.others[0])
    >>> bool(d < 0 and hi < 0)  # WSD ends below cosine, by more than the law's error
    True
    """
    if not law.has("curve"):
        raise InputError(f"law: {law.name!r} has no loss curve under a schedule")
    lr = schedule.lrs() if isinstance(schedule, Schedule) else np.asarray(schedule, dtype=float)
    T = lr.size
    if step is None:
        every = max(1, T // POINTS)
        step = np.unique(np.r_[np.arange(every, T, every), T - 1])
    q = np.asarray(step, dtype=int)
    q = q[q >= 1]

    def curve(s: Schedule | None, rates: np.ndarray, name: str) -> ScheduleCurve:
        return ScheduleCurve(s, name, q, rates[q], np.asarray(law.curve(q, rates), dtype=float))

    main = curve(schedule if isinstance(schedule, Schedule) else None, lr,
                 schedule.describe() if isinstance(schedule, Schedule) else (label or "logged schedule"))
    others = []
    for s in compare:
        if s.steps != T:
            raise InputError(f"compare: {s.describe()} has {s.steps:,} steps; the schedule has {T:,}")
        others.append(curve(s, s.lrs(), s.describe()))
    warnings = [{"code": "EXTRAPOLATION", "message": text, "value": factor}
                for _k, factor, text in law.fitted_range.describe(law.name, S=float(q[-1]))]
    return ScheduleCurvesReport(law, main, tuple(others), warnings)
