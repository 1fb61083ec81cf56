"""What every command shares: the output (text or one JSON object), tables, file arguments."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .. import units
from ..presets import Preset
from ..serialize import jsonable
from .parser import UsageError


def _emit(payload: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        print(json.dumps(jsonable(payload), allow_nan=False))
    else:
        print(render(payload))


_fmt = units.format_number


def _table(rows: list[tuple[str, str]]) -> str:
    if not rows:
        return "  -"
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def _range_warnings(preset: Preset, **values: float | None) -> list[dict[str, Any]]:
    return [{"code": "EXTRAPOLATION", "message": text, "value": factor}
            for _key, factor, text in preset.fitted_range.describe(preset.name, **values)]


def _warn_lines(warnings: list[dict[str, Any]]) -> str:
    return "".join(f"\n  ! {w['message']}" for w in warnings)


def _batch_tokens(args: argparse.Namespace, flag: str = "--B") -> float | None:
    seqs = getattr(args, "batch_sequences", None)
    seq_len = getattr(args, "seq_len", None)
    if seqs is not None:
        if seq_len is None:
            raise UsageError("--batch-sequences needs --seq-len (tokens per sequence) to convert to tokens")
        if args.B is not None:
            raise UsageError(f"give the batch once: {flag} [tokens] or --batch-sequences with --seq-len, not both")
        return units.sequences_to_tokens(seqs, seq_len)
    return args.B


def _parse_cols(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"--col: {item!r} is not NAME=COLUMN; e.g. --col N='Model Size'")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip().strip("'\"")
    return out


def _limits(items: list[str] | None, flag: str) -> dict[str, float]:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"{flag}: {item!r} is not KEY=VALUE; e.g. {flag} N=1e8 (N, D or C)")
        k, v = item.split("=", 1)
        out[k.strip()] = units.parse_quantity(v.strip(), f"{flag} {k.strip()}")
    return out


def _progress_bar(i: int, n: int) -> None:
    if sys.stderr.isatty():
        print(f"\r  bootstrap {i}/{n}", end="" if i < n else "\n", file=sys.stderr, flush=True)


def _input(path: str):
    """A file argument: a path, or a data set's file as ``NAME/FILE`` (``scalingviz data list``)."""
    from .. import catalog

    return catalog.input_file(path)


def _fractions(flag: str, text: str) -> tuple[float, ...]:
    """Comma-separated fractions in (0, 1), e.g. ``0.1,0.2``."""
    out = []
    for part in text.split(","):
        try:
            v = float(part)
        except ValueError:
            raise UsageError(f"{flag}: {part.strip()!r} is not a number; expected fractions in (0, 1) separated by "
                             "commas, e.g. 0.1,0.2") from None
        if not 0 < v < 1:
            raise UsageError(f"{flag}: {part.strip()!r} is out of range; expected fractions in (0, 1), e.g. 0.1,0.2")
        out.append(v)
    return tuple(out)


def _iv(interval: Sequence[float], fmt: str = ".4f") -> str:
    """An interval as text: ``[low, high]``."""
    return f"[{interval[0]:{fmt}}, {interval[1]:{fmt}}]"
