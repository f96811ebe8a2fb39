import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st

from dossier import Status
from gateway.fleet._database import VERSION_TABLE, transaction
from gateway.fleet._errors import FleetDatabaseError
from gateway.fleet._schema import metadata, notices, usage_counts, usage_events, usage_latency
from gateway.fleet._store import FleetStore, channel_key, latency_bucket, vietnam_day
from onestop.fleet import Outcome, Role
from tests.gateway.fleet.factories import T0, batch, kiosk_beat, sms_beat, usage


def test_the_migrations_build_exactly_the_declared_schema(store: FleetStore) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, metadata) == []
    assert store.upgrade() == "0001"  # a second start changes nothing


def test_a_database_from_a_newer_release_is_refused(store: FleetStore) -> None:
    with transaction(store.engine, write=True) as db:
        db.execute(sa.text("UPDATE fleet_schema_version SET version_num = '9999'"))
    with pytest.raises(FleetDatabaseError, match="newer release"):
        store.upgrade()


def test_a_batch_sent_twice_is_stored_once(store: FleetStore) -> None:
    sent = batch(sms_beat(), usage(), usage(outcome=Outcome.NOT_FOUND), sms_beat(T0 + 60))
    assert store.ingest("vithuy-sms", sent, T0 + 61).acked == 4
    assert store.ingest("vithuy-sms", sent, T0 + 62).acked == 4
    [unit] = store.units()
    assert (unit.client, unit.role, unit.office) == ("vithuy-sms", Role.SMS, "UBND huyện Vị Thủy")
    assert unit.last_seen == T0 + 62
    assert unit.heartbeat is not None and unit.heartbeat.at == T0 + 60
    assert len(store.history(unit.id, 0)) == 2
    with transaction(store.engine) as db:
        assert db.execute(sa.select(sa.func.count()).select_from(usage_events)).scalar() == 2


def test_items_already_held_are_skipped_and_the_rest_applied_in_order(store: FleetStore) -> None:
    store.ingest("k1", batch(kiosk_beat(T0), kiosk_beat(T0 + 60)), T0 + 60)
    # The answer was lost: the unit sends its backlog again with one more item.
    again = batch(kiosk_beat(T0), kiosk_beat(T0 + 60), kiosk_beat(T0 + 120, screen="result"))
    assert store.ingest("k1", again, T0 + 121).acked == 3
    [unit] = store.units()
    assert unit.heartbeat is not None and unit.heartbeat.screen == "result"
    assert [point.at for point in store.history(unit.id, 0)] == [T0, T0 + 60, T0 + 120]


def test_a_reinstalled_unit_with_a_new_outbox_starts_numbering_again(store: FleetStore) -> None:
    store.ingest("k1", batch(kiosk_beat(T0), kiosk_beat(T0 + 60)), T0 + 60)
    answer = store.ingest("k1", batch(kiosk_beat(T0 + 600), outbox_id="outbox-0002"), T0 + 600)
    assert answer.acked == 1
    assert len(store.history(store.units()[0].id, 0)) == 3


def test_the_unit_clock_offset_is_corrected_and_never_in_the_future(store: FleetStore) -> None:
    store.ingest("k1", batch(kiosk_beat(T0 - 30, clock_offset_s=25.0)), T0)
    store.ingest("k2", batch(kiosk_beat(T0 + 3600)), T0)
    assert sorted(point.at for unit in store.units() for point in store.history(unit.id, 0)) == [
        T0 - 5,
        T0,
    ]


def test_monthly_totals_match_the_single_events(store: FleetStore) -> None:
    events = [
        usage(outcome=Outcome.FOUND, latency_ms=120),
        usage(outcome=Outcome.FOUND, latency_ms=1234),
        usage(outcome=Outcome.LAST_KNOWN, status=Status.RECEIVED, latency_ms=9),
        usage(outcome=Outcome.HELP, latency_ms=3),
        usage(T0 + 40 * 86400, outcome=Outcome.INVALID_CODE, latency_ms=2),
        usage(channel=Role.KIOSK, latency_ms=80),
    ]
    store.ingest("box", batch(*events[:3], role=Role.SMS), T0)
    store.ingest("box", batch(*events[3:], start=4, role=Role.SMS), T0)
    with transaction(store.engine) as db:
        counts = {
            (row.channel, row.month, row.outcome, row.status): row.n
            for row in db.execute(sa.select(usage_counts))
        }
        latency = {
            (row.channel, row.month, row.bucket): row.n
            for row in db.execute(sa.select(usage_latency))
        }
    assert counts == {
        ("sms:modem", "2026-05", "found", "processing"): 2,
        ("sms:modem", "2026-05", "last_known", "received"): 1,
        ("sms:modem", "2026-05", "help", ""): 1,
        ("sms:modem", "2026-07", "invalid_code", ""): 1,
        ("kiosk", "2026-05", "found", "processing"): 1,
    }
    assert latency == {  # requests for instructions take no answer time
        ("sms:modem", "2026-05", latency_bucket(120)): 1,
        ("sms:modem", "2026-05", latency_bucket(1234)): 1,
        ("sms:modem", "2026-05", 9): 1,
        ("sms:modem", "2026-07", 2): 1,
        ("kiosk", "2026-05", latency_bucket(80)): 1,
    }


@pytest.mark.parametrize(
    ("ms", "bucket"),
    [
        (0, 0),
        (19, 19),
        (20, 21),
        (21, 21),
        (22, 23),
        (1000, 1044),
        (1094, 1044),
        (1096, 1149),
        (86_400_000, 88_014_852),
    ],
)
def test_answer_times_are_counted_in_buckets_of_ten_percent(ms: int, bucket: int) -> None:
    assert latency_bucket(ms) == bucket


@given(st.integers(min_value=20, max_value=86_400_000))
def test_a_bucket_is_within_five_percent_of_its_times(ms: int) -> None:
    assert abs(latency_bucket(ms) - ms) <= 0.05 * ms + 1
    assert latency_bucket(latency_bucket(ms)) == latency_bucket(ms)


def test_days_and_months_are_counted_in_vietnam_time() -> None:
    # 17:00 UTC on 31 January is already 1 February in Vietnam.
    assert vietnam_day(1_769_878_800).isoformat() == "2026-02-01"
    assert channel_key(Role.SMS, "kannel") == "sms:kannel"
    assert channel_key(Role.KIOSK) == "kiosk"


def test_two_gateways_storing_the_same_batch_at_once_store_it_once(
    database_url: str,
) -> None:
    first, second = FleetStore(database_url), FleetStore(database_url)
    first.upgrade()
    try:
        store_once = batch(*[usage(latency_ms=n) for n in range(50)])
        barrier = threading.Barrier(2)
        answers = []

        def send(store: FleetStore) -> None:
            barrier.wait(timeout=30)
            answers.append(store.ingest("box", store_once, T0).acked)

        threads = [threading.Thread(target=send, args=(s,)) for s in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert answers == [50, 50]
        with transaction(first.engine) as db:
            assert db.execute(sa.select(sa.func.count()).select_from(usage_events)).scalar() == 50
            assert db.execute(sa.select(sa.func.sum(usage_counts.c.n))).scalar() == 50
    finally:
        first.close()
        second.close()


def test_alert_texts_go_to_one_box_until_it_confirms_them(store: FleetStore) -> None:
    store.ingest("box1", batch(sms_beat()), T0)
    store.ingest("box2", batch(sms_beat()), T0)
    [box1, box2] = store.units()
    with transaction(store.engine, write=True) as db:
        db.execute(sa.text("INSERT INTO alerts (unit_id, kind, opened_at) VALUES (1, 'silent', 0)"))
        db.execute(
            sa.insert(notices),
            [
                {
                    "alert_id": 1,
                    "event": "opened",
                    "channel": "sms",
                    "recipient": "+84912345678",
                    "text": "alert",
                    "state": "pending",
                    "next_at": T0,
                    "created_at": T0,
                },
            ],
        )
    given = store.ingest("box1", batch(sms_beat(T0 + 60), start=2), T0 + 60, may_send_alerts=True)
    assert [(text.to, text.text) for text in given.alerts] == [("+84912345678", "alert")]
    # Not offered to the other box while the first one may still be sending it ...
    later = store.ingest("box2", batch(sms_beat(T0 + 60), start=2), T0 + 61, may_send_alerts=True)
    assert later.alerts == ()
    # ... and offered again only when the first never confirms.
    retry = store.ingest("box2", batch(start=3, role=Role.SMS), T0 + 61 + 600, may_send_alerts=True)
    assert [text.id for text in retry.alerts] == [given.alerts[0].id]
    store.ingest("box2", batch(start=3, role=Role.SMS, sent_alerts=(retry.alerts[0].id,)), T0 + 700)
    with transaction(store.engine) as db:
        assert db.execute(sa.select(notices.c.state, notices.c.assigned_unit)).one() == (
            "done",
            box2.id,
        )
    assert box1.id != box2.id


def test_prune_keeps_recent_heartbeats_and_the_monthly_totals(store: FleetStore) -> None:
    store.ingest("box", batch(sms_beat(T0), usage(T0), sms_beat(T0 + 86400 * 3)), T0 + 86400 * 3)
    removed = store.prune(T0 + 86400 * 3 + 10, history_hours=48, keep_events_days=1)
    assert removed == 2
    with transaction(store.engine) as db:
        assert db.execute(sa.select(sa.func.sum(usage_counts.c.n))).scalar() == 1


def test_a_backlog_arriving_late_does_not_replace_the_newer_state(store: FleetStore) -> None:
    store.ingest("k1", batch(kiosk_beat(T0 + 600, screen="result")), T0 + 600)
    store.ingest("k1", batch(kiosk_beat(T0), outbox_id="outbox-0002"), T0 + 610)
    [unit] = store.units()
    assert unit.heartbeat is not None and unit.heartbeat.screen == "result"
    assert unit.last_seen == T0 + 610


def test_the_monthly_totals_can_be_rebuilt_from_the_events(store: FleetStore) -> None:
    events = [usage(T0 + n * 86400 * 10, latency_ms=100 + n) for n in range(8)]
    events += [usage(T0, outcome=Outcome.HELP, latency_ms=5)]
    store.ingest("box", batch(*events), T0)

    def totals() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        with transaction(store.engine) as db:
            counts = db.execute(sa.select(usage_counts).order_by(*usage_counts.primary_key)).all()
            latency = db.execute(
                sa.select(usage_latency).order_by(*usage_latency.primary_key)
            ).all()
        return [tuple(row) for row in counts], [tuple(row) for row in latency]

    before = totals()
    with transaction(store.engine, write=True) as db:
        db.execute(sa.update(usage_counts).values(n=999))
    store.rebuild_totals()
    assert totals() == before
