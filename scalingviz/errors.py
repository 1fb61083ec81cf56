"""The package's one error for bad input.

:class:`InputError` is a :class:`ValueError` raised where input enters (a CLI flag, a plan field,
a CSV column, a law's constants) with a message naming the input, its value and the valid range.
The CLI turns it into exit status 2; any other exception is a bug and shows as one.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad input: the message names the input, its value and the valid range."""
