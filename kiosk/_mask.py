"""The keypad as an input mask: separators put in by the kiosk, a cursor to fix one part.

Copying ``000.00.20.H30-240115-0001`` key by key, people leave out the dots and dashes (the
old hint never said to type them) and then had to type all 25 characters again after an
error. Here a key that cannot continue the code where it stands, but can after the separator
the grammar expects there, gets that separator first; a separator typed where one was just
put in is not doubled; and after an error the cursor goes to the end of the wrong part, with
the rest of the code kept.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from dossier import (
    DEFAULT_FAMILIES,
    EXAMPLE_CODE,
    CodeError,
    CodeFamilies,
    Family,
    Stage,
    code_progress,
)

SEPARATORS = (".", "-")
EXAMPLES = {
    Family.NATIONAL: EXAMPLE_CODE,
    Family.NATIONAL_SHORT: "H30.20-241203-0158",
    Family.OPENCPS: "CNTBD.181121.00334",
    Family.OPENCPS_ID: "D-7K2P-38963",
}
"""What a code of each built-in family looks like, for the keypad's placeholder."""

_NATIONAL = CodeFamilies((Family.NATIONAL, Family.NATIONAL_SHORT))
_NATIONAL_TRACK = re.compile(r"[0-9.]*(?:[HG][0-9]{0,2})?|[HG][0-9][0-9.]*|[^-]+-[0-9\-]*")
"""Text that can only be heading for a national code: digits and separators, a letter code
first (H30.20...), or anything with the agency part already closed by a dash. Elsewhere
(``CNTBD``, ``D-``) other families are typed exactly as pressed."""


def shapes(families: CodeFamilies) -> str:
    """The expected shape of a code, one example per enabled built-in family."""
    return " / ".join(EXAMPLES[family] for family in families.built_in) or "…"


def letters(families: CodeFamilies) -> str:
    """The letters a deployment's codes need beyond H and G (which are always on the keypad):
    every letter for OpenCPS numbers and custom shapes, D for OpenCPS ids."""
    if Family.OPENCPS in families.built_in or families.custom:
        return string.ascii_uppercase
    if Family.OPENCPS_ID in families.built_in:
        return "D"
    return ""


@dataclass(frozen=True, slots=True)
class Typed:
    """The code being typed and where the cursor stands in it (0 to ``len(text)``)."""

    text: str = ""
    cursor: int = 0

    def key(
        self,
        key: str,
        *,
        limit: int,
        mask: bool = True,
        families: CodeFamilies = DEFAULT_FAMILIES,
    ) -> Typed:
        """After a keypad key: a character, ``BACKSPACE``, ``CLEAR``, ``LEFT`` or ``RIGHT``;
        ``mask`` puts in the separators a dossier code needs (not for a PIN)."""
        text, cursor = self.text, self.cursor
        if key == "CLEAR":
            return Typed()
        if key == "BACKSPACE":
            return Typed(text[: cursor - 1] + text[cursor:], cursor - 1) if cursor else self
        if key == "LEFT":
            return Typed(text, max(0, cursor - 1))
        if key == "RIGHT":
            return Typed(text, min(len(text), cursor + 1))
        if len(text) + len(key) > limit:
            return self
        if cursor < len(text) or not mask:  # inside the code, or a PIN: exactly what was pressed
            return Typed(text[:cursor] + key + text[cursor:], cursor + len(key))
        after = masked(text, key, families)
        return Typed(after, len(after))


def _fits(text: str) -> bool:
    return code_progress(text, families=_NATIONAL).stage is not Stage.WRONG


def masked(text: str, key: str, families: CodeFamilies = DEFAULT_FAMILIES) -> str:
    """``text`` with ``key`` typed at its end, and the separator a national code needs before
    it (when the deployment reads national codes and the text can only be one)."""
    if key in SEPARATORS and text.endswith(key):
        return text  # the kiosk put it in already
    typed = text + key
    national = Family.NATIONAL in families.built_in or Family.NATIONAL_SHORT in families.built_in
    if not national or not _NATIONAL_TRACK.fullmatch(text):
        return typed
    progress = code_progress(text, families=_NATIONAL)
    dashes = text.count("-")
    full = not text.startswith(("H", "G"))  # a letter code's groups have 1 to 3 digits
    agency_done = progress.stage is Stage.DATE and progress.missing == 6 and dashes == 0 and full
    date = text.partition("-")[2]
    date_done = dashes == 1 and len(date) == 6 and date.isdigit()  # even a date that is wrong
    if (agency_done or date_done) and key.isdigit():  # a dash comes next
        return f"{text}-{key}"
    if _fits(typed) or not _fits(text):
        return typed
    for separator in SEPARATORS:
        if _fits(text + separator + key):
            return text + separator + key
    return typed


def cursor_on(text: str, error: CodeError) -> int:
    """Where the cursor goes after ``error``: the end of the wrong part, else the end."""
    if error.part:
        found = text.upper().find(error.part.upper())
        if found >= 0:
            return found + len(error.part)
    return len(text)
