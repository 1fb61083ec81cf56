"""The plan command: check a training plan and render its report."""

from __future__ import annotations

import argparse

from .common import _emit


def _cmd_plan(args: argparse.Namespace) -> None:
    from ..plan import TrainingPlan, check
    from .parser import PLAN_FLAGS

    kw = {field_: getattr(args, field_) for _flag, field_, _text, _group, _extra in PLAN_FLAGS}
    kw["laws"] = tuple(x.strip() for x in args.laws.split(",")) if args.laws else None
    if args.peak_flops:  # a peak given by hand replaces the GPU's datasheet peak
        kw["gpu"] = None
    plan = TrainingPlan(**kw)
    report = check(plan)
    payload = report.to_dict()
    _emit(payload, args.json, lambda d: render_plan(report))


def render_plan(report) -> str:
    """The human-readable plan report (:mod:`scalingviz.plan_view`, the Plan tab's view as text)."""
    from ..plan_view import plan_view, render_text

    return render_text(plan_view(report))
