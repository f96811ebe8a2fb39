"""A reply cut into SMPP ``submit_sm`` parts: the data coding, the header and the octets.

smpplib has ``gsm.make_parts``, but it cuts GSM-7 text inside an escape sequence (a ``€`` at
a part boundary arrives as two broken characters) and draws a random concatenation
reference on every call, so a reply resumed from its failed part would carry a new one and
the phone could never join it (``tests/smsd/transports/test_segments.py`` shows both). The
daemon needs the reference it persisted, so the parts are cut by ``smsd._smpp_fields``,
which the SMSC simulator cuts citizens' long messages with too.
"""

from __future__ import annotations

from dataclasses import dataclass

from smsd._smpp_fields import DCS_GSM7, DCS_UCS2, ESM_UDHI, encode_text, parts

__all__ = ["DCS_GSM7", "DCS_UCS2", "ESM_UDHI", "Segment", "encode_text", "segments"]


@dataclass(frozen=True, slots=True)
class Segment:
    """One ``submit_sm``: its data coding, esm_class and short message octets."""

    data_coding: int
    esm_class: int
    short_message: bytes


def segments(text: str, reference: int) -> list[Segment]:
    """The parts of ``text``: one without a header when it fits, else concatenated parts
    under ``reference`` (0 to 255), each cut on a character boundary."""
    coding, data = encode_text(text)
    return [
        Segment(coding, esm_class, octets) for esm_class, octets in parts(data, coding, reference)
    ]
