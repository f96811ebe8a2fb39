"""The clean-up every text gets before the grammars read it, in time linear in its length.

Citizens type codes with spaces around separators (``000 . 00 . 20 . H30 - 240115``),
commas or slashes for dots (``000,00,20,H30``), in lower case, with line breaks. All of that
is reduced here to one spelling: upper case, single spaces, separators closed up, commas
and slashes between letters or digits written as dots. Every step is a plain string method
or a regular expression with bounded quantifiers, so that no text, however hostile, makes
the clean-up slower than linear.

A space after a dot is closed up only after a group of two or three characters holding a
digit (``000. 00``), not after a word or a list number: "Cam on. 000.00.20.H30-..." and
"1. 000.00.20.H30-..." keep their code apart from what came before.
"""

from __future__ import annotations

import re

_SPACED_DASH = re.compile(r" ?- ?")
_COMMA_OR_SLASH = re.compile(r"(?<=[0-9A-Z])[,/](?=[0-9A-Z])")
_SPACE_BEFORE_DOT = re.compile(r" \. ?(?=[0-9A-Z])")
_SPACE_AFTER_GROUP_DOT = re.compile(
    r"(?<![0-9A-Z])((?=[0-9A-Z]{0,2}[0-9])[0-9A-Z]{2,3})\. (?=[0-9A-Z])"
)


def clean(text: str) -> str:
    """The text as the grammars read it (see the module docstring); ``text`` is folded."""
    text = " ".join(text.upper().split())
    text = _SPACED_DASH.sub("-", text)
    text = _COMMA_OR_SLASH.sub(".", text)
    text = _SPACE_BEFORE_DOT.sub(".", text)
    return _SPACE_AFTER_GROUP_DOT.sub(r"\1.", text)
