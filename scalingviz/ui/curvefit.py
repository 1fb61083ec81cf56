"""The Fit tab's curve mode: a (step, lr, loss) log of one run, fitted with a curve law.

A loaded table with ``step``, ``lr`` and ``loss`` columns is a loss curve. :class:`CurveFitView`
fits it with :func:`scalingviz.fit.fit_curve`, draws the fit over the data with the residuals
beneath, answers the schedule what-ifs with the fitted law, and turns the fit into a law for the
Explorer's schedule section.
"""

from __future__ import annotations

import html
import time
from typing import Any

import plotly.graph_objects as go

from .. import advice, datasets, fit
from ..presets import PRESETS
from ..workflows import fit_curves
from . import figures

__all__ = ["CURVE_COLUMNS", "CurveFitView", "curve_choices", "is_curve_table"]

CURVE_COLUMNS = datasets.CURVE_COLUMNS


def is_curve_table(columns: list[str]) -> bool:
    """A table with step, lr and loss columns (any case) is a loss curve."""
    lower = {c.lower() for c in columns}
    return all(c in lower for c in CURVE_COLUMNS)


def curve_choices() -> list[tuple[str, str]]:
    """Curve laws to fit: each registered curve form under its first published preset's title."""
    out, seen = [], set()
    for name, p in PRESETS.items():
        if p.has("curve") and p.form.name not in seen and not p.fitted:
            out.append((f"{p.form.name} form ({p.citation.authors.split(',')[0]} et al. {p.citation.year})", name))
            seen.add(p.form.name)
    return out


class CurveFitView:
    """Fit results of one curve: the constants, the fit over the data with residuals, the what-ifs."""

    def __init__(self):
        self.result: fit.CurveFit | None = None
        self.curve: dict[str, Any] | None = None
        self.setup: dict[str, float] = {}
        self.fig: figures.LiveFigure | None = None

    def fit(self, raw: bytes, name: str, law: str) -> str:
        """Fit and return the results HTML (raises ValueError/FitError with a message on bad input)."""
        t0 = time.perf_counter()
        c = datasets.read_curve(raw)
        self.curve = {"step": c["step"], "lr": c["lr"], "loss": c["loss"]}
        report = fit_curves({name: self.curve}, law)
        self.result, self.setup, self.per_step_lr = report.result, report.setup, report.schedule_lr
        self.elapsed = time.perf_counter() - t0
        return self._render()

    def _render(self) -> str:
        r, s = self.result, self.setup
        m = next(iter(r.fit.values()))
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td><b>{v:.5g}</b></td></tr>" for k, v in r.params.items())
        kind = "good" if r.status == "converged" else "warn"
        color = "#2a7d3f" if kind == "good" else "#9a6100"
        preset = r.to_preset("(this fit)", setup=s)
        try:
            table = advice.compare_schedules(preset, s["steps"], peak_lr=s["peak_lr"], warmup=min(s["warmup"], s["steps"] - 2),
                                             floor=min(s["floor"], s["peak_lr"]), cooldowns=(0.1, 0.2, 0.3))
            whatif = "".join(f"<tr><td>{html.escape(t['schedule'])}</td><td>{t['final_loss']:.4f}</td></tr>"
                             for t in table)
            whatif = (f"<div class='sv-plan-h'>What if, with this fit (same peak LR {s['peak_lr']:g}, warmup "
                      f"{s['warmup']:,}, floor {s['floor']:g})</div><table class='sv-table'><tr><th>schedule</th>"
                      f"<th>final loss</th></tr>{whatif}</table>")
        except ValueError as exc:
            whatif = f"<div class='sv-note'>what-if table not available: {html.escape(str(exc))}</div>"
        return (f"<div class='sv-plan-badges'><span class='sv-badge' style='background:{color}'>{html.escape(r.status)}"
                f"</span><span class='sv-note'>{html.escape(r.form)}: {html.escape(r.law_form.formula)}; "
                f"{r.n_points} points; R^2 {m['r2']:.4f}, mean |error| {100 * m['mean_rel_err']:.3f}%, max "
                f"{100 * m['max_rel_err']:.3f}%; {html.escape(r.message)}; took {self.elapsed:.2f} s</span></div>"
                f"<table class='sv-table'><tr><th>constant</th><th>fit</th></tr>{rows}</table>{whatif}"
                "<div class='sv-note'>Bootstrap intervals and held-out checks are for tables of runs; for curves, "
                "fit several runs with <code>scalingviz fit-curve --predict</code>.</div>")

    def figure(self) -> figures.LiveFigure:
        """The fit over the data (top) and the relative residuals (bottom); updated in place on later fits."""
        from plotly.subplots import make_subplots

        c, r = self.curve, self.result
        step = c["step"].astype(int)
        pred = r.predict(step, self.per_step_lr)
        resid = 100 * (c["loss"] / pred - 1)
        if self.fig is not None:
            with self.fig.batch_update():
                figures.trace(self.fig, "run").update(x=step, y=c["loss"])
                figures.trace(self.fig, "fit").update(x=step, y=pred)
                figures.trace(self.fig, "residual").update(x=step, y=resid)
            return self.fig
        fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.06)
        fig.add_trace(go.Scatter(x=step, y=c["loss"], mode="markers", name="your run", meta="run",
                                 marker=dict(size=6, color=figures.COLORS["D"], opacity=0.8)), row=1, col=1)
        fig.add_trace(go.Scatter(x=step, y=pred, mode="lines", name="fit", meta="fit",
                                 line=dict(color=figures.COLORS["main"], width=1.6)), row=1, col=1)
        fig.add_trace(go.Scatter(x=step, y=resid, mode="markers", name="residual", showlegend=False, meta="residual",
                                 marker=dict(size=4, color=figures.COLORS["accent"])), row=2, col=1)
        fig.update_layout(title=dict(text="Your loss curve and the fit", x=0, font=dict(size=13.5)), height=430,
                          width=640, template="plotly_white", margin=dict(l=64, r=14, t=36, b=44),
                          legend=dict(x=0.99, xanchor="right", y=0.99), uirevision="keep")
        fig.update_yaxes(title_text="loss [nats/token]", row=1, col=1)
        fig.update_yaxes(title_text="observed / fit - 1 [%]", row=2, col=1)
        fig.update_xaxes(title_text="optimizer step", row=2, col=1)
        self.fig = figures.LiveFigure(fig)
        self.fig.add_class("sv-fig-fit-curve")
        return self.fig
