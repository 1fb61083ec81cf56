"""scalingviz: the scaling laws of language-model training, cited, vectorised and visual.

The core (this package minus :mod:`scalingviz.ui`) is pure numpy/scipy and never imports
ipywidgets, plotly or pandas at import time.

>>> import scalingviz as sv
>>> law = sv.get_preset("hoffmann2022")
>>> round(law.loss(70e9, 1.4e12), 3)
1.937
"""

from . import compute, laws, units
from .presets import PRESETS, Citation, FittedRange, Param, Preset, get_preset, preset_names, register
from .units import format_quantity, parse_quantity

__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "Citation",
    "FittedRange",
    "Param",
    "Preset",
    "__version__",
    "compute",
    "format_quantity",
    "get_preset",
    "laws",
    "parse_quantity",
    "preset_names",
    "register",
    "units",
]
