"""The suite's own guards (pyproject.toml): a hung test is stopped, and a warning fails a test."""

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HUNG_PTY = """
import os

def test_reads_a_modem_that_never_answers():
    controller, _device = os.openpty()
    os.read(controller, 1)
"""


def test_a_test_hung_on_a_pseudo_terminal_is_stopped(tmp_path: Path) -> None:
    (tmp_path / "test_hung.py").write_text(HUNG_PTY)
    settings = ["-c", str(ROOT / "pyproject.toml"), "-o", "timeout=1", "-p", "no:cacheprovider"]
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", *settings, "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert "Timeout (>1.0s)" in finished.stdout
    assert "1 failed" in finished.stdout


def test_the_per_test_timeout_is_set(pytestconfig: pytest.Config) -> None:
    assert float(pytestconfig.getini("timeout")) == 120
    assert pytestconfig.getini("timeout_method") == "signal"


def test_a_warning_is_an_error() -> None:
    with pytest.raises(DeprecationWarning, match="old"):
        warnings.warn("old", DeprecationWarning, stacklevel=1)
