"""``opencps``: OpenCPS dossier numbers, ``PREFIX.yymmdd.sequence``.

OpenCPS numbers each procedure's dossiers from a pattern of its own (VietOpenCPS/opencps-v2,
``DossierNumberGenerator.java``); the common one is a prefix of one or two groups, the date
and a counter: ``CNTBD.181121.00334``, ``09.H44.181214.00108``. The prefix holds at least
one letter (so that dotted dates and decimal numbers are not taken for codes) and is kept as
written; the date is not checked, since a pattern may put anything there; date and
sequence are digit positions, where O, I and l are read as digits.

Most numbers name no agency. When a prefix group is a province or ministry letter code
(``H44`` in ``09.H44``), the number is read as that agency's, letter code first
(``H44.09``), so that a province's OpenCPS upstream can claim it by prefix; otherwise
``agency`` is None and only an upstream with ``agencies = *`` answers for it.

Other patterns (``18ACE289``) are a deployment's custom family (``[codes] custom.NAME``).
"""

from __future__ import annotations

import re

from dossier._codes import CodeError, DossierCode, Family, Problem
from dossier._grammars._base import (
    ALNUM,
    ASCII_ALNUM,
    DIGIT,
    SEQUENCE,
    Grammar,
    Reading,
    digits,
)

_GROUP = rf"{ALNUM}{{1,12}}"
_LETTER_CODE = re.compile(r"[HG][0-9]{2}")
_PREFIX_GROUP = re.compile(_GROUP)
_DATE = re.compile(rf"{DIGIT}{{6}}")
_SEQUENCE = re.compile(SEQUENCE)
_NUMBER = re.compile(rf"{DIGIT}{{5,}}")


def _has_letter(text: str) -> bool:
    return any(char.isalpha() for char in text)


def routing_agency(groups: list[str]) -> str | None:
    """The agency a prefix names, letter code first, or None (see the module docstring)."""
    if len(groups) == 2 and _LETTER_CODE.fullmatch(groups[1]):
        return f"{groups[1]}.{groups[0]}"
    if _LETTER_CODE.fullmatch(groups[0]):
        return ".".join(groups)
    return None


class OpenCps(Grammar):
    family = Family.OPENCPS
    pattern = re.compile(
        rf"(?P<prefix>{_GROUP}(?:\.{_GROUP})?)\.(?P<date>{DIGIT}{{6}})\.(?P<seq>{SEQUENCE})"
        r"(?![0-9A-Z])"
    )

    def read(self, text: str, match: re.Match[str]) -> Reading | CodeError | None:
        start = match.start()
        before = text[start - 1] if start else ""
        prefix = match["prefix"]
        if before in ASCII_ALNUM or before == "." or not _has_letter(prefix):
            return None
        value = f"{prefix}.{digits(match['date'])}.{digits(match['seq'])}"
        return Reading(DossierCode(self.family, value, routing_agency(prefix.split("."))))

    def diagnose(self, candidate: str) -> CodeError | None:
        groups = candidate.split(".")
        if "-" in candidate or len(groups) < 2 or not _has_letter(groups[0]):
            return None
        if not any(_NUMBER.fullmatch(group) for group in groups[1:]):
            return None  # no date or sequence in sight: an abbreviation, not an attempt
        if len(groups) == 2:
            problem = (
                Problem.MISSING_SEQUENCE if _DATE.fullmatch(groups[1]) else Problem.DATE_FORMAT
            )
            return CodeError(problem, groups[1])
        prefix, date, sequence = groups[:-2], groups[-2], groups[-1]
        if len(prefix) > 2 or not all(_PREFIX_GROUP.fullmatch(group) for group in prefix):
            return CodeError(Problem.AGENCY, ".".join(prefix))
        if not _DATE.fullmatch(date):
            return CodeError(Problem.DATE_FORMAT, date)
        if not _SEQUENCE.fullmatch(sequence):
            return CodeError(Problem.SEQUENCE, sequence)
        return None
