"""Fit: your runs -> a law, with bootstrap CIs, a held-out check and the published laws beside it.

Data comes from an uploaded CSV (``sv-upload``), a synthetic example shipped in ``data/`` (made
by ``data/make_synthetic.py`` with known true constants), or a published table fetched from its
public origin (:func:`scalingviz.datasets.load`). Columns are mapped with dropdowns
under a preview of the first rows. Every problem with a file is said inline (``sv-error``),
naming the column, row and value, and the mapping the user chose is kept.
"""

from __future__ import annotations

import base64
import html
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from .. import datasets, fit, units
from ..errors import InputError
from ..presets import PRESETS, register
from ..serialize import jsonable
from ..workflows import approach2, fit_runs, read_fit_data, reads_runs, score_table
from . import figures
from .controls import close_tree, error_html
from .curvefit import CurveFitView, curve_choices, is_curve_table
from .fit_results import predictions, result_figures, results_html, variable_columns

#: The fit workflow's parameter names -> the fields that give them (its errors name the field).
_FIELDS = {"holdout_above_C": "hold out C", "bounds": "constants", "fixed": "constants", "n_boot": "bootstrap"}

__all__ = ["EXAMPLES", "FitTab", "fit_choices"]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
#: Synthetic examples: file in data/ -> label.
EXAMPLES = {
    "synthetic_chinchilla.csv": "synthetic: Chinchilla form, known truth (63 runs)",
    "synthetic_kaplan.csv": "synthetic: Kaplan L(N, D), known truth (63 runs)",
    "multipower_luo2025/csv_100/wsd_20000_24000.csv": "loss curve: Luo et al.'s 100M model, WSD (step, lr, loss)",
}
def fit_choices() -> list[tuple[str, str]]:
    """What the form picker offers, from the registries: each published law's form under the law's
    name (as ``scalingviz fit --law``), then every other fittable form, your own included."""
    from ..laws.forms import FORMS as LAW_FORMS

    fittable = fit.fittable_forms()
    out, seen = [], set()
    for name, p in PRESETS.items():
        fits = p.form.fit_target in p.form.functions and set(p.form.required_variables(p.form.fit_target)) <= set(SCHEMA)
        if fits and p.form.name not in seen and not p.fitted and not p.secondary:
            out.append((f"{p.title} form", name))
            seen.add(p.form.name)
    for name in fittable:
        if name not in seen and set(LAW_FORMS[name].required_variables(LAW_FORMS[name].fit_target)) <= set(SCHEMA):
            out.append((f"{name}: {LAW_FORMS[name].formula}", name))
    out += [(f"Approach 2 (IsoFLOP), {m}: N*(C), D*(C)", key) for key, m in ISOFLOP_CHOICES.items()]
    for name in fit.table_forms():  # forms over other columns (experts, vocabulary, mixture shares...)
        if name not in seen and not _runs_form(name):
            f = LAW_FORMS[name]
            out.append((f"{name}: {f.formula} [over {', '.join(f.variables(f.fit_target))}]", name))
    return out


def _runs_form(law: str) -> bool:
    """Whether a choice reads the runs columns (N, D, C, loss, U, epochs) rather than any columns."""
    from ..laws.forms import FORMS as LAW_FORMS

    if law in ISOFLOP_CHOICES or law in PRESETS:
        return True
    f = LAW_FORMS[law]
    return set(f.required_variables(f.fit_target)) <= set(SCHEMA)
SCHEMA = ("N", "D", "C", "loss", "U", "epochs")


def published_choices() -> list[tuple[str, str]]:
    """The published data sets with a runs table, labelled with where they are (shipped, cached, or
    downloaded from their pinned origin on Load)."""
    from ..catalog import CATALOG, status

    labels = {"shipped": "shipped", "cached": "cached", "local copy": "local copy"}
    out = [(f"{ds.title} [{labels.get(status(k), f'downloads {ds.size / 1e3:,.0f} kB on Load')}]", k)
           for k, ds in CATALOG.items() if ds.runs is not None]
    for k, ds in CATALOG.items():  # a benchmark's tasks: a table of any columns each, with the form to fit
        where = labels.get(status(k), f"downloads {ds.size / 1e3:,.0f} kB on Load")
        out += [(f"ScaleBench {t.title}, train split [{where}]" if k == "scalebench" else
                 f"{k}: {t.title} [{where}]", f"{k}:{t.key}") for t in ds.tables]
    return out
#: Approach 2 (IsoFLOP) in the form picker: value -> method of :func:`scalingviz.fit.fit_isoflop`.
ISOFLOP_CHOICES = {f"isoflop:{m}": m for m in ("quadratic", "parabola", "akima")}
NONE = "(none)"


def _download_link(filename: str, mime: str, data: bytes, label: str) -> str:
    b64 = base64.b64encode(data).decode()
    return f"<a download='{html.escape(filename)}' href='data:{mime};base64,{b64}'>&#11015; {html.escape(label)}</a>"


class FitTab:
    """The Fit tab. ``on_register(preset)`` is called when the user registers a fit."""

    def __init__(self, on_register: Callable[[Any], None] | None = None):
        self.on_register = on_register
        self.raw: bytes | None = None
        self.source_name = ""
        self.columns: list[str] = []
        self.runs: datasets.RunsTable | None = None
        self.result: fit.FitResult | None = None
        self.boot: fit.BootstrapResult | None = None
        self.heldout: fit.HeldOut | None = None
        self.rollout: fit.HeldOut | None = None
        self.stages: fit.DataConstrainedFit | None = None
        self.report = None  # the last RunsFitReport (scalingviz.workflows)
        self.test_score = None  # the fit scored on a benchmark table's held-out split
        self.isoflop: fit.IsoflopFit | None = None

        self.source = w.ToggleButtons(options=[("Upload a CSV", "upload"), ("Synthetic example", "example"),
                                               ("Published data", "published")], value="upload",
                                      style=dict(button_width="150px"))
        self.source.add_class("sv-fit-source")
        self.upload = w.FileUpload(accept=".csv,.txt,.tsv,.jsonl,.ndjson,.parquet", multiple=False, description="Choose file",
                                   tooltip="your runs (CSV, TSV, JSON Lines or Parquet): N, loss, and D or C")
        self.upload.add_class("sv-upload")
        self.example = w.Dropdown(options=[(v, k) for k, v in EXAMPLES.items()], layout=w.Layout(width="360px"))
        self.example.add_class("sv-fit-example")
        self.published = w.Dropdown(options=published_choices(), layout=w.Layout(width="360px"))
        self.published.add_class("sv-fit-published")
        self.load_button = w.Button(description="Load", icon="folder-open", layout=w.Layout(width="90px"))
        self.load_button.add_class("sv-fit-load")
        self.source_box = w.HBox()
        self.file_error = w.HTML()
        self.file_error.add_class("sv-error")
        self.preview = w.HTML()
        self.preview.add_class("sv-fit-preview")
        self.mapping = {k: w.Dropdown(options=[NONE], value=NONE, description=k, layout=w.Layout(width="230px"),
                                      style=dict(description_width="52px")) for k in SCHEMA}
        self._user_mapping: dict[str, str] = {}  # what the user picked, kept across files
        self._setting = False
        for k, dd in self.mapping.items():
            dd.add_class(f"sv-fit-col-{k}")
            dd.observe(lambda c, k=k: self._on_map(k, c["new"]), "value")
        # A form over other columns: one dropdown per variable, and the target column.
        self.var_map: dict[str, w.Dropdown] = {}
        self._user_vars: dict[str, str] = {}  # the user's variable -> column picks, kept across forms and files
        self.target = w.Dropdown(options=[NONE], value=NONE, description="target", layout=w.Layout(width="230px"),
                                 style=dict(description_width="52px"),
                                 tooltip="the column the law predicts (a loss, an accuracy: any sign on the linear scale)")
        self.target.add_class("sv-fit-target")
        self.target.observe(lambda c: self._on_var("@target", c["new"]), "value")
        self.var_box = w.VBox()
        self.var_box.add_class("sv-fit-vars")
        self.spec = None  # the catalogue's TableSpec of a loaded benchmark table
        self.space = w.ToggleButtons(options=[("log scale", "log"), ("linear scale", "linear")], value="log",
                                     style=dict(button_width="100px"),
                                     tooltips=["residuals of log target (Hoffmann et al.; the target must be > 0)",
                                               "residuals of the target itself (any sign: normalised losses, "
                                               "accuracies)"])
        self.space.add_class("sv-fit-space")
        # User-facing default: Chinchilla's form, as Hoffmann et al. and Epoch fit it.
        self.form = w.Dropdown(options=fit_choices(), value="hoffmann2022",
                               description="form", layout=w.Layout(width="360px"), style=dict(description_width="40px"))
        self.form.add_class("sv-fit-form")
        self.n_boot = w.BoundedIntText(value=200, min=0, max=2000, description="bootstrap", layout=w.Layout(width="190px"),
                                       style=dict(description_width="70px"))
        self.n_boot.add_class("sv-fit-nboot")
        self.holdout = w.Text(value="", placeholder="e.g. 1e21", description="hold out C >", continuous_update=False,
                              layout=w.Layout(width="230px"), style=dict(description_width="90px"))
        self.holdout.add_class("sv-fit-holdout")
        self.select = w.Text(value="", placeholder="e.g. sweep=a; N>=1e8; C<=1e21; drop 5", description="rows",
                             continuous_update=False, layout=w.Layout(width="460px"), style=dict(description_width="40px"),
                             tooltip="keep rows: COLUMN=VALUE (equality), N, D or C >= / <= a number, 'drop K' "
                                     "(the K highest losses); separated by ';'")
        self.select.add_class("sv-fit-select")
        self.constraints = w.Text(value="", placeholder="e.g. E=1.8; alpha>=0.2; E~1.8+-0.1 (prior)", description="constants",
                                  continuous_update=False, layout=w.Layout(width="460px"),
                                  style=dict(description_width="70px"),
                                  tooltip="pin a constant (NAME=VALUE) or bound it (NAME>=LOW, NAME<=HIGH); ';' between")
        self.constraints.add_class("sv-fit-constraints")
        self.largest = w.Checkbox(value=False, description="leave the largest model out (rollout score)",
                                  indent=False, layout=w.Layout(width="320px"))
        self.largest.add_class("sv-fit-largest")
        self.fit_button = w.Button(description="Fit", icon="play", button_style="primary", layout=w.Layout(width="90px"))
        self.fit_button.add_class("sv-fit-run")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="", layout=w.Layout(width="300px",
                                                                                              visibility="hidden"))
        self.progress.add_class("sv-progress")
        self.progress_note = w.HTML()
        self.fit_error = w.HTML()
        self.fit_error.add_class("sv-error")
        self.results = w.HTML()
        self.results.add_class("sv-fit-results")
        self.figs = w.HBox(layout=w.Layout(width="100%"))
        self.reg_name = w.Text(value="my-fit", description="name", layout=w.Layout(width="230px"),
                               style=dict(description_width="40px"))
        self.reg_name.add_class("sv-fit-name")
        self.reg_button = w.Button(description="Use this fit", icon="check", disabled=True,
                                   tooltip="register the fit as a law: it appears in the Explorer, Compare and Plan")
        self.reg_button.add_class("sv-fit-register")
        self.mode_note = w.HTML()
        self.mode_note.add_class("sv-fit-mode")
        self._curve_mode = False
        self.curve_view = CurveFitView()
        self.reg_note = w.HTML()
        self.reg_note.add_class("sv-fit-reg-note")
        self.exports = w.HTML()
        self.exports.add_class("sv-fit-exports")

        self.form.observe(lambda _c: self._on_form(), "value")
        self.source.observe(lambda _c: self._show_source(), "value")
        self.upload.observe(self._on_upload, "value")
        self.load_button.on_click(lambda _b: self._load_selected())
        self.fit_button.on_click(lambda _b: self.run_fit())
        self.reg_button.on_click(lambda _b: self.register())
        self._show_source()
        self.widget = self._layout()
        self.widget.add_class("sv-fit")

    # -- layout ------------------------------------------------------------------------------
    def _layout(self) -> w.Widget:
        self.schema_box = w.VBox([w.HBox([self.mapping["N"], self.mapping["loss"]]),
                                  w.HBox([self.mapping["D"], self.mapping["C"]]),
                                  w.HBox([self.mapping["U"], self.mapping["epochs"]])])
        self.schema_box.add_class("sv-fit-schema")
        step = lambda t: w.HTML(f"<div class='sv-plan-section'>{t}</div>")  # noqa: E731
        left = w.VBox([
            step("1. Data"), self.source, self.source_box, self.file_error,
            w.HTML("<div class='sv-note'>Columns: <b>N</b> [params], <b>loss</b> [nats/token], and <b>D</b> [tokens] "
                   "or <b>C</b> [FLOP] (then D = C/6N); any columns for a form over other variables (experts, "
                   "vocabulary, mixture shares); or a loss curve: <b>step</b>, <b>lr</b>, <b>loss</b>. Up to "
                   f"{datasets.MAX_BYTES // 2**20} MiB; CSV (comma, semicolon or tab), JSON Lines or Parquet.</div>"),
            step("2. Columns"), self.schema_box, self.var_box, self.mode_note, self.preview,
            self.select, step("3. Fit"), self.form,
            w.HBox([w.HTML("<div style='text-align:right;padding-right:8px'>fit on</div>",
                           layout=w.Layout(width="48px")), self.space], layout=w.Layout(align_items="center")),
            self.constraints, w.HBox([self.n_boot, self.holdout]),
            self.largest,
            w.HBox([self.fit_button, self.progress,
                                                                                   self.progress_note]),
            self.fit_error,
        ], layout=w.Layout(width="500px", min_width="480px", padding="0 14px 0 0"))
        right = w.VBox([self.results, self.figs, step("4. Use it"),
                        w.HBox([self.reg_name, self.reg_button]), self.reg_note, self.exports],
                       layout=w.Layout(width="100%"))
        return w.HBox([left, right], layout=w.Layout(width="100%", align_items="flex-start"))

    def _show_source(self) -> None:
        kind = self.source.value
        self.source_box.children = {"upload": [self.upload],
                                    "example": [self.example, self.load_button],
                                    "published": [self.published, self.load_button]}[kind]

    # -- data --------------------------------------------------------------------------------
    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        f = files[0]
        content = f["content"]
        raw = content.tobytes() if hasattr(content, "tobytes") else bytes(content)
        self.load_bytes(raw, f.get("name", "uploaded file"))

    def _load_selected(self) -> None:
        try:
            if self.source.value == "example":
                path = DATA_DIR / self.example.value
                self.load_bytes(path.read_bytes(), path.name)
            else:
                choice = self.published.value
                name, _, task = choice.partition(":")
                local = datasets.load(name)
                self.published.options = published_choices()  # "downloads ... on Load" became "cached"
                self.published.value = choice
                if task:
                    spec = next(t for t in local.spec.tables if t.key == task)
                    path = local.path(spec.file)
                    self.load_bytes(path.read_bytes(), path.name, spec=spec)
                else:
                    path, runs = local.path(), local.spec.runs
                    self.load_bytes(path.read_bytes(), path.name, mapping=runs.columns, law=runs.law)
        except (ValueError, OSError) as exc:
            self.file_error.value = error_html(str(exc))

    def load_bytes(self, raw: bytes, name: str, *, mapping: dict[str, str] | None = None,
                   law: str | None = None, spec: Any = None) -> bool:
        """Read a file's header and first rows; keep the user's column mapping where it still applies.
        ``spec`` (a catalogue ``TableSpec``) loads a benchmark's table with its form, columns, target and scale."""
        self.file_error.value = ""
        self.fit_error.value = ""
        try:
            table = datasets.read_table(raw, max_bytes=datasets.MAX_BYTES)
        except ValueError as exc:
            self.file_error.value = error_html(str(exc).replace("uploaded file", name))
            return False
        self.raw, self.source_name, self.columns = raw, name, list(table)
        self._clear_results()  # the previous file's fit is not this file's
        if spec is None and self.spec is not None and self.spec.apart:
            self.select.value = ""  # the previous table's group selection is not this file's
        self.spec = spec
        self._set_curve_mode(is_curve_table(self.columns))
        if not self._curve_mode:
            self._set_mapping(mapping)
        if spec is not None:
            self._user_vars.update({**spec.columns, "@target": spec.target})
            self.space.value = spec.space
            self.select.value = (f"{spec.apart}={sorted(set(table[spec.apart]))[0]}" if spec.apart else "")
            law = spec.law
        if law is not None and self.form.value != law:
            self.form.value = law  # rebuilds the variables' dropdowns
        else:
            self._on_form()
        rows = min(5, len(next(iter(table.values()))) if table else 0)
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(table[c][i]))}</td>" for c in self.columns) + "</tr>"
                       for i in range(rows))
        n = len(next(iter(table.values()))) if table else 0
        self.preview.value = (f"<div class='sv-note'>{html.escape(name)}: {n} rows, first {rows}:</div>"
                              f"<div style='overflow-x:auto; max-width: 480px'><table class='sv-table'>"
                              f"<tr>{head}</tr>{body}</table></div>")
        return True

    def _clear_results(self) -> None:
        self.results.value = ""
        old, self.figs.children = self.figs.children, []
        for fig in old:
            close_tree(fig)
        self.result, self.boot, self.heldout, self.isoflop = None, None, None, None
        self.reg_button.disabled = True

    def _set_curve_mode(self, curve: bool) -> None:
        """A (step, lr, loss) table is a loss curve: curve laws, no column mapping, no bootstrap."""
        self._curve_mode = curve
        choices = curve_choices() if curve else fit_choices()
        if [v for _, v in self.form.options] != [v for _, v in choices]:
            self.form.options = choices
            self.form.value = choices[0][1] if curve else "hoffmann2022"
        for dd in (*self.mapping.values(), self.n_boot, self.holdout, self.space):
            dd.disabled = curve
        if curve:
            self.var_box.children = []
        self.mode_note.value = ("<div class='sv-note'>A loss curve (columns step, lr, loss): fitted with a "
                                "schedule-aware law; the columns above are not used.</div>" if curve else "")

    def table_mode(self) -> bool:
        """Whether the fit reads any columns (a form over other variables, or a benchmark's table) rather
        than the runs columns (N, D, C, loss, U, epochs)."""
        return not self._curve_mode and (self.spec is not None or not _runs_form(self.form.value))

    def _on_form(self) -> None:
        """Show the columns the chosen form reads: the runs columns, or one dropdown per variable and the target."""
        if self._curve_mode:
            return
        table = self.table_mode()
        self.schema_box.layout.display = "none" if table else ""
        for dd in (self.holdout, self.largest):
            dd.disabled = table
        self.select.placeholder = ("e.g. group=pile (COLUMN=VALUE; ';' between)" if table else
                                   "e.g. sweep=a; N>=1e8; C<=1e21; drop 5")
        if not table:
            self.var_box.children = []
            self.mode_note.value = ""
            return
        from ..laws.forms import get_form

        form = get_form(self.form.value)
        variables = form.variables(form.fit_target)
        opts = [NONE, *self.columns]
        lower = {c.lower(): c for c in self.columns}
        self._setting = True
        try:
            self.var_map = {}
            for v in variables:
                dd = w.Dropdown(options=opts, description=v, layout=w.Layout(width="230px"),
                                style=dict(description_width="52px"))
                dd.add_class(f"sv-fit-var-{v}")
                pick = self._user_vars.get(v)
                dd.value = pick if pick in self.columns else lower.get(v.lower(), NONE)
                dd.observe(lambda c, v=v: self._on_var(v, c["new"]), "value")
                self.var_map[v] = dd
            self.target.options = opts
            pick = self._user_vars.get("@target")
            self.target.value = (pick if pick in self.columns else
                                 next((lower[g] for g in ("loss", "val_loss", "final_loss") if g in lower), NONE))
        finally:
            self._setting = False
        pairs = [*self.var_map.values(), self.target]
        self.var_box.children = [w.HBox(pairs[i:i + 2]) for i in range(0, len(pairs), 2)]
        apart = (f" The benchmark fits each <b>{html.escape(self.spec.apart)}</b> apart: the rows field keeps one; "
                 "change it to fit another." if self.spec is not None and self.spec.apart else "")
        self.mode_note.value = (f"<div class='sv-note'>{html.escape(form.name)} reads "
                                f"{', '.join(f'<b>{html.escape(v)}</b>' for v in variables)}: map each to a column, "
                                f"and the <b>target</b> it predicts. Rows are selected by COLUMN=VALUE; hold-outs by "
                                f"compute need a runs table.{apart}</div>")

    def _on_var(self, key: str, value: str) -> None:
        if not self._setting:
            self._user_vars[key] = value

    def variable_map(self) -> tuple[dict[str, str], str]:
        """The form's variables -> columns, and the target column (table mode)."""
        return {v: dd.value for v, dd in self.var_map.items() if dd.value != NONE}, self.target.value

    def _on_map(self, key: str, value: str) -> None:
        if not self._setting:
            self._user_mapping[key] = value

    def _set_mapping(self, mapping: dict[str, str] | None) -> None:
        self._setting = True
        try:
            self._apply_mapping(mapping)
        finally:
            self._setting = False
        missing = {k: c for k, c in self._user_mapping.items() if c != NONE and c not in self.columns}
        if missing:
            self.file_error.value = error_html(
                "your mapping " + ", ".join(f"{k} = {c!r}" for k, c in missing.items())
                + f" does not fit {self.source_name}: its columns are {', '.join(map(repr, self.columns))}; "
                "the mapping is kept for a file that has them")

    def _apply_mapping(self, mapping: dict[str, str] | None) -> None:
        opts = [NONE, *self.columns]
        lower = {c.lower(): c for c in self.columns}
        guesses = {"U": ("u", "unique_tokens", "unique tokens", "unique"), "epochs": ("epochs", "epoch"),
                   "N": ("n", "params", "model size", "parameters", "n_params"), "D": ("d", "tokens", "n_tokens"),
                   "C": ("c", "flops", "training flop", "compute"), "loss": ("loss", "final_loss", "val_loss")}
        for k, dd in self.mapping.items():
            keep = self._user_mapping.get(k, dd.value)
            dd.options = opts
            if mapping and k in mapping and mapping[k] in self.columns:
                dd.value = mapping[k]
            elif keep in self.columns:  # the user's choice survives a new file with that column
                dd.value = keep
            else:
                dd.value = next((lower[g] for g in guesses[k] if g in lower), NONE)
        if self.mapping["D"].value != NONE and self.mapping["C"].value != NONE:
            self.mapping["C"].value = NONE
        if self.mapping["U"].value != NONE and self.mapping["epochs"].value != NONE:
            self.mapping["epochs"].value = NONE

    def column_map(self) -> dict[str, str]:
        return {k: dd.value for k, dd in self.mapping.items() if dd.value != NONE}

    # -- fit ---------------------------------------------------------------------------------
    def run_fit(self) -> bool:
        """Read the runs with the mapping, fit, bootstrap (with progress), held-out check, draw."""
        self.fit_error.value = ""
        if self.raw is None:
            self.fit_error.value = error_html("no data: upload a CSV, or load an example or a published data set")
            return False
        law = self.form.value
        if self._curve_mode:
            return self._run_curve_fit(law)
        t0 = time.perf_counter()
        self.rollout, self.stages, self.coverage = None, None, None
        try:
            filters, lo, hi, drop = datasets.parse_selection(self.select.value)
            space = self.space.value
            if self.table_mode():
                cols, target = self.variable_map()
                if target == NONE:
                    raise InputError("target: choose the column the law predicts")
            else:  # the runs columns; on the linear scale they are read as a table with the loss as its target
                cols = self.column_map()
                target = "loss"
                if space != "log" and law not in ISOFLOP_CHOICES:
                    target = cols.pop("loss", "loss")
            if law in ISOFLOP_CHOICES or reads_runs(law, cols, target, space):
                runs = read_fit_data(self.raw, law if law not in ISOFLOP_CHOICES else "chinchilla", columns=cols,
                                     filters=filters, allow_duplicates=law in ISOFLOP_CHOICES)
                runs = replace(runs.select(minimum=lo, maximum=hi, drop_highest_loss=drop), source=self.source_name)
                if law in ISOFLOP_CHOICES:
                    return self._run_isoflop(runs, ISOFLOP_CHOICES[law])
            else:
                if lo or hi or drop:
                    raise InputError("rows: N, D or C limits and 'drop K' select runs in a runs table; this fit reads "
                                     "any columns: select rows with COLUMN=VALUE")
                runs = replace(read_fit_data(self.raw, law, columns=cols, target=target, space=space, filters=filters),
                               source=self.source_name)
            holdout = (units.parse_quantity(self.holdout.value, "hold out C")
                       if self.holdout.value.strip() and not self.holdout.disabled else None)
            fixed, bounds, prior = fit.parse_fit_constants(self.constraints.value)
            n_boot = int(self.n_boot.value)
            if n_boot > 0:
                self.progress.max = n_boot
                self.progress.value = 0
                self.progress.layout.visibility = "visible"

            def tick(i: int, n: int) -> None:
                self.progress.value = i
                self.progress_note.value = f"<span class='sv-note'>bootstrap {i} / {n}</span>"

            report = fit_runs(runs, law, fixed=fixed, bounds=bounds, holdout_above_C=holdout, n_boot=n_boot,
                              leave_largest_out=self.largest.value and not self.largest.disabled, n_jobs=1,
                              progress=tick, space=space, prior=prior)
            self.test_score = None
            if self.spec is not None and self.spec.test_file and self.table_mode():  # the benchmark's held-out split
                test = datasets.load(self.published.value.partition(":")[0]).path(self.spec.test_file)
                self.test_score = score_table(report.result, test, columns=cols, target=target, filters=filters)
        except (ValueError, fit.FitError) as exc:
            name, _, rest = str(exc).partition(":")
            self.file_error.value = ""
            self.fit_error.value = error_html((_FIELDS.get(name, name) + ":" + rest if rest else str(exc))
                                              .replace("uploaded file", self.source_name))
            return False
        self.progress_note.value = ""
        self.report = report
        self.runs, self.result, self.boot, self.heldout = report.runs, report.result, report.boot, report.heldout
        self.stages, self.coverage, self.rollout, self.held_mask = (report.stages, report.coverage, report.rollout,
                                                                     report.held_mask)
        result = report.result
        self.elapsed = time.perf_counter() - t0
        self.fit_count = getattr(self, "fit_count", 0) + 1
        self.results.value = self._render()
        if self.test_score is not None:
            t = self.test_score
            self.results.value += (
                f"<div class='sv-plan-h'>Held out: the benchmark's test split ({html.escape(self.spec.test_file)}, "
                f"{t.n} rows at higher cost than the fitted ones)</div><div>R<sup>2</sup> <b>{t.r2:.3f}</b> "
                f"(1 is exact, 0 the mean's; clipped to [-1, 1]), median |error| {t.median_abs_error:.3g} "
                f"{html.escape(self.report.result.target)}</div>")
        self._draw()
        try:
            result.to_preset()
            self.reg_button.disabled, self.reg_note.value = False, ""
        except ValueError as exc:  # a form whose fit leaves constants undetermined says which
            self.reg_button.disabled = True
            self.reg_note.value = f"<span class='sv-note'>{html.escape(str(exc))}</span>"
        self._exports()
        return True

    def _run_isoflop(self, runs: datasets.RunsTable, method: str) -> bool:
        """Approach 2: budgets, N* and D* per budget, the power laws in C, a figure of the optima."""

        report = approach2({"C": runs.C, "N": runs.N, "D": runs.D, "loss": runs.loss}, method=method, skip_small=True)
        r = report.fit
        rows = "".join(
            f"<tr><td>{b['C']:.3g}</td><td>{b['n_runs']}</td><td>{units.format_quantity(b['N_opt']) if b['used'] else '&ndash;'}"
            f"</td><td>{units.format_quantity(b['D_opt']) if b['used'] else '&ndash;'}</td><td>"
            f"{b['loss_opt']:.4g}</td></tr>" if b["used"] else
            f"<tr><td>{b['C']:.3g}</td><td>{b['n_runs']}</td><td colspan=3 class='sv-note'>not used: "
            f"{html.escape(b.get('reason', 'minimum not bracketed'))}</td></tr>" for b in r.budgets)
        ci = r.ci
        self.results.value = (
            f"<div class='sv-plan-badges'><span class='sv-badge' style='background:#2a7d3f'>{html.escape(r.status)}</span>"
            f"<span class='sv-note'>Approach 2, {html.escape(method)}: {html.escape(fit.ISOFLOP_METHODS[method])}; "
            f"{html.escape(r.flop_model)}</span></div>"
            f"<div><b>N* = {r.k_N:.4g} C^{r.a:.4f}</b>" + (f" [{ci['a'][0]:.3f}, {ci['a'][1]:.3f}]" if ci else "")
            + f"; <b>D* = {r.k_D:.4g} C^{r.b:.4f}</b>" + (f" [{ci['b'][0]:.3f}, {ci['b'][1]:.3f}]" if ci else "")
            + "</div><table class='sv-table'><tr><th>budget C [FLOP]</th><th>runs</th><th>N*</th><th>D* [tokens]</th>"
            f"<th>loss</th></tr>{rows}</table>")
        used = [b for b in r.budgets if b["used"]]
        Cs = np.array([b["C"] for b in used])
        Cg = np.logspace(np.log10(Cs.min()), np.log10(Cs.max()), 50)
        lay = figures.layout("Approach 2: the optima per budget and the power laws", "compute C [FLOP]",
                             "N* [params], D* [tokens]", ylog=True, height=360, width=560)
        lay["legend"].update(x=0.01, xanchor="left")
        fig = figures.LiveFigure(go.Figure(data=[
            go.Scatter(x=Cs, y=[b["N_opt"] for b in used], mode="markers", name="N*", marker=dict(color=figures.COLORS["N"])),
            go.Scatter(x=Cg, y=r.k_N * Cg**r.a, mode="lines", name=f"N* ~ C^{r.a:.3f}", line=dict(color=figures.COLORS["N"])),
            go.Scatter(x=Cs, y=[b["D_opt"] for b in used], mode="markers", name="D*", marker=dict(color=figures.COLORS["D"])),
            go.Scatter(x=Cg, y=r.k_D * Cg**r.b, mode="lines", name=f"D* ~ C^{r.b:.3f}", line=dict(color=figures.COLORS["D"])),
        ], layout=lay))
        fig.add_class("sv-fig-fit-isoflop")
        old = self.figs.children
        self.figs.children = [fig]
        for f in old:
            close_tree(f)
        self.isoflop = r
        self.result = None
        self.reg_button.disabled = True
        self.reg_note.value = ("<span class='sv-note'>Approach 2 gives N*(C) and D*(C), not a loss law; fit a form to "
                               "the same runs for a law.</span>")
        self.exports.value = _download_link("scalingviz-isoflop.json", "application/json",
                                            json.dumps(jsonable(r.to_dict()), indent=1).encode(), "budgets and exponents (JSON)")
        return True

    def _run_curve_fit(self, law: str) -> bool:
        try:
            self.results.value = self.curve_view.fit(self.raw, self.source_name, law)
        except (ValueError, fit.FitError) as exc:
            self.fit_error.value = error_html(f"{self.source_name}: {exc}")
            return False
        old = self.figs.children
        fig = self.curve_view.figure()
        if old != (fig,):
            self.figs.children = [fig]
            for f in old:
                if f is not fig:
                    close_tree(f)
        self.result = self.curve_view.result
        self.reg_button.disabled, self.reg_note.value = False, ""
        r = self.result
        payload = {"form": r.form, "params": r.params, "status": r.status, "fit": r.fit, "setup": self.curve_view.setup}
        self.exports.value = _download_link("scalingviz-curve-fit.json", "application/json",
                                            json.dumps(jsonable(payload), indent=1).encode(), "fitted parameters (JSON)")
        return True

    def _render(self) -> str:
        return results_html(self.report, self.fit_count, self.elapsed)

    def _draw(self) -> None:
        """The first fit builds the two figures (a FigureWidget built with its data is drawn whole);
        later fits with the same traces update them in place, which saves the page ~10 MB of
        widget bundle per fit (two new FigureWidgets each ship plotly's bundle)."""
        overlay_fig, resid_fig = result_figures(self.report)
        old = self.figs.children
        names = lambda f: [t.name for t in f.data]  # noqa: E731
        if len(old) == 2 and names(old[0]) == names(overlay_fig) and names(old[1]) == names(resid_fig):
            for live, new in zip(old, (overlay_fig, resid_fig), strict=True):
                with live.batch_update():
                    for tr, nt in zip(live.data, new.data, strict=True):
                        tr.update(x=nt.x, y=nt.y)
                    live.layout.showlegend = new.layout.showlegend
            return
        overlay = figures.LiveFigure(overlay_fig)
        overlay.add_class("sv-fig-fit-overlay")
        resid = figures.LiveFigure(resid_fig)
        resid.add_class("sv-fig-fit-residuals")
        self.figs.children = [overlay, resid]
        for fig in old:
            close_tree(fig)

    def _exports(self) -> None:
        r = self.result
        payload = {"form": r.form, "law": self.form.value, "params": r.params, "objective": r.objective,
                   "status": r.status, "n_points": r.n_points, "data_range": r.data_range,
                   "ci": self.report.ci,
                   "heldout": self.heldout.to_dict() if self.heldout is not None else None}
        preds, cols = predictions(self.result, self.runs), variable_columns(self.result, self.runs)
        columns = {**cols, r.target: self.runs.loss, **{f"pred_{k.replace(' ', '_')}": p for k, p in preds.items()}}
        lines = [",".join(columns)]
        for i in range(len(self.runs)):
            lines.append(",".join(f"{c[i]:.6g}" for c in columns.values()))
        self.exports.value = (
            _download_link("scalingviz-fit.json", "application/json",
                           json.dumps(jsonable(payload), indent=1).encode(), "fitted parameters (JSON)")
            + " &nbsp; " + _download_link("scalingviz-predictions.csv", "text/csv", ("\n".join(lines) + "\n").encode(),
                                          "predictions (CSV)"))

    def register(self) -> Any:
        """Register the fit as a preset under the chosen name (replacing an earlier fit of that name)."""
        name = self.reg_name.value.strip()
        if self.result is None:
            self.reg_note.value = error_html("fit first")
            return None
        if not name or any(ch in name for ch in "&<>'\" "):
            self.reg_note.value = error_html(f"name: {name!r} is not valid; use letters, digits, '-' or '_'")
            return None
        existing = PRESETS.get(name)
        if existing is not None and not existing.fitted:
            self.reg_note.value = error_html(f"name: {name!r} is a published law; choose another name")
            return None
        if self._curve_mode:
            preset = register(self.result.to_preset(name, setup=self.curve_view.setup), overwrite=True)
            self.reg_note.value = (f"<div class='sv-link'>&#10003; <b>{html.escape(name)}</b> is now a law in the "
                                   "Explorer's schedule section, marked [fitted]; its setup is your run's (peak LR "
                                   f"{self.curve_view.setup['peak_lr']:g}, {self.curve_view.setup['steps']:,} steps)."
                                   "</div>")
        else:
            preset = register(self.result.to_preset(name=name), overwrite=True)
            rng = preset.fitted_range
            self.reg_note.value = (f"<div class='sv-link'>&#10003; <b>{html.escape(name)}</b> is now a law in the "
                                   f"Explorer, Compare and Plan tabs, marked [fitted]; fitted on N "
                                   f"{units.format_quantity(rng.N[0])} to {units.format_quantity(rng.N[1])}.</div>")
        if self.on_register is not None:
            self.on_register(preset)
        return preset
