"""The keypad as an input mask: separators put in by the kiosk, a cursor to fix one part.

Copying ``000.00.20.H30-240115-0001`` key by key, people leave out the dots and dashes (the
old hint never said to type them) and then had to type all 25 characters again after an
error. Here a key that cannot continue the code where it stands, but can after the separator
the grammar expects there, gets that separator first; a separator typed where one was just
put in is not doubled; and after an error the cursor goes to the end of the wrong part, with
the rest of the code kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from dossier import CodeError, Stage, code_progress

SEPARATORS = (".", "-")


@dataclass(frozen=True, slots=True)
class Typed:
    """The code being typed and where the cursor stands in it (0 to ``len(text)``)."""

    text: str = ""
    cursor: int = 0

    def key(self, key: str, *, limit: int, mask: bool = True) -> Typed:
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
        after = masked(text, key)
        return Typed(after, len(after))


def _fits(text: str) -> bool:
    return code_progress(text).stage is not Stage.WRONG


def masked(text: str, key: str) -> str:
    """``text`` with ``key`` typed at its end, and the separator the grammar needs before it."""
    if key in SEPARATORS and text.endswith(key):
        return text  # the kiosk put it in already
    typed = text + key
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
