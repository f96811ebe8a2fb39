"""The store under every transport: who a message came through, re-deliveries told from a
citizen's second message, acknowledgements in doubt, parts sent per SIM and their receipts,
and the upgrade of a file from before the transports."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hardware.modem import Incoming, PartInfo
from smsd import Kept, Note, Origin, Outcome, Store, UsageEvent
from smsd._store import _SCHEMA_1, _SCHEMA_2, REDELIVERY_WINDOW, Holder

CITIZEN = "+84912000501"
SMPP = Origin(transport="smpp", sim="8077", acknowledged_later=True)


def _sms(text: str, part: PartInfo | None = None, sender: str = CITIZEN) -> Incoming:
    """An SMS without a service centre time stamp, as SMPP and Kannel hand them over."""
    return Incoming("smpp:00", sender, text, None, part=part)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "smsd.sqlite3")


def test_an_unacknowledged_message_delivered_again_is_kept_once(store: Store) -> None:
    first = store.receive(_sms("HS 1"), now=100, origin=SMPP)
    again = store.receive(_sms("HS 1"), now=130, origin=SMPP)
    assert first.fresh and not again.fresh
    assert again.row == first.row
    store.acknowledge(again, now=131)
    # Acknowledged: the same text again is the citizen asking again, answered again.
    assert store.receive(_sms("HS 1"), now=200, origin=SMPP).fresh
    assert len(store.due_messages(now=300)) == 2


def test_the_same_text_twice_on_a_healthy_link_is_two_messages(store: Store) -> None:
    for now in (100, 101):
        kept = store.receive(_sms("HS 2"), now=now, origin=SMPP)
        assert kept.fresh
        store.acknowledge(kept, now=now + 0.01)
    assert len(store.due_messages(now=300)) == 2


def test_a_re_delivery_after_the_window_is_a_new_message(store: Store) -> None:
    assert store.receive(_sms("HS 3"), now=100, origin=SMPP).fresh
    assert store.receive(_sms("HS 3"), now=100 + REDELIVERY_WINDOW + 1, origin=SMPP).fresh


def test_acknowledgements_in_doubt_let_the_re_delivery_be_recognised(store: Store) -> None:
    """The link broke right after the answer: the SMSC may deliver it again."""
    older = store.receive(_sms("HS 4", sender="+84912000502"), now=90, origin=SMPP)
    store.acknowledge(older, now=90)
    kept = store.receive(_sms("HS 4"), now=100, origin=SMPP)
    store.acknowledge(kept, now=100)
    assert store.doubt_acknowledgements("smpp", since=99) == 1
    assert not store.receive(_sms("HS 4"), now=105, origin=SMPP).fresh
    # Older acknowledgements stand: that citizen's next identical message is answered.
    assert store.receive(_sms("HS 4", sender="+84912000502"), now=106, origin=SMPP).fresh
    assert store.doubt_acknowledgements("modem", since=0) == 0


def test_a_long_message_part_delivered_again_is_kept_once(store: Store) -> None:
    one = store.receive(_sms("HS 000.00.20.H30-", PartInfo(7, 2, 1)), now=100, origin=SMPP)
    store.acknowledge(one, now=100)
    two = store.receive(_sms("240115-0001", PartInfo(7, 2, 2)), now=101, origin=SMPP)
    assert two.fresh and two.holder is Holder.PARTS
    assert not store.receive(_sms("240115-0001", PartInfo(7, 2, 2)), now=102, origin=SMPP).fresh
    (message,) = store.due_messages(now=200)
    assert message.text == "HS 000.00.20.H30-240115-0001"


def test_a_gateway_id_identifies_a_message(store: Store) -> None:
    kannel = Origin(transport="kannel", sim="telco", key="5d1c-a1")
    assert store.receive(_sms("HS 5"), now=100, origin=kannel).fresh
    assert not store.receive(_sms("HS 5"), now=160, origin=kannel).fresh
    other = Origin(transport="kannel", sim="telco", key="5d1c-a2")
    assert store.receive(_sms("HS 5"), now=170, origin=other).fresh


def test_binary_messages_from_any_transport_are_kept_and_never_answered(store: Store) -> None:
    binary = Incoming("smpp:0102", CITIZEN, "", None, binary=True)
    kept = store.receive(binary, now=100, origin=SMPP)
    assert kept.fresh
    assert not store.receive(binary, now=101, origin=SMPP).fresh
    assert store.due_messages(now=200) == []
    assert store.counts()["messages_ignored"] == 1


def test_a_clean_stop_is_told_from_a_crash(store: Store, tmp_path: Path) -> None:
    assert store.started()  # a new file: nothing ran before
    store.close()
    again = Store(tmp_path / "smsd.sqlite3")
    assert not again.started()  # the last run never said it stopped
    again.stopped()
    assert again.started()


def test_replies_remember_their_route_and_parts_count_per_sim(store: Store) -> None:
    pool = Origin(transport="modem-pool", sim="sim2")
    store.receive(Incoming("00", CITIZEN, "HS", None), now=100, origin=pool)
    (message,) = store.due_messages(now=100)
    store.answer(message, "reply", [UsageEvent(Outcome.HELP, None, 1)], note=Note.HELP, now=100)
    (reply,) = store.due_replies(now=100)
    assert (reply.via, reply.transport) == ("sim2", "modem-pool")
    store.sending(reply.id, 1, "sim1")
    store.accepted(reply.id, 1, 2, now=100, route="sim1", network_id="17")
    store.sending(reply.id, 2, "sim1")
    store.accepted(reply.id, 2, 2, now=200, route="sim1", network_id="18")
    assert store.sim_usage(now=3750) == {"sim1": (1, 2)}  # an hour back: only the second
    assert store.sim_usage(now=100_000) == {}
    assert store.receipt("modem-pool", "18", "DELIVRD", now=300)
    assert not store.receipt("modem-pool", "99", "DELIVRD", now=300)
    assert store.receipts() == {"": 1, "DELIVRD": 1}
    (event,) = store.events()
    assert event[2:] == ("help", None, 1, "modem-pool", "sim2")


def test_send_events_name_the_route_the_reply_left_from(store: Store) -> None:
    store.receive(Incoming("00", CITIZEN, "HS", None), now=100, origin=SMPP)
    (message,) = store.due_messages(now=100)
    store.answer(message, "reply", [], note=Note.HELP, now=100)
    (reply,) = store.due_replies(now=100)
    store.sending(reply.id, 1, "8077")
    assert store.interrupted(reply.id, "link lost", now=101)
    (event,) = store.events()
    assert event[2:] == ("resent", None, 0, "smpp", "8077")


def test_a_file_from_before_the_transports_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "smsd.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    old.executescript(_SCHEMA_1)
    old.executescript(_SCHEMA_2)
    old.execute("PRAGMA user_version = 2")
    old.executescript(
        """
        INSERT INTO messages (id, sender, sent_at, text, received_at, state)
            VALUES (1, '+84912000001', 't1', 'HS 1', 100, 'new');
        INSERT INTO events (at, channel, outcome, status, latency_ms)
            VALUES ('2026-01-01T02:00:00+00:00', 'sms', 'found', 'processing', 12);
        """
    )
    old.close()
    store = Store(path)
    assert store.events() == [
        ("2026-01-01T02:00:00+00:00", "sms", "found", "processing", 12, "modem", "")
    ]
    (message,) = store.due_messages(now=200)
    store.answer(message, "reply", [], note=Note.LOOKUP, now=200)
    (reply,) = store.due_replies(now=200)
    assert (reply.via, reply.transport) == ("", "modem")
    # Messages kept before the upgrade count as acknowledged when they were received.
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT acked_at, transport FROM messages").fetchall() == [
            (100.0, "modem")
        ]


def test_a_batch_is_one_commit_and_a_failing_step_is_undone_alone(
    store: Store, tmp_path: Path
) -> None:
    reader = sqlite3.connect(f"file:{tmp_path / 'smsd.sqlite3'}?mode=ro", uri=True)

    def kept() -> int:
        return int(reader.execute("SELECT COUNT(*) FROM messages").fetchone()[0])

    with store.batch():
        store.receive(_sms("HS 6"), now=100, origin=SMPP)
        nowhere = Kept(True, "no_such_table", 1)  # type: ignore[arg-type]
        with pytest.raises(sqlite3.OperationalError):  # a step that fails
            store.acknowledge(nowhere)
        store.receive(_sms("HS 8"), now=100, origin=SMPP)
        assert kept() == 0  # nothing is visible before the batch commits
    assert kept() == 2
    reader.close()
