"""scalingviz: the scaling laws of language-model training, cited, vectorised and visual.

The core (this package minus :mod:`scalingviz.ui`) is pure numpy/scipy and never imports
ipywidgets, plotly or pandas at import time.

>>> import scalingviz as sv
>>> law = sv.get_preset("hoffmann2022")
>>> round(law.loss(70e9, 1.4e12), 3)
1.937
"""

import importlib

#: Where each public name lives. Everything loads on first use (``sv.get_preset``, ``sv.fit``...), so
#: that ``import scalingviz`` (and ``scalingviz --help``) stays light: numpy comes with the first law.
_NAMES = {
    "InputError": "errors",
    "LawForm": "laws.forms", "get_form": "laws.forms", "register_form": "laws.forms",
    "PRESETS": "presets", "Citation": "presets", "FittedRange": "presets", "Param": "presets", "Preset": "presets",
    "get_preset": "presets", "preset_names": "presets", "register": "presets",
    "format_quantity": "units", "parse_quantity": "units",
}
_LAZY = ("compute", "course", "datasets", "fit", "laws", "plan", "serialize", "uncertainty", "units", "workflows")


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'scalingviz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_NAMES, *_LAZY])


__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "Citation",
    "FittedRange",
    "InputError",
    "LawForm",
    "Param",
    "Preset",
    "__version__",
    "compute",
    "format_quantity",
    "get_form",
    "get_preset",
    "laws",
    "parse_quantity",
    "preset_names",
    "register",
    "register_form",
    "units",
]
