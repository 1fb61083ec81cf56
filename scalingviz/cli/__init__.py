"""The ``scalingviz`` command.

Human-readable text by default; one JSON object with ``--json``. Counts accept
``7B``/``1.4T``/``2e19``. C is in FLOP (``--pf-days`` reads it in PF-days); batch sizes are
in tokens unless ``--batch-sequences`` and ``--seq-len`` are given. Bad input exits with
status 2 and one line naming the flag, the value and the valid range.

One module per kind of command (:mod:`.laws`, :mod:`.fits`, :mod:`.plan`, :mod:`.curves`,
:mod:`.data`); each parses its flags, calls the core or a workflow (:mod:`scalingviz.workflows`)
and renders the report. :mod:`.parser` builds the parser without loading numpy or the laws.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from ..errors import InputError
from .parser import UsageError, build_parser

__all__ = ["UsageError", "build_parser", "load_plugins", "main", "render_plan"]


class _NoError(Exception):
    """Stands in for FitError when only help is asked for (never raised)."""


def __getattr__(name: str):
    if name == "load_plugins":
        from .plugins import load_plugins

        return load_plugins
    if name == "render_plan":
        from .plan import render_plan

        return render_plan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _command(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def _plugin_args(argv: Sequence[str]) -> list[str]:
    out, it = [], iter(argv)
    for a in it:
        if a == "--plugin":
            out.append(next(it, ""))
        elif a.startswith("--plugin="):
            out.append(a.split("=", 1)[1])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input, 1 a fit that failed).

    Bad input (:class:`~scalingviz.errors.InputError`, including argparse's) exits 2 with one line;
    any other exception is a bug in scalingviz and is raised with its traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not {"-h", "--help"} & set(argv) or _plugin_args(argv):
        from ..fit import FitError
    else:  # help alone: nothing is fitted, no law is loaded
        FitError = _NoError  # noqa: N806
    try:
        if FitError is not _NoError:
            from .plugins import NO_LAW_COMMANDS, load_plugins

            load_plugins(_plugin_args(argv), entry_points_too=_command(argv) not in NO_LAW_COMMANDS)
        args = build_parser().parse_args(argv)
        module, name = args.func.split(":")
        getattr(importlib.import_module(f"{__name__}.{module}"), name)(args)
    except InputError as exc:
        print(f"scalingviz: error: {exc}", file=sys.stderr)
        return 2
    except FitError as exc:  # a fit that fails says why, in one line
        print(f"scalingviz: fit failed: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
