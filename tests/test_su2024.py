"""The implicit loss trajectory L(N, S, B) and its closed-form inverses."""

import numpy as np
import pytest
from scipy.optimize import brentq

from scalingviz import get_preset
from scalingviz.laws import su2024

_K = get_preset("kaplan2020")
# Kaplan's Table 3 learning curve and Table 5 critical batch, under su2024's own names.
KW = dict(N_c=_K["NS_N_c"], alpha_N=_K["NS_alpha_N"], S_c=_K["S_c"], alpha_S=_K["alpha_S"], B_star=_K["B_star"],
          alpha_B=_K["alpha_B"])


def _brute(N, S, B):
    LN = (KW["N_c"] / N) ** KW["alpha_N"]

    def f(L):
        u = KW["B_star"] / (B * L ** (1 / KW["alpha_B"]))
        return L - LN - (KW["S_c"] * (1 + u) / S) ** KW["alpha_S"]

    return brentq(f, LN, LN + 1e3, xtol=1e-15, rtol=1e-15)


@pytest.mark.parametrize(("N", "S", "B"), [(1e6, 1e3, 1e4), (1e9, 1e5, 2**19), (1e12, 10.0, 1e8), (3e3, 1e7, 1e3)])
def test_matches_scalar_root_finder(N, S, B):
    assert su2024.loss_trajectory(N, S, B, **KW) == pytest.approx(_brute(N, S, B), rel=1e-12)


def test_solves_the_equation_to_machine_precision_on_a_big_grid():
    N = np.logspace(3, 15, 25)[:, None, None]
    S = np.logspace(0, 8, 30)[None, :, None]
    B = np.logspace(3, 9, 20)
    L = su2024.loss_trajectory(N, S, B, **KW)
    assert L.shape == (25, 30, 20) and np.all(np.isfinite(L))
    LN = (KW["N_c"] / N) ** KW["alpha_N"]
    rhs = LN + (KW["S_c"] * (1 + KW["B_star"] / (B * L ** (1 / KW["alpha_B"]))) / S) ** KW["alpha_S"]
    np.testing.assert_allclose(L, rhs, rtol=1e-12)


def test_infinite_batch_is_L_N_Smin_and_large_S_is_min_loss():
    assert su2024.loss_trajectory(1e9, 1e4, np.inf, **KW) == pytest.approx(
        (KW["N_c"] / 1e9) ** KW["alpha_N"] + (KW["S_c"] / 1e4) ** KW["alpha_S"], rel=1e-14)
    assert su2024.loss_trajectory(1e9, 1e15, 1e6, **KW) == pytest.approx(su2024.min_loss(1e9, N_c=KW["N_c"], alpha_N=KW["alpha_N"]), rel=1e-6)


def test_monotone_in_S_N_B():
    S = np.logspace(1, 7, 200)
    L = su2024.loss_trajectory(1e8, S, 2**19, **KW)
    assert np.all(np.diff(L) < 0)
    assert su2024.loss_trajectory(1e9, 1e4, 2**19, **KW) < su2024.loss_trajectory(1e8, 1e4, 2**19, **KW)
    assert su2024.loss_trajectory(1e8, 1e4, 2**21, **KW) < su2024.loss_trajectory(1e8, 1e4, 2**17, **KW)


def test_steps_and_tokens_invert_the_trajectory():
    N = np.array([1e7, 1e9])[:, None]
    S = np.logspace(2, 6, 9)
    B = 2**19
    L = su2024.loss_trajectory(N, S, B, **KW)
    np.testing.assert_allclose(su2024.steps_to_loss(N, L, B, **KW), np.broadcast_to(S, L.shape), rtol=1e-9)
    np.testing.assert_allclose(su2024.tokens_to_loss(N, L, B, **KW), B * np.broadcast_to(S, L.shape), rtol=1e-9)


def test_minimum_steps_and_tokens_obey_eq_5_1():
    N, L = 1e8, 3.5
    s_min = su2024.steps_to_loss(N, L, **KW)
    e_min = su2024.tokens_to_loss(N, L, **KW)
    assert e_min / s_min == pytest.approx(su2024.B_crit_at_loss(L, B_star=KW["B_star"], alpha_B=KW["alpha_B"]))
    B = np.logspace(3, 9, 13)
    S, E = su2024.steps_to_loss(N, L, B, **KW), su2024.tokens_to_loss(N, L, B, **KW)
    np.testing.assert_allclose((S / s_min - 1) * (E / e_min - 1), 1.0, rtol=1e-10)


def test_unreachable_target_is_infinite_and_nan_propagates():
    Lmin = su2024.min_loss(1e8, N_c=KW["N_c"], alpha_N=KW["alpha_N"])
    assert su2024.steps_to_loss(1e8, Lmin * 0.99, 1e6, **KW) == np.inf
    assert np.isnan(su2024.steps_to_loss(np.nan, 3.0, 1e6, **KW))
    out = su2024.loss_trajectory(np.array([1e8, np.nan]), 1e4, 1e6, **KW)
    assert np.isfinite(out[0]) and np.isnan(out[1])
    assert isinstance(su2024.loss_trajectory(1e8, 1e4, 1e6, **KW), float)
