"""A GSM modem emulator on a pseudo-terminal, for tests and demos.

Its PDUs are built and read by ``hardware.sms_pdu``, which is re-exported here for the tests
and the console that play the network side.

Exceptions: none of its own; ``hardware.sms_pdu.PduError`` for a malformed PDU (the emulator
answers ``+CMS ERROR: 304``).
"""

from hardware.modem_sim._emulator import (
    Faults,
    Gate,
    Hang,
    Heard,
    ModemEmulator,
    Reply,
    SentPart,
)
from hardware.modem_sim._profiles import PROFILES, Profile
from hardware.sms_pdu import (
    Alphabet,
    Concat,
    Deliver,
    PduError,
    Submit,
    decode_deliver,
    decode_submit,
    encode_deliver,
    split_deliver,
)

__all__ = [
    "PROFILES",
    "Alphabet",
    "Concat",
    "Deliver",
    "Faults",
    "Gate",
    "Hang",
    "Heard",
    "ModemEmulator",
    "PduError",
    "Profile",
    "Reply",
    "SentPart",
    "Submit",
    "decode_deliver",
    "decode_submit",
    "encode_deliver",
    "split_deliver",
]
