"""How the SMS daemon reaches citizens' phones: one modem, a pool of modems, Kannel or SMPP.

Each transport only moves messages in and out (see ``_base``); the store, the abuse rules,
the composer and the send journal stay in the daemon and know no transport.

Exceptions::

    TransportError           base of everything below
    ├── TransportUnavailable the link or device is down; nothing was sent
    └── SubmitRefused        the SMSC or gateway refused a message (``transient``)
"""

from smsd.transports._base import (
    LinkState,
    Receipt,
    Received,
    SendJournal,
    Sent,
    TransportKind,
)
from smsd.transports._errors import SubmitRefused, TransportError, TransportUnavailable
from smsd.transports._segments import Segment, segments
from smsd.transports.smpp import SmppLink, SmppSettings

__all__ = [
    "LinkState",
    "Receipt",
    "Received",
    "Segment",
    "SendJournal",
    "Sent",
    "SmppLink",
    "SmppSettings",
    "SubmitRefused",
    "TransportError",
    "TransportKind",
    "TransportUnavailable",
    "segments",
]
