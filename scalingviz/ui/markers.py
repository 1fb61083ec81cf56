"""Moving markers drawn straight into plotly figures, without a plotly redraw.

Each Explorer figure marks the current plan (the loss now, S_min, your N and D, ...). The
markers are layout shapes (see ``figures.marker_shapes``). Sent through plotly's FigureWidget,
any layout edit carries the widget's ``_doNotReportToPy`` flag, which plotly.js does not know
and answers with a full recalculation and redraw of the figure: 18-56 ms per figure on this
machine, the contour plot being the slowest. :class:`MarkerLayer` sends all markers of one
slider move in one small message and replaces each figure's ``shapes`` with a plain
``Plotly.relayout``, which redraws only the shape layer (under 1 ms; BENCHMARKS.md). The
FigureWidget reports that relayout back to Python, so the figure's own ``layout.shapes``
follows in a live session.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

__all__ = ["MarkerLayer"]

_ESM = r"""
function apply(model, state) {
  const all = model.get("shapes") || {};
  let missing = false;
  for (const [css, shapes] of Object.entries(all)) {
    const key = JSON.stringify(shapes);
    if (state.applied[css] === key) continue;
    const gd = document.querySelector("." + css + ".js-plotly-plot");
    if (!gd || !gd._fullLayout || !window.Plotly) { missing = true; continue; }
    state.applied[css] = key;
    window.Plotly.relayout(gd, {shapes: shapes});
  }
  // Figures still being drawn at page load: try again shortly.
  if (missing && state.retries++ < 600) setTimeout(() => apply(model, state), 100);
}

export default {
  render({ model, el }) {
    el.style.display = "none";
    const state = { applied: {}, retries: 0 };
    const onChange = () => { state.retries = 0; apply(model, state); };
    model.on("change:shapes", onChange);
    onChange();
    return () => model.off("change:shapes", onChange);
  },
};
"""


class MarkerLayer(anywidget.AnyWidget):
    """The markers of several figures, keyed by the figure's CSS class (``sv-fig-...``).

    Put the layer anywhere in the displayed widget tree; it draws nothing itself.
    """

    _esm = _ESM
    shapes = traitlets.Dict().tag(sync=True)

    def place(self, placed: dict[str, list[dict[str, Any]]]) -> None:
        """Replace the shapes of the figures in ``placed`` (CSS class -> shapes) in one message;
        figures whose shapes did not change are left alone."""
        new = {**self.shapes, **placed}
        if new != self.shapes:
            self.shapes = new

    def get(self, css: str, name: str) -> tuple[float, float] | None:
        """``(x, y)`` of marker ``name`` in figure ``css``, or None when it is not drawn."""
        for sh in self.shapes.get(css, []):
            if sh.get("name") == name:
                return sh["xanchor"], sh["yanchor"]
        return None
