"""A pool of GSM modems (``[smsd] transport = modem-pool``): one ``[modem.NAME]`` section and
one adapter thread per modem, all receiving into the daemon's one store.

Where a reply leaves from: the SIM its message came in on, so that the citizen's answer
comes from the number they texted; another SIM only when that one is down, set aside or
capped, and then the one with the most room left. Each SIM has an hourly and a daily cap in
SMS (telcos block SIMs that send too much): the store counts each part in the same
transaction that marks it sent, and the pool adds the parts it has handed a modem but not
heard back about, so a burst cannot overshoot a cap.

A SIM that keeps failing (:data:`FAILURES_BEFORE_ASIDE` sends in a row refused or cut off,
or its modem beyond recovery) is set aside for :data:`ASIDE_SECONDS`: it takes no replies,
it is logged, and :meth:`ModemPool.routes` reports it (``ASIDE``, and until when) for the
status line and the fleet heartbeat. A modem that died is started afresh when its rest is
over. The pool gives up (and the daemon exits for systemd to restart it) only when every
modem is beyond recovery at once.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass

from hardware.modem import ModemSettings, SendJournal
from smsd.transports._base import (
    Inbox,
    Received,
    Route,
    RouteState,
    Sent,
    SimUsage,
    Submission,
    TransportKind,
)
from smsd.transports.modem import ModemTransport, parts_needed

log = logging.getLogger(__name__)

FAILURES_BEFORE_ASIDE = 3
"""Sends in a row that failed on one SIM before it is set aside."""
ASIDE_SECONDS = 3600.0
"""How long a failing SIM rests before it is tried again."""


@dataclass(frozen=True, slots=True)
class PoolSim:
    """One modem of the pool and its SIM's limits (a ``[modem.NAME]`` section)."""

    name: str
    settings: ModemSettings
    hourly_cap: int = 60
    daily_cap: int = 600
    number: str = ""


class _Member:
    """One SIM: its modem adapter, its record of failures and what it has in hand."""

    def __init__(self, sim: PoolSim, pool: ModemPool) -> None:
        self.sim = sim
        self.pool = pool
        self.transport = self.fresh_transport()
        self.failures = 0
        self.aside_until: float | None = None
        self.reason = ""
        self.reserved = 0
        """SMS parts handed to the modem and not yet heard back about."""

    @property
    def name(self) -> str:
        return self.sim.name

    def fresh_transport(self) -> ModemTransport:
        """A new adapter for this SIM's modem (at the start, and after a dead one's rest)."""
        return ModemTransport(self.sim.settings, _MemberInbox(self.pool, self), name=self.name)

    def room(self, usage: Mapping[str, SimUsage]) -> int:
        used = usage.get(self.name, SimUsage(0, 0))
        return min(self.sim.hourly_cap - used.hour, self.sim.daily_cap - used.day) - self.reserved

    def route(self, now: float) -> Route:
        route = self.transport.route()
        state, detail = route.state, route.detail
        if self.aside_until is not None and now < self.aside_until:
            state, detail = RouteState.ASIDE, f"set aside: {self.reason}"
        return Route(
            self.name,
            state,
            detail,
            hourly_cap=self.sim.hourly_cap,
            daily_cap=self.sim.daily_cap,
            aside_until=self.aside_until if state is RouteState.ASIDE else None,
            signal=route.signal,
            operator=route.operator,
        )


class _MemberInbox:
    """What one member's modem tells the pool, passed on to the daemon."""

    def __init__(self, pool: ModemPool, member: _Member) -> None:
        self._pool = pool
        self._member = member

    def received(self, received: Received) -> object:
        return self._pool.inbox.received(received)

    def acknowledged(self, token: object) -> None:
        self._pool.inbox.acknowledged(token)

    def acknowledgements_in_doubt(self, since: float) -> None:
        self._pool.inbox.acknowledgements_in_doubt(since)

    def receipt(self, receipt: object) -> bool:  # modems do not read status reports
        return False

    def batch(self) -> AbstractContextManager[None]:
        return self._pool.inbox.batch()

    def route_changed(self, route: str, state: RouteState, detail: str) -> None:
        if state is RouteState.READY:
            self._pool.ready.set()
        self._pool.inbox.route_changed(route, state, detail)
        self._pool.wake()


class _Watched:
    """A reply's journal that also tells the pool how its SIM fared."""

    def __init__(self, journal: SendJournal, member: _Member) -> None:
        self._journal = journal
        self._member = member

    def sending(self, part: int, total: int) -> None:
        self._journal.sending(part, total)

    def accepted(self, part: int, total: int, reference: int | str) -> None:
        self._journal.accepted(part, total, reference)
        self._member.pool._succeeded(self._member)

    def refused(self, part: int, reason: str, *, transient: bool) -> None:
        self._journal.refused(part, reason, transient=transient)
        self._member.pool._failed(self._member, reason)

    def interrupted(self, part: int, reason: str, *, maybe_sent: bool) -> None:
        self._journal.interrupted(part, reason, maybe_sent=maybe_sent)
        self._member.pool._failed(self._member, reason)


class ModemPool:
    """Several modems as one transport; see the module docstring."""

    kind = TransportKind.MODEM_POOL

    def __init__(
        self,
        sims: list[PoolSim],
        inbox: Inbox,
        *,
        clock: Callable[[], float] = time.time,
        aside_seconds: float = ASIDE_SECONDS,
    ) -> None:
        if not sims:
            raise ValueError("a pool needs at least one modem")
        self.inbox = inbox
        self.ready = threading.Event()
        self.finished = threading.Event()
        self.failure: str | None = None
        self._clock = clock
        self._aside_seconds = aside_seconds
        self._lock = threading.Lock()
        self._members = {sim.name: _Member(sim, self) for sim in sims}
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="pool", daemon=True)

    @property
    def numbers(self) -> tuple[str, ...]:
        """The SIMs' own numbers (never answered)."""
        return tuple(m.sim.number for m in self._members.values() if m.sim.number)

    # -- the transport interface ---------------------------------------------------------------

    def start(self) -> None:
        for member in self._members.values():
            member.transport.start()
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stopping.set()
        self.wake()
        with self._lock:
            transports = [member.transport for member in self._members.values()]
        stoppers = [
            threading.Thread(target=transport.stop, args=(timeout,), name=f"stop-{transport.name}")
            for transport in transports
        ]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout + 5)
        self._thread.join(5)

    def wake(self) -> None:
        self._wake.set()

    def routes(self) -> list[Route]:
        now = self._clock()
        with self._lock:
            return [member.route(now) for member in self._members.values()]

    def route_for(self, submission: Submission, usage: Mapping[str, SimUsage]) -> str | None:
        needed = max(1, parts_needed(submission))
        now = self._clock()
        with self._lock:
            fits = [
                member
                for member in self._members.values()
                if member.route(now).state is RouteState.READY and member.room(usage) >= needed
            ]
            home = self._members.get(submission.via)
            if home is not None and home in fits:
                return home.name
            if not fits:
                return None
            return max(fits, key=lambda member: member.room(usage)).name

    def send(self, submission: Submission, journal: SendJournal) -> concurrent.futures.Future[Sent]:
        with self._lock:
            member = self._members[submission.route]
            needed = max(1, parts_needed(submission))
            member.reserved += needed
            transport = member.transport
        future = transport.send(submission, _Watched(journal, member))

        def release(_future: concurrent.futures.Future[Sent]) -> None:
            with self._lock:
                member.reserved -= needed
            self.wake()

        future.add_done_callback(release)
        return future

    # -- how each SIM fares ----------------------------------------------------------------

    def _succeeded(self, member: _Member) -> None:
        with self._lock:
            member.failures = 0

    def _failed(self, member: _Member, reason: str) -> None:
        with self._lock:
            member.failures += 1
            if member.failures < FAILURES_BEFORE_ASIDE or member.aside_until is not None:
                return
            why = f"{member.failures} sends in a row failed, the last: {reason}"
            self._set_aside(member, why)
        self._announce(member)

    def _set_aside(self, member: _Member, why: str) -> None:
        member.aside_until = self._clock() + self._aside_seconds
        member.reason = why

    def _announce(self, member: _Member) -> None:
        log.warning(
            "pool: SIM %s set aside for %.0f minutes (%s); replies go out through the others",
            member.name,
            self._aside_seconds / 60,
            member.reason,
        )
        self.inbox.route_changed(member.name, RouteState.ASIDE, member.reason)

    def _watch(self) -> None:
        """Set dead modems aside, bring rested ones back, and give up when all are dead."""
        while not self._stopping.is_set():
            now = self._clock()
            announce: list[_Member] = []
            restart: list[_Member] = []
            with self._lock:
                for member in self._members.values():
                    dead = member.transport.finished.is_set()
                    if dead and member.aside_until is None:
                        self._set_aside(
                            member, f"modem beyond recovery: {member.transport.failure}"
                        )
                        announce.append(member)
                    elif member.aside_until is not None and now >= member.aside_until:
                        member.aside_until = None
                        member.failures = 0
                        if dead:
                            member.transport = member.fresh_transport()
                            restart.append(member)
                all_dead = all(m.transport.finished.is_set() for m in self._members.values())
            for member in announce:
                self._announce(member)
            for member in restart:
                log.info("pool: trying SIM %s again after its rest", member.name)
                member.transport.start()
            if all_dead:
                failures = "; ".join(
                    f"{m.name}: {m.transport.failure}" for m in self._members.values()
                )
                self.failure = f"every modem of the pool is beyond recovery ({failures})"
                self.finished.set()
                return
            self._wake.wait(1.0)
            self._wake.clear()
