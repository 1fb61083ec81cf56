"""The runs table: the CSV schema for a user's training runs, its validation, and readers.

Schema (column names; others can be mapped with ``columns={"N": "Model Size"}``):

=========  ==========================  ========
column     meaning                     required
=========  ==========================  ========
``N``      parameters [params]         yes
``loss``   final loss [nats/token]     yes
``D``      training tokens [tokens]    ``D`` or ``C``
``C``      training compute [FLOP]     ``D`` or ``C`` (then ``D = C / 6N``)
``S``      optimizer step [steps]      no
``B``      batch size [tokens]         no
``lr``     peak learning rate          no
``run``    run identifier              no
=========  ==========================  ========

Validation happens here, once, and every error names the column, the row (1-based, not
counting the header) and the value. pandas is imported only when a file is read.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

# The catalogue of real data sets and its loader live in scalingviz.catalog; re-exported here for the
# course and the Fit tab (``datasets.load("epoch_chinchilla").runs()``).
from .catalog import CATALOG, DEADLINE, PACKAGE_DATA, DataSet, DataUnavailable, fetch, get
from .errors import InputError, shown

__all__ = ["CATALOG", "MAX_BYTES", "NUMERIC", "PACKAGE_DATA", "DataUnavailable", "LocalDataSet", "CURVE_COLUMNS", "RunsTable", "as_runs", "load", "read_curve",
           "multipower_curves", "read_runs", "read_table", "require_points", "runs_from_arrays"]

#: Largest file :func:`read_runs` accepts [bytes].
MAX_BYTES = 50 * 1024 * 1024
#: Numeric columns and their meaning (for messages).
NUMERIC = {
    "N": "parameters [params]",
    "D": "training tokens [tokens]",
    "C": "training compute [FLOP]",
    "loss": "loss [nats/token]",
    "S": "step [steps]",
    "B": "batch size [tokens]",
    "lr": "learning rate",
    "U": "unique tokens [tokens] (D / epochs)",
    "epochs": "epochs over the unique data (U = D / epochs)",
}


@dataclass(frozen=True)
class RunsTable:
    """Validated runs: 1-D float arrays of equal length (``S``, ``B``, ``lr`` may be None)."""

    N: NDArray
    D: NDArray
    loss: NDArray
    S: NDArray | None = None
    B: NDArray | None = None
    lr: NDArray | None = None
    run: NDArray | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    U: NDArray | None = None

    def __len__(self) -> int:
        return int(self.N.size)

    @property
    def C(self) -> NDArray:
        """Training compute ``6 N D`` [FLOP]."""
        return 6.0 * self.N * self.D

    def subset(self, mask: NDArray) -> RunsTable:
        """Rows where ``mask`` is true (or the given indices)."""
        def pick(a):
            return (None if a is None else a[mask])
        return RunsTable(self.N[mask], self.D[mask], self.loss[mask], pick(self.S), pick(self.B), pick(self.lr),
                         pick(self.run), self.source, self.notes, pick(self.U))

    def select(self, *, minimum: Mapping[str, float] | None = None, maximum: Mapping[str, float] | None = None,
               drop_highest_loss: int = 0) -> RunsTable:
        """Rows with N, D or C within ``minimum``/``maximum`` (inclusive), then without the ``drop_highest_loss``
        highest losses (Besiroglu et al. drop Epoch's 5 highest)."""
        keep = np.ones(len(self), bool)
        for bounds, op, word in ((minimum or {}, np.greater_equal, "min"), (maximum or {}, np.less_equal, "max")):
            for key, value in bounds.items():
                if key not in ("N", "D", "C"):
                    raise InputError(f"--{word}: {key!r} is not N, D or C")
                keep &= op(self.C if key == "C" else getattr(self, key), value)
        if not keep.any():
            raise InputError("--min/--max: no run is inside those limits; runs span N "
                             f"{self.N.min():.3g}-{self.N.max():.3g}, D {self.D.min():.3g}-{self.D.max():.3g}")
        if not (isinstance(drop_highest_loss, (int, np.integer)) and 0 <= drop_highest_loss < keep.sum()):
            raise InputError(f"--drop-highest-loss: {drop_highest_loss!r} is out of range; expected 0 to "
                             f"{int(keep.sum()) - 1} (there are {int(keep.sum())} runs)")
        if drop_highest_loss:
            idx = np.flatnonzero(keep)
            keep[idx[np.argsort(self.loss[idx])[len(idx) - drop_highest_loss:]]] = False
        return self.subset(keep)

    def to_dict(self) -> dict[str, Any]:
        out = {"N": self.N, "D": self.D, "loss": self.loss}
        for k in ("S", "B", "lr", "run", "U"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        return out


def _check_numeric(name: str, values: Any, *, positive: bool = True, what: str | None = None) -> NDArray:
    """Floats from a column, with an error naming the first non-numeric, non-finite or (with ``positive``)
    non-positive row; ``what`` describes the column (default from :data:`NUMERIC`)."""
    what = what or NUMERIC.get(name, name)
    arr = np.asarray(values, dtype=object).ravel()
    out = np.empty(arr.size, dtype=float)
    for i, v in enumerate(arr):
        try:
            x = float(str(v).strip()) if isinstance(v, str) else float(v)
        except OverflowError:  # an int beyond a float's range: reported below as not finite
            x = math.inf
        except (TypeError, ValueError):
            hint = ""
            if isinstance(v, str) and any(d in v for d in ",;\t"):
                hint = " (it contains a delimiter: do the header and the rows use different delimiters?)"
            raise InputError(f"column {name!r}, row {i + 1}: {v!r} is not a number; expected {what}{hint}") from None
        out[i] = x
    bad = ~np.isfinite(out)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"column {name!r}, row {i + 1}: {arr[i]!r} is not finite; expected a finite {what}")
    bad = out <= 0 if positive else out < 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"column {name!r}, row {i + 1}: {arr[i]!r} is not positive; expected {what} "
                         f"{'> 0' if positive else '>= 0'}")
    return out


def as_runs(runs: Any, *, allow_duplicates: bool = False) -> RunsTable:
    """``runs`` as a :class:`RunsTable`: one already, or a mapping of columns (see :func:`runs_from_arrays`);
    anything else is an :class:`InputError` naming what is accepted."""
    if isinstance(runs, RunsTable):
        return runs
    if not isinstance(runs, Mapping):
        raise InputError(f"runs: {shown(runs)} is not a table of runs; give a RunsTable (read_runs) or a dict "
                         "of columns such as {'N': [...], 'D': [...], 'loss': [...]}")
    valid = ("N", "loss", "D", "C", "S", "B", "lr", "run", "U", "epochs")
    unknown = [str(k) for k in runs if k not in valid]
    if unknown:
        raise InputError(f"runs: unknown column(s) {', '.join(map(shown, unknown))}; valid columns are "
                         f"{', '.join(valid)} (map other names with columns=...)")
    return runs_from_arrays(**runs, allow_duplicates=allow_duplicates)


def runs_from_arrays(
    *, N: Any = None, loss: Any = None, D: Any = None, C: Any = None, S: Any = None, B: Any = None, lr: Any = None, run: Any = None,
    U: Any = None, epochs: Any = None, source: str = "", allow_duplicates: bool = False,
) -> RunsTable:
    """Validate columns given as sequences and build a :class:`RunsTable`.

    Raises
    ------
    ValueError
        Naming the column, the 1-based row and the value: missing, non-numeric, non-finite,
        non-positive, unequal lengths, U > D (more unique tokens than seen), or duplicate rows
        (same N, D and, if given, S and U: repeated runs of one size on different unique data are valid).
    """
    if N is None or loss is None:
        missing = [k for k, v in (("N", N), ("loss", loss)) if v is None]
        raise InputError(f"missing column(s) {', '.join(map(repr, missing))}; required: 'N', 'loss', and 'D' or 'C'")
    if D is None and C is None:
        raise InputError("missing column 'D' (tokens) or 'C' (FLOP); give one of them (with C, D = C / 6N)")
    Na = _check_numeric("N", N)
    La = _check_numeric("loss", loss)
    n = Na.size
    cols = {"loss": La}
    notes: list[str] = []
    if D is not None:
        Da = _check_numeric("D", D)
        cols["D"] = Da
        if C is not None:
            Ca = _check_numeric("C", C)
            if Ca.size == n and Da.size == n:
                ratio = Ca / (6 * Na * Da)
                off = np.flatnonzero(np.abs(ratio - 1) > 0.5)
                if off.size:
                    notes.append(f"C differs from 6ND by more than 50% in {off.size} rows (first: row {off[0] + 1}); D was used")
    else:
        Ca = _check_numeric("C", C)
        if Ca.size != n:
            raise InputError(f"column 'C' has {Ca.size} rows but 'N' has {n}")
        Da = Ca / (6.0 * Na)
        cols["D"] = Da
        notes.append("D computed as C / (6 N)")
    opt = {}
    if epochs is not None:
        if U is not None:
            raise InputError("columns 'U' and 'epochs' both given; give one (U = D / epochs)")
        ep = _check_numeric("epochs", epochs)
        if ep.size != cols["D"].size:
            raise InputError(f"column 'epochs' has {ep.size} rows but 'N' has {n}")
        low = np.flatnonzero(ep < 1 - 1e-9)
        if low.size:
            raise InputError(f"column 'epochs', row {low[0] + 1}: {ep[low[0]]:g} is out of range; expected >= 1 "
                             "(at least one pass over the unique data)")
        U = cols["D"] / ep
    for name, values in (("S", S), ("B", B), ("lr", lr), ("U", U)):
        if values is not None:
            opt[name] = _check_numeric(name, values)
            cols[name] = opt[name]
    for name, arr in cols.items():
        if arr.size != n:
            raise InputError(f"column {name!r} has {arr.size} rows but 'N' has {n}")
    if n == 0:
        raise InputError("the table has no rows; expected at least one run per line after the header")
    if "U" in opt:
        over = np.flatnonzero(opt["U"] > cols["D"] * (1 + 1e-9))
        if over.size:
            i = int(over[0])
            raise InputError(f"column 'U', row {i + 1}: {opt['U'][i]:g} unique tokens exceed the {cols['D'][i]:g} tokens "
                             "trained on; expected U <= D (U = D / epochs)")
    run_arr = None if run is None else np.asarray(run, dtype=object).ravel()
    if not allow_duplicates:
        key = np.stack([Na, Da] + [opt[k] for k in ("S", "U") if k in opt], axis=1)
        _, first, counts = np.unique(key, axis=0, return_index=True, return_counts=True)
        if np.any(counts > 1):
            dup_key = key[first[np.argmax(counts > 1)]]
            rows = np.flatnonzero(np.all(key == dup_key, axis=1)) + 1
            raise InputError(
                f"rows {', '.join(map(str, rows[:5]))} repeat the same run (N={dup_key[0]:g}, D={dup_key[1]:g}"
                + (f", S={dup_key[2]:g}" if key.shape[1] > 2 else "") + "); remove the duplicates or add an 'S' column"
            )
    return RunsTable(Na, Da, La, opt.get("S"), opt.get("B"), opt.get("lr"), run_arr, source, tuple(notes), opt.get("U"))


def read_runs(
    source: str | Path | bytes | io.IOBase,
    columns: Mapping[str, str] | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    allow_duplicates: bool = False,
    filters: Mapping[str, str | list[str]] | None = None,
) -> RunsTable:
    """Read and validate a runs file (CSV, TSV, JSON Lines or Parquet).

    Parameters
    ----------
    source : path, bytes or file object
        The CSV. Comma, semicolon and tab delimiters are detected; a UTF-8 BOM is ignored;
        Latin-1 text is accepted when it is not valid UTF-8.
    columns : mapping, optional
        ``{schema name: column name in the file}``, e.g. ``{"N": "Model Size", "C": "Training FLOP"}``.
    max_bytes : int
        Files larger than this are refused (default 50 MiB).
    filters : mapping, optional
        ``{column: value}`` (or a list of accepted values): keep only rows whose column equals it,
        compared as text (``--filter model=misfitting_35m``). Nothing is evaluated.

    Raises
    ------
    ValueError
        With the column, row and value at fault, or what is wrong with the file.
    """
    df, name = _read_frame(source, max_bytes)
    header = list(df.columns)
    df = _filter_frame(df, filters, name)
    mapping = dict(columns or {})
    unknown = sorted(set(mapping) - set(NUMERIC) - {"run"})
    if unknown:
        raise InputError(f"columns: unknown schema name(s) {', '.join(map(repr, unknown))}; valid: {', '.join([*NUMERIC, 'run'])}")
    for schema_name, col in mapping.items():
        if col not in df.columns:
            raise InputError(f"columns: {schema_name}={col!r} is not a column of {name}; its columns are {', '.join(map(repr, header))}")
    get = {k: mapping.get(k, k) for k in [*NUMERIC, "run"]}
    pick = {k: (df[c].to_numpy() if c in df.columns else None) for k, c in get.items()}
    if pick["N"] is None or pick["loss"] is None or (pick["D"] is None and pick["C"] is None):
        need = [k for k in ("N", "loss") if pick[k] is None] + (["D or C"] if pick["D"] is None and pick["C"] is None else [])
        raise InputError(
            f"file: {name} lacks column(s) {', '.join(need)}; its columns are {', '.join(map(repr, header))}"
            + (" (only one column was found: check the delimiter; comma, semicolon and tab are read)" if len(header) == 1 else "")
            + "; map yours with columns={'N': 'Model Size', ...} or --col N='Model Size'"
        )
    return runs_from_arrays(**pick, source=name, allow_duplicates=allow_duplicates)


def _strings(df, name: str):
    """A frame of strings (as the CSV reader gives), numbers written without loss of precision."""
    out = df.copy()
    for c in out.columns:
        out[c] = [("" if v is None or (isinstance(v, float) and v != v) else repr(v) if isinstance(v, float) else str(v))
                  for v in out[c]]
    out.columns = [str(c).strip() for c in out.columns]
    return out, name


def _read_frame(source: str | Path | bytes | io.IOBase, max_bytes: int = MAX_BYTES):
    """A CSV, TSV, JSON Lines or Parquet file as a pandas DataFrame of strings, with the file checks every
    reader shares (Parquet needs a Parquet engine such as pyarrow)."""
    import pandas as pd  # deferred: keeps `import scalingviz` light

    if isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
        name = "uploaded file"
    elif isinstance(source, io.IOBase):
        raw = source.read()
        raw = raw.encode() if isinstance(raw, str) else raw
        name = getattr(source, "name", "stream")
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            is_file = path.is_file()
        except OSError:  # a name the system cannot hold (too long, a NUL byte)
            is_file = False
        if not is_file:
            raise InputError(f"file: {shown(str(path))} does not exist or is not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"file: {path.name} is {size / 2**20:.1f} MiB; the limit is {max_bytes / 2**20:.0f} MiB")
        raw = path.read_bytes()
        name = path.name
    else:
        raise InputError(f"file: {shown(source)} is not a path, bytes or a file object")
    if len(raw) > max_bytes:
        raise InputError(f"file: {name} is {len(raw) / 2**20:.1f} MiB; the limit is {max_bytes / 2**20:.0f} MiB")
    suffix = Path(name).suffix.lower()
    if suffix == ".parquet" or raw[:4] == b"PAR1":
        try:
            df = pd.read_parquet(io.BytesIO(raw))
        except ImportError:
            raise InputError(f"file: {name} is Parquet; reading it needs a Parquet engine: pip install pyarrow") from None
        except Exception as exc:
            raise InputError(f"file: {name} could not be read as Parquet ({type(exc).__name__}: {exc})".splitlines()[0]) from None
        return _strings(df, name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if not text.strip():
        raise InputError(f"file: {name} is empty; expected a header line and one run per line")
    if suffix in (".jsonl", ".ndjson") or text.lstrip().startswith("{"):
        try:
            df = pd.read_json(io.StringIO(text), lines=True, dtype=False)
        except Exception as exc:
            raise InputError(f"file: {name} could not be read as JSON Lines ({type(exc).__name__}: {exc})".splitlines()[0]) from None
        return _strings(df, name)
    first = text.strip().splitlines()[0]
    delim = max([",", ";", "\t"], key=first.count)
    try:
        df = pd.read_csv(io.StringIO(text), sep=delim, dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as exc:  # pandas raises several parser error types
        raise InputError(f"file: {name} could not be parsed as CSV ({type(exc).__name__}: {exc})".splitlines()[0]) from None
    header = [str(c).strip() for c in df.columns]
    if len(set(header)) != len(header) or any("." in c and c.rsplit(".", 1)[0] in header for c in header):
        dupes = sorted({c for c in header if header.count(c) > 1} | {c.rsplit(".", 1)[0] for c in header if "." in c and c.rsplit(".", 1)[0] in header})
        raise InputError(f"file: {name} has duplicate column(s) {', '.join(map(repr, dupes))}; rename them")
    df.columns = header
    return df, name


def read_table(source: str | Path | bytes | io.IOBase, *, max_bytes: int = MAX_BYTES,
               filters: Mapping[str, str | list[str]] | None = None) -> dict[str, NDArray]:
    """A CSV's columns as ``{name: array of strings}``, after the same checks (and ``filters``) as
    :func:`read_runs`."""
    df, name = _read_frame(source, max_bytes)
    df = _filter_frame(df, filters, name)
    return {c: df[c].to_numpy() for c in df.columns}


def _filter_frame(df, filters: Mapping[str, str | list[str]] | None, name: str):
    """Rows whose column equals a value (or one of a list), compared as text."""
    header = list(df.columns)
    for col, want in (filters or {}).items():
        if col not in df.columns:
            raise InputError(f"filter: {col!r} is not a column of {name}; its columns are {', '.join(map(repr, header))}")
        values = {str(v).strip() for v in (want if isinstance(want, (list, tuple, set)) else [want])}
        df = df[df[col].astype(str).str.strip().isin(values)]
        if len(df) == 0:
            raise InputError(f"filter: {col} = {', '.join(sorted(values))} leaves no rows of {name}")
    return df


def require_points(runs: RunsTable, n_params: int, variables: tuple[str, ...], form: str) -> None:
    """Raise if there are too few points or too few distinct values for a form."""
    if len(runs) < n_params + 1:
        raise InputError(f"too few runs for {form}: {len(runs)} given, at least {n_params + 1} needed (parameters + 1)")
    for var in variables:
        values = getattr(runs, var)
        if values is None:
            raise InputError(f"column {var!r} is required for {form}")
        distinct = np.unique(values).size
        if distinct < 2:
            raise InputError(f"column {var!r} has {distinct} distinct value; {form} needs at least 2 distinct {var} values")


def parse_selection(text: str) -> tuple[dict[str, list[str]], dict[str, float], dict[str, float], int]:
    """Row selection typed as text: ``sweep=a; N>=1e8; C<=1e21; drop 5`` -> (filters, minimum, maximum, drop).

    ``COLUMN=VALUE`` keeps rows whose column equals VALUE (values of one column are OR-ed); ``N``, ``D``
    or ``C`` with ``>=``/``<=`` a number bounds them; ``drop K`` drops the K highest losses. Nothing is
    evaluated; an item that fits none of these is refused, naming it.
    """
    from .units import parse_quantity

    filters: dict[str, list[str]] = {}
    lo: dict[str, float] = {}
    hi: dict[str, float] = {}
    drop = 0
    for item in (x.strip() for x in str(text or "").split(";")):
        if not item:
            continue
        if item.lower().startswith("drop "):
            k = item[5:].strip()
            if not k.isdigit():
                raise InputError(f"rows: {item!r}: 'drop' takes a whole number of runs, e.g. drop 5")
            drop = int(k)
        elif ">=" in item or "<=" in item:
            op = ">=" if ">=" in item else "<="
            key, value = (x.strip() for x in item.split(op, 1))
            if key not in ("N", "D", "C"):
                raise InputError(f"rows: {item!r}: bounds apply to N, D or C, not {key!r}")
            (lo if op == ">=" else hi)[key] = parse_quantity(value, f"rows {key}")
        elif "=" in item:
            col, value = (x.strip() for x in item.split("=", 1))
            filters.setdefault(col, []).append(value)
        else:
            raise InputError(f"rows: {item!r} is not COLUMN=VALUE, N>=x, C<=x or 'drop K'")
    return filters, lo, hi, drop


def identify(source: str) -> str | None:
    """The published data set a runs file comes from, by its file name (None if it is not one of them)."""
    name = Path(str(source)).name
    for key, ds in CATALOG.items():
        if ds.runs is not None and name == ds.runs.file:
            return key
    return None


# --- loss curves under learning-rate schedules (shipped: MIT, see data/README.md) -------------

#: Luo et al. 2025's fit set and test set (origin src/config.py).
MULTIPOWER_FIT_SET = ("cosine_24000", "constant_24000", "wsdcon_9")
MULTIPOWER_TEST_SET = ("constant_72000", "cosine_72000", "wsd_20000_24000", "wsdld_20000_24000", "wsdcon_3",
                       "wsdcon_18")


def multipower_schedule(name: str):
    """The exact per-step schedule of one of Luo et al.'s runs, rebuilt from its file name as the
    origin's ``src/data_loader.py`` does (warmup 2,160 steps from 0, peak 3e-4, floor 3e-5)."""
    from .schedules import Schedule

    parts = name.split("_")
    base = dict(peak_lr=3e-4, warmup=2160)
    if parts[0] == "cosine":
        return Schedule("cosine", int(parts[1]), floor=3e-5, **base)
    if parts[0] == "constant":
        return Schedule("constant", int(parts[1]), **base)
    if parts[0] == "wsdcon":
        return Schedule("two-stage", 16000, switch=8000, lr2=int(parts[1]) * 1e-5, **base)
    if parts[0] in ("wsd", "wsdld"):
        total, decay = int(parts[2]), int(parts[1])
        return Schedule("wsd", total, floor=3e-5, cooldown=(total - decay) / total,
                        decay_shape="exp" if parts[0] == "wsd" else "linear", **base)
    raise InputError(f"name: {name!r} is not one of Luo et al.'s runs; known: "
                     f"{', '.join(MULTIPOWER_FIT_SET + MULTIPOWER_TEST_SET)}")


def multipower_curves(size: str = "25M", folder: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Luo et al. 2025's nine loss curves of the 25M or 100M model (shipped in ``data/``), or of any size
    from a ``folder`` holding the nine CSV files. The 400M model's curves are public in the origin
    repository (``loss_curve_repo/csv_400`` of thu-yao-01-luo/MultiPowerLaw at 8da9f19, MIT) but not shipped
    here; ``data/make_schedule_calibration.py`` reads a local copy of them.

    Returns ``{name: {"step", "loss", "lr" (the full per-step schedule), "schedule"}}``. As in the
    origin's loader, the logged point at step 24,000 is dropped where a file has one.
    """
    sizes = {"25M": "csv_25", "100M": "csv_100"}
    if folder is not None:
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError(f"folder: {str(folder)!r} is not a folder; give one holding the nine curve CSV files")
    elif size not in sizes:
        raise InputError(f"size: {size!r} is not shipped; valid: {', '.join(sizes)} (the 400M curves are in the "
                         "origin repository, loss_curve_repo/csv_400 at 8da9f19, MIT: pass folder= to read a copy)")
    else:
        folder = load("multipower_luo2025").folder / sizes[size]
    out = {}
    for name in MULTIPOWER_FIT_SET + MULTIPOWER_TEST_SET:
        d = np.genfromtxt(folder / f"{name}.csv", delimiter=",", skip_header=1)
        step, loss = d[:, 0].astype(int), d[:, 2]
        if step.max() == 24000:
            keep = step < 24000
            step, loss = step[keep], loss[keep]
        sched = multipower_schedule(name)
        out[name] = {"step": step, "loss": loss, "lr": sched.lrs(), "schedule": sched}
    return out


#: A loss curve's columns (a training log: optimizer step, learning rate, loss).
CURVE_COLUMNS = ("step", "lr", "loss")


def read_curve(source: str | Path | bytes | io.IOBase, *, need_loss: bool = True, lr: Any = None,
               max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """A loss curve's ``step``, ``lr`` and ``loss`` columns, matched by name in any case (``Step,LR,Loss``
    reads as well), validated: the one reader of curve files for the CLI and the dashboard.

    ``lr`` (a per-step schedule) stands in for a missing lr column; ``need_loss=False`` reads a schedule
    log (step, lr). Raises :class:`InputError` naming the missing columns or the first bad row.
    """
    table = read_table(source, max_bytes=max_bytes)
    cols = {str(c).lower(): c for c in table}
    need = CURVE_COLUMNS if need_loss else ("step", "lr")
    missing = [c for c in need if c not in cols and not (c == "lr" and lr is not None)]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; columns are {', '.join(map(repr, table))}; a loss "
                         "curve has step, lr and loss (or give the schedule with --schedule)")
    what = {"step": "a whole optimizer step", "lr": "a learning rate", "loss": "a loss [nats/token]"}
    out = {k: _check_numeric(k, table[cols[k]], positive=k != "step", what=what[k]) for k in CURVE_COLUMNS
           if k in cols}
    if "lr" not in out:
        out["lr"] = lr
    return out

# -- the data sets of the catalogue, ready to read ------------------------------------------------

@dataclass(frozen=True)
class LocalDataSet:
    """A data set on this machine: its entry and the folder that holds its files."""

    spec: DataSet
    folder: Path

    def path(self, file: str | None = None) -> Path:
        """The path of one file (the runs file, or the only file, when not named)."""
        return self.folder / self.spec.file(file).name

    def table(self, file: str | None = None) -> dict[str, Any]:
        """A CSV/TSV/JSON Lines file's columns as ``{name: array of strings}``."""
        return read_table(self.path(file))

    def json(self, file: str | None = None) -> Any:
        return json.loads(self.path(file).read_text())

    def runs(self, *, filters=None):
        """The data set's runs as a validated :class:`~scalingviz.datasets.RunsTable` (sets with a runs spec)."""
        if self.spec.runs is None:
            raise InputError(f"data set {self.spec.name} has no runs table; read its files with .table(name)")
        return read_runs(self.path(self.spec.runs.file), self.spec.runs.columns,
                         allow_duplicates=self.spec.runs.law.startswith("isoflop:"), filters=filters)


def load(name: str, *, timeout: float = 30.0, deadline: float = DEADLINE) -> LocalDataSet:
    """A data set, ready to read: shipped, a local copy, cached, or downloaded now (see :func:`fetch`)."""
    return LocalDataSet(get(name), fetch(name, timeout=timeout, deadline=deadline))

