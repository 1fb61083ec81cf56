"""The plan check's parts beside its core: the helpers every section uses, and the optional
sections (repeated data, mixture of experts, the learning-rate schedule) with their settings.

:func:`scalingviz.plan.check` calls these; ``plan`` is a :class:`scalingviz.plan.TrainingPlan`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .plan_report import (
    DataLimitOptimum,
    LawLoss,
    MoE,
    PlanWarning,
    RepeatedData,
    ScheduleAlternative,
    ScheduleCheck,
)
from .presets import PRESETS, REPEATED_DATA_FREE_EPOCHS, Preset

#: REPEATED_DATA is raised past this many epochs (Muennighoff et al.'s, from presets.py).
REPEATED_DATA_EPOCHS = REPEATED_DATA_FREE_EPOCHS.value


#: The repeated-data law used for unique_tokens.
REPEATED_DATA_LAW = "muennighoff2023"


#: Step Law's learning-rate and batch laws against the best runs of its own 16 MoE grids (Li et al.
#: 2025's released moe_lr_bs_loss.csv; computed by data/check_steplaw_moe.py, data/steplaw_moe_check.json):
#: median best / recommended LR with N = all parameters, with N = active parameters, and batch.
STEPLAW_MOE_CHECK = {"lr_total": 1.21, "lr_active": 0.42, "batch": 0.87}


#: User-facing default: the curve law that compares learning-rate schedules in a plan (the largest
#: model of Luo et al. 2025, closest to the plans people check).
SCHEDULE_REFERENCE = "luo2025-400m"


def _laws(plan: Any, capability: str) -> list[Preset]:
    names = plan.laws if plan.laws is not None else tuple(n for n, p in PRESETS.items() if not p.fitted)
    return [PRESETS[n] for n in names if PRESETS[n].has(capability) and (plan.laws is not None or not PRESETS[n].secondary)]


def _f(x: Any) -> float:
    return float(np.asarray(x))


def _extrapolation(warnings: list[PlanWarning], law: Preset, **values: float) -> None:
    """One EXTRAPOLATION warning per law, naming every input outside its fitted range."""
    if any(w.code == "EXTRAPOLATION" and w.law == law.name for w in warnings):
        return  # one warning per law, even when several of its capabilities are used
    out = law.fitted_range.describe(law.name, **values)
    if out:
        warnings.append(PlanWarning("EXTRAPOLATION", "; ".join(text for _k, _f, text in out),
                                    max(f for _k, f, _t in out), law=law.name))


def _repeated_data(plan: Any, warnings: list[PlanWarning]) -> RepeatedData | None:
    """Muennighoff et al. 2023: the epochs, the effective data, the loss with repetition and the
    compute-optimal allocation under the data limit."""
    if plan.unique_tokens is None:
        return None
    from .laws.muennighoff2023 import effective_data

    law = PRESETS[REPEATED_DATA_LAW]
    U, D = plan.unique_tokens, plan.D
    Nl = plan.N_for(law)
    epochs = D / U
    eff = _f(effective_data(D, U, R_D_star=law.values["R_D_star"]))
    L_rep, L_fresh = _f(law.loss(Nl, D, U)), _f(law.loss(Nl, D, D))
    o = law.compute_optimal(6.0 * Nl * D, U=U)
    best = DataLimitOptimum(N=_f(o["N_opt"]), D=_f(o["D_opt"]), epochs=_f(o["epochs"]), loss=_f(o["loss"]))
    out = RepeatedData(epochs=epochs, unique_tokens=U, effective_tokens=eff, effective_fraction=eff / D,
                       loss=L_rep, loss_if_unique=L_fresh, law=law.name, optimal_under_limit=best)
    _extrapolation(warnings, law, N=Nl, D=D, C=6 * Nl * D)
    if epochs > REPEATED_DATA_EPOCHS:
        warnings.append(PlanWarning("REPEATED_DATA", f"{epochs:.3g} epochs over {U:.3g} unique tokens: past "
                              f"{REPEATED_DATA_EPOCHS:g} epochs repeated tokens lose value ({REPEATED_DATA_FREE_EPOCHS.source}); the "
                              f"effective data is {eff:.3g} tokens ({100 * eff / D:.2g}% of D), the loss {L_rep:.4g} against "
                              f"{L_fresh:.4g} with unique data, and returns vanish toward R_D* = "
                              f"{law.values['R_D_star']:.3g} repetitions. Under this data limit the same compute is best "
                              f"spent on N = {best.N:.3g}, D = {best.D:.3g} ({best.epochs:.3g} epochs)",
                              epochs))
    return out


def _moe(plan: Any, loss: dict[str, LawLoss], warnings: list[PlanWarning]) -> MoE:
    """A mixture of experts: FLOPs from the active parameters; the dense laws' losses at the total
    and at the active count, as a bracket (no MoE law with verifiable constants is shipped)."""
    at_active = {}
    for name in loss:
        law = PRESETS[name]
        Na = plan.N_for(law) * plan.N_active / plan.N
        at_active[name] = _f(law.loss(Na, plan.D))
    out = MoE(active_params=plan.N_active, total_params=plan.N, active_fraction=plan.N_active / plan.N,
              experts=plan.experts, top_k=plan.top_k, expert_params=plan.expert_params,
              flop_basis="active parameters: 6 N_active D to train, 2 N_active per token to serve",
              hparams_basis=(f"total parameters: on Step Law's own MoE grids its LR law with N = all parameters is "
                             f"{STEPLAW_MOE_CHECK['lr_total']:g}x the best LR (median of 16 grids), with N = active "
                             f"{STEPLAW_MOE_CHECK['lr_active']:g}x; its batch law {STEPLAW_MOE_CHECK['batch']:g}x "
                             "(data/check_steplaw_moe.py)"),
              loss_at_total_params={k: v.value for k, v in loss.items()}, loss_at_active_params=at_active)
    if loss:
        low = min(v.value for v in loss.values())
        high = max(at_active.values())
        warnings.append(PlanWarning("DENSE_LAW_FOR_MOE", f"a mixture of experts ({plan.N_active:.3g} active of {plan.N:.3g} "
                              "parameters): no law fitted on MoE runs with constants verifiable from its paper is "
                              "shipped, so the losses are dense laws' at the total N, and higher at the active N; read "
                              f"{low:.4g} (dense laws at the total N) ... {high:.4g} (at the active N) as a bracket, not "
                              "a prediction. FLOPs, time and cost use the active parameters", plan.N_active / plan.N))
    return out


#: The plan's peak LR is used by the schedule comparison when it lies within this factor of the peak the
#: curve law was fitted at; beyond, the law cannot speak for it and its own peak is used (and said).
SCHEDULE_LR_FACTOR = 3.0


def _schedule(plan: Any, warnings: list[PlanWarning]) -> ScheduleCheck | None:
    """The plan's learning-rate schedule under the reference curve law, against WSD and cosine of
    the same length, at the plan's own peak LR where the law can speak for it. Every final loss and
    difference carries the interval the law has earned on real curves (:mod:`scalingviz.calibration`).
    The curve law was fitted on one model's runs: it compares schedule shapes, at the plan's steps when
    they are within its fitted range, else at its own fitted run length."""
    if plan.schedule is None:
        return None
    from .advice import final_loss
    from .calibration import difference_interval, final_loss_interval, schedule_calibration
    from .schedules import Schedule

    law = PRESETS[SCHEDULE_REFERENCE]
    setup = law.setup
    s_max = law.fitted_range.S[1] if law.fitted_range.S else setup["steps"]
    own = plan.steps is not None and plan.steps <= s_max
    steps = int(round(plan.steps)) if own else int(setup["steps"])
    fitted_peak = setup["peak_lr"]
    if plan.lr is None:
        peak, lr_basis = fitted_peak, f"the law's fitted peak {fitted_peak:g} (give lr to use the plan's)"
    elif 1 / SCHEDULE_LR_FACTOR <= plan.lr / fitted_peak <= SCHEDULE_LR_FACTOR:
        peak, lr_basis = plan.lr, (f"the plan's peak {plan.lr:.3g} (the law was fitted at {fitted_peak:g}; within "
                                   f"{SCHEDULE_LR_FACTOR:g}x, the floor scaled with it)")
    else:
        peak = fitted_peak
        lr_basis = (f"the law's fitted peak {fitted_peak:g}: it cannot speak for the plan's {plan.lr:.3g}, "
                    f"{max(plan.lr / fitted_peak, fitted_peak / plan.lr):.3g}x away (more than {SCHEDULE_LR_FACTOR:g}x)")
    base = dict(peak_lr=peak, warmup=setup["warmup"], floor=setup["floor"] * peak / fitted_peak)
    spec = {"cooldown": plan.cooldown} if plan.cooldown is not None else {}
    mine = Schedule(plan.schedule, steps, **base, **spec)
    alts = [Schedule("wsd", steps, **base, cooldown=0.2), Schedule("cosine", steps, **base)]
    L = final_loss(law, mine)
    rows = []
    for a in alts:
        if a.describe() == mine.describe():
            continue
        La = final_loss(law, a)
        rows.append(ScheduleAlternative(schedule=a.describe(), final_loss=La, final_loss_interval=final_loss_interval(La),
                                        vs_plan=La - L, vs_plan_interval=difference_interval(La - L)))
    basis = ("the plan's steps" if own else
             f"the law's fitted run length ({steps:,} steps; the plan's {plan.steps:,.0f} are beyond its fitted "
             f"{s_max:,.0f})" if plan.steps is not None else f"the law's fitted run length ({steps:,} steps; give a "
             "batch to use the plan's steps)")
    return ScheduleCheck(law=law.name, schedule=mine.describe(), steps=steps, steps_basis=basis, peak_lr=peak,
                         peak_lr_basis=lr_basis, final_loss=L, final_loss_interval=final_loss_interval(L),
                         alternatives=tuple(rows), interval_basis=schedule_calibration()["text"],
                         note=f"{law.title}: a {law.setup.get('model', 'single-model')} fit; compare the differences, "
                              "each with its interval, not the absolute loss")
