"""The SMPP 3.4 wire format, as much of it as an SMSC answering one short code needs.

Written from the SMPP v3.4 specification (Issue 1.2): section 3.2 (the 16-octet header),
4.1 (the binds), 4.4 and 4.6 (``submit_sm``, ``deliver_sm`` and their responses), 4.11
(``enquire_link``), 5.1.2 (command status codes), 5.3 (optional parameters, TLVs) and
appendix B (the delivery receipt text). It shares no code with ``smpplib``, the client the
daemon uses, nor with the transport's reading, so that the simulator reads the client's
PDUs as an independent oracle; what both sides write alike (codings, parts, addresses,
receipts) comes from ``smsd._smpp_fields``.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field

from smsd._smpp_fields import DCS_GSM7 as DCS_DEFAULT

HEADER = struct.Struct(">IIII")
MAX_PDU = 64 * 1024
"""Longest PDU accepted; a longer length field means a broken or hostile peer."""


class Command(enum.IntEnum):
    GENERIC_NACK = 0x80000000
    BIND_RECEIVER = 0x00000001
    BIND_RECEIVER_RESP = 0x80000001
    BIND_TRANSMITTER = 0x00000002
    BIND_TRANSMITTER_RESP = 0x80000002
    SUBMIT_SM = 0x00000004
    SUBMIT_SM_RESP = 0x80000004
    DELIVER_SM = 0x00000005
    DELIVER_SM_RESP = 0x80000005
    UNBIND = 0x00000006
    UNBIND_RESP = 0x80000006
    BIND_TRANSCEIVER = 0x00000009
    BIND_TRANSCEIVER_RESP = 0x80000009
    ENQUIRE_LINK = 0x00000015
    ENQUIRE_LINK_RESP = 0x80000015


BINDS = frozenset({Command.BIND_RECEIVER, Command.BIND_TRANSMITTER, Command.BIND_TRANSCEIVER})


class Status(enum.IntEnum):
    """Command status codes (section 5.1.2) that the simulator answers."""

    ROK = 0x00
    RINVMSGLEN = 0x01
    RINVCMDLEN = 0x02
    RINVCMDID = 0x03
    RINVBNDSTS = 0x04
    RALYBND = 0x05
    RSYSERR = 0x08
    RINVSRCADR = 0x0A
    RINVDSTADR = 0x0B
    RBINDFAIL = 0x0D
    RINVPASWD = 0x0E
    RINVSYSID = 0x0F
    RMSGQFUL = 0x14
    RINVESMCLASS = 0x43
    RSUBMITFAIL = 0x45
    RTHROTTLED = 0x58
    RX_T_APPN = 0x64
    RX_P_APPN = 0x65


class Tag(enum.IntEnum):
    """Optional parameter tags (section 5.3.2) the simulator reads or writes."""

    USER_MESSAGE_REFERENCE = 0x0204
    SAR_MSG_REF_NUM = 0x020C
    SAR_TOTAL_SEGMENTS = 0x020E
    SAR_SEGMENT_SEQNUM = 0x020F
    SC_INTERFACE_VERSION = 0x0210
    RECEIPTED_MESSAGE_ID = 0x001E
    MESSAGE_PAYLOAD = 0x0424
    MESSAGE_STATE = 0x0427


class SmppError(ValueError):
    """Bytes that are not a valid SMPP PDU; ``status`` is what to answer."""

    def __init__(self, message: str, status: Status = Status.RINVCMDLEN) -> None:
        super().__init__(message)
        self.status = status


@dataclass(slots=True)
class Pdu:
    """One PDU: the header and the body still as bytes (see the ``read_*`` functions)."""

    command: int
    status: int
    sequence: int
    body: bytes = b""

    def encode(self) -> bytes:
        return HEADER.pack(16 + len(self.body), self.command, self.status, self.sequence) + (
            self.body
        )


def split_stream(buffer: bytearray) -> list[Pdu]:
    """Take every complete PDU off the front of ``buffer`` (what is left stays there)."""
    pdus: list[Pdu] = []
    while len(buffer) >= 16:
        length, command, status, sequence = HEADER.unpack_from(buffer)
        if not 16 <= length <= MAX_PDU:
            raise SmppError(f"command_length {length} is out of range")
        if len(buffer) < length:
            break
        pdus.append(Pdu(command, status, sequence, bytes(buffer[16:length])))
        del buffer[:length]
    return pdus


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def cstring(self, limit: int) -> str:
        end = self.data.find(b"\0", self.offset)
        if end < 0 or end - self.offset >= limit:
            raise SmppError(f"a C-octet string is longer than {limit - 1} octets", Status.RSYSERR)
        text = self.data[self.offset : end].decode("latin-1")
        self.offset = end + 1
        return text

    def byte(self) -> int:
        if self.offset >= len(self.data):
            raise SmppError("the body ends early", Status.RINVMSGLEN)
        value = self.data[self.offset]
        self.offset += 1
        return value

    def octets(self, count: int) -> bytes:
        chunk = self.data[self.offset : self.offset + count]
        if len(chunk) != count:
            raise SmppError("the short message is cut short", Status.RINVMSGLEN)
        self.offset += count
        return chunk

    def tlvs(self) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        while self.offset < len(self.data):
            if self.offset + 4 > len(self.data):
                raise SmppError("an optional parameter header is cut short", Status.RINVMSGLEN)
            tag, length = struct.unpack_from(">HH", self.data, self.offset)
            self.offset += 4
            found[tag] = self.octets(length)
        return found


def _cstring(text: str) -> bytes:
    return text.encode("latin-1") + b"\0"


@dataclass(frozen=True, slots=True)
class Bind:
    system_id: str
    password: str
    system_type: str
    interface_version: int
    addr_ton: int
    addr_npi: int
    address_range: str


def read_bind(body: bytes) -> Bind:
    reader = _Reader(body)
    return Bind(
        system_id=reader.cstring(16),
        password=reader.cstring(9),
        system_type=reader.cstring(13),
        interface_version=reader.byte(),
        addr_ton=reader.byte(),
        addr_npi=reader.byte(),
        address_range=reader.cstring(41),
    )


def bind_resp_body(system_id: str) -> bytes:
    return _cstring(system_id) + struct.pack(">HHB", Tag.SC_INTERFACE_VERSION, 1, 0x34)


@dataclass(frozen=True, slots=True)
class ShortMessage:
    """The body of a ``submit_sm`` or ``deliver_sm`` (they share one layout, section 4.4.1)."""

    source_addr: str
    destination_addr: str
    short_message: bytes
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    dest_addr_ton: int = 1
    dest_addr_npi: int = 1
    esm_class: int = 0
    data_coding: int = DCS_DEFAULT
    registered_delivery: int = 0
    service_type: str = ""
    protocol_id: int = 0
    tlvs: dict[int, bytes] = field(default_factory=dict)

    def encode(self) -> bytes:
        if len(self.short_message) > 254:
            raise SmppError("short_message is longer than 254 octets", Status.RINVMSGLEN)
        body = (
            _cstring(self.service_type)
            + bytes((self.source_addr_ton, self.source_addr_npi))
            + _cstring(self.source_addr)
            + bytes((self.dest_addr_ton, self.dest_addr_npi))
            + _cstring(self.destination_addr)
            + bytes((self.esm_class, self.protocol_id, 0))  # priority_flag
            + b"\0\0"  # schedule_delivery_time, validity_period: immediate, default
            + bytes((self.registered_delivery, 0, self.data_coding, 0, len(self.short_message)))
            + self.short_message
        )
        for tag, value in self.tlvs.items():
            body += struct.pack(">HH", tag, len(value)) + value
        return body

    @property
    def message(self) -> bytes:
        """The user data: ``message_payload`` when given (section 5.3.2.32), else the short
        message."""
        return self.tlvs.get(Tag.MESSAGE_PAYLOAD, self.short_message)


def read_short_message(body: bytes) -> ShortMessage:
    reader = _Reader(body)
    service_type = reader.cstring(6)
    source_ton, source_npi = reader.byte(), reader.byte()
    source = reader.cstring(21)
    dest_ton, dest_npi = reader.byte(), reader.byte()
    destination = reader.cstring(21)
    esm_class, protocol_id, _priority = reader.byte(), reader.byte(), reader.byte()
    reader.cstring(17)  # schedule_delivery_time
    reader.cstring(17)  # validity_period
    registered_delivery, _replace, data_coding, _default_id = (
        reader.byte(),
        reader.byte(),
        reader.byte(),
        reader.byte(),
    )
    length = reader.byte()
    short_message = reader.octets(length)
    tlvs = reader.tlvs()
    if short_message and Tag.MESSAGE_PAYLOAD in tlvs:
        raise SmppError("both short_message and message_payload are set", Status.RINVMSGLEN)
    return ShortMessage(
        source_addr=source,
        destination_addr=destination,
        short_message=short_message,
        source_addr_ton=source_ton,
        source_addr_npi=source_npi,
        dest_addr_ton=dest_ton,
        dest_addr_npi=dest_npi,
        esm_class=esm_class,
        data_coding=data_coding,
        registered_delivery=registered_delivery,
        service_type=service_type,
        protocol_id=protocol_id,
        tlvs=tlvs,
    )


def message_id_body(message_id: str) -> bytes:
    """The body of ``submit_sm_resp`` (the SMSC's id) or ``deliver_sm_resp`` (empty)."""
    return _cstring(message_id)


def read_message_id(body: bytes) -> str:
    return _Reader(body).cstring(65) if body else ""


@dataclass(frozen=True, slots=True)
class UserDataHeader:
    """The concatenation and port elements of a user data header (GSM 03.40 9.2.3.24)."""

    reference: int | None = None
    total: int = 1
    number: int = 1
    port: int | None = None
    length: int = 0
    """Octets the header takes, its length octet included."""


def read_udh(data: bytes) -> UserDataHeader:
    if not data:
        raise SmppError("the UDHI bit is set on an empty message", Status.RINVESMCLASS)
    size = data[0] + 1
    if size > len(data):
        raise SmppError("the user data header is longer than the message", Status.RINVESMCLASS)
    reference, total, number, port = None, 1, 1, None
    index = 1
    while index + 1 < size:
        iei, length = data[index], data[index + 1]
        element = data[index + 2 : index + 2 + length]
        if iei == 0x00 and length == 3:
            reference, total, number = element[0], element[1], element[2]
        elif iei == 0x08 and length == 4:
            reference, total, number = (element[0] << 8) | element[1], element[2], element[3]
        elif iei == 0x05 and length == 4:
            port = (element[0] << 8) | element[1]
        index += 2 + length
    return UserDataHeader(reference, total, number, port, size)
