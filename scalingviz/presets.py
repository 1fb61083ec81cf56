"""Published scaling laws as immutable, cited presets.

A law is a preset, and a preset is data: a functional *form* (which module of
:mod:`scalingviz.laws` evaluates it), the constants with their units and the table or
equation each was read from, the convention for N (non-embedding or total), the loss's
unit and data set, and the range of N, D and C the law was fitted on. This module is the
**only** place in the package where a published constant appears.

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
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .laws import bi2024, hoffmann2022, kaplan2020, li2025, muennighoff2023, su2024

__all__ = [
    "CHINCHILLA_TOKENS_PER_PARAM",
    "FORMS",
    "PRESETS",
    "Citation",
    "FittedRange",
    "Param",
    "Preset",
    "get_preset",
    "preset_names",
    "register",
]

#: What each functional form can compute.
FORMS: dict[str, frozenset[str]] = {
    "kaplan": frozenset({"loss", "trajectory", "delta_L", "B_crit", "optimal", "lr"}),
    "kaplan_nd": frozenset({"loss", "delta_L"}),  # Kaplan's L(N, D) alone, e.g. fitted to your runs
    "su": frozenset({"trajectory", "B_crit"}),  # Kaplan's L(N, S_min) + B_crit(L), constants from Su's procedure
    "chinchilla": frozenset({"loss", "optimal"}),
    "datablations": frozenset({"loss", "optimal"}),
    "steplaw": frozenset({"lr", "batch"}),
    "deepseek": frozenset({"lr", "batch", "optimal"}),
}


@dataclass(frozen=True)
class Citation:
    """Where a law was published."""

    authors: str
    year: int
    title: str
    arxiv: str

    def __str__(self) -> str:
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
    """The N [params], D [tokens] and C [FLOP] spanned by the runs a law was fitted on."""

    N: tuple[float, float] | None = None
    D: tuple[float, float] | None = None
    C: tuple[float, float] | None = None
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"N": self.N, "D": self.D, "C": self.C, "source": self.source}

    def outside(self, **values: float) -> dict[str, float]:
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


@dataclass(frozen=True)
class Preset:
    """A named, cited, immutable scaling law. Evaluate it with its methods.

    Attributes
    ----------
    name : str
        Registry name (``kaplan2020``), or ``"... (modified)"`` after :meth:`replace`.
    title : str
        Short label for legends (``"Kaplan et al. 2020"``).
    form : str
        Functional form, a key of :data:`FORMS`.
    citation : Citation
    params : Mapping[str, Param]
        Read-only mapping of constants.
    N_convention : str
        ``"non-embedding"`` or ``"total"``.
    loss_unit : str
        Unit and data set of L (``"nats/token, WebText2 test"``).
    fitted_range : FittedRange
    formula : str
        The main formula in plain text.
    notes : str
    modified : bool
        True once a constant was changed by :meth:`replace`.
    fitted : bool
        True for presets fitted by :mod:`scalingviz.fit` to a user's runs.
    """

    name: str
    title: str
    form: str
    citation: Citation
    params: Mapping[str, Param]
    N_convention: str
    loss_unit: str
    fitted_range: FittedRange
    formula: str
    notes: str = ""
    modified: bool = False
    fitted: bool = False
    extras: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise ValueError(f"form: {self.form!r} is not a known form; valid forms are {', '.join(FORMS)}")
        if not isinstance(self.params, MappingProxyType):
            object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        if not isinstance(self.extras, MappingProxyType):
            object.__setattr__(self, "extras", MappingProxyType(dict(self.extras)))

    # -- access ---------------------------------------------------------------------------
    @property
    def values(self) -> dict[str, float]:
        """The constants as a plain ``{name: value}`` dict."""
        return {k: p.value for k, p in self.params.items()}

    def __getitem__(self, key: str) -> float:
        return self.params[key].value

    @property
    def capabilities(self) -> frozenset[str]:
        """What this law computes: subset of {loss, trajectory, delta_L, B_crit, optimal, lr, batch}."""
        return FORMS[self.form]

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def _need(self, capability: str, what: str) -> None:
        if not self.has(capability):
            able = sorted(n for n, p in PRESETS.items() if p.has(capability))
            raise ValueError(f"law: {self.name!r} does not give {what}; laws that do: {', '.join(able)}")

    def replace(self, **changes: float) -> Preset:
        """A copy with some constants changed, renamed ``"<name> (modified)"``.

        Once a constant moves, curves must no longer carry the paper's name.
        """
        unknown = sorted(set(changes) - set(self.params))
        if unknown:
            raise ValueError(
                f"replace: unknown constant(s) {', '.join(unknown)} for {self.name!r}; "
                f"valid names are {', '.join(self.params)}"
            )
        params = dict(self.params)
        for key, value in changes.items():
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"{key}: {value!r} is not finite; give a finite number")
            old = params[key]
            params[key] = Param(value, old.unit, f"modified (published: {old.value:g}, {old.source})")
        suffix = " (modified)"
        return Preset(
            name=self.name if self.name.endswith(suffix) else self.name + suffix,
            title=self.title if self.title.endswith(suffix) else self.title + suffix,
            form=self.form,
            citation=self.citation,
            params=params,
            N_convention=self.N_convention,
            loss_unit=self.loss_unit,
            fitted_range=self.fitted_range,
            formula=self.formula,
            notes=self.notes,
            modified=True,
            fitted=self.fitted,
            extras=self.extras,
        )

    def with_alternatives(self, name: str, title: str, notes: str | None = None) -> Preset:
        """A published variant that uses every constant's first alternative value."""
        params = {
            k: (Param(p.alternatives[0][0], p.unit, p.alternatives[0][1]) if p.alternatives else p)
            for k, p in self.params.items()
        }
        return Preset(
            name=name,
            title=title,
            form=self.form,
            citation=self.citation,
            params=params,
            N_convention=self.N_convention,
            loss_unit=self.loss_unit,
            fitted_range=self.fitted_range,
            formula=self.formula,
            notes=notes or (self.notes + " Variant: every constant set to its alternative published value."),
        )

    # -- Kaplan constant groups -------------------------------------------------------------
    def _kaplan_ND(self) -> dict[str, float]:
        v = self.values
        return dict(N_c=v["ND_N_c"], D_c=v["ND_D_c"], alpha_N=v["ND_alpha_N"], alpha_D=v["ND_alpha_D"])

    def trajectory_constants(self) -> dict[str, float]:
        """Constants of L(N, S_min) and B_crit(L) for :mod:`scalingviz.laws.su2024`."""
        self._need("trajectory", "a loss trajectory L(N, S, B)")
        v = self.values
        if self.form == "su":
            return {k: v[k] for k in ("N_c", "alpha_N", "S_c", "alpha_S", "B_star", "alpha_B")}
        return dict(
            N_c=v["NS_N_c"], alpha_N=v["NS_alpha_N"], S_c=v["S_c"], alpha_S=v["alpha_S"],
            B_star=v["B_star"], alpha_B=v["alpha_B"],
        )

    # -- evaluation -------------------------------------------------------------------------
    def loss(self, N: ArrayLike, D: ArrayLike = np.inf, U: ArrayLike | None = None):
        """Predicted final loss [nats/token] of N parameters trained on D tokens.

        ``D = inf`` gives the converged loss L(N). ``U`` (unique tokens) is used by the
        repeated-data law only.
        """
        self._need("loss", "a loss L(N, D)")
        v = self.values
        if self.form in ("kaplan", "kaplan_nd"):
            return kaplan2020.loss_ND(N, D, **self._kaplan_ND())
        if self.form == "chinchilla":
            return hoffmann2022.loss(N, D, E=v["E"], A=v["A"], B=v["B"], alpha=v["alpha"], beta=v["beta"])
        return muennighoff2023.loss(N, D, U, **v)

    def loss_converged(self, N: ArrayLike):
        """Loss with unlimited data, L(N, D -> inf) [nats/token]."""
        return self.loss(N, np.inf)

    def delta_L(self, N: ArrayLike, D: ArrayLike):
        """Overfitting penalty L(N, D)/L(N, inf) - 1 [-] (Kaplan Eq. 4.2; any loss law)."""
        self._need("loss", "an overfitting penalty")
        if self.form in ("kaplan", "kaplan_nd"):
            return kaplan2020.delta_L(N, D, **self._kaplan_ND())
        return np.asarray(self.loss(N, D)) / np.asarray(self.loss_converged(N)) - 1.0

    def data_for_delta_L(self, N: ArrayLike, delta: ArrayLike | None = None):
        """Tokens needed to keep the overfitting penalty at ``delta`` (Kaplan Eq. 4.3 inverted;
        default: the seed-noise level ``delta_L_noise``, 2%)."""
        self._need("delta_L", "the data needed for an overfitting penalty")
        if delta is None:
            delta = self["delta_L_noise"]
        return kaplan2020.data_for_delta_L(N, delta, **self._kaplan_ND())

    def data_overfit_threshold(self, N: ArrayLike):
        """Kaplan Eq. 4.4 rule of thumb, D >~ 5e3 N^0.74 [tokens]."""
        self._need("delta_L", "Eq. 4.4's data threshold")
        return kaplan2020.data_overfit_threshold(N, coef=self["D_overfit_coef"], exponent=self["D_overfit_exp"])

    def B_crit(self, L: ArrayLike):
        """Critical batch size [tokens] at loss L (Kaplan Eq. 5.3)."""
        self._need("B_crit", "a critical batch size")
        return kaplan2020.B_crit(L, B_star=self["B_star"], alpha_B=self["alpha_B"])

    def batch_tradeoff(self, S: ArrayLike, B: ArrayLike, L: ArrayLike) -> dict[str, Any]:
        """S_min, E_min and B_crit for S steps at batch B [tokens] reaching loss L (Kaplan Eq. 5.1-5.5)."""
        kw = dict(B_star=self["B_star"], alpha_B=self["alpha_B"])
        self._need("B_crit", "a critical batch size")
        E = np.asarray(S, dtype=float) * np.asarray(B, dtype=float)
        return {
            "S_min": kaplan2020.S_min(S, B, L, **kw),
            "E_min": kaplan2020.E_min(E, B, L, **kw),
            "B_crit": kaplan2020.B_crit(L, **kw),
        }

    def min_loss(self, N: ArrayLike):
        """Minimum possible loss of N parameters on the learning curve, S -> inf (Su et al.; Kaplan Eq. 5.6)."""
        c = self.trajectory_constants()
        return su2024.min_loss(N, N_c=c["N_c"], alpha_N=c["alpha_N"])

    def trajectory(self, N: ArrayLike, S: ArrayLike, B: ArrayLike):
        """Loss after S steps at batch B [tokens], the implicit L(N, S, B) of Kaplan/Su."""
        return su2024.loss_trajectory(N, S, B, **self.trajectory_constants())

    def compute_optimal(self, C: ArrayLike, *, method: str | None = None, U: ArrayLike = np.inf) -> dict[str, Any]:
        """Compute-optimal allocation for compute C [FLOP].

        Returns a dict with ``N_opt`` [params, in this law's N convention], ``D_opt``
        [tokens], ``loss`` [nats/token] (None where the law has no loss), ``B_opt`` and
        ``S_opt`` where the law gives them, and ``method`` saying how they were computed.

        ``method`` (Kaplan only): ``"table6"`` (default; the empirical fits of Table 6 with
        C read as C_min) or ``"appendix_b"`` (the closed forms B.6-B.10, C at B = B_crit).
        ``U`` (unique tokens) is used by the repeated-data law only.
        """
        self._need("optimal", "a compute-optimal allocation")
        v = self.values
        if self.form == "kaplan":
            method = method or "table6"
            if method == "table6":
                out = kaplan2020.compute_efficient_table6(
                    C, **{k: v[k] for k in ("N_e", "p_N", "B_e", "p_B", "S_e", "p_S", "D_e", "p_D")}
                )
                out["loss"] = kaplan2020.loss_C_min(C, C_c_min=v["C_c_min"], alpha_C_min=v["alpha_C_min"])
                out["method"] = "Kaplan Table 6 empirical fits (C read as C_min); loss from Eq. 1.3 L(C_min)"
                return out
            if method == "appendix_b":
                c = self.trajectory_constants()
                out = kaplan2020.efficient_frontier(C, **c)
                out["method"] = "Kaplan Appendix B closed forms (Eq. B.6-B.10), C at B = B_crit"
                return out
            raise ValueError(f"method: {method!r} is not valid for kaplan2020; valid: table6, appendix_b")
        if method is not None:
            raise ValueError(f"method: {method!r} applies to kaplan2020 only")
        if self.form == "chinchilla":
            kw = dict(E=v["E"], A=v["A"], B=v["B"], alpha=v["alpha"], beta=v["beta"])
            return {
                "N_opt": hoffmann2022.N_opt(C, **kw),
                "D_opt": hoffmann2022.D_opt(C, **kw),
                "loss": hoffmann2022.loss_optimal(C, **kw),
                "method": "closed form, Hoffmann et al. Eq. 4 with C = 6ND",
            }
        if self.form == "datablations":
            out = muennighoff2023.optimal_allocation(C, U, **v)
            out["method"] = "grid search over N with C = 6ND (no closed form), unique tokens U"
            return out
        # deepseek
        M = bi2024.M_opt(C, M_base=v["M_base"], a=v["a"])
        return {
            "M_opt": M,
            "N_opt": np.asarray(M) / 6.0 if np.ndim(M) else M / 6.0,
            "D_opt": bi2024.D_opt(C, D_base=v["D_base"], b=v["b"]),
            "loss": None,
            "method": "Bi et al. Eq. 4 (C = M D); N_opt = M_opt/6 ignores the attention FLOPs in M",
        }

    def hparams(
        self, *, N: ArrayLike | None = None, D: ArrayLike | None = None, C: ArrayLike | None = None
    ) -> dict[str, Any]:
        """Recommended peak learning rate and batch size [tokens].

        Step Law needs N and D; DeepSeek needs C (or N and D, then C = 6ND); Kaplan's
        Eq. D.1 gives a learning rate from N only.
        """
        self._need("lr", "learning-rate recommendations")
        v = self.values
        if self.form == "steplaw":
            if N is None or D is None:
                raise ValueError(f"law: {self.name!r} needs N and D for its hyperparameters")
            return {
                "lr": li2025.learning_rate(N, D, lr_coef=v["lr_coef"], lr_exp_N=v["lr_exp_N"], lr_exp_D=v["lr_exp_D"]),
                "batch_tokens": li2025.batch_tokens(D, bs_coef=v["bs_coef"], bs_exp_D=v["bs_exp_D"]),
            }
        if self.form == "deepseek":
            if C is None:
                if N is None or D is None:
                    raise ValueError(f"law: {self.name!r} needs C (or N and D) for its hyperparameters")
                C = 6.0 * np.asarray(N, dtype=float) * np.asarray(D, dtype=float)
            return {
                "lr": bi2024.learning_rate(C, lr_coef=v["lr_coef"], lr_exp_C=v["lr_exp_C"]),
                "batch_tokens": bi2024.batch_tokens(C, bs_coef=v["bs_coef"], bs_exp_C=v["bs_exp_C"]),
            }
        if N is None:
            raise ValueError(f"law: {self.name!r} needs N for its learning rate")
        return {
            "lr": kaplan2020.learning_rate(N, lr_intercept=v["lr_intercept"], lr_slope=v["lr_slope"]),
            "batch_tokens": None,
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (the ``presets --json`` entry)."""
        return {
            "name": self.name,
            "title": self.title,
            "citation": str(self.citation),
            "form": self.form,
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
            "capabilities": sorted(self.capabilities),
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
        "delta_L_noise": _P(0.02, "-", "Sec. 4.2: seed-to-seed variation of the loss, the deltaL behind Eq. 4.4"),
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
    notes="Default constants: Table 2 for L(N,D) and deltaL, Table 3 for L(N,S) and the trajectory, Table 5 "
    "for B_*=2.1e8 and the single-variable laws. Alternatives (Eq. 1.4's B_*=2e8, Fig. 1's C_c^min=2.3e8, "
    "Table 5 for L(N,D) and L(N,S)) are in each constant's alternatives and in the kaplan2020-alt preset.",
)

KAPLAN2020_ALT = KAPLAN2020.with_alternatives("kaplan2020-alt", "Kaplan et al. 2020 (alt. constants)")

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

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (KAPLAN2020, KAPLAN2020_ALT, HOFFMANN2022, HOFFMANN2022_TEX, BESIROGLU2024, LI2025, BI2024, MUENNIGHOFF2023,
              _su2024_from_procedure())
    if p is not None
}
_PUBLISHED = frozenset(PRESETS)


def preset_names(capability: str | None = None) -> list[str]:
    """Registered names, optionally only those with a capability (``"loss"``, ``"optimal"``, ...)."""
    return [n for n, p in PRESETS.items() if capability is None or p.has(capability)]


def get_preset(name: str | Preset) -> Preset:
    """Look a preset up by name; the error lists the valid names. A Preset passes through."""
    if isinstance(name, Preset):
        return name
    try:
        return PRESETS[str(name).strip()]
    except KeyError:
        raise ValueError(f"law: unknown law {name!r}; valid names are {', '.join(PRESETS)}") from None


def register(preset: Preset, *, overwrite: bool = False) -> Preset:
    """Add a preset (e.g. a fitted one) to the registry. Published names cannot be replaced."""
    if preset.name in _PUBLISHED:
        raise ValueError(f"name: {preset.name!r} is a published preset; choose another name")
    if preset.name in PRESETS and not overwrite:
        raise ValueError(f"name: {preset.name!r} is already registered; pass overwrite=True to replace it")
    PRESETS[preset.name] = preset
    return preset
