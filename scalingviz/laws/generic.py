"""Forms that belong to no single paper: a power law in one variable, with and without an offset.

``L = (X_c / X)^alpha_X`` is the shape of Kaplan et al. 2020's single-variable laws (Eq. 1.1-1.3);
``L = E + (X_c / X)^alpha_X`` adds an irreducible loss. X is N [params], D [tokens] or C [FLOP].
They are fitted to runs (``fit_law(runs, "power_N")``) and become presets like any other form.
"""

from __future__ import annotations

import inspect

import numpy as np
from numpy.typing import NDArray

from .forms import LawForm, nnls_scales, register_form
from .forms import as_float as _f
from .forms import scalar_or_array as _out

__all__ = ["POWER_FORMS"]


def _power(var: str, offset: bool) -> LawForm:
    scale, expo = f"{var}_c", f"alpha_{var}"
    consts = ("E", scale, expo) if offset else (scale, expo)
    # The fitter reads variable and constant names from signatures, so each function states its own.
    sig = inspect.Signature([inspect.Parameter(var, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
                            + [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY) for k in consts])

    def power(x, **c):
        t = (c[scale] / _f(x)) ** c[expo]
        return _out(t + c["E"] if offset else t)

    def gradient(x, **c):
        t = (c[scale] / _f(x)) ** c[expo]
        out = {scale: c[expo] * t / c[scale], expo: t * np.log(c[scale] / _f(x))}
        return {"E": np.ones_like(t), **out} if offset else out

    name = f"power_offset_{var}" if offset else f"power_{var}"
    for fn, fn_name in ((power, name), (gradient, name + "_gradient")):
        fn.__signature__ = sig
        fn.__name__ = fn.__qualname__ = fn_name

    def starts(X: dict, L: NDArray) -> list[dict]:
        x = X[var]
        if not offset:  # exact in log space: ln L = alpha ln X_c - alpha ln X is linear
            slope, icpt = np.polyfit(np.log(x), np.log(L), 1)
            alpha = -slope if slope < 0 else 0.1
            return [{scale: float(np.exp(icpt / alpha)), expo: float(alpha)}]
        cands = []
        for a in np.linspace(0.02, 1.5, 60):
            c = nnls_scales([np.ones_like(L), x**-a], L)
            if c is None or c[1] <= 0:
                continue
            cands.append({"E": max(float(c[0]), 1e-3 * float(L.min())), scale: float(c[1] ** (1.0 / a)), expo: a})
        return cands

    return register_form(LawForm(
        name, formula=f"L = E + ({scale}/{var})^{expo}" if offset else f"L = ({scale}/{var})^{expo}",
        power=power, gradient={"power": gradient}, linear=(expo,), starts=starts,
        bounds={expo: (0.0, 5.0)},
    ))


POWER_FORMS = {f.name: f for f in (_power(v, o) for v in ("N", "D", "C") for o in (False, True))}
