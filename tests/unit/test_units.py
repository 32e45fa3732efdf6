"""Sizes and durations as people type and read them."""

from __future__ import annotations

import pytest

from advisor.errors import InvalidValueError
from advisor.units import format_count, format_hours, parse_count, parse_gib


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("800", 800), ("5k", 5000), ("1.2M", 1_200_000), ("3B", 3_000_000_000),
     ("12_000", 12000), ("2,500", 2500), (".5k", 500)],
)  # fmt: skip
def test_counts(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["-5", "five", "1.2.3", "5x", "", "inf"])
def test_bad_counts_are_usage_errors(text: str) -> None:
    with pytest.raises(InvalidValueError):
        parse_count(text)


def test_gib() -> None:
    assert parse_gib("24") == 24
    assert parse_gib("24GB") == 24
    assert parse_gib("0.5 GiB") == 0.5
    for bad in ("-8", "0", "lots", "nan"):
        with pytest.raises(InvalidValueError):
            parse_gib(bad)


@pytest.mark.parametrize(
    ("hours", "text"),
    [(None, "unknown"), (0.0001, "1 s"), (0.01, "36 s"), (0.5, "30 min"), (2.44, "2.4 h"),
     (72, "3.0 days")],
)  # fmt: skip
def test_durations_read_naturally(hours: float | None, text: str) -> None:
    assert format_hours(hours) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [(None, "unknown"), (999_885_952, "1.0B"), (494_032_768, "494M"), (8_030_261_248, "8.0B"),
     (134_515_008, "135M"), (12_000, "12.0k"), (950, "950"), (999_999, "1.0M")],
)  # fmt: skip
def test_counts_read_naturally(n: float | None, text: str) -> None:
    assert format_count(n) == text
