"""Received SMS as the daemon stores them, decoded with python-gsmmodem-new's PDU codec.

The library's decoder returns lone UTF-16 surrogates for emoji and raises assorted
exceptions on malformed PDUs; here both are tamed so that every PDU the modem holds becomes
an :class:`Incoming`, decodable or not, and nothing is dropped for being strange.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gsmmodem.pdu import Concatenation, decodeSmsPdu, encodeSmsSubmitPdu


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
    PDU could not be decoded; the raw ``pdu`` is kept either way.
    """

    pdu: str
    sender: str
    text: str
    sent_at: dt.datetime | None
    part: PartInfo | None = None
    memory: str | None = None
    index: int | None = None
    error: str | None = None

    @property
    def units(self) -> bytes:
        """The text as UTF-16LE code units, surrogates kept, for storage and joining."""
        return self.text.encode("utf-16-le", "surrogatepass")


def join_units(parts: list[bytes]) -> str:
    """Join the UTF-16 units of message parts into text; broken pairs become U+FFFD."""
    return b"".join(parts).decode("utf-16-le", "replace")


def decode_incoming(pdu: str, *, memory: str | None = None, index: int | None = None) -> Incoming:
    """Decode an SMS-DELIVER PDU; a PDU the library cannot read comes back with ``error``."""
    try:
        fields = decodeSmsPdu(pdu)
        if fields.get("type") != "SMS-DELIVER":
            raise ValueError(f"not an SMS-DELIVER but {fields.get('type')}")
        part = None
        for element in fields.get("udh") or []:
            if isinstance(element, Concatenation):
                part = PartInfo(int(element.reference), int(element.parts), int(element.number))
        text = str(fields.get("text") or "")
        if part is None or part.total <= 1:
            part = None
            text = join_units([text.encode("utf-16-le", "surrogatepass")])
        sent_at = fields.get("time")
        return Incoming(
            pdu=pdu,
            sender=str(fields.get("number") or ""),
            text=text,
            sent_at=sent_at if isinstance(sent_at, dt.datetime) else None,
            part=part,
            memory=memory,
            index=index,
        )
    except Exception as exc:  # any malformed PDU must still be kept, whatever it raises
        return Incoming(
            pdu=pdu,
            sender="",
            text="",
            sent_at=None,
            memory=memory,
            index=index,
            error=f"{type(exc).__name__}: {exc}",
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
