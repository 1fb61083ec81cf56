"""Published scaling laws as immutable, cited presets: a form plus data.

A preset is data: a functional *form* (a :class:`~scalingviz.laws.forms.LawForm` declared in its
paper's module under :mod:`scalingviz.laws`), the constants with their units and the table or
equation each was read from, the convention for N (non-embedding or total), the loss's unit and
data set, the range of N, D and C the law was fitted on, and where its uncertainty comes from.
Every method asks the form for a capability; nothing here knows which law it is. This module is
the **only** place in the package where a published constant appears.

Where the sources disagree (Kaplan's B_* is 2e8 in Eq. 1.4 but 2.1e8 in Table 5, and so
on) each :class:`Param` keeps the alternatives with their sources; the default is the
``value`` and the ``kaplan2020-alt`` preset applies every alternative at once.

>>> p = get_preset("hoffmann2022-tex")
>>> round(p.compute_optimal(5.76e23)["N_opt"] / 1e9, 1)    # Hoffmann Fig. 4: "40B"
40.4
>>> p.replace(E=1.8).name
'hoffmann2022-tex (modified)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import replace as _dc_replace
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .errors import InputError, as_array, as_number, shown
from .laws import forms
from .laws.forms import LawForm, get_form
from .units import NCount

__all__ = [
    "CHINCHILLA_TOKENS_PER_PARAM",
    "DELTA_L_NOISE",
    "PRESETS",
    "Citation",
    "FittedRange",
    "Param",
    "Preset",
    "Uncertainty",
    "get_preset",
    "preset_for",
    "preset_names",
    "register",
]


@dataclass(frozen=True)
class Citation:
    """Where a law was published."""

    authors: str
    year: int
    title: str
    arxiv: str

    def __str__(self) -> str:
        if self.arxiv in ("", "-"):
            return f"{self.authors}, {self.title}"
        return f"{self.authors} ({self.year}), {self.title}, arXiv:{self.arxiv}"


@dataclass(frozen=True)
class Param:
    """One constant: its value, unit, the table/equation it was read from, and alternatives.

    ``alternatives`` holds other published values of the same constant as
    ``(value, source)`` pairs; ``stderr`` a published standard error, if any.
    """

    value: float
    unit: str
    source: str
    alternatives: tuple[tuple[float, str], ...] = ()
    stderr: float | None = None


@dataclass(frozen=True)
class FittedRange:
    """The N [params], D [tokens], C [FLOP] and steps S spanned by the runs a law was fitted on."""

    N: tuple[float, float] | None = None
    D: tuple[float, float] | None = None
    C: tuple[float, float] | None = None
    source: str = ""
    S: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"N": self.N, "D": self.D, "C": self.C, "S": self.S, "source": self.source}

    def outside(self, **values: float | None) -> dict[str, float]:
        """For each of N, D, C given, the factor by which it lies outside the range (absent if inside)."""
        out = {}
        for key, value in values.items():
            rng = getattr(self, key)
            if rng is None or value is None or not np.isfinite(value):
                continue
            lo, hi = rng
            if value < lo:
                out[key] = lo / value
            elif value > hi:
                out[key] = value / hi
        return out

    def describe(self, law: str, **values: float | None) -> list[tuple[str, float, str]]:
        """``(key, factor, text)`` for every value outside the range: the one extrapolation message."""
        from .units import format_quantity

        out = []
        for key, factor in self.outside(**values).items():
            lo, hi = getattr(self, key)
            side = "above" if values[key] > hi else "below"
            fmt = (lambda x: f"{x:.3g} FLOP") if key == "C" else format_quantity  # counts get k/M/B/T; compute does not
            out.append((key, factor, f"{key} = {fmt(values[key])} is {factor:.3g}x {side} the range {law} "
                                     f"was fitted on ({fmt(lo)} to {fmt(hi)})"))
        return out


@dataclass(frozen=True)
class Uncertainty:
    """Where a preset's uncertainty comes from, as data.

    ``kind`` is ``"samples"`` (a CSV of parameter draws under ``data/``, one column per
    constant; percentile bands), ``"normal"`` (a JSON of a mean vector and covariance under
    ``data/``; percentile bands over draws) or ``"alternatives"`` (the preset's own published
    alternative constants; the band is the min and max over the two sets, not a statistical
    interval). ``names`` maps the file's names to constants; constants in ``log`` are stored as
    their natural logarithm.
    """

    kind: str
    source: str
    file: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    log: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("samples", "normal", "alternatives"):
            raise InputError(f"kind: {self.kind!r} is not valid; valid: samples, normal, alternatives")

    @property
    def band_rule(self) -> str:
        return "min-max" if self.kind == "alternatives" else "percentile"



_arg = as_array  # the laws' inputs, checked where they enter

@dataclass(frozen=True)
class Preset:
    """A named, cited, immutable scaling law: a form plus its constants. Evaluate it with its methods.

    Attributes
    ----------
    name : str
        Registry name (``kaplan2020``), or ``"... (modified)"`` after :meth:`replace`.
    title : str
        Short label for legends (``"Kaplan et al. 2020"``).
    form : LawForm
        The functional form (a registered form's name is accepted and looked up).
    citation : Citation
    params : Mapping[str, Param]
        Read-only mapping of constants; exactly the form's constants.
    N_convention : str
        What N counts, in words: starts with ``"non-embedding"`` or ``"total"`` (or ``"as in your
        runs"`` for a fit); :attr:`n_count` is the same as a :class:`~scalingviz.units.NCount`.
    loss_unit : str
        Unit and data set of L (``"nats/token, WebText2 test"``).
    fitted_range : FittedRange
    formula : str
        The main formula in plain text (default: the form's).
    notes : str
    modified : bool
        True once a constant was changed by :meth:`replace`.
    fitted : bool
        True for presets fitted by :mod:`scalingviz.fit` to a user's runs.
    uncertainty : Uncertainty or None
        Where its prediction bands come from; None for no published uncertainty.
    secondary : bool
        A variant left out of default reports (kaplan2020-alt, whose spread is already
        kaplan2020's band); still listed and usable by name.
    setup : Mapping[str, float]
        The training setup the constants belong to, where it matters to use them (a curve law:
        the schedule it was fitted on, ``peak_lr``, ``warmup``, ``floor``, ``steps``).
    fitted_on : tuple of str
        Published data sets (names of :data:`scalingviz.catalog.CATALOG`) whose runs the law was
        fitted on: on those runs its errors are in sample, not a test.
    """

    name: str
    title: str
    form: LawForm
    citation: Citation
    params: Mapping[str, Param]
    N_convention: str
    loss_unit: str
    fitted_range: FittedRange
    formula: str = ""
    notes: str = ""
    modified: bool = False
    fitted: bool = False
    uncertainty: Uncertainty | None = None
    secondary: bool = False
    setup: Mapping[str, float] = field(default_factory=dict)
    fitted_on: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        form = get_form(self.form)
        object.__setattr__(self, "form", form)
        if not isinstance(self.params, MappingProxyType):
            object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        if not isinstance(self.setup, MappingProxyType):
            object.__setattr__(self, "setup", MappingProxyType(dict(self.setup)))
        if not self.formula:
            object.__setattr__(self, "formula", form.formula)
        missing = [k for k in form.constants if k not in self.params]
        unknown = [k for k in self.params if k not in form.constants]
        if missing:
            raise InputError(f"params: {self.name!r} misses constant(s) {', '.join(missing)} of the {form.name} form; "
                             f"it needs {', '.join(form.constants)}")
        if unknown:
            raise InputError(f"params: {', '.join(map(repr, unknown))} is not a constant of the {form.name} form "
                             f"({self.name!r}); valid names are {', '.join(form.constants)}")
        for k, p in self.params.items():
            if not isinstance(p, Param):
                raise InputError(f"params: {k!r} of {self.name!r} is {type(p).__name__}, not a Param")
        NCount.of(self.N_convention)  # text that names no count is refused here, not guessed later

    @property
    def n_count(self) -> NCount:
        """What the law's N counts (:class:`~scalingviz.units.NCount`)."""
        return NCount.of(self.N_convention)

    @classmethod
    def from_values(
        cls,
        name: str,
        form: LawForm | str,
        values: Mapping[str, float],
        *,
        title: str | None = None,
        N_convention: str = "total",
        loss_unit: str = "nats/token",
        fitted_range: FittedRange | None = None,
        citation: Citation | None = None,
        source: str = "given by the user",
        units: Mapping[str, str] | None = None,
        notes: str = "",
        fitted: bool = False,
    ) -> Preset:
        """A preset from plain ``{constant: value}`` (your own law, or a fit's result)."""
        bad = [k for k, v in values.items() if not (isinstance(v, (int, float)) and math.isfinite(float(v)))]
        if bad:
            raise InputError(f"values: {', '.join(f'{k}={values[k]!r}' for k in bad)} not finite numbers; "
                             "every constant needs a finite value")
        params = {k: Param(float(v), (units or {}).get(k, "-"), source) for k, v in values.items()}
        return cls(name=name, title=title or name, form=form,
                   citation=citation or Citation("user", 0, title or name, "-"), params=params,
                   N_convention=N_convention, loss_unit=loss_unit, fitted_range=fitted_range or FittedRange(),
                   notes=notes, fitted=fitted)

    # -- access ---------------------------------------------------------------------------
    @cached_property
    def values(self) -> Mapping[str, float]:
        """The constants as a read-only ``{name: value}`` mapping."""
        return MappingProxyType({k: p.value for k, p in self.params.items()})

    def __getitem__(self, key: str) -> float:
        return self.params[key].value

    @property
    def capabilities(self) -> frozenset[str]:
        """What this law computes (:data:`scalingviz.laws.forms.CAPABILITIES`)."""
        return self.form.capabilities

    def has(self, capability: str) -> bool:
        return capability in self.form.capabilities

    def _need(self, capability: str, what: str) -> None:
        if not self.has(capability):
            able = preset_names(capability)
            raise InputError(f"law: {self.name!r} does not give {what}; laws that do: {', '.join(able) or 'none'}")

    def replace(self, **changes: float) -> Preset:
        """A copy with some constants changed, renamed ``"<name> (modified)"``.

        Once a constant moves, curves must no longer carry the paper's name, nor its uncertainty.
        """
        unknown = sorted(set(changes) - set(self.params))
        if unknown:
            raise InputError(
                f"replace: unknown constant(s) {', '.join(unknown)} for {self.name!r}; "
                f"valid names are {', '.join(self.params)}"
            )
        params = dict(self.params)
        for key, value in changes.items():
            try:
                value = float(value)
            except (TypeError, ValueError, OverflowError):
                raise InputError(f"{key}: {shown(value)} is not a number; give a finite number") from None
            if not math.isfinite(value):
                raise InputError(f"{key}: {value!r} is not finite; give a finite number")
            old = params[key]
            params[key] = Param(value, old.unit, f"modified (published: {old.value:g}, {old.source})")
        suffix = " (modified)"
        return _dc_replace(
            self,
            name=self.name if self.name.endswith(suffix) else self.name + suffix,
            title=self.title if self.title.endswith(suffix) else self.title + suffix,
            params=params, modified=True, uncertainty=None,
        )

    def with_alternatives(self, name: str, title: str, notes: str | None = None) -> Preset:
        """A published variant that uses every constant's first alternative value."""
        params = {
            k: (Param(p.alternatives[0][0], p.unit, p.alternatives[0][1]) if p.alternatives else p)
            for k, p in self.params.items()
        }
        return _dc_replace(self, name=name, title=title, params=params, uncertainty=None,
                           notes=notes or (self.notes + " Variant: every constant set to its alternative published value."))

    def formula_for(self, capability: str) -> str:
        """The formula of one capability with this law's constants, or the main formula."""
        template = self.form.formulas.get(capability)
        return template.format(**self.values) if template else self.formula

    # -- evaluation: every method asks the form for a capability ----------------------------
    def loss(self, N: ArrayLike, D: ArrayLike = np.inf, U: ArrayLike | None = None):
        """Predicted final loss [nats/token] of N parameters trained on D tokens.

        ``D = inf`` gives the converged loss L(N). ``U`` (unique tokens) is accepted by laws
        whose loss takes it (repeated data).
        """
        self._need("loss", "a loss L(N, D)")
        if U is not None and not self.form.accepts("loss", "U"):
            able = [n for n, p in PRESETS.items() if p.form.accepts("loss", "U")]
            raise InputError(f"U: {self.name!r} has no unique-token input; laws that take U: {', '.join(able)}")
        return self.form._loss(self.values, _arg("N", N), _arg("D", D, inf=True),
                               None if U is None else _arg("U", U, inf=True))

    def loss_converged(self, N: ArrayLike):
        """Loss with unlimited data, L(N, D -> inf) [nats/token]."""
        return self.loss(N, np.inf)

    def delta_L(self, N: ArrayLike, D: ArrayLike):
        """Overfitting penalty L(N, D)/L(N, inf) - 1 [-] (Kaplan Eq. 4.2; any loss law)."""
        self._need("delta_L", "an overfitting penalty")
        return self.form.delta_L(self.values, _arg("N", N), _arg("D", D, inf=True))

    def data_for_delta_L(self, N: ArrayLike, delta: ArrayLike | None = None):
        """Tokens needed to keep the overfitting penalty at ``delta`` (default :data:`DELTA_L_NOISE`,
        the seed-noise level); closed form where the law has one (Kaplan Eq. 4.3), else a root-find."""
        self._need("data_for_delta_L", "the data needed for an overfitting penalty")
        return self.form.data_for_delta_L(self.values, _arg("N", N),
                                          DELTA_L_NOISE.value if delta is None else _arg("delta", delta))

    def data_overfit_threshold(self, N: ArrayLike):
        """A published rule of thumb for enough data [tokens] (Kaplan Eq. 4.4, D >~ 5e3 N^0.74)."""
        self._need("overfit_rule", "a rule of thumb for enough data")
        return self.form.call("overfit_rule", self.values, _arg("N", N))

    def B_crit(self, L: ArrayLike):
        """Critical batch size [tokens] at loss L (Kaplan Eq. 5.3)."""
        self._need("B_crit", "a critical batch size")
        return self.form.call("B_crit", self.values, _arg("L", L))

    def batch_tradeoff(self, S: ArrayLike, B: ArrayLike, L: ArrayLike) -> dict[str, Any]:
        """S_min, E_min and B_crit for S steps at batch B [tokens] reaching loss L (Kaplan Eq. 5.1-5.5)."""
        return forms.batch_tradeoff(_arg("S", S), _arg("B", B), self.B_crit(L))

    def min_loss(self, N: ArrayLike):
        """Minimum possible loss of N parameters on the learning curve, S -> inf (Su et al.; Kaplan Eq. 5.6)."""
        self._need("min_loss", "a minimum loss L(N, S -> inf)")
        return self.form.call("min_loss", self.values, _arg("N", N))

    def trajectory(self, N: ArrayLike, S: ArrayLike, B: ArrayLike):
        """Loss after S steps at batch B [tokens], the implicit L(N, S, B) of Kaplan/Su."""
        self._need("trajectory", "a loss trajectory L(N, S, B)")
        return self.form.call("trajectory", self.values, _arg("N", N), _arg("S", S), _arg("B", B))

    def learning_curve(self, N: ArrayLike, S_min: ArrayLike):
        """Loss after S_min minimum steps, L(N, S_min) (Kaplan Eq. 5.6)."""
        self._need("learning_curve", "a learning curve L(N, S_min)")
        return self.form.call("learning_curve", self.values, _arg("N", N), _arg("S_min", S_min))

    def steps_to_loss(self, N: ArrayLike, L: ArrayLike, B: ArrayLike = np.inf):
        """Steps for N parameters to reach loss L at batch B [tokens] (B = inf: the minimum, S_min(L))."""
        self._need("steps_to_loss", "steps to a target loss")
        return self.form.call("steps_to_loss", self.values, _arg("N", N), _arg("L", L), _arg("B", B, inf=True))

    def tokens_to_loss(self, N: ArrayLike, L: ArrayLike, B: ArrayLike = 0.0):
        """Tokens for N parameters to reach loss L at batch B [tokens] (B = 0: the minimum, E_min(L))."""
        self._need("tokens_to_loss", "tokens to a target loss")
        return self.form.call("tokens_to_loss", self.values, _arg("N", N), _arg("L", L), _arg("B", B, zero=True))

    def curve(self, step: ArrayLike, lr: ArrayLike):
        """Loss at the given steps of a run with per-step learning rates ``lr`` (a schedule-aware law)."""
        self._need("curve", "a loss curve under a learning-rate schedule")
        return self.form.call("curve", self.values, _arg("step", step, zero=True), _arg("lr", lr, zero=True))

    def response(self, **variables: ArrayLike):
        """The form's fitted quantity over its own variables, by name (``response(N=1e9, Nv=6.5e7, D=2e10)``
        for a vocabulary law): for laws whose ``loss`` is not an L(N, D)."""
        self._need("response", "a quantity over variables of its own")
        want = self.form.variables("loss")
        missing = [v for v in self.form.required_variables("loss") if v not in variables]
        unknown = [v for v in variables if v not in want]
        if missing or unknown:
            raise InputError(f"variables: {self.name!r} takes {', '.join(want)}; "
                             + (f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"))
        return self.form.call("loss", self.values, *(_arg(v, variables[v], zero=True) for v in want if v in variables))

    def optimal_vocab(self, N: ArrayLike, d: ArrayLike, C: ArrayLike | None = None) -> dict[str, Any]:
        """The vocabulary size [tokens] minimising the loss for N non-vocabulary parameters [params], embedding
        width d and C FLOP (default: the law's own compute-optimal budget for N); with N_v, D, C and the loss."""
        self._need("optimal_vocab", "an optimal vocabulary size")
        return self.form.call("optimal_vocab", self.values, _arg("N", N), _arg("d", d),
                              None if C is None else _arg("C", C))

    def power(self, X: ArrayLike):
        """A one-variable power law's loss at X (N, D or C, as its form says)."""
        self._need("power", "a one-variable power law")
        return self.form.call("power", self.values, _arg("X", X))

    @property
    def optimal_methods(self) -> tuple[str, ...]:
        """Names of the closed-form allocations (the first is the default), plus ``numerical`` for loss laws."""
        names = tuple(self.form.optimal_methods)
        return names + (("numerical",) if "loss" in self.form.functions else ())

    def optimal_label(self, method: str) -> str:
        """A method's short label for legends (``"Table 6"``), ``"numerical"`` for the generic path."""
        m = self.form.optimal_methods.get(method)
        return (m.label or method) if m is not None else method

    def compute_optimal(self, C: ArrayLike, *, method: str | None = None, U: ArrayLike | None = None) -> dict[str, Any]:
        """Compute-optimal allocation for compute C [FLOP].

        Returns a dict with ``N_opt`` [params, in this law's N convention], ``D_opt``
        [tokens], ``loss`` [nats/token] (None where the law has no loss), ``B_opt`` and
        ``S_opt`` where the law gives them, and ``method`` saying how they were computed.

        ``method``: one of :attr:`optimal_methods` (default: the law's first closed form, else the
        numerical minimisation of its loss on C = 6ND). ``U`` (unique tokens) applies to laws
        whose loss takes it and always uses the numerical minimisation.
        """
        self._need("optimal", "a compute-optimal allocation")
        if U is not None and not self.form.accepts("loss", "U"):
            able = [n for n, p in PRESETS.items() if p.form.accepts("loss", "U")]
            raise InputError(f"U: {self.name!r} has no unique-token input; laws that take U: {', '.join(able)}")
        out = self.form.compute_optimal(self.values, _arg("C", C), method=method,
                                        U=None if U is None else _arg("U", U, inf=True))
        out.setdefault("loss", None)
        return out

    def compute_for_loss(self, L: ArrayLike):
        """Least compute [FLOP] that reaches loss L on C = 6ND (infinite at or below the law's floor)."""
        self._need("compute_for_loss", "the compute for a target loss")
        return self.form.compute_for_loss(self.values, _arg("L", L))

    def inference_optimal(self, L: ArrayLike, D_inference: ArrayLike, *, weight: float = 1.0,
                          U: float | None = None) -> dict[str, Any]:
        """The model that reaches loss L at the least training plus inference compute, serving
        ``D_inference`` tokens over its life (Sardana et al. 2024): ``N`` [params, this law's
        convention], ``D`` [training tokens], ``tokens_per_param``, ``train_flop`` (6ND),
        ``inference_flop`` (2N per served token), ``total_flop``. ``weight`` prices one inference
        FLOP against one training FLOP (1: least compute). With ``D_inference = 0`` it is the
        compute-optimal model for the compute that reaches L."""
        self._need("inference_optimal", "the inference-aware optimum")
        return self.form.inference_optimal(self.values, _arg("L", L), _arg("D_inference", D_inference, zero=True),
                                           weight=as_number("weight", weight, 1e-6, 1e6,
                                                            what=" (inference FLOP priced against training FLOP)"),
                                           U=None if U is None else float(_arg("U", U, inf=True)))

    def hparams(
        self, *, N: ArrayLike | None = None, D: ArrayLike | None = None, C: ArrayLike | None = None
    ) -> dict[str, Any]:
        """Recommended peak learning rate and batch size [tokens], from whichever of N, D, C the law
        takes (C = 6ND is formed when the law needs C and N and D are given)."""
        self._need("lr", "learning-rate recommendations")
        given = {k: None if v is None else _arg(k, v) for k, v in (("N", N), ("D", D), ("C", C))}
        out: dict[str, Any] = {"lr": None, "batch_tokens": None}
        for cap, key, what in (("lr", "lr", "learning rate"), ("batch", "batch_tokens", "batch size")):
            if not self.has(cap):
                continue
            need = self.form.required_variables(cap)
            args = dict(given)
            if "C" in need and args["C"] is None and N is not None and D is not None:
                args["C"] = 6.0 * np.asarray(N, dtype=float) * np.asarray(D, dtype=float)
            missing = [v for v in need if args.get(v) is None]
            if missing:
                alt = " (or N and D, then C = 6ND)" if missing == ["C"] else ""
                raise InputError(f"law: {self.name!r} needs {' and '.join(need)}{alt} for its {what}; "
                                 f"missing: {', '.join(missing)}")
            out[key] = self.form.call(cap, self.values, *(args[v] for v in self.form.variables(cap)))
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (the ``presets --json`` entry)."""
        return {
            "name": self.name,
            "title": self.title,
            "citation": str(self.citation),
            "form": self.form.name,
            "formula": self.formula,
            "N_convention": self.N_convention,
            "loss_unit": self.loss_unit,
            "params": {
                k: {
                    "value": p.value,
                    "unit": p.unit,
                    "source": p.source,
                    **({"stderr": p.stderr} if p.stderr is not None else {}),
                    **({"alternatives": [{"value": a, "source": s} for a, s in p.alternatives]} if p.alternatives else {}),
                }
                for k, p in self.params.items()
            },
            "fitted_range": self.fitted_range.as_dict(),
            "setup": dict(self.setup),
            "capabilities": sorted(self.capabilities),
            "uncertainty": None if self.uncertainty is None else self.uncertainty.source,
            "fitted_on": list(self.fitted_on),
            "modified": self.modified,
            "fitted": self.fitted,
            "notes": self.notes,
        }


# =====================================================================================
# The published presets. Every number below is quoted with the table or equation it
# comes from; tests/test_presets.py checks each against the printed value.
# =====================================================================================

_KAPLAN = Citation("Kaplan, McCandlish, Henighan, Brown et al.", 2020, "Scaling Laws for Neural Language Models", "2001.08361")
_HOFFMANN = Citation(
    "Hoffmann, Borgeaud, Mensch, Buchatskaya et al.", 2022, "Training Compute-Optimal Large Language Models", "2203.15556"
)
_BESIROGLU = Citation("Besiroglu, Erdil, Barnett, You", 2024, "Chinchilla Scaling: A replication attempt", "2404.10102")
_LI = Citation(
    "Li, Zhao, Zhang, Wang et al.", 2025,
    "Predictable Scale: Part I -- Optimal Hyperparameter Scaling Law in Large Language Model Pretraining (Step Law)",
    "2503.04715",
)
_BI = Citation("DeepSeek-AI (Bi et al.)", 2024, "DeepSeek LLM: Scaling Open-Source Language Models with Longtermism", "2401.02954")
_SARDANA = Citation(
    "Sardana, Portes, Doubov, Frankle", 2024,
    "Beyond Chinchilla-Optimal: Accounting for Inference in Language Model Scaling Laws (ICML 2024)", "2401.00448"
)
_MUENNIGHOFF = Citation(
    "Muennighoff, Rush, Barak, Le Scao et al.", 2023, "Scaling Data-Constrained Language Models", "2305.16264"
)

_P = Param  # brevity below

KAPLAN2020 = Preset(
    name="kaplan2020",
    title="Kaplan et al. 2020",
    form="kaplan",
    citation=_KAPLAN,
    N_convention="non-embedding",
    loss_unit="nats/token, WebText2 test set (GPT-2 BPE, n_ctx 1024)",
    formula="L(N,D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D; L(N,S,B) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S, "
    "S_min = S/(1 + B_crit(L)/B), B_crit = B_*/L^(1/alpha_B)",
    fitted_range=FittedRange(
        N=(768.0, 1.5e9), D=(22e6, 23e9), C=None,
        source="Sec. 3: models of 768 to 1.5 billion non-embedding parameters, data sets of 22 million to 23 billion tokens",
    ),
    params={
        # Single-variable fits, Table 5 (Eq. 1.1-1.3).
        "alpha_N": _P(0.076, "-", "Table 5 (Eq. 1.1)"),
        "N_c": _P(8.8e13, "params (non-embedding)", "Table 5 (Eq. 1.1)"),
        "alpha_D": _P(0.095, "-", "Table 5 (Eq. 1.2)"),
        "D_c": _P(5.4e13, "tokens", "Table 5 (Eq. 1.2)"),
        "alpha_C": _P(0.057, "-", "Table 5 (Eq. 3.3, fixed batch 2^19 tokens)"),
        "C_c": _P(1.6e7, "PF-day", "Table 5 (Eq. 3.3)"),
        "alpha_C_min": _P(0.050, "-", "Table 5 (Eq. 1.3)"),
        "C_c_min": _P(3.1e8, "PF-day", "Table 5 and Eq. 1.3", alternatives=((2.3e8, "Figure 1 legend"),)),
        # Critical batch, Table 5 / Eq. 5.3.
        "alpha_B": _P(0.21, "-", "Table 5 (Eq. 5.3)"),
        "B_star": _P(2.1e8, "tokens", "Table 5 and Figure 10 legend", alternatives=((2e8, "Eq. 1.4 and Eq. 5.3"),)),
        # Learning curve L(N, S_min), Table 3 (S_c and alpha_S agree with Table 5).
        "alpha_S": _P(0.76, "-", "Table 3 and Table 5 (Eq. 5.6)"),
        "S_c": _P(2.1e3, "steps", "Table 3 and Table 5 (Eq. 5.6)"),
        "NS_alpha_N": _P(0.077, "-", "Table 3, fits to L(N,S)", alternatives=((0.076, "Table 5"),)),
        "NS_N_c": _P(6.5e13, "params (non-embedding)", "Table 3, fits to L(N,S)", alternatives=((8.8e13, "Table 5"),)),
        # Joint L(N, D), Table 2 (default for Eq. 1.5 and deltaL).
        "ND_alpha_N": _P(0.076, "-", "Table 2, fits to L(N,D)", alternatives=((0.076, "Table 5"),)),
        "ND_alpha_D": _P(0.103, "-", "Table 2, fits to L(N,D)", alternatives=((0.095, "Table 5"),)),
        "ND_N_c": _P(6.4e13, "params (non-embedding)", "Table 2, fits to L(N,D)", alternatives=((8.8e13, "Table 5"),)),
        "ND_D_c": _P(1.8e13, "tokens", "Table 2, fits to L(N,D)", alternatives=((5.4e13, "Table 5"),)),
        # Overfitting rule of thumb, Eq. 4.4.
        "D_overfit_coef": _P(5e3, "tokens/params^0.74", "Eq. 4.4"),
        "D_overfit_exp": _P(0.74, "-", "Eq. 4.4"),
        # Compute-efficient training, Table 6 (C_min in PF-days).
        "N_e": _P(1.3e9, "params", "Table 6"),
        "p_N": _P(0.73, "-", "Table 6 (Eq. 6.1)"),
        "B_e": _P(2.0e6, "tokens", "Table 6"),
        "p_B": _P(0.24, "-", "Table 6"),
        "S_e": _P(5.4e3, "steps", "Table 6"),
        "p_S": _P(0.03, "-", "Table 6 (Eq. 6.2)"),
        "D_e": _P(2e10, "tokens", "Table 6"),
        "p_D": _P(0.27, "-", "Table 6"),
        # Learning rate rule of thumb, Appendix D.6.
        "lr_intercept": _P(0.003239, "-", "Eq. D.1"),
        "lr_slope": _P(0.0001395, "-", "Eq. D.1 (natural log)"),
    },
    uncertainty=Uncertainty(
        "alternatives",
        "spread between the paper's alternative constants (kaplan2020 vs kaplan2020-alt), not a statistical interval",
    ),
    notes="Default constants: Table 2 for L(N,D) and deltaL, Table 3 for L(N,S) and the trajectory, Table 5 "
    "for B_*=2.1e8 and the single-variable laws. Alternatives (Eq. 1.4's B_*=2e8, Fig. 1's C_c^min=2.3e8, "
    "Table 5 for L(N,D) and L(N,S)) are in each constant's alternatives and in the kaplan2020-alt preset.",
)

KAPLAN2020_ALT = _dc_replace(KAPLAN2020.with_alternatives("kaplan2020-alt", "Kaplan et al. 2020 (alt. constants)"),
                             secondary=True)

_CHINCHILLA_RANGE = FittedRange(
    N=(7e7, 1.6e10), D=(5e9, 5e11), C=None,
    source="Abstract and Sec. 3: over 400 models of 70 million to over 16 billion parameters on 5 to 500 billion tokens",
)

HOFFMANN2022 = Preset(
    name="hoffmann2022",
    title="Hoffmann et al. 2022 (Chinchilla)",
    form="chinchilla",
    citation=_HOFFMANN,
    N_convention="total",
    loss_unit="nats/token, MassiveText",
    formula="L(N,D) = E + A/N^alpha + B/D^beta",
    fitted_range=_CHINCHILLA_RANGE,
    params={
        "E": _P(1.69, "nats/token", "Eq. 10 (printed, rounded)", alternatives=((math.exp(0.5267228), "arXiv TeX source"),)),
        "A": _P(406.4, "nats/token x params^alpha", "Eq. 10", alternatives=((math.exp(6.0073404), "arXiv TeX source"),)),
        "B": _P(410.7, "nats/token x tokens^beta", "Eq. 10", alternatives=((math.exp(6.0179186), "arXiv TeX source"),)),
        "alpha": _P(0.34, "-", "Eq. 10", alternatives=((0.33917084, "arXiv TeX source"),)),
        "beta": _P(0.28, "-", "Eq. 10", alternatives=((0.2849083, "arXiv TeX source"),)),
    },
    fitted_on=("epoch_chinchilla",),  # Epoch's points are Hoffmann et al.'s own runs, digitised from Fig. 4
    notes="Printed (rounded) constants of Eq. 10. The rounding moves the optimal N at the Gopher budget from "
    "40B to 32B; hoffmann2022-tex has the unrounded constants.",
)

HOFFMANN2022_TEX = HOFFMANN2022.with_alternatives(
    "hoffmann2022-tex",
    "Hoffmann et al. 2022 (unrounded)",
    notes="Unrounded constants from the comment after Eq. 10 in the arXiv TeX source (param_offset a = 6.0073404, "
    "token_offset b = 6.0179186, loss_offset e = 0.5267228; A, B, E = exp(a), exp(b), exp(e)), as used by "
    "Besiroglu et al. (true_params in their notebook). They reproduce the paper's 40B-parameter optimum at "
    "5.76e23 FLOP.",
)

#: The Chinchilla constants as Sardana et al. 2024 use them for their inference-aware optimum: Hoffmann
#: et al.'s Eq. 10 with the exponents to three decimals. Read second-hand (formulas.md 11.1, several notes
#: agree); checked by reproducing the paper's own Fig. 1 example, quoted in its caption: a 13B model with 2T
#: inference tokens is beaten by a 7B model on more data, saving 1.7e22 FLOP (17%)
#: (tests/test_inference_verdict.py::test_sardana_figure_1).
_SARDANA_SRC = ("Sardana et al. 2024: Chinchilla's Eq. 10 constants as the paper uses them (read second-hand, "
                "formulas.md 11.1; checked by reproducing its Fig. 1 caption: 13B -> 7B, 17% or 1.7e22 FLOP less "
                "compute for 2T inference tokens)")
SARDANA2024 = _dc_replace(
    HOFFMANN2022,
    name="sardana2024",
    title="Sardana et al. 2024 (Chinchilla as used)",
    citation=_SARDANA,
    params={
        "E": _P(1.69, "nats/token", _SARDANA_SRC),
        "A": _P(406.4, "nats/token x params^alpha", _SARDANA_SRC),
        "B": _P(410.7, "nats/token x tokens^beta", _SARDANA_SRC),
        "alpha": _P(0.336, "-", _SARDANA_SRC),
        "beta": _P(0.283, "-", _SARDANA_SRC),
    },
    notes="Hoffmann et al.'s Eq. 10 with alpha = 0.336 and beta = 0.283 (printed there as 0.34 and 0.28), the "
    "constants behind Sardana et al.'s worked examples of the inference-aware optimum. Use it to reproduce "
    "those examples by name (scalingviz plan --laws sardana2024 ...).",
)

BESIROGLU2024 = Preset(
    name="besiroglu2024",
    title="Besiroglu et al. 2024 (Epoch)",
    form="chinchilla",
    citation=_BESIROGLU,
    N_convention="total",
    loss_unit="nats/token, MassiveText (digitised from Hoffmann et al. Fig. 4)",
    formula="L(N,D) = E + A/N^alpha + B/D^beta",
    fitted_range=FittedRange(
        N=(5.7e7, 1.62e10), D=(2.45e8, 3.18e11), C=(1.39e18, 1.30e22),
        source="range of Epoch's 245 digitised runs (svg_extracted_data.csv), D = C/(6N)",
    ),
    params={
        "E": _P(1.8172, "nats/token", "Table 1", stderr=0.03),
        "A": _P(482.01, "nats/token x params^alpha", "Table 1", stderr=124.58),
        "B": _P(2085.43, "nats/token x tokens^beta", "Table 1", stderr=1293.23),
        "alpha": _P(0.3478, "-", "Table 1", stderr=0.02),
        "beta": _P(0.3658, "-", "Table 1", stderr=0.02),
    },
    uncertainty=Uncertainty(
        "samples",
        "bootstrap of Epoch's 240 points (1,000 refits, this project; data/besiroglu2024_bootstrap.csv)",
        file="besiroglu2024_bootstrap.csv",
    ),
    fitted_on=("epoch_chinchilla",),
    notes="Refit of Hoffmann's Approach 3 to 240 digitised points (5 highest-loss runs dropped) with a summed "
    "Huber loss (delta = 1e-3); standard errors from Table 1.",
)

LI2025 = Preset(
    name="li2025",
    title="Li et al. 2025 (Step Law)",
    form="steplaw",
    citation=_LI,
    N_convention="non-embedding",
    loss_unit="(no loss law)",
    formula="eta_opt = 1.79 N^-0.713 D^0.307; B_opt = 0.58 D^0.571 tokens",
    fitted_range=FittedRange(
        N=(2.1e8, 1.1e9), D=(4e9, 1e11), C=None,
        source="released dense runs (dense_lr_bs_loss.csv): N 2.15e8-1.07e9 non-embedding, D 4e9-1e11 tokens",
    ),
    params={
        "lr_coef": _P(1.79, "-", "Eq. (Step Law) in the abstract and Table 1"),
        "lr_exp_N": _P(-0.713, "-", "Table 1"),
        "lr_exp_D": _P(0.307, "-", "Table 1"),
        "bs_coef": _P(0.58, "tokens/tokens^0.571", "Table 1"),
        "bs_exp_D": _P(0.571, "-", "Table 1"),
    },
    uncertainty=Uncertainty(
        "normal",
        "normal fit to Step Law's 1,000 released bootstrap fits (data/li2025_bootstrap_moments.json)",
        file="li2025_bootstrap_moments.json",
        names={"lr_intercept": "lr_coef", "lr_coefN": "lr_exp_N", "lr_coefD": "lr_exp_D", "bs_intercept": "bs_coef",
               "bs_coefD": "bs_exp_D"},
        log=("lr_coef", "bs_coef"),
    ),
    notes="B is in tokens (the released fit_tool.py multiplies sequences by seq_len); N excludes embeddings.",
)

BI2024 = Preset(
    name="bi2024",
    title="DeepSeek (Bi et al. 2024)",
    form="deepseek",
    citation=_BI,
    N_convention="non-embedding (model scale M in FLOP/token, C = M D)",
    loss_unit="bits-per-byte on a validation set (no loss law shipped)",
    formula="eta_opt = 0.3118 C^-0.1250; B_opt = 0.2920 C^0.3271 tokens; M_opt = 0.1715 C^0.5243; D_opt = 5.8316 C^0.4757",
    fitted_range=FittedRange(
        N=None, D=None, C=(1e17, 3e20),
        source="Sec. 3.1: hyperparameter grid 1e17-2e19 FLOP (validated at 1e20); Sec. 3.2: IsoFLOP budgets 1e17-3e20",
    ),
    params={
        "lr_coef": _P(0.3118, "-", "Eq. 1 (Step Law Table 1 misprints 0.3188)"),
        "lr_exp_C": _P(-0.1250, "-", "Eq. 1"),
        "bs_coef": _P(0.2920, "tokens/FLOP^0.3271", "Eq. 1"),
        "bs_exp_C": _P(0.3271, "-", "Eq. 1"),
        "M_base": _P(0.1715, "FLOP/token / FLOP^0.5243", "Eq. 4"),
        "a": _P(0.5243, "-", "Eq. 4"),
        "D_base": _P(5.8316, "tokens / FLOP^0.4757", "Eq. 4"),
        "b": _P(0.4757, "-", "Eq. 4"),
    },
    notes="C is counted as M D with M the non-embedding FLOP per token including attention (Eq. 2), not 6ND.",
)

MUENNIGHOFF2023 = Preset(
    name="muennighoff2023",
    title="Muennighoff et al. 2023 (repeated data)",
    form="datablations",
    citation=_MUENNIGHOFF,
    N_convention="total",
    loss_unit="nats/token, C4 validation",
    formula="L = E + A/N'^alpha + B/D'^beta, D' = U + U R_D* (1 - exp(-R_D/R_D*)), N' likewise",
    fitted_range=FittedRange(
        N=(7.1e6, 8.7e9), D=(1e8, 9e11), C=None,
        source="the paper's final-loss runs: N 7.1e6-8.67e9, 1e8-9e11 tokens (abstract: up to 9B params, 900B tokens)",
    ),
    params={
        "E": _P(math.exp(0.6254804), "nats/token", "datablations README, Parametric Fit: e = 0.6254804, E = exp(e)"),
        "A": _P(math.exp(6.255414), "nats/token x params^alpha", "datablations README: a = 6.255414, A = exp(a)"),
        "B": _P(math.exp(7.3049974), "nats/token x tokens^beta", "datablations README: b = 7.3049974, B = exp(b)"),
        "alpha": _P(0.3526596, "-", "datablations README"),
        "beta": _P(0.3526596, "-", "datablations README"),
        "R_D_star": _P(15.387756, "epochs", "datablations README (paper: ~15.4)"),
        "R_N_star": _P(5.309743, "-", "datablations README (paper: ~5.3)"),
    },
    notes="With one epoch of unique data (U >= D) this is a Chinchilla-form law with the paper's constants.",
)


_TAO = Citation("Tao, Liu, Dou, Muennighoff, Wan, Luo, Lin, Wong", 2024,
                "Scaling Laws with Vocabulary: Larger Models Deserve Larger Vocabularies (NeurIPS 2024)", "2407.13623")
_TAO_SRC = "sail-sg/scaling-with-vocab @ 6701cc2, optimal_Nv_predict.py (approach3_isoloss)"

TAO2024 = Preset(
    name="tao2024",
    title="Tao et al. 2024 (vocabulary)",
    form="tao_vocab",
    citation=_TAO,
    N_convention="non-embedding (Tao et al.'s non-vocabulary N_nv: every parameter but the V x d vocabulary ones)",
    loss_unit="nats/token, unigram-normalised (the loss minus a unigram model's; negative), SlimPajama",
    formula="L_u = -E + A1/N_nv^alpha1 + A2/N_v^alpha2 + B/D^beta (N_nv, N_v in 1e6 params; D in 1e9 tokens)",
    fitted_range=FittedRange(
        N=(3.32e7, 1.13e9), D=(2.65e8, 5.48e10), C=(2.19e17, 4.36e20),
        source="the authors' exp_data.csv (1,200 runs), runs of 2.18e17 FLOP or more (1,054) as approach3_isoloss.py "
               "fits; vocabularies 4,096 to 96,256; D converted from characters with the authors' tokenizer ratio",
    ),
    params={
        "E": _P(5.5327846803337435, "nats/token", _TAO_SRC),
        "A1": _P(1.8313851559554126, "nats/token x (1e6 params)^alpha1", _TAO_SRC),
        "alpha1": _P(0.44660634152009615, "-", _TAO_SRC + "; tied to beta in the fit"),
        "A2": _P(0.19584238398665638, "nats/token x (1e6 params)^alpha2", _TAO_SRC),
        "alpha2": _P(0.6707374679896795, "-", _TAO_SRC),
        "B": _P(2.1241123120064955, "nats/token x (1e9 tokens)^beta", _TAO_SRC),
        "beta": _P(0.44660634152009615, "-", _TAO_SRC + "; tied to alpha1 in the fit"),
        "G": _P(float(np.exp(-2.4846510161625193)), "params / FLOP^a",
                "same file, flops_to_Nnvopt (Approach 1: compute-optimal N_nv = G C^a)"),
        "a": _P(0.5, "-", "same file, flops_to_Nnvopt"),
    },
    setup={"r0": 1.20470122, "r1": -0.15811069, "r2": 0.00639222},  # utils.H_to_D: tokens per character
    notes="Constants read from the authors' code, not from a printed table of the paper (no stored copy of its "
          "tables could be read). The paper's abstract is checked instead: the optimal vocabulary of Llama2-70B "
          "'at least 216K' and the 3B model's 43K at 2.3e21 FLOP (tests/test_tao2024.py). D is counted as the "
          "authors' fit counts it: characters through their tokenizer ratio (setup r0, r1, r2) at V in thousands, "
          "2.5-4x the true tokens (scalingviz.laws.tao2024.tokens_from_characters); the optimal vocabulary "
          "takes true tokens, D = C / 6(N_nv + V d), as the authors' code does.",
)


_LUO = Citation("Luo, Wen, Hu, Sun, Liu, Sun, Lyu, Chen", 2025,
                 "A Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules (ICLR 2025)", "2503.12811")
_LUO_SRC = "thu-yao-01-luo/MultiPowerLaw @ 8da9f19, src/config.py PARAMS (also the README's table)"
#: Luo et al.'s runs: linear warmup from 0 to the peak over 2,160 steps, peak 3e-4, floor 3e-5, and
#: 24,000 steps for the fit set (README and src/data_loader.py of the origin repository).
_LUO_SETUP = {"peak_lr": 3e-4, "warmup": 2160, "floor": 3e-5, "steps": 24000}


def _luo(size: str, values: tuple[float, ...], r2: float, mre: float) -> Preset:
    units = {"L0": "nats/token", "A": "nats/token x lr-sum^alpha", "alpha": "-", "B": "nats/token / lr", "C": "-",
             "beta": "-", "gamma": "-"}
    names = ("L0", "A", "alpha", "B", "C", "beta", "gamma")
    return Preset(
        name=f"luo2025-{size.lower()}",
        title=f"Luo et al. 2025 (Multi-Power Law, {size})",
        form="multipower",
        citation=_LUO,
        N_convention=f"total (the paper's nominal {size} Llama-2-style model)",
        loss_unit="nats/token, the paper's training loss",
        fitted_range=FittedRange(S=(1.0, 24000.0), source="fit set: cosine_24000, constant_24000, wsdcon_9 "
                                 "(24,000 and 16,000 steps); predicted up to 72,000 steps"),
        params={k: Param(v, units[k], _LUO_SRC) for k, v in zip(names, values, strict=True)},
        setup=_LUO_SETUP,
        notes=f"Published averages over the six test curves, the fit set excluded (origin README; logs/"
              f"{size[:-1]}.log, 'Evaluating on test set'): R^2 {r2}, mean relative error {mre}%. The learning "
              "rates are those of the paper's runs; the constants hold for its setup (peak 3e-4, 2,160 warmup "
              "steps), not for any model of this size. Schedule differences read from it carry the interval of "
              "scalingviz.calibration: on the shipped curves the law overstated the WSD-cosine gap about 2x.",
    )


LUO2025_25M = _luo("25M", (3.04045406, 0.52468604, 0.50786857, 363.78751622, 2.06560812, 0.58279013, 0.64142257),
                   0.9988, 0.110)
LUO2025_100M = _luo("100M", (2.6514477, 0.60115152, 0.45295811, 437.9464276, 2.13245612, 0.59785199, 0.65523644),
                    0.9983, 0.142)
LUO2025_400M = _luo("400M", (2.37474466, 0.65421216, 0.42878731, 523.42464371, 2.02462735, 0.59350493, 0.63472457),
                    0.9978, 0.168)


def _su2024_from_procedure() -> Preset | None:
    """The ``su2024`` preset: constants *fitted by this project* with Su et al.'s procedure.

    Su et al.'s printed constants could not be verified, so this preset ships only the
    constants that ``python data/make_su2024.py`` reproduces from public data (written to
    ``data/su2024_procedure.json`` with every intermediate fit). None if the file is absent.
    """
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "su2024_procedure.json"
    if not path.is_file():
        return None
    d = json.loads(path.read_text())
    c = d["constants"]
    src = "fitted by data/make_su2024.py (this project), not printed by Su et al."
    units = {"N_c": "params (non-embedding)", "alpha_N": "-", "S_c": "steps", "alpha_S": "-", "B_star": "tokens",
             "alpha_B": "-"}
    step = {"N_c": "step 2", "alpha_N": "step 2", "S_c": "step 2", "alpha_S": "step 2", "B_star": "step 1",
            "alpha_B": "step 1"}
    lc = d["step2_L_N_Smin"]["data_range"]
    pr = d["step3_prediction"]
    return Preset(
        name="su2024",
        title="Su et al. 2024 procedure (refit on C4)",
        form="su",
        citation=Citation("Su, Tian, Shen, Cai", 2024, "Unraveling the Mystery of Scaling Laws: Part I", "2403.06563"),
        N_convention="non-embedding",
        loss_unit="nats/token, C4 validation",
        formula="L = (N_c/N)^alpha_N + (S_c (1 + B_crit(L)/B) / S)^alpha_S, B_crit(L) = B_*/L^(1/alpha_B)",
        fitted_range=FittedRange(N=tuple(lc["N"]), D=None, C=None,
                                 source="step 2 runs: open_lm models at batch 1,048,576 tokens (misfitting_li2025)"),
        params={k: Param(float(v), units[k], f"{step[k]}, {src}") for k, v in c.items()},
        notes=f"Kaplan's forms with every constant estimated by Su et al.'s step-by-step procedure on public data: "
        f"{d['inputs']['step1']}; {d['inputs']['step2']}. Held-out {pr['N']:.3g}-parameter model: final losses "
        f"predicted within {pr['runs']['max_abs_pct_error']:.2f}%, its loss curve within "
        f"{pr['curve']['max_abs_pct_error']:.2f}% (median {pr['curve']['median_abs_pct_error']:.2f}%).",
        fitted=False,
    )


#: Chinchilla's rule of thumb, read from Hoffmann et al. Table 3 (Approach 1 projections), where
#: D/N runs from 20.0 (400M params, 8.0B tokens) to 21.6 (10T params, 216.2T tokens). The
#: parametric fit (Approach 3, the hoffmann2022 presets) gives more tokens per parameter.
CHINCHILLA_TOKENS_PER_PARAM = Param(
    20.0, "tokens/param", "Hoffmann et al. 2022 Table 3 (Approach 1): 400M -> 8.0B tokens, 1B -> 20.2B, 10B -> 205.1B"
)

#: The seed-to-seed variation of the loss that Kaplan et al. take as the level below which an
#: overfitting penalty does not matter: the deltaL behind their Eq. 4.4. The default target of
#: :meth:`Preset.data_for_delta_L` for every law.
DELTA_L_NOISE = Param(0.02, "-", "Kaplan et al. 2020 Sec. 4.2: seed-to-seed variation of the loss, the deltaL behind Eq. 4.4")

#: Repeated data: up to this many epochs, repeating the unique tokens changes the loss negligibly
#: against unique data (the plan's REPEATED_DATA warning starts beyond it).
REPEATED_DATA_FREE_EPOCHS = Param(4.0, "epochs", "Muennighoff et al. 2023, abstract: up to 4 epochs of repeated "
                                                 "data yield negligible changes to loss compared to unique data")

#: DeepSeek LLM's multi-step learning-rate schedule: after the warmup, the peak; from 80% of the
#: training tokens 31.6% of it, from 90% 10% of it, as (fraction of training, fraction of peak) pairs.
DEEPSEEK_LR_DROPS: tuple[tuple[float, float], ...] = ((0.8, 0.316), (0.9, 0.1))
DEEPSEEK_LR_DROPS_SOURCE = ("Bi et al. 2024 (DeepSeek LLM) Sec. 2.2: multi-step scheduler, 31.6% of the maximum "
                            "after 80% of the training tokens, 10% after 90%")

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (KAPLAN2020, KAPLAN2020_ALT, HOFFMANN2022, HOFFMANN2022_TEX, SARDANA2024, BESIROGLU2024, LI2025, BI2024, MUENNIGHOFF2023,
              _su2024_from_procedure(), LUO2025_25M, LUO2025_100M, LUO2025_400M, TAO2024)
    if p is not None
}
_PUBLISHED = frozenset(PRESETS)


def preset_names(capability: str | None = None) -> list[str]:
    """Registered names, optionally only those with a capability (``"loss"``, ``"optimal"``, ...)."""
    return [n for n, p in PRESETS.items() if capability is None or p.has(capability)]


def preset_for(capability: str, prefer: Preset | None = None) -> Preset:
    """``prefer`` if it has the capability, else the first published preset that has it.

    For figures that show a quantity the chosen law lacks (a critical batch size beside a
    Chinchilla loss): the fallback is a reference, and the caller labels it with its title.
    """
    if prefer is not None and prefer.has(capability):
        return prefer
    for name in PRESETS:
        if name in _PUBLISHED and PRESETS[name].has(capability):
            return PRESETS[name]
    raise InputError(f"capability: no registered law gives {capability!r}")


def get_preset(name: str | Preset) -> Preset:
    """Look a preset up by name; the error lists the valid names. A Preset passes through."""
    if isinstance(name, Preset):
        return name
    try:
        return PRESETS[str(name).strip()]
    except KeyError:
        raise InputError(f"law: unknown law {name!r}; valid names are {', '.join(PRESETS)}") from None


def register(preset: Preset, *, overwrite: bool = False) -> Preset:
    """Add a preset (e.g. a fitted one) to the registry. Published names cannot be replaced."""
    if not isinstance(preset, Preset):
        raise InputError(f"preset: {shown(preset)} is not a Preset; register a law's preset (e.g. a fit's to_preset())")
    if preset.name in _PUBLISHED:
        raise InputError(f"name: {preset.name!r} is a published preset; choose another name")
    if preset.name in PRESETS and not overwrite:
        raise InputError(f"name: {preset.name!r} is already registered; pass overwrite=True to replace it")
    PRESETS[preset.name] = preset
    return preset
