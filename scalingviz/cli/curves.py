"""Commands about loss curves under learning-rate schedules: curve, fit-curve, schedule-advice."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..errors import InputError
from ..presets import Preset, get_preset, preset_names
from .common import (
    _emit,
    _fractions,
    _input,
    _iv,
    _table,
    _warn_lines,
)
from .parser import UsageError


def _curve_law(name: str | None) -> Preset:
    # User-facing default: the 100M Multi-Power Law, the middle of the three published sizes.
    law = get_preset(name or "luo2025-100m")
    if not law.has("curve"):
        raise UsageError(f"--law: {law.name!r} has no loss curve under a schedule; laws that do: "
                         f"{', '.join(preset_names('curve'))}")
    return law


def _schedule_from_args(args: argparse.Namespace, law: Preset):
    """A Schedule from the --schedule flags, defaults from the law's own setup (its fitted schedule)."""
    from ..schedules import Schedule

    s = law.setup
    steps = args.steps if args.steps is not None else s.get("steps")
    if steps is None:
        raise UsageError("--steps: missing; give the run's total optimizer steps")
    warmup = args.warmup if args.warmup is not None else s.get("warmup", 0)
    if args.warmup is None and warmup >= steps:
        raise UsageError(f"--warmup: {law.name}'s setup warms up for {warmup:g} steps, not fewer than --steps {steps:g}; "
                         "give --warmup (e.g. --warmup 0)")
    return Schedule(args.schedule, steps=steps,
                    peak_lr=args.peak_lr if args.peak_lr is not None else s.get("peak_lr", 3e-4),
                    warmup=warmup,
                    floor=args.floor if args.floor is not None else s.get("floor"),
                    cooldown=args.cooldown, decay_shape=args.decay_shape, switch=args.switch, lr2=args.lr2)


def _read_curve(path: str, warmup: int | None = None, need_loss: bool = True, lr: Any = None) -> dict[str, Any]:
    """A curve file's columns (:func:`scalingviz.datasets.read_curve`); ``lr`` (a per-step schedule from
    --schedule) stands in for a missing lr column."""
    from .. import datasets

    try:
        out = datasets.read_curve(_input(path), need_loss=need_loss, lr=lr)
    except InputError as exc:
        raise UsageError(f"{path}: {exc}") from None
    out["warmup"] = warmup
    return out


def _cmd_curve(args: argparse.Namespace) -> None:
    from ..schedules import from_log
    from ..workflows import schedule_curves

    law = _curve_law(args.law)
    if args.lr_csv:
        if args.schedule:
            raise UsageError("give the schedule once: --schedule with its flags, or --lr-csv FILE, not both")
        if args.compare:
            raise UsageError("--compare: compares schedules given with --schedule, not a logged --lr-csv")
        from ..schedules import unlogged_assumption

        log = _read_curve(args.lr_csv, need_loss=False)
        step = log["step"].astype(int)
        report = schedule_curves(law, from_log(step, log["lr"], warmup=args.warmup), step=step,
                                 label=f"from {args.lr_csv}")
        schedule = {"from": args.lr_csv, "rows": int(step.size)}
        assumed = unlogged_assumption(int(step[0]), float(log["lr"][0]), args.warmup)
        if assumed:
            schedule["assumed"] = assumed
    else:
        if not args.schedule:
            from ..schedules import KINDS

            raise UsageError(f"give a schedule: --schedule {{{','.join(KINDS)}}} --steps T, or --lr-csv FILE")
        sched = _schedule_from_args(args, law)
        if args.every and args.every < 1:
            raise UsageError(f"--every: {args.every} is out of range; expected a whole number of steps >= 1")
        query = None
        if args.every:
            query = np.unique(np.r_[np.arange(args.every, sched.steps, args.every), sched.steps - 1])
        others = [_schedule_from_args(argparse.Namespace(**{**vars(args), "schedule": kind}), law)
                  for kind in args.compare or ()]
        report = schedule_curves(law, sched, compare=others, step=query)
        schedule = None
    payload = report.to_dict()
    if schedule is not None:
        payload["schedule"] = schedule

    def render(d: dict[str, Any]) -> str:
        desc = d["schedule"].get("describe") or f"from {d['schedule']['from']}"
        rows = [("law", f"{law.title} ({law.name})"), ("schedule", desc)]
        if d["schedule"].get("assumed"):
            rows.append(("assumed", d["schedule"]["assumed"]))
        rows.append(("final loss", f"{d['final_loss']:.4f} {_iv(d['final_loss_interval'])} nats/token at step "
                                   f"{d['step'][-1]:,}"))
        for c in d.get("compare", []):
            rows.append(("vs " + c["schedule"], f"{c['final_loss']:.4f} {_iv(c['final_loss_interval'])}; this schedule "
                                                 f"minus it {c['difference']:+.4f} {_iv(c['difference_interval'], '+.4f')}"))
        first = int(np.searchsorted(d["step"], d["schedule"].get("warmup", 0) or 0))  # the law holds after warmup
        marks = np.unique(np.linspace(min(first, len(d["step"]) - 1), len(d["step"]) - 1, 6).astype(int))
        for i in marks:
            rows.append((f"step {d['step'][i]:,}", f"loss {d['loss'][i]:.4f}   lr {d['lr'][i]:.3g}"))
        return _table(rows) + f"\n  intervals: {d['interval_basis']}" + _warn_lines(d["warnings"])

    _emit(payload, args.json, render)


def _cmd_fit_curve(args: argparse.Namespace) -> None:
    from ..workflows import fit_curves

    form = args.form
    lr = None
    if args.schedule:  # one schedule for files without an lr column
        from ..schedules import Schedule

        if args.steps is None:
            raise UsageError("--steps: missing; --schedule needs the run's total optimizer steps")
        lr = Schedule(args.schedule, steps=args.steps, peak_lr=args.peak_lr or 3e-4, warmup=args.warmup or 0,
                      floor=args.floor, cooldown=args.cooldown, decay_shape=args.decay_shape, switch=args.switch,
                      lr2=args.lr2).lrs()
    report = fit_curves({f: _read_curve(f, args.warmup, lr=lr) for f in args.files}, form, weight=args.weight,
                        predict={f: _read_curve(f, args.warmup, lr=lr) for f in args.predict or []})
    payload = report.to_dict()

    def render(d: dict[str, Any]) -> str:
        rows = [("form", f"{d['form']}: {d['formula']}"), ("status", f"{d['status']} ({d['message']})"),
                ("objective", f"{d['objective']:.6g} (sum of Huber losses on log loss, delta 1e-3"
                              + (", the last 20% of each curve weighted 10x)" if d["weight"] == "final" else ")"))]
        rows += [(k, f"{v:.6g}" + (f"   ~95% [{d['intervals'][k][0]:.4g}, {d['intervals'][k][1]:.4g}]"
                                   if k in d["intervals"] else "")) for k, v in d["params"].items()]
        for title, block in (("fitted", d["fit"]), ("predicted", d["predictions"])):
            for f, m in block.items():
                extra = (f", final {m['final_loss_pred']:.4f} {_iv(m['final_loss_interval'])} vs "
                         f"{m['final_loss_obs']:.4f} observed" if "final_loss_pred" in m else "")
                rows.append((f"{title} {f}", f"R^2 {m['r2']:.4f}, mean |error| {100 * m['mean_rel_err']:.3f}%, "
                                             f"max {100 * m['max_rel_err']:.3f}%{extra}"))
                if m.get("assumed"):
                    rows.append(("  assumed", m["assumed"]))
                if m.get("binned"):
                    rows.append(("  binned", m["binned"]))
        return _table(rows) + (f"\n  final-loss intervals: {d['interval_basis']}" if d["predictions"] else "")

    _emit(payload, args.json, render)


def _cmd_schedule_advice(args: argparse.Namespace) -> None:
    from ..advice import schedule_advice

    law = _curve_law(args.law)
    steps = args.steps if args.steps is not None else law.setup.get("steps")
    if steps is None:
        raise UsageError("--steps: missing; give the run's total optimizer steps")
    cooldowns = _fractions("--cooldowns", args.cooldowns) if args.cooldowns else (0.1, 0.2, 0.3)
    out = schedule_advice(law, steps, peak_lr=args.peak_lr, warmup=args.warmup, floor=args.floor,
                          cooldowns=cooldowns, decay_shape=args.decay_shape, extend=args.extend,
                          optimise=not args.no_optimise)
    out.pop("optimal_lr", None)

    def render(d: dict[str, Any]) -> str:
        lines = [f"Law: {law.title} ({law.name}); {d['steps']:,} steps, peak LR {d['peak_lr']:g}, warmup "
                 f"{d['warmup']:,}, floor {d['floor']:g}", "", "Final loss [nats/token]"]
        best = min(r["final_loss"] for r in d["table"] if r["steps"] == d["steps"])
        rows = [(r["schedule"], f"{r['final_loss']:.4f} {_iv(r['final_loss_interval'])}"
                 + (f"   vs cosine {r['vs_cosine']:+.4f} {_iv(r['vs_cosine_interval'], '+.4f')}" if "vs_cosine" in r else "")
                 + ("  <- best of these" if r["final_loss"] == best else "")) for r in d["table"]]
        lines.append(_table(rows))
        b = d["best_cooldown"]
        lines.append(f"\nBest WSD cooldown: the last {100 * b['cooldown']:.3g}% of the steps ({b['decay_shape']}), "
                     f"final loss {b['final_loss']:.4f}, vs cosine {b['vs_cosine']:+.4f} "
                     f"{_iv(b['vs_cosine_interval'], '+.4f')}")
        if "optimal" in d:
            o = d["optimal"]
            lines.append(f"Optimised non-increasing schedule: final loss {o['final_loss']:.4f}, "
                         f"{o['gain_vs_cosine']:.4f} {_iv(o['gain_vs_cosine_interval'])} below cosine "
                         f"({o['cosine_final_loss']:.4f})")
        lines.append(f"\nIntervals: {d['interval_basis']}")
        return "\n".join(lines) + "".join(f"\n  ! {w}" for w in d["warnings"])

    _emit(out, args.json, render)
