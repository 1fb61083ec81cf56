"""A table of any columns for a law over any variables: experts, vocabulary size, precision, data
mixture weights... (:class:`Table`, built and checked by :func:`as_table`).

A runs table (:class:`scalingviz.datasets.RunsTable`) knows N, D, C, S, B, lr, U and epochs, and
checks and converts them (C -> D = C / 6N, epochs -> U). A form whose variables go beyond those (a
mixture-of-experts law in N and E) is fitted to a :class:`Table`: its variables are matched to the
data's columns by name, or mapped (``columns={"E": "num_experts"}``); N, D and C keep their checks
(positive counts), every other column gets the generic ones (numeric and finite, named in errors),
and the target is positive only when it is fitted on the log scale.

>>> t = as_table({"N": [1e8, 2e8, 4e8], "experts": [1, 8, 64], "loss": [3.1, 2.9, 2.8]}, ("N", "E"),
...              columns={"E": "experts"})
>>> t.column("E").tolist(), len(t)
([1.0, 8.0, 64.0], 3)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .errors import InputError, shown

__all__ = ["Table", "as_table", "table_columns"]

#: Columns whose values are counts that must be positive, wherever they appear.
POSITIVE = {"N": "parameters [params]", "D": "training tokens [tokens]", "C": "training compute [FLOP]"}


@dataclass(frozen=True)
class Table:
    """Validated columns, keyed by the form's variable names, and the target (``loss``: the column
    the law predicts, whatever it is called in the data; ``target`` names it). ``group`` holds each
    row's group label where the fit is grouped."""

    columns: Mapping[str, NDArray]
    loss: NDArray
    target: str = "loss"
    group: NDArray | None = None
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return int(self.loss.size)

    def column(self, name: str) -> NDArray:
        if name == "C" and "C" not in self.columns and {"N", "D"} <= set(self.columns):
            return 6.0 * self.columns["N"] * self.columns["D"]
        try:
            return self.columns[name]
        except KeyError:
            raise InputError(f"column {name!r} is not in the table; its columns are "
                             f"{', '.join(map(repr, self.columns))}") from None

    # The runs-table names the scores read (held-out thresholds, data ranges), where the table has them.
    @property
    def N(self) -> NDArray | None:
        return self.columns.get("N")

    @property
    def D(self) -> NDArray | None:
        return self.columns.get("D")

    @property
    def C(self) -> NDArray | None:
        return self.column("C") if "C" in self.columns or {"N", "D"} <= set(self.columns) else None

    def subset(self, mask: Any) -> Table:
        """Rows where ``mask`` is true (or the given indices)."""
        return Table({k: v[mask] for k, v in self.columns.items()}, self.loss[mask], self.target,
                     None if self.group is None else self.group[mask], self.source, self.notes)

    def data_range(self) -> dict[str, tuple[float, float]]:
        """Each column's (min, max), and C's where N and D are columns."""
        out = {k: (float(np.min(v)), float(np.max(v))) for k, v in self.columns.items()}
        if self.C is not None and "C" not in out:
            out["C"] = (float(np.min(self.C)), float(np.max(self.C)))
        return out


def table_columns(data: Any) -> dict[str, Any]:
    """The columns of ``data`` (a mapping of sequences, a pandas DataFrame, a runs table) as a dict."""
    from .datasets import RunsTable

    if isinstance(data, Table):
        return {**data.columns, data.target: data.loss}
    if isinstance(data, RunsTable):
        out = {k: v for k, v in data.to_dict().items() if k != "run"}
        out["C"] = data.C
        return out
    if hasattr(data, "columns") and hasattr(data, "to_dict") and hasattr(data, "__getitem__"):  # a DataFrame
        return {str(c): data[c].to_numpy() for c in data.columns}
    if isinstance(data, Mapping):
        return {str(k): v for k, v in data.items()}
    raise InputError(f"data: {shown(data)} is not a table; give a dict of columns, a pandas DataFrame or a runs table")


def _numeric(name: str, values: Any, *, positive: bool, what: str) -> NDArray:
    arr = np.asarray(values, dtype=object).ravel()
    out = np.empty(arr.size, dtype=float)
    for i, v in enumerate(arr):
        try:
            x = float(str(v).strip()) if isinstance(v, str) else float(v)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"column {name!r} ({what}), row {i + 1}: {shown(v)} is not a number") from None
        if not np.isfinite(x):
            raise InputError(f"column {name!r} ({what}), row {i + 1}: {shown(v)} is not finite")
        if positive and x <= 0:
            raise InputError(f"column {name!r} ({what}), row {i + 1}: {x:g} is out of range; expected > 0"
                             + ("" if name in POSITIVE else " (a fit on the log scale needs positive targets: "
                                "fit with space='linear' for a target that can be zero or negative)"))
        out[i] = x
    return out


def as_table(data: Any, variables: Sequence[str], *, target: str = "loss", columns: Mapping[str, str] | None = None,
             group: str | None = None, positive_target: bool = True, source: str = "") -> Table:
    """The columns of ``data`` a form needs, checked: ``variables`` (the form's, in its order),
    ``target`` and, optionally, the ``group`` column.

    ``columns`` maps a variable (or ``target``) to the data's column name. Every error names the
    column, the row (1-based) and the value, or the columns the data has.
    """
    cols = table_columns(data)
    mapping = dict(columns or {})
    for key, col in mapping.items():
        if not isinstance(col, str) or col not in cols:
            raise InputError(f"columns: {key}={shown(col)} is not a column of the data; its columns are "
                             f"{', '.join(map(repr, cols))}")
    unknown = [k for k in mapping if k not in (*variables, target, group)]
    if unknown:
        raise InputError(f"columns: {', '.join(map(repr, unknown))} is not a variable of the form or the target; "
                         f"the form's variables are {', '.join(variables)}; the target is {target!r}")
    out: dict[str, NDArray] = {}
    for v in variables:
        name = mapping.get(v, v)
        if name not in cols:
            if v == "D" and "C" in cols and "N" in out:  # tokens from compute, as a runs table does
                out["D"] = _numeric("C", cols["C"], positive=True, what=POSITIVE["C"]) / (6.0 * out["N"])
                continue
            raise InputError(f"column {v!r} (a variable of the form) is not in the data; its columns are "
                             f"{', '.join(map(repr, cols))}; map yours with columns={{{v!r}: 'your column'}} "
                             f"(--col {v}=NAME)")
        out[v] = _numeric(name, cols[name], positive=v in POSITIVE, what=POSITIVE.get(v, f"variable {v}"))
    tname = mapping.get(target, target)
    if tname not in cols:
        raise InputError(f"target: {tname!r} is not a column of the data; its columns are {', '.join(map(repr, cols))}")
    y = _numeric(tname, cols[tname], positive=positive_target, what="the target")
    n = y.size
    if n == 0:
        raise InputError("the table has no rows; expected at least one run per row")
    for k, v in out.items():
        if v.size != n:
            raise InputError(f"column {mapping.get(k, k)!r} has {v.size} rows but the target has {n}")
    g = None
    if group is not None:
        gname = mapping.get(group, group)
        if gname not in cols:
            raise InputError(f"group: {gname!r} is not a column of the data; its columns are {', '.join(map(repr, cols))}")
        g = np.asarray([str(x) for x in np.asarray(cols[gname], dtype=object).ravel()], dtype=object)
        if g.size != n:
            raise InputError(f"column {gname!r} has {g.size} rows but the target has {n}")
    return Table(out, y, target, g, source)
