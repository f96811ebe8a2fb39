"""A GSM modem emulator on a pseudo-terminal, with its own PDU codec, for tests and demos.

Exceptions::

    ValueError
    └── PduError   a PDU does not follow TS 23.040 (the emulator answers +CMS ERROR: 304)
"""

from hardware.modem_sim._emulator import Faults, Gate, ModemEmulator, Reply, SentPart
from hardware.modem_sim._pdu import (
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
from hardware.modem_sim._profiles import PROFILES, Profile

__all__ = [
    "PROFILES",
    "Alphabet",
    "Concat",
    "Deliver",
    "Faults",
    "Gate",
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
