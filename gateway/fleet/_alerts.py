"""Alerts about units: which conditions raise one, and keeping each open exactly once.

:func:`conditions` is a pure function of a unit's last heartbeat, the time it was last heard
from, the clock and the thresholds of ``[fleet_alerts]``; :class:`AlertBook` compares what it
finds with the alerts open in the database and opens or closes the difference in one
transaction. An alert's row is unique while open (a partial unique index on unit, kind and
subject), so two gateways evaluating at the same moment open it once, and whichever closes
it first is the one that tells.

Every opening and closing queues notices in the same transaction: one for the webhook, one
SMS per technician's number. The webhook sender delivers them; an SMS box picks the SMS up
with its next heartbeat answer. A silent unit keeps the alerts its last heartbeat raised
(nothing is known to have changed), and gets the silence alert on top.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from gateway.fleet._database import insert_ignoring_conflict, transaction
from gateway.fleet._schema import NoticeChannel, NoticeState, alerts, notices
from gateway.fleet._store import Unit
from gateway.fleet._words import alert_text
from onestop.config import FleetAlertsSection
from onestop.fleet import Role

log = logging.getLogger(__name__)


class AlertKind(enum.StrEnum):
    SILENT = "silent"
    MODEM_DOWN = "modem_down"
    SIM_CAP = "sim_cap"
    UNANSWERED = "unanswered"
    CAMERA = "camera"
    SCREEN_STUCK = "screen_stuck"


@dataclass(frozen=True, slots=True)
class Condition:
    """Something wrong with a unit now; ``facts`` are what the alert's words say."""

    kind: AlertKind
    subject: str = ""
    facts: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind.value, self.subject)


@dataclass(frozen=True, slots=True)
class Thresholds:
    silent_after: float = 300.0
    unanswered_after: float = 300.0
    screen_stuck_after: float = 300.0
    cap_margin: int = 10

    @classmethod
    def from_config(cls, section: FleetAlertsSection) -> Thresholds:
        return cls(
            silent_after=section.silent_after,
            unanswered_after=section.unanswered_after,
            screen_stuck_after=section.screen_stuck_after,
            cap_margin=section.cap_margin,
        )


STARTING_GRACE = 300.0
"""A unit's first minutes after a start: its modem registers on the network (a minute, more
after a reset) and its camera opens. A modem still ``starting`` or a camera without frames
then is not yet an alert; otherwise every restart would page the technicians twice."""


def conditions(unit: Unit, now: float, limits: Thresholds) -> list[Condition]:
    """What is wrong with ``unit`` at ``now``, one condition per alert it deserves."""
    found = []
    if now - unit.last_seen > limits.silent_after:
        found.append(Condition(AlertKind.SILENT, facts=(("since", unit.last_seen),)))
    beat = unit.heartbeat
    if beat is None:
        return found
    starting = beat.uptime_s < STARTING_GRACE
    if unit.role is Role.SMS:
        found += [
            Condition(
                AlertKind.MODEM_DOWN, modem.name, (("name", modem.name), ("state", modem.state))
            )
            for modem in beat.modems
            if modem.state != "ready" and not (starting and modem.state == "starting")
        ]
        for sim in beat.sims:
            for period, sent, cap in (
                ("hour", sim.sent_hour, sim.cap_hour),
                ("day", sim.sent_day, sim.cap_day),
            ):
                if cap and sent * 100 >= cap * (100 - limits.cap_margin):
                    found.append(
                        Condition(
                            AlertKind.SIM_CAP,
                            f"{sim.name}/{period}",
                            (("name", sim.name), ("sent", sent), ("cap", cap), ("period", period)),
                        )
                    )
        if (beat.oldest_unanswered_s or 0) > limits.unanswered_after:
            minutes = round((beat.oldest_unanswered_s or 0) / 60)
            found.append(Condition(AlertKind.UNANSWERED, facts=(("minutes", minutes),)))
    else:
        if beat.camera is not None and beat.camera_fps == 0 and not starting:
            found.append(Condition(AlertKind.CAMERA, facts=(("camera", beat.camera),)))
        stuck_on = (
            beat.screen
            if beat.screen not in (None, "idle")
            and (beat.screen_since_s or 0) > limits.screen_stuck_after
            else None
        )
        frozen = (beat.ui_stalled_s or 0) > limits.screen_stuck_after
        if stuck_on or frozen:
            seconds = max(beat.screen_since_s or 0, beat.ui_stalled_s or 0)
            found.append(
                Condition(
                    AlertKind.SCREEN_STUCK,
                    facts=(("screen", beat.screen or ""), ("minutes", round(seconds / 60))),
                )
            )
    return found


@dataclass(frozen=True, slots=True)
class Change:
    """An alert opened or closed by an evaluation."""

    event: str
    unit: Unit
    kind: AlertKind
    subject: str
    facts: dict[str, Any]


class AlertBook:
    """Open and closed alerts in the fleet database, and the notices they queue."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        limits: Thresholds,
        webhook: bool = False,
        phones: Iterable[str] = (),
    ) -> None:
        self.engine = engine
        self.limits = limits
        self.webhook = webhook
        self.phones = tuple(phones)

    def evaluate(self, units: Iterable[Unit], now: float) -> list[Change]:
        """Open the alerts newly deserved, close those no longer; returns what changed."""
        changes = []
        with transaction(self.engine, write=True) as db:
            for unit in units:
                wanted = {c.key: c for c in conditions(unit, now, self.limits)}
                held = {(alert.kind, alert.subject): alert for alert in unit.alerts}
                for key, condition in wanted.items():
                    if key not in held:
                        opening = Change(
                            "opened", unit, condition.kind, condition.subject, dict(condition.facts)
                        )
                        if self._open(db, opening, now):
                            changes.append(opening)
                for key, alert in held.items():
                    if key not in wanted:
                        closing = Change(
                            "closed", unit, AlertKind(alert.kind), alert.subject, alert.facts
                        )
                        if self._close(db, alert.id, closing, now):
                            changes.append(closing)
        for change in changes:
            log.info(
                "alert %s: %s %s %s", change.event, change.unit.name, change.kind, change.subject
            )
        return changes

    def _open(self, db: sa.Connection, change: Change, now: float) -> bool:
        unit = change.unit
        alert_id = insert_ignoring_conflict(
            db,
            alerts,
            {
                "unit_id": unit.id,
                "kind": change.kind.value,
                "subject": change.subject,
                "detail": json.dumps(change.facts, ensure_ascii=False),
                "opened_at": now,
            },
            keys=("unit_id", "kind", "subject"),
            where=alerts.c.closed_at.is_(None),
        )
        if alert_id is None:
            return False
        self._queue(db, alert_id, change, now)
        return True

    def _close(self, db: sa.Connection, alert_id: int, change: Change, now: float) -> bool:
        closed = db.execute(
            sa.update(alerts)
            .where(alerts.c.id == alert_id, alerts.c.closed_at.is_(None))
            .values(closed_at=now)
        ).rowcount
        if closed:
            self._queue(db, alert_id, change, now)
        return bool(closed)

    def _queue(self, db: sa.Connection, alert_id: int, change: Change, now: float) -> None:
        unit, kind, facts = change.unit, change.kind, change.facts
        common = {
            "alert_id": alert_id,
            "event": change.event,
            "state": NoticeState.PENDING.value,
            "next_at": now,
            "created_at": now,
        }
        rows = []
        if self.webhook:
            payload = {
                "event": change.event,
                "alert": {
                    "id": alert_id,
                    "kind": kind.value,
                    "subject": change.subject,
                    "facts": facts,
                },
                "unit": {"name": unit.name, "role": unit.role.value, "office": unit.office},
                "at": now,
                "text": {
                    lang: alert_text(change.event, unit, kind, facts, lang) for lang in ("vi", "en")
                },
            }
            text = json.dumps(payload, ensure_ascii=False)
            rows.append(
                common | {"channel": NoticeChannel.WEBHOOK.value, "recipient": "", "text": text}
            )
        sms = alert_text(change.event, unit, kind, facts, "sms")
        rows += [
            common | {"channel": NoticeChannel.SMS.value, "recipient": phone, "text": sms}
            for phone in self.phones
        ]
        if rows:
            # One executemany: every row must name the same columns (SQLAlchemy takes them
            # from the first row and drops the others' extra keys without a word).
            db.execute(sa.insert(notices), rows)
