"""Your own laws: entry points of the group ``scalingviz.laws`` and ``--plugin`` files or modules."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from ..presets import PRESETS, Preset, register
from .parser import UsageError

#: Commands that use no law: installed plugins (entry points) are not imported for them.
NO_LAW_COMMANDS = frozenset({"data", "dashboard", "fit-batch", "fit-isoflop"})


def _import_plugin(spec: str):
    """A ``--plugin``: a path to a ``.py`` file (imported from that file alone, under a private module name,
    so it can shadow nothing), or the name of a module already importable from the Python path. The
    working directory is never added to the path."""
    import importlib
    import importlib.util
    from pathlib import Path

    if not spec.strip():
        raise UsageError("--plugin: '' is empty; give a .py file (--plugin path/to/mylaws.py) or a module name")
    path = Path(spec)
    try:
        if spec.endswith(".py") or "/" in spec or "\\" in spec:
            if not path.is_file():
                raise UsageError(f"--plugin: {spec!r} is not a file; give a .py file such as ./mylaws.py")
            name = f"scalingviz_plugin_{abs(hash(str(path.resolve())))}"
            module_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[name] = module
            module_spec.loader.exec_module(module)
            return module
        return importlib.import_module(spec)
    except UsageError:
        raise
    except ImportError as exc:
        raise UsageError(f"--plugin: cannot import {spec!r} ({exc}); give a .py file (--plugin ./{spec}.py) or a "
                         "module installed on the Python path") from None
    except Exception as exc:  # a plugin is code: its own error, in one line
        raise UsageError(f"--plugin: {spec!r} failed while loading: {type(exc).__name__}: {exc}") from None


def load_plugins(modules: Sequence[str] = (), *, entry_points_too: bool = True) -> list[str]:
    """Register user laws: every entry point of the group ``scalingviz.laws`` (unless
    ``entry_points_too`` is False), then each ``--plugin`` (a ``.py`` file by path, or a module name on
    the Python path). **A plugin is code and runs when loaded**; nothing is read from the working
    directory unless you name a file there.

    An entry point or module may register its presets itself when imported, or be (or return)
    a :class:`~scalingviz.presets.Preset` or a list of them, which are registered here. Returns
    the names of the presets added.
    """
    from importlib.metadata import entry_points

    before = set(PRESETS)

    def take(obj: Any) -> None:
        if callable(obj) and not isinstance(obj, Preset) and not hasattr(obj, "__file__"):
            obj = obj()
        items = obj if isinstance(obj, (list, tuple)) else [obj]
        for item in items:
            if isinstance(item, Preset) and PRESETS.get(item.name) is not item:
                register(item, overwrite=True)  # a published name is refused by register itself

    for ep in entry_points(group="scalingviz.laws") if entry_points_too else ():
        try:
            take(ep.load())
        except Exception as exc:  # a broken plugin must not break the command: say so and go on
            print(f"scalingviz: warning: plugin {ep.name!r} ({ep.value}) failed to load: {exc}", file=sys.stderr)
    for name in modules:
        module = _import_plugin(name)
        take(getattr(module, "LAWS", module))
    return [n for n in PRESETS if n not in before]
