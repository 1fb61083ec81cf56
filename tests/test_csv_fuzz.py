"""CSV fuzzer: whatever bytes arrive, the runs reader gives a clean table or a clear ValueError."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalingviz import datasets

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(1e-3, 1e25).map(lambda x: f"{x:.6g}"),
    st.sampled_from(["", " ", "nan", "inf", "-1", "0", "7B", "1,4T", "1e400", "abc", '"1e8"', "'", '"', "é", "\x00"]),
    st.text(max_size=8),
)
HEADER = st.lists(st.sampled_from(["N", "D", "C", "loss", "S", "B", "lr", "run", "Model Size", "x", "N", ""]),
                  min_size=1, max_size=6)
SEP = st.sampled_from([",", ";", "\t", "|", " "])


def _check(raw: bytes) -> None:
    try:
        runs = datasets.read_runs(raw)
    except ValueError as exc:
        msg = str(exc)
        assert msg and "Traceback" not in msg and len(msg.splitlines()) == 1, msg
        return
    # a clean table: the required columns, positive and finite
    assert len(runs) >= 1
    for col in (runs.N, runs.D, runs.loss):
        assert np.all(np.isfinite(col)) and np.all(col > 0)


@SETTINGS
@given(raw=st.binary(max_size=400))
def test_random_bytes(raw):
    _check(raw)


@SETTINGS
@given(header=HEADER, rows=st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=12), sep=SEP,
       bom=st.booleans(), crlf=st.booleans(), latin1=st.booleans())
def test_csv_shaped_text(header, rows, sep, bom, crlf, latin1):
    nl = "\r\n" if crlf else "\n"
    text = sep.join(header) + nl + nl.join(sep.join(r) for r in rows) + nl
    raw = text.encode("latin-1", errors="replace") if latin1 else text.encode("utf-8", errors="surrogatepass")
    _check((b"\xef\xbb\xbf" if bom else b"") + raw)


@SETTINGS
@given(n=st.lists(st.floats(1e3, 1e13), min_size=1, max_size=20), data=st.data())
def test_valid_tables_read_back_exactly(n, data):
    d = data.draw(st.lists(st.floats(1e6, 1e15), min_size=len(n), max_size=len(n)))
    loss = data.draw(st.lists(st.floats(0.5, 10), min_size=len(n), max_size=len(n)))
    raw = ("N,D,loss\n" + "".join(f"{a!r},{b!r},{c!r}\n" for a, b, c in zip(n, d, loss, strict=True))).encode()
    try:
        runs = datasets.read_runs(raw)
    except ValueError as exc:
        assert "duplicate" in str(exc)  # identical (N, D) rows are refused unless allowed
        return
    np.testing.assert_array_equal(runs.N, n)
    np.testing.assert_array_equal(runs.loss, loss)
