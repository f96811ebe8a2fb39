"""What the SMS box tells the gateway's fleet page, and the alert SMS it sends for it.

The heartbeat's figures come from the transport and the store (the daemon keeps everything
the fleet wants to know already: its usage events, its messages and replies): each route's
state (a modem and its signal, each SIM of a pool, the SMPP link, Kannel), each SIM's sends
against its caps, the outbox. The usage events are read from the store by number, so the
reporter copies each into its outbox once, with the transport each lookup came through. An
alert SMS the gateway hands over goes into the store's outbox like a reply, once per alert
text whatever the retries, and leaves with the replies.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from dossier import Status
from onestop.fleet import AlertText, Outcome, Role, Sim, UsageEvent
from onestop.fleet import Modem as ModemReport
from onestop.phones import PHONE_NUMBER
from smsd._logging import mask_number
from smsd._store import EventRow, Store
from smsd.transports import Transport, TransportKind

log = logging.getLogger(__name__)

SOURCE = "smsd-events"
"""The name the reporter keeps its position in the store's usage events under."""


def usage_event(row: EventRow) -> UsageEvent | None:
    """A stored usage event in the fleet's terms; None for one no release knows (skipped)."""
    _, at, outcome, status, latency_ms, transport = row
    try:
        hour = int(dt.datetime.fromisoformat(at).timestamp()) // 3600 * 3600
        kind = Outcome(outcome)
        told = Status(status) if status and kind.answered else None
        return UsageEvent(
            hour=hour,
            channel=Role.SMS,
            outcome=kind,
            status=told,
            latency_ms=max(0, min(int(latency_ms), 86_400_000)),
            transport=transport,
        )
    except ValueError:
        return None


class SmsFigures:
    """The heartbeat fields of an SMS box, read from its transport and its store."""

    def __init__(
        self,
        store: Store,
        transport: Transport,
        *,
        kind: TransportKind,
        hourly_cap: Callable[[], int],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.transport = transport
        self.kind = kind
        self.hourly_cap = hourly_cap
        self.clock = clock

    def _sims(self, now: float) -> list[Sim]:
        """A pool's SIMs: SMS parts sent against each one's caps; otherwise the box's replies
        against its hourly cap, under its one route."""
        routes = self.transport.routes()
        if self.kind is TransportKind.MODEM_POOL:
            usage = self.store.sim_usage(now)
            return [
                Sim(
                    name=route.name,
                    sent_hour=usage.get(route.name, (0, 0))[0],
                    cap_hour=route.hourly_cap or 0,
                    sent_day=usage.get(route.name, (0, 0))[1],
                    cap_day=route.daily_cap or 0,
                )
                for route in routes
            ]
        return [
            Sim(
                name=routes[0].name or self.kind if routes else self.kind,
                sent_hour=self.store.sent_since(now - 3600),
                cap_hour=self.hourly_cap(),
                sent_day=self.store.sent_since(now - 86400),
            )
        ]

    def __call__(self) -> dict[str, Any]:
        now = self.clock()
        counts = self.store.counts()
        oldest = self.store.oldest_unanswered()
        times = self.store.reply_times(now - 3600)
        return {
            "transport": str(self.kind),
            "modems": [
                ModemReport(
                    name=route.name or self.kind,
                    state=str(route.state),
                    signal=route.signal,
                    operator=route.operator,
                )
                for route in self.transport.routes()
            ],
            "sims": self._sims(now),
            "outbox_depth": counts.get("replies_pending", 0) + counts.get("replies_sending", 0),
            "oldest_unanswered_s": None if oldest is None else round(max(now - oldest, 0.0), 1),
            "replies_hour": len(times),
            "reply_median_ms": round(statistics.median(times) * 1000) if times else None,
        }

    def usage_after(self, position: int) -> list[tuple[int, UsageEvent]]:
        found = []
        for row in self.store.events_after(position):
            event = usage_event(row)
            if event is not None:
                found.append((row[0], event))
        return found

    def take_alerts(self, texts: Sequence[AlertText]) -> list[int]:
        """Queue the gateway's alert SMS; the ids queued (now or on an earlier try). A text
        for something that is not a phone number is not queued nor confirmed (the gateway
        gives it up after a few offers): no transport could address it."""
        queued = []
        for text in texts:
            if not PHONE_NUMBER.fullmatch(text.to):
                log.error("alert SMS %d refused: its recipient is not a phone number", text.id)
                continue
            self.store.queue_alert(text.id, text.to, text.text)
            log.info("alert SMS for %s queued", mask_number(text.to))
            queued.append(text.id)
        return queued
