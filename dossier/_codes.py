"""Dossier codes ("mã hồ sơ") as the values every channel passes around, and what can be
wrong with a text that should hold one.

Receipts in service carry codes of several shapes, each a *family* with its own grammar and
canonical spelling (the grammars live in :mod:`dossier._grammars`):

- ``national``: ``000.00.14.H56-200203-0118``, ``38.98.H29-210519-0013``, ``000.A0.01.H26-...``
  (an agency of two or three groups ending in a province or ministry letter code, then the
  receipt date and a sequence);
- ``national_short``: the national portal's letter-first form, ``G22.99.09-240114-0001``;
- ``opencps``: OpenCPS dossier numbers such as ``CNTBD.181121.00334``;
- ``opencps_id``: OpenCPS's internal dossier id, from its kiosk payloads (``D-{key}-{id}``),
  canonically ``D-{id}``;
- ``custom.NAME``: a deployment's own regular expression (``[codes] custom.NAME``).

A :class:`DossierCode` is what a gateway routes on: its family, its canonical spelling, the
agency it was issued by (letter code first, so that prefixes such as ``H30`` or ``G22.99``
select an upstream), and its receipt date when the family carries a checked one.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from dossier._language import Language

MAX_TEXT = 65_536
"""The longest text (in characters) that any channel may hand the parser.

The longest SMS, 255 concatenated parts of 153 characters, is 39,015 characters; a QR code
holds at most 7,089; a typed code is under 40. A longer text is refused whole with
:attr:`Problem.TOO_LONG` rather than cut short, so that no code is silently dropped; parsing
takes time linear in the length up to this cap."""


class Family(enum.StrEnum):
    """The built-in code families. Custom families are named ``custom.NAME``."""

    NATIONAL = "national"
    """``aaa.bb.cc.Xnn`` or ``bb.cc.Xnn`` (groups may hold letters), ``-yymmdd-``, 4-7 digits."""
    NATIONAL_SHORT = "national_short"
    """Letter first, one to three groups: ``G22.99.09-240114-0001``, ``H30.20-241203-0158``."""
    OPENCPS = "opencps"
    """OpenCPS dossier numbers ``PREFIX.yymmdd.sequence`` (one or two prefix groups)."""
    OPENCPS_ID = "opencps_id"
    """OpenCPS's dossierId, from kiosk payloads ``D-{key}-{id}`` and ``QRSCAN={id}-{key}``."""


CUSTOM_PREFIX = "custom."
"""Custom families are named ``custom.NAME`` wherever a family name is written."""


@dataclass(frozen=True, slots=True)
class DossierCode:
    """A valid dossier code; ``str()`` gives its canonical spelling (``value``).

    ``agency`` is the routing key: the agency's groups, letter code first and dotted
    (``H30.20.00.000`` for ``000.00.20.H30``, ``G22.99.09`` for ``G22.99.09``), or None when
    the code names no agency. ``date`` is the receipt date for families that carry a
    checked one (the national ones), else None.
    """

    family: str
    value: str
    agency: str | None = None
    date: dt.date | None = None

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class CodeQuery:
    """A code as a citizen gave it, with the lookup key ("mã tra cứu") when one came with it:
    after the code, or inside a kiosk payload or a link."""

    code: DossierCode
    lookup_key: str | None = None


class Problem(enum.Enum):
    """What is wrong with a text that should hold a dossier code."""

    EMPTY = "empty"
    NOT_FOUND = "not_found"
    TOO_LONG = "too_long"
    AGENCY = "agency"
    MISSING_DATE = "missing_date"
    DATE_FORMAT = "date_format"
    DATE_INVALID = "date_invalid"
    MISSING_SEQUENCE = "missing_sequence"
    SEQUENCE = "sequence"
    DOSSIER_ID = "dossier_id"
    LOOKUP_KEY = "lookup_key"
    CHECK_CHARACTER = "check_character"
    FAMILY = "family"


EXAMPLE_CODE = "000.00.20.H30-240115-0001"
"""The code shown wherever a citizen is told what a code looks like (error messages, SMS help,
the poster), so that every channel shows the same one."""

_MESSAGES: dict[Problem, tuple[str, str]] = {
    Problem.EMPTY: (
        "Chưa nhập mã hồ sơ.",
        "No dossier code was given.",
    ),
    Problem.NOT_FOUND: (
        f"Không thấy mã hồ sơ; mã in trên biên nhận có dạng {EXAMPLE_CODE}.",
        f"No dossier code found; the code on the receipt looks like {EXAMPLE_CODE}.",
    ),
    Problem.TOO_LONG: (
        "Nội dung quá dài ({part} ký tự); chỉ gửi mã hồ sơ.",
        "The text is too long ({part} characters); send only the dossier code.",
    ),
    Problem.AGENCY: (
        "Phần mã cơ quan {part} không đúng dạng (ví dụ 000.00.20.H30 hoặc G22.99.09).",
        "Agency part {part} is not an agency code (such as 000.00.20.H30 or G22.99.09).",
    ),
    Problem.MISSING_DATE: (
        "Mã hồ sơ thiếu phần ngày và số thứ tự sau {part}.",
        "The date and sequence parts after {part} are missing.",
    ),
    Problem.DATE_FORMAT: (
        "Phần ngày {part} phải có 6 chữ số năm, tháng, ngày (ví dụ 240115).",
        "Date part {part} must be 6 digits: year, month, day (such as 240115).",
    ),
    Problem.DATE_INVALID: (
        "Phần ngày {part} không phải là ngày có thật.",
        "Date part {part} is not a real date.",
    ),
    Problem.MISSING_SEQUENCE: (
        "Mã hồ sơ thiếu phần số thứ tự sau ngày {part}.",
        "The sequence part after date {part} is missing.",
    ),
    Problem.SEQUENCE: (
        "Phần số thứ tự {part} phải có từ 4 đến 7 chữ số.",
        "Sequence part {part} must have 4 to 7 digits.",
    ),
    Problem.DOSSIER_ID: (
        "Phần số hồ sơ {part} của mã dạng D-... phải là các chữ số.",
        "Dossier number {part} of a D-... code must be digits.",
    ),
    Problem.LOOKUP_KEY: (
        "Mã tra cứu {part} phải có từ 4 đến 12 chữ cái hoặc chữ số.",
        "Lookup key {part} must have 4 to 12 letters or digits.",
    ),
    Problem.CHECK_CHARACTER: (
        "Mã vạch {part} bị đọc sai (ký tự kiểm tra không khớp); hãy quét lại.",
        "Barcode {part} was misread (its check character does not match); scan it again.",
    ),
    Problem.FAMILY: (
        "Mã {part} không phải loại mã hồ sơ tra cứu được ở đây; xem lại mã trên biên nhận.",
        "Code {part} is not a kind of code this service looks up; check the receipt.",
    ),
}

_LONGEST_PART = 40
"""Parts quoted in messages are cut to this length: they go into 160-character SMS replies."""


class CodeError(ValueError):
    """A text holds no valid dossier code; says which part is wrong, in both languages."""

    def __init__(self, problem: Problem, part: str = "") -> None:
        self.problem = problem
        self.part = part if len(part) <= _LONGEST_PART else part[: _LONGEST_PART - 3] + "..."
        super().__init__(self.message(Language.EN))

    def message(self, lang: Language = Language.VI) -> str:
        vi, en = _MESSAGES[self.problem]
        return (en if lang == Language.EN else vi).format(part=self.part)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CodeError):
            return NotImplemented
        return (self.problem, self.part) == (other.problem, other.part)

    def __hash__(self) -> int:
        return hash((self.problem, self.part))

    def __repr__(self) -> str:
        return f"CodeError({self.problem.name}, {self.part!r})"
