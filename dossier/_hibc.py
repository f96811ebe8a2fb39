"""HIBC, the wrapping OpenCPS's QR endpoint puts around a dossier number.

``/o/rest/v2/dossiers/{id}/qrcode`` (VietOpenCPS/opencps-v2, ``DossierManagementImpl``)
encodes the number with Okapi Barcode in HIBC mode: ``+``, the number upper-cased, then a
check character. The check is the sum of the values of every character in
``0-9A-Z-. $/+%`` (0 to 42), the leading ``+`` (41) included, modulo 43, written as the
character of that value. A scanned code whose check character does not match was misread,
and is refused rather than looked up under a wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass

_TABLE = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"
_VALUE = {char: value for value, char in enumerate(_TABLE)}
_LONGEST = 110
"""HIBC's limit on the data, without the ``+`` and the check character."""


def check_character(data: str) -> str:
    """The check character of HIBC ``data`` (upper case, without the ``+``)."""
    return _TABLE[(_VALUE["+"] + sum(_VALUE[char] for char in data)) % len(_TABLE)]


def hibc_encode(number: str) -> str:
    """What OpenCPS's QR code holds for a dossier number (the tests' reference encoder)."""
    data = number.upper()
    return f"+{data}{check_character(data)}"


@dataclass(frozen=True, slots=True)
class Hibc:
    """A reading of a word as HIBC: its data, and whether the check character matches."""

    data: str
    checked: bool


def read_hibc(word: str) -> list[Hibc]:
    """The ways a whitespace-free word can be HIBC; none when it cannot (no ``+`` first, a
    character outside the table, too long).

    The check character may be a space, which a scanner trims or the text splits off, so a
    word is read both with its last character as the check and with a space as the check.
    """
    upper = word.upper()
    if len(upper) < 2 or len(upper) > _LONGEST + 2 or upper[0] != "+":
        return []
    if any(char not in _VALUE for char in upper):
        return []
    readings = [Hibc(upper[1:], check_character(upper[1:]) == " ")]
    if len(upper) > 2:
        readings.insert(0, Hibc(upper[1:-1], check_character(upper[1:-1]) == upper[-1]))
    return readings
