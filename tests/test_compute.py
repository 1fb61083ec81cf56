import numpy as np
import pytest

from scalingviz import compute


def test_gpt2_xl_nonembedding_count():
    # formulas.md Sec. 8 [R]: 12 x 48 x 1600^2 = 1.47456e9 (Kaplan Eq. 2.1).
    assert compute.n_params_nonembedding(48, 1600) == 1.47456e9


def test_eq_2_1_general_form_matches_12_n_d2():
    n, d = np.array([2, 24, 96]), np.array([128, 1024, 12288])
    assert np.array_equal(compute.n_params_nonembedding(n, d, d_attn=d, d_ff=4 * d), 12 * n * d.astype(float) ** 2)
    assert compute.n_params_nonembedding(1, 10, d_attn=5, d_ff=20) == 2 * 10 * 1 * (2 * 5 + 20)


@pytest.mark.parametrize(
    ("n_layer", "d_model", "N1", "N2", "M"),
    # Bi et al. 2024 (DeepSeek LLM) Table 3, n_vocab = 102400, l_seq = 4096; printed to 3 significant figures.
    [(8, 512, 25.2e6, 77.6e6, 352e6), (12, 768, 84.9e6, 164e6, 963e6), (24, 1024, 302e6, 407e6, 3.02e9),
     (24, 2048, 1.21e9, 1.42e9, 9.66e9), (32, 4096, 6.44e9, 6.86e9, 45.1e9), (40, 5120, 12.6e9, 13.1e9, 85.6e9),
     (80, 8192, 64.4e9, 65.3e9, 419e9)],
)
def test_deepseek_table3(n_layer, d_model, N1, N2, M):
    assert compute.n_params_nonembedding(n_layer, d_model) == pytest.approx(N1, rel=5e-3)
    assert compute.n_params_total(n_layer, d_model, 102400) == pytest.approx(N2, rel=5e-3)
    assert compute.flops_per_token_deepseek(n_layer, d_model, 4096) == pytest.approx(M, rel=5e-3)


def test_kaplan_eq_2_2_forward_flops():
    N = compute.n_params_nonembedding(12, 768)
    assert compute.flops_per_token_forward(N, 12, 1024, 768) == 2 * N + 2 * 12 * 1024 * 768


def test_total_params_with_learned_positions():
    # Kaplan Table 1: embedding parameters (n_vocab + n_ctx) d_model.
    assert compute.n_params_total(12, 768, 50257, 1024) == 12 * 12 * 768**2 + (50257 + 1024) * 768


def test_six_n_d_identities():
    N, B, S = np.array([1e8, 7e9]), 4e6, np.array([[1e3], [1e5]])
    assert np.allclose(compute.training_flops_from_steps(N, B, S), compute.training_flops(N, B * S))
    assert compute.training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)


def test_time_and_cost_arithmetic_exact():
    # 1e24 FLOP on 1000 H100 (989e12 FLOP/s) at 40% MFU.
    C, n, peak, mfu = 1e24, 1000, 989e12, 0.4
    t = compute.training_time_seconds(C, n, peak, mfu)
    assert t == C / (n * peak * mfu)
    assert compute.gpu_hours(C, peak, mfu) == pytest.approx(t * n / 3600, rel=1e-15)
    assert compute.cost(C, peak, mfu, 2.5) == pytest.approx(2.5 * t * n / 3600, rel=1e-15)


def test_gpu_table_and_lookup():
    assert compute.get_gpu("h100").peak_flops == 989e12
    assert compute.GPUS["A100"].peak_flops == 312e12
    assert all(g.source for g in compute.GPUS.values())
    with pytest.raises(ValueError, match="valid names are A100, H100, H200, B200"):
        compute.get_gpu("TPUv9")


def test_compute_nan_and_broadcast():
    out = compute.training_flops(np.array([[1e9], [np.nan]]), np.array([1e10, 2e10, 3e10]))
    assert out.shape == (2, 3)
    assert np.isnan(out[1]).all() and np.isfinite(out[0]).all()
