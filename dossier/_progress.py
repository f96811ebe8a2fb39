"""What is still missing from a code being typed, for a live hint under the field.

A citizen copies ``000.00.20.H30-240115-0001`` from a receipt one key at a time. Telling them
"invalid code" until the last digit is no help; telling them what the next part is ("date:
4 more digits, year month day") is. This works on any prefix of a national code, in either
national family, and names the wrong part as soon as a key makes the code impossible. Codes
of the other families have no fixed template to count against: while one of them could
still be being typed, the hint only says to go on.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from dossier._cleanup import clean
from dossier._codes import CodeError, Family, Problem
from dossier._families import DEFAULT_FAMILIES, CodeFamilies
from dossier._find import parse_query
from dossier._grammars._base import DIGIT
from dossier._grammars.national import National
from dossier._grammars.national_short import NationalShort
from dossier._grammars.opencps_id import PREFIX as ID_PREFIX
from dossier._language import Language
from dossier._text import fold_text

_TEMPLATES = ("aaa.aa.aa.Xdd", "aa.aa.Xdd")
"""The national agency, three groups or two: a letter or digit, a digit, a dot, H or G."""
_KINDS = {
    "a": frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    "d": frozenset("0123456789OIL"),
    ".": frozenset("."),
    "X": frozenset("HG"),
}
_SHORT_PREFIX = re.compile(
    rf"[HG](?:{DIGIT}(?:{DIGIT}(?:\.{DIGIT}{{1,3}}){{0,2}}(?:\.{DIGIT}{{0,3}})?)?)?"
)
_RUN_ON = re.compile(rf"(?P<agency>{National.agency.pattern})(?P<digits>{DIGIT}{{1,13}})")
_DIGITS = frozenset("0123456789OIL")


class Stage(enum.Enum):
    """Which part of the code the citizen is typing."""

    AGENCY = "agency"
    DATE = "date"
    SEQUENCE = "sequence"
    TYPING = "typing"
    COMPLETE = "complete"
    WRONG = "wrong"


_AGENCY_LEFT = (
    "Còn {missing} ký tự của mã cơ quan (dạng 000.00.20.H30 hoặc G22.99.09)",
    "{missing} more character(s) of the agency part (like 000.00.20.H30 or G22.99.09)",
)

_HINTS: dict[Stage, tuple[str, str]] = {
    Stage.AGENCY: (
        "Nhập mã cơ quan, ví dụ 000.00.20.H30 hoặc G22.99.09",
        "Type the agency part, such as 000.00.20.H30 or G22.99.09",
    ),
    Stage.DATE: (
        "Còn {missing} chữ số ngày nhận (năm, tháng, ngày: yymmdd)",
        "{missing} more digit(s) of the date (year, month, day: yymmdd)",
    ),
    Stage.SEQUENCE: (
        "Còn ít nhất {missing} chữ số của số thứ tự",
        "At least {missing} more digit(s) of the sequence number",
    ),
    Stage.TYPING: (
        "Nhập tiếp mã như in trên biên nhận",
        "Go on typing the code as printed on the receipt",
    ),
    Stage.COMPLETE: (
        "Mã đã đủ: bấm Tra cứu",
        "The code is complete: press Look up",
    ),
}


@dataclass(frozen=True, slots=True)
class CodeProgress:
    """How far a typed code has got; ``missing`` counts characters still needed at least."""

    stage: Stage
    missing: int = 0
    error: CodeError | None = None

    def message(self, lang: Language = Language.VI) -> str:
        if self.error is not None:
            return self.error.message(lang)
        vi, en = _AGENCY_LEFT if self.stage is Stage.AGENCY and self.missing else _HINTS[self.stage]
        return (en if lang == Language.EN else vi).format(missing=self.missing)


def _agency_left(agency: str, national: bool, short: bool) -> int | None:
    """Characters still needed at least for a national agency, or None if it cannot be one."""
    left = []
    if national:
        for template in _TEMPLATES:
            if len(agency) <= len(template) and all(
                char in _KINDS[kind] for char, kind in zip(agency, template, strict=False)
            ):
                left.append(len(template) - len(agency))
    if short and _SHORT_PREFIX.fullmatch(agency):
        if NationalShort.agency.fullmatch(agency):
            left.append(0)
        else:
            left.append(5 - len(agency) if len(agency) < 3 else 1 if agency.endswith(".") else 2)
    return min(left) if left else None


def _dated(text: str, families: CodeFamilies, national: bool, short: bool) -> CodeProgress:
    """A national code being typed: which part, how much is left, or what is wrong."""
    run_on = _RUN_ON.fullmatch(text) if national else None
    if run_on is not None:  # the dashes left out after the letter code
        digits = run_on["digits"]
        text = f"{run_on['agency']}-{digits[:6]}" + (f"-{digits[6:]}" if len(digits) > 6 else "")
    agency, dash, rest = text.partition("-")
    left = _agency_left(agency, national, short)
    if left is None or (dash and left):
        return CodeProgress(Stage.WRONG, error=CodeError(Problem.AGENCY, agency))
    if not dash:
        return CodeProgress(Stage.DATE, 6) if left == 0 else CodeProgress(Stage.AGENCY, left)
    date, dash, sequence = rest.partition("-")
    if len(date) > 6 and not dash and all(char in _DIGITS for char in date):
        date, dash, sequence = date[:6], "-", date[6:]
    if date and not all(char in _DIGITS for char in date):
        return CodeProgress(Stage.WRONG, error=CodeError(Problem.DATE_FORMAT, date))
    if len(date) < 6 and not dash:
        return CodeProgress(Stage.DATE, 6 - len(date))
    try:
        parse_query(f"{agency}-{date}-0000", families=families)
    except CodeError as exc:
        return CodeProgress(Stage.WRONG, error=exc)
    if not sequence:
        return CodeProgress(Stage.SEQUENCE, 4)
    if not all(char in _DIGITS for char in sequence) or len(sequence) > 7:
        return CodeProgress(Stage.WRONG, error=CodeError(Problem.SEQUENCE, sequence))
    return CodeProgress(Stage.SEQUENCE, max(0, 4 - len(sequence)))


def code_progress(typed: str, *, families: CodeFamilies = DEFAULT_FAMILIES) -> CodeProgress:
    """What the typed text still needs to be a code, or which part is already wrong."""
    text = clean(fold_text(typed)).replace(" ", "-")
    if not text:
        return CodeProgress(Stage.AGENCY)
    try:
        parse_query(typed, families=families)
    except CodeError:
        pass
    else:
        return CodeProgress(Stage.COMPLETE)
    national = Family.NATIONAL in families.built_in
    short = Family.NATIONAL_SHORT in families.built_in
    progress = _dated(text, families, national, short) if national or short else None
    if progress is None or (progress.stage is Stage.WRONG and _other_family_could(text, families)):
        return CodeProgress(Stage.TYPING)
    return progress


def _other_family_could(text: str, families: CodeFamilies) -> bool:
    """Whether the text may still become a code of a family other than the national ones."""
    if families.custom:
        return True
    if Family.OPENCPS_ID in families.built_in and (text == "D" or text.startswith(ID_PREFIX)):
        return True
    return Family.OPENCPS in families.built_in and all(
        char in _KINDS["a"] or char == "." for char in text
    )
