"""Pure figure builders: arrays in, ``go.Figure`` out, no callbacks.

The apps wrap these with ``go.FigureWidget(fig)`` once and afterwards only assign new ``x``/``y``
to existing traces inside ``batch_update`` (trace order is part of each builder's contract and
is given by its ``TRACES`` tuple).
"""

from __future__ import annotations

from copy import deepcopy

import numpy as np
import plotly.graph_objects as go

from ..presets import DELTA_L_NOISE, preset_for
from ..units import format_quantity
from .assets import BUNDLE_ENV, CARTESIAN_TRACES, bundle, inline_esm, served_esm

__all__ = [
    "BCRIT_TRACES",
    "LiveFigure",
    "StaticFigure",
    "FRONTIER_TRACES",
    "LANDSCAPE_TRACES",
    "OVERFIT_TRACES",
    "TRAJECTORY_TRACES",
    "bcrit_figure",
    "get_marker",
    "layout",
    "line",
    "marker",
    "marker_shapes",
    "frontier_figure",
    "landscape_figure",
    "log_ticks",
    "overfit_figure",
    "trajectory_figure",
]

class LiveFigure(go.FigureWidget):
    """A ``go.FigureWidget`` whose updates reach the browser however early they are made.

    Two plotly behaviours lose updates, and both are handled here:

    - **Updates before the figure is first drawn.** plotly writes the browser-side state
      (``_widget_data``, ``_widget_layout``) only when the widget is built or displayed; every later
      change goes as a one-off ``_py2js_*`` message. A message sent before the browser listens (the
      page not yet connected, or the plotly bundle still loading) is applied by nobody, and the view
      then draws the stale state. So until a view reports that it has drawn (its first
      ``_js2py_layoutDelta`` or ``_js2py_traceDeltas``, sent after ``Plotly.newPlot``, when the
      browser-side model keeps its own copy in step), each update also writes the current data and
      layout to that state.
    - **Updates in a burst.** plotly sends each update by setting a ``_py2js_*`` trait to the message
      and immediately back to None. When one slider move updates several figures, the widget framework
      can coalesce the pair, and the browser then sees only None and drops the update (compare
      plotly/plotly.py#4933). The browser ignores None anyway and every message carries a new edit id,
      so the reset to None is skipped here.

    Its JavaScript is plotly's widget code with plotly.js's cartesian build (:func:`~scalingviz.ui.assets.bundle`:
    a third of the full plotly.js to download and evaluate on a first visit), so it draws the trace types
    in :data:`~scalingviz.ui.assets.CARTESIAN_TRACES` and refuses others when built.
    """

    def __init__(self, *args, **kwargs):
        # Under Voila the widget carries a loader for the bundle served once per page (ui.assets)
        # instead of the 1.6 MB bundle; anywidget reads ``_esm`` from the instance when it
        # creates the trait, so it is set before the widget exists.
        # Elsewhere it carries the bundle itself: plotly's, with plotly.js's cartesian build (ui.assets).
        esm = served_esm()
        object.__setattr__(self, "_esm", esm if esm is not None else inline_esm())
        super().__init__(*args, **kwargs)
        if bundle()[1] == "cartesian":
            other = sorted({t.type for t in self.data} - CARTESIAN_TRACES)
            if other:
                raise ValueError(f"LiveFigure: trace type(s) {', '.join(other)} are not in plotly.js's cartesian build "
                                 f"the figures load ({', '.join(sorted(CARTESIAN_TRACES))}); use go.FigureWidget, "
                                 f"or set {BUNDLE_ENV}=full")
        self.observe(self._on_drawn, names=["_js2py_layoutDelta", "_js2py_traceDeltas"])

    @property
    def drawn(self) -> bool:
        """Whether a browser view has drawn this figure (from then on the browser keeps its state)."""
        return self.__dict__.get("_sv_drawn", False)

    def _on_drawn(self, change) -> None:
        if change["new"]:
            self.__dict__["_sv_drawn"] = True

    def _keep_in_step(self) -> None:
        if not self.drawn:
            self._widget_data = deepcopy(self._data)
            self._widget_layout = deepcopy(self._layout_obj._props)

    def __setattr__(self, name, value):
        if value is None and name.startswith("_py2js_"):
            return
        super().__setattr__(name, value)
        if name.startswith("_py2js_"):  # every update plotly sends ends here
            self._keep_in_step()


class StaticFigure:
    """A figure a notebook shows and never updates: plotly's JSON mime bundle only (a few kB to a few
    hundred kB of data), drawn by plotly's JupyterLab/Notebook renderer.

    A :class:`LiveFigure` outside Voila carries its 1.6 MB bundle in its widget state, which a saved
    notebook keeps once per figure (with plotly's 5 MB bundle, executed course notebooks weighed 5-31 MB). ``fig`` is a
    ``go.Figure`` or a figure dict.
    """

    MIME = "application/vnd.plotly.v1+json"

    def __init__(self, fig) -> None:
        self.figure = fig if isinstance(fig, go.Figure) else go.Figure(fig)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        title = self.figure.layout.title.text or "figure"
        return {self.MIME: self.figure.to_plotly_json(), "text/plain": f"<plotly figure: {title}>"}


COLORS = {"main": "#1f5fa8", "faint": "#9bb7da", "band": "rgba(31,95,168,0.15)", "accent": "#d1495b",
          "ok": "#2a9d8f", "grey": "#8d99ae", "N": "#1f5fa8", "D": "#e07a1f", "B": "#2a9d8f", "S": "#8e5ea2"}


def layout(title: str, xtitle: str, ytitle: str, *, xlog=True, ylog=False, height=330, **extra) -> dict:
    return dict(
        title=dict(text=title, x=0.0, xanchor="left", y=0.985, yanchor="top", font=dict(size=13.5)),
        template="plotly_white",
        height=height,
        margin=dict(l=60, r=14, t=36, b=44),
        font=dict(size=12),
        xaxis=dict(title=dict(text=xtitle), type="log" if xlog else "linear", exponentformat="SI", showline=True,
                   mirror=True, linecolor="#ccc"),
        yaxis=dict(title=dict(text=ytitle), type="log" if ylog else "linear", exponentformat="SI", showline=True,
                   mirror=True, linecolor="#ccc"),
        legend=dict(orientation="v", yanchor="top", y=0.99, x=0.99, xanchor="right", font=dict(size=10.5),
                    bgcolor="rgba(255,255,255,0.85)", bordercolor="#e3e7ec", borderwidth=1),
        hovermode="closest",
        uirevision="keep",  # keep zoom/pan across updates
        **extra,
    )


def _named(fig: go.Figure, keys: tuple[str, ...]) -> go.Figure:
    """``fig`` with its traces named ``keys`` in order (their ``meta``; a FigureWidget overwrites ``uid``),
    for :func:`trace`."""
    if len(fig.data) != len(keys):
        raise ValueError(f"{len(fig.data)} traces for {len(keys)} names: {', '.join(keys)}")
    for t, key in zip(fig.data, keys, strict=True):
        t.meta = key
    return fig


def trace(fig, key: str):
    """The trace of ``fig`` named ``key`` (its ``meta``, set where the figure is built): updates go to
    traces by name, never by position."""
    for t in fig.data:
        if t.meta == key:
            return t
    raise KeyError(f"no trace {key!r} in this figure; its traces: {', '.join(str(t.meta) for t in fig.data)}")


def line(name, color, dash=None, width=2, showlegend=True, **kw) -> go.Scatter:
    return go.Scatter(x=[], y=[], mode="lines", name=name, line=dict(color=color, dash=dash, width=width),
                      showlegend=showlegend, **kw)


def marker(name, color, symbol="circle", size=10, **kw) -> go.Scatter:
    """The legend entry of a moving marker; the marker itself is a layout shape (see marker_shapes)."""
    return go.Scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                      marker=dict(color=color, symbol=symbol, size=size, line=dict(color="white", width=1)), **kw)


# --- moving markers ------------------------------------------------------------------------
# A marker that follows the sliders is a layout shape, not a trace. plotly.js redraws every trace
# of a figure when one trace changes (55 ms for the contour plot on this machine) but only the
# shape layer when the whole ``shapes`` array is replaced (about 2 ms). Shapes are sized in pixels
# around a data-space anchor, and drawn as paths: pixel-sized circles are misplaced on log axes.

MARKERS: dict[str, dict[str, tuple[str, str, float]]] = {  # figure -> marker -> (symbol, colour, size px)
    "trajectory": {"s_min": ("diamond", COLORS["ok"], 13), "current": ("circle", COLORS["accent"], 12)},
    "overfit": {"current": ("circle", COLORS["accent"], 12)},
    "frontier": {"plan_N": ("star", COLORS["N"], 16), "plan_D": ("star", COLORS["D"], 16)},
    "landscape": {"current": ("x", "white", 13)},
    "bcrit": {"current": ("circle", COLORS["accent"], 12)},
    "plan": {"plan": ("star", COLORS["accent"], 18)},
}


def _symbol_path(symbol: str, size: float) -> str:
    r = size / 2
    if symbol == "circle":
        ang = np.linspace(0, 2 * np.pi, 20, endpoint=False)
        pts = np.c_[r * np.cos(ang), r * np.sin(ang)]
    elif symbol == "diamond":
        pts = np.array([(0, r), (r, 0), (0, -r), (-r, 0)])
    elif symbol == "star":
        ang = np.pi / 2 + np.arange(10) * np.pi / 5
        rad = np.where(np.arange(10) % 2 == 0, r, 0.42 * r)
        pts = np.c_[rad * np.cos(ang), rad * np.sin(ang)]
    elif symbol == "x":
        return f"M{-r},{-r}L{r},{r}M{-r},{r}L{r},{-r}"
    else:
        raise ValueError(f"symbol: {symbol!r} is not known; expected circle, diamond, star or x")
    return "M" + "L".join(f"{x:.2f},{y:.2f}" for x, y in pts) + "Z"


def marker_shapes(kind: str, **xy: tuple[float, float] | None) -> list[dict]:
    """Layout shapes drawing the moving markers of a ``kind`` figure (a key of ``MARKERS``) at data
    points ``(x, y)``; a marker given as None, not given, or not finite is not drawn."""
    shapes = []
    for name, (symbol, color, size) in MARKERS[kind].items():
        pt = xy.get(name)
        if pt is None or not all(np.isfinite(pt)):
            continue
        open_path = symbol == "x"
        shapes.append(dict(type="path", name=name, path=_symbol_path(symbol, size), xref="x", yref="y",
                           xsizemode="pixel", ysizemode="pixel", xanchor=float(pt[0]), yanchor=float(pt[1]),
                           fillcolor=None if open_path else color, layer="above",
                           line=dict(color=color if open_path else "white", width=3 if open_path else 1)))
    return shapes


def get_marker(fig: go.Figure, name: str) -> tuple[float, float] | None:
    """The ``(x, y)`` of a moving marker, or None when it is not drawn."""
    for sh in fig.layout.shapes:
        if sh.name == name:
            return sh.xanchor, sh.yanchor
    return None


def log_ticks(lo: float, hi: float) -> dict:
    """Tick values/labels for an axis holding log10 of a count (``7B`` style labels)."""
    vals = list(range(int(np.floor(lo)), int(np.ceil(hi)) + 1))
    return dict(tickvals=vals, ticktext=[format_quantity(10.0**v, 3) for v in vals])


TRAJECTORY_TRACES = ("band_hi", "band_lo", "quarter", "four", "main", "asymptote", "s_min", "current")


def trajectory_figure() -> go.Figure:
    """Loss against training steps at batch B, B/4 and 4B; the converged loss; S_min; the current S."""
    data = [
        go.Scatter(x=[], y=[], mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip", name="band hi"),
        go.Scatter(x=[], y=[], mode="lines", line=dict(width=0), fill="tonexty", fillcolor=COLORS["band"],
                   name="band", hoverinfo="skip"),
        line("B/4", COLORS["faint"], dash="dot", width=1.5),
        line("4B", COLORS["faint"], dash="dash", width=1.5),
        line("batch B", COLORS["main"], width=2.5),
        line("min. loss L(N)", COLORS["grey"], dash="dash", width=1.5),
        marker("S_min", COLORS["ok"], symbol="diamond", size=11),
        marker("now", COLORS["accent"], size=12),
    ]
    return _named(go.Figure(data=data, layout=layout("Loss trajectory", "optimizer steps S", "loss [nats/token]")), TRAJECTORY_TRACES)


OVERFIT_TRACES = ("curve", "two_pct", "eq44", "current")


def overfit_figure() -> go.Figure:
    """Overfitting penalty deltaL = L(N, D)/L(N, inf) - 1 against D at fixed N, with the seed-noise level
    and the published rule of thumb for enough data (both named from the presets)."""
    rule = preset_for("overfit_rule")
    data = [
        line("δL(N, D)", COLORS["main"], width=2.5),
        line(f"{100 * DELTA_L_NOISE.value:g}% (seed noise)", COLORS["grey"], dash="dash", width=1.5),
        line(f"{rule.formula_for('overfit_rule')}, {rule.title}", COLORS["ok"], dash="dot", width=2),
        marker("now", COLORS["accent"], size=12),
    ]
    lay = layout("Overfitting penalty", "training tokens D", "δL = L(N, D) / L(N, ∞) − 1", ylog=True)
    lay["yaxis"].update(tickvals=[1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10],
                        ticktext=["0.001%", "0.01%", "0.1%", "1%", "10%", "100%", "1000%"])
    lay["legend"].update(x=0.01, xanchor="left", y=0.01, yanchor="bottom")
    return _named(go.Figure(data=data, layout=lay), OVERFIT_TRACES)


FRONTIER_TRACES = ("N_band_hi", "N_band_lo", "D_band_hi", "D_band_lo", "N", "D", "B", "S", "N_alt", "D_alt",
                   "B_alt", "S_alt", "plan_N", "plan_D", "N_inf", "D_inf")


def frontier_figure() -> go.Figure:
    """Compute-optimal N, D, B and S against C, with bands and the current plan."""
    band = dict(mode="lines", line=dict(width=0), hoverinfo="skip")
    data = [
        go.Scatter(x=[], y=[], showlegend=False, name="N band hi", **band),
        go.Scatter(x=[], y=[], fill="tonexty", fillcolor="rgba(31,95,168,0.15)", name="95% band", **band),
        go.Scatter(x=[], y=[], showlegend=False, name="D band hi", **band),
        go.Scatter(x=[], y=[], fill="tonexty", fillcolor="rgba(224,122,31,0.15)", name="95% band", showlegend=False, **band),
        line("N<sub>opt</sub>", COLORS["N"], width=2.5),
        line("D<sub>opt</sub>", COLORS["D"], width=2.5),
        line("B<sub>opt</sub>", COLORS["B"], width=2),
        line("S<sub>opt</sub>", COLORS["S"], width=2),
        line("dashed: App. B", COLORS["N"], dash="dash", width=1.5),
        line("D (App. B)", COLORS["D"], dash="dash", width=1.5, showlegend=False),
        line("B (App. B)", COLORS["B"], dash="dash", width=1.5, showlegend=False),
        line("S (App. B)", COLORS["S"], dash="dash", width=1.5, showlegend=False),
        marker("your N", COLORS["N"], symbol="star", size=14),
        marker("your D", COLORS["D"], symbol="star", size=14),
        line("N*, with inference", COLORS["N"], dash="dot", width=3),
        line("D*, with inference", COLORS["D"], dash="dot", width=3),
    ]
    lay = layout("Compute-optimal allocation", "compute C [FLOP]", "params · tokens · steps", ylog=True)
    # The legend below the plot: inside, its nine entries covered about 40% of the lines once inference
    # was counted. The height grows by the legend's rows, so the plot keeps its size.
    lay["legend"].update(orientation="h", x=0, xanchor="left", y=-0.17, yanchor="top", font=dict(size=9.5),
                         bgcolor="rgba(0,0,0,0)", borderwidth=0, tracegroupgap=0, traceorder="normal",
                         entrywidth=0.5, entrywidthmode="fraction")  # two entries a row
    lay["height"] = lay["height"] + 96
    lay["margin"]["b"] = 44 + 96
    lay["yaxis"]["range"] = [2, 17]
    return _named(go.Figure(data=data, layout=lay), FRONTIER_TRACES)


LANDSCAPE_TRACES = ("contour", "isoflop", "frontier", "current")


def landscape_figure(logN: np.ndarray, logD: np.ndarray) -> go.Figure:
    """Loss over (N, D) with iso-FLOP lines and the compute-optimal frontier; axes hold log10 values."""
    data = [
        go.Contour(x=logN, y=logD, z=np.full((logD.size, logN.size), np.nan), colorscale="Viridis", reversescale=True,
                   contours=dict(showlabels=True, labelfont=dict(size=10, color="white")), ncontours=18,
                   colorbar=dict(title=dict(text="loss", side="right"), thickness=12, len=0.9), name="loss",
                   hovertemplate="N %{x:.2f} (log10)<br>D %{y:.2f} (log10)<br>loss %{z:.3f}<extra></extra>"),
        go.Scatter(x=[], y=[], mode="lines", line=dict(color="white", dash="dot", width=1), name="iso-FLOP lines",
                   hoverinfo="skip"),
        line("optimal frontier", COLORS["accent"], width=2.5),
        marker("now", "white", symbol="x", size=12),
    ]
    lay = layout("Loss landscape", "N [params]", "D [tokens]", xlog=False, showlegend=False)
    lay["xaxis"].update(range=[float(logN[0]), float(logN[-1])], **log_ticks(logN[0], logN[-1]))
    lay["yaxis"].update(range=[float(logD[0]), float(logD[-1])], **log_ticks(logD[0], logD[-1]))
    return _named(go.Figure(data=data, layout=lay), LANDSCAPE_TRACES)


BCRIT_TRACES = ("curve", "batch", "current")


def bcrit_figure() -> go.Figure:
    """Critical batch size against loss, with the current loss and batch."""
    data = [
        line("B<sub>crit</sub>(L) = B<sub>*</sub> / L<sup>1/α<sub>B</sub></sup>", COLORS["main"], width=2.5),
        line("your B", COLORS["grey"], dash="dash", width=1.5),
        marker("now", COLORS["accent"], size=12),
    ]
    lay = layout("Critical batch size", "loss L [nats/token]", "B_crit [tokens]", xlog=False, ylog=True)
    lay["legend"].update(x=0.01, xanchor="left")
    lay["yaxis"]["dtick"] = 1
    lay["xaxis"]["autorange"] = "reversed"  # training moves left to right: loss falls
    return _named(go.Figure(data=data, layout=lay), BCRIT_TRACES)
