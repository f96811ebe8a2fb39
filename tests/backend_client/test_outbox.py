from pathlib import Path

import pytest

from backend_client import ApiStats, FleetOutbox, cpu_temperature
from onestop.fleet import HeartbeatItem, Outcome, Role, UsageEvent, UsageItem
from onestop.sqlite import SchemaError
from tests.gateway.fleet.factories import T0, kiosk_beat, usage


def test_items_keep_their_order_and_numbers_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    outbox = FleetOutbox(path)
    outbox.add_heartbeat(kiosk_beat(T0))
    outbox.add_usage([usage(channel=Role.KIOSK), usage(channel=Role.KIOSK, latency_ms=9)])
    identity = outbox.outbox_id
    outbox.delivered(3)
    outbox.close()
    reopened = FleetOutbox(path)
    assert reopened.outbox_id == identity
    reopened.add_heartbeat(kiosk_beat(T0 + 60))
    # Numbers are never given twice, even when every item before was delivered and removed.
    [item] = reopened.pending(10)
    assert isinstance(item, HeartbeatItem) and item.seq == 4
    assert item.heartbeat == kiosk_beat(T0 + 60)


def test_a_new_outbox_gets_a_new_identity(tmp_path: Path) -> None:
    first = FleetOutbox(tmp_path / "a.sqlite3").outbox_id
    assert first != FleetOutbox(tmp_path / "b.sqlite3").outbox_id
    assert len(first) == 32


def test_old_heartbeats_go_when_the_backlog_is_full_but_usage_events_stay(tmp_path: Path) -> None:
    outbox = FleetOutbox(tmp_path / "outbox.sqlite3", max_backlog=3)
    outbox.add_usage([usage()])
    for minute in range(6):
        outbox.add_heartbeat(kiosk_beat(T0 + 60 * minute))
    items = outbox.pending(100)
    assert isinstance(items[0], UsageItem)
    assert [item.heartbeat.at for item in items if isinstance(item, HeartbeatItem)] == [
        T0 + 180,
        T0 + 240,
        T0 + 300,
    ]


def test_events_of_another_store_are_copied_once(tmp_path: Path) -> None:
    outbox = FleetOutbox(tmp_path / "outbox.sqlite3")
    event = usage()
    outbox.copy_usage("smsd", [(1, event), (2, event)])
    outbox.copy_usage("smsd", [(1, event), (2, event), (3, event)])
    assert outbox.position("smsd") == 3
    assert [item.seq for item in outbox.pending(10)] == [1, 2, 3]


def test_alert_texts_sent_are_remembered_until_confirmed(tmp_path: Path) -> None:
    outbox = FleetOutbox(tmp_path / "outbox.sqlite3")
    outbox.note_sent_alerts([7, 3, 7])
    assert outbox.sent_alerts() == [3, 7]
    outbox.forget_sent_alerts([3])
    assert outbox.sent_alerts() == [7]


def test_an_outbox_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    FleetOutbox(path).close()
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(SchemaError, match="newer release"):
        FleetOutbox(path)


def test_api_figures_cover_the_last_hour() -> None:
    now = [0.0]
    stats = ApiStats(clock=lambda: now[0])
    stats.record(0.1, ok=True)
    stats.record(0.3, ok=False)
    now[0] = 1800.0
    stats.record(0.2, ok=True)
    figures = stats.figures()
    assert (figures.requests, figures.errors, figures.median_ms) == (3, 1, 200)
    now[0] = 3700.0
    assert stats.figures().requests == 1
    now[0] = 9000.0
    assert stats.figures().median_ms is None


def test_cpu_temperature_reads_the_thermal_zone(tmp_path: Path) -> None:
    zone = tmp_path / "temp"
    zone.write_text("48312\n")
    assert cpu_temperature(zone) == 48.312
    assert cpu_temperature(tmp_path / "absent") is None


def test_usage_events_carry_no_personal_data() -> None:
    # The contract has no place for a number, a code or a text.
    assert set(UsageEvent.__struct_fields__) == {
        "hour",
        "channel",
        "outcome",
        "latency_ms",
        "status",
        "transport",
    }
    assert Outcome.LAST_KNOWN.answered and not Outcome.HELP.is_lookup
