"""``onestop-modem-sim`` and the phone console a person types on."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import serial

from hardware.modem_sim import ModemEmulator
from hardware.modem_sim._console import PhoneConsole


def test_console_sends_typed_messages_and_sets_faults() -> None:
    with ModemEmulator("generic") as emulator:
        typed = io.StringIO(
            "/from +84900000001\nHS 000.00.20.H30-240115-0001\n/delay 2.5\n"
            "/error 512\n/status\n/delay x\n/quit\nnever sent\n"
        )
        shown = io.StringIO()
        PhoneConsole(emulator, stdin=typed, stdout=shown).run()
        assert emulator.stored()["SM"] == 1
        assert emulator.faults.send_delay == 2.5
        assert list(emulator.faults.send_errors) == [512]
        text = shown.getvalue()
        assert ">> SMS from +84900000001: HS 000.00.20.H30-240115-0001" in text
        assert "cannot use 'x' there" in text
        assert "never sent" not in text


def test_console_prints_replies_as_they_are_sent() -> None:
    with ModemEmulator("generic") as emulator:
        shown = io.StringIO()
        PhoneConsole(emulator, stdin=io.StringIO(""), stdout=shown)
        port = serial.Serial(str(emulator.path), timeout=2)
        port.write(b"ATE0\r")
        port.read_until(b"OK\r\n")
        port.write(b"AT+CMGS=17\r")
        port.read_until(b"> ")
        port.write(b"0001000B914819325476F8000004D4F29C0E\x1a")
        assert port.read_until(b"OK\r\n").endswith(b"OK\r\n")
        port.close()
        assert "<< SMS to +84912345678:\nTest\n" in shown.getvalue()


def test_standalone_emulator_prints_its_path(tmp_path: Path) -> None:
    link = tmp_path / "modem"
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hardware.modem_sim.cli",
            "--profile",
            "sim800",
            "--link",
            str(link),
            "--no-console",
        ],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == (
                f"modem emulator (SIMCOM_Ltd SIMCOM_SIM800) on {link}"
            )
            port = serial.Serial(str(link), timeout=2)
            port.write(b"AT+CGMM\r")
            assert b"SIMCOM_SIM800" in port.read_until(b"OK\r\n")
            port.close()
        finally:
            process.terminate()
            assert process.wait(10) == 0
