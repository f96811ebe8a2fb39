"""How the SMS daemon reaches citizens' phones: one modem, a pool of modems, Kannel or SMPP.

Each transport only moves messages in and out (see ``_base``: :class:`Transport` and the
:class:`Inbox` the daemon gives it); the store, the abuse rules, the composer and the send
journal stay in the daemon and know no transport. ``[smsd] transport`` picks one
(:func:`build_transport`).

Exceptions::

    TransportError           base of everything below
    ├── TransportUnavailable the link or device is down; nothing was sent
    └── SubmitRefused        the SMSC or gateway refused a message (``transient``)

A modem's own failures stay ``hardware.modem.ModemError``.
"""

from smsd.transports._base import (
    Inbox,
    Receipt,
    Received,
    Route,
    RouteState,
    Sent,
    SimUsage,
    Submission,
    Transport,
    TransportKind,
)
from smsd.transports._build import build_transport, modem_settings
from smsd.transports._errors import SubmitRefused, TransportError, TransportUnavailable
from smsd.transports._segments import Segment, segments
from smsd.transports.kannel import KannelSettings, KannelTransport
from smsd.transports.modem import ModemTransport
from smsd.transports.pool import ModemPool, PoolSim
from smsd.transports.smpp import ACK_DOUBT, SmppLink, SmppSettings

__all__ = [
    "ACK_DOUBT",
    "Inbox",
    "KannelSettings",
    "KannelTransport",
    "ModemPool",
    "ModemTransport",
    "PoolSim",
    "Receipt",
    "Received",
    "Route",
    "RouteState",
    "Segment",
    "Sent",
    "SimUsage",
    "SmppLink",
    "SmppSettings",
    "Submission",
    "SubmitRefused",
    "Transport",
    "TransportError",
    "TransportKind",
    "TransportUnavailable",
    "build_transport",
    "modem_settings",
    "segments",
]
