"""The Kannel transport with real Kannel: fakesmsc (the citizen's phone) → bearerbox →
smsbox → the daemon's endpoint, and sendsms back through the SMSC that received the message,
with UCS2, delivery reports and a daemon that is down for a while."""

from __future__ import annotations

import contextlib
import functools
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.modem_sim import ModemEmulator
from provision._kannel import AtModem
from smsd.transports import (
    KannelSettings,
    KannelTransport,
    Receipt,
    Received,
    RouteState,
    Sent,
    Submission,
    SubmitRefused,
)
from tests.smsd.kannel_harness import FAKESMSC, Kannel, free_port

pytestmark = pytest.mark.skipif(
    shutil.which("bearerbox") is None or not FAKESMSC.exists(),
    reason="needs Debian's kannel and kannel-extras",
)

TIMEOUT = 30.0


def notified(modem: ModemEmulator) -> bool:
    return any(command == "AT+CNMI=2,1,0,0,0" for _, command in modem.commands)


def wait_for(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.05)
    return True


class Endpoint:
    """The daemon's side: a transport whose inbox is a queue that can be made to fail."""

    def __init__(self, port: int, kannel: Kannel) -> None:
        self.messages: queue.Queue[Received] = queue.Queue()
        self.receipts: queue.Queue[Receipt] = queue.Queue()
        self.failures = 0
        self.calls = 0
        self.unrecorded = 0
        """How many delivery reports to come find no part recorded yet."""
        self.report_calls = 0
        self._lock = threading.Lock()
        self.transport = KannelTransport(
            KannelSettings(
                listen=("127.0.0.1", port),
                sendsms_url=kannel.sendsms_url,
                username=kannel.layout.username,
                password=kannel.layout.password,
                sender="8077",
            ),
            self,
        )

    def send(
        self, number: str, text: str, journal: Journal, *, via: str = "", key: str = ""
    ) -> Sent:
        submission = Submission(number, text, route=via, via=via, key=key)
        return self.transport.send(submission, journal).result(TIMEOUT)

    # -- the inbox ---------------------------------------------------------------------------

    def received(self, received: Received) -> object:
        with self._lock:
            self.calls += 1
            if self.failures > 0:
                self.failures -= 1
                raise OSError("database is locked")
        self.messages.put(received)
        return received

    def acknowledged(self, token: object) -> None:
        pass

    def acknowledgements_in_doubt(self, since: float) -> None:
        pass

    def receipt(self, receipt: Receipt) -> bool:
        with self._lock:
            self.report_calls += 1
            if self.unrecorded > 0:
                self.unrecorded -= 1
                return False
        self.receipts.put(receipt)
        return True

    def route_changed(self, route: str, state: RouteState, detail: str) -> None:
        pass

    def batch(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


@pytest.fixture(scope="module")
def rig() -> Iterator[tuple[Kannel, Endpoint]]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="kannel-") as workdir:
        kannel = Kannel(Path(workdir), daemon_url=f"http://127.0.0.1:{port}").start()
        endpoint = Endpoint(port, kannel)
        endpoint.transport.start()
        try:
            yield kannel, endpoint
        finally:
            endpoint.transport.stop()
            kannel.stop()


class Journal:
    def __init__(self) -> None:
        self.entries: list[tuple[object, ...]] = []

    def sending(self, part: int, total: int) -> None:
        self.entries.append(("sending", part))

    def accepted(self, part: int, total: int, reference: int | str) -> None:
        self.entries.append(("accepted", part, reference))

    def refused(self, part: int, reason: str, *, transient: bool) -> None:
        self.entries.append(("refused", part, transient))

    def interrupted(self, part: int, reason: str, *, maybe_sent: bool) -> None:
        self.entries.append(("interrupted", part, maybe_sent))


def test_an_sms_reaches_the_daemon_and_the_reply_the_phone_in_ucs2(
    rig: tuple[Kannel, Endpoint],
) -> None:
    kannel, endpoint = rig
    with kannel.phone("+84912345678 8077 text HS 000.00.20.H30-240115-0001") as phone:
        received = endpoint.messages.get(timeout=TIMEOUT)
        assert received.incoming.sender == "+84912345678"
        assert received.incoming.text == "HS 000.00.20.H30-240115-0001"
        assert received.via == "fake"
        assert received.key
        journal = Journal()
        text = "Hồ sơ 000.00.20.H30-240115-0001: đang xử lý, hẹn trả 20/01/2026"
        endpoint.send("+84912345678", text, journal, via=received.via, key="41")
        (sms,) = phone.wait(1, TIMEOUT)
        assert sms.kind == "ucs-2"
        assert sms.text == text
        assert (sms.sender, sms.recipient) == ("8077", "+84912345678")
        assert journal.entries == [("sending", 1), ("accepted", 1, "kannel:41")]
        receipt = endpoint.receipts.get(timeout=TIMEOUT)
        assert receipt == Receipt("kannel:41", delivered=True, state="DELIVRD")


def test_a_gsm7_reply_goes_as_text(rig: tuple[Kannel, Endpoint]) -> None:
    kannel, endpoint = rig
    with kannel.phone("+84912345679 8077 text HD") as phone:
        received = endpoint.messages.get(timeout=TIMEOUT)
        endpoint.send(received.incoming.sender, "Nhan tin: HS <ma ho so>", Journal(), via="fake")
        (sms,) = phone.wait(1, TIMEOUT)
        assert (sms.kind, sms.text) == ("text", "Nhan tin: HS <ma ho so>")


def test_a_report_ahead_of_its_part_makes_kannel_ask_again(
    rig: tuple[Kannel, Endpoint],
) -> None:
    """fakesmsc's delivery report can reach the daemon before the sendsms answer that records
    the part (then the report matched nothing and was lost): the daemon answers 503 and
    smsbox brings the report again after http-queue-delay."""
    kannel, endpoint = rig
    with kannel.phone("+84912345671 8077 text HS 38.98.H29-210519-0013") as phone:
        received = endpoint.messages.get(timeout=TIMEOUT)
        endpoint.unrecorded = 2
        calls = endpoint.report_calls
        endpoint.send(received.incoming.sender, "Ho so: Da xong", Journal(), key="42")
        phone.wait(1, TIMEOUT)
        receipt = endpoint.receipts.get(timeout=TIMEOUT)
    assert receipt == Receipt("kannel:42", delivered=True, state="DELIVRD")
    assert endpoint.report_calls - calls == 3


def test_a_failing_store_makes_kannel_ask_again_and_never_text_the_citizen(
    rig: tuple[Kannel, Endpoint],
) -> None:
    """The daemon answers 503 twice (its database is busy): smsbox asks again after
    http-queue-delay, the message is stored once, and the citizen gets no "Could not fetch
    content" SMS: the first SMS the phone gets is the daemon's own reply."""
    kannel, endpoint = rig
    endpoint.failures = 2
    calls = endpoint.calls
    with kannel.phone("+84912345670 8077 text HS 38.98.H29-210519-0013") as phone:
        received = endpoint.messages.get(timeout=TIMEOUT)
        assert endpoint.calls - calls == 3
        endpoint.send(received.incoming.sender, "Ho so 38.98.H29-210519-0013: Da xong", Journal())
        sms = phone.wait(1, TIMEOUT)
        assert [s.text for s in sms] == ["Ho so 38.98.H29-210519-0013: Da xong"]
    assert endpoint.messages.empty()
    assert "Could not fetch" not in kannel.logs()


def test_a_daemon_that_is_down_gets_the_message_when_it_is_back() -> None:
    """Nothing listens on the daemon's port when the SMS comes: Kannel keeps asking, and the
    daemon started later gets it, once; the citizen never gets "Could not fetch content"."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="kannel-") as workdir:
        kannel = Kannel(Path(workdir), daemon_url=f"http://127.0.0.1:{port}").start()
        try:
            with kannel.phone("+84912345671 8077 text HS 000.00.20.H30-240115-0001") as phone:
                smsbox_log = Path(workdir) / "smsbox.log"

                def refused() -> bool:  # smsbox tried the daemon and could not reach it
                    text = smsbox_log.read_text(errors="replace").lower()
                    return "connect" in text and "error" in text

                assert wait_for(refused), smsbox_log.read_text(errors="replace")[-2000:]
                endpoint = Endpoint(port, kannel)
                endpoint.transport.start()
                try:
                    received = endpoint.messages.get(timeout=TIMEOUT)
                    assert received.incoming.text == "HS 000.00.20.H30-240115-0001"
                    endpoint.send(received.incoming.sender, "Ho so: dang xu ly", Journal())
                    assert [s.text for s in phone.wait(1, TIMEOUT)] == ["Ho so: dang xu ly"]
                finally:
                    endpoint.transport.stop()
            assert endpoint.messages.empty()
            assert "Could not fetch" not in kannel.logs()
        finally:
            kannel.stop()


def test_sendsms_refusing_the_credentials_is_a_refusal_for_good(
    rig: tuple[Kannel, Endpoint],
) -> None:
    kannel, endpoint = rig
    wrong = KannelTransport(
        KannelSettings(
            listen=("127.0.0.1", 0),
            sendsms_url=kannel.sendsms_url,
            username="onestop",
            password="wrong",
        ),
        endpoint,
    )
    wrong.start()
    try:
        journal = Journal()
        with pytest.raises(SubmitRefused, match="403"):
            wrong.send(Submission("+84912345678", "x"), journal).result(TIMEOUT)
        assert journal.entries == [("sending", 1), ("refused", 1, False)]
    finally:
        wrong.stop()


def test_kannels_at_driver_on_two_emulated_modems_replies_from_the_sim_texted() -> None:
    """A pool of two modems behind Kannel: each is its own SMSC taking only what is
    addressed to it (allowed-smsc-id), so a reply sent with smsc= the receiving modem leaves
    from the SIM the citizen texted, whichever modem Kannel would otherwise pick."""
    port = free_port()
    with (
        ModemEmulator("quectel-ec25") as first,
        ModemEmulator("simcom-sim7600") as second,
        tempfile.TemporaryDirectory(prefix="kannel-") as workdir,
    ):
        modems = (AtModem("sim1", str(first.path)), AtModem("sim2", str(second.path)))
        kannel = Kannel(Path(workdir), daemon_url=f"http://127.0.0.1:{port}", smscs=modems).start()
        endpoint = Endpoint(port, kannel)
        endpoint.transport.start()
        try:
            for modem in (first, second):  # Kannel's AT driver has set the modem up
                assert wait_for(functools.partial(notified, modem))
            first.deliver("+84912345601", "HS 000.00.20.H30-240115-0001")
            second.deliver("+84912345602", "HS 38.98.H29-210519-0013")
            got = {}
            for _ in range(2):
                received = endpoint.messages.get(timeout=TIMEOUT)
                got[received.incoming.sender] = received
            assert got["+84912345601"].via == "sim1"
            assert got["+84912345602"].via == "sim2"
            for number, received in got.items():
                endpoint.send(number, f"Tra loi {number}", Journal(), via=received.via)
            (to_first,) = first.wait_replies(1, TIMEOUT)
            (to_second,) = second.wait_replies(1, TIMEOUT)
            assert (to_first.destination, to_first.text) == (
                "+84912345601",
                "Tra loi +84912345601",
            )
            assert (to_second.destination, to_second.text) == (
                "+84912345602",
                "Tra loi +84912345602",
            )
        finally:
            endpoint.transport.stop()
            kannel.stop()
