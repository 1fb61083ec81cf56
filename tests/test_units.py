import math

import numpy as np
import pytest

from scalingviz import units


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
