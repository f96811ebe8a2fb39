"""Dossier codes ("mã hồ sơ") as printed on one-stop receipts, and how to find them in text.

A code is ``{agency}-{yymmdd}-{sequence}``. The agency comes in two notations: the full one of
the national code list (``000.00.20.H30``: three numeric groups, then H for a province or G for
a ministry and two digits) and the short one seen on some provincial receipts (``H30.20``, up to
three numeric groups after the letter). The sequence runs per agency per day and has 4 to 7
digits.

Codes arrive typed on phones, read by scanners or inside copied links, so the parser looks for
them inside any text and tolerates the usual noise, then validates every part. When nothing
valid is found it names the first wrong part, in Vietnamese and English, because "invalid code"
alone sends a citizen back to the queue.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from dossier._text import fold_text


class Notation(enum.Enum):
    """The two ways receipts write the agency part."""

    FULL = "full"
    SHORT = "short"


@dataclass(frozen=True, slots=True)
class DossierCode:
    """A valid dossier code; ``str()`` gives its canonical spelling."""

    agency: str
    date: dt.date
    sequence: str

    def __str__(self) -> str:
        return f"{self.agency}-{self.date:%y%m%d}-{self.sequence}"

    @property
    def notation(self) -> Notation:
        return Notation.SHORT if self.agency[0] in "HG" else Notation.FULL


@dataclass(frozen=True, slots=True)
class CodeQuery:
    """A code as a citizen gave it, with the lookup key ("mã tra cứu") when one followed it."""

    code: DossierCode
    lookup_key: str | None = None


class Problem(enum.Enum):
    """What is wrong with a text that should hold a dossier code."""

    EMPTY = "empty"
    NOT_FOUND = "not_found"
    AGENCY = "agency"
    MISSING_DATE = "missing_date"
    DATE_FORMAT = "date_format"
    DATE_INVALID = "date_invalid"
    MISSING_SEQUENCE = "missing_sequence"
    SEQUENCE = "sequence"


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
    Problem.AGENCY: (
        "Phần mã cơ quan {part} không đúng dạng (ví dụ 000.00.20.H30 hoặc H30.20).",
        "Agency part {part} is not an agency code (such as 000.00.20.H30 or H30.20).",
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
}


class CodeError(ValueError):
    """A text holds no valid dossier code; says which part is wrong, in both languages."""

    def __init__(self, problem: Problem, part: str = "") -> None:
        self.problem = problem
        self.part = part
        super().__init__(self.message("en"))

    def message(self, lang: str = "vi") -> str:
        vi, en = _MESSAGES[self.problem]
        return (en if lang == "en" else vi).format(part=self.part)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CodeError):
            return NotImplemented
        return (self.problem, self.part) == (other.problem, other.part)

    def __hash__(self) -> int:
        return hash((self.problem, self.part))

    def __repr__(self) -> str:
        return f"CodeError({self.problem.name}, {self.part!r})"


_FULL_AGENCY = r"\d{3}\.\d{2}\.\d{2}\.[HG]\d{2}"
_SHORT_AGENCY = r"[HG]\d{2}(?:\.\d{1,3}){1,3}"
_SEP = r"(?:-|\s+)"
_TAIL = rf"{_SEP}(\d{{6}}){_SEP}(\d{{4,7}})(?![0-9])"
_KEY = r"(?:\s*[-,;:/|]\s*|\s+)(?=[A-Z]*\d)([A-Z0-9]{4,12})(?![0-9A-Z])"

_STRICT = re.compile(
    rf"(?:(?<![0-9])({_FULL_AGENCY})|(?<![0-9])(?<!\d\.)({_SHORT_AGENCY})){_TAIL}(?:{_KEY})?",
    re.ASCII,
)
_AGENCY = re.compile(rf"{_FULL_AGENCY}|{_SHORT_AGENCY}", re.ASCII)
_AGENCY_START = re.compile(r"\d{3}\.\d{2}\.\d{2}\.|[HG]\d{2}\.\d", re.ASCII)
_TOKEN = re.compile(r"[0-9A-Z.\-]+")
_AROUND_SEPARATOR = re.compile(r"\s*([.\-])\s*")
_DATE = re.compile(r"[0-9]{6}")
_URL = re.compile(r"(?:https?://|www\.)\S+|[^\s?]*\?\S*=\S*", re.IGNORECASE)

_CODE_PARAMETERS = frozenset(
    {"mahs", "mahoso", "sohoso", "code", "dossier", "dossiercode", "dossierno", "hoso"}
)
_KEY_PARAMETERS = frozenset({"matracuu", "mtc", "lookupkey", "key", "secretkey"})


def _expand_url(match: re.Match[str]) -> str:
    """Replace a link by the code it carries: a known query parameter, else its last segment."""
    url = match.group(0)
    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
    except ValueError:
        return f" {unquote(url)} "
    params = {
        name.lower().replace("_", "").replace("-", ""): value
        for name, value in parse_qsl(parts.query, keep_blank_values=False)
    }
    code = next((params[name] for name in params if name in _CODE_PARAMETERS), None)
    if code is None:
        segments = [segment for segment in parts.path.split("/") if segment]
        code = unquote(segments[-1]) if segments else ""
    key = next((params[name] for name in params if name in _KEY_PARAMETERS), "")
    return f" {code} {key} "


def _close_up(text: str) -> str:
    """Fold, upper-case and close up spaces around separators ("h30 . 20 - 2401")."""
    return _AROUND_SEPARATOR.sub(r"\1", fold_text(text).upper())


def _prepare(text: str) -> str:
    """Unwrap links, then close up (see :func:`_close_up`)."""
    return _close_up(_URL.sub(_expand_url, fold_text(text)))


def _code_date(part: str) -> dt.date:
    try:
        return dt.date(2000 + int(part[0:2]), int(part[2:4]), int(part[4:6]))
    except ValueError:
        raise CodeError(Problem.DATE_INVALID, part) from None


def _diagnose(candidate: str) -> CodeError:
    """Name the first wrong part of something that was meant to be a code."""
    parts = candidate.split("-")
    agency = parts[0]
    if not _AGENCY.fullmatch(agency):
        return CodeError(Problem.AGENCY, agency)
    if len(parts) < 2 or not parts[1]:
        return CodeError(Problem.MISSING_DATE, agency)
    date = parts[1]
    if not _DATE.fullmatch(date):
        return CodeError(Problem.DATE_FORMAT, date)
    try:
        _code_date(date)
    except CodeError as exc:
        return exc
    if len(parts) < 3 or not parts[2]:
        return CodeError(Problem.MISSING_SEQUENCE, date)
    return CodeError(Problem.SEQUENCE, parts[2])


def _candidates(prepared: str, taken: list[tuple[int, int]]) -> list[tuple[int, CodeError]]:
    """Things that look like an attempt at a code, outside the spans of valid codes."""
    found: list[tuple[int, CodeError]] = []
    tokens = list(_TOKEN.finditer(prepared))
    index = 0
    while index < len(tokens):
        token = tokens[index]
        start, end = token.span()
        index += 1
        if any(start < stop and end > begin for begin, stop in taken):
            continue
        text = token.group(0).strip(".-")
        looks_like_code = "-" in text or _AGENCY_START.match(text)
        if not text or not any(ch in "0123456789" for ch in text) or not looks_like_code:
            continue
        while (
            text.count("-") < 2
            and index < len(tokens)
            and tokens[index].group(0).isdigit()
            and not prepared[end : tokens[index].start()].strip()
        ):
            text = f"{text}-{tokens[index].group(0)}"
            end = tokens[index].end()
            index += 1
        found.append((start, _diagnose(text)))
    return found


def find_codes(text: str) -> list[CodeQuery | CodeError]:
    """Every code in a text, in order and without repeats, and every failed attempt at one.

    An SMS may carry several codes; each valid one comes back as a :class:`CodeQuery`, each
    thing that looks like a code but is not as a :class:`CodeError` naming the wrong part.
    """
    prepared = _prepare(text)
    found: list[tuple[int, CodeQuery | CodeError]] = []
    taken: list[tuple[int, int]] = []
    seen: set[DossierCode] = set()
    for match in _STRICT.finditer(prepared):
        agency = match.group(1) or match.group(2)
        try:
            code = DossierCode(agency, _code_date(match.group(3)), match.group(4))
        except CodeError as exc:
            found.append((match.start(), exc))
        else:
            if code not in seen:
                seen.add(code)
                found.append((match.start(), CodeQuery(code, match.group(5))))
        taken.append(match.span())
    found.extend(_candidates(prepared, taken))
    found.sort(key=lambda item: item[0])
    return [result for _, result in found]


def parse_query(text: str) -> CodeQuery:
    """The first valid code in a text with its lookup key, or the reason there is none."""
    errors: list[CodeError] = []
    for result in find_codes(text):
        if isinstance(result, CodeQuery):
            return result
        errors.append(result)
    if errors:
        raise errors[0]
    raise CodeError(Problem.EMPTY if not text.strip() else Problem.NOT_FOUND)


def parse_code(text: str) -> DossierCode:
    """The first valid code in a text, or :class:`CodeError` saying what is wrong."""
    return parse_query(text).code


def normalize_code(text: str) -> str:
    """The canonical spelling of the first code in a text."""
    return str(parse_code(text))
