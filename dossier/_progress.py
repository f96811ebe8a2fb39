"""What is still missing from a code being typed, for a live hint under the field.

A citizen copies ``000.00.20.H30-240115-0001`` from a receipt one key at a time. Telling them
"invalid code" until the last digit is no help; telling them what the next part is ("date:
4 more digits, year month day") is. This works on any prefix of a code, in either notation,
and names the wrong part as soon as a key makes the code impossible.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from dossier._codes import _SHORT_AGENCY, CodeError, Problem, _close_up, parse_code

_FULL_TEMPLATE = "ddd.dd.dd.Xdd"
_SHORT_PREFIX = re.compile(r"[HG](?:\d(?:\d(?:\.\d{1,3}){0,2}(?:\.\d{0,3})?)?)?")
_SHORT_COMPLETE = re.compile(_SHORT_AGENCY)


class Stage(enum.Enum):
    """Which part of the code the citizen is typing."""

    AGENCY = "agency"
    DATE = "date"
    SEQUENCE = "sequence"
    COMPLETE = "complete"
    WRONG = "wrong"


_AGENCY_LEFT = (
    "Còn {missing} ký tự của mã cơ quan (dạng 000.00.20.H30 hoặc H30.20)",
    "{missing} more character(s) of the agency part (like 000.00.20.H30 or H30.20)",
)

_HINTS: dict[Stage, tuple[str, str]] = {
    Stage.AGENCY: (
        "Nhập mã cơ quan, ví dụ 000.00.20.H30 hoặc H30.20",
        "Type the agency part, such as 000.00.20.H30 or H30.20",
    ),
    Stage.DATE: (
        "Còn {missing} chữ số ngày nhận (năm, tháng, ngày: yymmdd)",
        "{missing} more digit(s) of the date (year, month, day: yymmdd)",
    ),
    Stage.SEQUENCE: (
        "Còn ít nhất {missing} chữ số của số thứ tự",
        "At least {missing} more digit(s) of the sequence number",
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

    def message(self, lang: str = "vi") -> str:
        if self.error is not None:
            return self.error.message(lang)
        vi, en = _AGENCY_LEFT if self.stage is Stage.AGENCY and self.missing else _HINTS[self.stage]
        return (en if lang == "en" else vi).format(missing=self.missing)


def _full_agency_prefix(agency: str) -> bool:
    if len(agency) > len(_FULL_TEMPLATE):
        return False
    for char, kind in zip(agency, _FULL_TEMPLATE, strict=False):
        expected = {"d": char.isdigit(), ".": char == ".", "X": char in "HG"}[kind]
        if not expected:
            return False
    return True


def _agency_complete(agency: str) -> bool:
    return len(agency) == len(_FULL_TEMPLATE) or bool(_SHORT_COMPLETE.fullmatch(agency))


def code_progress(typed: str) -> CodeProgress:
    """What the typed text still needs to be a code, or which part is already wrong."""
    text = _close_up(typed).strip()
    if not text:
        return CodeProgress(Stage.AGENCY)
    agency, _, rest = text.partition("-")
    full = _full_agency_prefix(agency)
    if not full and not _SHORT_PREFIX.fullmatch(agency):
        return CodeProgress(Stage.WRONG, error=CodeError(Problem.AGENCY, agency))
    if "-" not in text:
        if _agency_complete(agency):
            return CodeProgress(Stage.DATE, 6)
        if full:
            return CodeProgress(Stage.AGENCY, len(_FULL_TEMPLATE) - len(agency))
        if len(agency) < 3:
            return CodeProgress(Stage.AGENCY, 5 - len(agency))
        return CodeProgress(Stage.AGENCY, 1 if agency.endswith(".") else 2)
    if not _agency_complete(agency):
        return CodeProgress(Stage.WRONG, error=CodeError(Problem.AGENCY, agency))
    date, _, sequence = rest.partition("-")
    if not date.isdigit() and date:
        return CodeProgress(Stage.WRONG, error=CodeError(Problem.DATE_FORMAT, date))
    if len(date) < 6 and "-" not in rest:
        return CodeProgress(Stage.DATE, 6 - len(date))
    try:
        parse_code(f"{agency}-{date}-{'0' * 4}")
    except CodeError as exc:
        return CodeProgress(Stage.WRONG, error=exc)
    if "-" not in rest or not sequence:
        return CodeProgress(Stage.SEQUENCE, 4)
    if not sequence.isdigit() or len(sequence) > 7:
        return CodeProgress(Stage.WRONG, error=CodeError(Problem.SEQUENCE, sequence))
    if len(sequence) < 4:
        return CodeProgress(Stage.SEQUENCE, 4 - len(sequence))
    return CodeProgress(Stage.COMPLETE)
