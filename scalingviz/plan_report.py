"""The typed sections of a plan check's report (:class:`scalingviz.plan.PlanReport`).

Each section is a frozen dataclass read by attribute (``report.verdict.verdict``,
``report.loss["hoffmann2022"].value``); a mapping keyed by law name holds one entry per law.
``to_dict()`` gives the JSON the CLI prints with ``--json``: the fields in the order declared here,
with a field marked :func:`_optional` left out while it is None (as the report has always printed
it), nested sections as dicts and tuples as lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def _optional(default: Any = None) -> Any:
    """A field the JSON leaves out while it is None."""
    return field(default=default, metadata={"omit_none": True})


def _plain(x: Any) -> Any:
    if isinstance(x, Section):
        return x.to_dict()
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


@dataclass(frozen=True)
class Section:
    """A part of the report; ``to_dict()`` is its JSON."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)
                if not (f.metadata.get("omit_none") and getattr(self, f.name) is None)}


@dataclass(frozen=True)
class PlanWarning(Section):
    """A warning with a stable ``code`` (README lists them), its text and the number it is about."""

    code: str
    message: str
    value: float | None
    law: str | None = _optional()  # the law an EXTRAPOLATION warning is about


@dataclass(frozen=True)
class LawLoss(Section):
    """One law's predicted loss at the plan's N and D, with its band (``low == high``: none)."""

    value: float
    low: float
    high: float
    band: str  # where the band comes from
    N_used: float  # the plan's N in the law's own convention
    unit: str


@dataclass(frozen=True)
class Trajectory(Section):
    """A trajectory law at the plan's steps and batch: loss, minimum loss and the batch trade-off."""

    loss: float
    min_loss: float
    B_crit: float  # tokens
    S_min: float
    E_min: float  # tokens
    S_over_S_min: float
    E_over_E_min: float


@dataclass(frozen=True)
class Optimum(Section):
    """One law's compute-optimal model for the compute the plan spends."""

    N: float
    D: float  # tokens
    loss: float | None
    tokens_per_param: float
    method: str
    ratio: float  # the plan's tokens per parameter / this optimum's


@dataclass(frozen=True)
class InferenceVerdict(Section):
    """Whether the plan is right-sized for its inference demand, with the laws' spread."""

    law: str  # the reference law
    inference_tokens: float
    saving_vs_plan: float
    better: str
    message: str
    range: tuple[float, float]  # the least and largest saving over the laws
    range_laws: tuple[str, str]
    agree: bool
    voters: tuple[str, ...]  # the laws that vote (not used far outside their fitted range)
    tolerance: float


@dataclass(frozen=True)
class Verdict(Section):
    """The allocation verdict: against Chinchilla's tokens per parameter, or, with inference demand, against the
    least training + inference compute (then ``chinchilla_verdict`` keeps the training-only one)."""

    verdict: str  # undertrained | near-optimal | overtrained | right-sized | uncertain
    factor: float
    tokens_per_param: float
    reference: str
    epoch_tokens_per_param: float | None = _optional()
    inference: InferenceVerdict | None = _optional()
    chinchilla_verdict: str | None = _optional()
    message: str | None = _optional()


@dataclass(frozen=True)
class Recommendation(Section):
    """A hyperparameter law's recommended value, with its band where the law publishes one."""

    value: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class BatchCheck(Section):
    """The plan's batch against the critical batch and the hyperparameter laws (all in tokens)."""

    tokens: float | None
    recommended: dict[str, Recommendation]
    B_crit: float | None = _optional()
    B_over_B_crit: float | None = _optional()
    extra_steps: float | None = _optional()  # S / S_min
    extra_tokens: float | None = _optional()  # E / E_min
    B_crit_law: str | None = _optional()


@dataclass(frozen=True)
class LRCheck(Section):
    """The plan's peak learning rate against the hyperparameter laws; ``ratios[law]`` = given / recommended."""

    given: float | None
    recommended: dict[str, Recommendation]
    ratios: dict[str, float]


@dataclass(frozen=True)
class ComputeCost(Section):
    """FLOPs (6ND, and exact from the shape), time, GPU-hours and cost."""

    flop_6ND: float
    pf_days: float
    N_counted: str
    delta_L_law: str | None
    flop_basis: str
    time_hours: float
    gpu_hours: float
    cost: float | None
    time_from: str
    flop_exact: float | None = _optional()
    flop_per_token_exact: float | None = _optional()
    flop_per_token_6N: float | None = _optional()
    flop_per_token_deepseek_M: float | None = _optional()
    exact_over_6ND: float | None = _optional()
    N_from_shape_nonembedding: float | None = _optional()


@dataclass(frozen=True)
class InferenceOptimal(Section):
    """One law's model reaching the plan's loss at the least training + inference compute (or cost)."""

    N: float
    D: float
    tokens_per_param: float
    train_flop: float
    inference_flop: float
    total_flop: float
    loss: float
    objective: str  # compute | cost
    inference_weight: float
    chinchilla_N: float
    chinchilla_D: float
    chinchilla_total_flop: float
    plan_total_flop: float
    saving_vs_chinchilla: float
    saving_vs_plan: float
    total_cost: float | None = _optional()
    plan_total_cost: float | None = _optional()


@dataclass(frozen=True)
class DataLimitOptimum(Section):
    """The compute-optimal allocation under the unique-data limit."""

    N: float
    D: float
    epochs: float
    loss: float


@dataclass(frozen=True)
class RepeatedData(Section):
    """Muennighoff et al. 2023 for a plan that repeats its unique data."""

    epochs: float
    unique_tokens: float
    effective_tokens: float
    effective_fraction: float
    loss: float
    loss_if_unique: float
    law: str
    optimal_under_limit: DataLimitOptimum


@dataclass(frozen=True)
class MoE(Section):
    """A mixture of experts: the dense laws' losses at the total and at the active count."""

    active_params: float
    total_params: float
    active_fraction: float
    experts: int | None
    top_k: int | None
    expert_params: float | None
    flop_basis: str
    hparams_basis: str
    loss_at_total_params: dict[str, float]
    loss_at_active_params: dict[str, float]


@dataclass(frozen=True)
class ScheduleAlternative(Section):
    schedule: str
    final_loss: float
    final_loss_interval: tuple[float, float]
    vs_plan: float
    vs_plan_interval: tuple[float, float]


@dataclass(frozen=True)
class ScheduleCheck(Section):
    """The plan's learning-rate schedule under the reference curve law, against the alternatives."""

    law: str
    schedule: str
    steps: int
    steps_basis: str
    peak_lr: float
    peak_lr_basis: str
    final_loss: float
    final_loss_interval: tuple[float, float]
    alternatives: tuple[ScheduleAlternative, ...]
    interval_basis: str
    note: str
