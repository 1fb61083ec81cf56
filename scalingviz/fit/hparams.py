"""Critical batch size from steps-to-target pairs (Kaplan Eq. 5.1) and Step Law's hyperparameter fit.

Part of :mod:`scalingviz.fit`; import from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..laws.forms import nnls_scales
from ..presets import Preset
from .core import MAX_BOOTSTRAP, FitError, _positive_array

# --- critical batch size from steps-to-target pairs (Kaplan Eq. 5.1) ---------------------------


@dataclass(frozen=True)
class BatchFit:
    """Per target loss: S_min, E_min, B_crit = E_min/S_min; then B_crit(L) = B_* / L^(1/alpha_B)."""

    targets: list[dict[str, float]]
    B_star: float | None
    alpha_B: float | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"targets": self.targets, "B_star": self.B_star, "alpha_B": self.alpha_B, "message": self.message}


def fit_batch(loss: Any, B: Any, S: Any) -> BatchFit:
    """Fit Kaplan's Eq. 5.1 to (target loss, batch [tokens], steps to reach it) triples.

    For each target loss, ``S = S_min (1 + B_crit/B) = S_min + E_min / B`` is linear in
    (S_min, E_min); it is solved by non-negative least squares in relative error. Then
    ``ln B_crit = ln B_* - (1/alpha_B) ln L`` is fitted across targets by least squares.

    Raises
    ------
    ValueError
        Fewer than 2 distinct batch sizes for a target, or non-positive values.
    """
    L = _positive_array("loss", loss)
    Bt = _positive_array("B", B)
    St = _positive_array("S", S)
    if not (L.size == Bt.size == St.size):
        raise InputError(f"columns 'loss', 'B', 'S' must have equal lengths, got {L.size}, {Bt.size}, {St.size}")
    targets = []
    for target in np.unique(L):
        m = L == target
        if np.unique(Bt[m]).size < 2:
            raise InputError(f"target loss {target:g}: {np.unique(Bt[m]).size} distinct batch size; "
                             "Eq. 5.1 needs at least 2 batch sizes per target")
        c = nnls_scales([np.ones(m.sum()), 1.0 / Bt[m]], St[m])
        if c is None or np.any(c <= 0):
            raise FitError(f"target loss {target:g}: steps do not fall with batch size as S = S_min + E_min/B requires")
        s_min, e_min = float(c[0]), float(c[1])
        targets.append({"loss": float(target), "S_min": s_min, "E_min": e_min, "B_crit": e_min / s_min,
                        "n": int(m.sum())})
    if len(targets) >= 2:
        lnL = np.log([t["loss"] for t in targets])
        lnB = np.log([t["B_crit"] for t in targets])
        slope, icpt = np.polyfit(lnL, lnB, 1)
        alpha_B = -1.0 / slope if slope != 0 else None
        B_star, msg = float(np.exp(icpt)), "B_crit(L) = B_* / L^(1/alpha_B) fitted across targets"
        if alpha_B is None or alpha_B <= 0:
            msg = f"B_crit does not fall with the target loss (slope {slope:.3g}); alpha_B is not positive"
    else:
        alpha_B, B_star, msg = None, None, "one target loss only: B_* and alpha_B need at least 2"
    return BatchFit(targets, B_star, None if alpha_B is None else float(alpha_B), msg)


# --- hyperparameter laws, Step Law style -----------------------------------------------------


@dataclass(frozen=True)
class HparamFit:
    """Step Law's laws ``lr = lr_coef N^lr_exp_N D^lr_exp_D`` and ``B = bs_coef D^bs_exp_D`` [tokens],
    under the ``li2025`` preset's own names; :meth:`to_preset` makes them a law."""

    coef: dict[str, float]
    samples: NDArray  # bootstrap samples (n, 5) in NAMES order, coefficients (not their logs)
    n_kept: int
    n_cells: int

    NAMES = ("lr_coef", "lr_exp_N", "lr_exp_D", "bs_coef", "bs_exp_D")

    @property
    def ci(self) -> dict[str, tuple[float, float]]:
        if not len(self.samples):  # fitted without a bootstrap
            return {}
        q = np.percentile(self.samples, [2.5, 97.5], axis=0)
        return {k: (float(q[0, i]), float(q[1, i])) for i, k in enumerate(self.NAMES)}

    def to_preset(self, name: str = "my-hparams", title: str | None = None):
        """The refitted laws as a preset of Step Law's form."""
        from ..laws import li2025

        return Preset.from_values(name, li2025.FORM, self.coef, title=title or f"{name} (fitted)",
                                  N_convention="as in your data", loss_unit="(no loss law)",
                                  source="fitted by Step Law's procedure (fit_hparams)", fitted=True)


def _ols(X: NDArray, y: NDArray) -> NDArray:
    return np.linalg.lstsq(X, y, rcond=None)[0]


def fit_hparams(N: Any, D: Any, lr: Any, B: Any, loss: Any, *, threshold: float = 0.0025, n_boot: int = 1000,
                seed: int = 0) -> HparamFit:
    """Step Law's procedure: keep runs within ``threshold`` (0.25%) of their (N, D) cell's best loss,
    regress ln lr on (ln N, ln D) and ln B on ln D, and bootstrap the regression.

    B must be in **tokens** (multiply sequences by the sequence length first). ``n_boot = 0``: no
    bootstrap (``ci`` is empty).
    """
    if not (isinstance(threshold, (int, float)) and 0 <= threshold < 1):
        raise InputError(f"threshold: {threshold!r} is out of range; expected a fraction in [0, 1), e.g. 0.0025")
    if not (isinstance(n_boot, (int, np.integer)) and 0 <= n_boot <= MAX_BOOTSTRAP):
        raise InputError(f"n_boot: {n_boot!r} is out of range; expected 0 to {MAX_BOOTSTRAP:,} resamples")
    arrs = [_positive_array(k, v) for k, v in (("N", N), ("D", D), ("lr", lr), ("B", B), ("loss", loss))]
    N, D, lr, B, loss = arrs
    cells = np.unique(np.stack([N, D], 1), axis=0)
    keep = np.zeros(N.size, bool)
    for n_, d_ in cells:
        m = (N == n_) & (D == d_)
        keep |= m & (loss <= loss[m].min() * (1 + threshold))
    if cells.shape[0] < 3 or np.unique(N).size < 2 or np.unique(D).size < 2:
        raise InputError(f"need at least 3 (N, D) cells with 2 distinct N and 2 distinct D; got {cells.shape[0]} cells")
    lN, lD, llr, lB = np.log(N[keep]), np.log(D[keep]), np.log(lr[keep]), np.log(B[keep])
    X_lr = np.stack([np.ones_like(lN), lN, lD], 1)
    X_b = np.stack([np.ones_like(lD), lD], 1)
    def natural(v: NDArray) -> NDArray:  # (ln lr_coef, N exp, D exp, ln bs_coef, D exp) -> the preset's constants
        return np.array([np.exp(v[0]), v[1], v[2], np.exp(v[3]), v[4]])

    point = natural(np.concatenate([_ols(X_lr, llr), _ols(X_b, lB)]))
    rng = np.random.default_rng(seed)
    samples = np.empty((n_boot, 5))
    for i in range(n_boot):
        idx = rng.integers(0, lN.size, lN.size)
        samples[i] = natural(np.concatenate([_ols(X_lr[idx], llr[idx]), _ols(X_b[idx], lB[idx])]))
    coef = dict(zip(HparamFit.NAMES, map(float, point), strict=True))
    return HparamFit(coef, samples, int(keep.sum()), int(cells.shape[0]))
