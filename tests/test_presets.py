"""Every published constant against the printed value, and the registry's behaviour.

Each row: preset, constant, printed value, where it is printed. Tolerance: exact for typed
values; 1e-6 relative for values stored as exp(log-space constant)."""

import math

import numpy as np
import pytest

import scalingviz as sv
from scalingviz.presets import PRESETS, get_preset, register

PUBLISHED = [
    # Kaplan et al. 2020 (arXiv:2001.08361)
    ("kaplan2020", "alpha_N", 0.076, "Table 5"), ("kaplan2020", "N_c", 8.8e13, "Table 5"),
    ("kaplan2020", "alpha_D", 0.095, "Table 5"), ("kaplan2020", "D_c", 5.4e13, "Table 5"),
    ("kaplan2020", "alpha_C", 0.057, "Table 5"), ("kaplan2020", "C_c", 1.6e7, "Table 5"),
    ("kaplan2020", "alpha_C_min", 0.050, "Table 5"), ("kaplan2020", "C_c_min", 3.1e8, "Table 5"),
    ("kaplan2020", "alpha_B", 0.21, "Table 5"), ("kaplan2020", "B_star", 2.1e8, "Table 5"),
    ("kaplan2020", "alpha_S", 0.76, "Table 5"), ("kaplan2020", "S_c", 2.1e3, "Table 5"),
    ("kaplan2020", "NS_alpha_N", 0.077, "Table 3"), ("kaplan2020", "NS_N_c", 6.5e13, "Table 3"),
    ("kaplan2020", "ND_alpha_N", 0.076, "Table 2"), ("kaplan2020", "ND_alpha_D", 0.103, "Table 2"),
    ("kaplan2020", "ND_N_c", 6.4e13, "Table 2"), ("kaplan2020", "ND_D_c", 1.8e13, "Table 2"),
    ("kaplan2020", "D_overfit_coef", 5e3, "Eq. 4.4"), ("kaplan2020", "D_overfit_exp", 0.74, "Eq. 4.4"),
    ("kaplan2020", "N_e", 1.3e9, "Table 6"), ("kaplan2020", "p_N", 0.73, "Table 6"),
    ("kaplan2020", "B_e", 2.0e6, "Table 6"), ("kaplan2020", "p_B", 0.24, "Table 6"),
    ("kaplan2020", "S_e", 5.4e3, "Table 6"), ("kaplan2020", "p_S", 0.03, "Table 6"),
    ("kaplan2020", "D_e", 2e10, "Table 6"), ("kaplan2020", "p_D", 0.27, "Table 6"),
    ("kaplan2020", "lr_intercept", 0.003239, "Eq. D.1"), ("kaplan2020", "lr_slope", 0.0001395, "Eq. D.1"),
    # Alternatives where Kaplan's sources disagree (formulas.md Sec. 9)
    ("kaplan2020-alt", "B_star", 2e8, "Eq. 1.4 / 5.3"), ("kaplan2020-alt", "C_c_min", 2.3e8, "Fig. 1 legend"),
    ("kaplan2020-alt", "ND_D_c", 5.4e13, "Table 5"), ("kaplan2020-alt", "NS_alpha_N", 0.076, "Table 5"),
    # Hoffmann et al. 2022 Eq. 10 (printed) and the TeX source
    ("hoffmann2022", "E", 1.69, "Eq. 10"), ("hoffmann2022", "A", 406.4, "Eq. 10"), ("hoffmann2022", "B", 410.7, "Eq. 10"),
    ("hoffmann2022", "alpha", 0.34, "Eq. 10"), ("hoffmann2022", "beta", 0.28, "Eq. 10"),
    ("hoffmann2022-tex", "E", math.exp(0.5267228), "TeX e"), ("hoffmann2022-tex", "A", math.exp(6.0073404), "TeX a"),
    ("hoffmann2022-tex", "B", math.exp(6.0179186), "TeX b"), ("hoffmann2022-tex", "alpha", 0.33917084, "TeX"),
    ("hoffmann2022-tex", "beta", 0.2849083, "TeX"),
    # Besiroglu et al. 2024 Table 1
    ("besiroglu2024", "E", 1.8172, "Table 1"), ("besiroglu2024", "A", 482.01, "Table 1"),
    ("besiroglu2024", "B", 2085.43, "Table 1"), ("besiroglu2024", "alpha", 0.3478, "Table 1"),
    ("besiroglu2024", "beta", 0.3658, "Table 1"),
    # Step Law Table 1
    ("li2025", "lr_coef", 1.79, "Table 1"), ("li2025", "lr_exp_N", -0.713, "Table 1"),
    ("li2025", "lr_exp_D", 0.307, "Table 1"), ("li2025", "bs_coef", 0.58, "Table 1"), ("li2025", "bs_exp_D", 0.571, "Table 1"),
    # DeepSeek Eq. 1 and Eq. 4
    ("bi2024", "lr_coef", 0.3118, "Eq. 1"), ("bi2024", "lr_exp_C", -0.1250, "Eq. 1"), ("bi2024", "bs_coef", 0.2920, "Eq. 1"),
    ("bi2024", "bs_exp_C", 0.3271, "Eq. 1"), ("bi2024", "M_base", 0.1715, "Eq. 4"), ("bi2024", "a", 0.5243, "Eq. 4"),
    ("bi2024", "D_base", 5.8316, "Eq. 4"), ("bi2024", "b", 0.4757, "Eq. 4"),
    # Muennighoff et al. 2023, datablations README
    ("muennighoff2023", "alpha", 0.3526596, "README"), ("muennighoff2023", "R_D_star", 15.387756, "README"),
    ("muennighoff2023", "R_N_star", 5.309743, "README"),
]


@pytest.mark.parametrize(("name", "key", "value", "source"), PUBLISHED)
def test_published_constant(name, key, value, source):
    assert get_preset(name)[key] == pytest.approx(value, rel=1e-12)


def test_every_constant_carries_unit_and_source_and_is_finite():
    for p in PRESETS.values():
        assert p.citation.arxiv and p.title and p.formula and p.N_convention and p.loss_unit
        assert p.fitted_range.source
        for key, param in p.params.items():
            assert math.isfinite(param.value), (p.name, key)
            assert param.unit and param.source, (p.name, key)


def test_names_the_outside_world_relies_on():
    for name in ("kaplan2020", "hoffmann2022", "hoffmann2022-tex", "besiroglu2024", "li2025", "bi2024", "muennighoff2023"):
        assert name in PRESETS
    # su2024 ships only constants this project reproduces (data/su2024_procedure.json), never the paper's
    # unverified printed ones.
    su = PRESETS["su2024"]
    assert all("fitted by data/make_su2024.py" in p.source for p in su.params.values())


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as info:
        get_preset("chinchilla")
    assert "'chinchilla'" in str(info.value) and "hoffmann2022" in str(info.value) and "kaplan2020" in str(info.value)


def test_presets_are_immutable():
    p = get_preset("hoffmann2022")
    with pytest.raises(AttributeError):
        p.name = "x"
    with pytest.raises(TypeError):
        p.params["E"] = None


def test_replace_renames_modified_and_keeps_original():
    p = get_preset("hoffmann2022")
    q = p.replace(E=1.8)
    assert q.name == "hoffmann2022 (modified)" and q.title.endswith("(modified)") and q.modified
    assert q["E"] == 1.8 and p["E"] == 1.69
    assert q.loss(1e9, 1e10) == pytest.approx(p.loss(1e9, 1e10) + 0.11)
    assert q.replace(A=400).name == "hoffmann2022 (modified)"  # no double suffix
    with pytest.raises(ValueError, match="valid names are E, A, B, alpha, beta"):
        p.replace(gamma=1)
    with pytest.raises(ValueError, match="not finite"):
        p.replace(E=float("nan"))


def test_register_fitted_preset_and_protect_published_names():
    q = get_preset("hoffmann2022").replace(E=1.7)
    with pytest.raises(ValueError, match="published preset"):
        register(get_preset("kaplan2020"))
    register(q)
    try:
        assert get_preset("hoffmann2022 (modified)") is q
        with pytest.raises(ValueError, match="already registered"):
            register(q)
    finally:
        del PRESETS[q.name]


def test_capability_errors_name_the_laws_that_can():
    with pytest.raises(ValueError, match="does not give a loss") as info:
        get_preset("li2025").loss(1e9, 1e10)
    assert "hoffmann2022" in str(info.value)
    with pytest.raises(ValueError, match="trajectory"):
        get_preset("hoffmann2022").trajectory(1e9, 1e4, 1e6)


def test_fitted_range_outside():
    r = get_preset("kaplan2020").fitted_range
    assert r.outside(N=1e9) == {}
    assert r.outside(N=3e9) == {"N": pytest.approx(2.0)}
    assert r.outside(D=11e6) == {"D": pytest.approx(2.0)}
    assert r.outside(C=1e30) == {}  # Kaplan states no compute range


def test_to_dict_is_json_ready():
    import json

    for p in PRESETS.values():
        d = json.loads(json.dumps(p.to_dict()))
        assert d["name"] == p.name and d["params"] and d["citation"].startswith(p.citation.authors)


def test_kaplan_methods_and_appendix_b_option():
    k = sv.get_preset("kaplan2020")
    a = k.compute_optimal(1e22, method="appendix_b")
    assert "Appendix B" in a["method"] and 6 * a["N_opt"] * a["B_opt"] * a["S_opt"] == pytest.approx(1e22)
    with pytest.raises(ValueError, match="table6, appendix_b"):
        k.compute_optimal(1e22, method="bogus")
    assert k.data_for_delta_L(1e9, 0.02) > 0 and np.isfinite(k.data_overfit_threshold(1e9))
    t = k.batch_tradeoff(1e4, 1e6, 3.0)
    assert t["B_crit"] == pytest.approx(k.B_crit(3.0))


def test_seed_noise_reference():
    # Kaplan et al. 2020 Sec. 4.2: deltaL ~ 0.02 is the seed-to-seed variation behind Eq. 4.4 (exact).
    from scalingviz.presets import DELTA_L_NOISE

    assert DELTA_L_NOISE.value == 0.02 and "Sec. 4.2" in DELTA_L_NOISE.source


def test_repeated_data_and_deepseek_schedule_references():
    # Muennighoff et al. 2023 abstract: up to 4 epochs of repeated data change the loss negligibly (exact).
    # Bi et al. 2024 Sec. 2.2: 31.6% of the maximum LR after 80% of the tokens, 10% after 90% (exact).
    from scalingviz import plan, schedules
    from scalingviz.presets import DEEPSEEK_LR_DROPS, DEEPSEEK_LR_DROPS_SOURCE, REPEATED_DATA_FREE_EPOCHS

    assert REPEATED_DATA_FREE_EPOCHS.value == 4.0 and "Muennighoff" in REPEATED_DATA_FREE_EPOCHS.source
    assert plan.REPEATED_DATA_EPOCHS == REPEATED_DATA_FREE_EPOCHS.value
    assert DEEPSEEK_LR_DROPS == ((0.8, 0.316), (0.9, 0.1)) and "Sec. 2.2" in DEEPSEEK_LR_DROPS_SOURCE
    assert schedules.DEEPSEEK_DROPS is DEEPSEEK_LR_DROPS
