"""The SMPP transport against the SMSC simulator over TCP on 127.0.0.1: binds, MOs stored
before they are acknowledged, redelivery, segmented submits, receipts, throttling, errors,
a dropped link and reconnection."""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from smsd.smsc_sim import DCS_BINARY, DCS_DEFAULT, DCS_UCS2, ShortMessage, SmscSimulator, Status
from smsd.transports import (
    Receipt,
    Received,
    RouteState,
    SmppLink,
    SmppSettings,
    Submission,
    SubmitRefused,
    TransportUnavailable,
    smpp,
)

TIMEOUT = 15.0


class Journal:
    """Records what the link wrote down, in order, as the store would."""

    def __init__(self) -> None:
        self.entries: list[tuple[Any, ...]] = []

    def sending(self, part: int, total: int) -> None:
        self.entries.append(("sending", part, total))

    def accepted(self, part: int, total: int, reference: int | str) -> None:
        self.entries.append(("accepted", part, total, reference))

    def refused(self, part: int, reason: str, *, transient: bool) -> None:
        self.entries.append(("refused", part, transient))

    def interrupted(self, part: int, reason: str, *, maybe_sent: bool) -> None:
        self.entries.append(("interrupted", part, maybe_sent))


class Link:
    """A link on the simulator, with what it received, acknowledged and heard of receipts
    (it is the link's inbox)."""

    def __init__(self, smsc: SmscSimulator, **settings: Any) -> None:
        self.messages: queue.Queue[Received] = queue.Queue()
        self.acknowledged_messages: queue.Queue[Received] = queue.Queue()
        self.receipts: queue.Queue[Receipt] = queue.Queue()
        self.states: queue.Queue[RouteState] = queue.Queue()
        self.doubted: queue.Queue[float] = queue.Queue()
        self.store: Callable[[Received], None] = self.messages.put
        base = SmppSettings(
            host="127.0.0.1",
            port=smsc.port,
            system_id="onestop",
            password="secret",
            source_addr="8077",
            reconnect_min=0.05,
            reconnect_max=0.2,
            response_timeout=3.0,
        )
        self.link = SmppLink(replace(base, **settings), self)

    # -- the inbox ---------------------------------------------------------------------------

    def received(self, received: Received) -> object:
        self.store(received)
        return received

    def acknowledged(self, token: object) -> None:
        assert isinstance(token, Received)
        self.acknowledged_messages.put(token)

    def acknowledgements_in_doubt(self, since: float) -> None:
        self.doubted.put(since)

    def receipt(self, receipt: Receipt) -> bool:
        self.receipts.put(receipt)
        return True

    def route_changed(self, route: str, state: RouteState, detail: str) -> None:
        self.states.put(state)

    def batch(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def send(self, number: str, text: str, journal: Journal, **fields: Any) -> Any:
        return self.link.send(Submission(number, text, route="8077", **fields), journal)

    def wait_state(self, wanted: RouteState) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.states.get(timeout=TIMEOUT) is wanted:
                return
        raise AssertionError(f"never {wanted}")


@pytest.fixture
def smsc() -> Iterator[SmscSimulator]:
    with SmscSimulator() as simulator:
        yield simulator


@pytest.fixture
def link(smsc: SmscSimulator) -> Iterator[Link]:
    harness = Link(smsc)
    harness.link.start()
    harness.wait_state(RouteState.READY)
    yield harness
    harness.link.stop(5)
    assert harness.link.finished.is_set()


def test_an_mo_is_stored_before_it_is_acknowledged(smsc: SmscSimulator, link: Link) -> None:
    storing = threading.Event()
    release = threading.Event()

    def slow_store(received: Received) -> None:
        storing.set()
        release.wait(TIMEOUT)
        link.messages.put(received)

    link.store = slow_store
    smsc.deliver("+84912345678", "HS 000.00.20.H30-240115-0001")
    assert storing.wait(TIMEOUT)
    assert smsc.acknowledged == 0
    assert smsc.pending == 1
    release.set()
    assert smsc.wait_delivered(TIMEOUT)
    received = link.messages.get(timeout=TIMEOUT)
    assert received.incoming.sender == "+84912345678"
    assert received.incoming.text == "HS 000.00.20.H30-240115-0001"
    assert received.via == "8077"
    assert link.acknowledged_messages.get(timeout=TIMEOUT) is received


def test_a_message_that_cannot_be_stored_is_refused_and_delivered_again(
    smsc: SmscSimulator, link: Link
) -> None:
    failures = [RuntimeError("disk full")]

    def flaky_store(received: Received) -> None:
        if failures:
            raise failures.pop()
        link.messages.put(received)

    link.store = flaky_store
    smsc.deliver("+84912345678", "HS 1")
    assert smsc.wait_delivered(TIMEOUT)
    assert smsc.nacked == [Status.RX_T_APPN]
    assert link.messages.get(timeout=TIMEOUT).incoming.text == "HS 1"
    assert link.messages.empty()


def test_an_unacknowledged_mo_is_delivered_again_after_a_reconnect(
    smsc: SmscSimulator, link: Link
) -> None:
    """The daemon died between storing and answering: the SMSC delivers it once more."""
    storing = threading.Event()

    def store_then_lose_the_link(received: Received) -> None:
        link.messages.put(received)
        if not storing.is_set():
            storing.set()
            smsc.drop()

    link.store = store_then_lose_the_link
    smsc.deliver("+84912345678", "HS 2")
    assert storing.wait(TIMEOUT)
    assert smsc.wait_binds(2, TIMEOUT)
    assert smsc.wait_delivered(TIMEOUT)
    first = link.messages.get(timeout=TIMEOUT)
    again = link.messages.get(timeout=TIMEOUT)
    assert first.incoming.text == again.incoming.text == "HS 2"
    # The answer to the first was written into a socket the SMSC had already closed: the
    # client cannot tell, and hears of it as acknowledged; the SMSC saw only the second.
    assert link.acknowledged_messages.get(timeout=TIMEOUT).incoming.text == "HS 2"
    assert smsc.acknowledged == 1
    # So the link puts its last acknowledgements in doubt when it breaks: the store can then
    # recognise the second delivery (see tests/smsd/test_transports.py).
    assert link.doubted.get(timeout=TIMEOUT) <= time.time() - 1


def test_long_and_ucs2_mos_arrive_as_parts_with_their_header(
    smsc: SmscSimulator, link: Link
) -> None:
    text = "Tôi muốn tra cứu hồ sơ 000.00.20.H30-240115-0001 " * 3
    assert smsc.deliver("+84912345678", text) == 3
    parts = [link.messages.get(timeout=TIMEOUT).incoming for _ in range(3)]
    assert [p.part.number for p in parts if p.part] == [1, 2, 3]
    assert {p.part.total for p in parts if p.part} == {3}
    assert "".join(p.text for p in parts) == text


def test_binary_and_port_addressed_mos_are_kept_as_binary(smsc: SmscSimulator, link: Link) -> None:
    smsc.deliver_raw(ShortMessage("84912345678", "8077", b"\x01\x02\x03", data_coding=DCS_BINARY))
    received = link.messages.get(timeout=TIMEOUT)
    assert received.incoming.binary
    assert received.incoming.error is None
    assert received.incoming.text == ""
    assert received.acknowledged_later


def test_a_long_reply_goes_as_parts_each_journalled(smsc: SmscSimulator, link: Link) -> None:
    journal = Journal()
    text = "Ho so 000.00.20.H30-240115-0001: Dang xu ly, hen tra 20/01/2026. " * 4
    sent = link.send("+84912345678", text, reference=77, journal=journal).result(TIMEOUT)
    (reply,) = smsc.wait_replies(1, TIMEOUT)
    assert reply.text == text
    assert reply.parts == 2
    assert reply.data_coding == DCS_DEFAULT
    assert sent.references == reply.message_ids
    assert journal.entries == [
        ("sending", 1, 2),
        ("accepted", 1, 2, reply.message_ids[0]),
        ("sending", 2, 2),
        ("accepted", 2, 2, reply.message_ids[1]),
    ]
    submits = smsc.submits
    assert {s.udh.reference for s in submits if s.udh} == {77}
    assert {(s.source, s.source_ton, s.source_npi, s.destination) for s in submits} == {
        ("8077", 3, 0, "84912345678")
    }


def test_a_reply_with_diacritics_goes_as_ucs2(smsc: SmscSimulator, link: Link) -> None:
    link.send("+84912345678", "Hồ sơ: đang xử lý", journal=Journal()).result(TIMEOUT)
    (reply,) = smsc.wait_replies(1, TIMEOUT)
    assert reply.data_coding == DCS_UCS2
    assert reply.text == "Hồ sơ: đang xử lý"


def test_a_resumed_reply_starts_at_its_failed_part_with_its_reference(
    smsc: SmscSimulator, link: Link
) -> None:
    journal = Journal()
    text = "y" * 400
    link.send("+84912345678", text, reference=5, first_part=2, journal=journal).result(TIMEOUT)
    numbers = [s.udh.number for s in smsc.submits if s.udh]
    assert numbers == [2, 3]
    assert {s.udh.reference for s in smsc.submits if s.udh} == {5}
    assert journal.entries[0] == ("sending", 2, 3)


def test_receipts_are_matched_to_the_message_ids(smsc: SmscSimulator, link: Link) -> None:
    sent = link.send("+84912345678", "Ho so: da xong", journal=Journal()).result(TIMEOUT)
    receipt = link.receipts.get(timeout=TIMEOUT)
    assert receipt == Receipt(sent.references[0], delivered=True, state="DELIVRD")
    smsc.faults.receipt_stat = "UNDELIV"
    sent = link.send("+84912345678", "Ho so: da xong", journal=Journal()).result(TIMEOUT)
    assert link.receipts.get(timeout=TIMEOUT) == Receipt(
        sent.references[0], delivered=False, state="UNDELIV"
    )


def test_a_receipt_in_text_only_is_read_from_its_fields(smsc: SmscSimulator, link: Link) -> None:
    """No TLVs, and the quoted message text says something else: the fields win."""
    body = "id:00AB sub:001 dlvrd:000 submit date:2611291842 done date:2611291850 "
    body += "stat:EXPIRED err:000 text:Ho so stat:DELIVRD"
    smsc.deliver_raw(
        ShortMessage(
            source_addr="84912345678",
            destination_addr="8077",
            esm_class=0x04,
            short_message=body.encode("ascii"),
        )
    )
    assert link.receipts.get(timeout=TIMEOUT) == Receipt("00AB", delivered=False, state="EXPIRED")


@pytest.mark.parametrize("status", [Status.RTHROTTLED, Status.RMSGQFUL])
def test_asked_to_slow_down_it_pauses_and_sends_the_same_part_again(
    smsc: SmscSimulator, link: Link, status: Status
) -> None:
    """Not a refusal: the part is journalled as not sent (the reply waits as pending, no
    attempt counted) and goes again after the pause, in the same send."""
    smsc.faults.errors.extend([status, status])
    journal = Journal()
    link.send("+84912345678", "Ho so: da xong", journal=journal).result(TIMEOUT)
    assert [s.status for s in smsc.submits] == [status, status, Status.ROK]
    assert [entry[0] for entry in journal.entries] == [
        *["sending", "interrupted"] * 2,
        "sending",
        "accepted",
    ]
    assert ("interrupted", 1, False) in journal.entries
    assert len(smsc.wait_replies(1, TIMEOUT)) == 1


def test_the_pause_doubles_while_the_smsc_keeps_asking(
    smsc: SmscSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smpp, "THROTTLE_PAUSE", 0.1)
    harness = Link(smsc)
    harness.link.start()
    try:
        harness.wait_state(RouteState.READY)
        smsc.faults.throttle = 3
        harness.send("+84912345678", "Ho so: da xong", journal=Journal()).result(TIMEOUT)
    finally:
        harness.link.stop(5)
    times = [submit.at for submit in smsc.submits]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(gaps) == 3
    for gap, pause in zip(gaps, (0.1, 0.2, 0.4), strict=True):
        assert gap >= pause * 0.9, gaps


@pytest.mark.parametrize(
    ("status", "transient"), [(Status.RINVDSTADR, False), (Status.RSYSERR, True)]
)
def test_a_refused_submit_is_journalled_with_whether_to_retry(
    smsc: SmscSimulator, link: Link, status: Status, transient: bool
) -> None:
    smsc.faults.errors.append(status)
    journal = Journal()
    future = link.send("+84912345678", "Ho so: da xong", journal=journal)
    with pytest.raises(SubmitRefused) as refused:
        future.result(TIMEOUT)
    assert refused.value.transient is transient
    assert journal.entries == [("sending", 1, 1), ("refused", 1, transient)]


def test_a_link_dropped_before_the_response_marks_the_part_maybe_sent(
    smsc: SmscSimulator, link: Link
) -> None:
    smsc.faults.drop_on_submit = 1
    journal = Journal()
    future = link.send("+84912345678", "Ho so: da xong", journal=journal)
    with pytest.raises(TransportUnavailable):
        future.result(TIMEOUT)
    assert journal.entries == [("sending", 1, 1), ("interrupted", 1, True)]
    assert smsc.wait_binds(2, TIMEOUT)
    link.wait_state(RouteState.READY)
    link.send("+84912345678", "Ho so: da xong", journal=Journal()).result(TIMEOUT)


def test_an_idle_link_sends_enquire_link(smsc: SmscSimulator) -> None:
    harness = Link(smsc, enquire_interval=0.05)
    harness.link.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while smsc.enquire_links < 3 and time.monotonic() < deadline:
            threading.Event().wait(0.02)
        assert smsc.enquire_links >= 3
    finally:
        harness.link.stop(5)


def test_a_refused_bind_is_retried_with_backoff(smsc: SmscSimulator) -> None:
    harness = Link(smsc, password="wrong")
    harness.link.start()
    try:
        harness.wait_state(RouteState.DOWN)
        harness.wait_state(RouteState.DOWN)
        assert smsc.binds == 0
        assert harness.link.state is not RouteState.READY
    finally:
        harness.link.stop(5)


def test_the_submit_rate_is_kept(smsc: SmscSimulator) -> None:
    harness = Link(smsc, submit_rate=20.0, window=1)
    harness.link.start()
    try:
        harness.wait_state(RouteState.READY)
        futures = [harness.send(f"+849000000{i:02d}", "Ho so", journal=Journal()) for i in range(8)]
        for future in futures:
            future.result(TIMEOUT)
        times = [s.at for s in smsc.submits]
        # 8 submits at 20/s with a burst of one: at least 7 gaps of 50 ms.
        assert times[-1] - times[0] >= 7 / 20 * 0.9
    finally:
        harness.link.stop(5)


def test_stopping_cancels_what_was_not_sent(smsc: SmscSimulator) -> None:
    harness = Link(smsc, submit_rate=1.0, window=1)
    harness.link.start()
    harness.wait_state(RouteState.READY)
    futures = [harness.send("+84900000001", "Ho so", journal=Journal()) for _ in range(5)]
    futures[0].result(TIMEOUT)
    harness.link.stop(5)
    assert any(future.cancelled() for future in futures)
    assert len(smsc.submits) < 5
