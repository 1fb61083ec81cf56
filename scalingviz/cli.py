"""The ``scalingviz`` command.

Human-readable text by default; one JSON object with ``--json``. Counts accept
``7B``/``1.4T``/``2e19``. C is in FLOP (``--pf-days`` reads it in PF-days); batch sizes are
in tokens unless ``--batch-sequences`` and ``--seq-len`` are given. Bad input exits with
status 2 and one line naming the flag, the value and the valid range.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import units
from .errors import InputError
from .presets import CHINCHILLA_TOKENS_PER_PARAM, DELTA_L_NOISE, PRESETS, Preset, get_preset, preset_names, register
from .serialize import jsonable

__all__ = ["main"]


class UsageError(InputError):
    """Bad command-line input (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        raise UsageError(message)


# -- argument types ------------------------------------------------------------------------


def _positive(flag: str, what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = units.parse_quantity(text, flag)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[-1]) from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range; expected {what} > 0 (e.g. 7B, 1.4T, 2e19)")
        return value

    parse.__name__ = flag
    return parse


def _law_name(text: str) -> str:
    if text.strip() not in PRESETS:
        raise argparse.ArgumentTypeError(f"unknown law {text!r}; valid names are {', '.join(PRESETS)}")
    return text.strip()


# -- output helpers ------------------------------------------------------------------------


def _emit(payload: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        print(json.dumps(jsonable(payload), allow_nan=False))
    else:
        print(render(payload))


_fmt = units.format_number


def _table(rows: list[tuple[str, str]]) -> str:
    if not rows:
        return "  -"
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def _range_warnings(preset: Preset, **values: float | None) -> list[dict[str, Any]]:
    return [{"code": "EXTRAPOLATION", "message": text, "value": factor}
            for _key, factor, text in preset.fitted_range.describe(preset.name, **values)]


def _warn_lines(warnings: list[dict[str, Any]]) -> str:
    return "".join(f"\n  ! {w['message']}" for w in warnings)


def _batch_tokens(args: argparse.Namespace, flag: str = "--B") -> float | None:
    seqs = getattr(args, "batch_sequences", None)
    seq_len = getattr(args, "seq_len", None)
    if seqs is not None:
        if seq_len is None:
            raise UsageError("--batch-sequences needs --seq-len (tokens per sequence) to convert to tokens")
        if args.B is not None:
            raise UsageError(f"give the batch once: {flag} [tokens] or --batch-sequences with --seq-len, not both")
        return units.sequences_to_tokens(seqs, seq_len)
    return args.B


# -- commands -----------------------------------------------------------------------------


def _cmd_presets(args: argparse.Namespace) -> None:
    payload = {
        "presets": [
            {k: v for k, v in p.to_dict().items() if k in ("name", "title", "citation", "form", "formula", "params",
                                                         "fitted_range", "N_convention", "loss_unit", "capabilities")}
            for p in PRESETS.values()
        ]
    }

    def render(d: dict[str, Any]) -> str:
        lines = []
        for p in PRESETS.values():
            lines.append(f"{p.name:<17} {p.title}")
            lines.append(f"{'':<17} {p.citation}")
            lines.append(f"{'':<17} {p.formula}")
            lines.append(f"{'':<17} N: {p.N_convention}; loss: {p.loss_unit}; gives: {', '.join(sorted(p.capabilities))}")
            lines.append("")
        return "\n".join(lines).rstrip()

    _emit(payload, args.json, render)


def _data_payload(name: str) -> dict[str, Any]:
    from . import catalog

    ds = catalog.get(name)
    where = {"shipped": "the package's data/ folder", "local copy": "$SCALINGVIZ_EXTERNAL_DATA",
             "cached": str(catalog._cached(ds))}
    st = catalog.status(name)
    return {"name": ds.name, "title": ds.title, "licence": ds.licence, "citation": ds.citation,
            "origin": f"github.com/{ds.repo} @ {ds.commit}", "size_bytes": ds.size, "status": st,
            "location": where.get(st), "note": ds.note,
            "files": [{"name": f.name, "size_bytes": f.size,
                       **({"url": catalog.url(ds, f), "sha256": f.sha256} if not ds.shipped else
                          {"origin_path": f.path})} for f in ds.files]}


def _cmd_data_list(args: argparse.Namespace) -> None:
    from . import catalog
    from ._cache import cache_dir

    payload = {"data_sets": [_data_payload(k) for k in catalog.CATALOG], "cache": str(cache_dir() / "data"),
               "origin": catalog.origin()}

    def render(d: dict[str, Any]) -> str:
        lines = []
        for x in d["data_sets"]:
            lines.append(f"{x['name']:<30} {x['status']:<13} {x['size_bytes'] / 1e3:>7,.0f} kB  {x['title']}")
            lines.append(f"{'':<30} licence: {x['licence']}")
        lines.append("")
        lines.append(f"fetched data sets are downloaded from {d['origin']} (pinned commits, sha256-checked) into "
                     f"{d['cache']}; `scalingviz data fetch NAME` or `--all`")
        return "\n".join(lines)

    _emit(payload, args.json, render)


def _cmd_data_fetch(args: argparse.Namespace) -> None:
    from . import catalog

    names = list(catalog.CATALOG) if args.all else args.names
    if not names:
        raise UsageError("data fetch: name a data set (see `scalingviz data list`) or give --all")
    for name in names:
        catalog.get(name)  # an unknown name fails before anything is downloaded
    done, failed = [], []
    for name in names:
        try:
            folder = catalog.fetch(name, timeout=args.timeout, deadline=args.deadline)
        except catalog.DataUnavailable as exc:
            failed.append({"name": name, "error": str(exc)})
            if not args.json:
                print(f"scalingviz: {exc}", file=sys.stderr)
            continue
        done.append({"name": name, "status": catalog.status(name), "location": str(folder)})
        if not args.json:
            print(f"{name:<30} {done[-1]['status']:<13} {folder}")
    if args.json:
        _emit({"fetched": done, "failed": failed}, True, str)
    if failed:
        raise UsageError(f"data fetch: {len(failed)} of {len(names)} data sets could not be fetched"
                         + ("" if args.json else " (see above)"))


def _cmd_data_path(args: argparse.Namespace) -> None:
    from . import catalog

    name, _, file = args.ref.partition("/")
    ds = catalog.get(name)
    files = [ds.file(file).name] if file else [f.name for f in ds.files]
    folder = catalog.fetch(name, timeout=args.timeout)
    payload = {"name": name, "status": catalog.status(name), "files": {f: str(folder / f) for f in files}}
    _emit(payload, args.json, lambda d: "\n".join(d["files"].values()))


def _cmd_predict(args: argparse.Namespace) -> None:
    preset = get_preset(args.law)
    B = _batch_tokens(args)
    if not preset.has("loss") and not (preset.has("trajectory") and args.S is not None and B is not None):
        if preset.has("trajectory"):
            raise UsageError(f"--law: {preset.name!r} predicts a loss trajectory: give --S (steps) and --B (batch, tokens)")
        raise UsageError(
            f"--law: {preset.name!r} has no loss law; laws with one: {', '.join(preset_names('loss'))}"
        )
    N = args.N
    if (args.S is None) != (B is None):
        raise UsageError("--S and --B go together: give both steps and batch size [tokens], or neither")
    D = args.D
    if args.S is not None:
        D_sb = args.S * B
        if D is not None and not math.isclose(D, D_sb, rel_tol=0.01):
            raise UsageError(
                f"--D: {units.format_quantity(D)} disagrees with S x B = {units.format_quantity(D_sb)} tokens; "
                "give D or S and B, or make them agree within 1%"
            )
        D = D_sb
    if getattr(args, "U", None) is not None and D is not None and args.U > D * (1 + 1e-9):
        raise UsageError(f"--U: {units.format_quantity(args.U)} is more than --D ({units.format_quantity(D)}): a run "
                         "cannot see more unique tokens than it trains on; expected 0 < U <= D")
    payload: dict[str, Any] = {"law": preset.name, "formula": preset.formula, "N": N, "D": D}
    if args.S is not None and preset.has("trajectory"):
        L = preset.trajectory(N, args.S, B)
        payload.update(
            loss=L,
            formula="L(N,S,B): L = (N_c/N)^alpha_N + (S_c (1 + B_crit(L)/B) / S)^alpha_S, solved for L",
            loss_converged=preset.min_loss(N),
            S=args.S,
            B=B,
            **preset.batch_tradeoff(args.S, B, L),
        )
        if preset.has("delta_L"):
            payload["delta_L"] = preset.delta_L(N, D)
    else:
        payload.update(
            loss=preset.loss(N, np.inf if D is None else D, args.U),
            # with unique tokens U, more training repeats them: the limit is D -> inf on those U tokens
            loss_converged=preset.loss_converged(N) if args.U is None else preset.loss(N, np.inf, args.U),
        )
        if args.U is not None:
            payload["U"] = args.U
        if D is not None:
            payload["delta_L"] = preset.delta_L(N, D)
        if args.S is not None:
            payload["note"] = f"{preset.name} has no batch-size law; D = S x B was used"
    payload["loss_unit"] = preset.loss_unit
    payload["warnings"] = _range_warnings(preset, N=N, D=D)

    def render(d: dict[str, Any]) -> str:
        rows = [
            ("law", f"{preset.title} ({preset.name})"),
            ("N", f"{_fmt(N)} params ({preset.N_convention})"),
            ("D", f"{_fmt(D)} tokens" if D is not None else "unlimited"),
        ]
        if d.get("U") is not None:
            rows.append(("U", f"{_fmt(d['U'])} unique tokens"
                              + (f" ({D / d['U']:.3g} epochs)" if D is not None else "")))
        if "S_min" in d:
            rows += [
                ("S, B", f"{_fmt(d['S'])} steps at {_fmt(d['B'])} tokens/batch"),
                ("loss L(N,S,B)", f"{d['loss']:.4f} nats/token ({units.nats_to_bits(d['loss']):.4f} bits)"),
                ("min. loss L(N)", f"{d['loss_converged']:.4f} nats/token"),
                ("B_crit(L)", f"{_fmt(d['B_crit'])} tokens"),
                ("S_min", f"{_fmt(d['S_min'])} steps (S/S_min = {d['S'] / d['S_min']:.3g})"),
                ("E_min", f"{_fmt(d['E_min'])} tokens (E/E_min = {d['S'] * d['B'] / d['E_min']:.3g})"),
            ]
        else:
            rows += [
                ("loss", f"{d['loss']:.4f} nats/token ({units.nats_to_bits(d['loss']):.4f} bits)"),
                ("loss, D -> inf", f"{d['loss_converged']:.4f} nats/token"
                 + (f" (repeating the {_fmt(d['U'])} unique tokens)" if d.get("U") is not None else "")),
            ]
        if d.get("delta_L") is not None:
            rows.append(("overfitting dL", f"{100 * d['delta_L']:.3g}%"))
        rows.append(("formula", d["formula"]))
        return _table(rows) + (f"\n  note: {d['note']}" if "note" in d else "") + _warn_lines(d["warnings"])

    _emit(payload, args.json, render)


def _cmd_optimal(args: argparse.Namespace) -> None:
    preset = get_preset(args.law)
    if not preset.has("optimal"):
        raise UsageError(
            f"--law: {preset.name!r} gives no compute-optimal allocation; laws that do: "
            f"{', '.join(preset_names('optimal'))}"
        )
    C = units.pfdays_to_flop(args.C) if args.pf_days else args.C
    out = preset.compute_optimal(C, method=args.method, U=args.U)
    payload: dict[str, Any] = {"law": preset.name, "C": C, "C_pfdays": units.flop_to_pfdays(C)}
    payload.update(out)
    payload["tokens_per_param"] = out["D_opt"] / out["N_opt"]
    payload["N_convention"] = preset.N_convention
    payload["warnings"] = _range_warnings(preset, N=float(out["N_opt"]), D=float(out["D_opt"]), C=C)

    def render(d: dict[str, Any]) -> str:
        rows = [
            ("law", f"{preset.title} ({preset.name})"),
            ("C", units.format_flop(C)),
            ("N_opt", f"{_fmt(d['N_opt'])} params ({preset.N_convention})"),
            ("D_opt", f"{_fmt(d['D_opt'])} tokens"),
            ("D/N", f"{d['tokens_per_param']:.3g} tokens per parameter"),
        ]
        if "M_opt" in d:
            rows.append(("M_opt", f"{_fmt(d['M_opt'])} FLOP/token"))
        if "B_opt" in d:
            rows.append(("B_opt", f"{_fmt(d['B_opt'])} tokens"))
        if "S_opt" in d:
            rows.append(("S_opt", f"{_fmt(d['S_opt'])} steps"))
        if "epochs" in d:
            rows.append(("epochs", f"{d['epochs']:.3g}"))
        rows.append(("loss", f"{d['loss']:.4f} nats/token" if d.get("loss") is not None else "- (no loss law)"))
        rows.append(("method", d["method"]))
        return _table(rows) + _warn_lines(d["warnings"])

    _emit(payload, args.json, render)


def _cmd_hparams(args: argparse.Namespace) -> None:
    preset = get_preset(args.law)
    if not preset.has("lr"):
        raise UsageError(
            f"--law: {preset.name!r} gives no hyperparameters; laws that do: {', '.join(preset_names('lr'))}"
        )
    C = args.C
    out = preset.hparams(N=args.N, D=args.D, C=C)  # says which of --N, --D, --C the law needs
    payload: dict[str, Any] = {"law": preset.name, "lr": out["lr"], "batch_tokens": out["batch_tokens"]}
    if args.seq_len is not None and out["batch_tokens"] is not None:
        payload["batch_sequences"] = units.tokens_to_sequences(out["batch_tokens"], args.seq_len)
        payload["seq_len"] = args.seq_len
    if "C" in preset.form.variables("lr"):
        payload["C"] = C if C is not None else 6 * args.N * args.D
    payload["warnings"] = _range_warnings(preset, N=args.N, D=args.D, C=payload.get("C"))

    def render(d: dict[str, Any]) -> str:
        rows = [("law", f"{preset.title} ({preset.name})")]
        if d["lr"] is None or not math.isfinite(d["lr"]):
            rows.append(("peak LR", "- (outside the rule's domain)"))
        else:
            rows.append(("peak LR", f"{d['lr']:.4g}"))
        if d["batch_tokens"] is not None:
            b = f"{_fmt(d['batch_tokens'])} tokens"
            if "batch_sequences" in d:
                b += f" = {d['batch_sequences']:.4g} sequences of {d['seq_len']:g} tokens"
            rows.append(("batch", b))
        rows.append(("formula", preset.formula_for("lr")))
        return _table(rows) + _warn_lines(d["warnings"])

    _emit(payload, args.json, render)


def _parse_cols(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"--col: {item!r} is not NAME=COLUMN; e.g. --col N='Model Size'")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip().strip("'\"")
    return out


def _limits(items: list[str] | None, flag: str) -> dict[str, float]:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"{flag}: {item!r} is not KEY=VALUE; e.g. {flag} N=1e8 (N, D or C)")
        k, v = item.split("=", 1)
        out[k.strip()] = units.parse_quantity(v.strip(), f"{flag} {k.strip()}")
    return out


def _progress_bar(i: int, n: int) -> None:
    if sys.stderr.isatty():
        print(f"\r  bootstrap {i}/{n}", end="" if i < n else "\n", file=sys.stderr, flush=True)


def _cmd_fit(args: argparse.Namespace) -> None:
    from . import datasets, fit

    form, _ = fit.resolve_law(args.law)
    filters: dict[str, list[str]] = {}
    for col, value in _parse_cols(args.filter).items() if args.filter else ():
        filters.setdefault(col, []).append(value)
    runs = datasets.read_runs(_input(args.file), _parse_cols(args.col), filters=filters)
    runs = runs.select(minimum=_limits(args.min, "--min"), maximum=_limits(args.max, "--max"),
                       drop_highest_loss=args.drop_highest_loss)
    payload: dict[str, Any] = {"law": args.law, "form": form.name, "formula": form.formula}
    fixed, bounds = fit.parse_constraints("; ".join([*(args.fix or []), *(args.bound or [])]))
    options = {"fixed": fixed or None, "bounds": bounds or None}
    dc = None
    if runs.U is not None and form.accepts(form.fit_target, "U"):
        # The data-constrained law: Muennighoff et al.'s two stages (Chinchilla on single-epoch runs, then R_D*, R_N*),
        # with every --fix honoured in both; its bootstrap resamples stage 2.
        if bounds:
            raise UsageError("--bound: not supported by the two-stage data-constrained fit; pin constants with --fix")
        if args.holdout_above_C is not None:
            raise UsageError("--holdout-above-C: not supported by the two-stage data-constrained fit")
        dc = fit.fit_data_constrained(runs, form, fixed=fixed or None, n_boot=args.bootstrap or 0, seed=args.seed)
        res = dc.repeated
        payload["stages"] = dc.to_dict()
        payload["procedure"] = ("two stages: stage 1 skipped (every Chinchilla constant pinned), then R_D* and R_N* "
                                f"from all {dc.n_repeated} runs" if dc.single_epoch is None else
                                f"two stages: Chinchilla constants from the {dc.n_single} single-epoch runs"
                                + (f" (pinned: {', '.join(k for k in fixed if k in dc.single_epoch.fixed)})"
                                   if any(k in dc.single_epoch.fixed for k in fixed) else "")
                                + f", then R_D* and R_N* from all {dc.n_repeated} runs")
    elif args.holdout_above_C is not None:
        ho = fit.heldout_check(runs, args.law, above_C=args.holdout_above_C, **options)
        res = ho.fit
        payload["heldout"] = {"n": ho.n, "median_abs_pct_error": ho.median_abs_pct_error,
                              "max_abs_pct_error": ho.max_abs_pct_error, "presets": ho.presets}
    else:
        res = fit.fit_law(runs, args.law, **options)
    payload.update(n_points=res.n_points, params=res.params, objective=res.objective, status=res.status,
                   message=res.message, condition=res.condition)
    if args.leave_largest_out:
        lo = fit.leave_largest_out(runs, args.law)
        payload["leave_largest_out"] = {"n": lo.n, "N": float(runs.N.max()), **lo.to_dict()}
    if fixed:
        payload["pinned"] = fixed
    if dc is not None:  # every constant of the law: stage 1's and stage 2's
        payload.update(params=dc.params, status=dc.status, message=dc.message, ci=dc.ci or None,
                       profile={k: {"interval": v["interval"], "open": v["open"], "tolerance": v["tolerance"]}
                                for k, v in dc.profile.items()})
        if dc.boot is not None:
            payload["bootstrap"] = {"n": dc.boot.n_resamples, "failed": dc.boot.n_failed, "seed": dc.boot.seed,
                                    "level": dc.boot.level, "resampled": "stage 2 (R_D*, R_N*), stage 1 held"}
    elif args.bootstrap:
        train = runs if args.holdout_above_C is None else runs.subset(runs.C <= args.holdout_above_C)
        import os

        jobs = args.jobs or os.cpu_count() or 1
        bs = fit.bootstrap(train, args.law, n=args.bootstrap, fit=res, seed=args.seed, progress=_progress_bar,
                           n_jobs=jobs if args.bootstrap >= 200 else 1)
        payload["ci"] = bs.ci
        payload["bootstrap"] = {"n": bs.n_resamples, "failed": bs.n_failed, "seed": bs.seed, "level": bs.level}
        checked = fit.with_bootstrap_check(res, bs)
        payload.update(status=checked.status, message=checked.message)
        if args.holdout_above_C is not None:  # how often the held-out runs fall inside their 95% prediction interval
            test = runs.subset(runs.C > args.holdout_above_C)
            cols = {v: (test.C if v == "C" else getattr(test, v)) for v in res.variables}
            pi = fit.prediction_interval(res, bs, **cols)
            inside = (test.loss >= pi["low"]) & (test.loss <= pi["high"])
            payload["heldout"]["interval_coverage"] = float(inside.mean())
    else:
        payload["ci"] = None

    def render(d: dict[str, Any]) -> str:
        n_used = f"{d['n_points']} of {d['n_points'] + d['heldout']['n']} (the rest held out)" if "heldout" in d else str(d["n_points"])
        rows = [("form", f"{form.name}: {form.formula}"), ("runs", f"{n_used} from {args.file}"),
                ("status", f"{d['status']} ({d['message']})"), ("objective", f"{d['objective']:.6g} (sum of Huber losses, delta 1e-3)"),
                ("condition", f"{d['condition']:.3g} (of the fit's Gauss-Newton matrix; above 1e10: not identified)")]
        if "procedure" in d:
            rows.insert(2, ("procedure", d["procedure"]))
        pinned = d.get("pinned", {})
        for k, v in pinned.items():
            rows.append((k, f"{v:.6g}   (pinned)"))
        for k, v in d["params"].items():
            if k in pinned:
                continue
            ci = f"   95% CI [{d['ci'][k][0]:.4g}, {d['ci'][k][1]:.4g}]" if (d.get("ci") or {}).get(k) else ""
            prof = (d.get("profile") or {}).get(k)
            if prof:
                lo, hi = prof["interval"]
                ci += (f"   objective within {100 * prof['tolerance']:.2g}% of its best for {lo:.3g} ... {hi:.3g}"
                       + (" (end of grid)" if prof["open"] else ""))
            rows.append((k, f"{v:.6g}{ci}"))
        if "leave_largest_out" in d:
            g = d["leave_largest_out"]
            rows.append(("largest left out", f"{g['n']} runs of N = {_fmt(g['N'])}: median |error| "
                                             f"{g['median_abs_pct_error']:.2f}%, max {g['max_abs_pct_error']:.2f}% "
                                             f"(fit on the {g['n_train']} smaller runs)"))
        if "heldout" in d:
            h = d["heldout"]
            rows.append(("held out", f"{h['n']} runs above C = {args.holdout_above_C:g} FLOP: median |error| "
                                     f"{h['median_abs_pct_error']:.2f}%, max {h['max_abs_pct_error']:.2f}%"))
            if "interval_coverage" in h:
                rows.append(("  coverage", f"{100 * h['interval_coverage']:.0f}% of them inside their 95% prediction "
                                           "interval (bootstrap constants x resampled residuals)"))
            rows.append(("published laws", "on the same held-out runs (each in its own N convention and data set)"))
            for name, e in h["presets"].items():
                mark = "  (in sample: fitted on these runs)" if e.get("in_sample") else ""
                rows.append((f"  {name}", f"median {e['median_abs_pct_error']:.2f}%, max {e['max_abs_pct_error']:.2f}%{mark}"))
        return _table(rows)

    _emit(payload, args.json, render)


def _cmd_fit_batch(args: argparse.Namespace) -> None:
    from . import datasets, fit

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


def _cmd_dashboard(args: argparse.Namespace) -> None:
    """Hand over to :mod:`scalingviz.ui.launch` in a process of its own (the core never imports the UI)."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("voila") is None or importlib.util.find_spec("ipywidgets") is None:
        raise UsageError('the dashboard needs the ui extra: pip install -e ".[ui]"')
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port: {args.port} is out of range; expected 1 to 65535")
    if not 1 <= args.max_pages <= 1000:
        raise UsageError(f"--max-pages: {args.max_pages} is out of range; expected 1 to 1000")
    argv = [sys.executable, "-m", "scalingviz.ui.launch", f"--port={args.port}", f"--max-pages={args.max_pages}"]
    argv += ["--no-browser"] * args.no_browser + ["--configure-jupyter"] * args.configure_jupyter
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, argv)  # signals reach the launcher directly
    raise SystemExit(subprocess.call(argv))


def _cmd_plan(args: argparse.Namespace) -> None:
    from .plan import TrainingPlan, check

    laws = tuple(x.strip() for x in args.laws.split(",")) if args.laws else None
    plan = TrainingPlan(
        N=args.N, D=args.D, steps=args.steps, batch_tokens=args.batch_tokens, batch_sequences=args.batch_sequences,
        seq_len=args.seq_len, lr=args.lr, N_convention=args.n_convention, N_embedding=args.n_embedding,
        n_layer=args.n_layer, d_model=args.d_model, n_vocab=args.n_vocab, n_gpus=args.gpus,
        gpu=None if args.peak_flops else args.gpu, peak_flops=args.peak_flops, mfu=args.mfu,
        price_per_gpu_hour=args.price, laws=laws, inference_tokens=args.inference_tokens,
        inference_mfu=args.inference_mfu, inference_price_per_gpu_hour=args.inference_price,
        unique_tokens=args.unique_tokens, active_params=args.active_params, experts=args.experts, top_k=args.top_k,
        expert_params=args.expert_params, schedule=args.schedule, cooldown=args.cooldown,
    )
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


def _cmd_fit_isoflop(args: argparse.Namespace) -> None:
    from . import datasets, fit

    cols = _parse_cols(args.col)
    raw = datasets.read_table(_input(args.file))
    name = {k: cols.get(k, k) for k in ("C", "N", "D", "loss")}
    missing = [k for k in ("C", "loss") if name[k] not in raw]
    if name["N"] not in raw and name["D"] not in raw:
        missing.append("N or D")
    if missing:
        raise UsageError(f"{args.file}: missing {', '.join(missing)}; columns are {', '.join(map(repr, raw))}; "
                         "map yours with --col C=... --col N=... (or --col D=...) --col loss=...")
    if args.budget_col is not None and args.budget_col not in raw:
        raise UsageError(f"--budget-col: {args.budget_col!r} is not a column of {args.file}; columns are "
                         f"{', '.join(map(repr, raw))}")
    C = datasets._check_numeric(name["C"], raw[name["C"]])
    loss = datasets._check_numeric(name["loss"], raw[name["loss"]])
    D = datasets._check_numeric(name["D"], raw[name["D"]]) if name["D"] in raw else None
    N = datasets._check_numeric(name["N"], raw[name["N"]]) if name["N"] in raw else C / (6 * D)
    res = fit.fit_isoflop(C, N, loss, D=D, budget=None if args.budget_col is None else raw[args.budget_col],
                          method=args.method, tolerance=args.tolerance, skip_small=args.skip_small_budgets,
                          drop_outliers=args.drop_outliers, drop_unbracketed=args.drop_unbracketed)
    payload = res.to_dict()
    payload["N_from"] = "column" if name["N"] in raw else "N = C/(6D)"

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
    from . import datasets, fit

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


# -- loss curves under learning-rate schedules ------------------------------------------------


def _curve_law(name: str | None) -> Preset:
    # User-facing default: the 100M Multi-Power Law, the middle of the three published sizes.
    law = get_preset(name or "luo2025-100m")
    if not law.has("curve"):
        raise UsageError(f"--law: {law.name!r} has no loss curve under a schedule; laws that do: "
                         f"{', '.join(preset_names('curve'))}")
    return law


def _schedule_from_args(args: argparse.Namespace, law: Preset):
    """A Schedule from the --schedule flags, defaults from the law's own setup (its fitted schedule)."""
    from .schedules import Schedule

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


def _input(path: str):
    """A file argument: a path, or a data set's file as ``NAME/FILE`` (``scalingviz data list``)."""
    from . import catalog

    return catalog.input_file(path)


def _read_curve(path: str, warmup: int | None = None, need_loss: bool = True, lr: Any = None) -> dict[str, Any]:
    """A curve file's columns (:func:`scalingviz.datasets.read_curve`); ``lr`` (a per-step schedule from
    --schedule) stands in for a missing lr column."""
    from . import datasets

    try:
        out = datasets.read_curve(_input(path), need_loss=need_loss, lr=lr)
    except InputError as exc:
        raise UsageError(f"{path}: {exc}") from None
    out["warmup"] = warmup
    return out


def _fractions(flag: str, text: str) -> tuple[float, ...]:
    """Comma-separated fractions in (0, 1), e.g. ``0.1,0.2``."""
    out = []
    for part in text.split(","):
        try:
            v = float(part)
        except ValueError:
            raise UsageError(f"{flag}: {part.strip()!r} is not a number; expected fractions in (0, 1) separated by "
                             "commas, e.g. 0.1,0.2") from None
        if not 0 < v < 1:
            raise UsageError(f"{flag}: {part.strip()!r} is out of range; expected fractions in (0, 1), e.g. 0.1,0.2")
        out.append(v)
    return tuple(out)


def _factor(flag: str, low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number; expected {low:g} to {high:g}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range; expected {low:g} to {high:g}")
        return v

    parse.__name__ = flag
    return parse


def _count(flag: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = float(units.parse_quantity(text, flag))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected {low:,} to {high:,}") from None
        if v != int(v) or not low <= v <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is out of range; expected a whole number from {low:,} to {high:,}")
        return int(v)

    parse.__name__ = flag
    return parse


def _iv(interval: Sequence[float], fmt: str = ".4f") -> str:
    """An interval as text: ``[low, high]``."""
    return f"[{interval[0]:{fmt}}, {interval[1]:{fmt}}]"


def _cmd_curve(args: argparse.Namespace) -> None:
    from .schedules import from_log

    law = _curve_law(args.law)
    if args.lr_csv:
        if args.schedule:
            raise UsageError("give the schedule once: --schedule with its flags, or --lr-csv FILE, not both")
        from .schedules import unlogged_assumption

        log = _read_curve(args.lr_csv, need_loss=False)
        step = log["step"].astype(int)
        lr = from_log(step, log["lr"], warmup=args.warmup)
        schedule, query = {"from": args.lr_csv, "rows": int(step.size)}, step
        assumed = unlogged_assumption(int(step[0]), float(log["lr"][0]), args.warmup)
        if assumed:
            schedule["assumed"] = assumed
    else:
        if not args.schedule:
            from .schedules import KINDS

            raise UsageError(f"give a schedule: --schedule {{{','.join(KINDS)}}} --steps T, or --lr-csv FILE")
        sched = _schedule_from_args(args, law)
        lr = sched.lrs()
        every = args.every or max(1, sched.steps // 200)
        if every < 1:
            raise UsageError(f"--every: {args.every} is out of range; expected a whole number of steps >= 1")
        query = np.unique(np.r_[np.arange(every, sched.steps, every), sched.steps - 1])
        schedule = {**sched.to_dict(), "describe": sched.describe()}
    query = query[query >= 1]
    loss = np.asarray(law.curve(query, lr), dtype=float)
    from .calibration import difference_interval, final_loss_interval, schedule_calibration

    final = float(loss[-1])
    payload = {"law": law.name, "schedule": schedule, "step": query.tolist(), "lr": lr[query].tolist(),
               "loss": loss.tolist(), "final_loss": final, "final_loss_interval": final_loss_interval(final),
               "warnings": _range_warnings(law, S=float(query[-1]))}
    if args.compare:
        if args.lr_csv:
            raise UsageError("--compare: compares schedules given with --schedule, not a logged --lr-csv")
        compare = []
        for kind in args.compare:
            other = _schedule_from_args(argparse.Namespace(**{**vars(args), "schedule": kind}), law)
            other_final = float(law.curve(other.steps - 1, other.lrs()))
            diff = final - other_final
            compare.append({"schedule": other.describe(), "final_loss": other_final,
                            "final_loss_interval": final_loss_interval(other_final), "difference": diff,
                            "difference_interval": difference_interval(diff)})
        payload["compare"] = compare
    payload["interval_basis"] = schedule_calibration()["text"]

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
    from . import fit

    form = args.form
    lr = None
    if args.schedule:  # one schedule for files without an lr column
        from .schedules import Schedule

        if args.steps is None:
            raise UsageError("--steps: missing; --schedule needs the run's total optimizer steps")
        lr = Schedule(args.schedule, steps=args.steps, peak_lr=args.peak_lr or 3e-4, warmup=args.warmup or 0,
                      floor=args.floor, cooldown=args.cooldown, decay_shape=args.decay_shape, switch=args.switch,
                      lr2=args.lr2).lrs()
    curves = {f: _read_curve(f, args.warmup, lr=lr) for f in args.files}
    res = fit.fit_curve(curves, form, weight=args.weight)
    preds = res.score({f: _read_curve(f, args.warmup, lr=lr) for f in args.predict or []})
    from .calibration import schedule_calibration

    payload = {"form": res.form, "formula": res.law_form.formula, "params": res.params, "status": res.status,
               "message": res.message, "objective": res.objective, "weight": res.weight, "intervals": res.intervals,
               "fit": res.fit, "predictions": preds, "interval_basis": schedule_calibration()["text"]}

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
    from .advice import schedule_advice

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


# -- parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="scalingviz", description="See, check and use the scaling laws of language-model training. "
                "Counts accept 7B, 1.4T or 2e19; C is in FLOP; batch sizes are in tokens; bad input exits with "
                "status 2 and one line naming the flag, the value and the valid range.")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    sub.required = True

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--json", action="store_true", help="print one JSON object")
        sp.add_argument("--plugin", action="append", metavar="FILE.py|MODULE",
                        help="run FILE.py (or import MODULE, installed on the Python path) to register your own "
                             "laws first; a plugin is code and runs; repeatable")

    sp = sub.add_parser("dashboard", help="serve the Voila dashboard")
    sp.add_argument("--port", type=int, default=8866, help="port (default 8866); fails rather than moving if busy")
    sp.add_argument("--no-browser", action="store_true", help="do not open a browser")
    sp.add_argument("--max-pages", type=int, default=16,
                    help="most pages open at once, 1 to 1000 (default 16; each holds a kernel of about 200 MB); "
                         "one more gets a page saying so")
    sp.add_argument("--configure-jupyter", action="store_true",
                    help="instead of serving: prepare the dashboard's assets in this environment and configure its "
                         "Jupyter server so that /voila/render/notebooks/dashboard.ipynb serves the page as this "
                         "command does (binder/postBuild runs it)")
    sp.set_defaults(func=_cmd_dashboard)

    sp = sub.add_parser("data", help="the real data sets: list them, fetch the ones not shipped")
    dsub = sp.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    dp = dsub.add_parser("list", help="every data set: what it is, licence, size, shipped / cached / not fetched")
    common(dp)
    dp.set_defaults(func=_cmd_data_list)
    dp = dsub.add_parser("fetch", help="download data sets from their pinned origin into the cache (sha256-checked)")
    dp.add_argument("names", nargs="*", metavar="NAME", help="data set names (see `scalingviz data list`)")
    dp.add_argument("--all", action="store_true", help="every data set")
    dp.add_argument("--timeout", type=_factor("--timeout", 0.1, 3600.0), default=30.0,
                    help="seconds per request, 0.1 to 3600 (default 30)")
    dp.add_argument("--deadline", type=_factor("--deadline", 0.1, 86400.0), default=600.0,
                    help="seconds for each data set's whole download, 0.1 to 86400 (default 600)")
    common(dp)
    dp.set_defaults(func=_cmd_data_fetch)
    dp = dsub.add_parser("path", help="where a data set's files are on this machine (fetched first if needed); "
                                      "any command that reads a file also takes NAME/FILE")
    dp.add_argument("ref", metavar="NAME[/FILE]", help="a data set, or one of its files (see `scalingviz data list`)")
    dp.add_argument("--timeout", type=_factor("--timeout", 0.1, 3600.0), default=30.0,
                    help="seconds per request, 0.1 to 3600 (default 30)")
    common(dp)
    dp.set_defaults(func=_cmd_data_path)

    sp = sub.add_parser("presets", help="list the published laws with citations")
    common(sp)
    sp.set_defaults(func=_cmd_presets)

    sp = sub.add_parser("predict", help="predicted loss of N parameters on D tokens (or S steps at batch B)")
    # User-facing default: Kaplan et al. 2020, the law with the most capabilities.
    sp.add_argument("--law", type=_law_name, default="kaplan2020", help="preset name (default kaplan2020)")
    sp.add_argument("--N", type=_positive("--N", "a parameter count"), required=True, help="parameters, e.g. 7B")
    sp.add_argument("--D", type=_positive("--D", "a token count"), help="training tokens, e.g. 1.4T")
    sp.add_argument("--S", type=_positive("--S", "a step count"), help="optimizer steps")
    sp.add_argument("--B", type=_positive("--B", "a batch size in tokens"), help="batch size [tokens]")
    sp.add_argument("--batch-sequences", type=_positive("--batch-sequences", "a batch size in sequences"),
                    help="batch size [sequences], with --seq-len (instead of --B in tokens)")
    sp.add_argument("--seq-len", type=_positive("--seq-len", "a sequence length in tokens"),
                    help="sequence length [tokens], to convert --batch-sequences to tokens")
    sp.add_argument("--U", type=_positive("--U", "a unique-token count"), help="unique tokens (laws with repeated data)")
    common(sp)
    sp.set_defaults(func=_cmd_predict)

    sp = sub.add_parser("optimal", help="compute-optimal N and D (and B, S) for a compute budget")
    # User-facing default: Chinchilla, the law most plans are checked against.
    sp.add_argument("--law", type=_law_name, default="hoffmann2022", help="preset name (default hoffmann2022)")
    sp.add_argument("--C", type=_positive("--C", "a compute budget"), required=True, help="compute [FLOP], e.g. 5.76e23")
    sp.add_argument("--pf-days", action="store_true", help="read --C in PF-days (1 PF-day = 8.64e19 FLOP)")
    sp.add_argument("--method", help="how to compute it, where a law has several ways (kaplan2020: table6, the "
                                      "default, or appendix_b; any loss law: numerical)")
    sp.add_argument("--U", type=_positive("--U", "a unique-token count"), help="unique tokens (laws with repeated data)")
    common(sp)
    sp.set_defaults(func=_cmd_optimal)

    sp = sub.add_parser("hparams", help="recommended learning rate and batch size")
    # User-facing default: Step Law, the most recent hyperparameter law.
    sp.add_argument("--law", type=_law_name, default="li2025", help="a law with a learning-rate rule (default li2025, "
                                                                    "Step Law); see `scalingviz presets`")
    sp.add_argument("--N", type=_positive("--N", "a parameter count"), help="non-embedding parameters")
    sp.add_argument("--D", type=_positive("--D", "a token count"), help="training tokens")
    sp.add_argument("--C", type=_positive("--C", "a compute budget"), help="compute [FLOP] (bi2024)")
    sp.add_argument("--seq-len", type=_positive("--seq-len", "a sequence length in tokens"), help="also give the batch in sequences")
    common(sp)
    sp.set_defaults(func=_cmd_hparams)

    sp = sub.add_parser("fit", help="fit a law to your runs (CSV) with bootstrap CIs and a held-out check")
    sp.add_argument("file", help="CSV, TSV, JSON Lines or Parquet with columns N, loss and D (tokens) or C (FLOP)")
    # User-facing default: Chinchilla's form, as Hoffmann et al. and Epoch fit it.
    sp.add_argument("--law", default="hoffmann2022",
                    help="form by the preset that uses it: hoffmann2022 (Chinchilla), kaplan2020 (L(N,D)), su2024 (L(N,S)), "
                         "or power_N, power_offset_N, ...")
    sp.add_argument("--col", action="append", metavar="NAME=COLUMN", help="map a schema column, e.g. --col N='Model Size'")
    sp.add_argument("--bootstrap", type=_count("--bootstrap", 0, 100_000), default=0, metavar="K",
                    help="bootstrap resamples for 95%% CIs, 0 (none) to 100,000")
    sp.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    sp.add_argument("--jobs", type=int, default=0, help="worker processes for the bootstrap (default: all cores)")
    sp.add_argument("--holdout-above-C", type=_positive("--holdout-above-C", "a compute threshold"), metavar="X",
                    help="fit runs with 6ND <= X FLOP, report errors on the rest")
    sp.add_argument("--filter", action="append", metavar="COLUMN=VALUE",
                    help="keep rows whose column equals VALUE (as text); repeatable, values of one column are OR-ed")
    sp.add_argument("--min", action="append", metavar="KEY=VALUE", help="keep runs with N, D or C >= VALUE")
    sp.add_argument("--max", action="append", metavar="KEY=VALUE", help="keep runs with N, D or C <= VALUE")
    sp.add_argument("--fix", action="append", metavar="NAME=VALUE", help="pin a constant, e.g. --fix E=1.8; repeatable")
    sp.add_argument("--bound", action="append", metavar="NAME>=LOW|NAME<=HIGH",
                    help="bound any constant, e.g. --bound 'E>=1.5'; repeatable")
    sp.add_argument("--leave-largest-out", action="store_true",
                    help="also fit without the largest model and report the errors on it (a rollout score)")
    sp.add_argument("--drop-highest-loss", type=int, default=0, metavar="K",
                    help="drop the K highest-loss runs (Besiroglu et al. drop Epoch's 5)")
    common(sp)
    sp.set_defaults(func=_cmd_fit)

    sp = sub.add_parser("fit-isoflop", help="Chinchilla's Approach 2: N* and D* per compute budget, then power laws in C")
    sp.add_argument("file", help="CSV/TSV with compute C [FLOP], N [params] and/or D [tokens], and loss per run")
    sp.add_argument("--col", action="append", metavar="NAME=COLUMN", help="map a column, e.g. --col C=flops")
    sp.add_argument("--budget-col", metavar="NAME", help="a column of budget labels (default: group C within --tolerance)")
    sp.add_argument("--method", choices=["quadratic", "parabola", "akima"], default="parabola",
                    help="quadratic: a parabola over each whole curve (Hoffmann, Meta); parabola: local; akima: Porian")
    sp.add_argument("--tolerance", type=float, default=0.05, help="FLOP counts within this fraction form a budget (0.05)")
    sp.add_argument("--skip-small-budgets", action="store_true", help="list budgets of fewer than 3 runs as unused")
    sp.add_argument("--drop-outliers", action="store_true",
                    help="leave out runs that break their budget's valley (> 5%% above the next run farther out: "
                         "diverged runs); they are flagged either way")
    sp.add_argument("--drop-unbracketed", action="store_true",
                    help="leave out budgets whose fitted minimum lies outside the N they sampled (flagged either way)")
    common(sp)
    sp.set_defaults(func=_cmd_fit_isoflop)

    sp = sub.add_parser("fit-hparams", help="Step Law's procedure: optimal LR(N, D) and batch(D) from an LR x batch grid")
    sp.add_argument("file", help="CSV/TSV with N, D, lr, B and loss per run")
    sp.add_argument("--col", action="append", metavar="NAME=COLUMN", help="map a column, e.g. --col B=bs")
    sp.add_argument("--batch-in", choices=["tokens", "sequences"], default="tokens", help="unit of the B column")
    sp.add_argument("--seq-len", type=_positive("--seq-len", "a sequence length"), help="tokens per sequence")
    sp.add_argument("--threshold", type=_factor("--threshold", 0.0, 0.5), default=0.0025,
                    help="keep runs within this fraction of their cell's best loss, 0 to 0.5 (0.0025)")
    sp.add_argument("--bootstrap", type=_count("--bootstrap", 0, 100_000), default=1000,
                    help="bootstrap resamples for the CIs, 0 (none) to 100,000 (1000)")
    sp.add_argument("--compare", type=_law_name, help="a published law to compare with (default li2025)")
    common(sp)
    sp.set_defaults(func=_cmd_fit_hparams)

    sp = sub.add_parser("fit-batch", help="critical batch size from (target loss, batch, steps-to-target) rows")
    sp.add_argument("file", help="CSV with columns loss (target), B [tokens] and S (steps to reach the target)")
    sp.add_argument("--col", action="append", metavar="NAME=COLUMN", help="map a column, e.g. --col B=batch_size_tokens")
    common(sp)
    sp.set_defaults(func=_cmd_fit_batch)

    sp = sub.add_parser("plan", help="sanity-check a training plan: loss, allocation, batch, LR, time, cost")
    sp.add_argument("--N", required=True, help="parameters, e.g. 7B")
    sp.add_argument("--D", help="training tokens, e.g. 1.4T (or give --steps with a batch)")
    sp.add_argument("--steps", help="optimizer steps")
    sp.add_argument("--batch-tokens", help="batch size [tokens], e.g. 4M")
    sp.add_argument("--batch-sequences", help="batch size [sequences] (with --seq-len)")
    sp.add_argument("--seq-len", help="sequence length [tokens]")
    sp.add_argument("--lr", help="peak learning rate")
    sp.add_argument("--n-convention", default="total", choices=["total", "non-embedding"], help="how --N counts (default total)")
    sp.add_argument("--n-embedding", help="embedding parameters, to convert between conventions")
    sp.add_argument("--n-layer", help="layers (shape, for exact FLOP)")
    sp.add_argument("--d-model", help="width (shape)")
    sp.add_argument("--n-vocab", help="vocabulary size (shape)")
    sp.add_argument("--gpus", default="1", help="number of GPUs (default 1)")
    sp.add_argument("--gpu", default="H100", help="GPU type: " + ", ".join(__import__("scalingviz.compute", fromlist=["GPUS"]).GPUS))
    sp.add_argument("--peak-flops", help="peak dense FLOP/s per GPU (instead of --gpu)")
    sp.add_argument("--mfu", default="0.4", help="model FLOP utilisation in (0, 1] (default 0.4)")
    sp.add_argument("--price", help="price per GPU-hour")
    sp.add_argument("--laws", help="comma-separated presets (default: all that apply)")
    g = sp.add_argument_group("inference demand (Sardana et al. 2024)")
    g.add_argument("--inference-tokens", help="tokens the model will process at inference over its life, e.g. 10T")
    g.add_argument("--inference-mfu", help="MFU at inference (default: --mfu)")
    g.add_argument("--inference-price", help="price per GPU-hour at inference (default: --price)")
    g = sp.add_argument_group("data and experts")
    g.add_argument("--unique-tokens", help="unique tokens available; fewer than D means repeated data (Muennighoff et al.)")
    g.add_argument("--active-params", help="mixture of experts: parameters active per token, in --N's convention")
    g.add_argument("--experts", help="mixture of experts: number of experts (with --top-k and --expert-params)")
    g.add_argument("--top-k", help="mixture of experts: experts per token")
    g.add_argument("--expert-params", help="mixture of experts: one expert's parameters summed over its layers")
    g = sp.add_argument_group("learning-rate schedule (Luo et al. 2025)")
    g.add_argument("--schedule", help="schedule kind: " + ", ".join(__import__("scalingviz.schedules", fromlist=["KINDS"]).KINDS))
    g.add_argument("--cooldown", help="wsd: fraction of the steps spent decaying, e.g. 0.2")
    common(sp)
    sp.set_defaults(func=_cmd_plan)
    def schedule_flags(sp: argparse.ArgumentParser, with_kind: bool = True) -> None:
        from .schedules import DECAY_SHAPES, KINDS

        if with_kind:
            sp.add_argument("--schedule", choices=KINDS, help="schedule kind")
        sp.add_argument("--steps", type=_positive("--steps", "a number of steps"), help="total optimizer steps")
        sp.add_argument("--peak-lr", type=_positive("--peak-lr", "a learning rate"),
                        help="peak learning rate (default: the law's setup)")
        sp.add_argument("--warmup", type=int, help="linear warmup steps from 0 (default: the law's setup; for a "
                                                   "logged schedule: none, the first logged rate from step 0)")
        sp.add_argument("--floor", type=_positive("--floor", "a learning rate"), help="final learning rate")
        sp.add_argument("--cooldown", type=float, default=0.2, help="wsd: fraction of steps spent decaying (0.2)")
        sp.add_argument("--decay-shape", choices=DECAY_SHAPES, default="linear", help="wsd: cooldown shape")
        sp.add_argument("--switch", type=_positive("--switch", "a step"), help="two-stage: step of the drop")
        sp.add_argument("--lr2", type=_positive("--lr2", "a learning rate"), help="two-stage: second learning rate")

    sp = sub.add_parser("curve", help="the loss curve of a run under a learning-rate schedule")
    sp.add_argument("--law", help="a law with a loss curve (default luo2025-100m)")
    schedule_flags(sp)
    sp.add_argument("--lr-csv", metavar="FILE", help="a logged schedule (columns step, lr) instead of --schedule")
    sp.add_argument("--every", type=int, help="report every K steps (default: about 200 points)")
    from .schedules import KINDS

    sp.add_argument("--compare", nargs="+", metavar="KIND", choices=KINDS,
                    help="also the final loss of these schedule kinds at the same steps, with each difference and "
                         "its interval")
    common(sp)
    sp.set_defaults(func=_cmd_curve)

    sp = sub.add_parser("fit-curve", help="fit a curve law to loss curves (CSV: step, lr, loss) and predict others")
    sp.add_argument("files", nargs="+", help="curves to fit, each a CSV with columns step, lr, loss")
    sp.add_argument("--form", default="luo2025", help="a curve form (default luo2025, the Multi-Power Law)")
    schedule_flags(sp)  # --warmup: steps of warmup before the first logged step (default: from step 0)
    sp.add_argument("--predict", nargs="+", metavar="FILE", help="curves to predict with the fit and score")
    sp.add_argument("--weight", choices=["uniform", "final"], default="uniform",
                    help="final: the last 20%% of each curve's logged steps count 10x (the end of the run, where "
                         "schedule advice is read)")
    common(sp)
    sp.set_defaults(func=_cmd_fit_curve)

    sp = sub.add_parser("schedule-advice", help="WSD or cosine, how long a cooldown, and the optimised schedule")
    sp.add_argument("--law", help="a law with a loss curve (default luo2025-100m)")
    schedule_flags(sp, with_kind=False)
    sp.add_argument("--cooldowns", help="comma-separated WSD cooldown fractions to compare (default 0.1,0.2,0.3)")
    sp.add_argument("--extend", type=_factor("--extend", 1.0, 100.0), default=3.0,
                    help="also a run this many times longer, 1 to 100 (default 3; 1: none)")
    sp.add_argument("--no-optimise", action="store_true", help="skip the optimised schedule (a few seconds)")
    common(sp)
    sp.set_defaults(func=_cmd_schedule_advice)
    return p


#: Commands that use no law: installed plugins (entry points) are not imported for them.
NO_LAW_COMMANDS = frozenset({"data", "dashboard", "fit-batch", "fit-isoflop"})


def _import_plugin(spec: str):
    """A ``--plugin``: a path to a ``.py`` file (imported from that file alone, under a private module name,
    so it can shadow nothing), or the name of a module already importable from the Python path. The
    working directory is never added to the path."""
    import importlib
    import importlib.util
    from pathlib import Path

    if not spec.strip():
        raise UsageError("--plugin: '' is empty; give a .py file (--plugin path/to/mylaws.py) or a module name")
    path = Path(spec)
    try:
        if spec.endswith(".py") or "/" in spec or "\\" in spec:
            if not path.is_file():
                raise UsageError(f"--plugin: {spec!r} is not a file; give a .py file such as ./mylaws.py")
            name = f"scalingviz_plugin_{abs(hash(str(path.resolve())))}"
            module_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            module_spec.loader.exec_module(module)
            return module
        return importlib.import_module(spec)
    except UsageError:
        raise
    except ImportError as exc:
        raise UsageError(f"--plugin: cannot import {spec!r} ({exc}); give a .py file (--plugin ./{spec}.py) or a "
                         "module installed on the Python path") from None
    except Exception as exc:  # a plugin is code: its own error, in one line
        raise UsageError(f"--plugin: {spec!r} failed while loading: {type(exc).__name__}: {exc}") from None


def load_plugins(modules: Sequence[str] = (), *, entry_points_too: bool = True) -> list[str]:
    """Register user laws: every entry point of the group ``scalingviz.laws`` (unless
    ``entry_points_too`` is False), then each ``--plugin`` (a ``.py`` file by path, or a module name on
    the Python path). **A plugin is code and runs when loaded**; nothing is read from the working
    directory unless you name a file there.

    An entry point or module may register its presets itself when imported, or be (or return)
    a :class:`~scalingviz.presets.Preset` or a list of them, which are registered here. Returns
    the names of the presets added.
    """
    from importlib.metadata import entry_points

    before = set(PRESETS)

    def take(obj: Any) -> None:
        if callable(obj) and not isinstance(obj, Preset) and not hasattr(obj, "__file__"):
            obj = obj()
        items = obj if isinstance(obj, (list, tuple)) else [obj]
        for item in items:
            if isinstance(item, Preset) and PRESETS.get(item.name) is not item:
                register(item, overwrite=True)  # a published name is refused by register itself

    for ep in entry_points(group="scalingviz.laws") if entry_points_too else ():
        try:
            take(ep.load())
        except Exception as exc:  # a broken plugin must not break the command: say so and go on
            print(f"scalingviz: warning: plugin {ep.name!r} ({ep.value}) failed to load: {exc}", file=sys.stderr)
    for name in modules:
        module = _import_plugin(name)
        take(getattr(module, "LAWS", module))
    return [n for n in PRESETS if n not in before]


def _command(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def _plugin_args(argv: Sequence[str]) -> list[str]:
    out, it = [], iter(argv)
    for a in it:
        if a == "--plugin":
            out.append(next(it, ""))
        elif a.startswith("--plugin="):
            out.append(a.split("=", 1)[1])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input, 1 a fit that failed).

    Bad input (:class:`~scalingviz.errors.InputError`, including argparse's) exits 2 with one line;
    any other exception is a bug in scalingviz and is raised with its traceback.
    """
    from .fit import FitError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        load_plugins(_plugin_args(argv), entry_points_too=_command(argv) not in NO_LAW_COMMANDS)
        parser = build_parser()
        args = parser.parse_args(argv)
        args.func(args)
    except InputError as exc:
        print(f"scalingviz: error: {exc}", file=sys.stderr)
        return 2
    except FitError as exc:  # a fit that fails says why, in one line
        print(f"scalingviz: fit failed: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
