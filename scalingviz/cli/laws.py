"""Commands that ask a published law: presets, predict, optimal, hparams."""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from .. import units
from ..presets import PRESETS, get_preset, preset_names
from .common import (
    _batch_tokens,
    _emit,
    _fmt,
    _range_warnings,
    _table,
    _warn_lines,
)
from .parser import UsageError


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


def _cmd_vocab(args: argparse.Namespace) -> None:
    preset = get_preset(args.law)
    if not preset.has("optimal_vocab"):
        raise UsageError(f"--law: {preset.name!r} gives no optimal vocabulary; laws that do: "
                         f"{', '.join(preset_names('optimal_vocab'))}")
    C = None if args.C is None else (units.pfdays_to_flop(args.C) if args.pf_days else args.C)
    out = preset.optimal_vocab(args.N, args.d, C)
    payload: dict[str, Any] = {"law": preset.name, "N_nv": args.N, "d": args.d,
                               "C_given": C is not None, **{k: float(v) for k, v in out.items()},
                               "N_convention": preset.N_convention, "loss_unit": preset.loss_unit}
    payload["warnings"] = _range_warnings(preset, N=args.N, C=payload["C"])

    def render(d: dict[str, Any]) -> str:
        rows = [
            ("law", f"{preset.title} ({preset.name})"),
            ("N_nv", f"{_fmt(d['N_nv'])} params (non-vocabulary)"),
            ("d", f"{d['d']:.0f} (embedding width)"),
            ("C", units.format_flop(d["C"]) + ("" if d["C_given"] else ", the law's compute-optimal budget for N_nv")),
            ("V_opt", f"{d['V_opt']:,.0f} tokens in the vocabulary"),
            ("N_v", f"{_fmt(d['Nv_opt'])} params (V_opt x d)"),
            ("D", f"{_fmt(d['D'])} tokens (C / 6(N_nv + N_v))"),
            ("loss", f"{d['loss']:.4f} nats/token, unigram-normalised (negative by construction)"),
        ]
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
