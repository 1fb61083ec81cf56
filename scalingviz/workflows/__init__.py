"""One function per question a user asks, each returning a typed report.

The command line (:mod:`scalingviz.cli`) and the dashboard's tabs (:mod:`scalingviz.ui`) parse
inputs, call these and render the reports; neither computes an answer of its own.

* :func:`fit_runs` -- fit a law to a table of runs (hold-out, bootstrap, leave-largest-out, the
  data-constrained two stages): :class:`RunsFitReport`.
* :func:`fit_curves` -- fit a curve law to loss curves and score held-out ones: :class:`CurveFitReport`.
* :func:`schedule_curves` -- the loss curve under a schedule beside others: :class:`ScheduleCurvesReport`.
* :func:`approach2` -- Chinchilla's Approach 2 (iso-FLOP minima) on a table: :class:`Approach2Report`.
* :func:`inference_optimum`, :func:`inference_frontier` -- Sardana et al.'s optimum.
* a training plan is checked by :func:`scalingviz.plan.check` (a :class:`~scalingviz.plan.PlanReport`).
"""

from __future__ import annotations

from .curves import CurveFitReport, fit_curves
from .inference import InferenceOptimum, inference_frontier, inference_optimum
from .isoflop import Approach2Report, approach2
from .runs import RunsFitReport, TableScore, fit_runs, objective_text, read_fit_data, reads_runs, score_table
from .schedules import ScheduleCurve, ScheduleCurvesReport, schedule_curves

__all__ = ["Approach2Report", "CurveFitReport", "InferenceOptimum", "RunsFitReport", "ScheduleCurve",
           "ScheduleCurvesReport", "approach2", "fit_curves", "fit_runs", "inference_frontier", "inference_optimum",
           "TableScore", "objective_text", "read_fit_data", "reads_runs", "schedule_curves", "score_table"]
