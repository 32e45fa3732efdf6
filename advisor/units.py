"""Parsing and formatting of the sizes people type and read (``5k``, ``1.2M``, ``24 GiB``)."""

from __future__ import annotations

import math
import re

from advisor.errors import InvalidValueError

GIB = 1024**3
MIB = 1024**2
GB = 1000**3

_SUFFIX = {"": 1, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
_COUNT = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([kmbgt]?)\s*$", re.IGNORECASE)


def parse_count(text: str, what: str = "value") -> int:
    """Parse a non-negative count such as ``0``, ``800``, ``5k``, ``1.2M``, ``3B``, ``12_000``.

    Raises InvalidValueError (exit 2) for negatives and anything unparsable.
    """
    cleaned = text.replace("_", "").replace(",", "")
    if cleaned.strip().startswith("-"):
        raise InvalidValueError(f"{what} must not be negative, got {text!r}", "use 0 or more")
    match = _COUNT.match(cleaned)
    if not match:
        raise InvalidValueError(
            f"cannot read {what} {text!r}", "write a number like 800, 5k, 1.2M or 3B"
        )
    value = float(match.group(1)) * _SUFFIX[match.group(2).lower()]
    if not math.isfinite(value):
        raise InvalidValueError(f"{what} {text!r} is not finite", "write a finite number")
    return round(value)


def parse_gib(text: str, what: str = "memory") -> float:
    """Parse a positive amount of memory in GiB (``24``, ``24GB``, ``24 GiB``, ``0.5``)."""
    cleaned = re.sub(r"\s*(gib|gb|g)\s*$", "", text.strip(), flags=re.IGNORECASE)
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidValueError(
            f"cannot read {what} {text!r}", "give a size in GiB, e.g. 24"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise InvalidValueError(f"{what} must be a positive size in GiB, got {text!r}", None)
    return value


def format_bytes(n: float | None) -> str:
    """Human size in binary units: ``15.3 GiB``, ``512 MiB``; ``unknown`` for None."""
    if n is None:
        return "unknown"
    for unit, size in (("TiB", 1024**4), ("GiB", GIB), ("MiB", MIB), ("KiB", 1024)):
        if abs(n) >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def format_count(n: float | None) -> str:
    """Short count: ``8.0B``, ``335M``, ``12k``; ``unknown`` for None."""
    if n is None:
        return "unknown"
    units = (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3))
    for index, (unit, size) in enumerate(units):
        if abs(n) >= size:
            value = n / size
            text = f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"
            if text.startswith("1000") and index > 0:  # 999.9M rounds up: say 1.0B
                bigger, bigger_size = units[index - 1]
                return f"{n / bigger_size:.1f}{bigger}"
            return text
    return f"{n:.0f}"


def format_hours(hours: float | None, unknown: str = "unknown") -> str:
    """A duration for people: ``2.4 h``, ``35 min``, ``40 s``, ``3.2 days``."""
    if hours is None:
        return unknown
    if hours >= 48:
        return f"{hours / 24:.1f} days"
    if hours >= 1:
        return f"{hours:.1f} h"
    if hours * 60 >= 1:
        return f"{hours * 60:.0f} min"
    return f"{max(hours * 3600, 1):.0f} s"
