"""The two array helpers every numeric module shares.

Scalars in give floats out; arrays broadcast. Kept in a module of its own so that ``units``,
``compute`` and the law modules can all import it without importing each other.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["as_float", "scalar_or_array"]


def as_float(x: ArrayLike) -> NDArray:
    """``np.asarray(x, dtype=float)``."""
    return np.asarray(x, dtype=float)


def scalar_or_array(x: ArrayLike) -> float | NDArray:
    """A 0-d result as a Python float, anything else as an array (scalars in give floats out)."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x
