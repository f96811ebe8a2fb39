"""The national families' common shape: an agency, ``-yymmdd-`` and a sequence number.

A failed attempt at either national family is diagnosed here, part by part, against the
agency shapes the deployment accepts, so that the message names the part that is really
wrong: ``000.00.20.K30`` is the agency, ``240230`` the date, ``012`` the sequence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

from dossier._codes import CodeError, Problem
from dossier._grammars._base import DIGIT, SEQUENCE, Grammar, receipt_date

_DATE = re.compile(rf"{DIGIT}{{6}}")
_SEQUENCE = re.compile(SEQUENCE)
_DIGITS = re.compile(f"{DIGIT}+")


class DatedGrammar(Grammar):
    """A national family: its agency shape, and how an attempt at one begins."""

    agency: ClassVar[re.Pattern[str]]
    """The agency part alone (matched at the start of a word)."""
    start: ClassVar[re.Pattern[str]]
    """The beginning of an agency part, enough to call a word without a dash an attempt."""
    runs_on: ClassVar[bool]
    """Whether the date may follow the agency without a dash (the agency has a fixed end)."""


def shaped_like_dated(candidate: str, grammars: Sequence[DatedGrammar]) -> bool:
    """Whether a word looks like an attempt at a national code (it has a dash, or begins
    like an agency)."""
    return "-" in candidate or any(grammar.start.match(candidate) for grammar in grammars)


def diagnose_dated(candidate: str, grammars: Sequence[DatedGrammar]) -> CodeError | None:
    """The first wrong part of an attempt at a national code; None if none is wrong."""
    head, dash, rest = candidate.partition("-")
    for grammar in grammars:
        found = grammar.agency.match(head)
        if found is None:
            continue
        tail = head[found.end() :]
        if not tail or (grammar.runs_on and _DIGITS.fullmatch(tail)):
            agency = found.group(0)
            break
    else:
        return CodeError(Problem.AGENCY, head)
    pieces = ([tail] if tail else []) + (rest.split("-") if dash else [])
    if not pieces or not pieces[0]:
        return CodeError(Problem.MISSING_DATE, agency)
    if len(pieces) == 1 and len(pieces[0]) > 6 and _DIGITS.fullmatch(pieces[0]):
        pieces = [pieces[0][:6], pieces[0][6:]]  # the dash between date and sequence left out
    date = pieces[0]
    if not _DATE.fullmatch(date):
        return CodeError(Problem.DATE_FORMAT, date)
    checked = receipt_date(date)
    if isinstance(checked, CodeError):
        return checked
    if len(pieces) < 2 or not pieces[1]:
        return CodeError(Problem.MISSING_SEQUENCE, date)
    if not _SEQUENCE.fullmatch(pieces[1]):
        return CodeError(Problem.SEQUENCE, pieces[1])
    return None
