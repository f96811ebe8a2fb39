"""The modem adapter driving python-gsmmodem-new over a real pty against the emulator."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import pytest

from hardware.modem import (
    Incoming,
    ModemDead,
    ModemState,
    ModemTimeout,
    ModemUnavailable,
    SendRejected,
    SimLocked,
)
from hardware.modem_sim import PROFILES, Hang, ModemEmulator
from tests.hardware.conftest import Harness

CODE = "000.00.20.H30-240115-0001"


@pytest.mark.parametrize(
    "profile",
    ["generic", "huawei-e173", "huawei-e3372", "sim800", "quectel-ec25", "simcom-sim7600"],
)
def test_receives_and_replies_on_every_profile(
    profile: str, harness_factory: Callable[..., Harness]
) -> None:
    with ModemEmulator(profile) as sim:
        harness = harness_factory(sim).start()
        sim.noise()
        sim.deliver("+84912345678", f"HS {CODE}")
        sim.deliver("+84912345679", "Tra cứu hồ sơ 😀 đây")
        got = {item.sender: item for item in harness.take(2)}
        assert got["+84912345678"].text == f"HS {CODE}"
        assert got["+84912345679"].text == "Tra cứu hồ sơ 😀 đây"
        receipt = harness.modem.send("+84912345678", "Ho so: Dang xu ly").result(5)
        assert len(receipt.references) == 1
        (reply,) = sim.wait_replies(1)
        assert reply.text == "Ho so: Dang xu ly"
        assert sim.wait_empty()


def test_burst_of_grouped_notifications_loses_nothing(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    emulator.faults.interleave = True  # notifications land inside other commands' answers
    harness = harness_factory(emulator).start()
    for number in range(60):
        emulator.deliver(f"+849100000{number:02d}", f"HS {CODE} {number}")
    got = harness.take(60)
    assert sorted(item.sender for item in got) == [f"+849100000{n:02d}" for n in range(60)]
    assert emulator.wait_empty()


def test_direct_delivery_with_cmt(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    harness = harness_factory(emulator).start()
    emulator.faults.direct_delivery = True
    emulator.deliver("+84912345678", f"TC {CODE}")
    (got,) = harness.take(1)
    assert (got.text, got.memory) == (f"TC {CODE}", None)


def test_concatenated_parts_carry_their_headers(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    harness = harness_factory(emulator).start()
    emulator.deliver("+84912345678", "Hồ sơ " * 20, wide_reference=True, order=[2, 1])
    parts = harness.take(2)
    assert [p.part.number for p in parts if p.part] == [2, 1]
    assert all(p.part and p.part.total == 2 for p in parts)


def test_message_stays_in_the_modem_until_stored(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    harness = harness_factory(emulator)
    failed = threading.Event()

    def broken_store(_incoming: Incoming) -> None:
        failed.set()
        raise OSError("disk full")

    harness.store = broken_store
    harness.start()
    emulator.deliver("+84912345678", f"HS {CODE}")
    assert failed.wait(5)
    assert sum(emulator.stored().values()) == 1
    harness.store = harness.received.put
    harness.modem.sweep()
    (got,) = harness.take(1)
    assert got.text == f"HS {CODE}"
    assert emulator.wait_empty()


def test_storage_full_messages_arrive_after_the_start_sweep(
    harness_factory: Callable[..., Harness],
) -> None:
    with ModemEmulator("sim800", capacity={"SM": 3, "ME": 3}) as sim:
        for number in range(10):
            sim.deliver(f"+8491234{number:04d}", f"HS {CODE}")
        assert sim.held == 7
        harness = harness_factory(sim).start()
        assert len({item.sender for item in harness.take(10)}) == 10
        assert sim.wait_empty()


def test_garbage_bytes_do_not_kill_the_reader(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    harness = harness_factory(emulator).start()
    emulator.garbage(b"\r\n\xff\xfe\xd8\x00 noise\r\n")
    emulator.deliver("+84912345678", f"HS {CODE}")
    (got,) = harness.take(1)
    assert got.text == f"HS {CODE}"


def test_undecodable_pdu_is_kept_with_its_error(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    harness = harness_factory(emulator).start()
    emulator.deliver_pdu("07914889200030F0040B9148193254")  # cut off after the sender
    (got,) = harness.take(1)
    assert got.error and got.pdu == "07914889200030F0040B9148193254"


def test_send_errors_are_typed(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    harness = harness_factory(emulator).start()
    emulator.faults.send_errors.extend([500, 304])
    with pytest.raises(SendRejected) as first:
        harness.modem.send("+84912345678", "a").result(5)
    assert first.value.transient and first.value.code == 500
    with pytest.raises(SendRejected) as second:
        harness.modem.send("+84912345678", "b").result(5)
    assert not second.value.transient
    harness.modem.send("+84912345678", "c").result(5)
    assert [reply.text for reply in emulator.wait_replies(1)] == ["c"]


def test_a_pdu_the_network_never_answers_is_named_not_shown(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    # The PDU spells the citizen's number (+84912345678 as 4819325476F8): errors and the
    # journal's reasons, which end up in the logs, name the step instead.
    harness = harness_factory(emulator, send_timeout=0.5).start()
    emulator.faults.send_delay = 3.0
    reasons: list[str] = []

    class Journal:
        def sending(self, part: int, total: int) -> None:
            pass

        def accepted(self, part: int, total: int, reference: int | str) -> None:
            pass

        def refused(self, part: int, reason: str, *, transient: bool) -> None:
            reasons.append(reason)

        def interrupted(self, part: int, reason: str, *, maybe_sent: bool) -> None:
            reasons.append(reason)

    with pytest.raises(ModemTimeout) as caught:
        harness.modem.send("+84912345678", "Ho so: Dang xu ly", journal=Journal()).result(10)
    emulator.faults.send_delay = 0.0  # let the modem come back in peace
    assert "AT+CMGS PDU" in str(caught.value) and reasons == [str(caught.value)]
    assert "4819325476" not in str(caught.value).upper()


def test_sim_busy_at_start_then_ready(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    emulator.faults.sim_busy = 2
    harness = harness_factory(emulator).start()
    assert harness.modem.state is ModemState.READY


def test_pin(harness_factory: Callable[..., Harness]) -> None:
    with ModemEmulator("generic", pin="1234") as sim:
        harness = harness_factory(sim, pin="1234").start()
        sim.deliver("+84912345678", "HS")
        assert harness.take(1)[0].text == "HS"
    with ModemEmulator("generic", pin="1234") as sim:
        harness = harness_factory(sim)
        harness.modem.start()
        assert not harness.modem.wait_ready(10)
        assert isinstance(harness.modem.failure, SimLocked)


def test_port_dropped_mid_send_reopens_and_nothing_is_lost(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    harness = harness_factory(emulator).start()
    gate = emulator.gate("AT+CMGS")
    pending = harness.modem.send("+84912345678", "reply")
    assert gate.reached.wait(5)
    emulator.drop_port(down_for=0.3)
    gate.release(respond=False)
    emulator.deliver("+84912345679", f"HS {CODE}")  # arrives while the port is gone
    with pytest.raises(ModemUnavailable):
        pending.result(10)
    harness.wait_state(ModemState.REOPENING)
    harness.wait_state(ModemState.READY)
    (got,) = harness.take(1)
    assert got.sender == "+84912345679"
    harness.modem.send("+84912345678", "reply").result(5)
    assert [reply.text for reply in emulator.wait_replies(1)] == ["reply"]


def test_hung_modem_is_reset(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    harness = harness_factory(emulator, heartbeat_interval=0.2).start()
    emulator.faults.hang = Hang.RESET
    harness.wait_state(ModemState.REOPENING)
    harness.wait_state(ModemState.RESETTING)
    harness.wait_state(ModemState.READY)
    assert any(line.startswith("AT+CFUN=1,1") for _, line in emulator.commands)
    emulator.deliver("+84912345678", "HS")
    assert harness.take(1)[0].text == "HS"


def test_dead_modem_ends_with_modem_dead(
    emulator: ModemEmulator, harness_factory: Callable[..., Harness]
) -> None:
    harness = harness_factory(emulator, heartbeat_interval=0.2, reset_wait=1.0).start()
    emulator.faults.hang = Hang.FOREVER
    harness.wait_state(ModemState.DEAD)
    assert harness.modem.finished.wait(5)
    assert isinstance(harness.modem.failure, ModemDead)


def test_firmware_without_ok_after_cpin(harness_factory: Callable[..., Harness]) -> None:
    wavecom = dataclasses.replace(
        PROFILES["generic"], name="wavecom", manufacturer="WAVECOM MODEM", cpin_ok=False
    )
    with ModemEmulator(wavecom) as sim:
        harness = harness_factory(sim).start()
        sim.deliver("+84912345678", "HS")
        assert harness.take(1)[0].text == "HS"
