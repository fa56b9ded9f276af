"""Numbers as figures and reports print them: three significant figures, thousands and up as
k, M, B, T (1.5e8 is "150M"), and powers of ten only beyond a trillion or below a thousandth
("3.14e25", not "3.14e+25"). Never "150000000.0" or "1.85e+01"."""

from __future__ import annotations

import math
from numbers import Number

import numpy as np

SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
SUFFIX_FROM = 1e4  # 2,030 stays "2030" (a year, a count); 12,000 becomes "12k"
SCIENTIFIC_FROM = 1e15
SCIENTIFIC_BELOW = 1e-3


def _round_significant(value: float, digits: int) -> float:
    exponent = math.floor(math.log10(abs(value)))
    return round(value, digits - 1 - exponent)


def _plain(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant figures in fixed notation, trailing zeros dropped."""
    exponent = math.floor(math.log10(abs(value)))
    text = f"{value:.{max(digits - 1 - exponent, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_number(value, digits: int = 3) -> str:
    """``value`` for a label, a legend or a table cell (see the module docstring); booleans
    as ``true``/``false``, anything not a number as ``str(value)``."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    if not isinstance(value, Number):
        return str(value)
    v = float(value)
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == 0:
        return "0"
    # below 10,000 every integer digit stays: 2034 is not "2030"
    digits = max(digits, math.floor(math.log10(abs(v))) + 1) if abs(v) < SUFFIX_FROM else digits
    v = _round_significant(v, digits)
    a = abs(v)
    if a >= SCIENTIFIC_FROM or a < SCIENTIFIC_BELOW:
        mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    if a >= SUFFIX_FROM:
        scale, suffix = next((s, x) for s, x in SUFFIXES if a >= s)
        return _plain(v / scale, digits) + suffix
    return _plain(v, digits)
