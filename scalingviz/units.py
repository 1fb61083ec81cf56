"""Units, conversions and human-readable numbers.

Units are the most common source of confusion with scaling laws, so every
conversion the package performs lives here and is named for what it does:

* compute: FLOP <-> PF-day (1 PF-day = 1e15 FLOP/s x 86400 s = 8.64e19 FLOP),
* batch size: tokens <-> sequences (x sequence length),
* loss: nats <-> bits (1 nat = 1/ln 2 bits),
* numbers: ``"7B"`` <-> ``7e9``,
* parameter counts: what N counts (:class:`NCount`) and :func:`convert_N` between the counts.

Scalars in give floats out; arrays broadcast.
"""

from __future__ import annotations

import enum
import math
import re

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._arrays import scalar_or_array as _out
from .errors import InputError, shown

__all__ = [
    "NCount",
    "PF_DAY",
    "SUFFIXES",
    "bits_to_nats",
    "convert_N",
    "flop_to_pfdays",
    "format_flop",
    "format_number",
    "format_quantity",
    "nats_to_bits",
    "parse_quantity",
    "pfdays_to_flop",
    "sequences_to_tokens",
    "tokens_to_sequences",
]

#: One petaflop/s-day in FLOP: 1e15 FLOP/s for 24 h (Kaplan et al. 2020, Sec. 1.3). A unit
#: definition, not a fitted constant.
PF_DAY: float = 1e15 * 24 * 3600

#: Multipliers accepted by :func:`parse_quantity` (case-sensitive where it matters:
#: ``M`` is mega, ``m`` is rejected to avoid milli/mega confusion).
SUFFIXES: dict[str, float] = {
    "k": 1e3,
    "K": 1e3,
    "M": 1e6,
    "B": 1e9,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
}



class NCount(enum.Enum):
    """What a parameter count N counts.

    ``TOTAL`` includes the embedding (and unembedding) matrices (Chinchilla, Epoch, Step Law);
    ``NON_EMBEDDING`` leaves them out (Kaplan et al. 2020, Su et al. 2024); ``AS_GIVEN`` is a law
    fitted to a user's runs, whose N counts whatever their column counts: it is never converted.

    Examples
    --------
    >>> NCount.of("total (the paper's nominal 400M model)")
    <NCount.TOTAL: 'total'>
    >>> NCount.of("as in your runs")
    <NCount.AS_GIVEN: 'as given'>
    """

    TOTAL = "total"
    NON_EMBEDDING = "non-embedding"
    AS_GIVEN = "as given"

    @classmethod
    def of(cls, convention: str | NCount) -> NCount:
        """The count a preset's ``N_convention`` text names (its first words say which)."""
        if isinstance(convention, NCount):
            return convention
        text = str(convention).strip().lower()
        for prefix, count in (("total", cls.TOTAL), ("non-embedding", cls.NON_EMBEDDING), ("as in your", cls.AS_GIVEN),
                              ("as given", cls.AS_GIVEN)):
            if text.startswith(prefix):
                return count
        raise InputError(f"N_convention: {shown(convention)} names no parameter count; expected text starting with "
                         "'total', 'non-embedding' or 'as in your' (runs, data)")


def convert_N(N: float, given: NCount | str, wanted: NCount | str, embedding: float = 0.0) -> float:
    """N counted as ``given``, re-counted as ``wanted``, with ``embedding`` embedding parameters.

    Total = non-embedding + embedding. A count ``AS_GIVEN`` on either side is not converted (a fit
    to your runs counts N as your runs do). A non-embedding count is at least 1.

    Parameters
    ----------
    N : float
        The parameter count [params].
    given, wanted : NCount or str
        What N counts, and what the answer should count (an :class:`NCount` or its value).
    embedding : float
        Embedding parameters [params], >= 0.

    Examples
    --------
    >>> convert_N(7e9, "total", "non-embedding", embedding=0.5e9)
    6500000000.0
    """
    g, w = NCount.of(given), NCount.of(wanted)
    if g is w or NCount.AS_GIVEN in (g, w):
        return float(N)
    if w is NCount.NON_EMBEDDING:
        return max(float(N) - embedding, 1.0)
    return float(N) + embedding


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_QUANTITY_RE = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]?)\s*$")


def flop_to_pfdays(C: ArrayLike) -> float | NDArray:
    """Convert compute from FLOP to PF-days.

    Parameters
    ----------
    C : array_like
        Compute [FLOP].

    Returns
    -------
    float or ndarray
        Compute [PF-day]; 1 PF-day = 8.64e19 FLOP.
    """
    return _out(np.asarray(C, dtype=float) / PF_DAY)


def pfdays_to_flop(C_pfdays: ArrayLike) -> float | NDArray:
    """Convert compute from PF-days to FLOP (inverse of :func:`flop_to_pfdays`)."""
    return _out(np.asarray(C_pfdays, dtype=float) * PF_DAY)


def tokens_to_sequences(B_tokens: ArrayLike, seq_len: ArrayLike) -> float | NDArray:
    """Batch size in sequences from a batch size in tokens.

    Parameters
    ----------
    B_tokens : array_like
        Batch size [tokens].
    seq_len : array_like
        Sequence (context) length [tokens/sequence].
    """
    return _out(np.asarray(B_tokens, dtype=float) / np.asarray(seq_len, dtype=float))


def sequences_to_tokens(B_sequences: ArrayLike, seq_len: ArrayLike) -> float | NDArray:
    """Batch size in tokens from a batch size in sequences of ``seq_len`` tokens."""
    return _out(np.asarray(B_sequences, dtype=float) * np.asarray(seq_len, dtype=float))


def nats_to_bits(L_nats: ArrayLike) -> float | NDArray:
    """Cross-entropy in bits from nats (divide by ln 2)."""
    return _out(np.asarray(L_nats, dtype=float) / math.log(2.0))


def bits_to_nats(L_bits: ArrayLike) -> float | NDArray:
    """Cross-entropy in nats from bits (multiply by ln 2)."""
    return _out(np.asarray(L_bits, dtype=float) * math.log(2.0))


def parse_quantity(text: str | float | int, name: str = "value") -> float:
    """Parse a human-written count such as ``"7B"``, ``"1.4T"``, ``"300M"`` or ``"2e19"``.

    Suffixes: k/K = 1e3, M = 1e6, B/G = 1e9, T = 1e12, P = 1e15. A space between
    the number and the suffix is allowed (``"7 B"``). Decimal commas (``"1,4T"``) and
    thousands separators are rejected, because they are ambiguous.

    Parameters
    ----------
    text : str or number
        What the user typed. Numbers pass through (after a finiteness check).
    name : str
        The input's name, used in the error message.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the text is not a finite number with an optional known suffix. The message
        names the input and quotes the text.

    Examples
    --------
    >>> parse_quantity("7B")
    7000000000.0
    >>> parse_quantity("5.76e+23")
    5.76e+23
    """
    if isinstance(text, bool):
        raise InputError(f"{name}: {text!r} is not a number; expected e.g. 7B, 1.4T, 300M or 2e19")
    if isinstance(text, (int, float, np.integer, np.floating)):
        try:
            value = float(text)
        except OverflowError:  # an int beyond a float's range
            raise InputError(f"{name}: {shown(text)} is out of range; expected a finite number such as 7B or 2e19") from None
    elif not isinstance(text, str):
        raise InputError(f"{name}: {shown(text)} is not a number; expected e.g. 7B, 1.4T, 300M or 2e19")
    else:
        s = str(text)
        m = _QUANTITY_RE.match(s)
        if m is None:
            hint = ""
            if "," in s:
                hint = " (use a decimal point and no thousands separators, e.g. 1.4T)"
            raise InputError(
                f"{name}: {s!r} is not a number; expected e.g. 7B, 1.4T, 300M or 2e19{hint}"
            )
        number, suffix = m.groups()
        if suffix and suffix not in SUFFIXES:
            raise InputError(
                f"{name}: {s!r} has an unknown suffix {suffix!r}; valid suffixes are "
                f"{', '.join(SUFFIXES)} (e.g. 7B, 1.4T, 300M)"
            )
        value = float(number) * SUFFIXES.get(suffix, 1.0)
    if not math.isfinite(value):
        raise InputError(f"{name}: {shown(text)} is not finite; expected a finite number such as 7B or 2e19")
    return value


_FORMAT_STEPS = (("P", 1e15), ("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3))


def format_quantity(x: float, digits: int = 3) -> str:
    """Format a count for people: ``7e9 -> "7B"``, ``1.4e12 -> "1.4T"``, ``2e25 -> "2e+25"``.

    Counts from 1e3 up to 1e18 get a suffix (k, M, B, T, P); larger or smaller magnitudes
    use scientific notation. ``digits`` is the number of significant digits.
    """
    try:
        x = float(x)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"x: {shown(x)} is not a number; format_quantity formats numbers") from None
    if not math.isfinite(x):
        return str(x)
    ax = abs(x)
    if ax >= 1e18 or (0 < ax < 1e-3):
        return f"{x:.{digits}g}"
    for suffix, scale in _FORMAT_STEPS:
        if ax >= scale:
            return f"{x / scale:.{digits}g}{suffix}"
    return f"{x:.{digits}g}"


def format_number(x: float | None, unit: str = "", digits: int = 4, *, html: bool = False) -> str:
    """The one formatter for numbers shown to people, in the CLI and the dashboard.

    Counts of 1e3 and more get a suffix (:func:`format_quantity`), smaller numbers ``digits``
    significant digits; ``unit`` follows after a space (``&nbsp;`` with ``html=True``). None and
    NaN read as a dash (``&ndash;`` in HTML), infinities as ``inf``.
    """
    if x is None or math.isnan(float(x)):
        return "&ndash;" if html else "-"
    x = float(x)
    if not math.isfinite(x):
        text = "inf" if x > 0 else "-inf"
    else:
        text = format_quantity(x, digits) if abs(x) >= 1e3 else f"{x:.{digits}g}"
    if not unit:
        return text
    return f"{text}&nbsp;{unit}" if html else f"{text} {unit}"


def format_flop(C: float, digits: int = 3) -> str:
    """Format compute with both units, e.g. ``"5.76e+23 FLOP (6.67e+03 PF-days)"``."""
    return f"{float(C):.{digits}g} FLOP ({float(C) / PF_DAY:.{digits}g} PF-days)"
