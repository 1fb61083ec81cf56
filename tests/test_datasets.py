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
