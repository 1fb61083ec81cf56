"""Su et al. 2024's step-by-step procedure: every constant of Kaplan's forms from small runs.

Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..datasets import runs_from_arrays
from ..errors import InputError
from .core import FitError, FitResult, _positive_array, fit_law
from .hparams import BatchFit, fit_batch

# --- Su et al. 2024: every constant of the Kaplan forms from small runs -----------------------


@dataclass(frozen=True)
class SuProcedure:
    """Every intermediate of :func:`su2024_procedure`."""

    batch: BatchFit
    learning_curve: FitResult
    constants: dict[str, float]
    predicted_N: float
    prediction: dict[str, Any]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        lc = self.learning_curve
        return {
            "step1_B_crit": self.batch.to_dict(),
            "step2_L_N_Smin": {"params": lc.params, "objective": lc.objective, "status": lc.status,
                               "n_points": lc.n_points, "data_range": lc.data_range},
            "constants": self.constants,
            "step3_prediction": {"N": self.predicted_N, **self.prediction},
            "notes": list(self.notes),
        }


def su2024_procedure(
    *, target_loss: Any, batch_tokens: Any, steps_to_target: Any, N: Any, S: Any, loss: Any, B: float,
    predict_N: float | None = None, curve_S: Any = None, curve_loss: Any = None,
) -> SuProcedure:
    """Estimate every constant of L(N, S, B) from small runs and predict a larger model.

    The steps follow Su et al. (2024), who keep Kaplan's forms and estimate their constants:

    1. **B_crit(L)**: from (target loss, batch size, steps to reach it) triples, fit Kaplan's
       Eq. 5.1 per target and ``B_crit = B_* / L^(1/alpha_B)`` across targets (:func:`fit_batch`).
    2. **L(N, S_min)**: convert each run's steps S at batch B to ``S_min = S / (1 + B_crit(L)/B)``
       with step 1's law, and fit ``(N_c/N)^alpha_N + (S_c/S_min)^alpha_S`` (form ``kaplan_ns``)
       to every model smaller than ``predict_N``.
    3. **Predict** the loss of the ``predict_N`` model after S steps at batch B by solving the
       implicit L(N, S, B) (:func:`scalingviz.laws.su2024.loss_trajectory`), without its data, and
       report the error at its own runs (``N == predict_N``) and along an optional curve.

    Parameters
    ----------
    target_loss, batch_tokens, steps_to_target : array_like
        Step 1's table; batch in tokens.
    N, S, loss : array_like
        Step 2's runs: non-embedding parameters, steps, loss at batch ``B`` [tokens].
    predict_N : float, optional
        The model to predict (default: the largest N).
    curve_S, curve_loss : array_like, optional
        A loss curve of the ``predict_N`` model at batch B, to measure the error along it.
    """
    from ..laws import su2024 as su

    notes = []
    batch = fit_batch(target_loss, batch_tokens, steps_to_target)
    if batch.alpha_B is None or batch.alpha_B <= 0:
        raise FitError(f"step 1 failed: {batch.message}; B_crit(L) cannot convert steps to S_min")
    N, S, L = (_positive_array(k, v) for k, v in (("N", N), ("S", S), ("loss", loss)))
    predict_N = float(N.max()) if predict_N is None else float(predict_N)
    bc = batch.B_star / L ** (1.0 / batch.alpha_B)
    s_min = S / (1.0 + bc / B)
    train = N < predict_N
    if train.sum() < 5 or np.unique(N[train]).size < 2:
        raise InputError(f"step 2 needs at least 5 runs of 2 or more model sizes below N = {predict_N:g}; got {int(train.sum())}")
    runs = runs_from_arrays(N=N[train], D=S[train] * B, S=s_min[train], loss=L[train], allow_duplicates=True)
    lc = fit_law(runs, "kaplan_ns")
    consts = {"N_c": lc.params["N_c"], "alpha_N": lc.params["alpha_N"], "S_c": lc.params["S_c"],
              "alpha_S": lc.params["alpha_S"], "B_star": batch.B_star, "alpha_B": batch.alpha_B}
    pred = {"B": B}
    own = N == predict_N
    if own.any():
        p = np.asarray(su.loss_trajectory(predict_N, S[own], B, **consts))
        e = 100 * (p / L[own] - 1)
        pred["runs"] = {"S": S[own].tolist(), "observed": L[own].tolist(), "predicted": p.tolist(),
                        "median_abs_pct_error": float(np.median(np.abs(e))), "max_abs_pct_error": float(np.max(np.abs(e)))}
    if curve_S is not None:
        cS, cL = _positive_array("curve_S", curve_S), _positive_array("curve_loss", curve_loss)
        p = np.asarray(su.loss_trajectory(predict_N, cS, B, **consts))
        e = 100 * (p / cL - 1)
        pred["curve"] = {"S": cS.tolist(), "observed": cL.tolist(), "predicted": p.tolist(),
                         "median_abs_pct_error": float(np.median(np.abs(e))), "max_abs_pct_error": float(np.max(np.abs(e)))}
    ratio = S / s_min
    notes.append(f"S/S_min ranges {ratio.min():.3g}-{ratio.max():.3g} at B = {B:g} tokens: the batch correction matters")
    return SuProcedure(batch, lc, consts, predict_N, pred, tuple(notes))
