"""Data-constrained law (Muennighoff et al. 2023)."""

import numpy as np
import pytest

from scalingviz import get_preset
from scalingviz.laws import hoffmann2022
from scalingviz.laws import muennighoff2023 as m

P = get_preset("muennighoff2023")
CH = {k: P[k] for k in ("E", "A", "B", "alpha", "beta")}


def test_constants_recomputed_from_log_space():
    # formulas.md Sec. 7.1 [R]: A = 520.82, B = 1487.72, E = 1.86914.
    assert P["A"] == pytest.approx(520.82, abs=0.005)
    assert P["B"] == pytest.approx(1487.72, abs=0.005)
    assert P["E"] == pytest.approx(1.86914, abs=5e-6)


def test_one_epoch_reduces_to_chinchilla_form():
    N = np.array([1e8, 1e9])[:, None]
    D = np.logspace(11, 13, 3)  # N <= N_opt(D) here, so no parameter decay either
    np.testing.assert_allclose(P.loss(N, D), hoffmann2022.loss(N, D, **CH), rtol=1e-12)


def test_repetition_hurts_and_decays():
    D = 4e11
    L = [P.loss(8e9, D, U) for U in (D, D / 4, D / 40, D / 400)]
    assert L == sorted(L)  # fewer unique tokens, higher loss
    # Effective data saturates at U (1 + R_D*) for many repetitions.
    assert m.effective_data(1e15, 1e9, R_D_star=P["R_D_star"]) == pytest.approx(1e9 * (1 + P["R_D_star"]), rel=1e-9)
    # Four epochs are worth almost as much as new data (the paper's headline finding).
    assert m.effective_data(4e10, 1e10, R_D_star=P["R_D_star"]) / 4e10 > 0.9


def test_optimal_allocation_matches_closed_form_without_repetition():
    C = np.logspace(18, 26, 5)
    out = P.compute_optimal(C)
    np.testing.assert_allclose(out["N_opt"], hoffmann2022.N_opt(C, **CH), rtol=2e-3)
    np.testing.assert_allclose(out["loss"], hoffmann2022.loss_optimal(C, **CH), rtol=1e-9)
    np.testing.assert_allclose(6 * out["N_opt"] * out["D_opt"], C, rtol=1e-12)
    np.testing.assert_allclose(out["epochs"], 1.0)


def test_scarce_data_shifts_to_more_epochs_and_higher_loss():
    free = P.compute_optimal(1e23)
    scarce = P.compute_optimal(1e23, U=1e10)
    assert scarce["loss"] > free["loss"]
    assert scarce["epochs"] > 1
    assert np.isnan(P.loss(np.nan, 1e10))
