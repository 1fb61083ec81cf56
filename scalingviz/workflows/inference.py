"""The inference-aware optimum (Sardana et al. 2024), computed in one place.

Every consumer that counts inference (the plan check, the Explorer's frontier figure, the Compare
tab) asks here: the model that reaches a loss at the least training + inference compute (or cost),
and, for the same loss, the compute-optimal model that ignores inference, to say what counting it
saves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..presets import Preset

__all__ = ["InferenceOptimum", "inference_frontier", "inference_optimum"]


@dataclass(frozen=True)
class InferenceOptimum:
    """The least training + inference model for a loss (arrays broadcast over the loss).

    Attributes
    ----------
    law : Preset
        The law (its :meth:`~scalingviz.presets.Preset.inference_optimal`).
    loss : float or ndarray
        The target loss [the law's unit].
    inference_tokens : float
        Tokens served over the model's life.
    weight : float
        One inference FLOP priced in training FLOPs (1: least compute; else least cost).
    optimum : dict
        ``N`` [params, the law's count], ``D`` [tokens], ``tokens_per_param``, ``train_flop`` (6ND),
        ``inference_flop`` (2N per served token), ``total_flop``, ``objective``.
    """

    law: Preset
    loss: Any
    inference_tokens: float
    weight: float = 1.0
    optimum: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def objective(self) -> str:
        """What the optimum minimises: ``"compute"`` (weight 1) or ``"cost"``."""
        return "compute" if self.weight == 1.0 else "cost"

    @cached_property
    def compute_optimal(self) -> dict[str, Any]:
        """The compute-optimal model of the same loss (inference not counted): ``N``, ``D``,
        ``train_flop``, and ``total_flop``/``objective`` once it serves the same tokens."""
        c = self.law.inference_optimal(self.loss, 0.0)
        inf = 2.0 * np.asarray(c["N"], dtype=float) * self.inference_tokens
        return {"N": c["N"], "D": c["D"], "train_flop": c["train_flop"], "total_flop": c["train_flop"] + inf,
                "objective": c["train_flop"] + self.weight * inf}

    @property
    def saving_vs_compute_optimal(self) -> Any:
        """The share of the weighted total the optimum saves against the compute-optimal model."""
        return 1.0 - self.optimum["objective"] / self.compute_optimal["objective"]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (floats; arrays as lists)."""
        def plain(v: Any) -> Any:
            a = np.asarray(v, dtype=float)
            return float(a) if a.ndim == 0 else a.tolist()

        return {"law": self.law.name, "loss": plain(self.loss), "inference_tokens": float(self.inference_tokens),
                "weight": self.weight, "objective": self.objective,
                **{k: plain(self.optimum[k]) for k in ("N", "D", "tokens_per_param", "train_flop", "inference_flop",
                                                       "total_flop")},
                "compute_optimal": {k: plain(v) for k, v in self.compute_optimal.items()},
                "saving_vs_compute_optimal": plain(self.saving_vs_compute_optimal)}


def inference_optimum(law: Preset, loss: ArrayLike, inference_tokens: float, *, weight: float = 1.0) -> InferenceOptimum:
    """The model reaching ``loss`` at the least training + ``weight`` x inference compute.

    Parameters
    ----------
    law : Preset
        A law with the ``inference_optimal`` capability.
    loss : array_like
        Target loss [the law's unit].
    inference_tokens : float
        Tokens the model serves over its life (>= 0).
    weight : float
        One inference FLOP priced in training FLOPs.

    Examples
    --------
    >>> from scalingviz.presets import get_preset
    >>> o = inference_optimum(get_preset("hoffmann2022"), 2.0, 1e13)
    >>> bool(o.optimum["N"] < o.compute_optimal["N"])  # serving much: a smaller model, trained longer
    True
    """
    return InferenceOptimum(law, loss, float(inference_tokens), float(weight),
                            law.inference_optimal(loss, inference_tokens, weight=weight))


def inference_frontier(law: Preset, C: ArrayLike, inference_tokens: float, *, weight: float = 1.0) -> InferenceOptimum:
    """The inference-aware optimum for the loss of the compute-optimal model at each budget ``C``
    [FLOP] (the loss found numerically on the law's L(N, D)): what the frontier figures draw."""
    loss = law.compute_optimal(C, method="numerical")["loss"]
    return inference_optimum(law, loss, inference_tokens, weight=weight)
