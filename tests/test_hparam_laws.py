"""Step Law (Li et al. 2025) and DeepSeek (Bi et al. 2024) hyperparameter laws."""

import numpy as np
import pytest

from scalingviz import compute, get_preset
from scalingviz.laws import bi2024, li2025

STEP = get_preset("li2025")
DS = get_preset("bi2024")


def test_steplaw_readme_example():
    # formulas.md Sec. 8 [R]: N = 7e9, D = 1.4e12 -> eta = 9.1656e-4, B = 4.9988e6 tokens.
    out = STEP.hparams(N=7e9, D=1.4e12)
    assert out["lr"] == pytest.approx(9.1656e-4, rel=5e-5)
    assert out["batch_tokens"] == pytest.approx(4.9988e6, rel=5e-5)


def test_steplaw_batch_independent_of_N_and_broadcast():
    D = np.logspace(9, 13, 5)
    lr = li2025.learning_rate(np.array([1e8, 1e9])[:, None], D, lr_coef=1.79, lr_exp_N=-0.713, lr_exp_D=0.307)
    assert lr.shape == (2, 5)
    np.testing.assert_allclose(lr[1] / lr[0], 10**-0.713, rtol=1e-12)
    np.testing.assert_allclose(STEP.hparams(N=1e8, D=D)["batch_tokens"], STEP.hparams(N=1e10, D=D)["batch_tokens"])
    assert np.isnan(li2025.batch_tokens(np.nan, bs_coef=0.58, bs_exp_D=0.571))


def test_deepseek_at_1e17():
    # formulas.md Sec. 8 [R]: C = 1e17 -> eta = 2.338e-3, B = 1.062e5 tokens.
    out = DS.hparams(C=1e17)
    assert out["lr"] == pytest.approx(2.338e-3, rel=5e-4)
    assert out["batch_tokens"] == pytest.approx(1.062e5, rel=5e-4)


def test_deepseek_7b_batch_close_to_table2():
    # Bi et al. Table 2 [T]: 7B (30 layers, d 4096, 4096 context), 2T tokens, batch 2304 x 4096 = 9.44e6 tokens.
    # Eq. 1 with C = M D gives 9.22e6 tokens [R]: within 3% of the batch they used.
    C = compute.flops_per_token_deepseek(30, 4096, 4096) * 2e12
    b = DS.hparams(C=C)["batch_tokens"]
    assert b == pytest.approx(9.22e6, rel=5e-3)
    assert b == pytest.approx(2304 * 4096, rel=0.03)


def test_deepseek_allocation_identities():
    # M_base x D_base = 1.00011 and a + b = 1 (Eq. 4) [R], so M_opt D_opt = C to 1e-4.
    assert DS["a"] + DS["b"] == pytest.approx(1.0, abs=1e-12)
    C = np.logspace(17, 25, 9)
    out = DS.compute_optimal(C)
    np.testing.assert_allclose(out["M_opt"] * out["D_opt"], C * 1.00011, rtol=2e-5)
    assert bi2024.M_opt(1e20, M_base=0.1715, a=0.5243) == pytest.approx(0.1715 * 1e20**0.5243)


def test_kaplan_lr_rule_through_preset():
    assert get_preset("kaplan2020").hparams(N=1e9)["lr"] == pytest.approx(0.003239 - 0.0001395 * np.log(1e9))


def test_missing_inputs_raise_with_names():
    with pytest.raises(ValueError, match="needs N and D"):
        STEP.hparams(N=1e9)
    with pytest.raises(ValueError, match="needs C"):
        DS.hparams(N=1e9)
    with pytest.raises(ValueError, match="does not give"):
        get_preset("hoffmann2022").hparams(N=1e9, D=1e10)
