"""What every transport hands the daemon, and what the daemon hands every transport.

A transport only moves messages: in, as a :class:`Received` given to a callback that stores
it durably before it returns (only then is the message acknowledged to whoever delivered
it: deleted from the modem, answered with ``deliver_sm_resp``, answered over HTTP); out, as
a text submitted part by part while a :class:`SendJournal` writes down, on the submitting
thread, how far it got. The store, the abuse rules, the composer and the journal's policy
stay in the daemon and know no transport.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from hardware.modem import Incoming

BINARY = "binary message (8-bit data or an application port): for a program, not a person"
"""Why a binary message is kept but never answered (its ``Incoming.error``)."""


class TransportKind(enum.StrEnum):
    """``[smsd] transport``: how the daemon reaches citizens' phones."""

    MODEM = "modem"
    MODEM_POOL = "modem-pool"
    KANNEL = "kannel"
    SMPP = "smpp"


class LinkState(enum.Enum):
    STARTING = "starting"
    READY = "ready"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Received:
    """One SMS (or part) as a transport received it.

    ``via`` names what received it: a modem of a pool (its ``[modem.NAME]``), a Kannel SMSC
    id, or the SMPP link's short code; replies leave through the same one. ``key`` is the
    gateway's own id of the message when it has one (Kannel's), so that a delivery retried
    by the gateway is kept once.
    """

    incoming: Incoming
    via: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """A delivery report: the SMSC's id of a part sent, and whether the phone got it."""

    reference: str
    delivered: bool
    state: str


class SendJournal(Protocol):
    """Where the thread that submits an SMS writes down how far it got, part by part.

    ``sending`` is called before each part leaves, then exactly one of the others for that
    part; each must have made its news durable when it returns.
    """

    def sending(self, part: int, total: int) -> None: ...

    def accepted(self, part: int, total: int, reference: int | str) -> None: ...

    def refused(self, part: int, reason: str, *, transient: bool) -> None: ...

    def interrupted(self, part: int, reason: str, *, maybe_sent: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class Sent:
    """The references the network gave the parts of one message, first part first."""

    references: tuple[str, ...]
