"""The daemon's smaller parts: store, abuse rules, number masking, sd_notify, configuration."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

import hardware.modem
import hardware.modem_sim
import smsd
from dossier import ICT
from hardware.modem import Incoming, PartInfo
from onestop.config import ConfigError, load_config
from smsd import (
    MaskNumbers,
    MessageState,
    Note,
    Notifier,
    Outcome,
    Policy,
    Reason,
    Store,
    Verdict,
    mask_number,
    national,
)
from smsd._policy import steady_rhythm

SENT = dt.datetime(2024, 1, 15, 9, 0, tzinfo=ICT)


@pytest.mark.parametrize("module", [smsd, hardware.modem, hardware.modem_sim])
def test_public_names_exist(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(module, name) for name in names)


def _sms(
    sender: str, text: str, part: PartInfo | None = None, sent: dt.datetime = SENT
) -> Incoming:
    return Incoming(pdu="00", sender=sender, text=text, sent_at=sent, part=part)


def test_store_drops_redelivered_messages_and_parts(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    assert store.receive(_sms("+84912345678", "HS 1")).fresh
    assert not store.receive(_sms("+84912345678", "HS 1")).fresh
    assert store.receive(_sms("+84912345678", "HS 1", sent=SENT + dt.timedelta(seconds=1))).fresh
    first = _sms("+84912345679", "Hồ sơ ", PartInfo(7, 2, 1))
    second = _sms("+84912345679", "của tôi", PartInfo(7, 2, 2))
    assert store.receive(second).fresh and store.receive(first).fresh
    assert not store.receive(first).fresh  # the same part again, after assembly
    texts = [message.text for message in store.due_messages()]
    assert texts == ["HS 1", "HS 1", "Hồ sơ của tôi"]


def test_store_joins_an_emoji_split_across_parts(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.receive(_sms("+84912345678", "a\ud83d", PartInfo(9, 2, 1)))
    store.receive(_sms("+84912345678", "\ude00b", PartInfo(9, 2, 2)))
    assert [m.text for m in store.due_messages()] == ["a😀b"]


def test_store_times_out_missing_parts(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.receive(_sms("+84912345678", "HS 000.00.20.H30-240115-0001 ", PartInfo(3, 3, 1)), now=100)
    store.receive(_sms("+84912345678", "cam on", PartInfo(3, 3, 3)), now=101)
    assert store.due_messages(now=150) == []
    assert store.expire_parts(timeout=60, now=150) == 0
    assert store.expire_parts(timeout=60, now=161) == 1
    (message,) = store.due_messages(now=161)
    assert (message.parts, message.missing_parts) == (3, 1)
    assert message.text.startswith("HS 000.00.20.H30-240115-0001")


def test_store_keeps_undecodable_messages(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    broken = Incoming(pdu="0791", sender="", text="", sent_at=None, error="cut short")
    assert store.receive(broken).fresh and not store.receive(broken).fresh
    assert store.counts() == {f"messages_{MessageState.UNDECODABLE}": 1}


@pytest.mark.parametrize(
    ("sender", "verdict", "why"),
    [
        ("Viettel", Verdict.IGNORE, Reason.ALPHANUMERIC),
        ("VNPT-Money", Verdict.IGNORE, Reason.ALPHANUMERIC),
        ("*#abc#*51", Verdict.IGNORE, Reason.ALPHANUMERIC),
        ("+8491234*678", Verdict.IGNORE, Reason.ALPHANUMERIC),
        ("8085", Verdict.IGNORE, Reason.SHORT_CODE),
        ("+8491234567890123", Verdict.IGNORE, Reason.NOT_A_SUBSCRIBER),
        ("8491234567890123", Verdict.IGNORE, Reason.NOT_A_SUBSCRIBER),
        ("+84981234567", Verdict.IGNORE, Reason.OWN_NUMBER),
        ("0977000111", Verdict.IGNORE, Reason.DENY_LIST),
        ("+84912345678", Verdict.ANSWER, None),
        ("+849123456789012", Verdict.ANSWER, None),  # 15 digits: the most E.164 allows
    ],
)
def test_who_gets_no_answer(
    tmp_path: Path, sender: str, verdict: Verdict, why: Reason | None
) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.receive(_sms(sender, "HS"))
    (message,) = store.due_messages()
    policy = Policy(own_numbers=("0981234567",), deny=("+84977000111",))
    decision = policy.decide(store, message)
    assert (decision.verdict, decision.why) == (verdict, why)


def test_numbers_compare_in_national_form() -> None:
    assert national("+84 912 345 678") == national("84912345678") == "0912345678"


def test_masking_phone_numbers_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    assert mask_number("+84912345567") == "+8491****567"
    assert mask_number("0912345567") == "0912****567"
    # A sender too long to be a subscriber gets no reply, but its digits are still somebody's.
    assert mask_number("+8491234567890123") == "+8491****123"
    assert mask_number("000.00.20.H30-240115-0001") == "000.00.20.H30-240115-0001"
    pdu = "0011000B914819325476F80008AA0C0048006F00200073006F"  # to +84912345678, swapped
    assert mask_number(f"no answer to {pdu} from /dev/ttyUSB2") == (
        "no answer to <PDU of 25 octets> from /dev/ttyUSB2"
    )
    logger = logging.getLogger("test.masking")
    logger.addFilter(MaskNumbers())
    with caplog.at_level(logging.INFO, logger="test.masking"):
        logger.info("received from %s", "+84912345567")
    assert caplog.messages == ["received from +8491****567"]


def test_sd_notify_datagrams() -> None:
    path = Path(tempfile.mkdtemp(prefix="sd-")) / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(5)
        notifier = Notifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "20000000"})
        assert notifier.watchdog_interval == 10.0
        notifier.ready("modem ready")
        notifier.watchdog()
        assert server.recv(100) == b"READY=1\nSTATUS=modem ready"
        assert server.recv(100) == b"WATCHDOG=1"
    assert not Notifier({}).enabled


def test_minimal_config_takes_every_default(tmp_path: Path) -> None:
    path = tmp_path / "onestop.conf"
    path.write_text(
        "[backend]\nurl = http://127.0.0.1:8080\n[modem]\nport = /dev/ttyUSB2\nbaudrate = 9600\n"
        "[smsd]\ndatabase = /var/lib/onestop/smsd.sqlite3\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert (config.modem.port, config.modem.baudrate, config.modem.heartbeat_interval) == (
        "/dev/ttyUSB2",
        9600,
        30.0,
    )
    assert (config.smsd.reply_alphabet, config.smsd.max_parts, config.smsd.sender_limit) == (
        "gsm7",
        3,
        10,
    )
    assert config.smsd.hourly_send_cap == 600 and config.smsd.backend_patience == 600


def test_config_names_a_bad_smsd_key(tmp_path: Path) -> None:
    path = tmp_path / "onestop.conf"
    path.write_text(
        "[smsd]\nmax_part = 3\nreply_alphabet = utf8\n[modem]\npin = 1234x\nbaudrate = fast\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert "[smsd] max_part: unknown key; did you mean 'max_parts'?" in problems
    assert any(p.startswith("[smsd] reply_alphabet: expected one of gsm7, ucs2") for p in problems)
    assert any(p.startswith("[modem] baudrate: expected a whole number") for p in problems)
    assert "1234x" not in str(caught.value)


def test_example_config_lists_the_sms_sections() -> None:
    from onestop.config import Config, dump_config

    example = Path(__file__).resolve().parents[2] / "etc" / "onestop.conf.example"
    assert example.read_text(encoding="utf-8") == dump_config(Config(), documented=True)


def test_sd_notify_never_blocks_on_a_reader_that_stopped_reading() -> None:
    path = Path(tempfile.mkdtemp(prefix="sd-")) / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        notifier = Notifier({"NOTIFY_SOCKET": str(path)})
        for _ in range(200):  # far beyond the kernel's default datagram queue (10)
            notifier.watchdog()
        assert server.recv(100) == b"WATCHDOG=1"


def test_store_prunes_handled_rows_but_keeps_events(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.receive(_sms("+84912345678", "HS"), now=1000)
    store.receive(_sms("+84912345679", "HS"), now=1000)
    old, waiting = store.due_messages(now=1000)
    store.answer(old, "reply", [smsd.UsageEvent(Outcome.HELP, None, 3)], note=Note.HELP, now=1000)
    (reply,) = store.due_replies(now=1000)
    store.sending(reply.id, 1)
    store.accepted(reply.id, 1, 1, now=1001)
    assert store.prune(older_than=5000) == 3  # the reply, its message, its one part sent
    assert [m.id for m in store.due_messages(now=6000)] == [waiting.id]
    assert len(store.events()) == 1


@pytest.mark.parametrize(
    ("delays", "machine"),
    [
        ([2.0, 2.5, 1.8], True),  # answers each reply within seconds
        ([None, 300.0, 310.0, 295.0], True),  # every five minutes, like clockwork
        ([40.0, 95.0, 20.0], False),  # a person typing the next code
        ([2.0, None, 2.0], False),  # one message came before our reply: a person
        ([2.0, 2.0], False),  # too few to tell
    ],
)
def test_a_steady_rhythm_gives_a_machine_away(delays: list[float | None], machine: bool) -> None:
    assert steady_rhythm(delays, 3) is machine


def _robot_exchanges(store: Store, hours: float, next_message: Callable[[float], float]) -> int:
    """Play a machine writing to the daemon for ``hours``, each time with new words, whether
    answered or not (its next message comes ``next_message(now)`` seconds after our reply, or
    after its last message when we stay silent); returns how many replies it got."""
    policy = Policy()
    robot, now, replies = "+84912999000", 1_000_000.0, 0
    end = now + hours * 3600
    for count in itertools.count():
        if now > end:
            return replies
        store.receive(
            Incoming("00", robot, f"Cam on, yeu cau so {count} da ghi nhan", None), now=now
        )
        (message,) = store.due_messages(now=now)
        decision = policy.decide(store, message)
        if decision.why is not None:
            store.ignore(message.id, decision.why)
            now += next_message(now)
            continue
        note = Note.LIMIT_NOTICE if decision.verdict is Verdict.NOTICE else Note.LOOKUP
        store.answer(message, "reply", [], note=note, now=now + 1)
        (reply,) = store.due_replies(now=now + 1)
        store.sending(reply.id, 1)
        store.accepted(reply.id, 1, 1, now=now + 2)
        replies += 1
        now += 2 + next_message(now + 2)
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "pause",
    [
        lambda _now: 330.0,  # 11 SMS an hour, like clockwork, whatever we answer
        lambda now: 330.0 + 20 * math.sin(now),  # the same, give or take 20 s
        lambda _now: 60.0,  # every minute
    ],
    ids=["every-5.5-min", "about-every-5.5-min", "every-minute"],
)
def test_a_machine_that_varies_its_words_is_answered_three_times_only(
    tmp_path: Path, pause: Callable[[float], float]
) -> None:
    # Caught by its rhythm after three replies, it used to be answered again as soon as one
    # message went unanswered (that broke the rhythm): three in four of its messages, all day.
    assert _robot_exchanges(Store(tmp_path / "db.sqlite3"), 3, pause) == 3
