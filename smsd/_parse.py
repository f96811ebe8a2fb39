"""What a citizen's SMS asks for: one to three dossier codes, help, or nothing we understand.

Citizens type on every kind of phone: keywords in any case and with or without diacritics
("TRA CỨU"), codes with spaces or stray punctuation, a link copied from the portal. The
code grammar is the foundation's (:func:`dossier.find_codes`), so whatever the kiosk accepts
the SMS service accepts too; this module only adds the SMS conventions around it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from dossier import (
    DEFAULT_FAMILIES,
    CodeError,
    CodeFamilies,
    CodeQuery,
    find_codes,
    fold_text,
    strip_diacritics,
)

MAX_CODES = 3
"""Codes answered per message; a reply for more would not fit the part limit anyway."""


class Intent(enum.Enum):
    LOOKUP = "lookup"
    """At least one code, or something that tried to be one (then ``errors`` says what)."""
    HELP = "help"
    """An explicit request for instructions."""
    UNKNOWN = "unknown"
    """Nothing that looks like a code: answered with the instructions too."""


@dataclass(frozen=True, slots=True)
class Request:
    intent: Intent
    queries: tuple[CodeQuery, ...] = ()
    errors: tuple[CodeError, ...] = ()
    dropped: int = 0
    """Valid codes beyond :data:`MAX_CODES`, left unanswered."""


_PUNCTUATION = re.compile(r"[^\w?]+")


def _words(text: str) -> str:
    """Upper case, no diacritics, punctuation squeezed to single spaces."""
    plain = strip_diacritics(fold_text(text)).upper()
    return " ".join(_PUNCTUATION.sub(" ", plain).split())


def parse_message(
    text: str,
    *,
    help_words: tuple[str, ...] = ("HD", "HELP", "?"),
    families: CodeFamilies = DEFAULT_FAMILIES,
) -> Request:
    """Classify one SMS. Never raises: anything unreadable is :attr:`Intent.UNKNOWN`."""
    words = _words(text)
    if not words or words in {_words(word) or word for word in help_words}:
        return Request(Intent.HELP if words else Intent.UNKNOWN)
    queries: list[CodeQuery] = []
    errors: list[CodeError] = []
    for found in find_codes(text, families=families):
        if isinstance(found, CodeQuery):
            queries.append(found)
        else:
            errors.append(found)
    if not queries and not errors:
        return Request(Intent.UNKNOWN)
    return Request(
        Intent.LOOKUP,
        queries=tuple(queries[:MAX_CODES]),
        errors=tuple(errors[: max(0, MAX_CODES - len(queries))]) if queries else tuple(errors[:1]),
        dropped=max(0, len(queries) - MAX_CODES),
    )
