"""scalingviz: the scaling laws of language-model training, cited, vectorised and visual.

The core (this package minus :mod:`scalingviz.ui`) is pure numpy/scipy and never imports
ipywidgets, plotly or pandas at import time.

>>> import scalingviz as sv
>>> law = sv.get_preset("hoffmann2022")
>>> round(law.loss(70e9, 1.4e12), 3)
1.937
"""

import importlib

from . import compute, laws, units
from .errors import InputError
from .laws.forms import LawForm, get_form, register_form
from .presets import PRESETS, Citation, FittedRange, Param, Preset, get_preset, preset_names, register
from .units import format_quantity, parse_quantity

#: Submodules loaded on first use (``sv.fit``, ``sv.plan``...), so that ``import scalingviz`` stays light.
_LAZY = ("course", "datasets", "fit", "plan", "serialize", "uncertainty")


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'scalingviz' has no attribute {name!r}")

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
