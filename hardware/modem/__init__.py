"""The GSM modem behind the SMS daemon: python-gsmmodem-new, driven from one thread, on a
serial line read by pySerial's ``serial.threaded`` and the line stream of ``_lines``.

Exceptions::

    ModemError                 base of everything below
    ├── ModemUnavailable       the port cannot be opened, or vanished
    ├── ModemTimeout           the modem did not answer a command in time
    ├── CommandRejected        ERROR / +CME ERROR / +CMS ERROR
    │   └── SendRejected       AT+CMGS failed; ``transient`` says whether to retry
    ├── SimLocked              the SIM wants a PIN that is missing or wrong
    └── ModemDead              reopening and resetting did not bring the modem back
"""

from hardware.modem._adapter import Modem, ModemSettings, ModemState, SendJournal, SendReceipt
from hardware.modem._driver import set_traffic_logging
from hardware.modem._errors import (
    TRANSIENT_CMS,
    CommandRejected,
    ModemDead,
    ModemError,
    ModemTimeout,
    ModemUnavailable,
    SendRejected,
    SimLocked,
)
from hardware.modem._lines import EventKind, LineEvent, LineStream
from hardware.modem._messages import Incoming, PartInfo, decode_incoming, join_units, submit_pdus

__all__ = [
    "TRANSIENT_CMS",
    "CommandRejected",
    "EventKind",
    "Incoming",
    "LineEvent",
    "LineStream",
    "Modem",
    "ModemDead",
    "ModemError",
    "ModemSettings",
    "ModemState",
    "ModemTimeout",
    "ModemUnavailable",
    "PartInfo",
    "SendJournal",
    "SendReceipt",
    "SendRejected",
    "SimLocked",
    "decode_incoming",
    "join_units",
    "set_traffic_logging",
    "submit_pdus",
]
