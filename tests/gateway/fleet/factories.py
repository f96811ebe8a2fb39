"""Heartbeats and usage events as units send them, for the fleet's tests."""

from __future__ import annotations

import itertools
from typing import Any

from dossier import Status
from onestop.fleet import (
    Batch,
    Heartbeat,
    HeartbeatItem,
    Modem,
    Outcome,
    Role,
    Sim,
    UsageEvent,
    UsageItem,
    hour_of,
)

T0 = 1_779_933_600.0  # 2026-05-28 09:00 in Vietnam, a Thursday morning


def sms_beat(at: float = T0, **changes: Any) -> Heartbeat:
    fields: dict[str, Any] = {
        "role": Role.SMS,
        "at": at,
        "version": "0.1.0",
        "uptime_s": 3600.0,
        "office": "UBND huyện Vị Thủy",
        "disk_free_mb": 12000,
        "cpu_temp_c": 48.5,
        "api_requests": 20,
        "api_errors": 0,
        "api_latency_ms": 120,
        "transport": "modem",
        "modems": (Modem(name="modem", state="ready", signal=18, operator="Viettel"),),
        "sims": (Sim(name="modem", sent_hour=12, cap_hour=100, sent_day=40, cap_day=600),),
        "outbox_depth": 0,
        "oldest_unanswered_s": None,
        "replies_hour": 12,
        "reply_median_ms": 900,
    }
    fields.update(changes)
    return Heartbeat(**fields)


def kiosk_beat(at: float = T0, **changes: Any) -> Heartbeat:
    fields: dict[str, Any] = {
        "role": Role.KIOSK,
        "at": at,
        "version": "0.1.0",
        "uptime_s": 7200.0,
        "office": "Trung tâm Phục vụ hành chính công tỉnh",
        "disk_free_mb": 20000,
        "api_requests": 8,
        "api_latency_ms": 95,
        "screen": "idle",
        "screen_since_s": 30.0,
        "ui_stalled_s": 0.2,
        "last_touch_s": 30.0,
        "camera": "picamera2",
        "camera_fps": 14.5,
        "scanner_seen_s": 400.0,
        "lookups_hour": 8,
    }
    fields.update(changes)
    return Heartbeat(**fields)


def usage(
    at: float = T0,
    *,
    outcome: Outcome = Outcome.FOUND,
    status: Status | None = Status.PROCESSING,
    latency_ms: int = 250,
    channel: Role = Role.SMS,
    transport: str = "modem",
) -> UsageEvent:
    return UsageEvent(
        hour=hour_of(at),
        channel=channel,
        outcome=outcome,
        status=status if outcome.answered else None,
        latency_ms=latency_ms,
        transport=transport if channel is Role.SMS else "",
    )


def batch(
    *things: Heartbeat | UsageEvent,
    outbox_id: str = "outbox-0001",
    start: int = 1,
    role: Role | None = None,
    sent_alerts: tuple[int, ...] = (),
) -> Batch:
    numbers = itertools.count(start)
    items: list[HeartbeatItem | UsageItem] = [
        HeartbeatItem(next(numbers), thing)
        if isinstance(thing, Heartbeat)
        else UsageItem(next(numbers), thing)
        for thing in things
    ]
    if role is None:
        beats = [thing for thing in things if isinstance(thing, Heartbeat)]
        role = beats[0].role if beats else Role.SMS
    return Batch(outbox_id=outbox_id, role=role, items=tuple(items), sent_alerts=sent_alerts)
