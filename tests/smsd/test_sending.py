"""Sending, journalled: store upgrades, long replies resumed, references, who gets no reply,
and what the logs say about a refused send."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware.modem import Incoming
from hardware.modem_sim import Heard
from onestop.demo_api import DemoRecord
from onestop.sqlite import schema_version
from smsd import MessageState, Note, OutboxState, Outcome, Reason, Store, UsageEvent
from smsd._store import _SCHEMA_1, MIGRATIONS
from tests.hardware.test_sms_pdu import AOSP, _vector
from tests.smsd.conftest import SmsService, wait_until

CITIZEN = "+84912000301"


def _receive(store: Store, sender: str, text: str, now: float) -> None:
    store.receive(Incoming("00", sender, text, None), now=now)


def test_a_database_of_the_first_release_is_upgraded_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "smsd.sqlite3"
    old = sqlite3.connect(path, isolation_level=None)
    old.executescript(_SCHEMA_1)  # what release 0.1.0 created, with what it wrote
    old.executescript(
        """
        INSERT INTO messages (id, sender, sent_at, text, received_at, state)
            VALUES (1, '+84912000001', 't1', 'HS 1', 100, 'answered'),
                   (2, '+84912000002', 't2', 'HS 2', 101, 'answered'),
                   (3, '+84912000003', 't3', 'HS 3', 102, 'new');
        INSERT INTO outbox (id, message_id, recipient, text, state, attempts, next_at,
                            created_at, sent_at)
            VALUES (7, 1, '+84912000001', 'sent long ago', 'sent', 1, 100, 100, 100),
                   (9, 2, '+84912000002', 'waiting', 'pending', 0, 101, 101, NULL);
        INSERT INTO events (at, channel, outcome, status, latency_ms)
            VALUES ('2026-01-01T02:00:00+00:00', 'sms', 'found', 'processing', 12);
        """
    )
    old.close()
    store = Store(path)
    with sqlite3.connect(path) as db:
        assert schema_version(db) == len(MIGRATIONS)  # upgraded to the latest schema
    (waiting,) = store.due_replies(now=200)
    assert (waiting.id, waiting.text, waiting.parts_sent, waiting.concat_ref) == (
        9,
        "waiting",
        0,
        9,
    )
    assert [m.text for m in store.due_messages(now=200)] == ["HS 3"]
    assert store.events() == [
        ("2026-01-01T02:00:00+00:00", "sms", "found", "processing", 12, "modem", "")
    ]
    (message,) = store.due_messages(now=200)
    store.answer(message, "new reply", [], note=Note.LOOKUP, now=200)
    references = [reply.concat_ref for reply in store.due_replies(now=300)]
    assert references == [9, 10]  # the counter starts past every reference already used
    store.close()
    assert Store(path).counts()["replies_sent"] == 1  # opening again changes nothing


def test_concatenation_references_stay_unique_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "smsd.sqlite3"
    references: list[int] = []
    for run in range(3):
        store = Store(path)
        for index in range(100):
            _receive(store, f"+849120{run}{index:04d}", "HS", now=1000 + index)
        for message in store.due_messages(now=2000):
            store.answer(message, "reply", [], note=Note.LOOKUP, now=2000)
        replies = store.due_replies(now=3000, limit=1000)
        references += [reply.concat_ref for reply in replies[-100:]]
        for reply in replies:
            store.sending(reply.id, 1)
            store.accepted(reply.id, 1, 1, now=3000)
        store.close()
    # 300 replies: every window of 256 consecutive ones uses each reference once.
    assert all(len(set(references[i : i + 256])) == 256 for i in range(len(references) - 255))


def test_a_reply_cut_off_inside_its_send_is_resent_once_and_counted(tmp_path: Path) -> None:
    store = Store(tmp_path / "smsd.sqlite3")
    _receive(store, CITIZEN, "HS", now=100)
    (message,) = store.due_messages(now=100)
    store.answer(message, "reply", [UsageEvent(Outcome.HELP, None, 1)], note=Note.HELP, now=100)
    (reply,) = store.due_replies(now=100)
    store.sending(reply.id, 1)
    assert store.cut_off() == [reply.id]
    assert store.interrupted(reply.id, "killed", now=101)
    assert store.cut_off() == [] and [r.id for r in store.due_replies(now=101)] == [reply.id]
    store.sending(reply.id, 1)
    assert not store.interrupted(reply.id, "killed again", now=102)
    assert store.counts()[f"replies_{OutboxState.FAILED}"] == 1
    outcomes = [outcome for _, _, outcome, *_ in store.events()]
    assert outcomes == [Outcome.HELP, Outcome.RESENT, Outcome.UNSENT]


def test_a_long_reply_resumes_at_the_failed_part_with_its_reference(
    service_factory: Callable[..., SmsService], records: list[DemoRecord]
) -> None:
    service = service_factory(reply_alphabet="ucs2", max_parts=3)
    emulator = service.emulator
    submits: list[str] = []

    def fail_the_second_part(kind: Heard, text: str) -> None:
        if kind is Heard.SUBMIT:
            submits.append(text)
            if len(submits) == 2:
                emulator.faults.send_errors.append(500)  # this very submit fails

    emulator.add_listener(fail_the_second_part)
    codes = " ".join(record.dossier.code for record in records[:3])
    service.ask(CITIZEN, codes, timeout=20)
    parts = [part for part in emulator.sent if part.destination == CITIZEN]
    assert len(submits) == len(parts) + 1 >= 3  # one refused submit, no part sent twice
    assert [part.part for part in parts] == list(range(1, parts[0].parts + 1))
    assert len({part.reference for part in parts}) == 1
    assert len(service.replies_to(CITIZEN)) == 1


def _pdu(path: str, line: int, repository: str = "gammu/gammu") -> str:
    return str(_vector(repository, path, line)["pdu"])


def test_no_reply_to_programs_broken_pdus_or_impossible_numbers(
    service_factory: Callable[..., SmsService],
) -> None:
    service = service_factory()
    emulator = service.emulator
    wap_push = _pdu(AOSP[1], 78, AOSP[0])
    mms_notification = _pdu("tests/at-sms/33.dump", 3)
    eight_bit = _pdu("tests/at-sms/26.dump", 3)
    for pdu in (wap_push, mms_notification, eight_bit):
        emulator.deliver_pdu(pdu)
    emulator.deliver_pdu("07914889200030F0040B9148193254")  # cut off after the sender
    emulator.deliver("+8491234567890123", "HS 000.00.20.H30-240115-0001")  # 16 digits
    service.ask("+84912000302", "?")  # answered after everything above was handled
    assert wait_until(lambda: service.daemon.store.counts().get("messages_new", 0) == 0)
    assert [reply.destination for reply in emulator.replies] == ["+84912000302"]
    with sqlite3.connect(service.config.smsd.database) as db:
        notes = sorted(
            (state, note or "")
            for state, note in db.execute(
                "SELECT state, note FROM messages WHERE state != ?", ("answered",)
            )
        )
    assert notes == sorted(
        [
            (MessageState.IGNORED, Reason.BINARY),
            (MessageState.IGNORED, Reason.BINARY),
            (MessageState.IGNORED, Reason.BINARY),
            (MessageState.IGNORED, Reason.NOT_A_SUBSCRIBER),
            (MessageState.UNDECODABLE, "address digits are cut short"),
        ]
    )
    assert emulator.wait_empty()


def test_a_refused_send_logs_no_pdu_and_no_number(
    service_factory: Callable[..., SmsService],
    records: list[DemoRecord],
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = service_factory()
    submitted: list[str] = []
    service.emulator.add_listener(
        lambda kind, text: submitted.append(text) if kind is Heard.SUBMIT else None
    )
    service.emulator.faults.send_errors.append(500)
    with caplog.at_level(logging.INFO):
        service.ask(CITIZEN, f"HS {records[0].dossier.code}")
    assert "AT+CMGS answered +CMS ERROR: 500" in caplog.text
    assert submitted and not any(pdu in caplog.text for pdu in submitted)
    assert not any(pdu[:30] in caplog.text for pdu in submitted)


def test_the_hourly_cap_is_logged_once_per_change(
    service_factory: Callable[..., SmsService], caplog: pytest.LogCaptureFixture
) -> None:
    service = service_factory(hourly_send_cap=2)
    with caplog.at_level(logging.INFO, logger="smsd"):
        for index in range(4):
            service.text(f"+8491200040{index}", "?")
        assert service.emulator.wait_replies(2)
        assert wait_until(lambda: service.daemon.store.counts().get("replies_pending", 0) == 2)
        assert wait_until(lambda: "hourly send cap of 2 reached" in caplog.text)
        beats: set[float] = set()

        def passes() -> bool:
            service.daemon._wake.set()  # as new messages would
            beats.add(service.daemon._pipeline_beat)
            return len(beats) >= 10

        assert wait_until(passes)
    assert caplog.text.count("hourly send cap of 2 reached") == 1
