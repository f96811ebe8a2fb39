"""``onestop-smsd`` as a process: reload on SIGHUP, masked logs, exit codes, the demo."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from hardware.modem_sim import Alphabet, ModemEmulator
from onestop.demo_api import DemoRecord, DemoStatusServer
from tests.smsd.conftest import ROOT, Daemon, wait_until

CITIZEN = "+84912000077"


def _write(path: Path, api: str, port: str, database: Path, alphabet: str) -> None:
    path.write_text(
        f"[backend]\nurl = {api}\n[modem]\nport = {port}\n"
        f"[smsd]\ndatabase = {database}\nreply_alphabet = {alphabet}\n",
        encoding="utf-8",
    )


def test_sighup_reloads_and_logs_mask_numbers(
    tmp_path: Path, demo_api: DemoStatusServer, records: list[DemoRecord]
) -> None:
    config = tmp_path / "onestop.conf"
    database = tmp_path / "smsd.sqlite3"
    log = tmp_path / "stderr.log"
    code = records[0].dossier.code
    with ModemEmulator("quectel-ec25") as emulator, log.open("w") as stderr:
        _write(config, demo_api.url, str(emulator.path), database, "gsm7")
        daemon = Daemon(config, stderr=stderr)
        daemon.wait_ready()
        emulator.deliver(CITIZEN, f"HS {code}")
        assert wait_until(lambda: len(emulator.replies) == 1)
        _write(config, demo_api.url, str(emulator.path), database, "ucs2")
        daemon.process.send_signal(signal.SIGHUP)
        daemon.wait_ready()  # READY=1 again once reloaded
        emulator.deliver(CITIZEN, f"TC {code}")
        assert wait_until(lambda: len(emulator.replies) == 2)
        assert daemon.terminate() == 0
    first, second = emulator.replies
    status = records[0].dossier.status
    assert first.alphabet is Alphabet.GSM7 and status.vi_ascii in first.text
    assert second.alphabet is Alphabet.UCS2 and status.vi in second.text
    logged = log.read_text(encoding="utf-8")
    assert "configuration reloaded" in logged
    assert "+8491****077" in logged and CITIZEN not in logged


def _smsd(*args: str, timeout: float, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``onestop-smsd`` to its end, with what it printed."""
    return subprocess.run(
        [sys.executable, "-m", "smsd.cli", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_bad_configuration_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text("[smsd]\nsender_limt = 5\n", encoding="utf-8")
    done = _smsd("--config", str(config), timeout=30)
    assert done.returncode == 2
    assert "[smsd] sender_limt: unknown key; did you mean 'sender_limit'?" in done.stderr


def test_missing_modem_exits_1_for_systemd_to_restart(tmp_path: Path) -> None:
    config = tmp_path / "onestop.conf"
    config.write_text(
        f"[modem]\nport = {tmp_path / 'no-such-modem'}\nreopen_window = 1\nreset_wait = 1\n"
        f"[smsd]\ndatabase = {tmp_path / 'smsd.sqlite3'}\n",
        encoding="utf-8",
    )
    done = _smsd("--config", str(config), timeout=60)
    assert done.returncode == 1
    assert "exiting so that the service restarts" in done.stderr


def test_demo_answers_a_piped_message(records: list[DemoRecord]) -> None:
    code = next(r.dossier.code for r in records if r.dossier.status.finished)
    done = _smsd("--demo", stdin=f"HS {code}\n?\n", timeout=90)
    assert done.returncode == 0, done.stderr
    assert "<< SMS to +84912345678:" in done.stdout
    first, second = done.stdout.split("<< SMS to +84912345678:\n")[1:3]
    replies = {first.split("\n", 1)[0], second.split("\n", 1)[0]}
    assert any(reply.startswith(code) for reply in replies)
    # Every example the demo shows is a code its data knows today.
    known = {r.dossier.code for r in records}
    examples = set(re.findall(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}", done.stdout))
    assert examples and examples <= known, examples - known
    assert any("Vi du: HS" in reply for reply in (first, second))
