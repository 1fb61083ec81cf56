"""Fit a curve law to loss curves: the one procedure ``scalingviz fit-curve`` and the Fit tab's
curve mode share (the fit, the scores of curves held out, the schedule the fit was made on)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import fit
from ..calibration import schedule_calibration

__all__ = ["CurveFitReport", "fit_curves"]


@dataclass(frozen=True)
class CurveFitReport:
    """What :func:`fit_curves` found.

    Attributes
    ----------
    result : CurveFit
        The fit (:func:`scalingviz.fit.fit_curve`): constants, status, intervals, per-curve scores.
    predictions : dict
        Per held-out curve: R^2, mean and worst relative error, the predicted final loss with its
        interval and the observed one.
    setup : dict
        The first curve's schedule as a law's setup: ``peak_lr``, ``warmup`` [steps], ``floor``,
        ``steps`` (what a preset made from the fit uses as its defaults).
    schedule_lr : ndarray
        The first curve's per-step learning rates, as the fit used them.
    """

    result: fit.CurveFit
    predictions: dict[str, dict[str, Any]] = field(default_factory=dict)
    setup: dict[str, float] = field(default_factory=dict)
    schedule_lr: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what ``scalingviz fit-curve --json`` prints."""
        r = self.result
        return {"form": r.form, "formula": r.law_form.formula, "params": r.params, "status": r.status,
                "message": r.message, "objective": r.objective, "weight": r.weight, "intervals": r.intervals,
                "fit": r.fit, "predictions": self.predictions, "setup": self.setup,
                "interval_basis": schedule_calibration()["text"]}


def _setup(lr: np.ndarray) -> dict[str, float]:
    """A logged schedule's peak, warmup (steps to the peak), floor (as logged, to 3 digits, at least
    peak/100) and length."""
    peak = float(lr.max())
    warm = int(np.argmax(lr >= peak * (1 - 1e-9)))
    floor = float(f"{max(lr[warm:].min(), peak / 100):.3g}")
    return {"peak_lr": float(f"{peak:.6g}"), "warmup": warm, "floor": min(floor, peak), "steps": int(lr.size)}


def fit_curves(curves: Mapping[str, Mapping[str, Any]], form: str = "luo2025", *, weight: str = "uniform",
               predict: Mapping[str, Mapping[str, Any]] | None = None) -> CurveFitReport:
    """Fit the curve law ``form`` to ``curves`` and score it on the curves in ``predict``.

    Parameters
    ----------
    curves : mapping
        Curve name -> ``{"step", "loss", "lr"}`` (:func:`scalingviz.datasets.read_curve`); ``lr`` is
        the per-step schedule or the logged rates.
    form : str
        A form or preset with the ``curve`` capability (default: the Multi-Power Law).
    weight : {"uniform", "final"}
        ``"final"``: the last 20% of each curve's steps count 10x.
    predict : mapping, optional
        Curves held out of the fit, scored with it.

    Returns
    -------
    CurveFitReport

    Examples
    --------
    >>> from scalingviz import get_preset
    >>> from scalingviz.schedules import Schedule
    >>> law = get_preset("luo2025-25m")
    >>> lr = Schedule("cosine", steps=2000, peak_lr=3e-4, warmup=100).lrs()
    >>> step = np.arange(200, 2000, 100)
    >>> report = fit_curves({"run": {"step": step, "lr": lr, "loss": law.curve(step, lr)}})
    >>> report.setup["peak_lr"], report.setup["steps"], bool(report.result.fit["run"]["r2"] > 0.999)
    (0.0003, 2000, True)
    """
    result = fit.fit_curve(curves, form, weight=weight)
    preds = result.score(predict or {})
    name = next(iter(curves))
    lr = fit._curve_table(name, curves[name])["lr"]
    return CurveFitReport(result, preds, _setup(lr), lr)
