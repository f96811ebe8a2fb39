"""Numbers, dates and codes as spoken Vietnamese, for reading a result aloud.

A speech engine left to itself reads ``20/11/2026`` as a fraction and ``000.00.20.H30`` as a
number with decimals, so everything is put into words here first: the due date as a person
says it ("ngày hai mươi, tháng mười một, năm hai nghìn không trăm hai mươi sáu") and the code
one character at a time, so a citizen can follow it on the receipt.

num2words (``lang="vi"``) was checked and is not used: it reads 2026 as "hai nghìn lẻ hai
mươi sáu" and 1010 as "một nghìn lẻ mười", where Vietnamese says "không trăm" for an empty
hundreds place after thousands ("hai nghìn không trăm hai mươi sáu").

The rules, as taught in Vietnamese schools: tens are "mười" (10-19) or "<digit> mươi"; after
"mươi" a 1 is "mốt", a 4 "tư" and a 5 "lăm"; after "mười" a 5 is "lăm"; an empty tens place
between hundreds and units is "lẻ" (the southern usage, as in Hậu Giang; the north says
"linh"); groups of three digits are named nghìn, triệu, tỷ, and a group after the first keeps
its "không trăm".
"""

from __future__ import annotations

import datetime as dt

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ("", "nghìn", "triệu")
BILLION = "tỷ"
LETTERS = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "E": "e", "F": "ép", "G": "giê", "H": "hát",
    "I": "i", "J": "gi", "K": "ca", "L": "e-lờ", "M": "em-mờ", "N": "en-nờ", "O": "o",
    "P": "pê", "Q": "quy", "R": "e-rờ", "S": "ét-xì", "T": "tê", "U": "u", "V": "vê",
    "W": "vê kép", "X": "ích-xì", "Y": "i dài", "Z": "dét",
}  # fmt: skip
"""Letters as Vietnamese names them (H is "hát", G "giê")."""
MARKS = {".": "chấm", "-": "gạch ngang", "/": "gạch chéo", "+": "cộng", " ": "cách"}


def _units_after_tens(unit: int) -> list[str]:
    return [] if unit == 0 else [{1: "mốt", 4: "tư", 5: "lăm"}.get(unit, DIGITS[unit])]


def _group(number: int, *, inner: bool) -> list[str]:
    """Words of 0 < ``number`` < 1000; ``inner`` when a larger group comes before it."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words: list[str] = []
    if hundreds or inner:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += ["lẻ", DIGITS[units]] if words else [DIGITS[units]]
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi", *_units_after_tens(units)]
    return words


def number_words(number: int) -> str:
    """A whole number from 0 up, in Vietnamese words."""
    if number < 0:
        raise ValueError(f"no words for a negative number: {number}")
    if number == 0:
        return DIGITS[0]
    billions, rest = divmod(number, 1_000_000_000)
    words: list[str] = []
    if billions:
        words += [number_words(billions), BILLION]
    for power in (2, 1, 0):
        group = rest // 1000**power % 1000
        if group:
            words += _group(group, inner=bool(words))
            if SCALES[power]:
                words.append(SCALES[power])
    return " ".join(words)


def date_words(day: dt.date) -> str:
    """ "ngày hai mươi, tháng mười một, năm hai nghìn không trăm hai mươi sáu"."""
    month = "tư" if day.month == 4 else number_words(day.month)
    return f"ngày {number_words(day.day)}, tháng {month}, năm {number_words(day.year)}"


def time_words(moment: dt.time) -> str:
    """ "mười sáu giờ ba mươi" (and "chín giờ" on the hour)."""
    words = f"{number_words(moment.hour)} giờ"
    return words + (f" {number_words(moment.minute)}" if moment.minute else "")


def spell_code(code: str) -> str:
    """A code one character at a time: "không, không, chấm, ... hát, ba, không"."""
    spoken = []
    for char in code.upper():
        if char.isdigit():
            spoken.append(DIGITS[int(char)])
        elif char in LETTERS:
            spoken.append(LETTERS[char])
        elif char in MARKS:
            spoken.append(MARKS[char])
    return ", ".join(spoken)
