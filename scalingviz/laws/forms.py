"""Functional forms as objects: :class:`LawForm`, the capability names, the registry of forms,
and the generic derivations every form with a loss gets for free.

A *form* is a functional shape: Chinchilla's ``E + A/N^alpha + B/D^beta``, Kaplan's
``L(N, S, B)``. It holds the pure, vectorised functions it provides, one per capability. The
names of its constants come from those functions' keyword-only parameters (as in lmfit's
``Model(func)``); the variables are the parameters before the ``*``. A *preset*
(:mod:`scalingviz.presets`) is a form plus data: the constants' values with their sources.

>>> import numpy as np
>>> def loss(N, D, *, E, A, alpha):
...     return E + A / np.asarray(N, dtype=float) ** alpha
>>> f = LawForm("demo", loss=loss)
>>> f.constants
('E', 'A', 'alpha')
>>> sorted(f.capabilities)[:4]
['compute_for_loss', 'data_for_delta_L', 'delta_L', 'inference_optimal']

Generic derivations (used where a paper gives no closed form; closed forms override them):

* the converged loss ``L(N) = loss(N, inf)`` and the overfitting penalty
  ``deltaL = loss(N, D) / loss(N, inf) - 1`` (Kaplan et al. 2020, Eq. 4.2);
* the data needed for a given deltaL, by bisection in ln D (deltaL falls with D);
* the compute-optimal N and D on ``C = 6 N D``: a bounded 1-D minimisation of
  ``loss(N, C / 6N)`` in ln N, vectorised over C (a 0.05-decade grid over twelve decades, then
  golden-section refinement of the best bracket), and the loss on that frontier;
* the compute for a target loss, by bisection in ln C on the frontier loss;
* the inference-aware optimum (Sardana et al. 2024, :mod:`scalingviz.laws.sardana2024`): the N and D
  reaching a loss at the least ``6 N D + 2 N D_inference``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._arrays import as_float, scalar_or_array
from ..errors import InputError

__all__ = [
    "CAPABILITIES",
    "FORMS",
    "LawForm",
    "OptimalMethod",
    "as_float",
    "batch_tradeoff",
    "form_names",
    "get_form",
    "nnls_scales",
    "register_form",
    "scalar_or_array",
]

#: Every capability a form can have, and what it computes.
CAPABILITIES: Mapping[str, str] = MappingProxyType({
    "loss": "final loss L(N, D) [nats/token]",
    "response": "a fitted quantity over the form's own variables, not L(N, D) (experts, vocabulary, ...)",
    "optimal_vocab": "the vocabulary size that minimises the loss for N parameters and C FLOP",
    "delta_L": "overfitting penalty deltaL(N, D) and the data for a given deltaL",
    "data_for_delta_L": "tokens needed for a given overfitting penalty",
    "overfit_rule": "a published rule of thumb for enough data, D(N)",
    "trajectory": "loss after S steps at batch B, L(N, S, B)",
    "min_loss": "minimum loss of N parameters as S -> inf",
    "learning_curve": "loss after S_min minimum steps, L(N, S_min)",
    "steps_to_loss": "steps for N parameters to reach a loss at batch B",
    "tokens_to_loss": "tokens for N parameters to reach a loss at batch B",
    "B_crit": "critical batch size B_crit(L) [tokens]",
    "optimal": "compute-optimal N and D for compute C [FLOP]",
    "compute_for_loss": "least compute [FLOP] that reaches a loss",
    "inference_optimal": "least training + inference compute that reaches a loss (Sardana et al. 2024)",
    "lr": "recommended peak learning rate",
    "batch": "recommended batch size [tokens]",
    "power": "a power law in one variable (N, D or C)",
    "curve": "the loss curve L(step) of one run under any learning-rate schedule",
})

#: Capabilities whose function a form may give directly (the others are derived).
_DIRECT = ("loss", "delta_L", "data_for_delta_L", "overfit_rule", "trajectory", "min_loss", "learning_curve",
           "steps_to_loss", "tokens_to_loss", "B_crit", "compute_for_loss", "lr", "batch", "power", "curve",
           "optimal_vocab")


@dataclass(frozen=True)
class OptimalMethod:
    """One way of computing a compute-optimal allocation.

    ``fn(C, *, constants) -> dict`` with ``N_opt``, ``D_opt`` and optionally ``loss``, ``B_opt``,
    ``S_opt``, ``M_opt``. ``exact`` is True when the method is the exact optimum of the form's own
    ``loss`` on ``C = 6ND`` (so it must agree with the generic minimisation), False for a separate
    empirical fit (Kaplan's Table 6, DeepSeek's Eq. 4).
    """

    fn: Callable[..., dict[str, Any]]
    description: str
    exact: bool = True
    label: str = ""  # short name for legends and titles ("Table 6"); the method's key if empty


def _signature(fn: Callable) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(variables, required variables, keyword-only constants) of a capability function."""
    sig = inspect.signature(fn)
    variables, required, constants = [], [], []
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            variables.append(p.name)
            if p.default is p.empty:
                required.append(p.name)
        elif p.kind is p.KEYWORD_ONLY and p.default is p.empty:
            constants.append(p.name)
    return tuple(variables), tuple(required), tuple(constants)


class LawForm:
    """A functional form: its capability functions, its constants, and how to fit it.

    Parameters
    ----------
    name : str
        Registry name (``"chinchilla"``, ``"kaplan"``, or your own).
    formula : str
        The main formula in plain text.
    loss, trajectory, min_loss, learning_curve, steps_to_loss, tokens_to_loss, B_crit, delta_L,
    data_for_delta_L, overfit_rule, compute_for_loss, lr, batch, power, curve, optimal_vocab : callable, optional
        Pure vectorised functions, variables first and constants keyword-only, e.g.
        ``loss(N, D, *, E, A, B, alpha, beta)``. ``lr`` and ``batch`` take any of ``N``, ``D``,
        ``C`` as variables. A ``loss`` over variables other than ``(N, D)`` (experts, vocabulary) is the
        form's fit target but gives the capability ``response``, not ``loss``: nothing that asks for
        L(N, D) is handed it.
    compute_optimal : callable or dict of OptimalMethod, optional
        Closed forms of the compute-optimal allocation; the first is the default method. A bare
        callable is an exact closed form.
    gradient : dict, optional
        ``{capability: fn}`` analytic gradients for fitting: ``fn`` takes the same arguments as
        the capability function and returns ``{constant: dL/dconstant}`` arrays.
    schedule_gradient : callable, optional
        A curve form's final loss and its gradient with respect to every step's learning rate,
        ``fn(lr, **constants) -> (float, array)``, for optimising a schedule.
    fit_target : str
        The capability a fit to runs estimates (default ``"loss"``).
    linear : tuple of str
        Constants fitted on a linear scale (exponents). Every other constant is fitted in log
        space, which keeps it positive.
    bounds : dict, optional
        Default bounds ``{constant: (low, high)}`` for fitting, in the constants' own units.
    starts : callable, optional
        ``starts(X, L) -> list[dict]``: candidate starting constants for a fit, from the run
        columns ``X`` (``{"N": ..., "D": ...}``) and losses ``L``; the fitter ranks them.
    extra_constants : tuple of str
        Published constants a preset of this form carries beyond those its functions use.
    formulas : dict, optional
        ``{capability: template}`` with ``{constant}`` fields, shown with a preset's values.
    affine : tuple of str
        Constants the fit target is affine in, on ``affine_scale`` (``"linear"``: the prediction
        itself, as Chinchilla's E, A and B; ``"log"``: its logarithm, as every constant of
        ``exp(polynomial)``). A fit of a form without ``starts`` then searches only the other
        constants, on a grid, and solves these exactly at each point (variable projection: bounded
        least squares, positive for constants fitted in log space), then polishes the best.
    """

    def __init__(
        self,
        name: str,
        *,
        formula: str = "",
        loss: Callable | None = None,
        trajectory: Callable | None = None,
        min_loss: Callable | None = None,
        learning_curve: Callable | None = None,
        steps_to_loss: Callable | None = None,
        tokens_to_loss: Callable | None = None,
        B_crit: Callable | None = None,
        delta_L: Callable | None = None,
        data_for_delta_L: Callable | None = None,
        overfit_rule: Callable | None = None,
        compute_optimal: Callable | Mapping[str, OptimalMethod] | None = None,
        compute_for_loss: Callable | None = None,
        lr: Callable | None = None,
        batch: Callable | None = None,
        power: Callable | None = None,
        curve: Callable | None = None,
        optimal_vocab: Callable | None = None,
        gradient: Mapping[str, Callable] | None = None,
        schedule_gradient: Callable | None = None,
        fit_target: str = "loss",
        linear: tuple[str, ...] = (),
        bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
        starts: Callable[[dict[str, NDArray], NDArray], list[dict[str, float]]] | None = None,
        extra_constants: tuple[str, ...] = (),
        formulas: Mapping[str, str] | None = None,
        affine: tuple[str, ...] = (),
        affine_scale: str = "linear",
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"name: {name!r} is not valid; give a non-empty form name")
        self.name = name
        self.formula = formula
        given = dict(loss=loss, trajectory=trajectory, min_loss=min_loss, learning_curve=learning_curve,
                     steps_to_loss=steps_to_loss, tokens_to_loss=tokens_to_loss, B_crit=B_crit, delta_L=delta_L, data_for_delta_L=data_for_delta_L, overfit_rule=overfit_rule,
                     compute_for_loss=compute_for_loss, lr=lr, batch=batch, power=power, curve=curve,
                     optimal_vocab=optimal_vocab)
        self.functions: Mapping[str, Callable] = MappingProxyType({k: f for k, f in given.items() if f is not None})
        for cap, fn in self.functions.items():
            if not callable(fn):
                raise InputError(f"{cap}: {fn!r} is not callable; give a function")
        if compute_optimal is None:
            methods: dict[str, OptimalMethod] = {}
        elif callable(compute_optimal):
            methods = {"closed_form": OptimalMethod(compute_optimal, "closed form")}
        else:
            methods = dict(compute_optimal)
        self.optimal_methods: Mapping[str, OptimalMethod] = MappingProxyType(methods)
        if not formula:  # a user's form: the first line of its main function's docstring, else its constants
            main = next(iter(self.functions.values()), None)
            doc = (getattr(main, "__doc__", None) or "").strip().splitlines()
            formula = doc[0] if doc else ""
        self.formula = formula or f"{name}({', '.join(self._names_of(given))})"
        if not self.functions and not methods:
            raise InputError(f"form {name!r}: give at least one capability function (loss=..., trajectory=..., ...)")
        self._sig = {cap: _signature(fn) for cap, fn in self.functions.items()}
        self._sig.update({f"optimal:{m}": _signature(om.fn) for m, om in methods.items()})
        names: list[str] = []
        for _vars, _req, consts in self._sig.values():
            names += [c for c in consts if c not in names]
        names += [c for c in extra_constants if c not in names]
        self.constants: tuple[str, ...] = tuple(names)
        self.gradient: Mapping[str, Callable] = MappingProxyType(dict(gradient or {}))
        #: For a curve form: ``fn(lr, **constants) -> (final loss, d final loss / d lr)`` over every step's
        #: rate, used to optimise a schedule (None: finite differences).
        self.schedule_gradient: Callable | None = schedule_gradient
        if fit_target not in self.functions:
            fit_target = next((c for c in ("loss", "learning_curve", "power", "curve") if c in self.functions),
                              fit_target)
        self.fit_target = fit_target
        self.linear = tuple(linear)
        self.bounds: Mapping[str, tuple[float | None, float | None]] = MappingProxyType(dict(bounds or {}))
        self.starts = starts
        self.affine = tuple(affine)
        if affine_scale not in ("linear", "log"):
            raise InputError(f"affine_scale: {affine_scale!r} is not valid; valid: linear, log")
        self.affine_scale = affine_scale
        self.formulas: Mapping[str, str] = MappingProxyType(dict(formulas or {}))
        for key in (*self.linear, *self.bounds, *self.affine):
            if key not in self.constants:
                raise InputError(f"form {name!r}: {key!r} is not a constant of its functions; "
                                 f"constants are {', '.join(self.constants)}")

    @staticmethod
    def _names_of(given: Mapping[str, Callable | None]) -> list[str]:
        out: list[str] = []
        for fn in given.values():
            if fn is not None:
                out += [c for c in _signature(fn)[2] if c not in out]
        return out

    def __repr__(self) -> str:
        return f"LawForm({self.name!r}, capabilities={sorted(self.capabilities)})"

    def __reduce__(self):  # forms pickle by registry name where registered (for worker processes)
        if FORMS.get(self.name) is self:
            return (get_form, (self.name,))
        return super().__reduce__()

    # -- what it gives ------------------------------------------------------------------------
    @cached_property
    def capabilities(self) -> frozenset[str]:
        """Direct capabilities plus those derived from ``loss`` (a form never changes: computed once)."""
        caps = set(self.functions)
        if self.optimal_methods:
            caps.add("optimal")
        if "loss" in caps and not self.gives_loss_of_N_D:
            caps = (caps - {"loss"}) | {"response"}
        elif "loss" in caps:  # derived from L(N, D) only
            caps |= {"delta_L", "data_for_delta_L", "optimal", "compute_for_loss", "inference_optimal"}
        return frozenset(caps)

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def gives_loss_of_N_D(self) -> bool:
        """Its ``loss`` is an L(N, D): N and D first, any further variable optional (Muennighoff's U)."""
        return ("loss" in self.functions and self.variables("loss")[:2] == ("N", "D")
                and set(self.required_variables("loss")) <= {"N", "D"})

    def variables(self, capability: str) -> tuple[str, ...]:
        """The variables (positional parameters) of a capability function."""
        return self._sig[capability][0]

    def required_variables(self, capability: str) -> tuple[str, ...]:
        return self._sig[capability][1]

    def constants_of(self, capability: str) -> tuple[str, ...]:
        """The constants a capability function takes."""
        return self._sig[capability][2]

    def accepts(self, capability: str, variable: str) -> bool:
        return capability in self._sig and variable in self._sig[capability][0]

    def call(self, capability: str, values: Mapping[str, float], *args: Any, **kwargs: Any) -> Any:
        """Evaluate a direct capability with the constants it takes from ``values``."""
        consts = {k: values[k] for k in self.constants_of(capability)}
        return self.functions[capability](*args, **kwargs, **consts)

    def call_optimal(self, method: str, values: Mapping[str, float], C: ArrayLike) -> dict[str, Any]:
        consts = {k: values[k] for k in self._sig[f"optimal:{method}"][2]}
        return dict(self.optimal_methods[method].fn(C, **consts))

    # -- generic derivations from loss(N, D) ---------------------------------------------------
    def _loss(self, values: Mapping[str, float], N: ArrayLike, D: ArrayLike, U: ArrayLike | None = None):
        if U is not None and self.accepts("loss", "U"):
            return self.call("loss", values, N, D, U)
        return self.call("loss", values, N, D)

    def delta_L(self, values: Mapping[str, float], N: ArrayLike, D: ArrayLike) -> float | NDArray:
        """``loss(N, D) / loss(N, inf) - 1`` (Kaplan Eq. 4.2), or the form's closed form."""
        if "delta_L" in self.functions:
            return self.call("delta_L", values, N, D)
        return scalar_or_array(as_float(self._loss(values, N, D)) / as_float(self._loss(values, N, np.inf)) - 1.0)

    def data_for_delta_L(self, values: Mapping[str, float], N: ArrayLike, delta: ArrayLike) -> float | NDArray:
        """Tokens at which the overfitting penalty equals ``delta``: the closed form, else bisection in ln D."""
        if "data_for_delta_L" in self.functions:
            return self.call("data_for_delta_L", values, N, delta)
        N, delta = np.broadcast_arrays(as_float(N), as_float(delta))

        def excess(lnD: NDArray) -> NDArray:
            return as_float(self.delta_L(values, N, np.exp(lnD))) - delta

        lnD = _bisect_decreasing(excess, np.full(N.shape, math.log(1.0)), np.full(N.shape, math.log(1e40)))
        return scalar_or_array(np.exp(lnD))

    def compute_optimal(self, values: Mapping[str, float], C: ArrayLike, *, method: str | None = None,
                        U: ArrayLike | None = None) -> dict[str, Any]:
        """Compute-optimal allocation: a named closed form, else the generic minimisation."""
        if method is None and self.optimal_methods and (U is None or not self.accepts("loss", "U")):
            method = next(iter(self.optimal_methods))
        if method is not None and (not isinstance(method, str) or method != "numerical"):
            if not isinstance(method, str) or method not in self.optimal_methods:
                valid = [*self.optimal_methods, *(["numerical"] if "loss" in self.functions else [])]
                raise InputError(f"method: {str(method)[:40]!r} is not valid for the {self.name} form; valid: "
                                 f"{', '.join(valid)}")
            out = self.call_optimal(method, values, C)
            out.setdefault("method", self.optimal_methods[method].description)
            return out
        if "loss" not in self.functions:
            raise InputError(f"form {self.name!r} has no loss(N, D), so no numerical compute-optimal allocation")
        return self._numerical_optimal(values, C, U)

    def _numerical_optimal(self, values: Mapping[str, float], C: ArrayLike, U: ArrayLike | None) -> dict[str, Any]:
        C = as_float(C)
        Ub = None if U is None else np.broadcast_to(as_float(U), np.broadcast_shapes(C.shape, np.shape(U)))
        if Ub is not None:
            C = np.broadcast_to(C, Ub.shape)
        centre = 0.5 * np.log(C / 6.0)  # N = D = sqrt(C/6)
        half = 6.0 * math.log(10.0)
        t = np.linspace(-half, half, 241)
        lnN = centre[..., None] + t
        U_grid = None if Ub is None else Ub[..., None]

        def objective(ln_n: NDArray, u: NDArray | None, c: NDArray) -> NDArray:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                n = np.exp(ln_n)
                val = as_float(self._loss(values, n, c / (6.0 * n), u))
            return np.where(np.isfinite(val), val, np.inf)

        Lg = objective(lnN, U_grid, C[..., None])
        i = np.clip(np.argmin(Lg, axis=-1), 1, t.size - 2)
        lo = centre + t[i - 1]
        hi = centre + t[i + 1]
        g = (math.sqrt(5.0) - 1.0) / 2.0
        x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
        f1, f2 = objective(x1, Ub, C), objective(x2, Ub, C)
        for _ in range(48):  # golden section: the bracket shrinks to 0.1 decade x 0.618^48 ~ 1e-11 decade
            left = f1 < f2  # the minimum lies in [lo, x2]: drop (x2, hi]; else drop [lo, x1)
            lo, hi = np.where(left, lo, x1), np.where(left, x2, hi)
            x1_new = np.where(left, hi - g * (hi - lo), x2)
            x2_new = np.where(left, x1, lo + g * (hi - lo))
            f_new = objective(np.where(left, x1_new, x2_new), Ub, C)
            f1, f2 = np.where(left, f_new, f2), np.where(left, f1, f_new)
            x1, x2 = x1_new, x2_new
        ln_best = 0.5 * (lo + hi)
        N = np.exp(ln_best)
        D = C / (6.0 * N)
        out: dict[str, Any] = {
            "N_opt": scalar_or_array(N),
            "D_opt": scalar_or_array(D),
            "loss": scalar_or_array(as_float(self._loss(values, N, D, Ub))),
            "method": "numerical: loss(N, C/6N) minimised in ln N (bounded, golden section), C = 6ND",
        }
        if Ub is not None:
            out["epochs"] = scalar_or_array(D / np.minimum(Ub, D))
            out["method"] += ", unique tokens U"
        elif self.accepts("loss", "U"):  # a repeated-data law without a data limit: one epoch
            out["epochs"] = scalar_or_array(np.ones_like(D))
        return out

    def compute_for_loss(self, values: Mapping[str, float], L: ArrayLike) -> float | NDArray:
        """Least compute [FLOP] reaching loss L on ``C = 6ND``: closed form, else bisection in ln C."""
        if "compute_for_loss" in self.functions:
            return self.call("compute_for_loss", values, L)
        L = as_float(L)
        floor = as_float(self._loss(values, np.full(L.shape, 1e30), np.full(L.shape, 1e30)))

        def excess(lnC: NDArray) -> NDArray:  # frontier loss minus target: falls with C
            return as_float(self.compute_optimal(values, np.exp(lnC), method="numerical")["loss"]) - L

        lnC = _bisect_decreasing(excess, np.full(L.shape, math.log(1e3)), np.full(L.shape, math.log(1e45)))
        C = np.where(L > floor, np.exp(lnC), np.where(np.isnan(L), np.nan, np.inf))
        return scalar_or_array(C)


    def inference_optimal(self, values: Mapping[str, float], L: ArrayLike, D_inf: ArrayLike, *, weight: float = 1.0,
                          U: float | None = None) -> dict[str, Any]:
        """N and D reaching loss L at the least ``6 N D + weight * 2 N D_inf`` (Sardana et al. 2024),
        from this form's ``loss(N, D)`` (with unique tokens U where the form takes them)."""
        from .sardana2024 import inference_optimal

        return inference_optimal(lambda N, D: as_float(self._loss(values, N, D, U)), L, D_inf, weight)


def _bisect_decreasing(f: Callable[[NDArray], NDArray], lo: NDArray, hi: NDArray, n_iter: int = 80) -> NDArray:
    """Vectorised bisection for the root of a decreasing ``f`` in [lo, hi]; NaN where none is bracketed."""
    f_lo, f_hi = f(lo), f(hi)
    ok = (f_lo >= 0) & (f_hi <= 0)
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        pos = f(mid) > 0
        lo = np.where(pos, mid, lo)
        hi = np.where(pos, hi, mid)
    return np.where(ok, 0.5 * (lo + hi), np.nan)


def batch_tradeoff(S: ArrayLike, B: ArrayLike, B_crit: ArrayLike) -> dict[str, Any]:
    """S_min, E_min for S steps at batch B [tokens] given the critical batch (Kaplan Eq. 5.1-5.5).

    ``S_min = S / (1 + B_crit/B)`` (Eq. 5.4) and ``E_min = E / (1 + B/B_crit)`` with ``E = B S``.

    Parameters
    ----------
    S : array_like
        Optimizer steps taken.
    B : array_like
        Batch size [tokens].
    B_crit : array_like
        Critical batch size [tokens].

    Examples
    --------
    >>> from scalingviz.laws.forms import batch_tradeoff
    >>> out = batch_tradeoff(1e5, 2**20, 2e6)
    >>> print(f"{float(out['S_min']):.4g}")
    3.44e+04
    """
    S, B, Bc = as_float(S), as_float(B), as_float(B_crit)
    return {"S_min": scalar_or_array(S / (1.0 + Bc / B)), "E_min": scalar_or_array(S * B / (1.0 + B / Bc)),
            "B_crit": scalar_or_array(Bc)}


def nnls_scales(cols: list[NDArray], L: NDArray) -> NDArray | None:
    """Non-negative least squares for ``L = sum_j c_j cols_j`` in relative error (rows scaled by 1/L).

    The fitting engine's starts use it: a law linear in its scales once the exponents are fixed
    (``E + A/N^alpha + B/D^beta``) gets its scales exactly for each grid point of exponents.

    Parameters
    ----------
    cols : list of ndarray
        The columns whose non-negative scales are sought.
    L : array_like
        Loss [nats/token].

    Examples
    --------
    >>> import numpy as np
    >>> from scalingviz.laws.forms import nnls_scales
    >>> x = np.array([1.0, 2.0, 4.0])
    >>> [round(float(c), 6) for c in nnls_scales([np.ones(3), x], 3 + 2 * x)]
    [3.0, 2.0]
    """
    from scipy.optimize import nnls

    M = np.stack(cols, axis=1) / L[:, None]
    scale = np.maximum(np.abs(M).max(axis=0), 1e-300)
    try:
        c, _ = nnls(M / scale, np.ones_like(L), maxiter=200)
    except RuntimeError:
        return None
    return c / scale


# -- the registry of forms ---------------------------------------------------------------------

FORMS: dict[str, LawForm] = {}


def register_form(form: LawForm, *, overwrite: bool = False) -> LawForm:
    """Add a form to the registry (forms in :mod:`scalingviz.laws` register themselves).

    Parameters
    ----------
    form : LawForm
        The form to register.
    overwrite : bool
        Replace a registered form of the same name.

    Examples
    --------
    >>> from scalingviz.laws.forms import get_form, register_form
    >>> register_form(get_form('chinchilla'), overwrite=True).name
    'chinchilla'
    """
    if not isinstance(form, LawForm):
        raise InputError(f"form: {form!r} is not a LawForm")
    if form.name in FORMS and FORMS[form.name] is not form and not overwrite:
        raise InputError(f"form: {form.name!r} is already registered; pass overwrite=True to replace it")
    FORMS[form.name] = form
    return form


def get_form(name: str | LawForm) -> LawForm:
    """Look a form up by name; the error lists the valid names. A LawForm passes through.

    Parameters
    ----------
    name : str or LawForm
        A registered form's name (a LawForm passes through).

    Examples
    --------
    >>> from scalingviz.laws.forms import get_form
    >>> get_form('chinchilla').name
    'chinchilla'
    """
    if isinstance(name, LawForm):
        return name
    try:
        return FORMS[str(name).strip()]
    except KeyError:
        raise InputError(f"form: unknown form {name!r}; valid forms are {', '.join(FORMS)}") from None


def form_names(capability: str | None = None) -> list[str]:
    """Registered form names, optionally only those with a capability.

    Parameters
    ----------
    capability : str or None, optional
        A capability name (``loss``, ``optimal``, ``curve``...); None: every form.

    Examples
    --------
    >>> from scalingviz.laws.forms import form_names
    >>> 'multipower' in form_names('curve')
    True
    """
    return [n for n, f in FORMS.items() if capability is None or f.has(capability)]
