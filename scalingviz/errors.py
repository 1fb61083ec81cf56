"""The package's one error for bad input.

:class:`InputError` is a :class:`ValueError` raised where input enters (a CLI flag, a plan field,
a CSV column, a law's constants) with a message naming the input, its value and the valid range.
The CLI turns it into exit status 2; any other exception is a bug and shows as one.
"""

from __future__ import annotations

import re

__all__ = ["InputError", "as_array", "as_number", "shown"]

#: Longest stretch of a user's value an error message quotes (a share link or a file can carry megabytes).
SHOWN = 40


def shown(value: object) -> str:
    """``repr(value)`` for a message, cut to its first :data:`SHOWN` characters and its length when longer."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= SHOWN:
        return repr(value)
    return repr(text[:SHOWN]) + f"... ({len(text):,} characters)"


# A stretch without spaces longer than any path or value a message should carry whole.
_LONG_WORD = re.compile(r"\S{" + str(5 * SHOWN) + ",}")


class InputError(ValueError):
    """Bad input: the message names the input, its value and the valid range.

    A stretch without spaces longer than ``5 * SHOWN`` characters is cut in the message (see also
    :func:`shown`), so a 30,000-character share-link value or CSV cell is named, not echoed whole.
    """

    def __init__(self, message: object = "", *args: object) -> None:
        if isinstance(message, str) and len(message) > 5 * SHOWN:
            message = _LONG_WORD.sub(lambda m: f"{m.group(0)[:SHOWN + 1]}... ({len(m.group(0)):,} characters)", message)
        super().__init__(message, *args)


def as_array(name: str, value: object, *, zero: bool = False, inf: bool = False):
    """``value`` as a float numpy array, or an :class:`InputError` naming ``name``: not a number (text,
    None, a dict, an int too large for a float), empty, below its range (negative, or zero unless
    ``zero``) or infinite (unless ``inf``). NaN passes through and gives NaN where it stands, as in
    numpy. The entry points call it; the pure numpy functions under them do not."""
    import numpy as np

    try:
        if value is None:
            raise TypeError
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name}: {shown(value)} is not a number or an array of numbers") from None
    if a.size == 0:
        raise InputError(f"{name}: an empty array; give at least one value")
    bad = (a < 0) if zero else (a <= 0)
    if not inf:
        bad = bad | np.isinf(a)
    if bad.any():
        rng = ("0 or more" if zero else "more than 0") + (" (inf allowed)" if inf else ", finite")
        raise InputError(f"{name}: {a[bad].flat[0]:g} is out of range; expected {rng}")
    return a


def as_number(name: str, value: object, lo: float, hi: float, *, what: str = "") -> float:
    """``value`` as one float in [lo, hi], or an :class:`InputError` naming ``name``, the value and the range."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise InputError(f"{name}: {shown(value)} is not a number; expected {lo:g} to {hi:g}{what}")
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name}: {shown(value)} is out of range; expected {lo:g} to {hi:g}{what}") from None
    if not (math.isfinite(x) and lo <= x <= hi):
        raise InputError(f"{name}: {shown(value)} is out of range; expected {lo:g} to {hi:g}{what}")
    return x
