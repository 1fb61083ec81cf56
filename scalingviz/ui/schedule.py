"""The Schedule panel: a learning-rate schedule in, the loss curve under it out, live.

One class with private controls and one figure: the predicted loss under your schedule, the same
run under cosine and under a constant rate for contrast, and the learning rates drawn beneath on
the same step axis. Every law with the ``curve`` capability is offered (Luo et al.'s Multi-Power Law
and any fitted one). The Explorer builds the panel when its section is first opened.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from .. import units
from ..advice import best_cooldown
from ..calibration import difference_interval, final_loss_interval, schedule_calibration
from ..presets import get_preset, preset_names
from ..schedules import DECAY_SHAPES, KINDS, Schedule
from ..workflows import schedule_curves
from . import figures
from .controls import QuantityControl, error_html, law_options

__all__ = ["SCHEDULE_TRACES", "SchedulePanel", "schedule_figure"]

SCHEDULE_TRACES = ("loss", "loss_cosine", "loss_constant", "lr", "lr_cosine", "lr_constant")
#: Points per curve drawn (the law is evaluated at these steps).
N_POINTS = 300
FIG_WIDTH = 820


def schedule_figure() -> go.Figure:
    """Loss (top) and learning rate (bottom) against optimizer steps, on one shared step axis."""
    from plotly.subplots import make_subplots

    c = figures.COLORS
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.06)
    for name, color, dash, width in (("your schedule", c["main"], None, 2.5), ("cosine, same steps", c["D"], "dash", 1.8),
                                     ("constant, same steps", c["grey"], "dot", 1.8)):
        fig.add_trace(figures.line(name, color, dash=dash, width=width, legendgroup=name), row=1, col=1)
    for name, color, dash in (("your schedule", c["main"], None), ("cosine, same steps", c["D"], "dash"),
                              ("constant, same steps", c["grey"], "dot")):
        fig.add_trace(figures.line(name, color, dash=dash, width=1.8, showlegend=False, legendgroup=name), row=2, col=1)
    base = figures.layout("Loss under your schedule", "", "loss [nats/token]", xlog=False, height=470, width=FIG_WIDTH)
    fig.update_layout(title=base["title"], template=base["template"], height=base["height"], width=FIG_WIDTH,
                      margin=dict(l=64, r=14, t=36, b=44), font=base["font"], legend=base["legend"],
                      hovermode="x unified", uirevision="keep")
    fig.update_yaxes(title_text="loss [nats/token]", showline=True, mirror=True, linecolor="#ccc", row=1, col=1)
    fig.update_yaxes(title_text="learning rate", exponentformat="e", showline=True, mirror=True, linecolor="#ccc",
                     row=2, col=1)
    fig.update_xaxes(showline=True, mirror=True, linecolor="#ccc")
    fig.update_xaxes(title_text="optimizer step", row=2, col=1)
    return figures._named(fig, SCHEDULE_TRACES)


class SchedulePanel:
    """Controls for a schedule, the figure, and a summary of the final losses.

    ``on_change()`` callbacks run after every accepted change (for the share link).
    """

    def __init__(self, values: dict[str, Any] | None = None):
        v = dict(values or {})
        laws = law_options("curve")
        if not laws:
            raise ValueError("no law with a loss curve under a schedule is registered")
        names = [n for _, n in laws]
        # User-facing default: the 100M Multi-Power Law, the middle of the three published sizes.
        law = v.get("law") if v.get("law") in names else ("luo2025-100m" if "luo2025-100m" in names else names[0])
        setup = get_preset(law).setup
        self.on_change: list[Callable[[], None]] = []
        self._busy = False
        # A narrow description, so the longest law name (about 300 px) is not cut off in the box.
        self._law = w.Dropdown(options=laws, value=law, description="Law", layout=w.Layout(width="340px"),
                               style=dict(description_width="30px"))
        self._law.add_class("sv-sched-law")
        self._kind = w.Dropdown(options=list(KINDS), value=v.get("kind", "wsd"), description="Schedule",
                                layout=w.Layout(width="330px"), style=dict(description_width="70px"))
        self._kind.add_class("sv-sched-kind")
        self._steps = QuantityControl("steps", "steps", 100, 1e7, float(v.get("steps", setup.get("steps", 24000))),
                                      css="sv-sched-steps", description="total optimizer steps")
        self._cooldown = w.FloatSlider(value=float(v.get("cooldown", 0.2)), min=0.01, max=1.0, step=0.01,
                                       description="cooldown", readout_format=".0%", continuous_update=True,
                                       layout=w.Layout(width="330px"), style=dict(description_width="70px"))
        self._cooldown.add_class("sv-sched-cooldown")
        self._shape = w.Dropdown(options=list(DECAY_SHAPES), value=v.get("decay_shape", "linear"),
                                 description="shape", layout=w.Layout(width="330px"),
                                 style=dict(description_width="70px"))
        self._shape.add_class("sv-sched-shape")
        texts = {
            "peak_lr": ("peak LR", v.get("peak_lr", setup.get("peak_lr", 3e-4))),
            "warmup": ("warmup", v.get("warmup", setup.get("warmup", 0))),
            "floor": ("floor LR", v.get("floor", setup.get("floor", 3e-5))),
            "switch": ("switch at", v.get("switch", "")),
            "lr2": ("2nd LR", v.get("lr2", "")),
        }
        self._text = {}
        for key, (label, val) in texts.items():
            t = w.Text(value=f"{val:g}" if isinstance(val, (int, float)) else str(val), description=label,
                       continuous_update=False, layout=w.Layout(width="330px"), style=dict(description_width="70px"))
            t.add_class(f"sv-sched-{key.replace('_', '-')}")
            self._text[key] = t
        self.error = w.HTML()
        self.error.add_class("sv-error")
        self.summary = w.HTML()
        self.summary.add_class("sv-sched-summary")
        self._best = w.Button(description="Best cooldown", icon="search", layout=w.Layout(width="150px"),
                              tooltip="set the cooldown fraction with the lowest final loss (a few tenths of a second)")
        self._best.on_click(lambda _b: self.set_best_cooldown())
        for widget in (self._law, self._kind, self._shape, *self._text.values()):
            widget.observe(lambda _c: self._on_change(), "value")
        self._cooldown.observe(lambda _c: self._on_change(), "value")
        self._steps.on_change(lambda *_: self._on_change())
        self._law.observe(self._on_law, "value")
        self.schedule: Schedule | None = None
        self.fig = figures.LiveFigure(schedule_figure())
        self._update()  # reaches the browser even when sent before the page has drawn it (LiveFigure)
        self.fig.add_class("sv-fig-schedule")
        self.fig.add_class("sv-fig")
        self._kind.observe(lambda _c: self._show_fields(), "value")
        self._fields = w.VBox()
        self._show_fields()
        left = w.VBox([self._law, self._kind, self._steps.widget, self._fields, self.error, self._best],
                      layout=w.Layout(width="350px", min_width="340px", padding="0 12px 0 0"))
        left.add_class("sv-sched-controls")
        self.widget = w.HBox([left, w.VBox([self.fig, self.summary], layout=w.Layout(width=f"{FIG_WIDTH + 4}px"))],
                             layout=w.Layout(width="100%", align_items="flex-start"))

    def refresh_laws(self) -> None:
        """Re-read the registry (a fitted curve law was registered); the chosen law stays."""
        current = self._law.value
        self._busy = True
        try:
            self._law.options = law_options("curve")
            self._law.value = current
        finally:
            self._busy = False

    # -- state ---------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The panel's settings (for the share link): law, kind, steps and the kind's own fields."""
        s = self.schedule
        out: dict[str, Any] = {"law": self._law.value, "kind": self._kind.value, "steps": self._steps.value}
        if s is not None:
            out.update({k: v for k, v in s.to_dict().items() if k not in ("kind", "steps")})
        return out

    def _show_fields(self) -> None:
        kind = self._kind.value
        rows = [self._text["peak_lr"], self._text["warmup"]]
        if kind in ("cosine", "linear", "wsd"):
            rows.append(self._text["floor"])
        if kind == "wsd":
            rows += [self._cooldown, self._shape]
        if kind == "two-stage":
            rows += [self._text["switch"], self._text["lr2"]]
        self._fields.children = rows

    def _read(self) -> Schedule:
        """A Schedule from the controls; the error names the field, the value and the range."""
        num = {}
        for key, t in self._text.items():
            txt = t.value.strip()
            if not txt:
                num[key] = None
                continue
            num[key] = units.parse_quantity(txt, t.description)
        kind = self._kind.value
        return Schedule(kind, steps=round(self._steps.value), peak_lr=num["peak_lr"] if num["peak_lr"] else 0,
                        warmup=num["warmup"] or 0, floor=num["floor"],
                        cooldown=self._cooldown.value, decay_shape=self._shape.value,
                        switch=num["switch"] if kind == "two-stage" else None,
                        lr2=num["lr2"] if kind == "two-stage" else None)

    # -- events --------------------------------------------------------------------------------
    def _on_law(self, change) -> None:
        """A new law brings its own setup (peak LR, warmup, floor) where the user has not typed one."""
        setup = get_preset(change["new"]).setup
        self._busy = True
        try:
            for key in ("peak_lr", "warmup", "floor"):
                if key in setup:
                    self._text[key].value = f"{setup[key]:g}"
        finally:
            self._busy = False
        self._on_change()

    def _on_change(self) -> None:
        if self._busy:
            return
        self._update()
        for cb in self.on_change:
            cb()

    def set_best_cooldown(self) -> None:
        """Set the WSD cooldown to the fraction with the lowest final loss under the chosen law."""
        if self.schedule is None:
            return
        s = self.schedule
        b = best_cooldown(get_preset(self._law.value), s.steps, peak_lr=s.peak_lr, warmup=s.warmup, floor=s.floor,
                          decay_shape=self._shape.value)
        self._busy = True
        try:
            self._kind.value = "wsd"
            self._cooldown.value = round(min(max(b["cooldown"], 0.01), 1.0), 2)
        finally:
            self._busy = False
        self._show_fields()
        self._on_change()

    # -- drawing -------------------------------------------------------------------------------
    def _update(self) -> None:
        try:
            s = self._read()
        except ValueError as exc:  # inline, the last good curve stays on screen
            self.error.value = error_html(str(exc) + " (the last good schedule is kept)")
            return
        law = get_preset(self._law.value)
        self.error.value = ""
        self.schedule = s
        T = s.steps
        q = np.unique(np.r_[np.linspace(1, T - 1, N_POINTS).astype(int), T - 1])
        report = schedule_curves(law, s, compare=[Schedule("cosine", T, s.peak_lr, s.warmup, s.floor),
                                                  Schedule("constant", T, s.peak_lr, s.warmup)], step=q)
        shown = q >= max(s.warmup, 1)  # the law describes the loss after warmup
        with self.fig.batch_update():
            for suffix, c in zip(("", "_cosine", "_constant"), (report.curve, *report.others), strict=True):
                figures.trace(self.fig, "loss" + suffix).update(x=q[shown], y=c.loss[shown])
                figures.trace(self.fig, "lr" + suffix).update(x=q, y=c.lr)
            lo = min(float(c.loss[shown].min()) for c in (report.curve, *report.others))
            top = float(np.percentile(report.curve.loss[shown], 97))  # the steep start of the curve is cut off
            self.fig.layout.yaxis.range = [lo - 0.03 * (top - lo), top]
            self.fig.layout.title.text = f"Loss under your schedule: {html.escape(law.title)}"
        finals = {"": report.curve.final_loss, "_cosine": report.others[0].final_loss,
                  "_constant": report.others[1].final_loss}
        self._draw_summary(law, s, finals)

    def _draw_summary(self, law, s: Schedule, finals: dict[str, float]) -> None:
        mine, cos, const = finals[""], finals["_cosine"], finals["_constant"]
        warn = ""
        out = law.fitted_range.describe(law.title, S=float(s.steps))
        if out:
            warn = "".join(f"<div class='sv-warn'>&#9888; {html.escape(t)}: extrapolation</div>" for _k, _f, t in out)
        setup = law.setup
        if setup and (abs(s.peak_lr / setup.get("peak_lr", s.peak_lr) - 1) > 1e-9):
            warn += (f"<div class='sv-warn'>&#9888; peak LR {s.peak_lr:g} differs from the {setup['peak_lr']:g} the law "
                     "was fitted at: the constants hold for its own runs' setup</div>")

        def diff(x: float) -> str:
            if x == mine:
                return ""
            lo, hi = difference_interval(x - mine)
            return f" ({x - mine:+.4f}, <span class='sv-note'>[{lo:+.3f}, {hi:+.3f}]</span>)"

        lo, hi = final_loss_interval(mine)
        self.summary.value = (
            "<div class='sv-summary-box'><div class='sv-summary-title'>Final loss at step "
            f"{s.steps - 1:,}</div><table class='sv-table'>"
            f"<tr><td>your schedule</td><td><b>{mine:.4f}</b> <span class='sv-note'>[{lo:.3f}, {hi:.3f}]</span> "
            f"nats/token</td><td class='sv-note'>{html.escape(s.describe())}</td></tr>"
            f"<tr><td>cosine to the floor</td><td>{cos:.4f}{diff(cos)}</td><td></td></tr>"
            f"<tr><td>constant</td><td>{const:.4f}{diff(const)}</td><td></td></tr></table>"
            f"<div class='sv-note sv-sched-intervals'>Differences (other minus yours) with the interval the law has "
            f"earned: {html.escape(schedule_calibration()['text'])}.</div>"
            f"<div class='sv-note'>{html.escape(law.formula)}. {html.escape(str(law.citation))}. "
            f"Laws with a loss curve: {', '.join(preset_names('curve'))}.</div>{warn}</div>")
