"""The project's SMS PDU codec (3GPP TS 23.040 and 23.038), written from the standards.

It builds what a network delivers (SMS-DELIVER, as a modem lists it with ``AT+CMGR``/``AT+CMGL``
or pushes it with ``+CMT``), reads what phones and networks deliver (text, binary data, port
addressed WAP push and MMS notifications, concatenated parts), and reads what a client submits
(SMS-SUBMIT, as written after ``AT+CMGS``). It shares no code with python-gsmmodem-new on
purpose: it reads the library's submits as an independent oracle, and it is checked against
real phones' PDUs collected from other projects' test suites (``tests/hardware/data``).
Every length in a PDU is checked against the bytes actually there, so a malformed PDU raises
:class:`PduError` saying where it breaks instead of reading past a field.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

# 3GPP TS 23.038 section 6.2.1: the GSM 7-bit default alphabet, in code order.
_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
_ESCAPE = 0x1B
# The extension table, reached through ESC.
_EXTENSION = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}
_BASIC_CODE = {char: code for code, char in enumerate(_BASIC) if code != _ESCAPE}
_EXTENSION_CODE = {char: code for code, char in _EXTENSION.items()}


class PduError(ValueError):
    """A PDU does not follow TS 23.040; says where it breaks."""


class Alphabet(enum.Enum):
    GSM7 = "gsm7"
    EIGHT_BIT = "8bit"
    UCS2 = "ucs2"


SINGLE_LIMITS = {Alphabet.GSM7: 160, Alphabet.UCS2: 70, Alphabet.EIGHT_BIT: 140}
"""Units (GSM-7 septets, UTF-16 code units, octets) that fit one SMS without a header."""


def gsm7_septets(text: str) -> list[int]:
    """Septet codes of a text in the default alphabet; ValueError when a character has none."""
    septets: list[int] = []
    for char in text:
        if char in _BASIC_CODE:
            septets.append(_BASIC_CODE[char])
        elif char in _EXTENSION_CODE:
            septets.extend((_ESCAPE, _EXTENSION_CODE[char]))
        else:
            raise ValueError(f"{char!r} is not in the GSM 7-bit default alphabet")
    return septets


def gsm7_text(septets: list[int]) -> str:
    chars: list[str] = []
    escaped = False
    for septet in septets:
        if escaped:
            # An unknown extension code shows as the basic character (23.038 6.2.1.1).
            chars.append(_EXTENSION.get(septet, _BASIC[septet]))
            escaped = False
        elif septet == _ESCAPE:
            escaped = True
        else:
            chars.append(_BASIC[septet])
    return "".join(chars)


def is_gsm7(text: str) -> bool:
    return all(char in _BASIC_CODE or char in _EXTENSION_CODE for char in text)


def pack_septets(septets: list[int], fill_bits: int = 0) -> bytes:
    """Pack septets little-end first, after ``fill_bits`` zero bits (for a header boundary)."""
    value = 0
    for position, septet in enumerate(septets):
        value |= (septet & 0x7F) << (fill_bits + 7 * position)
    total_bits = fill_bits + 7 * len(septets)
    return value.to_bytes((total_bits + 7) // 8, "little")


def unpack_septets(data: bytes, count: int, fill_bits: int = 0) -> list[int]:
    if fill_bits + 7 * count > 8 * len(data):
        raise PduError(f"user data holds fewer than {count} septets")
    value = int.from_bytes(data, "little") >> fill_bits
    return [(value >> (7 * index)) & 0x7F for index in range(count)]


def _semi_octets(digits: str) -> bytes:
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[index + 1] + digits[index], 16) for index in range(0, len(digits), 2))


def _digits(data: bytes, count: int) -> str:
    text = "".join(f"{byte & 0x0F:X}{byte >> 4:X}" for byte in data)
    return text[:count]


_DIGIT_MAP = str.maketrans({"A": "*", "B": "#", "C": "a", "D": "b", "E": "c"})


def encode_address(address: str) -> bytes:
    """An originating or destination address field: international, national or alphanumeric."""
    if address.startswith("+") and address[1:].isdigit():
        digits = address[1:]
        return bytes((len(digits), 0x91)) + _semi_octets(digits)
    if address.isdigit():
        return bytes((len(address), 0x81)) + _semi_octets(address)
    packed = pack_septets(gsm7_septets(address))
    # The length counts semi-octets actually used by the packed characters.
    used = (len(gsm7_septets(address)) * 7 + 3) // 4
    return bytes((used, 0xD0)) + packed


def _decode_address(data: bytes, offset: int) -> tuple[str, int]:
    if offset + 2 > len(data):
        raise PduError("address field is cut short")
    length, kind = data[offset], data[offset + 1]
    if length > 20:
        raise PduError(f"address of {length} digits is longer than the 20 a PDU allows")
    octets = (length + 1) // 2
    field = data[offset + 2 : offset + 2 + octets]
    if len(field) != octets:
        raise PduError("address digits are cut short")
    if kind & 0x70 == 0x50:
        text = gsm7_text(unpack_septets(field, length * 4 // 7))
        return text, offset + 2 + octets
    digits = _digits(field, length).translate(_DIGIT_MAP)
    return ("+" + digits if kind & 0x70 == 0x10 else digits), offset + 2 + octets


def encode_smsc(number: str | None) -> bytes:
    if not number:
        return b"\x00"
    body = bytes((0x91 if number.startswith("+") else 0x81,)) + _semi_octets(number.lstrip("+"))
    return bytes((len(body),)) + body


def encode_timestamp(moment: dt.datetime) -> bytes:
    """A service-centre time stamp: local time and the offset in signed quarter hours."""
    offset = moment.utcoffset() or dt.timedelta(0)
    quarters = int(offset.total_seconds()) // 900
    fields = f"{moment:%y%m%d%H%M%S}"
    stamp = _semi_octets(fields)
    zone = abs(quarters)
    zone_octet = ((zone % 10) << 4) | (zone // 10) | (0x08 if quarters < 0 else 0)
    return stamp + bytes((zone_octet,))


def decode_timestamp(data: bytes) -> dt.datetime:
    if len(data) != 7:
        raise PduError("time stamp is not 7 octets")
    fields = _digits(data[:6], 12)
    zone_octet = data[6]
    quarters = (zone_octet & 0x07) * 10 + (zone_octet >> 4)
    if zone_octet & 0x08:
        quarters = -quarters
    try:
        naive = dt.datetime.strptime(fields, "%y%m%d%H%M%S")
    except ValueError as exc:
        raise PduError(f"time stamp {fields} is not a time") from exc
    return naive.replace(tzinfo=dt.timezone(dt.timedelta(minutes=15 * quarters)))


@dataclass(frozen=True, slots=True)
class Concat:
    """A concatenation header: which part of which long message this PDU carries."""

    reference: int
    total: int
    number: int
    wide_reference: bool = False

    def encode(self) -> bytes:
        if self.wide_reference:
            return bytes(
                (0x08, 4, self.reference >> 8, self.reference & 0xFF, self.total, self.number)
            )
        return bytes((0x00, 3, self.reference & 0xFF, self.total, self.number))


@dataclass(frozen=True, slots=True)
class Ports:
    """Application port addressing (TS 23.040 9.2.3.24.3/4): the message is for a program on
    the phone (WAP push on 2948, MMS notifications, vCards), not for a person to read."""

    destination: int
    source: int


@dataclass(frozen=True, slots=True)
class Header:
    """The user data header elements this codec understands; others are skipped."""

    concat: Concat | None = None
    ports: Ports | None = None


def _parse_header(header: bytes) -> Header:
    concat = None
    ports = None
    index = 0
    while index < len(header):
        if index + 2 > len(header):
            raise PduError("user data header ends inside an element")
        iei, length = header[index], header[index + 1]
        body = header[index + 2 : index + 2 + length]
        if len(body) != length:
            raise PduError("user data header element is cut short")
        if iei == 0x00 and length == 3:
            concat = Concat(body[0], body[1], body[2])
        elif iei == 0x08 and length == 4:
            concat = Concat((body[0] << 8) | body[1], body[2], body[3], wide_reference=True)
        elif iei == 0x04 and length == 2:
            ports = Ports(body[0], body[1])
        elif iei == 0x05 and length == 4:
            ports = Ports((body[0] << 8) | body[1], (body[2] << 8) | body[3])
        index += 2 + length
    return Header(concat, ports)


def _header_septets(header_octets: int) -> tuple[int, int]:
    """Fill bits that align GSM-7 text after a user data header, and the septets header and
    fill take together (TS 23.040 9.2.3.24): the text starts on a septet boundary."""
    bits = 8 * header_octets
    fill = (7 - bits % 7) % 7
    return fill, (bits + fill) // 7


def _user_data(text: str, alphabet: Alphabet, concat: Concat | None) -> tuple[int, bytes]:
    """User data length and user data, with the concatenation header when there is one."""
    header = b""
    if concat is not None:
        elements = concat.encode()
        header = bytes((len(elements),)) + elements
    if alphabet is Alphabet.GSM7:
        septets = gsm7_septets(text)
        fill, header_septets = _header_septets(len(header))
        return header_septets + len(septets), header + pack_septets(septets, fill)
    body = text.encode("utf-16-be") if alphabet is Alphabet.UCS2 else text.encode("latin-1")
    return len(header) + len(body), header + body


def _dcs(alphabet: Alphabet) -> int:
    return {Alphabet.GSM7: 0x00, Alphabet.EIGHT_BIT: 0x04, Alphabet.UCS2: 0x08}[alphabet]


def _alphabet(dcs: int) -> Alphabet:
    """The alphabet a data coding scheme names (TS 23.038 section 4)."""
    group = dcs >> 4
    if group <= 0x07:  # general data coding (with or without automatic deletion)
        if dcs & 0x20:
            raise PduError(f"data coding scheme {dcs:02X} says the text is compressed")
        bits = (dcs >> 2) & 0x03
        return {0: Alphabet.GSM7, 1: Alphabet.EIGHT_BIT, 2: Alphabet.UCS2}.get(bits, Alphabet.GSM7)
    if group == 0x0F:
        return Alphabet.EIGHT_BIT if dcs & 0x04 else Alphabet.GSM7
    if group == 0x0E:
        return Alphabet.UCS2
    return Alphabet.GSM7


def choose_alphabet(text: str) -> Alphabet:
    return Alphabet.GSM7 if is_gsm7(text) else Alphabet.UCS2


def encode_deliver(
    sender: str,
    text: str,
    timestamp: dt.datetime,
    *,
    alphabet: Alphabet | None = None,
    concat: Concat | None = None,
    smsc: str | None = "+84980200030",
) -> str:
    """An SMS-DELIVER PDU in hex, SMSC field first, as a modem prints it."""
    alphabet = alphabet or choose_alphabet(text)
    first = 0x04  # TP-MMS: no more messages waiting
    if concat is not None:
        first |= 0x40
    length, user_data = _user_data(text, alphabet, concat)
    tpdu = (
        bytes((first,))
        + encode_address(sender)
        + bytes((0x00, _dcs(alphabet)))
        + encode_timestamp(timestamp)
        + bytes((length,))
        + user_data
    )
    return (encode_smsc(smsc) + tpdu).hex().upper()


def split_deliver(
    sender: str,
    text: str,
    timestamp: dt.datetime,
    *,
    reference: int,
    wide_reference: bool = False,
    alphabet: Alphabet | None = None,
) -> list[str]:
    """A long text as the PDUs of a concatenated SMS, in order (153 septets / 67 UCS2 units)."""
    alphabet = alphabet or choose_alphabet(text)
    rooms = {Alphabet.GSM7: (153, 152), Alphabet.UCS2: (67, 66), Alphabet.EIGHT_BIT: (134, 133)}
    room = rooms[alphabet][wide_reference]
    chunks: list[str] = []
    current = ""
    for char in text:
        if size(current + char, alphabet) > room:
            chunks.append(current)
            current = char
        else:
            current += char
    chunks.append(current)
    total = len(chunks)
    return [
        encode_deliver(
            sender,
            chunk,
            timestamp,
            alphabet=alphabet,
            concat=Concat(reference, total, number, wide_reference),
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def size(text: str, alphabet: Alphabet) -> int:
    """How many units of its alphabet a text takes."""
    if alphabet is Alphabet.GSM7:
        return len(gsm7_septets(text))
    if alphabet is Alphabet.UCS2:
        return len(text.encode("utf-16-be")) // 2
    return len(text)


@dataclass(frozen=True, slots=True)
class Submit:
    """What a client asked the network to send."""

    destination: str
    text: str
    alphabet: Alphabet
    concat: Concat | None
    reference: int
    status_report: bool
    tpdu_length: int


def _octets(pdu_hex: str) -> bytes:
    try:
        data = bytes.fromhex(pdu_hex.strip())
    except ValueError as exc:
        raise PduError("PDU is not hexadecimal") from exc
    if not data:
        raise PduError("PDU is empty")
    if 1 + data[0] > len(data):
        raise PduError("PDU ends inside its service centre address")
    return data


def decode_submit(pdu_hex: str) -> Submit:
    """Read an SMS-SUBMIT as written after ``AT+CMGS`` (SMSC field first)."""
    data = _octets(pdu_hex)
    offset = 1 + data[0]
    if offset + 2 > len(data):
        raise PduError("PDU ends inside its header")
    tpdu_length = len(data) - offset
    first = data[offset]
    if first & 0x03 != 0x01:
        raise PduError(f"first octet {first:02X} is not an SMS-SUBMIT")
    reference = data[offset + 1]
    destination, offset = _decode_address(data, offset + 2)
    if offset + 2 > len(data):
        raise PduError("PDU ends before its data coding scheme")
    dcs = data[offset + 1]
    offset += 2
    validity_format = (first >> 3) & 0x03
    offset += {0: 0, 2: 1, 1: 7, 3: 7}[validity_format]
    if offset >= len(data):
        raise PduError("PDU ends before its user data length")
    alphabet = _alphabet(dcs)
    body = _read_user_data(data[offset + 1 :], data[offset], alphabet, bool(first & 0x40))
    return Submit(
        destination=destination,
        text=body.text,
        alphabet=alphabet,
        concat=body.header.concat,
        reference=reference,
        status_report=bool(first & 0x20),
        tpdu_length=tpdu_length,
    )


@dataclass(frozen=True, slots=True)
class _Body:
    text: str
    data: bytes
    header: Header


def _read_user_data(user_data: bytes, length: int, alphabet: Alphabet, has_header: bool) -> _Body:
    """The user data as the length says: never a septet or an octet beyond it."""
    header = Header()
    header_octets = 0
    if has_header:
        if not user_data or length == 0:
            raise PduError("user data header is missing")
        header_octets = 1 + user_data[0]
        if header_octets > len(user_data):
            raise PduError("user data header is longer than the user data")
        header = _parse_header(user_data[1:header_octets])
    if alphabet is Alphabet.GSM7:
        _, skip = _header_septets(header_octets)
        if skip > length:
            raise PduError("user data length is shorter than its header")
        septets = unpack_septets(user_data, length)[skip:]
        return _Body(gsm7_text(septets), bytes(septets), header)
    if header_octets > length:
        raise PduError("user data length is shorter than its header")
    body = user_data[header_octets:length]
    if len(body) != length - header_octets:
        raise PduError("user data is shorter than its length says")
    if alphabet is Alphabet.UCS2:
        if len(body) % 2:
            raise PduError("UCS2 user data has an odd number of octets")
        return _Body(body.decode("utf-16-be", errors="surrogatepass"), body, header)
    return _Body(body.decode("latin-1"), body, header)


@dataclass(frozen=True, slots=True)
class Deliver:
    """An SMS-DELIVER as a phone or the network sent it.

    ``data`` holds the user data octets after the header (the septet codes for GSM-7), for
    messages that are ``binary``: 8-bit data, or addressed to an application ``ports``.
    ``timestamp`` is None when the service centre's time stamp is not a time.
    """

    smsc: str
    sender: str
    text: str
    timestamp: dt.datetime | None
    alphabet: Alphabet
    concat: Concat | None
    ports: Ports | None = None
    data: bytes = b""
    protocol_id: int = 0
    dcs: int = 0

    @property
    def binary(self) -> bool:
        """For a program on the phone, not for a person to read."""
        return self.alphabet is Alphabet.EIGHT_BIT or self.ports is not None


def _decode_smsc(data: bytes) -> str:
    length = data[0]
    if length < 2:
        return ""
    kind, digits = data[1], _digits(data[2 : 1 + length], 2 * (length - 1)).rstrip("F")
    return "+" + digits if kind & 0x70 == 0x10 else digits


def decode_deliver(pdu_hex: str) -> Deliver:
    """Read an SMS-DELIVER (SMSC field first); :class:`PduError` says where a bad one breaks."""
    data = _octets(pdu_hex)
    offset = 1 + data[0]
    if offset >= len(data):
        raise PduError("PDU ends before its first octet")
    first = data[offset]
    if first & 0x03 != 0x00:
        kind = {1: "an SMS-SUBMIT", 2: "an SMS-STATUS-REPORT"}.get(first & 0x03, "reserved")
        raise PduError(f"first octet {first:02X} is not an SMS-DELIVER but {kind}")
    sender, offset = _decode_address(data, offset + 1)
    if offset + 10 > len(data):
        raise PduError("PDU ends before its user data")
    protocol_id, dcs = data[offset], data[offset + 1]
    try:
        timestamp: dt.datetime | None = decode_timestamp(data[offset + 2 : offset + 9])
    except PduError:
        timestamp = None
    alphabet = _alphabet(dcs)
    body = _read_user_data(data[offset + 10 :], data[offset + 9], alphabet, bool(first & 0x40))
    return Deliver(
        smsc=_decode_smsc(data),
        sender=sender,
        text=body.text,
        timestamp=timestamp,
        alphabet=alphabet,
        concat=body.header.concat,
        ports=body.header.ports,
        data=body.data,
        protocol_id=protocol_id,
        dcs=dcs,
    )
