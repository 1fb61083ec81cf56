"""The dashboard: tabs of the apps, URL query -> initial state, share link, exports.

``Dashboard().widget`` is what ``notebooks/dashboard.ipynb`` displays. Under Voila the page's
query string reaches the kernel as ``$QUERY_STRING``; :func:`parse_query` reads only numbers and
known names from it and reports everything else as a notice (escaped, never echoed raw).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import ipywidgets as w

from .. import units
from ..errors import shown
from ..presets import PRESETS
from ..serialize import jsonable
from .assets import READY_FILE_ENV
from .compare import Compare
from .explorer import RANGES, Explorer
from .fitter import FitTab
from .planner import CHOICES as PLAN_CHOICES
from .planner import FIELDS as PLAN_FIELDS
from .planner import PlanTab

__all__ = ["CSS", "Dashboard", "DashboardPage", "NOTEBOOK_CELLS", "parse_query", "share_query"]

NUMERIC_KEYS = ("N", "D", "B", "S", "C", "inference")
#: The query's numbers and their ranges: the Explorer's sliders, and the inference demand [tokens served].
QUERY_RANGES = {**RANGES, "inference": (1e9, 1e17)}
TABS = ("explorer", "compare", "plan", "fit")
#: The Plan tab's fields in the URL query: ``plan_N=7B&plan_D=1.4T&plan_gpu=H100``...
PLAN_QUERY_PREFIX = "plan_"
#: The schedule section's settings in the URL query: ``sched_kind=wsd&sched_cooldown=0.2``...
SCHED_QUERY_PREFIX = "sched_"
SCHED_NUMBERS = ("steps", "peak_lr", "warmup", "floor", "cooldown", "switch", "lr2")

CSS = """
<style>
.sv-app { font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; font-size: 13px; color: #222; }
.sv-header { display:flex; align-items:baseline; gap:14px; margin: 2px 0 6px 0; }
.sv-header h2 { margin: 0; font-size: 20px; font-weight: 600; color: #1f3b63; }
.sv-header .sv-tagline { color: #666; font-size: 13px; }
.sv-error-text { color: #b3261e; font-size: 12px; }
.sv-warn { color: #8a5300; background: #fff4e0; border-left: 3px solid #e0a100; padding: 3px 6px; margin: 3px 0;
           font-size: 12px; border-radius: 2px; }
.sv-link { color: #444; font-size: 12px; background: #f3f6fa; padding: 4px 6px; border-radius: 3px; margin: 2px 0; }
.sv-note { color: #666; font-size: 11.5px; }
.sv-unit { color: #555; font-size: 12px; }
.sv-summary-box { border: 1px solid #dde3ea; border-radius: 4px; padding: 8px 10px; background: #fbfcfe; }
.sv-summary-title { font-weight: 600; margin-bottom: 4px; color: #1f3b63; }
.sv-table { border-collapse: collapse; width: 100%; }
.sv-table td, .sv-table th { padding: 3px 6px; border-bottom: 1px solid #eef1f5; vertical-align: top; text-align: left; }
.sv-table th { font-weight: 600; color: #444; }
.sv-bad { color: #b3261e; font-weight: 600; }
.sv-band { color: #1f5fa8; }
.sv-spread { margin: 2px 0 6px 0; }
.sv-fig { border: 1px solid #eef1f5; border-radius: 4px; }
.sv-share-row { display: flex; align-items: center; gap: 8px; }
.sv-share-row input { width: 520px; font-family: monospace; font-size: 12px; padding: 2px 4px; }
.sv-notice { color: #8a5300; font-size: 12px; }
.sv-app .widget-html-content { line-height: 1.4; }
.sv-app .widget-html { margin-top: 1px; margin-bottom: 1px; }
.sv-control .widget-html-content { line-height: 1.2; }
.sv-app .widget-toggle-buttons .widget-toggle-button { font-size: 12px; }
.sv-badge { display: inline-block; color: white; border-radius: 10px; padding: 2px 9px; margin: 0 6px 4px 0;
            font-size: 12px; font-weight: 600; }
.sv-plan-section { font-weight: 600; color: #1f3b63; margin: 8px 0 2px 0; border-bottom: 1px solid #e3e7ec; }
.sv-plan-h { font-weight: 600; color: #1f3b63; margin: 10px 0 2px 0; }
.sv-plan-table td:first-child { white-space: nowrap; }
</style>
"""


def parse_query(query: str) -> tuple[dict[str, Any], list[str]]:
    """Initial state from a URL query such as ``law=hoffmann2022&N=7e10&D=1.4T``.

    Only known keys are read: ``law`` and ``tab`` must be known names, ``N``, ``D``, ``B``
    (tokens), ``S`` and ``C`` must be positive numbers in their slider ranges (``7B`` style
    accepted). Everything else is ignored with a notice; notices are plain text (escape them
    before showing them as HTML).
    """
    state: dict[str, Any] = {}
    notices: list[str] = []
    for key, value in parse_qsl((query or "").lstrip("?"), keep_blank_values=True):
        short = shown(value)
        if key == "law":
            if value in PRESETS:
                state["law"] = value
            else:
                notices.append(f"ignored law={short}: not a known law ({', '.join(PRESETS)})")
        elif key == "tab":
            if value in TABS:
                state["tab"] = value
            else:
                notices.append(f"ignored tab={short}: valid tabs are {', '.join(TABS)}")
        elif key.startswith(PLAN_QUERY_PREFIX) and key[len(PLAN_QUERY_PREFIX):] in PLAN_FIELDS:
            field = key[len(PLAN_QUERY_PREFIX):]
            try:  # numbers only; the Plan tab checks ranges and shows its messages inline
                if not math.isfinite(units.parse_quantity(value, field)):
                    raise ValueError("not a finite number")
            except ValueError as exc:
                notices.append(f"ignored {key}={short}: {str(exc).split(': ', 1)[-1]}")
                continue
            state.setdefault("plan", {})[field] = value
        elif key.startswith(PLAN_QUERY_PREFIX) and key[len(PLAN_QUERY_PREFIX):] in PLAN_CHOICES:
            field = key[len(PLAN_QUERY_PREFIX):]
            valid = [v for _, v in PLAN_CHOICES[field][0]]
            if value in valid:
                state.setdefault("plan", {})[field] = value
            else:
                notices.append(f"ignored {key}={short}: valid values are {', '.join(valid)}")
        elif key.startswith(SCHED_QUERY_PREFIX):
            from ..schedules import DECAY_SHAPES, KINDS

            field = key[len(SCHED_QUERY_PREFIX):]
            names = {"kind": KINDS, "decay_shape": DECAY_SHAPES,
                     "law": tuple(n for n, p in PRESETS.items() if p.has("curve"))}
            if field in names:
                if value in names[field]:
                    state.setdefault("schedule", {})[field] = value
                else:
                    notices.append(f"ignored {key}={short}: valid values are {', '.join(names[field])}")
            elif field in SCHED_NUMBERS:
                try:  # numbers only; the panel checks ranges and shows its messages inline
                    x = units.parse_quantity(value, field)
                    if not math.isfinite(x):
                        raise ValueError("not a finite number")
                except ValueError as exc:
                    notices.append(f"ignored {key}={short}: {str(exc).split(': ', 1)[-1]}")
                    continue
                state.setdefault("schedule", {})[field] = x
            else:
                notices.append(f"ignored unknown parameter {shown(key)}")
        elif key in NUMERIC_KEYS:
            try:
                v = units.parse_quantity(value, key)
                lo, hi = QUERY_RANGES[key]
                if not lo <= v <= hi:
                    raise ValueError(f"{key}: {short!r} is out of range {units.format_quantity(lo)} to "
                                     f"{units.format_quantity(hi)}")
            except ValueError as exc:
                notices.append(f"ignored {key}={short}: {str(exc).split(': ', 1)[-1]}")
                continue
            state[key] = v
        else:
            notices.append(f"ignored unknown parameter {shown(key)}")
    return state, notices


def share_query(state: dict[str, Any]) -> str:
    """The query string that reproduces a state (numbers with 6 significant digits)."""
    items = []
    for k, v in state.items():
        if k in NUMERIC_KEYS:
            items.append((k, f"{float(v):.6g}"))
        elif k in ("law", "tab"):
            items.append((k, str(v)))
        elif k == "plan":
            items += [(PLAN_QUERY_PREFIX + f, str(x)) for f, x in v.items()]
        elif k == "schedule":
            items += [(SCHED_QUERY_PREFIX + f, f"{x:.6g}" if isinstance(x, float) else str(x)) for f, x in v.items()]
    return urlencode(items)


class Dashboard:
    """All tabs, the share link and the exports."""

    def __init__(self, query: str | None = None):
        query = os.environ.get("QUERY_STRING", "") if query is None else query
        state, notices = parse_query(query)
        ex_state = {k: state[k] for k in ("law", "N", "D", "B", "inference") if k in state}
        if "schedule" in state:
            ex_state["schedule"] = state["schedule"]
        if "S" in state:
            ex_state["D"] = state["S"] * state.get("B", 2**19)
        self.explorer = Explorer(**ex_state) if ex_state else Explorer()
        # The Compare tab is built when first shown: plotly sizes a figure when it is drawn, and a
        # figure drawn inside a hidden tab comes out clipped.
        self.compare: Compare | None = None
        self._compare_C = state.get("C", 1e24)
        self.compare_box = w.VBox([w.HTML("<div class='sv-note'>loading...</div>")], layout=w.Layout(width="100%"))
        self.explorer.widget.add_class("sv-tab-explorer")
        self.compare_box.add_class("sv-tab-compare")
        # The Plan tab too is built when first shown; until then its query values wait here.
        self.planner: PlanTab | None = None
        self._plan_values: dict[str, Any] = dict(state.get("plan", {}))
        self.plan_box = w.VBox([w.HTML("<div class='sv-note'>loading...</div>")], layout=w.Layout(width="100%"))
        self.plan_box.add_class("sv-tab-plan")
        self.fitter: FitTab | None = None
        self.fit_box = w.VBox([w.HTML("<div class='sv-note'>loading...</div>")], layout=w.Layout(width="100%"))
        self.fit_box.add_class("sv-tab-fit")
        self.tabs = w.Tab(children=[self.explorer.widget, self.compare_box, self.plan_box, self.fit_box])
        for i, t in enumerate(("Explorer", "Compare laws", "Plan a run", "Fit your runs")):
            self.tabs.set_title(i, t)
        if state.get("tab") in TABS:
            self.tabs.selected_index = TABS.index(state["tab"])
        self.tabs.observe(self._on_tab, "selected_index")
        self._on_tab()
        self.tabs.add_class("sv-tabs")
        self.notice = w.HTML("".join(f"<div class='sv-notice'>&#9432; {html.escape(n)}</div>" for n in notices))
        self.notice.add_class("sv-query-notice")
        self.share = w.HTML()
        self.share.add_class("sv-share")
        self.export_link = w.HTML()
        self.export_link.add_class("sv-export")
        self.btn_json = w.Button(description="State JSON", icon="download", layout=w.Layout(width="120px"),
                                 tooltip="download the current state and predictions as JSON")
        self.btn_html = w.Button(description="Figures HTML", icon="download", layout=w.Layout(width="130px"),
                                 tooltip="download the Explorer figures as one self-contained HTML page "
                                         "(plotly.js included, about 5 MB; opens offline)")
        self.btn_json.on_click(lambda _b: self._export_json())
        self.btn_html.on_click(lambda _b: self._export_html())
        self.explorer.on_state_change(self._update_share)
        self.tabs.observe(lambda _c: self._update_share(), "selected_index")
        header = w.HTML(
            "<div class='sv-header'><h2>scalingviz</h2><span class='sv-tagline'>the scaling laws of language-model "
            "training: slide N, D, C, B, S and watch every law respond</span></div>"
        )
        tools = w.HBox([self.share, self.btn_json, self.btn_html, self.export_link],
                       layout=w.Layout(align_items="center", width="100%", margin="6px 0 0 0"))
        self.widget = w.VBox([w.HTML(CSS), header, self.notice, self.tabs, tools], layout=w.Layout(width="100%"))
        self.widget.add_class("sv-app")
        self._update_share()

    def _on_tab(self, _change=None) -> None:
        if self.tabs.selected_index == TABS.index("compare") and self.compare is None:
            self.compare = Compare(C=self._compare_C)
            self.compare_box.children = [self.compare.widget]
        if self.tabs.selected_index == TABS.index("plan") and self.planner is None:
            self.planner = PlanTab(self._plan_values, on_open_explorer=self.open_in_explorer)
            self.planner.on_change.append(self._update_share)
            self.plan_box.children = [self.planner.widget]
        if self.tabs.selected_index == TABS.index("fit") and self.fitter is None:
            self.fitter = FitTab(on_register=self.law_registered)
            self.fit_box.children = [self.fitter.widget]

    def law_registered(self, preset) -> None:
        """A fit became a law: offer it in every tab's law picker."""
        self.explorer.refresh_laws()
        if self.compare is not None:
            self.compare.refresh_laws(add=preset.name)
        if self.planner is not None:
            self.planner.refresh_laws(add=preset.name)

    def open_in_explorer(self, plan) -> None:
        """Carry a plan's N (in its own convention), D and batch over to the Explorer tab."""
        ex = self.explorer
        ex.set_units(N_convention=plan.N_convention, N_embedding=plan.N_embedding or 0.0)
        state = {"N": plan.N, "D": plan.D}
        if plan.batch_tokens is not None:
            state["B"] = plan.batch_tokens
        ex.set_state(**state)
        self.tabs.selected_index = TABS.index("explorer")

    def state(self) -> dict[str, Any]:
        s = dict(self.explorer.state)
        s.pop("seq_len", None)
        s.pop("S", None)  # S = D / B
        s["tab"] = TABS[self.tabs.selected_index or 0]
        plan = self.planner.values() if self.planner is not None else self._plan_values
        if plan:
            s["plan"] = plan
        sched = self.explorer.schedule_values()
        if sched:
            s["schedule"] = sched
        if self.explorer.inference_tokens() is not None:
            s["inference"] = self.explorer.inference_tokens()
        return s

    def _update_share(self) -> None:
        q = html.escape(share_query(self.state()))
        self.share.value = (f"<div class='sv-share-row'><span class='sv-note'>Share link</span>"
                            f"<input readonly value='?{q}' onclick='this.select()'>"
                            f"<a href='?{q}' target='_blank'>open</a></div>")

    def _download(self, filename: str, mime: str, data: bytes, label: str) -> None:
        b64 = base64.b64encode(data).decode()
        self.export_link.value = (f"<a download='{filename}' href='data:{mime};base64,{b64}'>"
                                  f"&#11015; {html.escape(label)}</a>")

    def _export_json(self) -> None:
        payload = {"state": self.state(), "predictions": self.explorer.predictions(),
                   "law": self.explorer.law.to_dict()}
        self._download("scalingviz-state.json", "application/json",
                       json.dumps(jsonable(payload), indent=1).encode(), "scalingviz-state.json")

    def _export_html(self) -> None:
        import plotly.io as pio

        figs = [self.explorer.fig_trajectory, self.explorer.fig_overfit, self.explorer.fig_frontier,
                self.explorer.fig_landscape, self.explorer.fig_bcrit]
        parts = [pio.to_html(f, include_plotlyjs=i == 0, full_html=False) for i, f in enumerate(figs)]
        page = ("<html><head><meta charset='utf-8'><title>scalingviz</title></head><body>"
                + self.explorer.summary.value + "".join(parts) + "</body></html>")
        self._download("scalingviz-figures.html", "text/html", page.encode(), "scalingviz-figures.html")


#: The code cells of ``notebooks/dashboard.ipynb`` (the CLI writes the same for non-editable installs).
NOTEBOOK_CELLS = ("from scalingviz.ui.dashboard import DashboardPage", "app = DashboardPage()",
                  "app.wait_for_request()", "app.widget")


class DashboardPage:
    """What ``notebooks/dashboard.ipynb`` shows: a :class:`Dashboard` that can be built before anyone
    asks for the page.

    ``scalingviz dashboard`` runs Voila with a preheated kernel: the notebook runs in a waiting
    kernel before a browser opens the page, so the page's URL query is not known yet. The dashboard
    is built with its defaults; :meth:`wait_for_request` then blocks until a browser asks, and when
    the link carries settings (a share link) builds the dashboard again from them. Figures are built
    with their data rather than updated: updates sent before the browser connects would be lost.
    Anywhere else (JupyterLab, a Voila without preheating) the dashboard is built from
    ``$QUERY_STRING`` at once and :meth:`wait_for_request` does nothing.
    """

    def __init__(self):
        self.preheated = os.environ.get("VOILA_PREHEAT") == "True"
        self.dashboard = Dashboard("" if self.preheated else None)
        self.widget = w.VBox([self.dashboard.widget], layout=w.Layout(width="100%"))

    def wait_for_request(self) -> None:
        if not self.preheated:
            return
        from voila.utils import wait_for_request

        ready = os.environ.get(READY_FILE_ENV)
        if ready:  # the server's first preheated kernel is warm: binder/start lets the Jupyter server start
            Path(ready).touch()
        wait_for_request()
        query = os.environ.get("QUERY_STRING", "")
        if query:
            from .controls import close_tree

            old, self.dashboard = self.dashboard, Dashboard(query)
            self.widget.children = [self.dashboard.widget]
            close_tree(old.widget)
