import math

import numpy as np
import pytest

from scalingviz import units
from scalingviz.errors import InputError


def test_pf_day_is_8_64e19():
    # Kaplan et al. 2020 Sec. 1.3: 1 PF-day = 1e15 x 24 x 3600 FLOP.
    assert units.PF_DAY == 8.64e19


@pytest.mark.parametrize(
    ("text", "value"),
    [("7B", 7e9), ("1.4T", 1.4e12), ("300M", 3e8), ("2e19", 2e19), ("5.76e+23", 5.76e23), ("4M", 4e6),
     ("1.5k", 1500.0), (" 70B ", 70e9), ("7 B", 7e9), ("1e3K", 1e6), (".5B", 5e8), (12, 12.0), (3.5, 3.5)],
)
def test_parse_quantity(text, value):
    assert units.parse_quantity(text) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text", ["", "7x", "1,4T", "B7", "seven", "7BB", "nan", "inf", "1e400", "7 B B", "--5"])
def test_parse_quantity_rejects_bad_text_and_quotes_it(text):
    with pytest.raises(ValueError) as info:
        units.parse_quantity(text, "N")
    msg = str(info.value)
    assert msg.startswith("N: ")
    assert repr(text) in msg or repr(float("inf")) in msg


def test_parse_rejects_decimal_comma_with_hint():
    with pytest.raises(ValueError, match="decimal point"):
        units.parse_quantity("1,4T")


def test_parse_rejects_bool_and_nonfinite_numbers():
    for bad in (True, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            units.parse_quantity(bad)


@pytest.mark.parametrize(
    ("x", "text"),
    [(7e9, "7B"), (1.4e12, "1.4T"), (3e8, "300M"), (1500, "1.5k"), (2e25, "2e+25"), (12.5, "12.5"), (0, "0")],
)
def test_format_quantity(x, text):
    assert units.format_quantity(x) == text


def test_format_then_parse_round_trips():
    for x in np.logspace(3, 20, 37):
        assert units.parse_quantity(units.format_quantity(x, 12)) == pytest.approx(x, rel=1e-10)


def test_conversions_are_inverse_and_broadcast():
    C = np.logspace(15, 28, 14).reshape(2, 7)
    assert np.allclose(units.pfdays_to_flop(units.flop_to_pfdays(C)), C, rtol=1e-15)
    assert units.flop_to_pfdays(8.64e19) == 1.0
    assert units.sequences_to_tokens(512, 1024) == 2**19
    assert units.tokens_to_sequences(np.array([2**19, 2**20]), 1024).tolist() == [512, 1024]
    assert units.nats_to_bits(math.log(2)) == pytest.approx(1.0)
    assert units.bits_to_nats(units.nats_to_bits(2.3)) == pytest.approx(2.3)
    assert isinstance(units.flop_to_pfdays(1e20), float)


def test_conversions_propagate_nan():
    assert np.isnan(units.flop_to_pfdays(np.nan))
    assert np.isnan(units.nats_to_bits(np.array([np.nan]))).all()


def test_format_flop_names_both_units():
    assert units.format_flop(8.64e19) == "8.64e+19 FLOP (1 PF-days)"


# -- what N counts ------------------------------------------------------------------------------


def test_every_preset_names_a_parameter_count():
    from scalingviz.presets import PRESETS

    counts = {p.n_count for p in PRESETS.values()}
    assert counts <= {units.NCount.TOTAL, units.NCount.NON_EMBEDDING}
    assert PRESETS["kaplan2020"].n_count is units.NCount.NON_EMBEDDING
    assert PRESETS["hoffmann2022"].n_count is units.NCount.TOTAL


def test_convert_N_between_counts_and_never_for_a_fit_to_your_runs():
    NC = units.NCount
    assert units.convert_N(7e9, NC.TOTAL, NC.NON_EMBEDDING, 0.5e9) == 6.5e9
    assert units.convert_N(6.5e9, "non-embedding", "total", 0.5e9) == 7e9
    assert units.convert_N(1e3, "total", "non-embedding", 1e4) == 1.0  # at least one parameter
    # A law fitted to your runs ("as in your runs") counts N as they do: no conversion either way.
    assert units.convert_N(7e9, NC.TOTAL, NC.of("as in your runs"), 0.5e9) == 7e9
    assert units.convert_N(7e9, NC.of("as in your data"), NC.NON_EMBEDDING, 0.5e9) == 7e9
    with pytest.raises(InputError, match="N_convention: 'parameters' names no parameter count"):
        units.NCount.of("parameters")


def test_a_preset_whose_count_names_nothing_is_refused():
    from scalingviz.presets import PRESETS

    with pytest.raises(InputError, match="N_convention"):
        PRESETS["hoffmann2022"].__class__.from_values("mine", "chinchilla", dict(PRESETS["hoffmann2022"].values),
                                                      N_convention="everything")


def test_explorer_takes_a_curve_fits_N_as_given():
    pytest.importorskip("ipywidgets")
    from scalingviz.presets import PRESETS
    from scalingviz.ui.explorer import Explorer

    ex = Explorer()
    ex.set_units(N_convention="total", N_embedding=1e8)
    ex.controls["N"].set(1e9)
    assert ex.law.n_count is units.NCount.NON_EMBEDDING  # the default law, Kaplan's: the embedding comes off
    assert ex.law_N() == pytest.approx(1e9 - 1e8)
    mine = PRESETS["hoffmann2022"].__class__.from_values("mine", "chinchilla", dict(PRESETS["hoffmann2022"].values),
                                                         N_convention="as in your runs")
    ex.law = mine
    assert ex.law_N() == 1e9


def test_a_plan_gives_a_law_fitted_to_your_runs_its_N_as_given():
    from scalingviz.plan import TrainingPlan
    from scalingviz.presets import PRESETS

    mine = PRESETS["hoffmann2022"].__class__.from_values("mine", "chinchilla", dict(PRESETS["hoffmann2022"].values),
                                                         N_convention="as in your runs")
    plan = TrainingPlan(N=1e9, D=2e10, N_convention="total", N_embedding=1e8)
    assert plan.N_for(mine) == 1e9  # it was taken as non-embedding: 9e8
    assert plan.N_for(PRESETS["kaplan2020"]) == pytest.approx(9e8)
    assert plan.N_for(PRESETS["hoffmann2022"]) == 1e9
