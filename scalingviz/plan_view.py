"""What a plan report shows, once, for every renderer: :func:`plan_view` turns a
:class:`scalingviz.plan.PlanReport` into a :class:`PlanView` (a summary line, verdict badges, one
table per question, the warnings), every number already formatted as text.
``scalingviz plan`` draws it as text (:func:`render_text`), the Plan tab as HTML
(:func:`scalingviz.ui.planner.render_html`); neither reads the report itself.

>>> from scalingviz.plan import TrainingPlan, check
>>> v = plan_view(check(TrainingPlan(N=70e9, D=1.4e12)))
>>> v.badges[0].text, v.badges[0].kind
('near-optimal: 20 tokens/param', 'good')
>>> [t.key for t in v.tables]
['loss', 'optimal', 'hparams', 'compute']
"""

from __future__ import annotations

from dataclasses import dataclass

from . import units
from .plan import LR_FACTOR, LR_REFERENCE, VOTE_EXTRAPOLATION_LIMIT, PlanReport
from .plan_report import PlanWarning
from .plan_sections import REPEATED_DATA_EPOCHS
from .presets import CHINCHILLA_TOKENS_PER_PARAM, DELTA_L_NOISE, PRESETS

__all__ = ["Badge", "PlanView", "ViewTable", "plan_view", "render_text"]


@dataclass(frozen=True)
class Badge:
    """A one-line verdict; ``kind`` is ``good``, ``warn`` or ``info``."""

    text: str
    kind: str


@dataclass(frozen=True)
class ViewTable:
    """One question the report answers, as a table of text cells.

    ``key`` names the table for code and tests; ``head`` holds the column headings (all empty:
    no heading row); ``strong`` is the column holding the answer, drawn in bold where the renderer
    can; ``footnotes`` follow the table.
    """

    key: str
    title: str
    note: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    strong: int | None = None
    footnotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanView:
    """A plan report as shown: ``summary`` (the plan as read), ``badges``, ``tables``, ``warnings``."""

    summary: str
    badges: tuple[Badge, ...]
    tables: tuple[ViewTable, ...]
    warnings: tuple[PlanWarning, ...]

    def table(self, key: str) -> ViewTable:
        """The table named ``key``."""
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(f"{key!r}: no such table; the view has {', '.join(t.key for t in self.tables)}")


def _q(x: float | None, unit: str = "") -> str:
    return units.format_number(x, unit, 4)


def _iv(low: float, high: float, fmt: str) -> str:
    return f"[{low:{fmt}}, {high:{fmt}}]"


def _n(x: float) -> str:
    """A duration: 4 significant digits, thousands with separators (58,982 h, not 5.898e+04)."""
    return f"{x:,.0f}" if x >= 1e4 else f"{x:.4g}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def plan_view(report: PlanReport) -> PlanView:
    """The view of ``report``: what the CLI and the Plan tab show."""
    p, v, b, lr, c = report.plan, report.verdict, report.batch, report.lr, report.compute
    moe = p.N_active < p.N
    per = "active param" if moe else "param"
    summary = (f"Plan: N = {_q(p.N)} params ({p.N_convention})" + (f", {_q(p.N_active)} active" if moe else "")
               + f", D = {_q(p.D)} tokens ({report.tokens_per_param:.3g} tokens/{per})"
               + (f", batch {_q(p.batch_tokens)} tokens x {_q(p.steps)} steps" if p.batch_tokens else "")
               + (f", peak LR {p.lr:.3g}" if p.lr else ""))
    demand = f"{_q(p.inference_tokens)} inference tokens"

    # -- badges: one verdict per question -----------------------------------------------------
    badges = []
    inf = v.inference
    rule = CHINCHILLA_TOKENS_PER_PARAM.value
    if inf is not None:
        training = (f"training alone: {v.chinchilla_verdict}" + ("" if v.chinchilla_verdict == "near-optimal" else
                    f" {v.factor:.3g}x") + f", {report.tokens_per_param:.3g} tokens/{per} against Chinchilla's ~{rule:g}")
    if inf is None:
        judged = f"{report.tokens_per_param:.3g} tokens/{per} against Chinchilla's ~{rule:g}"
        badges.append(Badge(f"near-optimal: {report.tokens_per_param:.3g} tokens/{per}", "good")
                      if v.verdict == "near-optimal" else Badge(f"{v.verdict} {v.factor:.3g}x: {judged}", "warn"))
    elif v.verdict == "right-sized":
        badges.append(Badge(f"right-sized for {demand} (the laws agree)", "good"))
    elif v.verdict == "uncertain":
        lo, hi = inf.range
        badges.append(Badge(f"uncertain for {demand}: the laws find {100 * max(lo, 0):.2g}% to {100 * hi:.2g}% to gain",
                            "warn"))
    else:
        badges.append(Badge(f"{v.verdict} for {demand}: {100 * inf.saving_vs_plan:.2g}% above the least total "
                            f"{next(iter(report.inference_optimal.values())).objective}; {inf.better}", "warn"))
    if inf is not None:
        badges.append(Badge(training, "info"))
    if b.B_over_B_crit is not None:
        badges.append(Badge(f"batch {b.B_over_B_crit:.2g}x B_crit", "good" if b.B_over_B_crit <= 1 else "warn"))
    if LR_REFERENCE in lr.ratios:
        r = lr.ratios[LR_REFERENCE]
        badges.append(Badge(f"LR {r:.2g}x {PRESETS[LR_REFERENCE].title}",
                            "good" if 1 / LR_FACTOR <= r <= LR_FACTOR else "warn"))
    if report.delta_L is not None:
        badges.append(Badge(f"overfitting {100 * report.delta_L:.2g}%",
                            "good" if report.delta_L <= DELTA_L_NOISE.value else "warn"))
    if report.repeated_data is not None:
        ep = report.repeated_data.epochs
        badges.append(Badge(f"repeated data: {ep:.2g} epochs", "good" if ep <= REPEATED_DATA_EPOCHS else "warn"))
    if report.moe is not None:
        badges.append(Badge(f"MoE: {100 * report.moe.active_fraction:.2g}% active; dense laws", "info"))
    n_extra = sum(w.code == "EXTRAPOLATION" for w in report.warnings)
    badges.append(Badge(f"{n_extra} law(s) extrapolated" if n_extra else "inside every fitted range",
                        "info" if n_extra else "good"))

    # -- tables ------------------------------------------------------------------------------
    tables = []
    rows = [(name, f"{x.value:.4f}", _iv(x.low, x.high, ".3f") if x.high > x.low else "-", _q(x.N_used), x.unit)
            for name, x in report.loss.items()]
    rows += [(f"{name} L(N,S,B)", f"{t.loss:.4f}", "-", "", f"at batch {_q(p.batch_tokens, 'tokens')}; "
              f"min. loss {t.min_loss:.4f}") for name, t in report.trajectory.items()]
    if report.delta_L is not None:
        rows.append(("overfitting deltaL", f"{100 * report.delta_L:.3g}%", "", "",
                     f"{c.delta_L_law}; {100 * DELTA_L_NOISE.value:g}% needs D >= "
                     f"{_q(report.data_for_delta_L, 'tokens')}"))
    if not rows:  # the question stays on the page, answered
        rows.append(("-", "-", "-", "-", "none of the chosen laws gives a final loss L(N, D); add one (e.g. "
                     "hoffmann2022) to the laws"))
    tables.append(ViewTable("loss", "What loss will it reach?",
                            "each law on its own data set and in its own N convention",
                            ("law", "loss", "band", "N used", "unit, note"), tuple(rows), strong=1))

    judged = " at 6 N_active D" if moe else ""
    tables.append(ViewTable(
        "optimal", "Is it compute-optimal?",
        f"the same compute, {c.flop_6ND:.3g} FLOP, spent optimally; judged against Chinchilla's "
        f"~{rule:g} tokens/{per} (Hoffmann et al. Table 3){judged}",
        ("law", "N_opt", "D_opt (tokens)", "tokens/param", "loss"),
        tuple((n, _q(o.N), _q(o.D), f"{o.tokens_per_param:.3g}", "-" if o.loss is None else f"{o.loss:.4f}")
              for n, o in report.compute_optimal.items())))

    rows = []
    if b.B_crit is not None:
        rows.append((f"batch vs B_crit ({b.B_crit_law})", _q(p.batch_tokens, "tokens"), _q(b.B_crit, "tokens"),
                     f"S/S_min {b.extra_steps:.3g}, E/E_min {b.extra_tokens:.3g}"))
    rows += [(f"batch, {name}", _q(p.batch_tokens, "tokens"), _q(r.value, "tokens"),
              "" if r.low is None else f"[{_q(r.low)}, {_q(r.high)}]") for name, r in b.recommended.items()]
    rows += [(f"peak LR, {name}", "-" if p.lr is None else f"{p.lr:.3g}", f"{r.value:.3g}",
              "" if r.low is None else _iv(r.low, r.high, ".3g")) for name, r in lr.recommended.items()]
    tables.append(ViewTable("hparams", "Batch and learning rate", "", ("", "yours", "recommended", "band / cost"),
                            tuple(rows), strong=2))

    rows = [("compute", f"{c.flop_6ND:.3g} FLOP = 6ND", f"{c.pf_days:.3g} PF-days", f"N counted: {c.N_counted}")]
    if c.flop_exact is not None:
        rows.append(("exact", f"{c.flop_exact:.3g} FLOP", f"{c.flop_per_token_exact:.3g} FLOP/token",
                     f"{c.exact_over_6ND:.3g}x 6N"))
    rows.append(("wall-clock", f"{_n(c.time_hours)} h = {_n(c.time_hours / 24)} days",
                 f"{_plural(p.n_gpus, 'GPU')} at {p.peak_flops:.3g} FLOP/s, MFU {p.mfu:g}", c.time_from))
    rows.append(("GPU-hours, cost", f"{c.gpu_hours:,.0f} GPU-hours", "-" if c.cost is None else f"{c.cost:,.0f}",
                 "" if c.cost is None else f"at {p.price_per_gpu_hour:g} per GPU-hour"))
    rows.append(("FLOP basis", c.flop_basis, "", ""))
    tables.append(ViewTable("compute", "Compute, time and cost", "", ("", "", "", ""), tuple(rows)))

    if report.inference_optimal:
        io = report.inference_optimal
        voters = set(inf.voters) if inf is not None else set(io)
        notes = []
        if voters != set(io):
            notes.append(f"* used more than {VOTE_EXTRAPOLATION_LIMIT:g}x outside the range it was fitted on: "
                         "reported, but it does not vote on the verdict.")
        if inf is not None:
            lo, hi = inf.range
            notes.append(f"Verdict: {v.verdict}: savings {100 * max(lo, 0):.2g}% ({inf.range_laws[0]}) to "
                         f"{100 * hi:.2g}% ({inf.range_laws[1]}); the laws {'agree' if inf.agree else 'disagree'} on the "
                         f"{100 * inf.tolerance:g}% line (reference: {inf.law}).")
            notes.append(f"{inf.message[0].upper()}{inf.message[1:]}.")
        tables.append(ViewTable(
            "inference", "Is it right-sized for its inference?",
            f"{demand} served; the same loss at the least training + inference "
            f"{next(iter(io.values())).objective} (Sardana et al. 2024)",
            ("law", "N*", "D* (tokens)", "tokens/param", "total FLOP", "plan spends more by",
             "compute-optimal spends more by"),
            tuple((n + ("" if n in voters else " *"), _q(o.N), _q(o.D), f"{o.tokens_per_param:.3g}",
                   f"{o.total_flop:.3g}", f"{100 * o.saving_vs_plan:.2g}%",
                   f"{100 * o.saving_vs_chinchilla:.2g}% ({_q(o.chinchilla_N)} params)") for n, o in io.items()),
            footnotes=tuple(notes)))
    if report.repeated_data is not None:
        r = report.repeated_data
        o = r.optimal_under_limit
        tables.append(ViewTable("repeated", "Repeated data", PRESETS[r.law].title, ("", "", ""), (
            ("epochs", f"{r.epochs:.3g}", f"over {_q(r.unique_tokens, 'tokens')} unique"),
            ("effective data", _q(r.effective_tokens, "tokens"), f"{100 * r.effective_fraction:.3g}% of D"),
            ("loss", f"{r.loss:.4f}", f"{r.loss_if_unique:.4f} with unique data"),
            ("under the data limit", f"N {_q(o.N)}, D {_q(o.D, 'tokens')}",
             f"{o.epochs:.3g} epochs, loss {o.loss:.4f}, same compute"))))
    if report.moe is not None:
        m = report.moe
        tables.append(ViewTable(
            "moe", "Mixture of experts",
            f"{_q(m.active_params)} active of {_q(m.total_params)} ({100 * m.active_fraction:.3g}%); FLOPs, time and "
            "cost from the active count; no MoE law is shipped: dense laws bracket the loss",
            ("law", "loss at total N", "loss at active N"),
            tuple((k, f"{x:.4f}", f"{m.loss_at_active_params[k]:.4f}") for k, x in m.loss_at_total_params.items()),
            footnotes=(f"Hyperparameters: {m.hparams_basis}.",)))
    if report.schedule is not None:
        sc = report.schedule
        rows = [("yours", sc.schedule, f"{sc.final_loss:.4f} {_iv(*sc.final_loss_interval, '.3f')}", "-")]
        rows += [("alternative", a.schedule, f"{a.final_loss:.4f}",
                  f"{a.vs_plan:+.4f} {_iv(*a.vs_plan_interval, '+.4f')}") for a in sc.alternatives]
        tables.append(ViewTable(
            "schedule", "Learning-rate schedule",
            f"{sc.law} at {sc.steps_basis}, peak LR {sc.peak_lr_basis}; {sc.note}",
            ("", "schedule", "final loss", "vs yours"), tuple(rows), strong=2,
            footnotes=(f"Intervals: {sc.interval_basis}",)))
    return PlanView(summary, tuple(badges), tuple(t for t in tables if t.rows), tuple(report.warnings))


_MARK = {"good": "ok", "warn": "!!", "info": "--"}


def _text_table(t: ViewTable) -> list[str]:
    grid = ([t.head] if any(t.head) else []) + list(t.rows)
    # A row's last non-empty cell is printed as is and does not widen its column.
    last = [max((i for i, x in enumerate(r) if x), default=0) for r in grid]
    width = [max((len(r[i]) for r, k in zip(grid, last, strict=True) if i < k), default=0) for i in range(len(grid[0]))]
    return ["  " + "  ".join(f"{x:<{width[i]}}" if i < k else x for i, x in enumerate(r[:k + 1]))
            for r, k in zip(grid, last, strict=True)]


def render_text(view: PlanView) -> str:
    """The view as plain text: the summary, the verdicts, one aligned table per question, the warnings."""
    lines = [view.summary, ""]
    lines += [f"  {_MARK[b.kind]} {b.text}" for b in view.badges]
    for t in view.tables:
        lines += ["", t.title + (f" -- {t.note}" if t.note else "")]
        lines += _text_table(t)
        lines += [f"  {n}" for n in t.footnotes]
    if view.warnings:
        lines += ["", "Warnings"]
        lines += [f"  ! {w.code}: {w.message}" for w in view.warnings]
    return "\n".join(lines)
