"""A reply cut into SMPP ``submit_sm`` parts: the data coding, the header and the octets.

smpplib has ``gsm.make_parts``, but it cuts GSM-7 text inside an escape sequence (a ``€`` at
a part boundary arrives as two broken characters) and draws a random concatenation
reference on every call, so a reply resumed from its failed part would carry a new one and
the phone could never join it (``tests/smsd/transports/test_segments.py`` shows both). The
daemon needs the reference it persisted, so the parts are cut here, in this one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware.sms_pdu import gsm7_septets

DCS_GSM7 = 0x00
"""SMSC default alphabet: GSM 7-bit, one septet per octet on SMPP (not packed)."""
DCS_UCS2 = 0x08
ESM_UDHI = 0x40

_SINGLE = {DCS_GSM7: 160, DCS_UCS2: 140}
_PART = {DCS_GSM7: 153, DCS_UCS2: 134}
_ESCAPE = 0x1B


@dataclass(frozen=True, slots=True)
class Segment:
    """One ``submit_sm``: its data coding, esm_class and short message octets."""

    data_coding: int
    esm_class: int
    short_message: bytes


def encode_text(text: str) -> tuple[int, bytes]:
    """GSM-7 octets when every character has one, else UCS2 (UTF-16BE: emoji as pairs)."""
    try:
        return DCS_GSM7, bytes(gsm7_septets(text))
    except ValueError:
        return DCS_UCS2, text.encode("utf-16-be")


def segments(text: str, reference: int) -> list[Segment]:
    """The parts of ``text``: one without a header when it fits, else concatenated parts
    under ``reference`` (0 to 255), each cut on a character boundary."""
    coding, data = encode_text(text)
    if len(data) <= _SINGLE[coding]:
        return [Segment(coding, 0, data)]
    chunks: list[bytes] = []
    start = 0
    while start < len(data):
        end = min(start + _PART[coding], len(data))
        if end < len(data):
            if coding == DCS_GSM7 and data[end - 1] == _ESCAPE:
                end -= 1
            elif coding == DCS_UCS2 and 0xD8 <= data[end - 2] <= 0xDB:
                end -= 2
        chunks.append(data[start:end])
        start = end
    total = len(chunks)
    header = bytes((5, 0x00, 3, reference & 0xFF, total))
    return [
        Segment(coding, ESM_UDHI, header + bytes((number,)) + chunk)
        for number, chunk in enumerate(chunks, start=1)
    ]
