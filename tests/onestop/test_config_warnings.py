"""A renamed or retired key starts every program, and every program says so at start."""

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from backend_client.cli import main as lookup_main
from onestop.config import BackendSection
from onestop.config._types import Renamed, Retired
from onestop.config.cli import main as config_main
from onestop.demo_api import DemoStatusServer

ROOT = Path(__file__).resolve().parents[2]
OLD_KEYS = {"timeout": Renamed("total_timeout"), "proxy": Retired("the system's proxy is used")}
"""What a later release might declare for [backend] (none is renamed yet)."""

WARNINGS = [
    "[backend] timeout is now called total_timeout; please rename it",
    "[backend] proxy is no longer used and is ignored: the system's proxy is used",
]


@pytest.fixture
def old_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BackendSection, "OLD_KEYS", OLD_KEYS, raising=False)


def old_config(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "onestop.conf"
    path.write_text(f"[backend]\nurl = {url}\ntimeout = 9\nproxy = http://proxy:3128\n{extra}")
    return path


def run_with_old_keys(program: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """``program``'s main in a process of its own, with the old keys declared."""
    script = (
        "import sys\n"
        "from onestop.config import BackendSection\n"
        "from onestop.config._types import Renamed, Retired\n"
        f"BackendSection.OLD_KEYS = {OLD_KEYS!r}\n"
        f"from {program} import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.usefixtures("old_keys")
def test_onestop_config_check_prints_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert config_main(["check", "--config", str(old_config(tmp_path, "http://x"))]) == 0
    captured = capsys.readouterr()
    assert "is valid" in captured.out
    assert captured.err.splitlines() == [f"warning: {warning}" for warning in WARNINGS]


@pytest.mark.usefixtures("old_keys")
def test_onestop_lookup_logs_them(
    tmp_path: Path, demo_api: DemoStatusServer, caplog: pytest.LogCaptureFixture
) -> None:
    code = str(next(iter(demo_api.records)))
    with caplog.at_level(logging.WARNING):
        assert lookup_main([code, "--config", str(old_config(tmp_path, demo_api.url))]) == 0
    assert [record.getMessage() for record in caplog.records] == WARNINGS


def test_onestop_smsd_logs_them(tmp_path: Path) -> None:
    modem = f"[modem]\nport = {tmp_path / 'no-modem'}\nreopen_window = 1\nreset_wait = 1\n"
    database = f"[smsd]\ndatabase = {tmp_path / 'smsd.sqlite3'}\n"
    config = old_config(tmp_path, "http://127.0.0.1:9", modem + database)
    done = run_with_old_keys("smsd.cli", "--config", str(config))
    assert done.returncode == 1  # no modem: the unit started, with its old keys
    assert all(f"WARNING smsd.cli: {warning}" in done.stderr for warning in WARNINGS)


def test_onestop_kiosk_logs_them(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    config = old_config(tmp_path, "http://127.0.0.1:9", f"[kiosk]\nstate_dir = {blocker}/state\n")
    done = run_with_old_keys("kiosk.cli", "--config", str(config))
    assert done.returncode == 2  # stopped at the state directory, after reading the file
    assert all(f"WARNING kiosk.cli: {warning}" in done.stderr for warning in WARNINGS)
