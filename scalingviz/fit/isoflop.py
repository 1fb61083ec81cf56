"""Chinchilla's Approach 2: IsoFLOP profiles, the minimum per budget, and its exponents.

Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from .core import _positive_array

# --- IsoFLOP profiles (Chinchilla Approach 2) -------------------------------------------------


@dataclass(frozen=True)
class IsoflopFit:
    """Per budget the curve's optimum; then ``N_opt = k_N C^a`` and ``D_opt = k_D C^b``.

    ``budgets`` holds, per budget, ``C`` (the budget's median FLOP count), ``n_runs``, ``N_opt``,
    ``D_opt`` (read from the runs' own D along the curve, else C/6N*), ``loss_opt`` (also ``loss``),
    ``used``, ``status`` (``converged``; ``unbracketed``: the best run is the smallest or largest model
    sampled, or the curve's minimum lies outside the sampled N; ``no minimum``; ``non-positive loss``;
    ``too few runs``) and ``reason``. ``outliers`` lists runs far above their budget's curve (diverged
    runs), with ``dropped`` saying whether they were left out. ``status`` is ``converged`` only when
    every used budget's optimum lies inside its sampled N range at a positive loss and no flagged run
    was kept; else ``degenerate`` and ``message`` says why. ``sensitivity`` shows Approach 2's known
    biases on these runs (the exponent with each budget left out; the widest and the most off-centre
    budget named). ``ci`` has bootstrap intervals of the exponents (budgets resampled).
    """

    budgets: list[dict[str, Any]]
    a: float
    b: float
    k_N: float
    k_D: float
    method: str = "parabola"
    flop_model: str = "C = 6ND"
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    status: str = "converged"
    message: str = ""
    outliers: list[dict[str, Any]] = field(default_factory=list)
    sensitivity: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "flop_model": self.flop_model, "budgets": self.budgets,
                "N_opt": {"coef": self.k_N, "exp": self.a}, "D_opt": {"coef": self.k_D, "exp": self.b},
                "ci": self.ci, "status": self.status, "message": self.message, "outliers": self.outliers,
                "sensitivity": self.sensitivity, "caveat": ISOFLOP_CAVEAT}


#: Approach 2 methods, and who used which.
ISOFLOP_METHODS = {
    "parabola": "a parabola in ln N through the best run and its window neighbours (local; this package's default)",
    "quadratic": "a parabola in ln N over each whole IsoFLOP curve (Hoffmann et al. 2022 Approach 2; Meta's Llama 3)",
    "akima": "an Akima spline in ln N, minimised between the best run's neighbours (reproduces Porian et al. 2024)",
}

#: What Approach 2 cannot see on its own runs (stated with every IsoFLOP fit).
ISOFLOP_CAVEAT = ("Approach 2 is biased by how each budget was sampled: a wide grid of N, or one placed off the "
                  "optimum's centre, moves the fitted N* and with it the exponent, even on noise-free losses "
                  "(Open-Athena, 'Problems with Chinchilla Approach 2', arXiv:2603.22339). 'sensitivity' gives "
                  "the exponent with each budget left out, the widest and the most off-centre budget named; a "
                  "spread wider than the bootstrap interval means the sampling, not the noise, limits the answer.")

#: A run more than this fraction above the curve through the other runs of its budget is flagged as an
#: outlier (a diverged or broken run): 5%, about 25 times the seed-to-seed spread of final losses.
ISOFLOP_OUTLIER_EXCESS = 0.05


def group_budgets(C: Any, *, tolerance: float = 0.05) -> NDArray:
    """Budget labels for runs whose FLOP counts agree within ``tolerance`` (log-spaced): runs are sorted by
    C and a new budget starts where C exceeds the current budget's smallest C by more than (1 + tolerance)."""
    if not 0 < tolerance < 1:
        raise InputError(f"tolerance: {tolerance!r} is out of range; expected a fraction in (0, 1), e.g. 0.05")
    C = np.asarray(C, dtype=float)
    order = np.argsort(C)
    labels = np.empty(C.size, int)
    start, k = None, -1
    for i in order:
        if start is None or C[i] > start * (1 + tolerance):
            start, k = C[i], k + 1
        labels[i] = k
    return labels


def _isoflop_outliers(x: NDArray, y: NDArray, excess: float) -> NDArray:
    """Runs of one budget (sorted by ``x = ln N``) that break its valley: a boolean mask.

    Toward the best run the loss must fall; a run more than ``excess`` above the next run farther from
    the minimum (on its side) is flagged, as a diverged run would be. An outermost run has nothing farther
    out to be judged against; it is flagged only where it alone brackets the minimum (the best run is its
    neighbour) and lies more than twice ``excess`` above it: of 209 real budgets (Porian et al.'s 177, Llama
    3's 10, Marin's 22), 46 had their minimum bracketed by one edge run, at most 6.2% above the best run."""
    n = y.size
    flags = np.zeros(n, bool)
    best = int(np.argmin(y))  # a diverged run is never the lowest
    for i in range(1, best):  # left of the minimum: y[i] should not exceed y[i - 1]
        flags[i] = y[i] > y[i - 1] * (1 + excess)
    for i in range(best + 1, n - 1):  # right of it: y[i] should not exceed y[i + 1]
        flags[i] = y[i] > y[i + 1] * (1 + excess)
    if n >= 3 and best == 1:
        flags[0] = y[0] > y[1] * (1 + 2 * excess)
    if n >= 3 and best == n - 2:
        flags[-1] = y[-1] > y[-2] * (1 + 2 * excess)
    return flags


def _polyfit_exponents(lc: NDArray, ln_N: NDArray, ln_D: NDArray) -> tuple[float, float]:
    return float(np.polyfit(lc, ln_N, 1)[0]), float(np.polyfit(lc, ln_D, 1)[0])


def _isoflop_sensitivity(used: list[dict[str, Any]]) -> dict[str, Any]:
    """The exponent of N* with each used budget left out, and which budgets are the widest (span of ln N
    sampled) and the most off-centre (optimum farthest from the middle of its sampled ln N, in half-spans)."""
    if len(used) < 3:
        return {}
    lc = np.log([u["C"] for u in used])
    ln_N = np.log([u["N_opt"] for u in used])
    ln_D = np.log([u["D_opt"] for u in used])
    rows = []
    for k, u in enumerate(used):
        keep = np.arange(len(used)) != k
        a, b = _polyfit_exponents(lc[keep], ln_N[keep], ln_D[keep])
        rows.append({"C": u["C"], "a_without": a, "b_without": b, "span_decades": u["span_decades"],
                     "off_centre": u["off_centre"]})
    widest = max(rows, key=lambda r: r["span_decades"])
    off = max(rows, key=lambda r: abs(r["off_centre"]))
    a_all = [r["a_without"] for r in rows]
    return {"leave_one_budget_out": rows, "a_range": [min(a_all), max(a_all)],
            "widest": {"C": widest["C"], "span_decades": widest["span_decades"], "a_without": widest["a_without"]},
            "off_centre": {"C": off["C"], "off_centre": off["off_centre"], "a_without": off["a_without"]}}


def fit_isoflop(C: Any, N: Any, loss: Any, *, D: Any = None, budget: Any = None, method: str = "parabola",
                window: int = 1, tolerance: float = 0.05, min_runs: int = 3, skip_small: bool = False,
                drop_outliers: bool = False, drop_unbracketed: bool = False,
                outlier_excess: float = ISOFLOP_OUTLIER_EXCESS, n_boot: int = 1000, seed: int = 0) -> IsoflopFit:
    """Chinchilla Approach 2: per compute budget find the loss-minimising model size N*, then
    regress ln N* and ln D* on ln C.

    Parameters
    ----------
    C, N, loss : array_like
        Compute [FLOP], model size [parameters] and final loss [nats/token] of each run.
    D : array_like, optional
        Each run's tokens: D* is then read along the curve (ln D interpolated at ln N*), right
        whatever the FLOP model; without D it is C/(6 N*), right only where C = 6ND.
    budget : array_like, optional
        Each run's budget label; without it, runs whose C agree within ``tolerance`` form a budget.
    method : {"parabola", "quadratic", "akima"}
        How N* is read off one curve (:data:`ISOFLOP_METHODS`).
    window : int
        Neighbours on each side of the best run used by ``"parabola"``.
    min_runs : int
        Runs a budget needs (default 3); a budget with fewer raises, naming it, unless ``skip_small``
        (then it is listed with ``used = False`` and the reason, e.g. single validation runs at a
        predicted optimum beside a sweep).
    drop_outliers : bool
        Leave out runs more than ``outlier_excess`` above the parabola through the other runs of their
        budget (diverged runs). They are always flagged in ``outliers``; kept, they make the status
        ``degenerate``.
    drop_unbracketed : bool
        Leave out budgets whose fitted minimum lies outside the N they sampled (kept and flagged by
        default). Budgets whose best run is the smallest or largest model are never used.
    n_boot : int
        Bootstrap resamples of the budgets for intervals on the exponents (0 for none).

    A budget's minimum at a loss <= 0, or a curve that opens downwards, is never used.
    """
    C, N, loss = (_positive_array(k, v) for k, v in (("C", C), ("N", N), ("loss", loss)))
    if method not in ISOFLOP_METHODS:
        raise InputError(f"method: {method!r} is not known; expected one of {', '.join(map(repr, ISOFLOP_METHODS))}")
    if not (isinstance(window, int) and window >= 1):
        raise InputError(f"window: {window!r} is out of range; expected an integer >= 1")
    if not (isinstance(outlier_excess, (int, float)) and 0 < outlier_excess < 10):
        raise InputError(f"outlier_excess: {outlier_excess!r} is out of range; expected a fraction in (0, 10), "
                         f"default {ISOFLOP_OUTLIER_EXCESS}")
    Dv = None if D is None else _positive_array("D", D)
    if budget is None:
        labels = group_budgets(C, tolerance=tolerance)
    else:
        raw = np.asarray(budget).ravel()
        if raw.size != C.size:
            raise InputError(f"budget: {raw.size} labels for {C.size} runs")
        _, labels = np.unique(raw.astype(str), return_inverse=True)
    small = []
    budgets = []
    outliers: list[dict[str, Any]] = []
    nan = float("nan")
    for lab in np.unique(labels):
        m = labels == lab
        c = float(np.median(C[m]))
        if m.sum() < min_runs:
            small.append(f"C = {c:.3g} FLOP has {int(m.sum())} run(s)")
            budgets.append({"C": c, "n_runs": int(m.sum()), "n": int(m.sum()), "N_opt": nan, "D_opt": nan,
                            "loss_opt": nan, "loss": nan, "used": False, "status": "too few runs",
                            "reason": f"fewer than {min_runs} runs"})
            continue
        order = np.argsort(N[m])
        x, y = np.log(N[m][order]), loss[m][order]
        xd = None if Dv is None else np.log(Dv[m][order])
        bad = _isoflop_outliers(x, y, outlier_excess)
        for j in np.flatnonzero(bad):
            outliers.append({"C": c, "N": float(np.exp(x[j])), "loss": float(y[j]), "dropped": drop_outliers})
        if drop_outliers and bad.any():
            x, y = x[~bad], y[~bad]
            xd = None if xd is None else xd[~bad]
        entry = {"C": c, "n_runs": int(m.sum()), "n": int(x.size), "N_range": [float(np.exp(x[0])), float(np.exp(x[-1]))],
                 "span_decades": float((x[-1] - x[0]) / np.log(10))}
        i = int(np.argmin(y))
        if x.size < 3 or not 0 < i < x.size - 1:
            status, reason = "unbracketed", ("the best run is the " + ("smallest" if i == 0 else "largest")
                                             + " model sampled: the minimum is not bracketed")
            x_star = y_star = nan
        else:
            x_star, y_star = _isoflop_minimum(x, y, i, method, window)
            if not np.isfinite(x_star):
                status, reason = "no minimum", "the fitted curve opens downwards: no minimum"
            elif not y_star > 0:
                status, reason = "non-positive loss", (f"the fitted minimum is at a loss of {y_star:.3g} <= 0 "
                                                       f"(N = {np.exp(x_star):.3g}): the curve is not a valley")
            elif not x[0] <= x_star <= x[-1]:
                side = "below the smallest" if x_star < x[0] else "above the largest"
                factor = float(np.exp(abs(x_star - (x[0] if x_star < x[0] else x[-1]))))
                status, reason = "unbracketed", (f"the fitted minimum N = {np.exp(x_star):.3g} lies {factor:.3g}x "
                                                 f"{side} model sampled")
            else:
                status, reason = "converged", ""
        usable = status == "converged" or (status == "unbracketed" and np.isfinite(x_star) and not drop_unbracketed)
        n_star = float(np.exp(x_star)) if usable else nan
        if not usable:
            d_star = nan
        elif xd is not None:
            d_star = float(np.exp(np.interp(x_star, x, xd)))
        else:
            d_star = c / (6 * n_star)
        mid, half = 0.5 * (x[0] + x[-1]), 0.5 * (x[-1] - x[0])
        entry.update({"N_opt": n_star, "D_opt": d_star, "loss_opt": float(y_star) if usable else nan,
                      "loss": float(y_star) if usable else nan, "used": bool(usable), "status": status,
                      "off_centre": float((x_star - mid) / half) if usable and half > 0 else nan})
        if reason:
            entry["reason"] = reason + ("" if usable or status != "unbracketed" or not np.isfinite(x_star)
                                        else " (dropped: drop_unbracketed)")
        budgets.append(entry)
    budgets.sort(key=lambda bud: bud["C"])
    if small and not skip_small:
        raise InputError("; ".join(small) + f": an IsoFLOP curve needs at least {min_runs} runs; drop those budgets "
                         "(skip_small=True, --skip-small-budgets) or group runs with a wider tolerance")
    used = [bud for bud in budgets if bud["used"]]
    if len(used) < 2:
        raise InputError(f"IsoFLOP fit needs at least 2 budgets whose minimum is bracketed by smaller and larger "
                         f"models at a positive loss; got {len(used)} of {len(budgets)} budgets")
    lc = np.log([bud["C"] for bud in used])
    ln_N = np.log([bud["N_opt"] for bud in used])
    ln_D = np.log([bud["D_opt"] for bud in used])
    a, ln_kN = np.polyfit(lc, ln_N, 1)
    b, ln_kD = np.polyfit(lc, ln_D, 1)
    ci = {}
    if n_boot and len(used) >= 3:
        rng = np.random.default_rng(seed)
        A, Bs = [], []
        for _ in range(n_boot):
            idx = rng.integers(0, len(used), len(used))
            if np.unique(lc[idx]).size < 2:
                continue
            ea, eb = _polyfit_exponents(lc[idx], ln_N[idx], ln_D[idx])
            A.append(ea)
            Bs.append(eb)
        ci = {"a": tuple(map(float, np.percentile(A, [2.5, 97.5]))), "b": tuple(map(float, np.percentile(Bs, [2.5, 97.5])))}
    problems = [f"C = {u['C']:.3g}: {u['reason']}" for u in used if u["status"] != "converged"]
    kept = [o for o in outliers if not o["dropped"]]
    if kept:
        problems.append(f"{len(kept)} run(s) more than {100 * outlier_excess:g}% above their budget's curve were kept "
                        "(diverged?): " + ", ".join(f"C = {o['C']:.3g} N = {o['N']:.3g} loss {o['loss']:.4g}"
                                                    for o in kept) + "; drop them with drop_outliers (--drop-outliers)")
    unused = [f"C = {u['C']:.3g} ({u['reason']})" for u in budgets if not u["used"]]
    note = (f"; not used: {'; '.join(unused)}" if unused else "")
    dropped = [o for o in outliers if o["dropped"]]
    if dropped:
        note += "; dropped as outliers: " + ", ".join(f"C = {o['C']:.3g} N = {o['N']:.3g}" for o in dropped)
    status = "degenerate" if problems else "converged"
    message = ("; ".join(problems) if problems else f"every used budget's minimum lies inside its sampled N at a "
               f"positive loss ({len(used)} budgets)") + note
    flop_model = "D read from the runs (ln D interpolated at ln N*)" if Dv is not None else "D* = C/(6 N*) (C = 6ND)"
    return IsoflopFit(budgets, float(a), float(b), float(np.exp(ln_kN)), float(np.exp(ln_kD)), method, flop_model, ci,
                      status, message, outliers, _isoflop_sensitivity(used))


def _isoflop_minimum(x: NDArray, y: NDArray, i: int, method: str, window: int) -> tuple[float, float]:
    """Minimum (ln N*, loss*) of one IsoFLOP curve sorted by ``x = ln N`` with its best run at ``i``
    (0 < i < len - 1); NaNs when the curve gives no minimum."""
    if method in ("parabola", "quadratic"):
        sl = slice(0, x.size) if method == "quadratic" else slice(max(0, i - window), min(x.size, i + window + 1))
        p2, p1, p0 = np.polyfit(x[sl], y[sl], 2)
        if not p2 > 0:
            return np.nan, np.nan
        xs = -p1 / (2 * p2)
        return float(xs), float(p0 + p1 * xs + p2 * xs**2)
    from scipy.interpolate import Akima1DInterpolator
    from scipy.optimize import minimize_scalar

    spline = Akima1DInterpolator(x, y)
    grid = np.linspace(x[i - 1], x[i + 1], 401)
    k = int(np.argmin(spline(grid)))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = minimize_scalar(lambda v: float(spline(v)), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-10})
    return float(res.x), float(res.fun)
