"""The runs-CSV schema: every validation error names the column, the row and the value."""

import numpy as np
import pytest

from scalingviz import datasets

GOOD = "N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n"


def test_reads_good_csv_and_computes_C():
    r = datasets.read_runs(GOOD.encode())
    assert len(r) == 3 and r.C[0] == 6 * 1e8 * 2e9
    np.testing.assert_array_equal(r.loss, [3.1, 2.9, 2.7])


def test_D_from_C_and_column_mapping():
    text = "Model Size;Training FLOP;L\n1e8;1.2e18;3.1\n2e8;4.8e18;2.9\n"
    r = datasets.read_runs(text.encode(), {"N": "Model Size", "C": "Training FLOP", "loss": "L"})
    np.testing.assert_allclose(r.D, [2e9, 4e9])
    assert "D computed as C / (6 N)" in r.notes


def test_bom_latin1_tab():
    assert len(datasets.read_runs(("\ufeff" + GOOD).encode("utf-8"))) == 3
    assert len(datasets.read_runs((GOOD.replace(",", "\t") + "").encode())) == 3
    latin = ("N,D,loss,run\n1e8,2e9,3.1,caf\xe9\n2e8,4e9,2.9,na\xefve\n").encode("latin-1")
    assert list(datasets.read_runs(latin).run) == ["caf\xe9", "na\xefve"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "is empty"),
        ("N,D,loss\n", "no rows"),
        ("N,loss\n1e8,3\n", "lacks column(s) D or C"),
        ("N;D;loss\n1e8,2e9,3\n", "different delimiters"),
        ("N,D,loss\n1e8,2e9,abc\n", "column 'loss', row 1: 'abc' is not a number"),
        ("N,D,loss\n1e8,2e9,3\n-1,2e9,3\n", "column 'N', row 2: '-1' is not positive"),
        ("N,D,loss\n1e8,2e9,3\n2e8,nan,3\n", "column 'D', row 2: 'nan' is not finite"),
        ("N,D,loss\n1e8,2e9,3\n2e8,inf,3\n", "not finite"),
        ("N,D,loss\n1e8,2e9,3\n1e8,2e9,3.2\n", "rows 1, 2 repeat the same run"),
        ("N,N,loss,D\n1,2,3,4\n", "duplicate column"),
        ("N,D,loss\n1e8,2e9,\n", "column 'loss', row 1: '' is not a number"),
    ],
)
def test_bad_files_are_named_precisely(text, needle):
    with pytest.raises(ValueError) as info:
        datasets.read_runs(text.encode())
    assert needle in str(info.value)


def test_mapping_errors_and_size_limit(tmp_path):
    with pytest.raises(ValueError, match="'Model Size' is not a column"):
        datasets.read_runs(GOOD.encode(), {"N": "Model Size"})
    with pytest.raises(ValueError, match="unknown schema name"):
        datasets.read_runs(GOOD.encode(), {"params": "N"})
    with pytest.raises(ValueError, match="the limit is 0 MiB"):
        datasets.read_runs(GOOD.encode(), max_bytes=10)
    with pytest.raises(ValueError, match="does not exist"):
        datasets.read_runs(tmp_path / "missing.csv")
    p = tmp_path / "runs.csv"
    p.write_text(GOOD)
    assert len(datasets.read_runs(p)) == 3


def test_runs_from_arrays_checks_lengths_and_requirements():
    with pytest.raises(ValueError, match="has 2 rows but 'N' has 3"):
        datasets.runs_from_arrays(N=[1, 2, 3], D=[1, 2], loss=[1, 2, 3])
    with pytest.raises(ValueError, match="missing column"):
        datasets.runs_from_arrays(N=[1], loss=[1])
    r = datasets.runs_from_arrays(N=[1e8, 1e8], D=[1e9, 1e9], loss=[3, 2.9], S=[10, 20])
    assert len(r) == 2  # same N, D but different steps: not duplicates


# --- formats and row selection (the fitting-truth issue) ---------------------------------------

import json as _json  # noqa: E402

import pytest  # noqa: E402

from scalingviz.cli import main  # noqa: E402


@pytest.mark.realdata
def test_epoch_constants_from_the_cli_alone(shared_data, capsys):
    # Besiroglu et al. drop the 5 highest-loss runs; Table 1 (the besiroglu2024 preset): within 3% from the CLI.
    f = shared_data / "epoch_chinchilla" / "svg_extracted_data.csv"
    assert main(["fit", str(f), "--col", "N=Model Size", "--col", "C=Training FLOP", "--drop-highest-loss", "5",
                 "--json"]) == 0
    d = _json.loads(capsys.readouterr().out)
    from scalingviz import get_preset

    assert d["n_points"] == 240
    for k, v in get_preset("besiroglu2024").values.items():
        assert d["params"][k] == pytest.approx(v, rel=0.03), k


@pytest.mark.realdata
def test_gemstones_json_lines_read_directly(shared_data):
    f = shared_data / "gemstones" / "wandb_df_for_fitting_cool_end.jsonl"
    runs = datasets.read_runs(f, {"N": "params_active_precise", "D": "tokens", "loss": "final_loss"})
    assert len(runs) > 100 and runs.N.min() > 1e7
    first = _json.loads(f.read_text().splitlines()[0])
    assert runs.loss[0] == first["final_loss"] and runs.N[0] == first["params_active_precise"]


def test_filters_limits_and_drop(tmp_path, capsys):
    f = tmp_path / "runs.csv"
    rows = ["N,D,loss,sweep"] + [f"{n:g},{d:g},{3 - 0.1 * i - 0.01 * j},{'a' if i % 2 else 'b'}"
                                 for i, n in enumerate([1e8, 2e8, 4e8, 8e8]) for j, d in enumerate([1e9, 4e9, 1.6e10])]
    f.write_text("\n".join(rows))
    runs = datasets.read_runs(f, filters={"sweep": "a"})
    assert len(runs) == 6 and set(runs.N) == {2e8, 8e8}
    sel = datasets.read_runs(f).select(minimum={"N": 2e8}, maximum={"C": 6 * 8e8 * 4e9}, drop_highest_loss=1)
    assert sel.N.min() >= 2e8 and sel.C.max() <= 6 * 8e8 * 4e9
    with pytest.raises(ValueError, match="filter: sweep = zz leaves no rows"):
        datasets.read_runs(f, filters={"sweep": "zz"})
    with pytest.raises(ValueError, match="filter: 'nope' is not a column"):
        datasets.read_runs(f, filters={"nope": "1"})
    assert main(["fit", str(f), "--filter", "sweep=zz"]) == 2
    assert "leaves no rows" in capsys.readouterr().err
    assert main(["fit", str(f), "--drop-highest-loss", "12"]) == 2
    assert "--drop-highest-loss: 12 is out of range" in capsys.readouterr().err
    assert main(["fit", str(f), "--min", "N"]) == 2


def test_json_lines_and_parquet(tmp_path):
    rows = [{"N": 1e8 * 2**i, "D": 1e9 * 4**j, "loss": 3 - 0.1 * i - 0.05 * j} for i in range(4) for j in range(3)]
    f = tmp_path / "runs.jsonl"
    f.write_text("\n".join(_json.dumps(r) for r in rows))
    assert len(datasets.read_runs(f)) == 12
    import pandas as pd

    p = tmp_path / "runs.parquet"
    try:
        pd.DataFrame(rows).to_parquet(p)
    except ImportError:  # no engine here: the reader must say what to install
        p.write_bytes(b"PAR1" + b"\0" * 20)
        with pytest.raises(ValueError, match="Parquet; reading it needs a Parquet engine: pip install pyarrow"):
            datasets.read_runs(p)
    else:
        assert len(datasets.read_runs(p)) == 12


def test_parse_selection():
    f, lo, hi, drop = datasets.parse_selection("sweep=a; sweep=b; N>=1e8; C<=1e21; drop 5")
    assert f == {"sweep": ["a", "b"]} and lo == {"N": 1e8} and hi == {"C": 1e21} and drop == 5
    assert datasets.parse_selection("") == ({}, {}, {}, 0)
    for bad, needle in (("drop x", "'drop' takes a whole number"), ("Q>=3", "bounds apply to N, D or C"),
                        ("nonsense", "is not COLUMN=VALUE")):
        with pytest.raises(ValueError, match=needle):
            datasets.parse_selection(bad)


def test_epochs_column_gives_unique_tokens():
    r = datasets.runs_from_arrays(N=[1e8, 1e8], D=[1e9, 1e9], epochs=[1, 4], loss=[3.0, 3.1])
    assert list(r.U) == [1e9, 2.5e8]
    with pytest.raises(ValueError, match="column 'epochs', row 1: 0.5 is out of range; expected >= 1"):
        datasets.runs_from_arrays(N=[1e8], D=[1e9], epochs=[0.5], loss=[3.0])
    with pytest.raises(ValueError, match="both given"):
        datasets.runs_from_arrays(N=[1e8], D=[1e9], epochs=[1], U=[1e9], loss=[3.0])


def test_one_curve_reader_for_the_cli_and_the_dashboard(tmp_path):
    # issue 24: a file headed Step,LR,Loss was read by the Fit tab and refused by `scalingviz fit-curve`
    from scalingviz.cli import curves as cli
    from scalingviz.datasets import read_curve

    body = "Step,LR,Loss\n" + "".join(f"{s},{3e-4:.1e},{3.5 - s / 1e4:.4f}\n" for s in range(1, 50))
    f = tmp_path / "curve.csv"
    f.write_text(body)
    a = read_curve(body.encode())
    b = cli._read_curve(str(f))
    assert a["step"][0] == b["step"][0] == 1 and a["loss"].size == b["loss"].size == 49
    with pytest.raises(ValueError, match="missing column.s. loss"):
        read_curve(b"step,lr\n1,3e-4\n")
    assert read_curve(b"step,lr\n1,3e-4\n2,3e-4\n", need_loss=False)["lr"].size == 2
