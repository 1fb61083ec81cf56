"""The two array helpers every numeric module shares.

Scalars in give floats out; arrays broadcast. Kept in a module of its own so that ``units``,
``compute`` and the law modules can all import it without importing each other.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InputError, shown

__all__ = ["as_float", "scalar_or_array"]


def as_float(x: ArrayLike) -> NDArray:
    """``np.asarray(x, dtype=float)``; what numpy cannot read as numbers (text, None, a dict, an int
    beyond a float's range) is an :class:`~scalingviz.errors.InputError` quoting it."""
    try:
        if x is None:
            raise TypeError
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{shown(x)} is not a number or an array of numbers") from None


def scalar_or_array(x: ArrayLike) -> float | NDArray:
    """A 0-d result as a Python float, anything else as an array (scalars in give floats out)."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x
