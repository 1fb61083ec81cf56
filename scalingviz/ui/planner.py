"""Plan: the training-plan check of :mod:`scalingviz.plan` as a form, a report and a figure.

Every field is typed text (``7B``, ``1.4T``, ``4M``, ``3e-4``). The form is checked on every
edit; a bad field gets an inline message under it (CSS class ``sv-error``), the other fields keep
their values, and the last good report stays on screen, marked as such. The numbers are those of
``scalingviz plan`` for the same inputs: both call :func:`scalingviz.plan.check`.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from .. import compute, units
from ..plan import INFERENCE_REFERENCE, PlanReport, TrainingPlan, check
from ..plan_view import PlanView, ViewTable, plan_view
from ..presets import CHINCHILLA_TOKENS_PER_PARAM, PRESETS
from ..uncertainty import prediction_band
from ..workflows import inference_frontier
from . import figures
from .controls import error_html, law_options
from .markers import MarkerLayer

__all__ = ["FIELDS", "PlanTab", "render_html"]

# form key -> (label, unit or hint, default text, TrainingPlan keyword)
FIELDS: dict[str, tuple[str, str, str, str]] = {
    "N": ("N", "params", "7B", "N"),
    "D": ("D", "tokens", "1.4T", "D"),
    "steps": ("steps", "optional: D = steps x batch", "", "steps"),
    "batch": ("batch", "", "4194304", "batch_tokens"),  # 1024 sequences of 4096 tokens
    "seq_len": ("seq. length", "tokens", "4096", "seq_len"),
    "lr": ("peak LR", "optional", "3e-4", "lr"),
    "N_embedding": ("embedding", "optional: n_vocab x d_model", "", "N_embedding"),
    "n_layer": ("layers", "optional", "", "n_layer"),
    "d_model": ("d_model", "optional", "", "d_model"),
    "n_vocab": ("vocabulary", "optional", "", "n_vocab"),
    "n_gpus": ("GPUs", "count", "1024", "n_gpus"),
    "peak_flops": ("peak FLOP/s", "per GPU, for 'other'", "", "peak_flops"),
    "mfu": ("MFU", "0 to 1", "0.4", "mfu"),
    "price": ("price", "per GPU-hour", "2.5", "price_per_gpu_hour"),
    "inference_tokens": ("inference", "tokens served over its life", "", "inference_tokens"),
    "inference_mfu": ("inference MFU", "optional: default MFU", "", "inference_mfu"),
    "inference_price": ("inference price", "optional: per GPU-hour", "", "inference_price_per_gpu_hour"),
    "unique_tokens": ("unique data", "optional: tokens", "", "unique_tokens"),
    "active_params": ("active params", "optional: per token", "", "active_params"),
    "experts": ("experts", "optional", "", "experts"),
    "top_k": ("experts/token", "optional: top-k", "", "top_k"),
    "expert_params": ("expert size", "optional: params, all layers", "", "expert_params"),
    "cooldown": ("cooldown", "optional: WSD fraction", "", "cooldown"),
}
CHOICES: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {
    "N_convention": ((("total (with embedding)", "total"), ("non-embedding", "non-embedding")), "total"),
    "batch_unit": ((("tokens", "tokens"), ("sequences", "sequences")), "tokens"),
    "gpu": (tuple((f"{g.name} ({g.peak_flops / 1e12:.0f} TFLOP/s)", g.name) for g in compute.GPUS.values())
            + (("other: peak FLOP/s below", "other"),), "H100"),
    "schedule": ((("not given", "none"), ("WSD (warmup-stable-decay)", "wsd"), ("cosine", "cosine"),
                  ("multi-step (DeepSeek: x0.316 at 80%, x0.1 at 90%)", "multi-step"), ("linear", "linear"),
                  ("constant", "constant")), "none"),
}
# TrainingPlan's messages start with its own field name; which form field shows them.
_ERROR_FIELD = {v[3]: k for k, v in FIELDS.items()} | {"batch_sequences": "batch", "gpu": "gpu",
                                                        "N_convention": "N_convention", "shape": "n_layer",
                                                        "laws": "laws", "law": "laws", "name": "laws",
                                                        "schedule": "schedule"}
#: User-facing default: the frontiers the plan is drawn against (the first with its band).
FRONTIER_LAWS = ("besiroglu2024", "hoffmann2022", "kaplan2020")
_BADGE = {"good": "#2a7d3f", "warn": "#9a6100", "bad": "#b3261e", "info": "#44617f"}


def _badge(text: str, kind: str) -> str:
    return (f"<span class='sv-badge' style='background:{_BADGE[kind]}'>{html.escape(text)}</span>")


def _html_table(t: ViewTable) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in t.head) if any(t.head) else ""
    body = "".join("<tr>" + "".join(f"<td>{'<b>' + html.escape(x) + '</b>' if i == t.strong else html.escape(x)}</td>"
                                    for i, x in enumerate(r)) + "</tr>" for r in t.rows)
    note = f" <span class='sv-note'>{html.escape(t.note)}</span>" if t.note else ""
    foot = "".join(f"<div class='sv-note'>{html.escape(n)}</div>" for n in t.footnotes)
    return (f"<div class='sv-plan-h'>{html.escape(t.title)}{note}</div>"
            f"<table class='sv-table sv-plan-table'>{f'<tr>{th}</tr>' if th else ''}{body}</table>{foot}")


def render_html(view: PlanView) -> str:
    """A plan view (:mod:`scalingviz.plan_view`) as HTML: badges, one table per question, the warnings."""
    warn = "".join(f"<div class='sv-warn'><b>{html.escape(w_.code)}</b> {html.escape(w_.message)}</div>"
                   for w_ in view.warnings)
    return (f"<div class='sv-note'>{html.escape(view.summary)}</div>"  # the plan as read: units, counts
            f"<div class='sv-plan-badges'>{''.join(_badge(b.text, b.kind) for b in view.badges)}</div>"
            + "".join(_html_table(t) for t in view.tables)
            + (f"<div class='sv-plan-h'>Warnings</div>{warn}" if warn else ""))


class PlanTab:
    """The Plan tab. ``values`` pre-fills fields (form keys, as text or numbers);
    ``on_open_explorer(plan)`` is called by the "Open in Explorer" button."""

    def __init__(self, values: dict[str, Any] | None = None,
                 on_open_explorer: Callable[[TrainingPlan], None] | None = None):
        self.on_open_explorer = on_open_explorer
        self.on_change: list[Callable[[], None]] = []
        self.boxes: dict[str, w.Text] = {}
        self.errors: dict[str, w.HTML] = {}
        self.choices: dict[str, w.Dropdown] = {}
        self.report: PlanReport | None = None
        self.plan: TrainingPlan | None = None
        values = values or {}
        for key, (_label, hint, default, _kw) in FIELDS.items():
            box = w.Text(value=str(values.get(key, default)), placeholder="optional" if hint.startswith("optional")
                         else "", continuous_update=True,
                         layout=w.Layout(width="150px"))
            box.add_class(f"sv-plan-{key.replace('_', '-')}")
            box.observe(self._on_edit, "value")
            self.boxes[key] = box
            self.errors[key] = w.HTML()
            self.errors[key].add_class("sv-error")
        for key, (options, default) in CHOICES.items():
            dd = w.Dropdown(options=options, value=values.get(key, default), layout=w.Layout(width="220px"))
            dd.add_class(f"sv-plan-{key.replace('_', '-')}")
            dd.observe(self._on_edit, "value")
            self.choices[key] = dd
            self.errors[key] = w.HTML()
            self.errors[key].add_class("sv-error")
        self.laws = w.SelectMultiple(options=law_options(), value=self._default_laws(), rows=7,
                                     layout=w.Layout(width="300px"))
        self.laws.add_class("sv-plan-laws")
        self.laws.observe(self._on_edit, "value")
        self.errors["laws"] = w.HTML()
        self.errors["laws"].add_class("sv-error")
        self.form_error = w.HTML()
        self.form_error.add_class("sv-error")
        self.status = w.HTML()
        self.status.add_class("sv-plan-status")
        self.out = w.HTML()
        self.out.add_class("sv-plan-report")
        self.open_button = w.Button(description="Open in Explorer", icon="external-link",
                                    tooltip="carry N, D and the batch over to the Explorer tab",
                                    layout=w.Layout(width="170px"))
        self.open_button.add_class("sv-plan-open")
        self.open_button.on_click(lambda _b: self._open())
        self.fig = self._figure()
        self.markers = MarkerLayer()
        self._frontier_drawn = False
        self._inference_drawn: float | None = None
        self.evaluate()
        self.fig = figures.LiveFigure(self.fig)
        self.fig.add_class("sv-fig-plan")
        self.widget = self._layout()
        self.widget.add_class("sv-plan")

    # -- form ------------------------------------------------------------------------------
    def _row(self, key: str) -> w.Widget:
        if key in FIELDS:
            label, hint = FIELDS[key][0], FIELDS[key][1]
            ctrl = self.boxes[key]
        else:
            label, hint, ctrl = {"N_convention": "N counts", "batch_unit": "batch in", "gpu": "GPU",
                                 "schedule": "schedule"}[key], "", self.choices[key]
        head = w.HBox([w.HTML(f"<b>{html.escape(label)}</b>", layout=w.Layout(width="118px")), ctrl,
                       w.HTML(f"<span class='sv-unit'>{html.escape(hint)}</span>")],
                      layout=w.Layout(align_items="center"))
        return w.VBox([head, self.errors[key]])

    def _layout(self) -> w.Widget:
        def section(title: str, keys: tuple[str, ...]) -> w.Widget:
            return w.VBox([w.HTML(f"<div class='sv-plan-section'>{title}</div>"), *(self._row(k) for k in keys)])

        form = w.VBox([
            section("Model and data", ("N", "N_convention", "N_embedding", "D", "steps")),
            section("Batch and learning rate", ("batch", "batch_unit", "seq_len", "lr")),
            section("Hardware", ("n_gpus", "gpu", "peak_flops", "mfu", "price")),
            section("Shape (optional, for the exact FLOP count)", ("n_layer", "d_model", "n_vocab")),
            section("Inference and data (optional)", ("inference_tokens", "inference_mfu", "inference_price",
                                                      "unique_tokens")),
            section("Mixture of experts (optional: active params, or experts with their size)",
                    ("active_params", "experts", "top_k", "expert_params")),
            section("Learning-rate schedule (optional)", ("schedule", "cooldown")),
            section("Laws", ()), w.HBox([self.laws, w.HTML("<span class='sv-unit'>ctrl/shift-click to choose; "
                                                           "your registered fits are marked [fitted]</span>")]),
            self.errors["laws"], self.form_error,
        ], layout=w.Layout(width="450px", min_width="450px", padding="0 14px 0 0"))
        form.add_class("sv-plan-form")
        # The figure heads the report, where it is seen without scrolling past the (long) form.
        # A fixed-width box: plotly sizes the figure from its container when it is first drawn.
        fig_box = w.Box([self.fig], layout=w.Layout(width="440px", min_width="440px", height="570px"))
        right = w.VBox([self.status, w.HBox([self.open_button], layout=w.Layout(margin="0 0 6px 0")), fig_box,
                        self.out], layout=w.Layout(width="100%"))
        return w.HBox([form, right, self.markers], layout=w.Layout(width="100%", align_items="flex-start"))

    @staticmethod
    def _default_laws() -> tuple[str, ...]:
        return tuple(n for n, p in PRESETS.items() if not p.fitted and not n.endswith("-alt"))

    def refresh_laws(self, add: str | None = None) -> None:
        """Re-read the registry into the law list (after a fit is registered), selecting ``add``."""
        keep = tuple(self.laws.value) + ((add,) if add else ())
        self.laws.unobserve(self._on_edit, "value")
        try:
            self.laws.options = law_options()
            self.laws.value = tuple(n for n in dict.fromkeys(keep) if n in PRESETS)
        finally:
            self.laws.observe(self._on_edit, "value")
        self.evaluate()

    def values(self) -> dict[str, str]:
        """The form as typed (form keys -> text), for the share link."""
        out = {k: b.value.strip() for k, b in self.boxes.items() if b.value.strip()}
        out.update({k: d.value for k, d in self.choices.items()})
        return out

    def plan_kwargs(self) -> dict[str, Any]:
        """TrainingPlan keywords from the form: text as typed, empty fields left out."""
        kw: dict[str, Any] = {}
        for key, box in self.boxes.items():
            text = box.value.strip()
            if text:
                kw[FIELDS[key][3]] = text
        if self.choices["batch_unit"].value == "sequences" and "batch_tokens" in kw:
            kw["batch_sequences"] = kw.pop("batch_tokens")
        kw["N_convention"] = self.choices["N_convention"].value
        chosen = tuple(self.laws.value)
        if set(chosen) != set(self._default_laws()):  # the default is "every published law that applies"
            kw["laws"] = chosen
        if self.choices["schedule"].value != "none":
            kw["schedule"] = self.choices["schedule"].value
        if self.choices["gpu"].value == "other":
            kw["gpu"] = None
        else:
            kw["gpu"] = self.choices["gpu"].value
            kw.pop("peak_flops", None)
        return kw

    def _on_edit(self, _change=None) -> None:
        self.evaluate()
        for cb in self.on_change:
            cb()

    def evaluate(self) -> PlanReport | None:
        """Validate the form and check the plan; returns the report, or None (errors shown inline)."""
        for e in self.errors.values():
            e.value = ""
        self.form_error.value = ""
        try:
            plan = TrainingPlan(**self.plan_kwargs())
            report = check(plan)
        except ValueError as exc:
            msg = str(exc)
            field = _ERROR_FIELD.get(msg.split(":", 1)[0].strip())
            if field == "gpu" and self.choices["gpu"].value == "other":
                field = "peak_flops"
            target = self.errors[field] if field in self.errors else self.form_error
            target.value = error_html(msg)
            if self.report is not None:
                self.status.value = ("<div class='sv-warn'>&#9888; The form has an error; the report below is for the "
                                     "last valid plan.</div>")
            else:
                self.status.value = ""
            return None
        self.plan, self.report = plan, report
        self.status.value = ""
        self.out.value = self.render(report)
        self._draw(report)
        return report

    def _open(self) -> None:
        if self.plan is not None and self.on_open_explorer is not None:
            self.on_open_explorer(self.plan)

    # -- report ----------------------------------------------------------------------------
    @staticmethod
    def render(report: PlanReport) -> str:
        """The report as HTML (:func:`render_html` of its :func:`scalingviz.plan_view.plan_view`)."""
        return render_html(plan_view(report))

    # -- figure ----------------------------------------------------------------------------
    @staticmethod
    def _figure() -> go.Figure:
        lay = figures.layout("Where the plan sits: N against compute", "compute C = 6ND [FLOP]",
                              "N [params]", ylog=True, height=560, width=430)
        # Below the axes: inside them it hides the frontiers and the plan, which run along the diagonal.
        lay["legend"].update(orientation="h", x=0.0, xanchor="left", y=-0.2, yanchor="top", font=dict(size=9.5))
        lay["margin"] = dict(lay.get("margin", {}), b=215)
        lay["yaxis"]["range"] = [7, 13.5]
        band = dict(mode="lines", line=dict(width=0), hoverinfo="skip")
        data = [
            go.Scatter(x=[], y=[], showlegend=False, name="band hi", meta="band_hi", **band),
            go.Scatter(x=[], y=[], fill="tonexty", fillcolor="rgba(31,95,168,0.15)", meta="band_lo",
                       name=f"95% band, {PRESETS[FRONTIER_LAWS[0]].title}", **band),
        ]
        for name, color, dash in zip(FRONTIER_LAWS, (figures.COLORS["N"], figures.COLORS["D"], figures.COLORS["S"]),
                                     (None, "dash", "dot"), strict=True):
            law = PRESETS[name]
            data.append(figures.line(f"N<sub>opt</sub>, {law.title}", color, dash=dash, width=2, meta=f"N_opt:{name}"))
        data.append(figures.line(f"{CHINCHILLA_TOKENS_PER_PARAM.value:g} tokens/param", figures.COLORS["grey"],
                                 dash="dashdot", width=1.2, meta="tokens_per_param"))
        data.append(figures.marker("your plan", figures.COLORS["accent"], symbol="star", size=16, meta="plan"))
        data.append(figures.line("least training + inference compute", figures.COLORS["accent"], dash="dash",
                                 width=2, meta="inference"))  # drawn with the band's law (Sardana et al. 2024)
        return go.Figure(data=data, layout=lay)

    def _draw(self, report: PlanReport) -> None:
        C, N = report.compute.flop_6ND, report.plan.N
        with self.fig.batch_update():
            if not self._frontier_drawn:
                Cg = np.logspace(17, 27, 80)
                band = prediction_band(FRONTIER_LAWS[0], lambda p: p.compute_optimal(Cg)["N_opt"])
                tr = functools.partial(figures.trace, self.fig)
                tr("band_hi").update(x=Cg, y=band["high"])
                tr("band_lo").update(x=Cg, y=band["low"])
                for name in FRONTIER_LAWS:
                    tr(f"N_opt:{name}").update(x=Cg, y=PRESETS[name].compute_optimal(Cg)["N_opt"])
                tr("tokens_per_param").update(x=Cg, y=np.sqrt(Cg / (6 * CHINCHILLA_TOKENS_PER_PARAM.value)))
                self._frontier_drawn = True
            D_inf = report.plan.inference_tokens
            if D_inf != self._inference_drawn:
                # Sardana et al.: for each loss on the compute-optimal frontier, the model reaching it at the
                # least training + inference compute, drawn at its own training compute.
                trace = figures.trace(self.fig, "inference")
                if D_inf:
                    o = inference_frontier(PRESETS[INFERENCE_REFERENCE], np.logspace(17, 27, 41), D_inf).optimum
                    trace.update(x=o["train_flop"], y=o["N"],
                                 name=f"least total compute, {units.format_number(D_inf)} served")
                else:
                    trace.update(x=[], y=[], name="least training + inference compute")
                self._inference_drawn = D_inf
        # The plan's star is a shape moved by the marker layer (see ui/markers.py), like the Explorer's.
        shapes = figures.marker_shapes("plan", plan=(C, N))
        self.markers.place({"sv-fig-plan": shapes})
        if not isinstance(self.fig, figures.LiveFigure):
            self.fig.layout.shapes = shapes
