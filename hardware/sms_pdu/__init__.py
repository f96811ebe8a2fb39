"""The SMS PDU codec (3GPP TS 23.040, 23.038) shared by the modem adapter and the emulator.

The daemon reads every received PDU with it (python-gsmmodem-new's decoder misreads real
phones' messages, see ``tests/hardware/test_sms_pdu.py``), and the emulator builds what the
network delivers and reads what a client submits with it.

Exceptions::

    ValueError
    └── PduError   a PDU does not follow TS 23.040 (says where it breaks)
"""

from hardware.sms_pdu._codec import (
    SINGLE_LIMITS,
    Alphabet,
    Concat,
    Deliver,
    Header,
    PduError,
    Ports,
    Submit,
    choose_alphabet,
    decode_deliver,
    decode_submit,
    encode_deliver,
    gsm7_septets,
    gsm7_text,
    is_gsm7,
    pack_septets,
    size,
    split_deliver,
    unpack_septets,
)

__all__ = [
    "SINGLE_LIMITS",
    "Alphabet",
    "Concat",
    "Deliver",
    "Header",
    "PduError",
    "Ports",
    "Submit",
    "choose_alphabet",
    "decode_deliver",
    "decode_submit",
    "encode_deliver",
    "gsm7_septets",
    "gsm7_text",
    "is_gsm7",
    "pack_septets",
    "size",
    "split_deliver",
    "unpack_septets",
]
