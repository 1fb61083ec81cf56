"""Uncertainty of the published presets and prediction bands."""

import json
from pathlib import Path

import numpy as np
import pytest

from scalingviz import get_preset
from scalingviz.uncertainty import parameter_samples, prediction_band

DATA = Path(__file__).resolve().parents[1] / "data"


def test_besiroglu_samples_match_published_spread():
    # Our bootstrap of Epoch's data vs their Table 1 standard errors (E 0.03, A 124.58, B 1293.23,
    # alpha 0.02, beta 0.02): within a factor 1.6 of each, and centred on the point estimate.
    S = np.loadtxt(DATA / "besiroglu2024_bootstrap.csv", delimiter=",", skiprows=1)
    assert S.shape == (1000, 5)
    sd = S.std(axis=0, ddof=1)
    for got, published in zip(sd, (0.03, 124.58, 1293.23, 0.02, 0.02), strict=True):
        assert published / 1.6 < got < published * 1.6
    assert np.median(S[:, 0]) == pytest.approx(1.8172, abs=0.01)


def test_li2025_moments_are_the_released_bootstrap():
    m = json.loads((DATA / "li2025_bootstrap_moments.json").read_text())
    assert m["n"] == 1000
    assert np.exp(m["mean"][0]) == pytest.approx(1.7973, abs=1e-4)  # formulas.md Sec. 3.1 [R]
    assert m["mean"][1] == pytest.approx(-0.712922, abs=1e-6)
    cov = np.array(m["cov"])
    assert np.all(np.linalg.eigvalsh(cov) > 0)


def test_band_contains_value_and_has_width():
    N, D = np.array([1e9, 7e10]), np.array([2e10, 1.4e12])
    b = prediction_band("besiroglu2024", lambda p: p.loss(N, D))
    assert np.all(b["low"] < b["value"]) and np.all(b["value"] < b["high"])
    assert np.all(b["high"] - b["low"] < 0.2)
    s = prediction_band("li2025", lambda p: p.hparams(N=7e9, D=1.4e12)["lr"])
    assert s["low"] < s["value"] < s["high"]
    k = prediction_band("kaplan2020", lambda p: p.loss(1e9, 1e10))
    assert k["low"] <= k["value"] <= k["high"] and k["high"] > k["low"] and "alternative constants" in k["source"]


def test_no_uncertainty_gives_point_band_and_bad_level_raises():
    b = prediction_band("hoffmann2022", lambda p: p.loss(1e9, 1e10))
    assert b["low"] == b["value"] == b["high"] and b["source"] == "no published uncertainty"
    with pytest.raises(ValueError, match="level"):
        prediction_band("besiroglu2024", lambda p: p.loss(1e9, 1e10), level=95)
    assert len(parameter_samples("li2025", n=10)) == 10
    assert parameter_samples("besiroglu2024", n=5)[0].name == "besiroglu2024"
    assert get_preset("besiroglu2024")["E"] == 1.8172  # samples do not touch the preset
