"""The Explorer: slide N, D, C, B and S and watch every law's consequences update live.

One class holds private controls and five figure widgets (:class:`~.figures.LiveFigure`). Every control change goes
through :meth:`Explorer._on_change` to :meth:`Explorer._update`, which assigns new data to
existing traces inside ``batch_update``; figures are never rebuilt on a slider move. The
expensive loss landscape is recomputed only when the law (or, for trajectory-only laws, the
batch) changes.

Linking: C = 6 N D and D = B S. Moving N or D moves C and S; moving C moves D (or N, per the
"C adjusts" toggle); moving B moves S (D stays); moving S moves D and C.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as w
import numpy as np

from .. import units
from ..presets import DELTA_L_NOISE, PRESETS, Preset, get_preset, preset_for
from ..workflows import inference_frontier
from . import explorer_model as model
from . import figures
from .controls import QuantityControl, close_tree, error_html, law_options
from .markers import MarkerLayer

__all__ = ["Explorer", "ExplorerState"]

RANGES = {"N": (1e3, 1e13), "D": (1e6, 1e15), "C": (1e10, 1e29), "B": (1e3, 1e9), "S": (1.0, 1e9)}
UNITS = {"N": "params", "D": "tokens", "C": "FLOP", "B": "tokens", "S": "steps"}
DESCRIPTIONS = {
    "N": "model size: parameters, in the convention of the chosen law (non-embedding for Kaplan, total for Chinchilla)",
    "D": "training tokens",
    "C": "training compute, C = 6 N D",
    "B": "batch size in tokens (switch to sequences below)",
    "S": "optimizer steps, S = D / B",
}


def _set_if_changed(obj: Any, attr: str, value: Any) -> None:
    """Assign a layout property only when it changes: every assignment costs a relayout in the browser."""
    if getattr(obj, attr) != value:
        setattr(obj, attr, value)


class ExplorerState(dict):
    """The Explorer's shareable state: law, N, D, B (tokens), S, seq_len."""


class Explorer:
    """Sliders to the loss trajectory, deltaL, B_crit and the compute-optimal curves, live.

    Parameters
    ----------
    law : str
        Initial preset name.
    N, D, B : float
        Initial parameters [params], tokens [tokens] and batch [tokens]; S = D / B.
    """

    # User-facing default: Kaplan et al. 2020, the law with every Explorer capability.
    def __init__(self, law: str = "kaplan2020", N: float = 1.5e9, D: float = 3e10, B: float = 2**19,
                 seq_len: int = 2048, schedule: dict[str, Any] | None = None, inference: float | None = None):
        self._base = get_preset(law)
        self.law: Preset = self._base
        self._busy = False
        self._landscape_key: tuple | None = None
        self._frontier_key: tuple | None = None
        self.seq_len = int(seq_len)

        self.controls = {
            k: QuantityControl(k, UNITS[k], *RANGES[k], value=v, css=f"sv-{k}", description=DESCRIPTIONS[k],
                               scientific=(k == "C"))
            for k, v in (("N", N), ("D", D), ("C", 6 * N * D), ("B", B), ("S", D / B))
        }
        for c in self.controls.values():
            c.on_change(self._on_change)
        # Inference demand (Sardana et al. 2024): dotted N*, D* on the compute-optimal figure.
        self.inference_on = w.Checkbox(value=inference is not None, description="count inference",
                                       indent=False, layout=w.Layout(width="130px"))
        self.inference_on.add_class("sv-inference-on")
        self.inference = QuantityControl(
            "served", "tokens", 1e9, 1e17, value=inference or 1e13, css="sv-inference",
            description="tokens the model will serve at inference over its life: the dotted curves on the compute-"
                        "optimal figure are the models reaching each loss at the least training + inference compute "
                        "(Sardana et al. 2024)")
        self.inference.on_change(lambda _n, _v: self._draw_inference())
        self.inference_on.observe(lambda _c: self._draw_inference(), "value")
        self._inference_key: tuple | None = None
        self.law_picker = w.Dropdown(options=law_options(any_of=("loss", "trajectory")), value=self._base.name,
                                     description="Law", layout=w.Layout(width="100%"))
        self.law_picker.add_class("sv-law")
        self.law_picker.observe(self._on_law, "value")
        self.c_adjusts = w.ToggleButtons(options=[("D follows", "D"), ("N follows", "N")], value="D",
                                         tooltips=["moving C changes D", "moving C changes N"],
                                         style=dict(button_width="84px"))
        self.c_adjusts.add_class("sv-c-adjusts")
        self.batch_unit = w.ToggleButtons(options=["tokens", "sequences"], value="tokens",
                                          style=dict(button_width="84px"))
        self.batch_unit.add_class("sv-batch-unit")
        self.seq_len_box = w.Text(value=str(self.seq_len), description="seq len", layout=w.Layout(width="150px"),
                                  continuous_update=False, style=dict(description_width="56px"))
        self.seq_len_box.add_class("sv-seq-len")
        self.seq_len_error = w.HTML("")
        self.seq_len_error.add_class("sv-error")
        self.compute_unit = w.ToggleButtons(options=["FLOP", "PF-days"], value="FLOP", style=dict(button_width="84px"))
        self.compute_unit.add_class("sv-compute-unit")
        self.x_axis = w.ToggleButtons(options=["steps", "tokens"], value="steps", style=dict(button_width="70px"),
                                      tooltips=["loss against optimizer steps", "loss against tokens processed"])
        self.x_axis.add_class("sv-x-axis")
        self._n_is = w.Dropdown(options=[("as the law counts it", "law"), ("non-embedding", "non-embedding"),
                                        ("total (with embedding)", "total")], value="law",
                               description="N is", layout=w.Layout(width="96%"), style=dict(description_width="80px"))
        self._n_is.add_class("sv-n-convention")
        self._n_emb = w.Text(value="0", description="emb. params", layout=w.Layout(width="96%"), continuous_update=False,
                            tooltip="embedding parameters n_vocab x d_model, to convert between conventions",
                            style=dict(description_width="80px"))
        self._n_emb.add_class("sv-n-emb")
        self.n_emb_error = w.HTML("")
        self.n_emb_error.add_class("sv-error")
        self._n_emb_value = 0.0
        for t in (self.c_adjusts, self.x_axis, self._n_is):
            t.observe(lambda _c: self._update(), "value")
        self.batch_unit.observe(self._on_units, "value")
        self.compute_unit.observe(self._on_units, "value")
        self.seq_len_box.observe(self._on_seq_len, "value")
        self._n_emb.observe(self._on_n_emb, "value")

        self.link_note = w.HTML()
        self.warning = w.HTML()
        self.warning.add_class("sv-warning")
        self.summary = w.HTML()
        self.summary.add_class("sv-summary")
        self.law_note = w.HTML()
        self.markers = MarkerLayer()

        self._advanced_rows: dict[str, w.Text] | None = None  # built when the section is first opened
        self.advanced_box = w.VBox()
        self.advanced_error = w.HTML()
        self.advanced_error.add_class("sv-error")
        self.reset_button = w.Button(description="Reset to published", icon="undo", layout=w.Layout(width="170px"))
        self.reset_button.on_click(lambda _b: self._reset_constants())
        self.advanced = w.Accordion(children=[w.VBox([self.advanced_box, self.advanced_error, self.reset_button])])
        self.advanced.set_title(0, "Advanced: edit the law's constants")
        self.advanced.selected_index = None
        self.advanced.add_class("sv-advanced")
        # Its rows (a text box per constant) are built when the section is opened: about a hundred
        # widget models fewer for the browser to create on a first visit.
        self.advanced.observe(lambda _c: self.advanced_rows if self.advanced.selected_index == 0 else None,
                              "selected_index")

        # Draw the first state into plain figures, then wrap them: the first state then travels once, as
        # the widgets' state, and the markers start inside the figures (LiveFigure would also deliver
        # updates made before the page draws, but as a message each).
        self.fig_trajectory = figures.trajectory_figure()
        self.fig_overfit = figures.overfit_figure()
        self.fig_frontier = figures.frontier_figure()
        self.fig_overfit.layout.height = self.fig_frontier.layout.height  # one row of the grid
        self._logN = np.linspace(3, 13, 81)
        self._logD = np.linspace(6, 15, 73)
        self.fig_landscape = figures.landscape_figure(self._logN, self._logD)
        self.fig_bcrit = figures.bcrit_figure()
        self._note_link(None)
        self._update()
        self.fig_trajectory = figures.LiveFigure(self.fig_trajectory)
        self.fig_overfit = figures.LiveFigure(self.fig_overfit)
        self.fig_frontier = figures.LiveFigure(self.fig_frontier)
        self.fig_landscape = figures.LiveFigure(self.fig_landscape)
        self.fig_bcrit = figures.LiveFigure(self.fig_bcrit)
        for fig, css in ((self.fig_trajectory, "sv-fig-trajectory"), (self.fig_overfit, "sv-fig-overfit"),
                         (self.fig_frontier, "sv-fig-frontier"), (self.fig_landscape, "sv-fig-landscape"),
                         (self.fig_bcrit, "sv-fig-bcrit")):
            fig.add_class(css)
            fig.add_class("sv-fig")
        # The schedule section is built when first opened (its figure would add a plotly bundle to every page).
        self.schedule_panel = None
        self._schedule_values = dict(schedule or {})
        self._schedule_callbacks: list = []
        self.schedule_section = w.Accordion(children=[w.VBox([w.HTML(
            "<div class='sv-note'>The Multi-Power Law (Luo et al. 2025) predicts the whole loss curve under any "
            "learning-rate schedule: WSD or cosine, and how long a cooldown.</div>")])])
        self.schedule_section.set_title(0, "Loss under your learning-rate schedule (WSD, cosine, two-stage, ...)")
        self.schedule_section.selected_index = None
        self.schedule_section.add_class("sv-schedule-section")
        self.schedule_section.observe(lambda _c: self._build_schedule(), "selected_index")
        if schedule:  # a share link's settings: the section opens with them
            self.schedule_section.selected_index = 0
        self.widget = self._layout()

    # -- layout ------------------------------------------------------------------------------
    def _layout(self) -> w.Widget:
        c = self.controls
        units_box = w.VBox([
            w.HBox([w.HTML("<small>C adjusts</small>", layout=w.Layout(width="64px")), self.c_adjusts]),
            w.HBox([w.HTML("<small>batch in</small>", layout=w.Layout(width="64px")), self.batch_unit]),
            w.HBox([w.HTML("", layout=w.Layout(width="64px")), self.seq_len_box]), self.seq_len_error,
            w.HBox([w.HTML("<small>compute</small>", layout=w.Layout(width="64px")), self.compute_unit]),
            w.HBox([w.HTML("<small>x axis</small>", layout=w.Layout(width="64px")), self.x_axis]),
            self._n_is, self._n_emb, self.n_emb_error,
        ])
        left = w.VBox(
            [self.law_picker, self.law_note, *(c[k].widget for k in ("N", "D", "C", "B", "S")), self.link_note,
             self.warning, w.HTML("<hr style='margin:6px 0'><b>Inference demand</b> <span class='sv-note'>(Sardana et "
                                  "al. 2024: dotted on the compute-optimal figure)</span>"),
             self.inference_on, self.inference.widget,
             w.HTML("<hr style='margin:6px 0'><b>Units</b>"), units_box, self.advanced],
            layout=w.Layout(width="370px", min_width="340px", padding="0 12px 0 0"),
        )
        left.add_class("sv-controls")
        figs = w.GridBox(
            [self.fig_trajectory, self.summary, self.fig_overfit, self.fig_frontier, self.fig_landscape, self.fig_bcrit],
            layout=w.Layout(grid_template_columns="repeat(auto-fit, minmax(380px, 1fr))", grid_gap="8px 12px", width="100%"),
        )
        top = w.HBox([left, figs, self.markers], layout=w.Layout(width="100%", align_items="flex-start"))
        return w.VBox([top, self.schedule_section], layout=w.Layout(width="100%"))

    def _build_schedule(self) -> None:
        if self.schedule_section.selected_index != 0 or self.schedule_panel is not None:
            return
        from .schedule import SchedulePanel

        self.schedule_panel = SchedulePanel(self._schedule_values)
        self.schedule_panel.on_change.extend(self._schedule_callbacks)
        self.schedule_section.children = [self.schedule_panel.widget]
        for cb in self._schedule_callbacks:
            cb()

    def schedule_values(self) -> dict[str, Any]:
        """The schedule section's settings once built (else those it will open with)."""
        return self.schedule_panel.values() if self.schedule_panel is not None else dict(self._schedule_values)

    @property
    def advanced_rows(self) -> dict[str, w.Text]:
        """The constants' text boxes of the "Advanced" section (built on first use)."""
        if self._advanced_rows is None:
            self._build_advanced()
        return self._advanced_rows

    def _build_advanced(self) -> None:
        old = self.advanced_box.children
        rows = []
        self._advanced_rows = {}
        for key, prm in self._base.params.items():
            t = w.Text(value=f"{self.law[key]:.6g}", description=key, continuous_update=False,
                       layout=w.Layout(width="200px"), style=dict(description_width="100px"))
            t.observe(self._on_constant, "value")
            self._advanced_rows[key] = t
            rows.append(w.HBox([t, w.HTML(f"<small>{html.escape(prm.unit)}; {html.escape(prm.source)}</small>")]))
        self.advanced_box.children = rows
        for row in old:
            close_tree(row)
        self.advanced_error.value = ""

    # -- state -------------------------------------------------------------------------------
    @property
    def state(self) -> ExplorerState:
        v = {k: self.controls[k].value for k in ("N", "D", "B", "S")}
        return ExplorerState(law=self._base.name, seq_len=self.seq_len, **v)

    def set_state(self, **state: Any) -> None:
        """Set law and values (N, D, B in tokens, S) without per-control round trips; then redraw once."""
        self._busy = True
        try:
            if "law" in state and state["law"] != self.law_picker.value:
                self.law_picker.value = state["law"]
            for k in ("N", "D", "B"):
                if k in state:
                    self.controls[k].set(state[k])
            if "S" in state and "D" not in state:
                self.controls["D"].set(self.controls["B"].value * float(state["S"]))
        finally:
            self._busy = False
        self._relink("D")
        self._update()

    def _relink(self, moved: str) -> None:
        c = self.controls
        N, D, C, B, S = (c[k].value for k in ("N", "D", "C", "B", "S"))
        if moved == "C":
            if self.c_adjusts.value == "D":
                c["D"].set(C / (6 * N))
            else:
                c["N"].set(C / (6 * c["D"].value))
        elif moved == "S":
            c["D"].set(B * S)
        N, D, B = c["N"].value, c["D"].value, c["B"].value
        c["C"].set(6 * N * D)
        c["S"].set(D / B)
        clipped = [k for k, want in (("C", 6 * N * D), ("S", D / B)) if not math.isclose(c[k].value, want, rel_tol=1e-9)]
        if clipped:  # a derived value hit its slider's limit
            c["D"].set(min(c["D"].value, c["C"].value / (6 * N), c["S"].value * B))
            c["C"].set(6 * c["N"].value * c["D"].value)
            c["S"].set(c["D"].value / c["B"].value)
        self._note_link(moved)

    def _note_link(self, moved: str | None) -> None:
        follows = {"N": "C and S follow", "D": "C and S follow", "B": "S follows (D stays)", "S": "D and C follow",
                   "C": f"{self.c_adjusts.value} and S follow"}.get(moved, "")
        self.link_note.value = (
            '<div class="sv-link">Linked: <b>C = 6&middot;N&middot;D</b>, <b>D = B&middot;S</b>.'
            + (f" You moved <b>{moved}</b>: {follows}." if follows else "") + "</div>"
        )

    # -- events ------------------------------------------------------------------------------
    def _on_change(self, name: str, _value: float) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            self._relink(name)
        finally:
            self._busy = False
        self._update()

    def refresh_laws(self) -> None:
        """Re-read the registry into the law picker (after a fit is registered); a fitted law that
        was replaced under the same name is reloaded."""
        current = self.law_picker.value
        self.law_picker.unobserve(self._on_law, "value")
        try:
            self.law_picker.options = law_options(any_of=("loss", "trajectory"))
            self.law_picker.value = current
        finally:
            self.law_picker.observe(self._on_law, "value")
        if PRESETS[current].fitted:
            self._on_law({"new": current})
        if self.schedule_panel is not None:
            self.schedule_panel.refresh_laws()

    def _on_law(self, change) -> None:
        self._base = get_preset(change["new"])
        self.law = self._base
        if self._advanced_rows is not None:
            self._build_advanced()
        self._landscape_key = None
        if not self._busy:
            self._update()

    def _on_units(self, _change=None) -> None:
        if self.batch_unit.value == "sequences":
            self.controls["B"].set_display(f"seq. x {self.seq_len}", self.seq_len)
        else:
            self.controls["B"].set_display("tokens", 1.0)
        if self.compute_unit.value == "PF-days":
            self.controls["C"].set_display("PF-days", units.PF_DAY)
        else:
            self.controls["C"].set_display("FLOP", 1.0)
        self._update()

    def _on_seq_len(self, change) -> None:
        try:
            v = units.parse_quantity(change["new"], "seq len")
            if not (1 <= v <= 1e7) or v != int(v):
                raise ValueError(f"seq len: {change['new']!r} is out of range; expected a whole number of tokens, 1 to 10M")
        except ValueError as exc:
            self.seq_len_error.value = error_html(str(exc))
            return
        self.seq_len_error.value = ""
        self.seq_len = int(v)
        self._on_units()

    def _on_n_emb(self, change) -> None:
        try:
            v = units.parse_quantity(change["new"], "embedding")
            if v < 0:
                raise ValueError(f"embedding: {change['new']!r} is out of range; expected >= 0 parameters")
        except ValueError as exc:
            self.n_emb_error.value = error_html(str(exc))
            return
        self.n_emb_error.value = ""
        self._n_emb_value = v
        self._update()

    def _on_constant(self, change) -> None:
        changes, errors = {}, []
        for key, box in self.advanced_rows.items():
            try:
                v = units.parse_quantity(box.value, key)
            except ValueError as exc:
                errors.append(str(exc))
                continue
            if v != self._base[key]:
                changes[key] = v
        if errors:
            self.advanced_error.value = error_html("; ".join(errors) + " (the last good constants are kept)")
            return
        try:
            law = self._base.replace(**changes) if changes else self._base
            law.loss_converged(1e9) if law.has("loss") else law.min_loss(1e9)
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            self.advanced_error.value = error_html(str(exc))
            return
        self.advanced_error.value = ""
        self.law = law
        self._landscape_key = None
        self._update()

    def _reset_constants(self) -> None:
        self.law = self._base
        for key, box in (self._advanced_rows or {}).items():
            box.unobserve(self._on_constant, "value")
            box.value = f"{self._base[key]:.6g}"
            box.observe(self._on_constant, "value")
        self.advanced_error.value = ""
        self._landscape_key = None
        self._update()

    # -- computations ----------------------------------------------------------------------
    def law_N(self) -> float:
        """N in the chosen law's convention, converting with the embedding count if needed."""
        N, mode = self.controls["N"].value, self._n_is.value
        return N if mode == "law" else units.convert_N(N, mode, self.law.n_count, self._n_emb_value)

    def _batch_law(self) -> Preset:
        return preset_for("B_crit", self.law)

    def set_units(self, *, N_convention: str | None = None, N_embedding: float | str | None = None) -> None:
        """How N is counted (``"law"``, ``"non-embedding"``, ``"total"``) and the embedding count:
        what other tabs may set (the Plan tab's "Open in Explorer")."""
        if N_embedding is not None:  # a number, or text as a user would type it (checked like typed text)
            self._n_emb.value = N_embedding if isinstance(N_embedding, str) else f"{float(N_embedding):g}"
        if N_convention is not None:
            self._n_is.value = N_convention

    @property
    def units(self) -> dict[str, str]:
        """How N is counted and the embedding count as shown (what :meth:`set_units` sets)."""
        return {"N_convention": self._n_is.value, "N_embedding": self._n_emb.value}

    def on_state_change(self, callback) -> None:
        """Call ``callback()`` after any change of the law, of N, D, C, B, S, of the inference demand or of
        the schedule (share link)."""
        for c in self.controls.values():
            c.on_change(lambda *_: callback())
        self.law_picker.observe(lambda _c: callback(), "value")
        self.inference.on_change(lambda *_: callback())
        self.inference_on.observe(lambda _c: callback(), "value")
        self._schedule_callbacks.append(callback)
        if self.schedule_panel is not None:
            self.schedule_panel.on_change.append(callback)

    def _band(self, fn) -> dict[str, Any]:
        return model.band(self.law, fn)

    def predictions(self) -> dict[str, Any]:
        """Everything the summary shows, from the core (also used by tests): :func:`.explorer_model.predictions`."""
        c = self.controls
        return model.predictions(model.Settings(self.law, self.law_N(), c["D"].value, c["B"].value, c["S"].value,
                                                self._batch_law()))

    # -- drawing ---------------------------------------------------------------------------
    def _update(self) -> None:
        if self._busy:
            return
        try:
            p = self.predictions()
            self._draw(p)
        except Exception as exc:  # never a traceback in the page: say what failed, keep the controls
            self.warning.value = f'<div class="sv-error">{error_html(f"could not evaluate {self.law.name}: {exc}")}</div>'
            return
        self._draw_summary(p)

    def _marker_positions(self, p: dict[str, Any]) -> dict[str, dict[str, tuple[float, float] | None]]:
        law = self.law
        x_of = (lambda s: s * p["B"]) if self.x_axis.value == "tokens" else (lambda s: s)
        dl_law = preset_for("delta_L", law)
        return {
            "trajectory": dict(current=(x_of(p["S"]), p["loss"]),
                               s_min=(x_of(p["S_min"]), p["loss"]) if law.has("trajectory") else None),
            "overfit": dict(current=(p["D"], max(float(dl_law.delta_L(p["N"], p["D"])), 1e-6))),
            "frontier": dict(plan_N=(p["C"], p["N"]), plan_D=(p["C"], p["D"])),
            "landscape": dict(current=(math.log10(p["N"]), math.log10(p["D"]))),
            "bcrit": dict(current=(p["loss_for_batch"], p["B_crit"])),
        }

    def _draw_markers(self, p: dict[str, Any]) -> None:
        """All markers in one message, ahead of the figures' own updates (see ui/markers.py)."""
        placed = {f"sv-fig-{kind}": figures.marker_shapes(kind, **xy) for kind, xy in self._marker_positions(p).items()}
        self.markers.place(placed)
        if not isinstance(self.fig_trajectory, figures.LiveFigure):  # first draw: into the figures themselves
            for kind, shapes in placed.items():
                getattr(self, "fig_" + kind[7:]).layout.shapes = shapes

    def marker(self, figure: str, name: str) -> tuple[float, float] | None:
        """``(x, y)`` of a marker of an Explorer figure (``"trajectory"``, ...), as last drawn."""
        return self.markers.get(f"sv-fig-{figure}", name)

    def _draw(self, p: dict[str, Any]) -> None:
        law = self.law
        N, B, S = p["N"], p["B"], p["S"]
        xs_tokens = self.x_axis.value == "tokens"
        self._draw_markers(p)
        S_grid = np.logspace(0, max(math.log10(S) + 1.5, 4), 150)
        with self.fig_trajectory.batch_update():
            f = self.fig_trajectory
            curves = {}
            for key, b in (("quarter", B / 4), ("four", 4 * B), ("main", B)):
                curves[key] = y = model.loss_curve(law, N, S_grid, b)
                figures.trace(f, key).update(x=S_grid * (b if xs_tokens else 1), y=y)
            band = self._band(lambda s: model.loss_curve(s, N, S_grid, B))
            bi, lo_i = figures.trace(f, "band_hi"), figures.trace(f, "band_lo")
            if band["label"] is not None:
                xb = S_grid * (B if xs_tokens else 1)
                bi.update(x=xb, y=band["high"])
                lo_i.update(x=xb, y=band["low"], name="band: " + band["label"])
            else:
                bi.update(x=[], y=[])
                lo_i.update(x=[], y=[])
            _set_if_changed(figures.trace(f, "s_min"), "showlegend", law.has("trajectory"))
            xa = [S_grid[0] * (B if xs_tokens else 1), S_grid[-1] * (4 * B if xs_tokens else 1)]
            figures.trace(f, "asymptote").update(x=xa, y=[p["L_min"]] * 2)
            _set_if_changed(f.layout.xaxis.title, "text", "tokens processed B·S" if xs_tokens else "optimizer steps S")
            _set_if_changed(f.layout.title, "text", f"Loss trajectory at B = {units.format_quantity(B)} tokens"
                            + ("" if law.has("trajectory") else " (no batch term: L(N, D = B·S))"))
            ymax = float(np.nanmax(curves["quarter"][S_grid >= max(1.0, S / 1e3)]))
            f.layout.yaxis.range = [p["L_min"] * 0.97, min(ymax, p["L_min"] * 3) * 1.02]

        with self.fig_overfit.batch_update():
            f = self.fig_overfit
            dl_law = preset_for("delta_L", law)
            Dg = np.logspace(6, 15, 200)
            dl = np.asarray(dl_law.delta_L(N, Dg))
            figures.trace(f, "curve").update(x=Dg, y=np.where(dl > 1e-6, dl, np.nan))
            figures.trace(f, "two_pct").update(x=[Dg[0], Dg[-1]], y=[DELTA_L_NOISE.value] * 2)
            rule = preset_for("overfit_rule", law)  # a published rule of thumb (Kaplan's Eq. 4.4)
            d44 = float(rule.data_overfit_threshold(N))
            figures.trace(f, "eq44").update(x=[d44, d44], y=[1e-6, 10])
            _set_if_changed(f.layout.yaxis, "range", (-5, 0.5))
            _set_if_changed(f.layout.title, "text", f"Overfitting penalty at N = {units.format_quantity(N)}"
                            + ("" if dl_law is law else f" (from {dl_law.title})"))

        self._draw_frontier(p)
        self._draw_inference()
        self._draw_landscape(p)

        with self.fig_bcrit.batch_update():
            f = self.fig_bcrit
            bl = self._batch_law()
            Lg = np.linspace(1.5, 6.0, 120)
            figures.trace(f, "curve").update(x=Lg, y=bl.B_crit(Lg))
            _set_if_changed(f.layout.title, "text",
                            "Critical batch size" + ("" if bl is law else f" ({bl.title}, at its own loss)"))
            figures.trace(f, "batch").update(x=[Lg[0], Lg[-1]], y=[B, B])

    def _law_key(self) -> tuple:
        return (self.law.name, self.law.modified, tuple(self.law.values.values()))

    def _draw_frontier(self, p: dict[str, Any]) -> None:
        law = self.law
        if self._frontier_key == self._law_key():  # the curves depend on the law only: move the plan
            return
        self._frontier_key = self._law_key()
        Cg = np.logspace(15, 28, 120)
        empty = dict(x=[], y=[])
        with self.fig_frontier.batch_update():
            f = self.fig_frontier
            for tr in f.data:
                if tr.name not in ("your N", "your D"):  # legend entries of the markers
                    tr.update(**empty)
            title = "Compute-optimal allocation"
            methods = [m for m in law.optimal_methods if m != "numerical"] or ["numerical"] if law.has("optimal") else []
            for m, suffix in zip(methods[:2], ("", "_alt"), strict=False):
                o = law.compute_optimal(Cg, method=m)
                if "B_opt" in o:
                    B_opt, b_name = o["B_opt"], None
                else:  # no batch law in this one: Step Law's B(D) along the frontier, labelled so
                    hp = preset_for("batch")
                    B_opt = hp.hparams(N=o["N_opt"], D=o["D_opt"], C=Cg)["batch_tokens"]
                    b_name = f"B<sub>opt</sub> = B(D<sub>opt</sub>), {hp.name}"  # short: the legend has two columns
                S_opt = o.get("S_opt", o["D_opt"] / B_opt)
                for k, y in (("N", o["N_opt"]), ("D", o["D_opt"]), ("B", B_opt), ("S", S_opt)):
                    figures.trace(f, k + suffix).update(x=Cg, y=y)
                if not suffix and b_name is not None:
                    figures.trace(f, "B").update(name=b_name)
                    figures.trace(f, "S").update(name="S<sub>opt</sub> = D<sub>opt</sub>/B<sub>opt</sub>")
            if len(methods) > 1:
                title += f" (solid: {law.optimal_label(methods[0])}, dashed: {law.optimal_label(methods[1])})"
            elif methods and law.form.optimal_methods:
                title += f" ({law.optimal_label(methods[0])})"
            if methods:
                for key in ("N", "D"):
                    band = self._band(lambda s, key=key, m=methods[0]: s.compute_optimal(Cg, method=m)[f"{key}_opt"])
                    if band["label"] is not None and np.any(band["high"] > band["low"]):
                        figures.trace(f, f"{key}_band_hi").update(x=Cg, y=band["high"])
                        figures.trace(f, f"{key}_band_lo").update(x=Cg, y=band["low"])
            f.layout.title.text = title

    def inference_tokens(self) -> float | None:
        """The inference demand drawn on the frontier figure [tokens], or None when not counted."""
        return self.inference.value if self.inference_on.value else None

    def _draw_inference(self) -> None:
        """N* and D* of the models reaching each frontier loss at the least training + inference compute
        (Sardana et al. 2024), at their own training compute; empty without a loss(N, D) or when off."""
        law, D_inf = self.law, self.inference_tokens()
        key = (self._law_key(), D_inf)
        if key == self._inference_key:
            return
        self._inference_key = key
        f = self.fig_frontier
        for ctrl in (self.inference.slider, self.inference.text):
            ctrl.disabled = D_inf is None
        if D_inf is None or not law.has("inference_optimal"):
            with f.batch_update():
                for k in ("N_inf", "D_inf"):
                    figures.trace(f, k).update(x=[], y=[])
            return
        o = inference_frontier(law, np.logspace(15, 28, 60), D_inf).optimum
        served = units.format_number(D_inf)
        with f.batch_update():
            figures.trace(f, "N_inf").update(x=o["train_flop"], y=o["N"], name=f"N*, {served} served")
            figures.trace(f, "D_inf").update(x=o["train_flop"], y=o["D"], name=f"D*, {served} served")

    def _draw_landscape(self, p: dict[str, Any]) -> None:
        law = self.law
        key = (law.name, law.modified, tuple(law.values.values()), p["B"] if not law.has("loss") else None)
        with self.fig_landscape.batch_update():
            f = self.fig_landscape
            if key != self._landscape_key:
                Ng = 10.0 ** self._logN[None, :]
                Dg = 10.0 ** self._logD[:, None]
                if law.has("loss"):
                    Z = law.loss(Ng, Dg)
                    title = "Loss L(N, D); dotted: iso-FLOP 1e18 ... 1e26; red: optimum"
                else:
                    Z = law.trajectory(Ng, Dg / p["B"], p["B"])
                    title = f"Loss at B = {units.format_quantity(p['B'])} tokens; dotted: iso-FLOP; red: optimum"
                Z = np.where(np.asarray(Z) < 8, Z, np.nan)
                figures.trace(f, "contour").update(z=Z)
                xs, ys = [], []
                for c in 10.0 ** np.arange(18, 27, 2):
                    xs += [float(self._logN[0]), float(self._logN[-1]), None]
                    ys += [math.log10(c / 6) - float(self._logN[0]), math.log10(c / 6) - float(self._logN[-1]), None]
                figures.trace(f, "isoflop").update(x=xs, y=ys)
                Cg = np.logspace(12, 30, 80)
                o = law.compute_optimal(Cg) if law.has("optimal") else None
                if o is not None:
                    figures.trace(f, "frontier").update(x=np.log10(o["N_opt"]), y=np.log10(o["D_opt"]))
                f.layout.title.text = title
                self._landscape_key = key

    def _draw_summary(self, p: dict[str, Any]) -> None:
        law = self.law
        self.warning.value = model.warnings_html(law, p)
        conv_note = "" if self._n_is.value == "law" else f" (N used by the law: {model.fmt(p['N'])})"
        seq = self.seq_len if self.batch_unit.value == "sequences" else None
        self.summary.value = model.summary_html(law, p, conv_note=conv_note, seq_len=seq)
        self.law_note.value = f"<div class='sv-note'>{html.escape(law.formula)}</div>"
