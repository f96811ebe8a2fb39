"""What every transport hands the daemon, and what the daemon hands every transport.

A transport only moves messages. In: each SMS (or part) becomes a :class:`Received` handed to
:meth:`Inbox.received`, which keeps it durably before it returns; only then is it acknowledged
to whoever delivered it (deleted from the modem, answered with ``deliver_sm_resp``, answered
over HTTP). Out: the daemon picks a route for a reply (:meth:`Transport.route_for`), and the
transport submits the text part by part while a ``hardware.modem.SendJournal`` writes down,
on the submitting thread, how far it got. The store, the abuse rules, the composer and the
journal's policy stay in the daemon and know no transport.
"""

from __future__ import annotations

import concurrent.futures
import enum
import threading
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from hardware.modem import Incoming, SendJournal


class TransportKind(enum.StrEnum):
    """``[smsd] transport``: how the daemon reaches citizens' phones."""

    MODEM = "modem"
    MODEM_POOL = "modem-pool"
    KANNEL = "kannel"
    SMPP = "smpp"


class RouteState(enum.StrEnum):
    """Whether a route (a SIM, the SMPP link, Kannel) can take a reply now."""

    STARTING = "starting"
    READY = "ready"
    DOWN = "down"
    """Reconnecting, reopening, resetting, or dead."""
    ASIDE = "aside"
    """Failed send after send: given a rest (a SIM of a pool), reported."""
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Route:
    """One way out, as the status line and (later) the fleet heartbeat report it."""

    name: str
    state: RouteState
    detail: str = ""
    hourly_cap: int | None = None
    daily_cap: int | None = None
    aside_until: float | None = None
    """While ``ASIDE``: when it is tried again (``time.time()``)."""
    signal: int | None = None
    """A modem's signal quality (``AT+CSQ``, 0 to 31), when known."""
    operator: str | None = None
    """The network a modem registered on (``AT+COPS?``), when known."""


@dataclass(frozen=True, slots=True)
class Received:
    """One SMS (or part) as a transport received it.

    ``via`` names the route it came in on: a modem of a pool (its ``[modem.NAME]``), a Kannel
    SMSC id, or the short code the citizen texted; replies leave through the same one when
    they can. ``key`` is the gateway's own id of the message when it has one (Kannel's), so
    that a delivery the gateway retries is kept once. ``acknowledged_later`` marks a message
    whose deliverer hears of it only through :meth:`Inbox.acknowledged` and delivers it
    again, identical and without a time stamp, when it did not (an SMPP SMSC).
    """

    incoming: Incoming
    via: str
    key: str | None = None
    acknowledged_later: bool = False


@dataclass(frozen=True, slots=True)
class Receipt:
    """A delivery report: the network's id of a part sent, and whether the phone got it."""

    reference: str
    delivered: bool
    state: str


@dataclass(frozen=True, slots=True)
class Submission:
    """A reply to send: its text from ``first_part`` on, under the concatenation ``reference``
    the daemon keeps, through ``route``. ``key`` is the daemon's name for it, which a
    transport may use to match delivery reports (Kannel's ``dlr-url``)."""

    number: str
    text: str
    route: str = ""
    reference: int = 0
    first_part: int = 1
    key: str = ""
    via: str = ""
    """The route its message came in on."""


@dataclass(frozen=True, slots=True)
class Sent:
    """The references the network gave the parts sent, first part first."""

    references: tuple[str, ...]


class Inbox(Protocol):
    """The daemon's side, which every transport calls (from its own threads)."""

    def received(self, received: Received) -> object:
        """Keep the message durably; raising means it is not kept (do not acknowledge it).
        Returns a token for :meth:`acknowledged`."""

    def acknowledged(self, token: object) -> None:
        """The deliverer was told that the message is kept (``acknowledged_later`` ones)."""

    def acknowledgements_in_doubt(self, since: float) -> None:
        """The link broke: what was acknowledged since ``since`` may not have arrived."""

    def receipt(self, receipt: Receipt) -> bool:
        """A delivery report came back; False when no part sent has its reference (yet)."""

    def route_changed(self, route: str, state: RouteState, detail: str) -> None:
        """A route came up, went down or was set aside (for the status line and logs)."""

    def batch(self) -> AbstractContextManager[None]:
        """Make what the calling thread writes next (messages kept, parts journalled) one
        commit: a transport that handles many at once acts on none before it returns."""


class Transport(Protocol):
    """One way for the daemon to reach phones; see the module docstring."""

    @property
    def kind(self) -> TransportKind: ...

    @property
    def ready(self) -> threading.Event:
        """Set once the transport can move messages (the modem answers, the link is bound)."""

    @property
    def finished(self) -> threading.Event:
        """Set when the transport stopped on its own; :attr:`failure` says why."""

    @property
    def failure(self) -> str | None: ...

    def start(self) -> None: ...

    def stop(self, timeout: float) -> None:
        """Finish the part in hand, then let go; queued sends are cancelled (their replies
        stay pending in the store for the next start)."""

    def routes(self) -> list[Route]: ...

    def route_for(self, submission: Submission, usage: Mapping[str, SimUsage]) -> str | None:
        """The route a reply should leave through now, or None when none can take it (down,
        capped, set aside): it waits. ``usage`` is what each route sent lately, for caps."""

    def send(self, submission: Submission, journal: SendJournal) -> concurrent.futures.Future[Sent]:
        """Queue a reply; the future ends with the network's ids or an exception, after
        ``journal`` heard the outcome of every part."""


@dataclass(frozen=True, slots=True)
class SimUsage:
    """SMS parts a route sent in the last hour and the last day."""

    hour: int
    day: int
