"""The fleet store: units, their heartbeats and usage events, as the gateway keeps them.

Every method is synchronous and short; the gateway calls them on worker threads
(``anyio.to_thread``) so that the event loop keeps serving lookups while a database waits.

A unit's batch is stored in one transaction that first locks the unit's row: the items
numbered above what the unit's outbox already delivered are written, the rest are ignored,
and the answer says how far the gateway now holds. Two gateways receiving the same batch
(a unit that timed out on one and retried on another) therefore store it once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import sqlalchemy as sa

from gateway.fleet._database import (
    insert_ignoring_conflict,
    open_engine,
    transaction,
    upgrade,
    upsert_adding,
)
from gateway.fleet._schema import (
    NoticeChannel,
    NoticeState,
    alerts,
    heartbeats,
    notices,
    units,
    usage_counts,
    usage_events,
    usage_latency,
)
from onestop.fleet import (
    LOOKUPS,
    AlertText,
    Batch,
    BatchAnswer,
    Heartbeat,
    HeartbeatItem,
    Role,
    UsageEvent,
    UsageItem,
)

log = logging.getLogger(__name__)

_ICT_OFFSET = 7 * 3600
ALERT_RESEND_AFTER = 600.0
"""An alert SMS handed to a box that has not confirmed it is offered again after this long."""
ALERT_MAX_HANDOVERS = 6


EXACT_BELOW_MS = 20
"""Answer times below this are kept to the millisecond; above, in buckets of 10 %."""
_GROWTH = math.log(1.1)


def latency_bucket(ms: int) -> int:
    """The bucket an answer time is counted in: the time itself below 20 ms, else the middle
    of its 10 % wide bucket (20 to 22 ms count as 21, 996 to 1095 ms as 1044). The report takes
    medians from these, so they are within 5 % of the median of the times themselves, and a
    unit's month of answer times is a few dozen rows instead of one per event."""
    if ms < EXACT_BELOW_MS:
        return max(ms, 0)
    step = math.floor(math.log(ms / EXACT_BELOW_MS) / _GROWTH)
    return round(EXACT_BELOW_MS * math.exp((step + 0.5) * _GROWTH))


def channel_key(channel: Role | str, transport: str = "") -> str:
    """How the report names a channel: ``kiosk``, or ``sms`` with its transport."""
    return f"{channel}:{transport}" if transport else str(channel)


def vietnam_day(hour: int) -> dt.date:
    return dt.date.fromordinal(dt.date(1970, 1, 1).toordinal() + (hour + _ICT_OFFSET) // 86400)


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    unit_id: int
    kind: str
    subject: str
    detail: str
    opened_at: float
    closed_at: float | None = None

    @property
    def facts(self) -> dict[str, Any]:
        """What the alert's words say (``detail`` holds them as JSON)."""
        try:
            facts = json.loads(self.detail or "{}")
        except json.JSONDecodeError:
            return {}
        return facts if isinstance(facts, dict) else {}


@dataclass(slots=True)
class Unit:
    """A unit as the fleet page and the alerts see it."""

    id: int
    client: str
    role: Role
    office: str
    version: str
    first_seen: float
    last_seen: float
    heartbeat: Heartbeat | None
    alerts: list[Alert] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.client


@dataclass(frozen=True, slots=True)
class Point:
    """One heartbeat as the unit page charts it."""

    at: float
    api_latency_ms: int | None
    api_errors: int | None
    lookups_hour: int | None
    answer_ms: int | None
    signal: int | None
    outbox_depth: int | None
    camera_fps: float | None


_heartbeat_decoder = msgspec.json.Decoder(Heartbeat)


def _decode_state(state: str | None) -> Heartbeat | None:
    if not state:
        return None
    try:
        return _heartbeat_decoder.decode(state)
    except msgspec.MsgspecError:
        return None  # written by another release; the next heartbeat replaces it


def _corrected(beat: Heartbeat, now: float) -> float:
    """When the heartbeat was made, on the gateway's clock, and never in its future."""
    return min(beat.at + (beat.clock_offset_s or 0.0), now)


def _metrics(beat: Heartbeat) -> dict[str, object]:
    signals = [modem.signal for modem in beat.modems if modem.signal is not None]
    return {
        "api_latency_ms": beat.api_latency_ms,
        "api_errors": beat.api_errors,
        "lookups_hour": beat.lookups_hour if beat.role is Role.KIOSK else beat.replies_hour,
        "answer_ms": beat.reply_median_ms if beat.role is Role.SMS else beat.api_latency_ms,
        "signal": min(signals) if signals else None,
        "outbox_depth": beat.outbox_depth,
        "camera_fps": beat.camera_fps,
    }


class FleetStore:
    """The fleet database of one gateway (several gateways may share a PostgreSQL one)."""

    def __init__(self, url: str, *, password: str | None = None) -> None:
        self.engine = open_engine(url, password=password)
        # The statements of a unit's batch, built once: building them is most of the cost of
        # storing a heartbeat, and the gateway stores 33 a second for 2,000 units.
        dialect = self.engine.dialect.name
        self._find_unit = (
            sa.select(units.c.id, units.c.outbox_id, units.c.last_seq, units.c.last_heartbeat)
            .where(units.c.client == sa.bindparam("client"), units.c.role == sa.bindparam("role"))
            .with_for_update()
        )
        self._update_unit = sa.update(units).where(units.c.id == sa.bindparam("unit"))
        self._add_counts = upsert_adding(
            dialect,
            usage_counts,
            keys=("unit_id", "channel", "month", "outcome", "status"),
            add="n",
        )
        self._add_latency = upsert_adding(
            dialect, usage_latency, keys=("unit_id", "channel", "month", "bucket"), add="n"
        )

    def upgrade(self) -> str:
        return upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- a unit's batch ----------------------------------------------------------------------

    def ingest(
        self, client: str, batch: Batch, now: float, *, may_send_alerts: bool = False
    ) -> BatchAnswer:
        """Store a unit's batch once; the answer for the unit (acknowledged number, clock,
        alert texts for an SMS box that may send them)."""
        with transaction(self.engine, write=True) as db:
            unit_id, outbox_id, last_seq, last_heartbeat = self._lock_unit(
                db, client, batch.role, now
            )
            if batch.outbox_id != outbox_id:
                if outbox_id:
                    log.info(
                        "unit %s (%s) has a new outbox; numbering restarts", client, batch.role
                    )
                last_seq = 0
            fresh = sorted(
                (item for item in batch.items if item.seq > last_seq), key=lambda i: i.seq
            )
            beats = [item.heartbeat for item in fresh if isinstance(item, HeartbeatItem)]
            events = [item.event for item in fresh if isinstance(item, UsageItem)]
            self._store_heartbeats(db, unit_id, beats, now)
            self._store_usage(db, unit_id, events)
            if fresh:
                last_seq = fresh[-1].seq
            changes: dict[str, object] = {
                "last_seen": now,
                "outbox_id": batch.outbox_id,
                "last_seq": last_seq,
            }
            newest = max(beats, key=lambda beat: beat.at, default=None)
            newest_at = _corrected(newest, now) if newest else None
            # A backlog arrives oldest first: only a newer heartbeat replaces the unit's state.
            if newest and newest_at is not None and newest_at > (last_heartbeat or 0.0):
                changes |= {
                    "state": msgspec.json.encode(newest).decode(),
                    "office": newest.office,
                    "version": newest.version,
                    "last_heartbeat": newest_at,
                }
            db.execute(self._update_unit, {"unit": unit_id} | changes)
            self._confirm_alert_texts(db, unit_id, batch.sent_alerts, now)
            texts = self._hand_out_alert_texts(db, unit_id, now) if may_send_alerts else []
        return BatchAnswer(acked=last_seq, time=now, alerts=tuple(texts))

    def _lock_unit(
        self, db: sa.Connection, client: str, role: Role, now: float
    ) -> tuple[int, str, int, float | None]:
        names = {"client": client, "role": role.value}
        row = db.execute(self._find_unit, names).first()
        if row is None:
            insert_ignoring_conflict(
                db, units, names | {"first_seen": now, "last_seen": now}, keys=("client", "role")
            )
            row = db.execute(self._find_unit, names).one()
        return int(row.id), str(row.outbox_id), int(row.last_seq), row.last_heartbeat

    def _store_heartbeats(
        self, db: sa.Connection, unit_id: int, beats: list[Heartbeat], now: float
    ) -> None:
        if not beats:
            return
        rows: list[dict[str, object]] = [
            {"unit_id": unit_id, "at": _corrected(beat, now)} | _metrics(beat) for beat in beats
        ]
        db.execute(sa.insert(heartbeats), rows)

    def _store_usage(self, db: sa.Connection, unit_id: int, events: list[UsageEvent]) -> None:
        if not events:
            return
        rows = []
        counts: Counter[tuple[str, str, str, str]] = Counter()
        latencies: Counter[tuple[str, str, int]] = Counter()
        for event in events:
            day = vietnam_day(event.hour)
            month = f"{day:%Y-%m}"
            channel = channel_key(event.channel, event.transport)
            status = event.status.value if event.status else ""
            rows.append(
                {
                    "unit_id": unit_id,
                    "hour": event.hour,
                    "day": day.isoformat(),
                    "month": month,
                    "channel": channel,
                    "outcome": event.outcome.value,
                    "status": status,
                    "latency_ms": event.latency_ms,
                    "bucket": latency_bucket(event.latency_ms),
                }
            )
            counts[channel, month, event.outcome.value, status] += 1
            if event.outcome.is_lookup:
                latencies[channel, month, latency_bucket(event.latency_ms)] += 1
        db.execute(sa.insert(usage_events), rows)
        db.execute(
            self._add_counts,
            [
                {"unit_id": unit_id, "channel": c, "month": m, "outcome": o, "status": s, "n": n}
                for (c, m, o, s), n in sorted(counts.items())
            ],
        )
        if latencies:
            db.execute(
                self._add_latency,
                [
                    {"unit_id": unit_id, "channel": c, "month": m, "bucket": b, "n": n}
                    for (c, m, b), n in sorted(latencies.items())
                ],
            )

    # -- alert texts handed to SMS boxes ---------------------------------------------------

    def _confirm_alert_texts(
        self, db: sa.Connection, unit_id: int, ids: Iterable[int], now: float
    ) -> None:
        ids = list(ids)
        if ids:
            db.execute(
                sa.update(notices)
                .where(notices.c.id.in_(ids), notices.c.assigned_unit == unit_id)
                .values(state=NoticeState.DONE.value, done_at=now)
            )

    def _hand_out_alert_texts(self, db: sa.Connection, unit_id: int, now: float) -> list[AlertText]:
        due = db.execute(
            sa.select(notices.c.id, notices.c.recipient, notices.c.text, notices.c.attempts)
            .where(
                notices.c.channel == NoticeChannel.SMS.value,
                notices.c.state.in_((NoticeState.PENDING.value, NoticeState.HANDED.value)),
                notices.c.next_at <= now,
            )
            .order_by(notices.c.id)
            .limit(20)
        ).all()
        texts = []
        for row in due:
            if row.attempts >= ALERT_MAX_HANDOVERS:
                db.execute(
                    sa.update(notices)
                    .where(notices.c.id == row.id)
                    .values(
                        state=NoticeState.FAILED.value,
                        last_error="no SMS box confirmed sending it",
                    )
                )
                continue
            claimed = db.execute(
                sa.update(notices)
                .where(notices.c.id == row.id, notices.c.next_at <= now)
                .values(
                    state=NoticeState.HANDED.value,
                    assigned_unit=unit_id,
                    attempts=notices.c.attempts + 1,
                    next_at=now + ALERT_RESEND_AFTER,
                )
            ).rowcount
            if claimed:
                texts.append(AlertText(id=row.id, to=row.recipient, text=row.text))
        return texts

    # -- what the fleet page shows -----------------------------------------------------------

    def units(
        self,
        *,
        unit_id: int | None = None,
        client: str | None = None,
        role: Role | None = None,
        states: bool = True,
    ) -> list[Unit]:
        """Every unit (or those of one id, client or role) with its open alerts, and its
        newest heartbeat unless ``states`` is False (the unit list shows none of it)."""
        chosen: list[sa.ColumnElement[bool]] = []
        if unit_id is not None:
            chosen.append(units.c.id == unit_id)
        if client is not None:
            chosen.append(units.c.client == client)
        if role is not None:
            chosen.append(units.c.role == role.value)
        query = sa.select(
            units.c.id,
            units.c.client,
            units.c.role,
            units.c.office,
            units.c.version,
            units.c.first_seen,
            units.c.last_seen,
            units.c.state if states else sa.null().label("state"),
        ).order_by(units.c.client, units.c.role)
        open_alerts = sa.select(alerts).where(alerts.c.closed_at.is_(None))
        if chosen:
            query = query.where(*chosen)
            open_alerts = open_alerts.where(
                alerts.c.unit_id.in_(sa.select(units.c.id).where(*chosen))
            )
        with transaction(self.engine) as db:
            rows = db.execute(query).all()
            alert_rows = db.execute(open_alerts.order_by(alerts.c.opened_at)).all()
        found = {
            row.id: Unit(
                id=row.id,
                client=row.client,
                role=Role(row.role),
                office=row.office,
                version=row.version,
                first_seen=row.first_seen,
                last_seen=row.last_seen,
                heartbeat=_decode_state(row.state),
            )
            for row in rows
        }
        for alert in alert_rows:
            if alert.unit_id in found:
                found[alert.unit_id].alerts.append(Alert(**alert._mapping))
        return list(found.values())

    def unit(self, unit_id: int) -> Unit | None:
        found = self.units(unit_id=unit_id)
        return found[0] if found else None

    def find_unit(self, client: str, role: Role | None = None) -> list[Unit]:
        return self.units(client=client, role=role)

    def history(self, unit_id: int, since: float) -> list[Point]:
        with transaction(self.engine) as db:
            rows = db.execute(
                sa.select(
                    heartbeats.c.at,
                    heartbeats.c.api_latency_ms,
                    heartbeats.c.api_errors,
                    heartbeats.c.lookups_hour,
                    heartbeats.c.answer_ms,
                    heartbeats.c.signal,
                    heartbeats.c.outbox_depth,
                    heartbeats.c.camera_fps,
                )
                .where(heartbeats.c.unit_id == unit_id, heartbeats.c.at >= since)
                .order_by(heartbeats.c.at)
            ).all()
        return [Point(*row) for row in rows]

    def lookups_by_hour(self, unit_id: int, since: float) -> dict[int, int]:
        """Lookups per UTC hour (start, seconds) from the unit's usage events."""
        with transaction(self.engine) as db:
            rows = db.execute(
                sa.select(usage_events.c.hour, sa.func.count())
                .where(
                    usage_events.c.unit_id == unit_id,
                    usage_events.c.hour >= int(since // 3600 * 3600),
                    usage_events.c.outcome.in_([outcome.value for outcome in LOOKUPS]),
                )
                .group_by(usage_events.c.hour)
            ).all()
        return {int(hour): int(count) for hour, count in rows}

    def alerts_of(self, unit_id: int, limit: int = 20) -> list[Alert]:
        with transaction(self.engine) as db:
            rows = db.execute(
                sa.select(alerts)
                .where(alerts.c.unit_id == unit_id)
                .order_by(alerts.c.opened_at.desc())
                .limit(limit)
            ).all()
        return [Alert(**row._mapping) for row in rows]

    # -- housekeeping --------------------------------------------------------------------------

    def rebuild_totals(self) -> None:
        """Compute the monthly totals again from the single events (after loading events in
        bulk, or restoring them); months whose events were pruned keep their totals."""
        months = sa.select(usage_events.c.month).distinct().scalar_subquery()
        lookups = usage_events.c.outcome.in_([outcome.value for outcome in LOOKUPS])
        keys = (usage_events.c.unit_id, usage_events.c.channel, usage_events.c.month)
        with transaction(self.engine, write=True) as db:
            db.execute(sa.delete(usage_counts).where(usage_counts.c.month.in_(months)))
            db.execute(sa.delete(usage_latency).where(usage_latency.c.month.in_(months)))
            counted = (*keys, usage_events.c.outcome, usage_events.c.status)
            db.execute(
                sa.insert(usage_counts).from_select(
                    ["unit_id", "channel", "month", "outcome", "status", "n"],
                    sa.select(*counted, sa.func.count()).group_by(*counted),
                )
            )
            timed = (*keys, usage_events.c.bucket)
            db.execute(
                sa.insert(usage_latency).from_select(
                    ["unit_id", "channel", "month", "bucket", "n"],
                    sa.select(*timed, sa.func.count()).where(lookups).group_by(*timed),
                )
            )

    def prune(self, now: float, *, history_hours: int, keep_events_days: int) -> int:
        """Forget heartbeats and single usage events past their keeping time (the monthly
        totals stay); returns the rows removed."""
        first_day = vietnam_day(int(now - keep_events_days * 86400)).isoformat()
        with transaction(self.engine, write=True) as db:
            removed = db.execute(
                sa.delete(heartbeats).where(heartbeats.c.at < now - history_hours * 3600)
            ).rowcount
            removed += db.execute(
                sa.delete(usage_events).where(usage_events.c.day < first_day)
            ).rowcount
        return int(removed)
