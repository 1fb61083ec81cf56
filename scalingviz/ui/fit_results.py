"""The Fit tab's results: the constants with their intervals and checks as HTML, the two figures (observed
against predicted, residuals on the fit's scale), and the predictions at every run; pure functions of a
:class:`~scalingviz.workflows.RunsFitReport` (no widgets)."""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from .. import fit, units
from ..datasets import RunsTable
from ..presets import PRESETS
from ..table import Table
from ..workflows import RunsFitReport, objective_text
from . import figures

__all__ = ["predictions", "result_figures", "results_html", "variable_columns"]


def results_html(report: RunsFitReport, fit_count: int, elapsed: float) -> str:
    """The fit's status, constants with their intervals, and its checks, as the tab shows them."""
    r, b = report.result, report.boot
    ci = report.ci or {}
    status_kind = "good" if r.status == "converged" else "warn"
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td><b>{v:.5g}</b></td><td>"
        + (f"[{ci[k][0]:.4g}, {ci[k][1]:.4g}]" if k in ci else "&ndash;") + "</td></tr>"
        for k, v in r.params.items())
    ci_head = (f"95% CI ({b.n_resamples} resamples" + (f", {b.n_failed} failed" if b.n_failed else "") + ")"
               if b is not None else "95% CI (set bootstrap > 0)")
    out = (f"<div class='sv-plan-badges'><span class='sv-badge' style='background:"
           f"{'#2a7d3f' if status_kind == 'good' else '#9a6100'}'>{html.escape(r.status)}</span>"
           f"<span class='sv-note'>{html.escape(r.form)}: {html.escape(r.law_form.formula)}; {r.n_points} "
           f"{'runs' if r.target == 'loss' else 'rows'}; objective {html.escape(objective_text(r))}; condition number "
           f"{r.condition:.2g}; {html.escape(r.message)}; "
           f"fit #{fit_count} took {elapsed:.2f} s</span></div><table class='sv-table'><tr><th>parameter</th><th>fit</th><th>{ci_head}</th></tr>"
           f"{rows}</table>")
    if report.stages is not None:
        st = report.stages
        first = ("stage 1 skipped (every Chinchilla constant pinned)" if st.single_epoch is None else
                 f"the Chinchilla constants from the {st.n_single} single-epoch runs "
                 f"({html.escape(st.single_epoch.status)})")
        prof = "; ".join(f"{k}: objective within {100 * p['tolerance']:.2g}% of its best for "
                         f"{p['interval'][0]:.3g} ... {p['interval'][1]:.3g}" + (" (end of grid)" if p["open"] else "")
                         for k, p in st.profile.items())
        out += (f"<div class='sv-note'>Two stages (Muennighoff et al.): {first}, then R_D* and R_N* "
                f"from all {st.n_repeated} runs: " + ", ".join(f"{k} {v:.4g}" for k, v in st.params.items())
                + (f". Profile: {html.escape(prof)}" if prof else "") + "</div>")
    if report.rollout is not None:
        g = report.rollout
        out += (f"<div class='sv-plan-h'>Largest model left out: {g.n} runs of N = "
                f"{units.format_quantity(float(report.runs.N.max()))}</div><div>median |error| "
                f"<b>{g.median_abs_pct_error:.2f}%</b>, max {g.max_abs_pct_error:.2f}% (fit on the "
                f"{g.n_train} smaller runs)</div>")
    h = report.heldout
    if h is not None:
        d = h.to_dict()
        pub = "".join(f"<tr><td>{html.escape(n)}" + (" <span class='sv-note'>(in sample: fitted on these runs)"
                                                      "</span>" if e.get("in_sample") else "")
                      + f"</td><td>{e['median_abs_pct_error']:.2f}%</td>"
                      f"<td>{e['max_abs_pct_error']:.2f}%</td></tr>" for n, e in d["presets"].items())
        cov = report.coverage
        cov_txt = (f"<div class='sv-note'>{100 * cov:.0f}% of them fall inside their 95% prediction interval "
                   "(bootstrap constants x resampled residuals)</div>") if cov is not None else ""
        out += (f"<div class='sv-plan-h'>Held out: {d['n']} runs above the threshold</div>{cov_txt}"
                f"<table class='sv-table'><tr><th>law</th><th>median |error|</th><th>max |error|</th></tr>"
                f"<tr><td><b>your fit</b></td><td><b>{d['median_abs_pct_error']:.2f}%</b></td>"
                f"<td><b>{d['max_abs_pct_error']:.2f}%</b></td></tr>{pub}</table>")
    return out


def variable_columns(result: fit.FitResult, runs: RunsTable | Table) -> dict[str, np.ndarray]:
    """The fitted form's variables that the data has, as arrays (a runs table's C is 6ND where not given)."""
    out: dict[str, np.ndarray] = {}
    for v in result.variables:
        if isinstance(runs, Table):
            if v in runs.columns or (v == "C" and runs.C is not None):
                out[v] = runs.column(v)
        else:
            col = runs.C if v == "C" else getattr(runs, v, None)
            if col is not None:
                out[v] = col
    return out


def predictions(result: fit.FitResult, runs: RunsTable | Table) -> dict[str, np.ndarray]:
    """Predicted loss of the fit and of each published law that applies, at every run."""
    r = result
    cols = variable_columns(result, runs)
    out = {"your fit": r.predict(**cols)}
    target = r.law_form.fit_target
    if isinstance(runs, Table) and r.target != "loss":
        return out  # a target of the user's own: no published law predicts it
    for name, p in PRESETS.items():  # every published law that predicts the same quantity from the same columns
        if (p.has(target) and not p.fitted and not p.secondary and not p.modified
                and set(p.form.required_variables(target)) <= set(cols)):
            args = [cols[v] for v in p.form.variables(target) if v in cols]
            out[name] = np.asarray(p.form.call(target, p.values, *args), float)
    return out


def result_figures(report: RunsFitReport) -> tuple[go.Figure, go.Figure]:
    """Observed against predicted (with the published laws that predict the same target), and the residuals
    on the fit's own scale against compute, or the first variable where the data has no compute."""
    runs, r = report.runs, report.result
    preds = predictions(r, runs)
    obs = runs.loss
    pad = 0.03 * (float(np.max(obs)) - float(np.min(obs)) or abs(float(np.max(obs))) or 1.0)
    lo, hi = float(np.min(obs)) - pad, float(np.max(obs)) + pad
    what = "loss [nats/token]" if r.target == "loss" else r.target
    data = [go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="predicted = observed",
                       line=dict(color=figures.COLORS["grey"], dash="dash", width=1))]
    palette = [figures.COLORS["accent"], figures.COLORS["N"], figures.COLORS["D"], figures.COLORS["S"]]
    for (name, p), color in zip(preds.items(), palette, strict=False):
        data.append(go.Scatter(x=p, y=obs, mode="markers", name=name,
                               marker=dict(size=7 if name == "your fit" else 5, color=color,
                                           opacity=1 if name == "your fit" else 0.55)))
    title = ("Your runs against the fit and the published laws" if len(preds) > 1 else
             "Your data against the fit")
    lay = figures.layout(title, f"predicted {what}", "observed", xlog=False, height=330, width=350)
    lay["legend"].update(x=0.01, xanchor="left", font=dict(size=10))
    overlay_fig = go.Figure(data=data, layout=lay)
    # Residuals on the fit's own scale, against compute where the data has it, else its first variable
    if r.space == "log":
        res, ytitle = 100 * (obs / preds["your fit"] - 1), "observed / predicted − 1 [%]"
    else:
        res, ytitle = obs - preds["your fit"], f"observed − predicted [{r.target}]"
    if runs.C is not None:
        x, xname, xtitle = runs.C, "C", "compute C = 6ND [FLOP]"
    else:
        xname = next(iter(variable_columns(report.result, report.runs)))
        x, xtitle = variable_columns(report.result, report.runs)[xname], xname
    held = report.held_mask
    lay2 = figures.layout("Residuals of the fit", xtitle, ytitle, height=330, width=372,
                          showlegend=bool(held.any()), xlog=bool(np.all(x > 0)))
    lay2["legend"].update(x=0.01, xanchor="left", y=0.99, font=dict(size=10))  # the right edge can be clipped by the tab
    hover = f"{xname} %{{x:.3g}}<br>%{{y:.3g}}" + ("%" if r.space == "log" else "")
    resid_fig = go.Figure(data=[
        go.Scatter(x=[float(x.min()), float(x.max())], y=[0, 0], mode="lines", showlegend=False,
                   line=dict(color=figures.COLORS["grey"], dash="dash", width=1), hoverinfo="skip"),
        go.Scatter(x=x[~held], y=res[~held], mode="markers", name="fitted on",
                   marker=dict(size=6, color=figures.COLORS["main"]), hovertemplate=hover + "<extra></extra>"),
        go.Scatter(x=x[held], y=res[held], mode="markers", name="held out",
                   marker=dict(size=7, color=figures.COLORS["accent"], symbol="diamond"),
                   hovertemplate="held out: " + hover + "<extra></extra>")], layout=lay2)
    return overlay_fig, resid_fig
