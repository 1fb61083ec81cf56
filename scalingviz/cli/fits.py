"""Commands that fit your runs: fit, fit-batch, fit-isoflop, fit-hparams."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import InputError
from ..presets import PRESETS, get_preset, preset_names
from .common import (
    _emit,
    _fmt,
    _input,
    _limits,
    _parse_cols,
    _progress_bar,
    _table,
)
from .parser import UsageError

#: The fit workflow's parameter names -> the flags that give them (its errors name the flag).
_FIT_FLAGS = {"holdout_above_C": "--holdout-above-C", "bounds": "--bound", "fixed": "--fix", "prior": "--prior", "n_boot": "--bootstrap",
              "space": "--space", "asymmetry": "--asymmetry", "loss": "--loss", "target": "--target",
              "group": "--group", "per_group": "--per-group"}


def _cmd_fit(args: argparse.Namespace) -> None:
    from .. import fit
    from ..workflows import fit_runs, read_fit_data, reads_runs

    filters: dict[str, list[str]] = {}
    for col, value in _parse_cols(args.filter).items() if args.filter else ():
        filters.setdefault(col, []).append(value)
    cols = _parse_cols(args.col)
    if reads_runs(args.law, cols, args.target, args.space, args.group):
        runs = read_fit_data(_input(args.file), args.law, columns=cols, filters=filters)
        runs = runs.select(minimum=_limits(args.min, "--min"), maximum=_limits(args.max, "--max"),
                           drop_highest_loss=args.drop_highest_loss)
    else:  # a form over other columns (experts, vocabulary...) or a target of any sign: a table of any columns
        for flag, given in (("--min", args.min), ("--max", args.max), ("--drop-highest-loss", args.drop_highest_loss)):
            if given:
                raise UsageError(f"{flag}: selects runs by N, D or C in a runs table; this fit reads any columns "
                                 "(select rows with --filter COLUMN=VALUE)")
        try:
            runs = read_fit_data(_input(args.file), args.law, columns=cols, target=args.target, space=args.space,
                                 group=args.group, filters=filters)
        except InputError as exc:
            raise UsageError(f"{args.file}: {exc}".replace("columns={", "--col ").replace(": 'your column'}", "=NAME")
                             .replace("columns: ", "--col: ")) from None
    fixed, bounds, prior = fit.parse_fit_constants("; ".join([*(args.fix or []), *(args.bound or []),
                                                              *(args.prior or [])]))
    try:
        report = fit_runs(runs, args.law, fixed=fixed, prior=prior,
                          bounds=bounds, holdout_above_C=args.holdout_above_C, n_boot=args.bootstrap or 0,
                          seed=args.seed, leave_largest_out=args.leave_largest_out, n_jobs=args.jobs or None,
                          progress=_progress_bar, space=args.space, loss=args.loss, asymmetry=args.asymmetry,
                          group=args.group, per_group=tuple(x.strip() for x in (args.per_group or "").split(",") if x.strip()))
    except InputError as exc:
        name, _, rest = str(exc).partition(":")
        if name in _FIT_FLAGS:
            raise UsageError(f"{_FIT_FLAGS[name]}:{rest}") from None
        raise
    _emit(report.to_dict(), args.json, lambda d: render_runs_fit(report, args.file))


def render_runs_fit(report, source: str) -> str:
    """A :class:`~scalingviz.workflows.RunsFitReport` as the text ``scalingviz fit`` prints."""
    from ..workflows import objective_text

    r, form, ci = report.result, report.form, report.ci or {}
    ho = report.heldout
    n_used = f"{r.n_points} of {r.n_points + ho.n} (the rest held out)" if ho is not None else str(r.n_points)
    rows = [("form", f"{form.name}: {form.formula}"), ("runs", f"{n_used} from {source}"),
            ("status", f"{r.status} ({r.message})"), ("objective", objective_text(r)),
            ("condition", f"{r.condition:.3g} (of the fit's Gauss-Newton matrix; above 1e10: not identified)")]
    if report.procedure:
        rows.insert(2, ("procedure", report.procedure))
    for k, v in report.pinned.items():
        rows.append((k, f"{v:.6g}   (pinned)"))
    profile = report.stages.profile if report.stages is not None else {}
    for k, v in report.params.items():
        if k in report.pinned:
            continue
        text = f"   95% CI [{ci[k][0]:.4g}, {ci[k][1]:.4g}]" if ci.get(k) else ""
        prof = profile.get(k)
        if prof:
            lo, hi = prof["interval"]
            text += (f"   objective within {100 * prof['tolerance']:.2g}% of its best for {lo:.3g} ... {hi:.3g}"
                     + (" (end of grid)" if prof["open"] else ""))
        rows.append((k, f"{v:.6g}{text}"))
    if report.rollout is not None:
        g = report.rollout
        rows.append(("largest left out", f"{g.n} runs of N = {_fmt(float(report.train.N.max()))}: median |error| "
                                         f"{g.median_abs_pct_error:.2f}%, max {g.max_abs_pct_error:.2f}% "
                                         f"(fit on the {g.n_train} smaller runs)"))
    if ho is not None:
        rows.append(("held out", f"{ho.n} runs above C = {report.holdout_above_C:g} FLOP: median |error| "
                                 f"{ho.median_abs_pct_error:.2f}%, max {ho.max_abs_pct_error:.2f}%"))
        if report.coverage is not None:
            rows.append(("  coverage", f"{100 * report.coverage:.0f}% of them inside their 95% prediction "
                                       "interval (bootstrap constants x resampled residuals)"))
        rows.append(("published laws", "on the same held-out runs (each in its own N convention and data set)"))
        for name, e in ho.presets.items():
            mark = "  (in sample: fitted on these runs)" if e.get("in_sample") else ""
            rows.append((f"  {name}", f"median {e['median_abs_pct_error']:.2f}%, max {e['max_abs_pct_error']:.2f}%{mark}"))
    return _table(rows)


def _cmd_fit_batch(args: argparse.Namespace) -> None:
    from .. import datasets, fit

    cols = _parse_cols(args.col)
    raw = datasets.read_table(_input(args.file))
    need = {k: cols.get(k, k) for k in ("loss", "B", "S")}
    missing = [f"{k} (column {v!r})" for k, v in need.items() if v not in raw]
    if missing:
        raise UsageError(f"{args.file}: missing {', '.join(missing)}; columns are {', '.join(map(repr, raw))}; "
                         "map yours with --col loss=... --col B=... --col S=...")
    out = fit.fit_batch(raw[need["loss"]], raw[need["B"]], raw[need["S"]])
    payload = out.to_dict()

    def render(d: dict[str, Any]) -> str:
        rows = [(f"L = {t['loss']:g}", f"S_min {_fmt(t['S_min'])} steps, E_min {_fmt(t['E_min'])} tokens, "
                                       f"B_crit {_fmt(t['B_crit'])} tokens") for t in d["targets"]]
        if d["alpha_B"] is not None:
            rows.append(("B_crit(L)", f"{d['B_star']:.4g} / L^(1/{d['alpha_B']:.4g}) tokens"))
        rows.append(("note", d["message"]))
        return _table(rows)

    _emit(payload, args.json, render)


def _cmd_fit_isoflop(args: argparse.Namespace) -> None:
    from .. import datasets, fit
    from ..workflows import approach2

    try:
        report = approach2(datasets.read_table(_input(args.file)), _parse_cols(args.col), budget_column=args.budget_col,
                           method=args.method, tolerance=args.tolerance, skip_small=args.skip_small_budgets,
                           drop_outliers=args.drop_outliers, drop_unbracketed=args.drop_unbracketed)
    except InputError as exc:
        name, _, rest = str(exc).partition(":")
        flag = {"columns": f"{args.file}:", "budget_column": "--budget-col:"}.get(name)
        if flag is None:
            raise
        raise UsageError(flag + rest.replace("(C=..., N=... or D=..., loss=...)", "with --col C=... --col N=... (or "
                                                                                 "--col D=...) --col loss=...")) from None
    payload = report.to_dict()

    def render(d: dict[str, Any]) -> str:
        rows = [("method", f"{d['method']}: {fit.ISOFLOP_METHODS[d['method']]}"), ("D*", d["flop_model"]),
                ("status", f"{d['status']} ({d['message']})")]
        for b in d["budgets"]:
            flag = "" if b.get("status", "converged") == "converged" else f"   ! {b['status']}: {b['reason']}"
            if b["used"]:
                rows.append((f"C = {b['C']:.3g}", f"{b['n']} runs: N* {_fmt(b['N_opt'])}, D* {_fmt(b['D_opt'])} "
                                                  f"tokens, loss {b['loss_opt']:.4g}{flag}"))
            else:
                rows.append((f"C = {b['C']:.3g}", f"{b['n_runs']} runs: not used ({b.get('reason', 'minimum not bracketed')})"))
        for o in d["outliers"]:
            rows.append(("outlier", f"C = {o['C']:.3g}, N = {_fmt(o['N'])}: loss {o['loss']:.4g} breaks its budget's "
                                    f"valley ({'dropped' if o['dropped'] else 'kept; --drop-outliers leaves it out'})"))
        for key, label in (("N_opt", "N*"), ("D_opt", "D*")):
            e = d[key]
            ci = d["ci"].get("a" if key == "N_opt" else "b")
            rows.append((label, f"{e['coef']:.4g} C^{e['exp']:.4f}" + (f"   95% CI of the exponent [{ci[0]:.3f}, "
                                                                      f"{ci[1]:.3f}]" if ci else "")))
        sens = d["sensitivity"]
        if sens:
            w, o = sens["widest"], sens["off_centre"]
            rows.append(("sensitivity", f"N* exponent {sens['a_range'][0]:.3f} to {sens['a_range'][1]:.3f} with one budget "
                                        f"left out; without the widest (C = {w['C']:.3g}, {w['span_decades']:.2g} decades "
                                        f"of N) {w['a_without']:.3f}, without the most off-centre (C = {o['C']:.3g}, "
                                        f"optimum {o['off_centre']:+.2f} half-spans from its grid's centre) "
                                        f"{o['a_without']:.3f}"))
        return _table(rows) + "\n  caveat: " + d["caveat"]

    _emit(payload, args.json, render)


def _cmd_fit_hparams(args: argparse.Namespace) -> None:
    from .. import datasets, fit

    cols = _parse_cols(args.col)
    raw = datasets.read_table(_input(args.file))
    name = {k: cols.get(k, k) for k in ("N", "D", "lr", "B", "loss")}
    missing = [f"{k} (column {v!r})" for k, v in name.items() if v not in raw]
    if missing:
        raise UsageError(f"{args.file}: missing {', '.join(missing)}; columns are {', '.join(map(repr, raw))}; map "
                         "yours with --col N=... --col D=... --col lr=... --col B=... --col loss=...")
    num = {k: datasets._check_numeric(v, raw[v]) for k, v in name.items()}
    B = num["B"]
    if args.batch_in == "sequences":
        if args.seq_len is None:
            raise UsageError("--batch-in sequences needs --seq-len (tokens per sequence) to convert to tokens")
        B = B * args.seq_len
    res = fit.fit_hparams(num["N"], num["D"], num["lr"], B, num["loss"], threshold=args.threshold, n_boot=args.bootstrap)
    # User-facing default: the published law the refit is compared with (Step Law, whose procedure this is).
    pub = get_preset(args.compare or "li2025")
    if set(fit.HparamFit.NAMES) - set(pub.values):
        raise UsageError(f"--compare: {pub.name} has no learning-rate and batch law of Step Law's form; laws that do: "
                         + ", ".join(n for n in preset_names("lr") if set(fit.HparamFit.NAMES) <= set(PRESETS[n].values)))
    payload = {"params": res.coef, "ci": res.ci, "n_kept": res.n_kept, "n_cells": res.n_cells,
               "threshold": args.threshold, "batch_unit": "tokens", "published": {"law": pub.name,
                                                                                 "params": dict(pub.values)}}

    def render(d: dict[str, Any]) -> str:
        c, p = d["params"], d["published"]["params"]
        rows = [("runs kept", f"{d['n_kept']} within {100 * d['threshold']:g}% of their (N, D) cell's best loss, "
                              f"{d['n_cells']} cells"),
                ("learning rate", f"refit {c['lr_coef']:.4g} N^{c['lr_exp_N']:.4g} D^{c['lr_exp_D']:.4g}; published "
                                  f"{p['lr_coef']:g} N^{p['lr_exp_N']:g} D^{p['lr_exp_D']:g} ({pub.name})"),
                ("batch [tokens]", f"refit {c['bs_coef']:.4g} D^{c['bs_exp_D']:.4g}; published {p['bs_coef']:g} "
                                   f"D^{p['bs_exp_D']:g}")]
        rows += [(k, f"{v:.4g}" + (f"   95% CI [{d['ci'][k][0]:.4g}, {d['ci'][k][1]:.4g}]" if k in d["ci"] else ""))
                 for k, v in c.items()]
        return _table(rows)

    _emit(payload, args.json, render)
