"""What the Explorer shows, computed from its settings without a widget: the state the tab renders.

:class:`Settings` is what the sliders say (N already in the law's own count); :func:`predictions`
gives every number the tab shows; :func:`summary_html` and :func:`warnings_html` are its text.
The Explorer (:mod:`.explorer`) reads its controls into :class:`Settings` and draws the results.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import units
from ..presets import DELTA_L_NOISE, PRESETS, Preset
from ..uncertainty import prediction_band

__all__ = ["N_BAND_SAMPLES", "Settings", "band", "fmt", "loss_curve", "predictions", "summary_html", "warnings_html"]

#: Parameter samples behind each uncertainty band.
N_BAND_SAMPLES = 200


@dataclass(frozen=True)
class Settings:
    """The Explorer's settings: ``law``; ``N`` [params, the law's count], ``D`` [tokens], ``B``
    [tokens], ``S`` [steps]; ``batch_law``, the law that gives B_crit (``law`` when it has one)."""

    law: Preset
    N: float
    D: float
    B: float
    S: float
    batch_law: Preset


def fmt(x: float | None, unit: str = "") -> str:
    """A number for the page (HTML), or a dash."""
    if x is None or not np.isfinite(x):
        return "&ndash;"
    return units.format_number(x, unit, 3, html=True)


def loss_curve(law: Preset, N: float, S: Any, B: float) -> Any:
    """The loss after ``S`` steps at batch ``B`` [tokens]: L(N, S, B) where the law has a trajectory,
    else L(N, D = B S)."""
    return law.trajectory(N, S, B) if law.has("trajectory") else law.loss(N, np.asarray(S) * B)


def band(law: Preset, fn) -> dict[str, Any]:
    """The 95% band of ``fn(law)`` over the law's parameter samples (:func:`~scalingviz.uncertainty.prediction_band`)."""
    return prediction_band(law, fn, n=N_BAND_SAMPLES)


def predictions(s: Settings) -> dict[str, Any]:
    """Every number the Explorer shows for settings ``s``: loss (and band), minimum loss, deltaL,
    B_crit, S_min, E_min, C_min, tokens per parameter, the compute-optimal N and D."""
    law, N, D, B, S = s.law, s.N, s.D, s.B, s.S
    C = 6 * N * D
    out: dict[str, Any] = {"law": law.name, "N": N, "D": D, "B": B, "S": S, "C": C}
    if law.has("trajectory"):
        L = float(law.trajectory(N, S, B))
        out.update(loss=L, loss_kind="L(N, S, B) learning curve at batch B", L_min=float(law.min_loss(N)))
    else:
        L = float(law.loss(N, D))
        out.update(loss=L, loss_kind="L(N, D)", L_min=float(law.loss_converged(N)))
    bands = band(law, lambda x: x.trajectory(N, S, B) if law.has("trajectory") else x.loss(N, D))
    if bands["label"] is not None:
        out.update(loss_low=float(bands["low"]), loss_high=float(bands["high"]), band_source=bands["source"])
    if law.has("loss"):
        out["delta_L"] = float(law.delta_L(N, D))
        out["D_for_delta_L"] = float(law.data_for_delta_L(N))
    bl = s.batch_law
    L_b = L if bl is law else float(bl.trajectory(N, S, B))
    t = bl.batch_tradeoff(S, B, L_b)
    out.update(B_crit=float(t["B_crit"]), S_min=float(t["S_min"]), E_min=float(t["E_min"]),
               C_min=float(t["E_min"]) * 6 * N, batch_law=bl.name, loss_for_batch=L_b)
    out["tokens_per_param"] = D / N
    if law.has("optimal"):
        o = law.compute_optimal(C)
        out.update(N_opt=float(o["N_opt"]), D_opt=float(o["D_opt"]), opt_method=o["method"])
    return out


def warnings_html(law: Preset, p: dict[str, Any]) -> str:
    """One line per input outside the law's fitted range."""
    warns = [html.escape(text) + ": extrapolation"
             for _k, _f, text in law.fitted_range.describe(law.title, N=p["N"], D=p["D"], C=p["C"])]
    return "".join(f'<div class="sv-warn">&#9888; {m}</div>' for m in warns)


def summary_html(law: Preset, p: dict[str, Any], *, conv_note: str = "", seq_len: int | None = None) -> str:
    """The summary table of :func:`predictions`' numbers (the batch also in sequences of ``seq_len``)."""
    band = ""
    if "loss_low" in p:
        band = (f" <span class='sv-band' title='{html.escape(p['band_source'])}'>[{p['loss_low']:.3f}, "
                f"{p['loss_high']:.3f}]</span>")
    rows = [
        ("Predicted loss", f"<b>{p['loss']:.4f}</b>&nbsp;nats/token{band}", f"{p['loss_kind']}; "
         f"{units.nats_to_bits(p['loss']):.4f} bits/token"),
        ("Minimum loss L(N)", f"{p['L_min']:.4f}", "S &rarr; &infin; (or D &rarr; &infin;)"),
    ]
    if "delta_L" in p:
        noise = DELTA_L_NOISE.value
        flag = " class='sv-bad'" if p["delta_L"] > noise else ""
        rows.append(("Overfitting &delta;L", f"<span{flag}>{100 * p['delta_L']:.2f}%</span>",
                     f"{100 * noise:g}% needs D &ge; {fmt(p['D_for_delta_L'], 'tokens')}"))
    bb = "" if p["batch_law"] == law.name else f" ({html.escape(PRESETS[p['batch_law']].title)})"
    rows += [
        ("B_crit at this loss" + bb, fmt(p["B_crit"], "tokens"), f"your B = {fmt(p['B'], 'tokens')}"
         + (f" = {p['B'] / seq_len:.4g} seq. of {seq_len}" if seq_len else "")),
        ("S_min, E_min", f"{fmt(p['S_min'], 'steps')}, {fmt(p['E_min'], 'tokens')}",
         f"S/S_min = {p['S'] / p['S_min']:.3g}, E/E_min = {p['S'] * p['B'] / p['E_min']:.3g}"),
        ("C, C_min", f"{p['C']:.3g}, {p['C_min']:.3g} FLOP", f"{units.flop_to_pfdays(p['C']):.3g} PF-days (6ND)"),
        ("Tokens per parameter", f"{p['tokens_per_param']:.3g}", conv_note),
    ]
    if "N_opt" in p:
        rows.append(("Optimal N, D for this C", f"{fmt(p['N_opt'])}, {fmt(p['D_opt'], 'tokens')}",
                     html.escape(p["opt_method"])))
    body = "".join(f"<tr><td>{a}</td><td>{b}</td><td class='sv-note'>{c}</td></tr>" for a, b, c in rows)
    return (
        f"<div class='sv-summary-box'><div class='sv-summary-title'>{html.escape(law.title)}"
        f"{' &mdash; <i>constants modified</i>' if law.modified else ''}</div>"
        f"<table class='sv-table'>{body}</table>"
        f"<div class='sv-note'>N: {html.escape(law.N_convention)}; loss: {html.escape(law.loss_unit)}. "
        f"{html.escape(str(law.citation))}</div></div>"
    )
