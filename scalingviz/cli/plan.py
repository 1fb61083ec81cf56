"""The plan command: check a training plan and render its report."""

from __future__ import annotations

import argparse

from ..presets import CHINCHILLA_TOKENS_PER_PARAM, DELTA_L_NOISE
from .common import (
    _emit,
    _fmt,
    _iv,
    _table,
)


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
    """The human-readable plan report: a table per section, then the warnings."""
    p = report.plan
    per = "active param" if p.N_active < p.N else "param"
    lines = [f"Plan: N = {_fmt(p.N)} params ({p.N_convention})"
             + (f", {_fmt(p.N_active)} active" if p.N_active < p.N else "")
             + f", D = {_fmt(p.D)} tokens ({report.tokens_per_param:.3g} tokens/{per})"
             + (f", batch {_fmt(p.batch_tokens)} tokens x {_fmt(p.steps)} steps" if p.batch_tokens else "")
             + (f", peak LR {p.lr:.3g}" if p.lr else "")]
    lines.append("\nPredicted loss [nats/token; each law on its own data set]")
    rows = []
    for name, v in report.loss.items():
        band = f"  [{v['low']:.3f}, {v['high']:.3f}]" if v["high"] > v["low"] else ""
        rows.append((name, f"{v['value']:.4f}{band}"))
    for name, t in report.trajectory.items():
        rows.append((f"{name} L(N,S,B)", f"{t['loss']:.4f} at batch {_fmt(p.batch_tokens)} (min. loss {t['min_loss']:.4f})"))
    if report.delta_L is not None:
        target = 100 * DELTA_L_NOISE.value
        rows.append(("overfitting dL", f"{100 * report.delta_L:.3g}% ({report.compute['delta_L_law']}); {target:g}% needs "
                                       f"D >= {_fmt(report.data_for_delta_L)} tokens"))
    lines.append(_table(rows))
    v = report.verdict
    if v.get("inference"):
        training = (f"{v['chinchilla_verdict']}" + (f" by {v['factor']:.3g}x" if v["chinchilla_verdict"] != "near-optimal"
                                                   else "") + f" against ~{CHINCHILLA_TOKENS_PER_PARAM.value:g} "
                    f"tokens/{per}, training alone")
        lines.append(f"\nAllocation: {v['verdict'].upper()} for {_fmt(p.inference_tokens)} inference tokens ({training})")
    else:
        lines.append(f"\nAllocation: {v['verdict'].upper()}" + (f" by {v['factor']:.3g}x" if v["verdict"] != "near-optimal" else "")
                     + f" (reference: ~{CHINCHILLA_TOKENS_PER_PARAM.value:g} tokens/{per}"
                     + (", judged at 6 N_active D" if per != "param" else "") + ")")
    rows = [(name, f"N {_fmt(o['N'])}, D {_fmt(o['D'])} ({o['tokens_per_param']:.3g} tokens/param)"
             + (f", loss {o['loss']:.4f}" if o["loss"] is not None else "")) for name, o in report.compute_optimal.items()]
    lines.append(_table(rows) if rows else "  -")
    lines.append("\nBatch and learning rate")
    rows = []
    b = report.batch
    if b.get("B_crit") is not None:
        rows.append(("B / B_crit", f"{b['B_over_B_crit']:.3g} (B_crit {_fmt(b['B_crit'])} tokens, {b['B_crit_law']}): "
                                   f"S/S_min = {b['extra_steps']:.3g}, E/E_min = {b['extra_tokens']:.3g}"))
    for name, r in b["recommended"].items():
        band = f" [{_fmt(r['low'])}, {_fmt(r['high'])}]" if r.get("low") is not None else ""
        rows.append((f"batch, {name}", f"{_fmt(r['value'])} tokens{band}"))
    for name, r in report.lr["recommended"].items():
        band = f" [{r['low']:.3g}, {r['high']:.3g}]" if r.get("low") is not None else ""
        rows.append((f"peak LR, {name}", f"{r['value']:.3g}{band}"))
    lines.append(_table(rows) if rows else "  -")
    c = report.compute
    lines.append("\nCompute, time, cost")
    rows = [("compute", f"{c['flop_6ND']:.3g} FLOP = 6ND ({c['pf_days']:.3g} PF-days)")]
    if "flop_exact" in c:
        rows.append(("exact", f"{c['flop_exact']:.3g} FLOP ({c['flop_per_token_exact']:.3g} FLOP/token, "
                              f"{c['exact_over_6ND']:.3g}x 6N)"))
    rows.append(("wall-clock", f"{c['time_hours']:.4g} h = {c['time_hours'] / 24:.3g} days on {p.n_gpus:,} GPU{'s' if p.n_gpus != 1 else ''} at "
                               f"{p.peak_flops:.3g} FLOP/s x MFU {p.mfu:g} ({c['time_from']})"))
    rows.append(("GPU-hours", f"{c['gpu_hours']:,.0f}"))
    rows.append(("cost", "-" if c["cost"] is None else f"{c['cost']:,.0f} (at {p.price_per_gpu_hour:g} per GPU-hour)"))
    rows.append(("FLOP basis", c["flop_basis"]))
    lines.append(_table(rows))
    if report.inference_optimal is not None:
        inf = report.verdict.get("inference", {})
        lines.append(f"\nInference-aware optimum for {_fmt(p.inference_tokens)} inference tokens (Sardana et al. 2024; "
                     "same loss as the plan under each law, least training + inference "
                     f"{next(iter(report.inference_optimal.values()))['objective'] if report.inference_optimal else 'compute'})")
        rows = [(name, f"N {_fmt(o['N'])}, D {_fmt(o['D'])} ({o['tokens_per_param']:.3g} tokens/param), total "
                       f"{o['total_flop']:.3g} FLOP; saves {100 * o['saving_vs_plan']:.2g}% vs the plan, "
                       f"{100 * o['saving_vs_chinchilla']:.2g}% vs compute-optimal ({_fmt(o['chinchilla_N'])} params)")
                for name, o in report.inference_optimal.items()]
        lines.append(_table(rows) if rows else "  -")
        if inf:
            lo, hi = inf["range"]
            lines.append(f"  verdict: {report.verdict['verdict'].upper()}: savings {100 * max(lo, 0):.2g}% "
                         f"({inf['range_laws'][0]}) to {100 * hi:.2g}% ({inf['range_laws'][1]}); the laws "
                         + ("agree" if inf["agree"] else "disagree")
                         + f" on the {100 * inf['tolerance']:g}% line (reference: {inf['law']})")
    if report.repeated_data is not None:
        r = report.repeated_data
        o = r["optimal_under_limit"]
        lines.append(f"\nRepeated data ({r['law']})")
        lines.append(_table([("epochs", f"{r['epochs']:.3g} over {_fmt(r['unique_tokens'])} unique tokens"),
                             ("effective data", f"{_fmt(r['effective_tokens'])} tokens ({100 * r['effective_fraction']:.3g}% "
                                                "of D)"),
                             ("loss", f"{r['loss']:.4f} (with unique data {r['loss_if_unique']:.4f})"),
                             ("under the limit", f"N {_fmt(o['N'])}, D {_fmt(o['D'])} ({o['epochs']:.3g} epochs), loss "
                                                 f"{o['loss']:.4f}, same compute")]))
    if report.moe is not None:
        m = report.moe
        lines.append("\nMixture of experts")
        rows = [("parameters", f"{_fmt(m['active_params'])} active of {_fmt(m['total_params'])} "
                               f"({100 * m['active_fraction']:.3g}%)"), ("FLOP basis", m["flop_basis"])]
        rows += [(f"loss, {k}", f"{v:.4f} at total N, {m['loss_at_active_params'][k]:.4f} at active N")
                 for k, v in m["loss_at_total_params"].items()]
        lines.append(_table(rows))
    if report.schedule is not None:
        sc = report.schedule
        lines.append(f"\nSchedule under {sc['law']} (at {sc['steps_basis']}; peak LR: {sc['peak_lr_basis']})")
        rows = [("plan", f"{sc['schedule']}: final loss {sc['final_loss']:.4f} {_iv(sc['final_loss_interval'])}")]
        rows += [("alternative", f"{a['schedule']}: {a['final_loss']:.4f} ({a['vs_plan']:+.4f} "
                                 f"{_iv(a['vs_plan_interval'], '+.4f')} vs the plan)") for a in sc["alternatives"]]
        rows.append(("note", sc["note"]))
        rows.append(("intervals", sc["interval_basis"]))
        lines.append(_table(rows))
    if report.warnings:
        lines.append("\nWarnings")
        lines += [f"  ! {w['code']}: {w['message']}" for w in report.warnings]
    return "\n".join(lines)
