"""Tao et al. 2024's vocabulary law (preset ``tao2024``, form ``tao_vocab``): its constants as the authors'
code prints them, its optimal vocabularies against the paper's abstract, and the law against the authors'
own runs (ScaleBench's vocabulary task, CC-BY-4.0, fetched and cached, never copied here)."""

from __future__ import annotations

import numpy as np
import pytest

from scalingviz import fit
from scalingviz.errors import InputError
from scalingviz.laws import tao2024
from scalingviz.presets import PRESETS, preset_names

LAW = PRESETS["tao2024"]

#: sail-sg/scaling-with-vocab @ 6701cc2, optimal_Nv_predict.py, approach3_isoloss (printed to 17 digits there).
CODE = {"A1": 1.8313851559554126, "A2": 0.19584238398665638, "B": 2.1241123120064955, "E": 5.5327846803337435,
        "alpha1": 0.44660634152009615, "alpha2": 0.6707374679896795, "beta": 0.44660634152009615}

#: The embedding width of each of the authors' model families, by non-vocabulary parameters (the ``embed_dim``
#: column of their exp_data.csv, which ScaleBench's copy of the table leaves out).
WIDTH = {33222784.0: 512, 84834176.0: 768, 150834176.0: 768, 316445568.0: 1024, 631668352.0: 1536,
         1129891136.0: 2048}


def test_constants_are_the_authors_to_the_last_digit():
    for k, v in CODE.items():
        assert LAW[k] == v, k  # tolerance: none (read from code, not rounded print)
    assert LAW["G"] == pytest.approx(np.exp(-2.4846510161625193), rel=1e-15) and LAW["a"] == 0.5


def test_optimal_vocabularies_match_the_abstract():
    # Abstract: "the optimal vocabulary size of Llama2-70B should have been at least 216K" (N_nv 70e9 and d 8192 in
    # the authors' optimal_Nv_predict.py; their fsolve prints 217,961). Tolerance 1.5%: the abstract rounds, and
    # does not say which of its three approaches (212K, 231K, 218K in the same script) it quotes.
    assert float(LAW.optimal_vocab(70e9, 8192)["V_opt"]) == pytest.approx(216e3, rel=0.015)
    # Abstract: "increasing the vocabulary size from the conventional 32K to 43K ... with the same 2.3e21 FLOPs"
    # for the 3B model (N_nv 2.87e9, d 3200 as in approach3_isoloss.py). Tolerance 2.5%: 43K is a rounded size.
    v = LAW.optimal_vocab(2.87e9, 3200, 2.3e21)
    assert float(v["V_opt"]) == pytest.approx(43e3, rel=0.025)
    assert float(v["C"]) == 2.3e21 and 6 * (2.87e9 + float(v["Nv_opt"])) * float(v["D"]) == pytest.approx(2.3e21)


def test_optimal_vocab_is_the_minimum_and_vectorised():
    N, d, C = np.array([1e9, 7e9]), np.array([2048, 4096]), np.array([1e21, 1e22])
    out = LAW.optimal_vocab(N, d, C)
    assert out["V_opt"].shape == (2,)
    for i in range(2):
        V = out["V_opt"][i] * np.array([0.8, 1.0, 1.25])
        L = LAW.response(N=N[i], Nv=V * d[i], D=C[i] / (6 * (N[i] + V * d[i])))
        assert L[1] < L[0] and L[1] < L[2]


def test_capabilities_keep_it_out_of_everything_that_asks_for_L_N_D():
    assert "tao2024" not in preset_names("loss") and "tao2024" in preset_names("optimal_vocab")
    assert LAW.has("response") and not LAW.has("optimal")
    with pytest.raises(InputError, match="does not give a loss L"):
        LAW.loss(1e9, 1e10)
    with pytest.raises(InputError, match="takes N, Nv, D; missing D"):
        LAW.response(N=1e9, Nv=6e7)
    with pytest.raises(InputError, match="d: -1 is out of range"):
        LAW.optimal_vocab(1e9, -1)


def test_the_cli_gives_the_api_optimum_and_says_the_units(capsys):
    import json

    from scalingviz.cli import main

    assert main(["vocab", "--N", "2.87B", "--d", "3200", "--C", "2.3e21", "--json"]) in (0, None)
    out = json.loads(capsys.readouterr().out)
    api = LAW.optimal_vocab(2.87e9, 3200, 2.3e21)
    assert out["V_opt"] == pytest.approx(float(api["V_opt"]), rel=1e-12) and out["C_given"] is True
    assert main(["vocab", "--N", "70B", "--d", "8192"]) in (0, None)
    text = capsys.readouterr().out
    assert "217,961 tokens in the vocabulary" in text and "compute-optimal budget for N_nv" in text
    assert "unigram-normalised" in text and "above the range tao2024 was fitted on" in text
    assert main(["vocab", "--law", "hoffmann2022", "--N", "7B", "--d", "4096"]) == 2
    assert "laws that do: tao2024" in capsys.readouterr().err


@pytest.fixture(scope="module")
def vocab_runs(scalebench_split):
    out = {}
    for split in ("train", "test"):
        t = scalebench_split("vocab", split)
        N, V, H = (t[c].to_numpy(float) for c in ("non_vocab_parameters", "vocab_size", "num_characters"))
        d = np.array([WIDTH[n] for n in N], float)
        out[split] = dict(N=N, V=V, H=H, Nv=V * d, L=t["unigram_normalized_loss"].to_numpy(float))
    return out


def _r2(y, pred):
    return 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)


def test_the_preset_reproduces_the_authors_runs_with_their_D(vocab_runs):
    """In sample (the authors fitted every one of these 1,200 runs): R^2 0.982 on the train split, 0.979 on the
    test split (measured 2026-12-04) with D counted as their fit counts it; with true tokens the same
    constants score 0.11 and 0.45, which is why the module documents the two Ds."""
    for split, want in (("train", 0.97), ("test", 0.96)):
        r = vocab_runs[split]
        D_fit = tao2024.tokens_from_characters(r["H"], r["V"], **LAW.setup, V_unit=1000)
        D_true = tao2024.tokens_from_characters(r["H"], r["V"], **LAW.setup)
        assert _r2(r["L"], LAW.response(N=r["N"], Nv=r["Nv"], D=D_fit)) > want, split
        assert _r2(r["L"], LAW.response(N=r["N"], Nv=r["Nv"], D=D_true)) < 0.5, split
        assert np.all((D_true / r["H"] > 0.2) & (D_true / r["H"] < 0.35))  # tokens per character of their tokenizers


def test_the_form_fitted_to_small_vocabularies_predicts_the_largest(vocab_runs):
    """Held out: fitted on vocabularies of 4K-64K (ScaleBench's train split), scored on 96K (its test split)
    with true tokens. Measured 2026-12-04: R^2 0.960, status degenerate (E runs to its bound: with alpha1
    free, A1/N^alpha1 and E trade off, which the authors avoid by tying alpha1 = beta)."""
    tr, te = vocab_runs["train"], vocab_runs["test"]
    D = {k: tao2024.tokens_from_characters(r["H"], r["V"], **LAW.setup) for k, r in vocab_runs.items()}
    r = fit.fit_law({"N": tr["N"], "Nv": tr["Nv"], "D": D["train"], "loss": tr["L"]}, "tao_vocab", space="linear")
    assert _r2(te["L"], r.predict(N=te["N"], Nv=te["Nv"], D=D["test"])) > 0.9
    assert r.status == "degenerate" and "E = 20 ended on its bound" in r.message  # said, not called converged
