"""The modem's byte stream as events: bytes in, lines, prompts and notifications out. No I/O.

A modem interleaves three things on one serial line: answers to the command in progress,
the ``> `` prompt that asks for a PDU after ``AT+CMGS``, and lines it sends on its own
(``+CMTI`` for a stored message, ``+CMT`` with a whole PDU on the next line, ``^RSSI``,
``RING``, a restart's ``RDY``). :class:`LineStream` tells them apart as bytes arrive, in
whatever pieces the port delivers them, so that a notification can never be glued to an
answer nor wait in a buffer for the next line. It is the protocol half of pySerial's
``serial.threaded`` split (``ReaderThread`` owns the port; see ``hardware.modem._driver``),
shaped after its AT protocol example, and it is tested by feeding it bytes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

URC_PREFIXES = (
    "+CMTI:",
    "+CDSI:",
    "RING",
    "+CRING:",
    "NO CARRIER",
    "^RSSI:",
    "^HCSQ:",
    "^BOOT:",
    "^MODE:",
    "^SRVST:",
    "^SIMST:",
    "^SYSSTART",
    "^SMMEMFULL",
    "+CIEV:",
    "+QIND:",
    "+QUSIM:",
    "RDY",
    "Call Ready",
    "SMS Ready",
)
"""Lines a modem sends only on its own initiative, never as part of an answer."""

_WITH_PDU = ("+CMT:", "+CDS:")
"""Notifications whose PDU follows on the next line."""

FINAL_RESULTS = ("OK", "ERROR", "COMMAND NOT SUPPORT")
"""Lines that end an answer, besides ``+CME ERROR: n`` and ``+CMS ERROR: n``."""


class EventKind(enum.Enum):
    LINE = "line"
    """A line of the answer to the command in progress."""
    PROMPT = "prompt"
    """The ``> `` that asks for the PDU after ``AT+CMGS``."""
    NOTICE = "notice"
    """A line the modem sent on its own (``+CMTI``, ``^RSSI``, ``RDY``, ...)."""
    DELIVERY = "delivery"
    """A message pushed with ``+CMT``: ``text`` is the header, ``pdu`` the message."""
    LOST = "lost"
    """The port went away; ``text`` says how (made by the reader, never by the stream)."""


@dataclass(frozen=True, slots=True)
class LineEvent:
    kind: EventKind
    text: str = ""
    pdu: str = ""


def is_final(line: str) -> bool:
    """Whether ``line`` ends the answer to a command."""
    return line in FINAL_RESULTS or line.startswith(("+CME ERROR:", "+CMS ERROR:"))


class LineStream:
    """Feed it bytes as they come; it returns the events they complete.

    Lines end with CR LF; bytes that are not UTF-8 become U+FFFD rather than stop the
    stream. ``prompt_wanted`` says that the command in progress waits for ``> ``, which ends
    with no line break.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._header: str | None = None

    def feed(self, data: bytes, *, prompt_wanted: bool = False) -> list[LineEvent]:
        self._buffer.extend(data)
        events: list[LineEvent] = []
        while True:
            end = self._buffer.find(b"\r\n")
            if end < 0:
                break
            line = self._buffer[:end].decode("utf-8", "replace").strip()
            del self._buffer[: end + 2]
            if line:
                events.extend(self._line(line))
        if prompt_wanted and self._buffer.lstrip(b"\r\n").startswith(b">"):
            self._buffer.clear()
            events.append(LineEvent(EventKind.PROMPT))
        return events

    def _line(self, line: str) -> list[LineEvent]:
        if self._header is not None:
            header, self._header = self._header, None
            if header.startswith("+CMT:"):
                return [LineEvent(EventKind.DELIVERY, header, line)]
            return [LineEvent(EventKind.NOTICE, header)]
        if line.startswith(_WITH_PDU):
            self._header = line
            return []
        if line.startswith(URC_PREFIXES):
            return [LineEvent(EventKind.NOTICE, line)]
        return [LineEvent(EventKind.LINE, line)]
