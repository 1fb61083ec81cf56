"""Recipe for data/datablations_fit_muennighoff2023/datablations_runs_182.csv.

The 182 runs Muennighoff et al. 2023 fitted their data-constrained law to: final validation losses
by run name in ``NAMES_TO_VAL_LOSSES`` of ``utils/parametric_fit.ipynb`` in huggingface/datablations at
13701315b163f1c54642b94ad237b2699187c3ee (Apache-2.0). The notebook defines that dictionary three times
(296, 182 and 175 runs); the copy taken is the last one defined before the fit whose stored output
reads R_D* = 15.387756, R_N* = 5.309743 ("Samples: 182", cell 29 of 114). Runs are decoded with the
notebook's own ``PARAMS_MAP`` and ``TOKENS_MAP`` and its naming rule (``<params><tokens><unique>``, e.g.
``2b855b9b`` = 2.81e9 parameters, 55e9 tokens, 9e9 unique tokens; seed and variant suffixes dropped;
runs with loss 0 (unfinished) and ``dedup`` runs left out, as the notebook does before its fit).

Usage: python data/make_datablations_runs.py PATH/TO/parametric_fit.ipynb

The dictionaries are read with :func:`ast.literal_eval`; nothing in the notebook is executed.
"""

from __future__ import annotations

import ast
import csv
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "datablations_fit_muennighoff2023" / "datablations_runs_182.csv"
SUFFIXES = ("op2", "seed1", "seed2", "seed3", "seed4", "opt1", "opt", "c4", "v2")  # in the notebook's order


def _dicts(source: str) -> dict[str, dict]:
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def _count(text: str, tokens_map: dict[str, float]) -> float:
    """A count in billions written as ``55b``, ``4b8`` (4.8) or a name in TOKENS_MAP (``400m``, ``1b25``)."""
    value = tokens_map[text] if text in tokens_map else float(text.replace("b", ".").strip("."))
    return value * 1e9


def decode(name: str, params_map: dict[str, float], tokens_map: dict[str, float]) -> tuple[float, float, float]:
    """(parameters, tokens, unique tokens) of a run name, by the notebook's rule."""
    for suffix in SUFFIXES:
        name = name.replace(suffix, "")
    cut = next(i for i in range(2, len(name) + 1) if name[:i] in params_map)
    # the unique-token count is the name's last 4 characters (3 when the last but one is a unit
    # letter), shortened until it holds one unit letter
    k = len(name) - (3 if name[-1] not in "bm" and name[-2] in "bm" else 4)
    while name[k:].count("b") > 1 or name[k:].count("m") > 1:
        k += 1
    return params_map[name[:cut]], _count(name[cut:k], tokens_map), _count(name[k:], tokens_map)


def main(notebook: str) -> None:
    cells = json.loads(Path(notebook).read_text())["cells"]
    text = ["".join(c["source"]) for c in cells]
    outputs = ["".join("".join(o.get("text", [])) for o in c.get("outputs", [])) for c in cells]
    fit_cell = next(i for i, out in enumerate(outputs) if "15.387756, 5.309743" in out and "Samples:  182" in out)
    source = next(text[i] for i in range(fit_cell, -1, -1) if "NAMES_TO_VAL_LOSSES = {" in text[i])
    d = _dicts(source)
    rows = []
    for name, loss in d["NAMES_TO_VAL_LOSSES"].items():
        if loss == 0 or name.endswith("dedup"):
            continue
        N, D, U = decode(name, d["PARAMS_MAP"], d["TOKENS_MAP"])
        rows.append((name, N, D, U, loss))
    with OUT.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "params", "tokens", "unique_tokens", "val_loss"])
        for name, N, D, U, loss in rows:
            w.writerow([name, repr(N), repr(D), repr(U), repr(loss)])
    print(f"{len(rows)} runs -> {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("Usage: ")[1].split("\n")[0])
    main(sys.argv[1])
