"""What a code family's grammar is, and the pieces the built-in grammars share.

Every grammar is a regular expression with **bounded quantifiers only** (no ``*``, ``+`` or
``{n,}``), applied to text that :mod:`dossier._cleanup` has already reduced to single spaces
and upper case. A match attempt therefore reads a bounded number of characters wherever it
starts, and a search through any text takes time linear in its length: the property the old
parser lost to its URL alternative (issue 10, item 12).
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from dataclasses import dataclass
from typing import ClassVar

from dossier._codes import CodeError, DossierCode, Family, Problem

ALNUM = "[0-9A-Z]"
"""A character of a group that may hold letters (after upper-casing)."""

DIGIT = "[0-9OIL]"
"""A digit position: a digit, or the letter typed for one (O for 0; I and l for 1)."""

_TYPOS = str.maketrans("OIL", "011")

SEQUENCE = rf"{DIGIT}{{4,7}}"
"""The sequence number of national codes and OpenCPS numbers: 4 to 7 digits."""

_LOOK_BACK = 4
"""How far :func:`group_before` looks: one character more than the longest agency group."""

ASCII_DIGITS = frozenset("0123456789")
ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def digits(text: str) -> str:
    """A digit position as the citizen meant it: O read as 0, I and L (a typed l) as 1."""
    return text.translate(_TYPOS)


def receipt_date(part: str) -> dt.date | CodeError:
    """The ``yymmdd`` date of a national code, or the error naming it (as typed)."""
    try:
        written = digits(part)
        return dt.date(2000 + int(written[0:2]), int(written[2:4]), int(written[4:6]))
    except ValueError:
        return CodeError(Problem.DATE_INVALID, part)


def group_before(text: str, index: int) -> str:
    """The letters and digits that end just before ``index``, when they are a short group.

    At most :data:`_LOOK_BACK` characters are read, so the check stays constant-time; a
    longer run comes back as it is cut (4 characters), which no agency group is.
    """
    start = index
    while start > 0 and index - start < _LOOK_BACK and text[start - 1] in ASCII_ALNUM:
        start -= 1
    return text[start:index]


def has_digit(run: str) -> bool:
    return any(char in ASCII_DIGITS for char in run)


def is_short_group(run: str) -> bool:
    """One to three letters and digits with at least one digit: an agency group ("00", "A0")."""
    return 0 < len(run) < _LOOK_BACK and has_digit(run)


@dataclass(frozen=True, slots=True)
class Reading:
    """A valid code read by a grammar, with the lookup key its payload carried, if any."""

    code: DossierCode
    lookup_key: str | None = None


class Grammar(abc.ABC):
    """One built-in family: where its codes are in a cleaned-up text, and what they are."""

    family: ClassVar[Family]
    pattern: ClassVar[re.Pattern[str]]
    """Bounded quantifiers only (see the module docstring)."""

    @abc.abstractmethod
    def read(self, text: str, match: re.Match[str]) -> Reading | CodeError | None:
        """The code a match of :attr:`pattern` holds; a :class:`CodeError` for a code of this
        family with a wrong part; None when the match is not a code after all (the search
        goes on one character further)."""

    def diagnose(self, candidate: str) -> CodeError | None:
        """For a word that no grammar read: the part that is wrong, if the word is shaped
        like this family's codes; None if it is not (or is not wrong). The national families
        are diagnosed together instead (:func:`dossier._grammars._dated.diagnose_dated`)."""
        return None
