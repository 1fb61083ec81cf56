"""Variable projection: for a form affine in some of its constants (``LawForm(affine=...)``), search
the others on a grid and solve the affine ones exactly at each grid point (bounded linear least
squares), so the search has no local minima in the affine constants and a law made of them alone
(``exp`` of a polynomial) is solved in one step. The best points start the usual polish.

The idea is Golub and Pereyra's (1973); Open-Athena's ``vpnls`` applies it to Chinchilla's form
(E, A, B linear; the exponents on a grid). Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import NDArray

from ..laws.forms import LawForm
from .objective import _Problem

#: Grid points per searched constant (the grid has at most this ** 3 points).
GRID_POINTS = 9
#: Forms with more non-affine constants than this get no grid (it would be too large).
MAX_GRID_CONSTANTS = 3


def _axis(form: LawForm, name: str, log: bool) -> NDArray:
    lo, hi = form.bounds.get(name, (None, None))
    if log:
        a = math.log(lo) if lo is not None and lo > 0 else math.log(1e-2)
        b = math.log(hi) if hi is not None and hi > 0 else math.log(1e4)
        return np.exp(np.linspace(a, b, GRID_POINTS))
    a = lo if lo is not None else 0.02
    b = hi if hi is not None else 1.5
    return np.linspace(a, min(b, a + 3.0), GRID_POINTS)


def affine_candidates(form: LawForm, problem: _Problem) -> list[dict[str, float]]:
    """Candidate constants: each grid point of the non-affine constants with the affine ones solved
    exactly on the form's ``affine_scale``, weighted to match the fit's own scale (a log-scale fit of a
    linear-scale affine form weighs each row by 1 / target, i.e. relative errors)."""
    from scipy.optimize import lsq_linear

    names = problem.names
    lin = [n for n in names if n in form.affine]
    other = [n for n in names if n not in form.affine]
    if not lin or len(other) > MAX_GRID_CONSTANTS:
        return []
    log_of = dict(zip(names, problem.log, strict=True))
    y = np.exp(problem.lnL) if problem.space == "log" else problem.lnL
    if form.affine_scale == "log":
        if np.any(y <= 0):
            return []
        target, weight = np.log(y), (1.0 if problem.space == "log" else y)
    else:
        target, weight = y, (1.0 / np.abs(y) if problem.space == "log" else 1.0)
    weight = np.broadcast_to(np.asarray(weight, dtype=float) * np.sqrt(problem.w), target.shape)
    lower = np.array([0.0 if log_of[n] else -np.inf for n in lin])
    grid = list(itertools.product(*(_axis(form, n, log_of[n]) for n in other))) or [()]
    out = []
    for point in grid:
        base = {**problem.fixed, **dict(zip(other, point, strict=True))}
        cols = []
        with np.errstate(all="ignore"):
            try:
                for k in [None, *lin]:
                    c = {**base, **{n: (1.0 if n == k else 0.0) for n in lin}}
                    v = np.asarray(problem.fn(*problem.X, **c), dtype=float)
                    cols.append(np.log(v) if form.affine_scale == "log" else v)
            except ArithmeticError:
                continue
        g0, G = cols[0], np.stack([c - cols[0] for c in cols[1:]], axis=1)
        if not (np.all(np.isfinite(g0)) and np.all(np.isfinite(G))):
            continue
        res = lsq_linear(G * weight[:, None], (target - g0) * weight, bounds=(lower, np.inf), method="bvls")
        if not np.all(np.isfinite(res.x)):
            continue
        sol = {n: (max(v, 1e-12) if log_of[n] else v) for n, v in zip(lin, res.x, strict=True)}
        out.append({**dict(zip(other, point, strict=True)), **sol})
    return out
