"""What a user asks of a fit's constants: pins, bounds and priors, typed as text or given as dicts, checked.

Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError, shown
from ..laws.forms import LawForm

__all__ = ["parse_constraints", "parse_fit_constants", "prior_weight"]


def parse_constraints(text: str) -> tuple[dict[str, float], dict[str, tuple[float | None, float | None]]]:
    """Constants typed as text: ``E=1.8; alpha>=0.2; alpha<=0.6`` -> (fixed, bounds). Nothing is evaluated."""
    fixed, bounds, prior = parse_fit_constants(text)
    if prior:
        raise InputError(f"constants: a prior ({', '.join(prior)}) is not taken here; use parse_fit_constants")
    return fixed, bounds


def parse_fit_constants(text: str) -> tuple[dict[str, float], dict[str, tuple[float | None, float | None]],
                                             dict[str, tuple[float, float]]]:
    """Constants typed as text: ``E=1.8`` (pin), ``alpha>=0.2; alpha<=0.6`` (bounds), ``E~1.8+-0.1`` (a
    Gaussian prior: mean +- sd; ``±`` also reads) -> (fixed, bounds, prior). Nothing is evaluated."""
    from ..units import parse_quantity

    fixed: dict[str, float] = {}
    bounds: dict[str, list[float | None]] = {}
    prior: dict[str, tuple[float, float]] = {}
    for item in (x.strip() for x in str(text or "").split(";")):
        if not item:
            continue
        for op in ("~", ">=", "<=", "="):
            if op in item:
                name, value = (x.strip() for x in item.split(op, 1))
                if not name.isidentifier():
                    raise InputError(f"constants: {item!r}: {name!r} is not a constant's name")
                if op == "~":
                    parts = value.replace("±", "+-").split("+-")
                    if len(parts) != 2:
                        raise InputError(f"constants: {item!r} is not a prior NAME~MEAN+-SD, e.g. E~1.8+-0.1")
                    prior[name] = (parse_quantity(parts[0].strip(), name), parse_quantity(parts[1].strip(), name))
                    break
                v = parse_quantity(value, name)
                if op == "=":
                    fixed[name] = v
                else:
                    bounds.setdefault(name, [None, None])[0 if op == ">=" else 1] = v
                break
        else:
            raise InputError(f"constants: {item!r} is not NAME=VALUE (pin), NAME>=LOW or NAME<=HIGH (bound), or "
                             "NAME~MEAN+-SD (prior)")
    return fixed, {k: (lo, hi) for k, (lo, hi) in bounds.items()}, prior


def _check_fixed(form: LawForm, fixed: dict[str, float] | None) -> dict[str, float]:
    """Constants to hold fixed: each a constant of the form, with a finite value."""
    fixed = dict(fixed or {})
    for k, v in fixed.items():
        if k not in form.constants:
            raise InputError(f"fixed: {k!r} is not a constant of the {form.name} form; valid: {', '.join(form.constants)}")
        try:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))
        except OverflowError:
            ok = False
        if not ok:
            raise InputError(f"fixed: {k}={shown(v)} is not a finite number")
    return fixed


def prior_weight(residuals: NDArray, delta: float) -> float:
    """The weight that puts a prior's ``((c - mean) / sd)^2 / 2`` on the scale of a fit's objective, from the
    residuals of the fit without it: with psi the derivative of the Huber loss (the residual clipped at delta),
    the objective's curvature is mean(psi') J'J and the estimate's information mean(psi')^2 / mean(psi^2) J'J
    (an M-estimator's sandwich), so the objective is the data's negative log-likelihood times
    mean(psi^2) / mean(psi'). For squared loss that is the residuals' variance (plain MAP under Gaussian noise)."""
    r = np.asarray(residuals, dtype=float)
    psi = np.clip(r, -delta, delta)
    inside = max(float(np.mean(np.abs(r) <= delta)), 1.0 / max(r.size, 1))  # at least one row's worth
    return max(float(np.mean(psi * psi)) / inside, 1e-30)


def _check_prior(form: LawForm, prior: dict[str, tuple[float, float]] | None, names: tuple[str, ...],
                 per_group: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """A prior ``{constant: (mean, sd)}`` on free, shared constants, with finite means and positive sds."""
    out: dict[str, tuple[float, float]] = {}
    for k, v in (prior or {}).items():
        if k not in names or k in per_group:
            raise InputError(f"prior: {k!r} is not a free, shared constant of {form.name}; valid: "
                             f"{', '.join(n for n in names if '[' not in n)}")
        try:
            mu, sd = (float(x) for x in v)
        except (TypeError, ValueError):
            raise InputError(f"prior: {k}={shown(v)} is not (mean, sd), e.g. prior={{{k!r}: (1.8, 0.1)}}") from None
        if not (math.isfinite(mu) and math.isfinite(sd) and sd > 0):
            raise InputError(f"prior: {k} ~ N({mu:g}, {sd:g}) is out of range; the mean must be finite and the sd "
                             "finite and > 0")
        out[k] = (mu, sd)
    return out
