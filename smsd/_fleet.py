"""What the SMS box tells the gateway's fleet page, and the alert SMS it sends for it.

The heartbeat's figures come from the modem and the store (the daemon keeps everything the
fleet wants to know already: its usage events, its messages and replies); the usage events
are read from the store by number, so the reporter copies each into its outbox once. An
alert SMS the gateway hands over goes into the store's outbox like a reply, once per alert
text whatever the retries, and leaves through the modem with the replies.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from dossier import Status
from hardware.modem import Modem, ModemState
from onestop.fleet import PHONE_NUMBER, AlertText, Outcome, Role, Sim, UsageEvent
from onestop.fleet import Modem as ModemReport
from smsd._logging import mask_number
from smsd._store import EventRow, Store

log = logging.getLogger(__name__)

TRANSPORT = "modem"
SOURCE = "smsd-events"
"""The name the reporter keeps its position in the store's usage events under."""


def usage_event(row: EventRow, transport: str = TRANSPORT) -> UsageEvent | None:
    """A stored usage event in the fleet's terms; None for one no release knows (skipped)."""
    _, at, outcome, status, latency_ms = row
    try:
        hour = int(dt.datetime.fromisoformat(at).timestamp()) // 3600 * 3600
        told = Status(status) if status and outcome in ("found", "last_known") else None
        return UsageEvent(
            hour=hour,
            channel=Role.SMS,
            outcome=Outcome(outcome),
            status=told,
            latency_ms=max(0, min(int(latency_ms), 86_400_000)),
            transport=transport,
        )
    except ValueError:
        return None


class SmsFigures:
    """The heartbeat fields of an SMS box, read from its modem and its store."""

    def __init__(
        self,
        store: Store,
        modem: Modem,
        *,
        hourly_cap: Callable[[], int],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.modem = modem
        self.hourly_cap = hourly_cap
        self.clock = clock

    def __call__(self) -> dict[str, Any]:
        now = self.clock()
        counts = self.store.counts()
        oldest = self.store.oldest_unanswered()
        times = self.store.reply_times(now - 3600)
        sent_hour = self.store.sent_since(now - 3600)
        state = self.modem.state
        return {
            "transport": TRANSPORT,
            "modems": [
                ModemReport(
                    name="modem",
                    state=state.value if isinstance(state, ModemState) else str(state),
                    signal=self.modem.signal,
                    operator=self.modem.operator,
                )
            ],
            "sims": [
                Sim(
                    name="modem",
                    sent_hour=sent_hour,
                    cap_hour=self.hourly_cap(),
                    sent_day=self.store.sent_since(now - 86400),
                )
            ],
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
        gives it up after a few offers): the modem could not send it."""
        queued = []
        for text in texts:
            if not PHONE_NUMBER.fullmatch(text.to):
                log.error("alert SMS %d refused: its recipient is not a phone number", text.id)
                continue
            self.store.queue_alert(text.id, text.to, text.text)
            log.info("alert SMS for %s queued", mask_number(text.to))
            queued.append(text.id)
        return queued
