"""The daemon end to end over a real pty and HTTP: what citizens send, what they get back."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from backend_client import LastKnownStore
from dossier import ICT, Status, format_moment, parse_code, strip_diacritics
from hardware.modem_sim import Alphabet, Heard
from onestop.demo_api import DemoRecord, DemoStatusServer
from smsd import MessageState
from tests.smsd.conftest import SmsService, free_port, wait_until


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory, demo_api: DemoStatusServer
) -> Iterator[SmsService]:
    """One daemon for the cases that only read (each uses its own sender number)."""
    from hardware.modem_sim import ModemEmulator
    from tests.smsd.conftest import fast_config

    with ModemEmulator("generic") as emulator:
        config = fast_config(
            demo_api.url, str(emulator.path), tmp_path_factory.mktemp("shared") / "db.sqlite3"
        )
        service = SmsService(emulator, config).start()
        yield service
        service.stop()


def _number(index: int) -> str:
    return f"+849{index:08d}"


def _processing(records: list[DemoRecord]) -> DemoRecord:
    return next(r for r in records if r.dossier.status is Status.PROCESSING)


FORMS = [
    "{code}",
    "HS {code}",
    "hs {lower}",
    "TC: {code}.",
    "TRA CUU {code}",
    "Tra cứu hồ sơ {code} giúp tôi",
    "HS {spaced}",
    "https://dichvucong.haugiang.gov.vn/tra-cuu?mahs={code}",
    "HS {code} AB12",
]


@pytest.mark.parametrize("form", FORMS)
def test_each_syntax_form_gets_the_status(
    form: str, shared: SmsService, records: list[DemoRecord]
) -> None:
    record = _processing(records)
    code = record.dossier.code
    message = form.format(code=code, lower=code.lower(), spaced=code.replace("-", " - "))
    reply = shared.ask(_number(FORMS.index(form)), message)
    assert reply.startswith(code)
    assert Status.PROCESSING.vi_ascii in reply
    assert "Hen tra" in reply
    assert record.dossier.applicant is None or record.dossier.applicant.name not in reply


def test_three_codes_in_one_message(shared: SmsService, records: list[DemoRecord]) -> None:
    codes = [r.dossier.code for r in records[:3]]
    reply = shared.ask(_number(100), "HS " + ", ".join(codes))
    assert [line.split(":")[0] for line in reply.splitlines()] == codes


def test_help_unknown_invalid_and_not_found(shared: SmsService) -> None:
    help_reply = shared.ask(_number(101), "?")
    assert "Vi du: HS 000.00.20.H30-240115-0001" in help_reply
    # Its status API is on 127.0.0.1, a lookup page no citizen's phone can open: not offered.
    assert "web" not in help_reply.lower() and "127.0.0.1" not in help_reply
    assert "Vi du" in shared.ask(_number(102), "xin chào, cho hỏi")
    assert "240230 khong phai la ngay co that" in shared.ask(
        _number(103), "HS 000.00.20.H30-240230-0001"
    )
    assert "khong tim thay" in shared.ask(_number(104), "HS 000.00.20.H30-200101-0009")


def test_every_reply_is_one_gsm7_sms_by_default(
    shared: SmsService, records: list[DemoRecord]
) -> None:
    for index, record in enumerate(records[:12]):
        shared.ask(_number(200 + index), f"HS {record.dossier.code}")
    for index in range(12):
        (reply,) = shared.replies_to(_number(200 + index))
        assert (reply.parts, reply.alphabet) == (1, Alphabet.GSM7)
        assert reply.text == strip_diacritics(reply.text)


def test_ucs2_and_emoji_input(shared: SmsService, records: list[DemoRecord]) -> None:
    code = records[0].dossier.code
    reply = shared.ask(
        _number(300),
        f"Tra cứu hồ sơ 😀🙏 {code} cảm ơn",
    )
    assert reply.startswith(code)


@pytest.mark.parametrize(("wide", "order"), [(False, None), (True, [3, 1, 2]), (False, [2, 3, 1])])
def test_concatenated_input(
    wide: bool, order: list[int] | None, shared: SmsService, records: list[DemoRecord]
) -> None:
    code = records[1].dossier.code
    sender = _number(400 + (order or [0])[0] + 10 * wide)
    text = "Xin chào, tôi muốn tra cứu tình trạng hồ sơ của gia đình tôi. " * 2 + f"Mã: {code}"
    reply_count = len(shared.replies_to(sender))
    pdus = shared.emulator.deliver(sender, text, wide_reference=wide, order=order)
    assert len(pdus) == 3
    assert wait_until(lambda: len(shared.replies_to(sender)) > reply_count)
    assert shared.replies_to(sender)[-1].text.startswith(code)


def test_missing_part_is_answered_after_the_timeout(
    shared: SmsService, records: list[DemoRecord]
) -> None:
    code = records[2].dossier.code
    sender = _number(500)
    text = f"HS {code} " + "xin cảm ơn quý cơ quan rất nhiều " * 6
    pdus = shared.emulator.deliver(sender, text, drop=[2])
    assert len(pdus) >= 3
    assert wait_until(lambda: bool(shared.replies_to(sender)), 15)
    assert shared.replies_to(sender)[0].text.startswith(code)


@pytest.mark.parametrize("cut", [None, 12, 18], ids=["code-in-the-lost-part", "agency", "date"])
def test_a_code_lost_with_a_part_is_asked_again_not_called_wrong(
    cut: int | None, shared: SmsService, records: list[DemoRecord]
) -> None:
    # Part 1 of a GSM-7 long SMS holds 153 characters; ``cut`` of them end the code there.
    code = records[2].dossier.code
    sender = _number(510 + (cut or 0))
    start = 153 - cut if cut else 160  # where the code starts
    words = "Kính gửi cơ quan, tôi xin tra cứu hồ sơ. " * 10
    text = strip_diacritics(words)[: start - 3] + f"HS {code} " + strip_diacritics(words)
    shared.emulator.deliver(sender, text, drop=[2])
    assert wait_until(lambda: bool(shared.replies_to(sender)), 15)
    assert shared.replies_to(sender)[0].text.startswith("Tin nhan cua ban den khong day du")


def test_long_answer_respects_the_part_limit(
    service_factory: Callable[..., SmsService], records: list[DemoRecord]
) -> None:
    service = service_factory(reply_alphabet="ucs2", max_parts=2)
    codes = [r.dossier.code for r in records[:3]]
    reply_text = service.ask(_number(600), " ".join(codes))
    (reply,) = service.replies_to(_number(600))
    assert reply.alphabet is Alphabet.UCS2 and reply.parts <= 2
    assert "Hẹn trả" in reply_text or "Đã" in reply_text


def test_burst_of_500_none_lost_none_twice(
    service_factory: Callable[..., SmsService], records: list[DemoRecord]
) -> None:
    service = service_factory(hourly_send_cap=1000)
    codes = [r.dossier.code for r in records]
    senders = [_number(10_000 + index) for index in range(500)]
    for index, sender in enumerate(senders):
        service.text(sender, f"HS {codes[index % len(codes)]}")
    assert service.emulator.wait_replies(500, 120)
    counted = Counter(reply.destination for reply in service.emulator.replies)
    assert sorted(counted) == sorted(senders)
    assert set(counted.values()) == {1}
    assert service.emulator.wait_empty()
    assert service.daemon.store.counts()["messages_answered"] == 500


def test_alphanumeric_and_short_code_senders_get_no_reply(
    service_factory: Callable[..., SmsService],
) -> None:
    service = service_factory()
    service.text("Viettel", "Khuyen mai 50% the nap")
    service.text("9029", "HS 000.00.20.H30-240115-0001")
    service.ask(_number(700), "?")  # processed after the two above
    assert service.replies_to("Viettel") == service.replies_to("9029") == []
    counts = service.daemon.store.counts()
    assert counts["messages_ignored"] == 2


def test_flood_from_one_number(
    service_factory: Callable[..., SmsService], records: list[DemoRecord]
) -> None:
    service = service_factory(sender_limit=5)
    flooder = _number(800)
    for index in range(12):
        service.text(flooder, f"HS {records[index].dossier.code}")
    service.ask(_number(801), "?")
    assert wait_until(lambda: service.daemon.store.counts().get("messages_new", 0) == 0)
    replies = [reply.text for reply in service.replies_to(flooder)]
    assert wait_until(lambda: len(service.replies_to(flooder)) == 6)
    replies = [reply.text for reply in service.replies_to(flooder)]
    assert sum("qua nhieu lan" in text for text in replies) == 1
    assert len(replies) == 6


def test_two_auto_responders_stop(service_factory: Callable[..., SmsService]) -> None:
    service = service_factory(loop_repeats=3)
    robot = _number(900)
    sent_at = dt.datetime(2024, 1, 15, 9, 0, tzinfo=ICT)
    answered: list[str] = []

    def robot_says(count: int) -> None:
        # Another auto-responder: the same text each time, a second apart on the network.
        moment = sent_at + dt.timedelta(seconds=count)
        service.emulator.deliver(robot, "Tin nhan da duoc tiep nhan. Cam on!", timestamp=moment)

    def other_responder(kind: Heard, text: str) -> None:
        if kind is Heard.REPLY and text.startswith(robot):
            answered.append(text)
            robot_says(len(answered))

    service.emulator.add_listener(other_responder)
    robot_says(0)
    assert wait_until(lambda: service.daemon.store.counts().get("messages_ignored", 0) >= 1, 15)
    assert len(service.replies_to(robot)) == 3
    assert service.daemon.store.counts().get("messages_new", 0) == 0


def test_an_auto_responder_that_varies_its_text_stops_too(
    service_factory: Callable[..., SmsService],
) -> None:
    service = service_factory(loop_repeats=3)
    robot = _number(950)
    answered: list[str] = []

    def robot_says(count: int) -> None:
        # Its words change every time (a counter, a time); its rhythm does not.
        service.emulator.deliver(robot, f"Cam on ban, yeu cau so {count} da duoc ghi nhan")

    def other_responder(kind: Heard, text: str) -> None:
        if kind is Heard.REPLY and text.startswith(robot):
            answered.append(text)
            robot_says(len(answered))

    service.emulator.add_listener(other_responder)
    robot_says(0)
    assert wait_until(lambda: service.daemon.store.counts().get("messages_ignored", 0) >= 1, 15)
    assert len(service.replies_to(robot)) == 3
    assert service.daemon.store.counts().get("messages_new", 0) == 0


def test_send_errors_are_retried(
    service_factory: Callable[..., SmsService], records: list[DemoRecord]
) -> None:
    service = service_factory()
    service.emulator.faults.send_errors.extend([500, 512, 500])
    reply = service.ask(_number(1000), f"HS {records[0].dossier.code}")
    assert reply.startswith(records[0].dossier.code)
    assert len(service.replies_to(_number(1000))) == 1


def test_port_dropped_mid_send(
    service_factory: Callable[..., SmsService], records: list[DemoRecord]
) -> None:
    service = service_factory()
    gate = service.emulator.gate("AT+CMGS")
    service.text(_number(1100), f"HS {records[0].dossier.code}")
    assert gate.reached.wait(10)
    service.emulator.drop_port(0.3)
    gate.release(respond=False)
    assert wait_until(lambda: len(service.replies_to(_number(1100))) == 1, 20)
    service.ask(_number(1101), "?")
    assert len(service.replies_to(_number(1100))) == 1


def test_storage_full_is_swept(
    service_factory: Callable[..., SmsService], records: list[DemoRecord]
) -> None:
    from hardware.modem_sim import ModemEmulator

    emulator = ModemEmulator("sim800", capacity={"SM": 3, "ME": 3}).start()
    for index in range(10):
        emulator.deliver(_number(1200 + index), f"HS {records[index].dossier.code}")
    assert emulator.held == 7  # the SIM holds 3 before anyone chose the larger memory
    service = service_factory(emulator=emulator)
    assert emulator.wait_replies(10, 20)
    assert {reply.destination for reply in emulator.replies} == {
        _number(1200 + index) for index in range(10)
    }
    assert service.daemon.store.counts()["messages_answered"] == 10


def test_api_down_then_back(
    service_factory: Callable[..., SmsService], records: list[DemoRecord]
) -> None:
    port = free_port()
    service = service_factory(api_url=f"http://127.0.0.1:{port}", backend_patience=10.0)
    record = _processing(records)
    service.text(_number(1300), f"HS {record.dossier.code}")
    assert wait_until(lambda: service.daemon.store.next_message_retry() is not None)
    assert service.replies_to(_number(1300)) == []
    with DemoStatusServer(records, port=port).start():
        assert wait_until(lambda: bool(service.replies_to(_number(1300))), 15)
    assert "Dang xu ly" in service.replies_to(_number(1300))[0].text


def test_api_down_too_long_answers_last_known_or_apologises(
    service_factory: Callable[..., SmsService],
    records: list[DemoRecord],
) -> None:
    record = _processing(records)
    service = service_factory(
        api_url=f"http://127.0.0.1:{free_port()}", backend_patience=0.5, start=False
    )
    seen = LastKnownStore(service.config.smsd.database)
    fetched_at = dt.datetime.now(ICT).replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    seen.put(parse_code(record.dossier.code), record.dossier, fetched_at)
    seen.close()
    service.start()
    stale = service.ask(_number(1401), f"HS {record.dossier.code}", timeout=20)
    assert f"(cap nhat luc {format_moment(fetched_at)})" in stale and "Dang xu ly" in stale
    sorry = service.ask(_number(1402), f"HS {records[5].dossier.code}", timeout=20)
    assert "gian doan" in sorry


def test_usage_events_are_anonymous(
    service_factory: Callable[..., SmsService], records: list[DemoRecord]
) -> None:
    service = service_factory()
    service.ask(_number(1500), f"HS {records[0].dossier.code} 000.00.20.H30-200101-0009")
    events = service.daemon.store.events()
    assert [(channel, outcome) for _, channel, outcome, *_ in events] == [
        ("sms", "found"),
        ("sms", "not_found"),
    ]
    flat = repr(events)
    assert "849" not in flat and records[0].dossier.code not in flat
    assert events[0][0].endswith(":00:00+00:00")
    assert service.daemon.store.counts()[f"messages_{MessageState.ANSWERED}"] == 1
