"""Compare: several laws on shared axes, and how far they disagree at one compute budget."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from .. import units
from ..presets import PRESETS, get_preset
from ..workflows import inference_frontier
from .controls import QuantityControl, law_options
from .figures import LiveFigure, layout, trace

__all__ = ["Compare"]

PALETTE = ["#1f5fa8", "#e07a1f", "#2a9d8f", "#d1495b", "#8e5ea2", "#6c757d", "#b08900", "#3d405b", "#00a6a6"]
#: User-facing defaults: the laws selected when the tab opens, and the frontier (Chinchilla's,
#: unrounded) along which the hyperparameter laws are drawn, as the figure's title says.
DEFAULT_LAWS = ("kaplan2020", "hoffmann2022", "hoffmann2022-tex", "besiroglu2024", "muennighoff2023", "bi2024")
HP_FRONTIER = "hoffmann2022-tex"


def _hparam_laws() -> list[str]:
    """Every registered law with both a learning-rate and a batch-size rule."""
    return [n for n, p in PRESETS.items() if p.has("lr") and p.has("batch")]
FIG_WIDTH = 405


class Compare:
    """Laws side by side: loss against N at fixed D or C; N_opt(C) and D_opt(C); LR and batch against C."""

    def __init__(self, C: float = 1e24, D: float = 1e12):
        self.C = QuantityControl("C", "FLOP", 1e15, 1e29, C, css="sv-compare-C", description="compute budget, 6ND",
                                 scientific=True)
        self.D = QuantityControl("D", "tokens", 1e8, 1e15, D, css="sv-compare-D", description="tokens for L(N) at fixed D")
        self.mode = w.ToggleButtons(options=[("at fixed C (IsoFLOP)", "C"), ("at fixed D", "D")], value="C",
                                    style=dict(button_width="150px"))
        self.mode.add_class("sv-compare-mode")
        loss_laws = [n for _, n in law_options("loss")]
        self.laws = w.SelectMultiple(options=law_options(any_of=("loss", "optimal")),
                                     value=tuple(n for n in DEFAULT_LAWS if n in PRESETS),
                                     rows=9, layout=w.Layout(width="100%"))
        self.laws.add_class("sv-compare-laws")
        self._loss_laws = loss_laws
        for c in (self.C, self.D):
            c.on_change(lambda *_: self._update())
        self.mode.observe(lambda _c: self._update(), "value")
        self.laws.observe(lambda _c: self._rebuild(), "value")
        # Inference demand (Sardana et al. 2024): each law's least training + inference compute model.
        self.inference_on = w.Checkbox(value=False, description="count inference", indent=False)
        self.inference_on.add_class("sv-compare-inference-on")
        self.inference = QuantityControl("served", "tokens", 1e9, 1e17, 1e13, css="sv-compare-inference",
                                         description="tokens served at inference over the model's life")
        self.inference.on_change(lambda *_: self._update())
        self.inference_on.observe(lambda _c: self._update(), "value")
        self.table = w.HTML()
        self.table.add_class("sv-compare-table")
        # First state drawn into plain figures, then wrapped (see Explorer).
        self.fig_loss = go.Figure(layout=layout("Loss against N", "N [params, each law's convention]",
                                                 "loss [nats/token]", height=500))
        self.fig_opt = go.Figure(layout=layout("Compute-optimal N (solid) and D (dashed)", "compute C [FLOP]",
                                                "N_opt [params], D_opt [tokens]", ylog=True, height=500))
        # The legend below the plot: inside, six laws covered the lines they name.
        self.fig_opt.layout.legend.update(orientation="v", x=0, xanchor="left", y=-0.2, yanchor="top", font=dict(size=9.5),
                                          bgcolor="rgba(0,0,0,0)", borderwidth=0, traceorder="normal")
        self.fig_opt.layout.margin.update(t=62, b=10)
        self.fig_opt.layout.title.update(y=0.975)
        self.fig_opt.layout.yaxis.range = [5, 17]
        self.fig_hp = go.Figure(layout=layout(
            "Peak LR (solid) and batch (dashed) on the Chinchilla frontier", "compute C [FLOP]", "peak learning rate",
            ylog=True, height=360, yaxis2=dict(title=dict(text="batch [tokens]"), type="log", overlaying="y",
                                               side="right", exponentformat="SI", dtick=1, showgrid=False)))
        self.fig_hp.layout.yaxis.dtick = 1
        self.fig_hp.layout.margin.r = 60
        self.fig_hp.layout.legend.update(x=0.5, xanchor="center", y=0.99, font=dict(size=9.5))
        for fig in (self.fig_loss, self.fig_opt, self.fig_hp):
            # A figure first drawn while its tab was hidden gets plotly's 700 px default width and does
            # not follow later resizes, so the Compare figures have a fixed width.
            fig.layout.width = FIG_WIDTH
        self._rebuild()
        self.fig_loss = LiveFigure(self.fig_loss)
        self.fig_opt = LiveFigure(self.fig_opt)
        self.fig_hp = LiveFigure(self.fig_hp)
        for fig, css in ((self.fig_loss, "sv-fig-compare-loss"), (self.fig_opt, "sv-fig-compare-opt"),
                         (self.fig_hp, "sv-fig-compare-hparams")):
            fig.add_class(css)
            fig.add_class("sv-fig")
        left = w.VBox([w.HTML("<b>Laws</b> <small>(ctrl/shift-click for several)</small>"), self.laws, self.C.widget,
                       w.HTML("<b>Loss against N</b>"), self.mode, self.D.widget,
                       w.HTML("<b>Inference demand</b> <small>(Sardana et al. 2024: dotted N* in the "
                              "compute-optimal figure, N* and D* in the table)</small>"),
                       self.inference_on, self.inference.widget],
                      layout=w.Layout(width="330px", min_width="320px", padding="0 12px 0 0"))
        # How to read the figures, beside the third; the table spans both columns below (at one column's
        # width its nine columns did not fit).
        self.key = w.HTML(
            "<div class='sv-note sv-compare-key'><b>Reading these figures</b><ul>"
            "<li>Each law keeps one colour in every figure and row.</li>"
            "<li>Compute-optimal: solid N<sub>opt</sub>, dashed D<sub>opt</sub>; with <i>count inference</i>, dotted "
            "N*: the model reaching the same loss at the least training + inference compute (Sardana et al. 2024). "
            "The grey line marks the C of the slider.</li>"
            "<li>Losses are on each law's own data set and tokenizer, and N in its own convention (total or "
            "non-embedding): compare shapes and allocations, not loss levels.</li></ul></div>",
            layout=w.Layout(width=f"{FIG_WIDTH}px"))
        self.table.layout = w.Layout(grid_column="1 / span 2", width=f"{2 * FIG_WIDTH + 16}px")
        grid = w.GridBox([self.fig_loss, self.fig_opt, self.fig_hp, self.key, self.table],
                         layout=w.Layout(grid_template_columns=f"repeat(2, {FIG_WIDTH + 2}px)", grid_gap="8px 12px"))
        self.widget = w.HBox([left, grid], layout=w.Layout(width="100%", align_items="flex-start"))

    def _selected(self, capability: str) -> list:
        return [get_preset(n) for n in self.laws.value if get_preset(n).has(capability)]

    def refresh_laws(self, add: str | None = None) -> None:
        """Re-read the registry into the law list (after a fit is registered), selecting ``add``."""
        keep = tuple(self.laws.value) + ((add,) if add else ())
        self.laws.options = law_options(any_of=("loss", "optimal"))
        self.laws.value = tuple(n for n in dict.fromkeys(keep) if n in PRESETS)
        self._loss_laws = [n for _, n in law_options("loss")]

    def _rebuild(self) -> None:
        """New trace sets when the selection changes; values are filled by :meth:`_update`."""
        with self.fig_loss.batch_update():
            self.fig_loss.data = []
            for i, p in enumerate(self._selected("loss")):
                self.fig_loss.add_scatter(x=[], y=[], mode="lines", name=p.title, meta=f"loss:{p.name}",
                                          line=dict(color=PALETTE[i % 9], width=2))
        with self.fig_opt.batch_update():
            self.fig_opt.data = []
            for i, p in enumerate(self._selected("optimal")):
                col = PALETTE[i % 9]
                self.fig_opt.add_scatter(x=[], y=[], mode="lines", name=f"{p.title}", legendgroup=p.name,
                                         meta=f"N_opt:{p.name}", line=dict(color=col, width=2))
                self.fig_opt.add_scatter(x=[], y=[], mode="lines", name=f"{p.title} D", legendgroup=p.name,
                                         meta=f"D_opt:{p.name}", showlegend=False, line=dict(color=col, width=2, dash="dash"))
                self.fig_opt.add_scatter(x=[], y=[], mode="lines", name=f"{p.title} N*", legendgroup=p.name,
                                         meta=f"N_inf:{p.name}", showlegend=False, line=dict(color=col, width=3, dash="dot"))
            self.fig_opt.add_scatter(x=[], y=[], mode="lines", name="current C", showlegend=False, meta="current_C",
                                     line=dict(color="#999", width=1, dash="dot"))
        with self.fig_hp.batch_update():
            self.fig_hp.data = []
            for i, name in enumerate(_hparam_laws()):
                col = PALETTE[(i + 3) % 9]
                title = PRESETS[name].title
                self.fig_hp.add_scatter(x=[], y=[], mode="lines", name=f"{title} LR", meta=f"lr:{name}",
                                        line=dict(color=col, width=2))
                self.fig_hp.add_scatter(x=[], y=[], mode="lines", name=f"{title} batch", yaxis="y2",
                                        meta=f"batch:{name}", line=dict(color=col, width=2, dash="dash"))
        self._update()

    def inference_tokens(self) -> float | None:
        return self.inference.value if self.inference_on.value else None

    def disagreement(self) -> dict[str, Any]:
        """Per law at the current C: N_opt, D_opt, D/N, loss, and with inference counted the model
        reaching that loss at the least training + inference compute (N*, D*, saving); and the
        spread of N_opt (max/min)."""
        C, D_inf = self.C.value, self.inference_tokens()
        rows = []
        for p in self._selected("optimal"):
            o = p.compute_optimal(C)
            row = {"law": p.name, "title": p.title, "N_opt": float(o["N_opt"]), "D_opt": float(o["D_opt"]),
                   "loss": None if o.get("loss") is None else float(o["loss"]), "N_convention": p.N_convention}
            if D_inf is not None and p.has("inference_optimal"):
                io = inference_frontier(p, C, D_inf)  # at the loss of the compute-optimal model of C
                row.update(N_inf=io.optimum["N"], D_inf=io.optimum["D"], saving=float(io.saving_vs_compute_optimal))
            rows.append(row)
        Ns = [r["N_opt"] for r in rows]
        spread = max(Ns) / min(Ns) if len(Ns) >= 2 else None
        return {"C": C, "rows": rows, "N_opt_spread": spread}

    def _update(self) -> None:
        C, D = self.C.value, self.D.value
        Ng = np.logspace(6, 13, 200)
        with self.fig_loss.batch_update():
            for p in self._selected("loss"):
                tr = trace(self.fig_loss, f"loss:{p.name}")
                Dn = (C / (6 * Ng)) if self.mode.value == "C" else np.full_like(Ng, D)
                y = np.asarray(p.loss(Ng, Dn))
                tr.update(x=Ng, y=np.where((Dn >= 1e6) & (y < 10), y, np.nan))
            self.fig_loss.layout.title.text = (f"IsoFLOP: loss against N at C = {C:.3g} FLOP" if self.mode.value == "C"
                                               else f"Loss against N at D = {units.format_quantity(D)} tokens")
        Cg = np.logspace(17, 28, 120)
        with self.fig_opt.batch_update():
            laws = self._selected("optimal")
            D_inf = self.inference_tokens()
            for p in laws:
                o = p.compute_optimal(Cg)
                trace(self.fig_opt, f"N_opt:{p.name}").update(x=Cg, y=o["N_opt"])
                trace(self.fig_opt, f"D_opt:{p.name}").update(x=Cg, y=o["D_opt"])
                if D_inf is not None and p.has("inference_optimal"):
                    io = inference_frontier(p, Cg[::3], D_inf).optimum
                    trace(self.fig_opt, f"N_inf:{p.name}").update(x=io["train_flop"], y=io["N"])
                else:
                    trace(self.fig_opt, f"N_inf:{p.name}").update(x=[], y=[])
            self.fig_opt.layout.title.text = ("Compute-optimal N (solid) and D (dashed)" + (
                f"<br><span style='font-size:11px'>dotted: N*, least training + inference compute with "
                f"{units.format_number(D_inf)} tokens served</span>" if D_inf is not None else ""))
            trace(self.fig_opt, "current_C").update(x=[C, C], y=[1e6, 1e16])
        with self.fig_hp.batch_update():
            fr = PRESETS[HP_FRONTIER].compute_optimal(Cg)
            for name in _hparam_laws():
                hp = PRESETS[name].hparams(N=fr["N_opt"], D=fr["D_opt"], C=Cg)
                trace(self.fig_hp, f"lr:{name}").update(x=Cg, y=hp["lr"])
                trace(self.fig_hp, f"batch:{name}").update(x=Cg, y=hp["batch_tokens"])
        d = self.disagreement()
        inf = self.inference_tokens() is not None

        def row(r: dict[str, Any]) -> str:
            loss = "&ndash;" if r["loss"] is None else f"{r['loss']:.3f}"
            extra = ""
            if inf:
                extra = ("<td>&ndash;</td><td>&ndash;</td><td>&ndash;</td>" if "N_inf" not in r else
                         f"<td>{units.format_quantity(r['N_inf'])}</td><td>{units.format_quantity(r['D_inf'])}</td>"
                         f"<td>{100 * r['saving']:.2g}%</td>")
            return (f"<tr><td>{html.escape(r['title'])}</td><td>{units.format_quantity(r['N_opt'])}</td>"
                    f"<td>{units.format_quantity(r['D_opt'])}</td><td>{r['D_opt'] / r['N_opt']:.3g}</td><td>{loss}</td>"
                    f"{extra}<td class='sv-note'>{html.escape(r['N_convention'].split(' ')[0])}</td></tr>")

        body = "".join(row(r) for r in d["rows"])
        spread = (f"<div class='sv-spread'>At C = {C:.3g} FLOP the optimal N differs <b>{d['N_opt_spread']:.3g}&times;</b> "
                  "between these laws.</div>") if d["N_opt_spread"] else ""
        self.table.value = (
            f"<div class='sv-summary-box'><div class='sv-summary-title'>How far the laws disagree at C = {C:.3g} FLOP "
            f"({units.flop_to_pfdays(C):.3g} PF-days)</div>{spread}<table class='sv-table'><tr><th>law</th><th>N_opt</th>"
            f"<th>D_opt</th><th>D/N</th><th>loss</th>"
            + (f"<th>N* ({units.format_number(self.inference_tokens())} served)</th><th>D*</th><th>saves</th>"
               if inf else "")
            + f"<th>N counts</th></tr>{body}</table>"
            "<div class='sv-note'>Losses are on each law's own data set and tokenizer: compare allocations, "
            "not loss levels.</div></div>"
        )
