"""Dates in scenario files: months written YYYY-MM, time in years (float, months as twelfths)."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

_YM = re.compile(r"^(\d{4})-(\d{2})$")


def parse_year_month(value: str) -> float:
    """``"2023-04"`` -> 2023.25 (time in years, months as twelfths)."""
    m = _YM.match(value)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"{value!r} is not a date of the form YYYY-MM")
    return int(m.group(1)) + (int(m.group(2)) - 1) / 12.0


def format_year_month(year: float) -> str:
    """2023.25 -> ``"2023-04"`` (rounded to the nearest month)."""
    months = round(year * 12)
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def _coerce_year_month(value: Any) -> Any:
    # YAML turns 2023-04-01 into a date; accept it and keep the month.
    if isinstance(value, _dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        parse_year_month(value)
    return value
