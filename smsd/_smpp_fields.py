"""SMPP 3.4 fields written the same way by both ends of the project's SMPP links: the SMPP
transport (``smsd.transports.smpp``, which submits replies) and the SMSC simulator
(``smsd.smsc_sim``, which delivers citizens' messages and receipts).

Here, once: how a number becomes a TON/NPI and digits and back; which ``data_coding`` a text
goes in (GSM-7, one septet per octet, when every character has one, else UCS2); how a long
text is cut into concatenated parts (160/140 octets alone, 153/134 a part, never inside a
character, an 8-bit reference in the header); and the delivery receipt's states and text
(SMPP 3.4 section 5.2.28 and appendix B), which the simulator writes and the transport
reads.

What stays apart on purpose: each side *reads* what the other wrote with its own code. The
simulator reads the transport's ``submit_sm`` (its data_coding, header and text) with its
own reader in ``smsd.smsc_sim`` (written from the specification, sharing nothing with
smpplib either), and the transport reads the simulator's ``deliver_sm`` with its own in
``smsd.transports.smpp``: with a shared reader, a mistake made the same way when writing
and reading would pass every test unseen. The receipt text is the exception: its reader is
checked against receipts as real SMSCs write them (``tests/smsd/test_smpp_fields.py``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from hardware.sms_pdu import gsm7_septets

DCS_GSM7 = 0x00
"""SMSC default alphabet: GSM 7-bit, one septet per octet on SMPP (not packed)."""
DCS_LATIN1 = 0x03
DCS_BINARY = 0x04
DCS_UCS2 = 0x08
ESM_UDHI = 0x40
"""esm_class bit: the short message starts with a user data header."""
ESM_DELIVERY_RECEIPT = 0x04
"""esm_class message type of an SMSC delivery receipt (``deliver_sm`` only)."""

SINGLE = {DCS_GSM7: 160, DCS_UCS2: 140}
"""Octets (GSM-7: septets, one per octet on SMPP) that fit one SMS without a header."""
PART = {DCS_GSM7: 153, DCS_UCS2: 134}
"""Octets of text in each part of a concatenated SMS (6 go to the header)."""
_ESCAPE = 0x1B


class Ton(enum.IntEnum):
    """Type of number (section 5.2.5), as far as citizens' numbers go."""

    UNKNOWN = 0
    INTERNATIONAL = 1


NPI_E164 = 1
"""Numbering plan of every citizen's number (ISDN, E.164)."""


@dataclass(frozen=True, slots=True)
class Address:
    ton: int
    npi: int
    digits: str


def address(number: str) -> Address:
    """A citizen's number as SMPP carries it: ``+84...`` international, else as dialled."""
    if number.startswith("+"):
        return Address(Ton.INTERNATIONAL, NPI_E164, number[1:])
    return Address(Ton.UNKNOWN, NPI_E164, number)


def number(ton: int, digits: str) -> str:
    """The number an address stands for: international ones with their ``+``."""
    if ton == Ton.INTERNATIONAL and digits and not digits.startswith("+"):
        return "+" + digits
    return digits


def encode(text: str, coding: int) -> bytes:
    """``text`` in ``coding`` (GSM-7 or UCS2); ValueError when GSM-7 cannot write it."""
    if coding == DCS_UCS2:
        return text.encode("utf-16-be", "surrogatepass")
    return bytes(gsm7_septets(text))


def encode_text(text: str) -> tuple[int, bytes]:
    """GSM-7 octets when every character has one, else UCS2 (UTF-16BE: emoji as pairs)."""
    try:
        return DCS_GSM7, encode(text, DCS_GSM7)
    except ValueError:
        return DCS_UCS2, encode(text, DCS_UCS2)


def concat_udh(reference: int, total: int, number: int) -> bytes:
    """The user data header of part ``number`` of ``total`` (IEI 0x00, 8-bit reference)."""
    return bytes((5, 0x00, 3, reference & 0xFF, total, number))


def parts(data: bytes, coding: int, reference: int) -> list[tuple[int, bytes]]:
    """The ``(esm_class, short_message)`` of each part of ``data``: one without a header
    when it fits, else concatenated parts under ``reference``, each cut on a character
    boundary (a GSM-7 escape stays with the character it announces, a UTF-16 surrogate pair
    stays whole)."""
    if len(data) <= SINGLE[coding]:
        return [(0, data)]
    chunks: list[bytes] = []
    start = 0
    while start < len(data):
        end = min(start + PART[coding], len(data))
        if end < len(data):
            if coding == DCS_GSM7 and data[end - 1] == _ESCAPE:
                end -= 1
            elif coding == DCS_UCS2 and 0xD8 <= data[end - 2] <= 0xDB:
                end -= 2
        chunks.append(data[start:end])
        start = end
    total = len(chunks)
    return [
        (ESM_UDHI, concat_udh(reference, total, index) + chunk)
        for index, chunk in enumerate(chunks, start=1)
    ]


MESSAGE_STATES = {
    "DELIVRD": 2,
    "EXPIRED": 3,
    "DELETED": 4,
    "UNDELIV": 5,
    "ACCEPTD": 6,
    "REJECTD": 8,
}
"""message_state values (section 5.2.28) for the receipt's ``stat`` words."""
STATE_WORDS = {code: word for word, code in MESSAGE_STATES.items()}


def receipt_text(message_id: str, stat: str, submitted: str, done: str, text: str) -> str:
    """The delivery receipt's short message, in the format of SMPP 3.4 appendix B."""
    delivered = "001" if stat == "DELIVRD" else "000"
    return (
        f"id:{message_id} sub:001 dlvrd:{delivered} submit date:{submitted} done date:{done} "
        f"stat:{stat} err:000 text:{text[:20]}"
    )


def receipt_fields(body: str) -> dict[str, str]:
    """The ``key:value`` fields of a receipt's text, keys in lower case (``submit date`` as
    ``submit_date``), up to ``text:``, which is the message's own text and may hold
    anything."""
    head = re.split(r"\btext:", body, maxsplit=1, flags=re.IGNORECASE)[0]
    head = re.sub(r"(submit|done) date:", r"\1_date:", head, flags=re.IGNORECASE)
    pairs = (word.split(":", 1) for word in head.split() if ":" in word)
    return {key.lower(): value for key, value in pairs}
