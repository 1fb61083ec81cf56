"""Chinchilla form. [T] = printed in Hoffmann et al. 2022 / Besiroglu et al. 2024; [R] = formulas.md Sec. 8."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from scalingviz import compute, get_preset
from scalingviz.laws import hoffmann2022 as h

PRINTED = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)


def test_printed_constants_G_a_b():
    # [R] formulas.md Sec. 8: G = 1.344711, a = 0.451613, b = 0.548387 (6 decimals).
    assert h.G(A=406.4, B=410.7, alpha=0.34, beta=0.28) == pytest.approx(1.344711, abs=5e-7)
    a, b = h.exponents(alpha=0.34, beta=0.28)
    assert (a, b) == pytest.approx((0.451613, 0.548387), abs=5e-7)
    assert a + b == 1.0


def test_gopher_budget_40B_with_unrounded_constants():
    # Hoffmann Fig. 4 [T]: at the Gopher budget 5.76e23 FLOP the optimal model is "40B";
    # the unrounded TeX constants give 40.4B and the printed ones 32.2B [R].
    assert get_preset("hoffmann2022-tex").compute_optimal(5.76e23)["N_opt"] == pytest.approx(40.4e9, rel=2e-3)
    assert get_preset("hoffmann2022").compute_optimal(5.76e23)["N_opt"] == pytest.approx(32.2e9, rel=2e-3)
    # Eq. 4 exponent a = 0.4565 (unrounded) vs 0.4516 (printed), both "0.46" in Table 2 [R].
    p = get_preset("hoffmann2022-tex")
    assert h.exponents(alpha=p["alpha"], beta=p["beta"])[0] == pytest.approx(0.4565, abs=5e-5)


def test_besiroglu_derived_values():
    # Besiroglu et al. [R]: a = 0.5126, G = 0.11963, D/N = 18.4 at 5.76e23 FLOP.
    p = get_preset("besiroglu2024")
    assert h.exponents(alpha=p["alpha"], beta=p["beta"])[0] == pytest.approx(0.5126, abs=5e-5)
    assert h.G(A=p["A"], B=p["B"], alpha=p["alpha"], beta=p["beta"]) == pytest.approx(0.11963, abs=5e-5)
    out = p.compute_optimal(5.76e23)
    assert out["D_opt"] / out["N_opt"] == pytest.approx(18.4, abs=0.05)


@pytest.mark.parametrize(
    ("N", "C", "D"),
    # Hoffmann Table 3 [T] (Approach 1 projections): C ~ 6ND to 1.5% in every row but 67B.
    [(400e6, 1.92e19, 8.0e9), (1e9, 1.21e20, 20.2e9), (10e9, 1.23e22, 205.1e9), (175e9, 3.85e24, 3.7e12),
     (280e9, 9.90e24, 5.9e12), (520e9, 3.43e25, 11.0e12), (1e12, 1.27e26, 21.2e12), (10e12, 1.30e28, 216.2e12)],
)
def test_table3_rows_obey_6ND(N, C, D):
    assert compute.training_flops(N, D) == pytest.approx(C, rel=0.015)


def test_frontier_identities():
    C = np.logspace(12, 30, 19)
    N, D = h.N_opt(C, **PRINTED), h.D_opt(C, **PRINTED)
    np.testing.assert_allclose(6 * N * D, C, rtol=1e-12)
    np.testing.assert_allclose(h.loss_optimal(C, **PRINTED), h.loss(N, D, **PRINTED), rtol=1e-12)
    np.testing.assert_allclose(h.compute_for_loss(h.loss_optimal(C, **PRINTED), **PRINTED), C, rtol=1e-9)


@pytest.mark.parametrize("C", [1e18, 5.76e23, 1e27])
def test_closed_form_matches_brute_force(C):
    res = minimize_scalar(lambda t: h.loss(np.exp(t), C / (6 * np.exp(t)), **PRINTED),
                          bounds=(np.log(1e3), np.log(1e16)), method="bounded", options={"xatol": 1e-11})
    assert np.exp(res.x) == pytest.approx(h.N_opt(C, **PRINTED), rel=1e-4)
    assert res.fun == pytest.approx(h.loss_optimal(C, **PRINTED), rel=1e-12)


def test_loss_limits_broadcast_nan():
    assert h.loss(70e9, np.inf, **PRINTED) == pytest.approx(1.69 + 406.4 / 70e9**0.34)
    assert h.loss(np.inf, np.inf, **PRINTED) == 1.69
    assert h.loss(np.logspace(6, 12, 4)[:, None], np.logspace(8, 13, 5), **PRINTED).shape == (4, 5)
    assert np.isnan(h.loss(np.nan, 1e12, **PRINTED))
    assert h.compute_for_loss(1.5, **PRINTED) == np.inf  # below E
    assert np.isnan(h.compute_for_loss(np.nan, **PRINTED))
