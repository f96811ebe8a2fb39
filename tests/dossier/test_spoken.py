"""Vietnamese number words, checked against an independent reading of them for every number
up to a hundred thousand, and dates and codes as a person reads them."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier import date_words, number_words, spell_code, time_words

VALUES = {
    "không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5,
    "lăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
}  # fmt: skip
SCALE = {"nghìn": 1000, "triệu": 1_000_000, "tỷ": 1_000_000_000}


def read(words: str) -> int:
    """The number some Vietnamese words say: a reader written apart from the one under test."""
    total, group, digit = 0, 0, 0
    for word in words.split():
        if word in VALUES:
            digit = VALUES[word]
            group += digit
        elif word == "mười":
            group += 10
        elif word == "mươi":
            group += digit * 9  # the digit was added as units; it was tens
        elif word == "trăm":
            group += digit * 99
        elif word == "lẻ":
            continue
        elif word in SCALE:
            total = (total + group) * SCALE[word] if word == "tỷ" else total + group * SCALE[word]
            group = 0
        else:
            raise AssertionError(f"not a number word: {word!r} in {words!r}")
    return total + group


def test_every_number_up_to_a_hundred_thousand_reads_back() -> None:
    for number in range(100_001):
        assert read(number_words(number)) == number, number_words(number)


@given(st.integers(min_value=0, max_value=10**15))
def test_large_numbers_read_back(number: int) -> None:
    assert read(number_words(number)) == number


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (101, "một trăm lẻ một"),
        (110, "một trăm mười"),
        (1000, "một nghìn"),
        (1005, "một nghìn không trăm lẻ năm"),
        (1010, "một nghìn không trăm mười"),
        (2026, "hai nghìn không trăm hai mươi sáu"),
        (2100, "hai nghìn một trăm"),
        (1_000_005, "một triệu không trăm lẻ năm"),
        (3_000_000_000, "ba tỷ"),
    ],
)
def test_numbers_as_vietnamese_says_them(number: int, words: str) -> None:
    assert number_words(number) == words


def test_no_words_for_a_negative_number() -> None:
    with pytest.raises(ValueError, match="negative"):
        number_words(-1)


def test_dates_times_and_codes() -> None:
    assert date_words(dt.date(2026, 11, 20)) == (
        "ngày hai mươi, tháng mười một, năm hai nghìn không trăm hai mươi sáu"
    )
    assert date_words(dt.date(2025, 4, 1)) == (
        "ngày một, tháng tư, năm hai nghìn không trăm hai mươi lăm"
    )
    assert time_words(dt.time(16, 30)) == "mười sáu giờ ba mươi"
    assert time_words(dt.time(9, 0)) == "chín giờ"
    assert spell_code("H30.20-1") == "hát, ba, không, chấm, hai, không, gạch ngang, một"
