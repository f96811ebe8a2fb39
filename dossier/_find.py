"""Finding dossier codes in what citizens and scanners send, and naming what is wrong.

Codes arrive typed on phones, read by scanners, inside copied links and kiosk payloads, with
a lookup key after them. :func:`find_codes` reads a text in four steps, each in time linear
in its length (capped at :data:`~dossier.MAX_TEXT`):

1. words that are links, OpenCPS payloads or HIBC symbols are replaced by the code and key
   they carry (:mod:`dossier._links`, :mod:`dossier._hibc`);
2. the text is cleaned up to one spelling (:mod:`dossier._cleanup`);
3. every enabled built-in grammar searches it (:mod:`dossier._grammars`), leftmost match
   first; a code of a built-in family the deployment has not enabled is reported as such;
   the lookup key after each code is read; then custom families try the remaining words;
4. the remaining words that look like an attempt at a code are diagnosed, so that the
   citizen is told which part is wrong, in Vietnamese and English.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from dossier._cleanup import clean
from dossier._codes import (
    MAX_TEXT,
    CodeError,
    CodeQuery,
    DossierCode,
    Family,
    Problem,
)
from dossier._families import DEFAULT_FAMILIES, CodeFamilies
from dossier._grammars import (
    GRAMMARS,
    DatedGrammar,
    Grammar,
    Reading,
    diagnose_dated,
    shaped_like_dated,
)
from dossier._grammars.opencps_id import PREFIX as ID_PREFIX
from dossier._hibc import read_hibc
from dossier._links import expand_link, is_link
from dossier._text import fold_text

_KEY = re.compile(
    r"(?:[-,;:/|.] ?| [-,;:/|]? ?)(?=[A-Z]{0,11}[0-9])(?P<key>[0-9A-Z]{4,12})(?![0-9A-Z])"
)
"""A lookup key right after a code: 4 to 12 letters and digits, at least one a digit."""

_WORD = re.compile(r"\S+")
_CANDIDATE = re.compile(r"[0-9A-Z.\-]+")
_PUNCTUATION = ".,;:!?()[]{}<>\"'"
_LONGEST_WORD = 64
"""Words longer than this are neither custom codes nor attempts at a code."""
_MARK = "\x00"
"""Stands in the text for a scanned HIBC symbol whose check failed, to keep its place."""


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    result: CodeQuery | CodeError


def _holds_a_code(text: str, families: CodeFamilies) -> bool:
    """Whether a text holds a code, of a family the deployment reads or of one it left out."""
    return any(
        isinstance(found.result, CodeQuery) or found.result.problem is Problem.FAMILY
        for found in _find(text, families)
    )


def _unwrap(text: str, families: CodeFamilies, errors: list[CodeError]) -> str:
    """Step 1: links and HIBC symbols replaced by what they carry; failed checks marked."""
    pieces: list[str] = []
    done = 0
    for word in _WORD.finditer(text):
        replacement = None
        readings = [hibc for hibc in read_hibc(word.group(0)) if _holds_a_code(hibc.data, families)]
        if readings:
            checked = next((hibc for hibc in readings if hibc.checked), None)
            if checked is not None:
                replacement = f" {checked.data} "
            else:
                errors.append(CodeError(Problem.CHECK_CHARACTER, word.group(0)))
                replacement = f" {_MARK} "
        elif is_link(word.group(0)):
            replacement = expand_link(word.group(0))
        if replacement is not None:
            pieces.append(text[done : word.start()])
            pieces.append(replacement)
            done = word.end()
    pieces.append(text[done:])
    return "".join(pieces)


def _search(grammar: Grammar, text: str) -> Iterator[tuple[int, int, Reading | CodeError]]:
    """Every reading of one grammar, leftmost first; linear, as each attempt is bounded."""
    position = 0
    while (match := grammar.pattern.search(text, position)) is not None:
        outcome = grammar.read(text, match)
        if outcome is None:
            position = match.start() + 1
            continue
        yield match.start(), match.end(), outcome
        position = match.end()


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, disjoint ``spans``."""
    index = bisect.bisect_right(spans, (start, end))
    return any(begin < end and start < stop for begin, stop in spans[max(0, index - 1) : index + 1])


def _with_key(text: str, end: int, reading: Reading, limit: int) -> tuple[CodeQuery, int]:
    """The query of a reading, with the lookup key that follows it (before ``limit``)."""
    if reading.lookup_key:
        return CodeQuery(reading.code, reading.lookup_key), end
    key = _KEY.match(text, end)
    if key is None or key.end() > limit:
        return CodeQuery(reading.code), end
    return CodeQuery(reading.code, key["key"]), key.end()


def _built_in(text: str, families: CodeFamilies) -> list[_Found]:
    """Step 3, built-in part: enabled grammars' readings and errors, without overlaps, then
    codes of families the deployment left out (reported, never looked up)."""
    enabled: list[tuple[int, int, int, Reading | CodeError]] = []
    left_out: list[tuple[int, int, DossierCode]] = []
    for order, (family, grammar) in enumerate(GRAMMARS.items()):
        for start, end, outcome in _search(grammar, text):
            if family in families.built_in:
                enabled.append((start, order, end, outcome))
            elif isinstance(outcome, Reading):
                left_out.append((start, end, outcome.code))
    enabled.sort(key=lambda item: (item[0], item[1]))
    accepted: list[tuple[int, int, Reading | CodeError]] = []
    for start, _, end, outcome in enabled:
        if not accepted or start >= accepted[-1][1]:
            accepted.append((start, end, outcome))
    found: list[_Found] = []
    for index, (start, end, outcome) in enumerate(accepted):
        if isinstance(outcome, CodeError):
            found.append(_Found(start, end, outcome))
            continue
        limit = accepted[index + 1][0] if index + 1 < len(accepted) else len(text)
        query, stop = _with_key(text, end, outcome, limit)
        found.append(_Found(start, stop, query))
    spans = [(item.start, item.end) for item in found]
    for start, end, code in left_out:
        if not _overlaps(spans, start, end):
            found.append(_Found(start, end, CodeError(Problem.FAMILY, code.value)))
            bisect.insort(spans, (start, end))
    return found


def _custom(text: str, families: CodeFamilies, spans: list[tuple[int, int]]) -> list[_Found]:
    """Step 3, custom part: whole words that a deployment's own expressions match."""
    found: list[_Found] = []
    if not families.custom:
        return found
    for word in _WORD.finditer(text):
        raw = word.group(0)
        stripped = raw.strip(_PUNCTUATION)
        start = word.start() + raw.index(stripped) if stripped else word.start()
        end = start + len(stripped)
        if not stripped or len(stripped) > _LONGEST_WORD or _MARK in stripped:
            continue
        if _overlaps(spans, start, end):
            continue
        for custom in families.custom:
            match = custom.pattern.fullmatch(stripped)
            if match is None:
                continue
            agency = match.groupdict().get("agency")
            code = DossierCode(custom.family, stripped.upper(), agency.upper() if agency else None)
            query, stop = _with_key(text, end, Reading(code), len(text))
            found.append(_Found(start, stop, query))
            bisect.insort(spans, (start, stop))
            break
    return found


def _diagnose(candidate: str, families: CodeFamilies) -> CodeError | None:
    """Step 4 for one word: the wrong part, by the family the word is shaped like."""
    if candidate.startswith(ID_PREFIX) and Family.OPENCPS_ID in families.built_in:
        return GRAMMARS[Family.OPENCPS_ID].diagnose(candidate)
    dated = [
        grammar
        for family, grammar in GRAMMARS.items()
        if family in families.built_in and isinstance(grammar, DatedGrammar)
    ]
    if dated and shaped_like_dated(candidate, dated):
        return diagnose_dated(candidate, dated)
    if Family.OPENCPS in families.built_in:
        return GRAMMARS[Family.OPENCPS].diagnose(candidate)
    return None


def _attempts(text: str, families: CodeFamilies, spans: list[tuple[int, int]]) -> list[_Found]:
    """Step 4: words outside every code that look like an attempt at one, diagnosed.

    A word shaped like a code and followed by words of digits alone is read with them,
    spaces standing for the dashes (``000.00.20.H30 24011 0001``), as the grammars read a
    valid code; a phone number written in groups is not shaped like one.
    """
    found: list[_Found] = []
    tokens = list(_CANDIDATE.finditer(text))
    index = 0
    while index < len(tokens):
        token = tokens[index]
        start, end = token.span()
        index += 1
        if _overlaps(spans, start, end) or end - start > _LONGEST_WORD:
            continue
        candidate = token.group(0).strip(".-")
        if not any(char in "0123456789" for char in candidate):
            continue
        if _diagnose(candidate, families) is None:
            continue  # not shaped like any family's code: a word, a number, a date
        while (
            candidate.count("-") < 2
            and index < len(tokens)
            and tokens[index].group(0).isdigit()
            and tokens[index].start() == end + 1
            and text[end] == " "
            and len(tokens[index].group(0)) <= _LONGEST_WORD
        ):
            candidate = f"{candidate}-{tokens[index].group(0)}"
            end = tokens[index].end()
            index += 1
        error = _diagnose(candidate, families)
        if error is not None:
            found.append(_Found(start, end, error))
    return found


def _find(text: str, families: CodeFamilies, *, unwrap: bool = False) -> list[_Found]:
    hibc_errors: list[CodeError] = []
    folded = fold_text(text).replace(_MARK, "")
    cleaned = clean(_unwrap(folded, families, hibc_errors) if unwrap else folded)
    found = _built_in(cleaned, families)
    spans = sorted((item.start, item.end) for item in found)
    found += _custom(cleaned, families, spans)
    marks = (index for index, char in enumerate(cleaned) if char == _MARK)
    found += [_Found(at, at + 1, error) for at, error in zip(marks, hibc_errors, strict=False)]
    spans = sorted((item.start, item.end) for item in found)
    found += _attempts(cleaned, families, spans)
    found.sort(key=lambda item: item.start)
    return found


def find_codes(
    text: str, *, families: CodeFamilies = DEFAULT_FAMILIES
) -> list[CodeQuery | CodeError]:
    """Every code in a text, in order and without repeats, and every failed attempt at one.

    An SMS may carry several codes; each valid one comes back as a :class:`CodeQuery`, each
    thing that looks like a code but is not as a :class:`CodeError` naming the wrong part.
    A text longer than :data:`~dossier.MAX_TEXT` is refused whole (:attr:`Problem.TOO_LONG`).
    """
    if len(text) > MAX_TEXT:
        return [CodeError(Problem.TOO_LONG, str(len(text)))]
    results: list[CodeQuery | CodeError] = []
    seen: set[DossierCode] = set()
    for item in _find(text, families, unwrap=True):
        if isinstance(item.result, CodeQuery):
            if item.result.code in seen:
                continue
            seen.add(item.result.code)
        results.append(item.result)
    return results


def parse_query(text: str, *, families: CodeFamilies = DEFAULT_FAMILIES) -> CodeQuery:
    """The first valid code in a text with its lookup key, or the reason there is none."""
    errors: list[CodeError] = []
    for result in find_codes(text, families=families):
        if isinstance(result, CodeQuery):
            return result
        errors.append(result)
    if errors:
        raise errors[0]
    raise CodeError(Problem.EMPTY if not text.strip() else Problem.NOT_FOUND)


def parse_code(text: str, *, families: CodeFamilies = DEFAULT_FAMILIES) -> DossierCode:
    """The first valid code in a text, or :class:`CodeError` saying what is wrong."""
    return parse_query(text, families=families).code


def normalize_code(text: str, *, families: CodeFamilies = DEFAULT_FAMILIES) -> str:
    """The canonical spelling of the first code in a text."""
    return str(parse_code(text, families=families))
