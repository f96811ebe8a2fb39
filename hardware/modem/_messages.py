"""Received SMS as the daemon stores them, and the PDUs of the replies it sends.

python-gsmmodem-new still drives the modem and encodes replies, but received PDUs are read
here, in this one place, with the project's own codec (``hardware.sms_pdu``): the library
reads GSM-7 text past its stated length, decodes 8-bit data (WAP push, MMS notifications) as
GSM-7 or raises ``StopIteration`` on it, and misreads addresses (``tests/hardware/
test_sms_pdu.py`` shows each on real phones' PDUs). Every PDU the modem holds becomes an
:class:`Incoming`, decodable or not, and nothing is dropped for being strange.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gsmmodem.pdu import encodeSmsSubmitPdu

from hardware.sms_pdu import PduError, decode_deliver


@dataclass(frozen=True, slots=True)
class PartInfo:
    """The concatenation header of one part of a long SMS."""

    reference: int
    total: int
    number: int


@dataclass(frozen=True, slots=True)
class Incoming:
    """One SMS as read from the modem, with where it was found.

    ``text`` keeps UTF-16 surrogate pairs split as the PDU carried them when the message is
    one part of a longer one (a pair may straddle two parts); :func:`join_units` repairs
    them once the parts are joined. ``error`` is set, and ``sender`` may be empty, when the
    PDU could not be decoded; the raw ``pdu`` is kept either way. ``binary`` marks a message
    for a program on the phone (8-bit data, or addressed to an application port such as WAP
    push), which no person wrote and nobody should answer.
    """

    pdu: str
    sender: str
    text: str
    sent_at: dt.datetime | None
    part: PartInfo | None = None
    memory: str | None = None
    index: int | None = None
    error: str | None = None
    binary: bool = False

    @property
    def units(self) -> bytes:
        """The text as UTF-16LE code units, surrogates kept, for storage and joining."""
        return self.text.encode("utf-16-le", "surrogatepass")


def join_units(parts: list[bytes]) -> str:
    """Join the UTF-16 units of message parts into text; broken pairs become U+FFFD."""
    return b"".join(parts).decode("utf-16-le", "replace")


def decode_incoming(pdu: str, *, memory: str | None = None, index: int | None = None) -> Incoming:
    """Decode an SMS-DELIVER PDU; a PDU that is not a readable one comes back with ``error``."""
    try:
        deliver = decode_deliver(pdu)
    except PduError as exc:
        return Incoming(
            pdu=pdu, sender="", text="", sent_at=None, memory=memory, index=index, error=str(exc)
        )
    concat = deliver.concat
    part = None
    text = deliver.text
    if concat is not None and concat.total > 1:
        part = PartInfo(concat.reference, concat.total, concat.number)
    else:
        text = join_units([text.encode("utf-16-le", "surrogatepass")])
    return Incoming(
        pdu=pdu,
        sender=deliver.sender,
        text=text,
        sent_at=deliver.timestamp,
        part=part,
        memory=memory,
        index=index,
        binary=deliver.binary,
    )


def _library_text(text: str) -> str:
    """Spell characters beyond the BMP as surrogate pairs, the only form the encoder takes."""
    spelled: list[str] = []
    for char in text:
        point = ord(char)
        if point < 0x10000:
            spelled.append(char)
        else:
            point -= 0x10000
            spelled.append(chr(0xD800 + (point >> 10)) + chr(0xDC00 + (point & 0x3FF)))
    return "".join(spelled)


def submit_pdus(number: str, text: str, reference: int) -> list[tuple[int, str]]:
    """The SMS-SUBMIT PDUs for a text: (TPDU length for ``AT+CMGS``, hex PDU) per part."""
    pdus = encodeSmsSubmitPdu(
        number, _library_text(text), reference=reference % 256, requestStatusReport=False
    )
    return [(int(pdu.tpduLength), str(pdu)) for pdu in pdus]
