"""Chinchilla's Approach 2 on a table of runs: the one procedure ``scalingviz fit-isoflop`` and the
Fit tab's Approach 2 share (reading the columns, then :func:`scalingviz.fit.fit_isoflop`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import fit
from ..datasets import _check_numeric
from ..errors import InputError

__all__ = ["Approach2Report", "approach2"]


@dataclass(frozen=True)
class Approach2Report:
    """What :func:`approach2` found: the fit (:class:`~scalingviz.fit.IsoflopFit`: budgets, N* and D*
    per budget, the power laws in C, outliers, sensitivity) and where N came from."""

    fit: fit.IsoflopFit
    N_from: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: what ``scalingviz fit-isoflop --json`` prints."""
        return {**self.fit.to_dict(), "N_from": self.N_from}


def approach2(table: Mapping[str, Any], columns: Mapping[str, str] | None = None, *, budget_column: str | None = None,
              method: str = "parabola", tolerance: float = 0.05, skip_small: bool = False,
              drop_outliers: bool = False, drop_unbracketed: bool = False) -> Approach2Report:
    """N* and D* per compute budget, then power laws in C (Hoffmann et al. 2022, Approach 2).

    Parameters
    ----------
    table : mapping
        Columns by name (:func:`scalingviz.datasets.read_table`): compute C [FLOP], loss, and N
        [params] or D [tokens] or both (N = C/(6D) when N is missing).
    columns : mapping, optional
        ``{"C": "flops", ...}``: which column holds each of C, N, D, loss (default: their own names).
    budget_column : str, optional
        A column of budget labels (default: runs whose C agree within ``tolerance`` form a budget).
    method, tolerance, skip_small, drop_outliers, drop_unbracketed
        As :func:`scalingviz.fit.fit_isoflop`.

    Examples
    --------
    >>> import numpy as np
    >>> from scalingviz import get_preset
    >>> law = get_preset("hoffmann2022")
    >>> C = np.repeat([1e19, 1e20, 1e21], 7)
    >>> N = np.concatenate([np.geomspace(0.2, 5, 7) * law.compute_optimal(c)["N_opt"] for c in (1e19, 1e20, 1e21)])
    >>> r = approach2({"C": C, "N": N, "loss": law.loss(N, C / (6 * N))})
    >>> round(r.fit.a, 2)  # Chinchilla's closed form gives N* ~ C^0.45
    0.45
    """
    name = {k: (columns or {}).get(k, k) for k in ("C", "N", "D", "loss")}
    missing = [k for k in ("C", "loss") if name[k] not in table]
    if name["N"] not in table and name["D"] not in table:
        missing.append("N or D")
    if missing:
        raise InputError(f"columns: missing {', '.join(missing)}; the columns are {', '.join(map(repr, table))}; "
                         "map yours (C=..., N=... or D=..., loss=...)")
    if budget_column is not None and budget_column not in table:
        raise InputError(f"budget_column: {budget_column!r} is not a column; the columns are "
                         f"{', '.join(map(repr, table))}")
    C = _check_numeric(name["C"], table[name["C"]])
    loss = _check_numeric(name["loss"], table[name["loss"]])
    D = _check_numeric(name["D"], table[name["D"]]) if name["D"] in table else None
    N = _check_numeric(name["N"], table[name["N"]]) if name["N"] in table else C / (6 * D)
    res = fit.fit_isoflop(C, N, loss, D=D, budget=None if budget_column is None else table[budget_column],
                          method=method, tolerance=tolerance, skip_small=skip_small, drop_outliers=drop_outliers,
                          drop_unbracketed=drop_unbracketed)
    return Approach2Report(res, "column" if name["N"] in table else "N = C/(6D)")
