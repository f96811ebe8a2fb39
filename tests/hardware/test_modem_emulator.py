"""The emulator as any AT client sees it over a real pty: echo, storage, errors, faults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import serial

from hardware.modem_sim import ModemEmulator, decode_deliver


class Terminal:
    """A bare AT client on pyserial, reading until the final result line."""

    def __init__(self, path: str) -> None:
        self.port = serial.Serial(path, timeout=2)

    def command(self, line: str, *, finals: tuple[str, ...] = ("OK", "ERROR")) -> list[str]:
        self.port.write(line.encode() + b"\r")
        lines: list[str] = []
        while True:
            raw = self.port.read_until(b"\r\n")
            assert raw, f"no answer to {line}; got {lines}"
            text = raw.decode().strip()
            if not text or text == line:
                continue
            lines.append(text)
            if text.startswith(finals) or "ERROR" in text or text == "COMMAND NOT SUPPORT":
                return lines


@pytest.fixture
def terminal(emulator: ModemEmulator) -> Iterator[Terminal]:
    term = Terminal(str(emulator.path))
    term.command("ATE0")
    yield term
    term.port.close()


def test_identifies_itself_per_profile() -> None:
    with ModemEmulator("sim800") as sim:
        term = Terminal(str(sim.path))
        assert term.command("AT+CGMI") == ["SIMCOM_Ltd", "OK"]
        assert term.command("AT+CGMM") == ["SIMCOM_SIM800", "OK"]
        term.port.close()
    with ModemEmulator("huawei-e173") as huawei:
        term = Terminal(str(huawei.path))
        assert term.command("AT+WIND?") == ["COMMAND NOT SUPPORT"]
        term.port.close()


def test_echo_is_on_until_turned_off(emulator: ModemEmulator) -> None:
    port = serial.Serial(str(emulator.path), timeout=2)
    port.write(b"AT\r")
    assert port.read_until(b"OK\r\n") == b"AT\r\r\nOK\r\n"
    port.close()


def test_storage_lists_reads_and_deletes(emulator: ModemEmulator, terminal: Terminal) -> None:
    emulator.deliver("+84912345678", "HS 000.00.20.H30-240115-0001")
    notice = terminal.port.read_until(b"\r\n") + terminal.port.read_until(b"\r\n")
    assert notice == b'\r\n+CMTI: "SM",1\r\n'
    listed = terminal.command("AT+CMGL=4")
    assert listed[0].startswith("+CMGL: 1,0,,")
    assert decode_deliver(listed[1]).text == "HS 000.00.20.H30-240115-0001"
    assert terminal.command("AT+CMGR=1")[0].startswith("+CMGR: 1,,")
    assert terminal.command("AT+CMGD=1") == ["OK"]
    assert terminal.command("AT+CMGR=1") == ["+CMS ERROR: 321"]


def test_full_storage_holds_messages_in_the_network_until_space_frees() -> None:
    with ModemEmulator("generic", capacity={"SM": 2, "ME": 0}) as sim:
        for number in range(5):
            sim.deliver("+84912345678", f"tin {number}")
        assert sim.stored() == {"SM": 2, "ME": 0}
        assert sim.held == 3
        term = Terminal(str(sim.path))
        term.command("ATE0")
        term.command("AT+CMGD=1,4")
        assert sim.stored()["SM"] == 2
        assert sim.held == 1
        term.port.close()


def test_send_decodes_the_pdu_and_reports_cms_errors(
    emulator: ModemEmulator, terminal: Terminal
) -> None:
    pdu = "0001000B914819325476F8000004D4F29C0E"  # "Test" to +84912345678
    emulator.faults.send_errors.append(500)
    terminal.port.write(b"AT+CMGS=17\r")
    assert terminal.port.read_until(b"> ").endswith(b"> ")
    assert terminal.command(pdu + "\x1a") == ["+CMS ERROR: 500"]
    terminal.port.write(b"AT+CMGS=17\r")
    terminal.port.read_until(b"> ")
    assert terminal.command(pdu + "\x1a")[-1] == "OK"
    (reply,) = emulator.wait_replies(1, 5)
    assert (reply.destination, reply.text) == ("+84912345678", "Test")


def test_sim_busy_at_start(emulator: ModemEmulator, terminal: Terminal) -> None:
    emulator.faults.sim_busy = 1
    assert terminal.command("AT+CPIN?") == ["+CME ERROR: 14"]
    assert terminal.command("AT+CPIN?") == ["+CPIN: READY", "OK"]


def test_pin_locks_message_commands_until_given() -> None:
    with ModemEmulator("generic", pin="1234") as sim:
        term = Terminal(str(sim.path))
        term.command("ATE0")
        assert term.command("AT+CPIN?") == ["+CPIN: SIM PIN", "OK"]
        assert term.command("AT+CMGL=4") == ["+CME ERROR: 11"]
        assert term.command('AT+CPIN="0000"') == ["+CME ERROR: 16"]
        assert term.command('AT+CPIN="1234"') == ["OK"]
        assert term.command("AT+CMGL=4") == ["OK"]
        term.port.close()
