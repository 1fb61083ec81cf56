"""The data-constrained law (Muennighoff et al. 2023): the two-stage fit, its profile and bootstrap.

Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..datasets import RunsTable, as_runs
from ..errors import InputError
from ..laws.forms import LawForm
from ..presets import Preset
from .core import FitResult, _check_fixed, _Problem, _run_columns, fit_law, resolve_law
from .scores import BootstrapResult, bootstrap, identified_by_bootstrap

# --- the data-constrained law (Muennighoff et al. 2023) -----------------------------------------


@dataclass(frozen=True)
class DataConstrainedFit:
    """Muennighoff et al.'s two stages: the Chinchilla constants from single-epoch runs, then R_D* and R_N*
    from every run (repeated data and excess parameters) with those constants held.

    ``single_epoch`` is None when every stage-1 constant was pinned (stage 1 skipped). ``profile`` is the
    stage-2 objective profiled along R_D* and R_N* (each on a log grid, the other minimised), with the
    values whose profile lies within a Laplace-likelihood 95% band of the best (``interval``). ``ci`` is a
    bootstrap interval of the stage-2 constants when asked for. ``status`` is ``converged`` only when both
    stages converged and R_D*, R_N* are pinned down: an interval spanning more than a decade (or reaching
    the end of the grid) makes it ``degenerate``, and ``message`` names the constants.
    """

    single_epoch: FitResult | None
    repeated: FitResult
    n_single: int
    n_repeated: int
    pinned: dict[str, float] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    boot: BootstrapResult | None = None

    @property
    def params(self) -> dict[str, float]:
        return self.repeated.constants

    @property
    def ci(self) -> dict[str, tuple[float, float]]:
        return self.boot.ci if self.boot is not None else {}

    def _problems(self) -> list[str]:
        out = []
        for name, p in self.profile.items():
            lo, hi = p["interval"]
            if p["open"] or hi / lo > 10:
                out.append(f"{name} is not identified by these runs: the objective stays within "
                           f"{100 * p['tolerance']:.2g}% of its best for {name} from {lo:.3g} to "
                           f"{hi:.3g}{' (the end of the grid)' if p['open'] else ''}")
        if self.boot is not None:
            out += identified_by_bootstrap(self.boot)
        return out

    @property
    def status(self) -> str:
        stages = [r for r in (self.single_epoch, self.repeated) if r is not None]
        bad = [r.status for r in stages if r.status != "converged"]
        return bad[0] if bad else ("degenerate" if self._problems() else "converged")

    @property
    def message(self) -> str:
        parts = [f"stage {i}: {r.message}" for i, r in ((1, self.single_epoch), (2, self.repeated))
                 if r is not None and r.status != "converged"]
        return "; ".join(parts + self._problems()) or "both stages converged; R_D* and R_N* are pinned down"

    def to_preset(self, name: str = "my-data-constrained-fit", title: str | None = None):
        return self.repeated.to_preset(name, title)

    def to_dict(self) -> dict[str, Any]:
        stage1 = ({"skipped": True, "reason": "every stage-1 constant was pinned", "params": {}}
                  if self.single_epoch is None else
                  {"params": self.single_epoch.params, "status": self.single_epoch.status,
                   "message": self.single_epoch.message})
        return {"params": self.params, "status": self.status, "message": self.message, "n_single_epoch": self.n_single,
                "n_runs": self.n_repeated, "pinned": self.pinned, "stage1": stage1,
                "stage2": {"params": self.repeated.params, "status": self.repeated.status,
                           "message": self.repeated.message, "objective": self.repeated.objective},
                "profile": {k: {kk: vv for kk, vv in v.items() if kk != "grid_objective"} | {
                    "grid_objective": v["grid_objective"]} for k, v in self.profile.items()},
                "ci": self.ci}


#: Profile grid of R_D* and R_N* (log-spaced; their values in Muennighoff et al. are ~15 and ~5).
DC_PROFILE_GRID = np.logspace(-1, 4, 51)


def _profile_stage2(runs: RunsTable, form: LawForm, fit2: FitResult) -> dict[str, Any]:
    """The stage-2 objective profiled along each of R_D* and R_N* (the other minimised over the grid).

    The values kept are those within a relative ``1.92 / n`` of the best objective: with residuals
    larger than the Huber threshold (as here: about 1% on log loss against delta = 1e-3) the summed
    Huber loss is delta x sum |r|, a Laplace likelihood, and 1.92 = chi2(1, 0.95) / 2 is its 95%
    profile-likelihood drop. An interval reaching the end of the grid is open."""
    names = tuple(fit2.params)
    if set(names) != {"R_D_star", "R_N_star"}:
        return {}
    X = _run_columns(runs, form.variables(form.fit_target), form.name)
    problem = _Problem(form, names, {k: float(v) for k, v in fit2.fixed.items()}, X, np.log(runs.loss), fit2.delta)
    g = DC_PROFILE_GRID
    RD, RN = np.meshgrid(g, g, indexing="ij")
    values = {"R_D_star": RD.ravel(), "R_N_star": RN.ravel()}
    obj = problem.objective_many(np.log(np.column_stack([values[n] for n in names]))).reshape(g.size, g.size)
    best = min(float(obj.min()), fit2.objective)
    tol = 1.92 / len(runs)
    out = {}
    for axis, name in enumerate(("R_D_star", "R_N_star")):
        prof = obj.min(axis=1 - axis)
        inside = np.flatnonzero(prof <= best * (1 + tol))
        lo, hi = (float(g[inside[0]]), float(g[inside[-1]])) if inside.size else (fit2.params[name],) * 2
        out[name] = {"grid": g.tolist(), "grid_objective": prof.tolist(), "best_objective": best,
                     "interval": [lo, hi], "tolerance": tol,
                     "open": bool(inside.size and (inside[0] == 0 or inside[-1] == g.size - 1))}
    return out


def fit_data_constrained(runs: RunsTable | dict, form: LawForm | str = "datablations", *,
                         single_epoch: str | LawForm | Preset = "chinchilla", fixed: dict[str, float] | None = None,
                         n_boot: int = 0, seed: int = 0, profile: bool = True) -> DataConstrainedFit:
    """Fit the data-constrained law by Muennighoff et al.'s two-stage procedure.

    Stage 1 fits ``single_epoch`` (Chinchilla's form) to the runs that saw every token once
    (U >= D); stage 2 fits the data-constrained form to every run, its remaining constants (R_D*,
    R_N*) free and the stage-1 constants held. The runs need a unique-tokens column U (``D /
    epochs``); repeated (N, D) with different U are distinct runs.

    ``fixed`` pins constants in both stages: pinned stage-1 constants are held in stage 1 (it is skipped
    when all of them are pinned, as Muennighoff et al. held their C4 fit) and carried into stage 2.
    ``n_boot`` resamples the runs for a bootstrap interval of the stage-2 constants. ``profile`` computes
    the objective along R_D* and R_N* (see :class:`DataConstrainedFit`).
    """
    runs = as_runs(runs)
    if runs.U is None:
        raise InputError("column 'U' is required for the data-constrained law: the unique tokens of each run "
                         "(D / epochs); map it with --col U=... or columns={'U': ...}")
    dc_form, _ = resolve_law(form)
    one_form, one_values = resolve_law(single_epoch)
    fixed = _check_fixed(dc_form, fixed)
    stage1_names = one_form.constants_of(one_form.fit_target)
    pins1 = {k: v for k, v in fixed.items() if k in stage1_names}
    once = runs.U >= runs.D * (1 - 1e-9)
    if (~once).sum() < 3:
        raise InputError(f"stage 2 needs runs with repeated data (U < D): {int((~once).sum())} found, at least 3 needed")
    if len(pins1) == len(stage1_names):
        stage1 = None
        held = dict(pins1)
    else:
        if once.sum() < 8:
            raise InputError(f"stage 1 needs single-epoch runs (U >= D) to fit the Chinchilla constants: "
                             f"{int(once.sum())} found, at least 8 needed (or pin them: fixed= / --fix)")
        stage1 = fit_law(runs.subset(once), single_epoch, fixed=pins1 or None, seed=seed)
        held = {**stage1.fixed, **stage1.params}
        held = {k: float(held[k]) for k in stage1_names}
    stage2 = fit_law(runs, form, fixed={**held, **fixed}, seed=seed)
    boot = bootstrap(runs, form, n=n_boot, fit=stage2, seed=seed) if n_boot else None
    prof = _profile_stage2(runs, dc_form, stage2) if profile else {}
    return DataConstrainedFit(stage1, stage2, int(once.sum()), len(runs), dict(fixed), prof, boot)
