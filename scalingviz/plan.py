"""Sanity-check a training plan: what it will reach, what it costs, and what to change.

:class:`TrainingPlan` validates its inputs once, at construction, with errors that name the
field, the value and the valid range. :func:`check` turns a plan into a :class:`PlanReport`:
predicted loss per law (with bands), the Kaplan/Su trajectory at the plan's batch, the
overfitting penalty, the compute-optimal alternative per law and a verdict, the batch against
B_crit and the hyperparameter laws, the learning rate against Step Law and DeepSeek, compute,
wall-clock and cost, and warnings with stable codes. Optionally: the inference-aware optimum for
the tokens the model will serve (Sardana et al. 2024), repeated data when the unique tokens are
fewer than the tokens trained on (Muennighoff et al. 2023), a mixture-of-experts model's active
parameters, and the learning-rate schedule under a curve law (Luo et al. 2025).

>>> r = check(TrainingPlan(N=70e9, D=1.4e12, batch_tokens=3e6))
>>> r.verdict.verdict
'near-optimal'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from . import compute, units
from .errors import InputError, shown
from .plan_report import (
    BatchCheck,
    ComputeCost,
    InferenceOptimal,
    InferenceVerdict,
    LawLoss,
    LRCheck,
    MoE,
    Optimum,
    PlanWarning,
    Recommendation,
    RepeatedData,
    ScheduleCheck,
    Trajectory,
    Verdict,
    _plain,
)
from .plan_sections import (  # noqa: F401 (settings re-exported as scalingviz.plan.X)
    REPEATED_DATA_EPOCHS,
    REPEATED_DATA_LAW,
    SCHEDULE_LR_FACTOR,
    SCHEDULE_REFERENCE,
    STEPLAW_MOE_CHECK,
    _extrapolation,
    _f,
    _laws,
    _moe,
    _repeated_data,
    _schedule,
)
from .presets import CHINCHILLA_TOKENS_PER_PARAM, DELTA_L_NOISE, PRESETS, Preset, get_preset
from .uncertainty import prediction_band
from .units import NCount
from .workflows.inference import inference_optimum

__all__ = ["WARNING_CODES", "PlanReport", "TrainingPlan", "check"]

WARNING_CODES = ("EXTRAPOLATION", "UNDERTRAINED", "OVERTRAINED", "OVERFIT_RISK", "BATCH_ABOVE_CRITICAL",
                 "LR_FAR_FROM_STEPLAW", "INCONSISTENT_INPUTS", "REPEATED_DATA", "DENSE_LAW_FOR_MOE",
                 "LAWS_DISAGREE")
#: A plan counts as near-optimal within this factor of a law's optimal tokens per parameter.
NEAR_OPTIMAL_FACTOR = 2.0
#: Learning rates more than this factor from Step Law's are flagged.
LR_FACTOR = 2.0
#: User-facing default: the learning-rate warning (LR_FAR_FROM_STEPLAW, a stable code) compares
#: with Step Law, the hyperparameter law fitted on the most runs; every law with a learning-rate
#: rule is reported beside it.
LR_REFERENCE = "li2025"
#: User-facing default: Epoch's replication gives the verdict's second opinion on tokens per
#: parameter (``epoch_tokens_per_param``), beside Chinchilla's rule of thumb.
TOKENS_PER_PARAM_REFERENCE = "besiroglu2024"
#: User-facing default: the inference-aware verdict ("right-sized for X inference tokens") uses
#: Epoch's replication of Chinchilla's law, as the tokens-per-parameter opinion does; every law
#: with a loss(N, D) is reported beside it.
INFERENCE_REFERENCE = "besiroglu2024"
#: A plan whose total (training + inference) compute is within this fraction of the inference-aware
#: optimum's is "right-sized" for its inference demand.
RIGHT_SIZED_TOLERANCE = 0.10
#: User-facing default: a law used more than this factor outside the N or D range it was fitted on is
#: reported in the inference verdict's range but does not vote on whether the laws agree (Kaplan et al.'s
#: L(N, D), fitted up to 23B tokens, would otherwise decide every trillion-token plan).
VOTE_EXTRAPOLATION_LIMIT = 30.0


def _positive(name: str, value: Any, what: str, *, allow_none: bool = False, upper: float | None = None) -> float | None:
    if value is None:
        if allow_none:
            return None
        raise InputError(f"{name}: missing; expected {what}")
    try:
        v = units.parse_quantity(value, name)
    except ValueError as exc:  # keep the parser's reason, give the field's own expectation
        raise InputError(f"{str(exc).split('; expected')[0]}; expected {what}") from None
    if not v > 0:
        raise InputError(f"{name}: {value!r} is out of range; expected {what}" + ("" if "(0," in what or "0 <" in what else " > 0"))
    if upper is not None and v > upper:
        raise InputError(f"{name}: {value!r} is out of range; expected {what}")
    return v


@dataclass(frozen=True)
class TrainingPlan:
    """A training run to check. Validated at construction.

    Parameters
    ----------
    N : float or str
        Parameters [params] (``"7B"`` accepted), counted as ``N_convention`` says.
    D : float or str, optional
        Training tokens [tokens]. Give D, or ``steps`` with a batch, or both (they must agree to 1%).
    steps : float, optional
        Optimizer steps.
    batch_tokens : float, optional
        Batch size [tokens]; or ``batch_sequences`` x ``seq_len``.
    batch_sequences, seq_len : float, optional
    lr : float, optional
        Peak learning rate.
    N_convention : {"total", "non-embedding"}
        How N is counted (default total, the usual headline number).
    N_embedding : float, optional
        Embedding parameters, to convert between conventions (default: from the shape, else 0).
    n_layer, d_model, n_vocab : int, optional
        Model shape, for exact FLOP per token (with ``seq_len``).
    n_gpus : int
        Accelerators (default 1). gpu : str, one of :data:`scalingviz.compute.GPUS`, or
    peak_flops : float
        Peak dense FLOP/s per accelerator. mfu : float, in (0, 1] (default 0.4).
    price_per_gpu_hour : float, optional
        Price of one accelerator-hour, for the cost.
    laws : tuple of str, optional
        Presets to use (default: every published one that applies).
    inference_tokens : float, optional
        Tokens the model will process at inference over its life (prompt and generated), for the
        inference-aware optimum (Sardana et al. 2024). ``inference_mfu`` and
        ``inference_price_per_gpu_hour`` (default: the training ones) price them.
    unique_tokens : float, optional
        Unique tokens available; fewer than D means the data repeats (epochs = D / unique_tokens).
    active_params : float, optional
        Parameters active per token (mixture-of-experts), in N's convention; or ``experts``,
        ``top_k`` and ``expert_params`` (one expert's parameters summed over its layers), giving
        ``N - (experts - top_k) * expert_params``.
    schedule : str, optional
        The learning-rate schedule's kind (:data:`scalingviz.schedules.KINDS`), with ``cooldown``
        (fraction of the steps, for WSD).
    """

    N: Any
    D: Any = None
    steps: Any = None
    batch_tokens: Any = None
    batch_sequences: Any = None
    seq_len: Any = None
    lr: Any = None
    N_convention: str = "total"
    N_embedding: Any = None
    n_layer: Any = None
    d_model: Any = None
    n_vocab: Any = None
    n_gpus: Any = 1
    gpu: str | None = "H100"
    peak_flops: Any = None
    mfu: Any = 0.4
    price_per_gpu_hour: Any = None
    laws: tuple[str, ...] | None = None
    inference_tokens: Any = None
    inference_mfu: Any = None
    inference_price_per_gpu_hour: Any = None
    unique_tokens: Any = None
    active_params: Any = None
    experts: Any = None
    top_k: Any = None
    expert_params: Any = None
    schedule: str | None = None
    cooldown: Any = None

    def __post_init__(self) -> None:
        s = object.__setattr__
        N = _positive("N", self.N, "a parameter count such as 7B")
        if N < 1e3 or N > 1e15:
            raise InputError(f"N: {self.N!r} is out of range; expected 1k to 1000T parameters")
        s(self, "N", N)
        if self.N_convention not in ("total", "non-embedding"):
            raise InputError(f"N_convention: {self.N_convention!r} is not valid; valid: total, non-embedding")
        seq_len = _positive("seq_len", self.seq_len, "a sequence length in tokens", allow_none=True)
        if seq_len is not None and seq_len != int(seq_len):
            raise InputError(f"seq_len: {self.seq_len!r} is not a whole number of tokens")
        s(self, "seq_len", seq_len)
        bt = _positive("batch_tokens", self.batch_tokens, "a batch size in tokens", allow_none=True)
        bs = _positive("batch_sequences", self.batch_sequences, "a batch size in sequences", allow_none=True)
        if bs is not None:
            if seq_len is None:
                raise InputError("batch_sequences: needs seq_len (tokens per sequence) to convert to tokens")
            from_seqs = bs * seq_len
            if bt is not None and not math.isclose(bt, from_seqs, rel_tol=0.01):
                raise InputError(f"batch_tokens: {bt:g} disagrees with batch_sequences x seq_len = {from_seqs:g}; "
                                 "give one of them, or make them agree")
            bt = from_seqs
        if bt is not None and bt < 1:
            raise InputError(f"batch_tokens: {bt!r} is out of range; expected at least 1 token per batch")
        s(self, "batch_tokens", bt)
        s(self, "batch_sequences", bs)
        D = _positive("D", self.D, "a token count such as 1.4T", allow_none=True)
        steps = _positive("steps", self.steps, "a number of optimizer steps", allow_none=True)
        if D is None:
            if steps is None or bt is None:
                raise InputError("D: missing; give D [tokens], or steps with batch_tokens (or batch_sequences and seq_len)")
            D = steps * bt
        elif steps is not None:
            if bt is None:
                raise InputError("steps: needs a batch size (batch_tokens, or batch_sequences with seq_len)")
            if not math.isclose(D, steps * bt, rel_tol=0.01):
                raise InputError(f"D: {D:.4g} tokens disagrees with steps x batch = {steps * bt:.4g} tokens (more than 1%); "
                                 "give D or steps and batch, or make them agree")
        if not 1e3 <= D <= 1e17:  # bounded as N is: below 1k tokens every law is meaningless (and divides by ~0)
            raise InputError(f"D: {self.D if self.D is not None else D!r} is out of range; expected 1k to 1e17 tokens")
        s(self, "D", D)
        if steps is None and bt is not None:
            steps = D / bt
        if steps is not None and steps < 1:
            raise InputError(f"steps: {steps:.3g} is out of range; expected at least 1 optimizer step (D / batch = "
                             f"{D:.3g} / {bt:.3g})")
        s(self, "steps", steps)
        s(self, "lr", _positive("lr", self.lr, "a peak learning rate in (0, 10]", allow_none=True, upper=10.0))
        shape = [self.n_layer, self.d_model, self.n_vocab]
        if any(x is not None for x in shape):
            if any(x is None for x in shape):
                raise InputError("shape: give all of n_layer, d_model and n_vocab, or none")
            for name, val in zip(("n_layer", "d_model", "n_vocab"), shape, strict=True):
                v = _positive(name, val, f"a whole number for {name}")
                if v != int(v):
                    raise InputError(f"{name}: {val!r} is not a whole number")
                s(self, name, int(v))
        if self.N_embedding is None:
            emb = float(self.n_vocab * self.d_model) if self.n_vocab is not None else None
        else:
            emb = units.parse_quantity(self.N_embedding, "N_embedding")
            if not 0 <= emb < N:
                raise InputError(f"N_embedding: {self.N_embedding!r} is out of range; expected 0 <= N_embedding < N")
        s(self, "N_embedding", emb)
        n_gpus = _positive("n_gpus", self.n_gpus, "a number of accelerators, 1 to 10,000,000", upper=1e7)
        if n_gpus != int(n_gpus):
            raise InputError(f"n_gpus: {self.n_gpus!r} is not a whole number")
        s(self, "n_gpus", int(n_gpus))
        if self.peak_flops is not None:
            s(self, "peak_flops", _positive("peak_flops", self.peak_flops, "peak FLOP/s per accelerator, up to 1e18",
                                            upper=1e18))
        elif self.gpu is not None:
            s(self, "peak_flops", compute.get_gpu(self.gpu).peak_flops)
        else:
            raise InputError("gpu: give a GPU name (" + ", ".join(compute.GPUS) + ") or peak_flops")
        s(self, "mfu", _positive("mfu", self.mfu, "a model FLOP utilisation in (0, 1]", upper=1.0))
        s(self, "price_per_gpu_hour", _positive("price_per_gpu_hour", self.price_per_gpu_hour,
                                                "a price per accelerator-hour in (0, 10,000]", allow_none=True,
                                                upper=1e4))
        if self.laws is not None:
            if isinstance(self.laws, str) or not isinstance(self.laws, (list, tuple)):
                raise InputError(f"laws: {shown(self.laws)} is not a list of law names; e.g. "
                                 "laws=['hoffmann2022', 'besiroglu2024']")
            laws = tuple(self.laws)
            for name in laws:
                get_preset(name)
            s(self, "laws", laws)
        self._validate_options(N, D)

    def _validate_options(self, N: float, D: float) -> None:
        """Inference demand, repeated data, experts and the schedule (all optional)."""
        s = object.__setattr__
        if self.inference_tokens is not None:
            v = units.parse_quantity(self.inference_tokens, "inference_tokens")
            if not 0 <= v <= 1e20:
                raise InputError(f"inference_tokens: {self.inference_tokens!r} is out of range; expected 0 to 1e20 "
                                 "tokens served over the model's life")
            s(self, "inference_tokens", v)
        s(self, "inference_mfu", _positive("inference_mfu", self.inference_mfu,
                                           "a model FLOP utilisation in (0, 1]", allow_none=True, upper=1.0))
        s(self, "inference_price_per_gpu_hour", _positive(
            "inference_price_per_gpu_hour", self.inference_price_per_gpu_hour,
            "a price per accelerator-hour in (0, 10,000]", allow_none=True, upper=1e4))
        U = _positive("unique_tokens", self.unique_tokens, f"0 < unique_tokens <= D ({D:.4g} tokens)", allow_none=True)
        if U is not None and U > D * (1 + 1e-9):
            raise InputError(f"unique_tokens: {self.unique_tokens!r} is out of range; expected 0 < unique_tokens <= D "
                             f"({D:.4g} tokens): a run cannot see more unique tokens than it trains on")
        s(self, "unique_tokens", U)
        moe = [self.experts, self.top_k, self.expert_params]
        active = _positive("active_params", self.active_params, f"0 < active_params <= N ({N:.4g})", allow_none=True)
        if active is not None and active > N * (1 + 1e-9):
            raise InputError(f"active_params: {self.active_params!r} is out of range; expected 0 < active_params <= N "
                             f"({N:.4g}): a model cannot use more parameters per token than it has")
        if any(x is not None for x in moe):
            if any(x is None for x in moe):
                raise InputError("experts: give all of experts, top_k and expert_params, or none (or active_params)")
            E = _positive("experts", self.experts, "a whole number of experts >= 1")
            k = _positive("top_k", self.top_k, "a whole number of experts per token >= 1")
            for name, v, raw in (("experts", E, self.experts), ("top_k", k, self.top_k)):
                if v != int(v):
                    raise InputError(f"{name}: {raw!r} is not a whole number")
            if k > E:
                raise InputError(f"top_k: {self.top_k!r} is out of range; expected 1 <= top_k <= experts ({E:g})")
            P = _positive("expert_params", self.expert_params, "one expert's parameters (all its layers) > 0")
            idle = (E - k) * P
            if idle >= N:
                raise InputError(f"expert_params: {self.expert_params!r} is out of range; (experts - top_k) x "
                                 f"expert_params = {idle:.4g} must be below N ({N:.4g})")
            from_experts = N - idle
            if active is not None and not math.isclose(active, from_experts, rel_tol=0.01):
                raise InputError(f"active_params: {active:.4g} disagrees with N - (experts - top_k) x expert_params = "
                                 f"{from_experts:.4g}; give one of them, or make them agree")
            active = from_experts
            s(self, "experts", int(E))
            s(self, "top_k", int(k))
            s(self, "expert_params", P)
        s(self, "active_params", active)
        if self.schedule is not None:
            from .schedules import KINDS

            if not isinstance(self.schedule, str) or self.schedule not in KINDS:
                raise InputError(f"schedule: {shown(self.schedule)} is not a schedule kind; valid: {', '.join(KINDS)}")
            if self.schedule == "two-stage":  # needs a switch step and a second rate, which a plan does not take
                raise InputError("schedule: 'two-stage' needs the step of the drop and the second rate, which a plan "
                                 "does not take; compare it with scalingviz curve --schedule two-stage --switch S --lr2 "
                                 f"LR; valid here: {', '.join(k for k in KINDS if k != 'two-stage')}")
        if self.cooldown is not None:
            c = units.parse_quantity(self.cooldown, "cooldown")
            if not 0 < c < 1:
                raise InputError(f"cooldown: {self.cooldown!r} is out of range; expected a fraction of the steps in (0, 1)")
            if self.schedule != "wsd":
                raise InputError(f"cooldown: applies to the wsd schedule; give schedule wsd (it was "
                                 f"{self.schedule!r}), or leave the cooldown out")
            s(self, "cooldown", c)

    # -- derived ----------------------------------------------------------------------------
    @property
    def N_nonembedding(self) -> float:
        return units.convert_N(self.N, self.N_convention, NCount.NON_EMBEDDING, self.N_embedding or 0.0)

    @property
    def N_total(self) -> float:
        return units.convert_N(self.N, self.N_convention, NCount.TOTAL, self.N_embedding or 0.0)

    def N_for(self, law: Preset) -> float:
        """N in the law's own convention (a law fitted to your runs takes N as given)."""
        return units.convert_N(self.N, self.N_convention, law.n_count, self.N_embedding or 0.0)

    @property
    def N_active(self) -> float:
        """Parameters used per token: ``active_params`` for a mixture of experts, else N."""
        return self.active_params if self.active_params is not None else self.N

    def N_active_for(self, law: Preset) -> float:
        """Parameters used per token in the law's own convention: the FLOPs the plan spends per token
        are 6 x this (to train) and 2 x this (to serve). For a dense model it is :meth:`N_for`."""
        return self.N_for(law) * self.N_active / self.N

    @property
    def compute_flop(self) -> float:
        """6 N D with N as given [FLOP] (Chinchilla counts total N, Kaplan non-embedding); for a
        mixture of experts, 6 N_active D (FLOPs follow the parameters each token uses)."""
        return 6.0 * self.N_active * self.D

    def to_dict(self) -> dict[str, Any]:
        keys = ("N", "D", "steps", "batch_tokens", "batch_sequences", "seq_len", "lr", "N_convention", "N_embedding",
                "n_layer", "d_model", "n_vocab", "n_gpus", "gpu", "peak_flops", "mfu", "price_per_gpu_hour", "laws",
                "inference_tokens", "inference_mfu", "inference_price_per_gpu_hour", "unique_tokens", "active_params",
                "experts", "top_k", "expert_params", "schedule", "cooldown")
        return {k: getattr(self, k) for k in keys}


@dataclass(frozen=True)
class PlanReport:
    """Everything :func:`check` found, in typed sections (:mod:`scalingviz.plan_report`);
    ``to_dict()`` gives the CLI's JSON."""

    plan: TrainingPlan
    loss: dict[str, LawLoss]
    trajectory: dict[str, Trajectory]
    delta_L: float | None
    data_for_delta_L: float | None
    tokens_per_param: float
    compute_optimal: dict[str, Optimum]
    verdict: Verdict
    batch: BatchCheck
    lr: LRCheck
    compute: ComputeCost
    warnings: tuple[PlanWarning, ...]
    inference_optimal: dict[str, InferenceOptimal] | None = None
    repeated_data: RepeatedData | None = None
    moe: MoE | None = None
    schedule: ScheduleCheck | None = None

    def to_dict(self) -> dict[str, Any]:
        c = self.compute
        return _plain({
            "plan": self.plan.to_dict(),
            "loss": self.loss,
            "trajectory": self.trajectory,
            "delta_L": self.delta_L,
            "delta_L_law": c.delta_L_law,
            "delta_L_target": DELTA_L_NOISE.value,
            "D_for_delta_L": self.data_for_delta_L,
            "D_for_delta_L_2pct": self.data_for_delta_L,  # the old name; kept one release as an alias

            "tokens_per_param": self.tokens_per_param,
            "compute_flop": c.flop_6ND,
            "compute_flop_exact": c.flop_exact,
            "steps": self.plan.steps,
            "B_crit_tokens": self.batch.B_crit,
            "batch_recommended_tokens": self.batch.recommended,
            "lr_recommended": self.lr.recommended,
            "compute_optimal": self.compute_optimal,
            "verdict": self.verdict,
            "time_hours": c.time_hours,
            "gpu_hours": c.gpu_hours,
            "cost": c.cost,
            "flop_basis": c.flop_basis,
            "inference_optimal": self.inference_optimal,
            "repeated_data": self.repeated_data,
            "moe": self.moe,
            "schedule": self.schedule,
            "warnings": self.warnings,
        })


def check(plan: TrainingPlan) -> PlanReport:
    """Check a plan against every applicable law. See the module docstring."""
    if not isinstance(plan, TrainingPlan):
        raise InputError(f"plan: {shown(plan)} is not a TrainingPlan; build one with TrainingPlan(N=..., D=..., ...)")
    warnings: list[PlanWarning] = []
    D, C = plan.D, plan.compute_flop

    # -- loss per law -----------------------------------------------------------------------
    loss: dict[str, LawLoss] = {}
    for law in _laws(plan, "loss"):
        Nl = plan.N_for(law)
        band = prediction_band(law, lambda p, Nl=Nl: p.loss(Nl, D))
        loss[law.name] = LawLoss(value=_f(band["value"]), low=_f(band["low"]), high=_f(band["high"]),
                                 band=band["source"], N_used=Nl, unit=law.loss_unit)
        _extrapolation(warnings, law, N=Nl, D=D, C=6 * plan.N_active_for(law) * D)

    # -- trajectory at the plan's batch (Kaplan/Su) -------------------------------------------
    trajectory: dict[str, Trajectory] = {}
    if plan.batch_tokens is not None:
        for law in _laws(plan, "trajectory"):
            Nl = plan.N_for(law)
            L = _f(law.trajectory(Nl, plan.steps, plan.batch_tokens))
            t = law.batch_tradeoff(plan.steps, plan.batch_tokens, L)
            trajectory[law.name] = Trajectory(loss=L, min_loss=_f(law.min_loss(Nl)), B_crit=_f(t["B_crit"]),
                                              S_min=_f(t["S_min"]), E_min=_f(t["E_min"]),
                                              S_over_S_min=plan.steps / _f(t["S_min"]), E_over_E_min=D / _f(t["E_min"]))

    # -- overfitting: from the first law that models it (an early-stopped L(N, D), Kaplan's) ---
    dl = d2 = dl_law = None
    overfit_laws = _laws(plan, "overfit_rule")
    if overfit_laws:
        ol = overfit_laws[0]
        Nk, dl_law, noise = plan.N_for(ol), ol.name, DELTA_L_NOISE.value
        dl = _f(ol.delta_L(Nk, D))
        d2 = _f(ol.data_for_delta_L(Nk, noise))
        if dl > noise:
            warnings.append(PlanWarning("OVERFIT_RISK", f"{ol.title}'s overfitting penalty deltaL = {100 * dl:.2g}% "
                                        f"exceeds {100 * noise:g}% (seed noise, {DELTA_L_NOISE.source}): {D:.3g} tokens "
                                        f"are fewer than the {d2:.3g} this model needs (repeated data makes it worse)", dl))

    # -- allocation: judged at the compute the plan spends, 6 N_active D (6 N D for a dense model) ----
    tpp = D / plan.N_active
    optimal: dict[str, Optimum] = {}
    for law in _laws(plan, "optimal"):
        o = law.compute_optimal(6 * plan.N_active_for(law) * D)
        tpp_opt = _f(o["D_opt"]) / _f(o["N_opt"])
        optimal[law.name] = Optimum(N=_f(o["N_opt"]), D=_f(o["D_opt"]),
                                    loss=None if o.get("loss") is None else _f(o["loss"]), tokens_per_param=tpp_opt,
                                    method=o["method"], ratio=(D / plan.N_active_for(law)) / tpp_opt)
    rule = CHINCHILLA_TOKENS_PER_PARAM.value
    ratio = tpp / rule
    per = "active parameter" if plan.N_active < plan.N else "parameter"
    if ratio < 1 / NEAR_OPTIMAL_FACTOR:
        label, factor = "undertrained", 1 / ratio
        warnings.append(PlanWarning("UNDERTRAINED", f"{tpp:.3g} tokens per {per} is {1 / ratio:.3g}x below "
                                    f"Chinchilla's ~{rule:g} (Hoffmann et al. Table 3): for this compute a smaller "
                                    "model trained on more tokens reaches a lower loss", 1 / ratio))
    elif ratio > NEAR_OPTIMAL_FACTOR:
        label, factor = "overtrained", ratio
        warnings.append(PlanWarning("OVERTRAINED", f"{tpp:.3g} tokens per {per} is {ratio:.3g}x above Chinchilla's "
                                    f"~{rule:g}: compute-suboptimal for training loss, often chosen on purpose to make "
                                    "inference cheaper", ratio))
    else:
        label, factor = "near-optimal", max(ratio, 1 / ratio)
    verdict = Verdict(label, factor, tokens_per_param=tpp,
                      reference=f"Chinchilla rule of ~{rule:g} tokens/param ({CHINCHILLA_TOKENS_PER_PARAM.source})",
                      epoch_tokens_per_param=(optimal[TOKENS_PER_PARAM_REFERENCE].tokens_per_param
                                              if TOKENS_PER_PARAM_REFERENCE in optimal else None))

    # -- batch: against the critical batch of the first trajectory law (Kaplan's, by default) ----
    batch_rec: dict[str, Recommendation] = {}
    batch = BatchCheck(tokens=plan.batch_tokens, recommended=batch_rec)
    bc_law = next((name for name in trajectory if PRESETS[name].has("B_crit")), None)
    if plan.batch_tokens is not None and bc_law is not None:
        t = trajectory[bc_law]
        batch = replace(batch, B_crit=t.B_crit, B_over_B_crit=plan.batch_tokens / t.B_crit,
                        extra_steps=t.S_over_S_min, extra_tokens=t.E_over_E_min, B_crit_law=bc_law)
        if plan.batch_tokens > t.B_crit:
            warnings.append(PlanWarning("BATCH_ABOVE_CRITICAL", f"batch {plan.batch_tokens:.3g} tokens is "
                                        f"{plan.batch_tokens / t.B_crit:.3g}x {PRESETS[bc_law].title}'s critical batch "
                                        f"{t.B_crit:.3g} at the predicted loss: it spends {t.E_over_E_min:.3g}x the "
                                        f"minimum tokens for {t.S_over_S_min:.3g}x the minimum steps",
                                        plan.batch_tokens / t.B_crit))

    # -- learning rate and batch from every hyperparameter law, with bands where published ------
    lr_rec: dict[str, Recommendation] = {}
    lr_ratios: dict[str, float] = {}
    for law in _laws(plan, "lr"):
        Nl = plan.N_for(law)
        kw = {"N": Nl, "D": D, "C": C}  # C as the plan counts it (6ND), as DeepSeek's laws take it
        if not np.isfinite(_f(law.hparams(**kw)["lr"])):  # outside the rule's domain (Kaplan's Eq. D.1 above ~1e10)
            continue
        bands = {key: prediction_band(law, lambda p, key=key, kw=kw: p.hparams(**kw)[key]) for key in ("lr", "batch_tokens")
                 if law.has("lr" if key == "lr" else "batch")}
        for key, target in (("lr", lr_rec), ("batch_tokens", batch_rec)):
            if key in bands:
                b = bands[key]
                has_band = b["label"] is not None and bool(np.any(b["high"] > b["low"]))
                target[law.name] = Recommendation(_f(b["value"]), _f(b["low"]) if has_band else None,
                                                  _f(b["high"]) if has_band else None)
        if plan.lr is not None:
            r = lr_ratios[law.name] = plan.lr / lr_rec[law.name].value
            if law.name == LR_REFERENCE and (r > LR_FACTOR or r < 1 / LR_FACTOR):
                warnings.append(PlanWarning("LR_FAR_FROM_STEPLAW", f"peak LR {plan.lr:.3g} is {max(r, 1 / r):.3g}x "
                                            f"{'above' if r > 1 else 'below'} {law.title}'s "
                                            f"{lr_rec[law.name].value:.3g} for this N and D", r))
        _extrapolation(warnings, law, N=Nl, D=D, C=kw["C"])
    lr = LRCheck(given=plan.lr, recommended=lr_rec, ratios=lr_ratios)

    comp = _compute_cost(plan, dl_law, warnings)
    inference, verdict = _inference_optimal(plan, loss, verdict, warnings)
    repeated = _repeated_data(plan, warnings)
    moe_report = _moe(plan, loss, warnings) if plan.N_active < plan.N else None
    sched = _schedule(plan, warnings)
    return PlanReport(plan, loss, trajectory, dl, d2, tpp, optimal, verdict, batch, lr, comp, tuple(warnings),
                      inference, repeated, moe_report, sched)


def _compute_cost(plan: TrainingPlan, dl_law: str | None, warnings: list[PlanWarning]) -> ComputeCost:
    """FLOPs (6ND, and exact from the shape when it is given), wall-clock time, GPU-hours and cost."""
    N, D, C = plan.N, plan.D, plan.compute_flop
    moe = plan.N_active < plan.N
    exact: dict[str, float] = {}
    if plan.n_layer is not None and not moe:
        ctx = plan.seq_len or 2048
        Nn = compute.n_params_nonembedding(plan.n_layer, plan.d_model)
        fwd = _f(compute.flops_per_token_forward(Nn, plan.n_layer, ctx, plan.d_model)) + 2 * plan.d_model * plan.n_vocab
        exact = dict(flop_per_token_exact=3 * fwd, flop_exact=3 * fwd * D, flop_per_token_6N=6 * N,
                     flop_per_token_deepseek_M=_f(compute.flops_per_token_deepseek(plan.n_layer, plan.d_model, ctx)),
                     exact_over_6ND=3 * fwd / (6 * N), N_from_shape_nonembedding=Nn)
        N_shape = Nn if plan.N_convention == "non-embedding" else Nn + plan.n_vocab * plan.d_model
        if not math.isclose(N_shape, N, rel_tol=0.10):
            warnings.append(PlanWarning("INCONSISTENT_INPUTS", f"the shape gives {N_shape:.4g} {plan.N_convention} "
                                        f"parameters but N = {N:.4g} ({N_shape / N:.3g}x)", N_shape / N))
    if plan.batch_tokens is not None and plan.seq_len is not None:
        seqs = plan.batch_tokens / plan.seq_len
        if abs(seqs - round(seqs)) > 1e-6:
            warnings.append(PlanWarning("INCONSISTENT_INPUTS", f"batch {plan.batch_tokens:.6g} tokens is not a whole "
                                        f"number of {plan.seq_len:g}-token sequences ({seqs:.4g})", seqs))
    flop_for_time = exact.get("flop_exact", C)
    return ComputeCost(
        flop_6ND=C, pf_days=units.flop_to_pfdays(C), N_counted=plan.N_convention, delta_L_law=dl_law,
        flop_basis=("6 x active parameters x D (mixture of experts: FLOPs follow the parameters each token uses)"
                    if moe else f"6 x N ({plan.N_convention}) x D"),
        time_hours=_f(compute.training_time_seconds(flop_for_time, plan.n_gpus, plan.peak_flops, plan.mfu)) / 3600,
        gpu_hours=_f(compute.gpu_hours(flop_for_time, plan.peak_flops, plan.mfu)),
        cost=(None if plan.price_per_gpu_hour is None
              else _f(compute.cost(flop_for_time, plan.peak_flops, plan.mfu, plan.price_per_gpu_hour))),
        time_from=("exact FLOP count from the shape" if exact else "6 N_active D" if moe else "6ND"),
        **exact)


def _inference_weight(plan: TrainingPlan) -> tuple[float, str]:
    """The price of one inference FLOP in training FLOPs, and what the optimum minimises: compute
    when inference runs like training, else cost (price / utilisation; same accelerator)."""
    mfu_i = plan.inference_mfu if plan.inference_mfu is not None else plan.mfu
    price_t = plan.price_per_gpu_hour
    price_i = plan.inference_price_per_gpu_hour if plan.inference_price_per_gpu_hour is not None else price_t
    weight = plan.mfu / mfu_i
    if price_t is not None and price_i is not None:
        weight *= price_i / price_t
    elif price_i is not None and price_t is None:
        raise InputError("inference_price_per_gpu_hour: needs price_per_gpu_hour (training) to compare the two")
    return weight, ("compute" if weight == 1.0 else "cost")


def _inference_optimal(plan: TrainingPlan, loss: dict[str, LawLoss], verdict: Verdict,
                       warnings: list[PlanWarning]) -> tuple[dict[str, InferenceOptimal] | None, Verdict]:
    """Sardana et al. 2024 for every law with a loss: the model reaching the plan's predicted loss at
    the least training + inference compute (or cost), against the compute-optimal model of the same
    loss and against the plan itself. Returns the optima and the verdict, judged for the inference
    demand (unchanged without one)."""
    if plan.inference_tokens is None:
        return None, verdict
    D_inf = plan.inference_tokens
    weight, objective = _inference_weight(plan)
    out: dict[str, InferenceOptimal] = {}
    for law in _laws(plan, "inference_optimal"):
        if law.name not in loss or not np.isfinite(loss[law.name].value):
            continue
        L = loss[law.name].value
        io = inference_optimum(law, L, D_inf, weight=weight)
        o, c = io.optimum, io.compute_optimal  # c: the compute-optimal (Chinchilla-optimal) model of this loss
        n_plan = plan.N_active_for(law)  # the FLOPs the plan spends per token, / 2
        plan_train, plan_inf = 6.0 * n_plan * plan.D, 2.0 * n_plan * D_inf
        costs = {}
        if plan.price_per_gpu_hour is not None:
            per_flop = plan.price_per_gpu_hour / (plan.peak_flops * plan.mfu * 3600.0)  # training $/FLOP
            costs = dict(total_cost=(o["train_flop"] + weight * o["inference_flop"]) * per_flop,
                         plan_total_cost=(plan_train + weight * plan_inf) * per_flop)
        out[law.name] = InferenceOptimal(
            N=o["N"], D=o["D"], tokens_per_param=o["tokens_per_param"], train_flop=o["train_flop"],
            inference_flop=o["inference_flop"], total_flop=o["total_flop"], loss=L, objective=objective,
            inference_weight=weight, chinchilla_N=c["N"], chinchilla_D=c["D"], chinchilla_total_flop=c["total_flop"],
            plan_total_flop=plan_train + plan_inf, saving_vs_chinchilla=io.saving_vs_compute_optimal,
            saving_vs_plan=1.0 - o["objective"] / (plan_train + weight * plan_inf), **costs)
    if not out:
        return out, verdict
    ref_name = INFERENCE_REFERENCE if INFERENCE_REFERENCE in out else next(iter(out))
    ref = out[ref_name]
    title = PRESETS[ref_name].title
    numbers = (f"with {units.format_number(D_inf)} inference tokens, the least total {objective} reaching this loss under {title} is "
               f"N = {ref.N:.3g}, D = {ref.D:.3g} ({ref.tokens_per_param:.3g} tokens/param; Sardana et al. "
               f"2024); the plan spends {100 * max(ref.saving_vs_plan, 0):.2g}% more than that, and the "
               f"compute-optimal model of the same loss ({ref.chinchilla_N:.3g} params) "
               f"{100 * ref.saving_vs_chinchilla:.2g}% more")
    # Each law's answer: within the tolerance of its optimum, or which way to move. The verdict is
    # "right-sized" only when every law with a loss says so; when they split across the tolerance
    # (or point opposite ways) it is "uncertain" and says which law says what.
    smaller = {name: o.N < plan.N_active_for(PRESETS[name]) for name, o in out.items()}
    savings = {name: o.saving_vs_plan for name, o in out.items()}
    lo_law, hi_law = min(savings, key=savings.__getitem__), max(savings, key=savings.__getitem__)
    far = {name: max(PRESETS[name].fitted_range.outside(N=plan.N_for(PRESETS[name]), D=plan.D).values(), default=1.0)
           for name in out}
    voters = [name for name in out if far[name] <= VOTE_EXTRAPOLATION_LIMIT] or list(out)
    within = [savings[name] <= RIGHT_SIZED_TOLERANCE for name in voters]
    moves = {smaller[name] for name in voters if savings[name] > RIGHT_SIZED_TOLERANCE}
    agree = all(within) or (not any(within) and len(moves) == 1)
    better = ("a smaller model trained on more tokens" if smaller[ref_name]
              else "a larger model trained on fewer tokens")
    spread = (f"the laws' savings run from {100 * max(savings[lo_law], 0):.2g}% ({lo_law}) to "
              f"{100 * savings[hi_law]:.2g}% ({hi_law})")
    silent = [n for n in out if n not in voters]
    if silent:
        spread += "; not voting, used more than {:g}x outside their fitted range: {}".format(
            VOTE_EXTRAPOLATION_LIMIT, ", ".join(f"{n} ({100 * max(savings[n], 0):.2g}%, {far[n]:.3g}x)" for n in silent))
    demand = f"{units.format_number(D_inf)} inference tokens"
    warnings[:] = [w for w in warnings if w.code not in ("OVERTRAINED", "UNDERTRAINED")]  # judged for the demand now
    message = None
    if agree and all(within):
        label, message = "right-sized", f"right-sized for {demand}: {numbers}; {spread}"
    elif agree:
        # Every law finds > 10% to gain, the same way: a smaller model is better -> the plan trains too
        # few tokens per parameter for its demand (undertrained); a larger one -> overtrained.
        label, code = ("undertrained", "UNDERTRAINED") if smaller[ref_name] else ("overtrained", "OVERTRAINED")
        numbers = f"{label} for {demand}: {numbers}: {better} would serve this demand for less; {spread}"
        warnings.append(PlanWarning(code, numbers, ref.saving_vs_plan))
    else:
        label = "uncertain"
        numbers = (f"the laws disagree whether this plan is right-sized for {demand}: {spread}, across the "
                   f"{100 * RIGHT_SIZED_TOLERANCE:g}% line; under {ref_name}: {numbers}")
        warnings.append(PlanWarning("LAWS_DISAGREE", numbers, savings[hi_law]))
    inference = InferenceVerdict(law=ref_name, inference_tokens=D_inf, saving_vs_plan=ref.saving_vs_plan,
                                 better=better, message=numbers, range=(savings[lo_law], savings[hi_law]),
                                 range_laws=(lo_law, hi_law), agree=agree, voters=tuple(voters),
                                 tolerance=RIGHT_SIZED_TOLERANCE)
    return out, replace(verdict, verdict=label, inference=inference, chinchilla_verdict=verdict.verdict, message=message)
