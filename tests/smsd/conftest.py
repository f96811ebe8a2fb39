"""The SMS daemon end to end: python-gsmmodem-new over a real pty to the modem emulator, and
the demo status API over HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from hardware.modem_sim import ModemEmulator, Reply
from onestop.config import BackendSection, Config, ModemSection, SmsdSection
from onestop.demo_api import DemoRecord, DemoStatusServer
from smsd import SmsDaemon

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll a condition on the daemon's database until it holds, or time out."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        pause.wait(0.02)
    return True


def fast_config(api_url: str, port: str, database: Path, **smsd: Any) -> Config:
    """The defaults, with the patience of a test."""
    return Config(
        backend=backend(api_url),
        modem=ModemSection(port=port, command_timeout=2.0, send_timeout=10.0),
        smsd=dataclasses.replace(
            SmsdSection(
                database=database, send_backoff=0.05, multipart_timeout=1.0, backend_patience=0.0
            ),
            **smsd,
        ),
    )


def backend(api_url: str) -> BackendSection:
    """The status API with the patience of a test."""
    return BackendSection(
        url=api_url,
        retries=0,
        connect_timeout=0.5,
        read_timeout=2.0,
        total_timeout=3.0,
        cache_ttl=0.0,
    )


@contextlib.contextmanager
def running(config: Config) -> Iterator[SmsDaemon]:
    """A daemon on ``config``'s transport in a thread, ready; stopped cleanly at the end."""
    daemon = SmsDaemon(config)
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(daemon.run()), name="smsd-under-test")
    thread.start()
    try:
        assert daemon.ready.wait(15), "the daemon did not become ready"
        yield daemon
    finally:
        daemon.request_stop()
        thread.join(60)
    assert codes == [0]


class SmsService:
    """A running daemon on an emulator; ``text`` plays a phone, ``replies_to`` reads answers."""

    def __init__(self, emulator: ModemEmulator, config: Config) -> None:
        self.emulator = emulator
        self.config = config
        self.daemon = SmsDaemon(config)
        self.exit_code: int | None = None
        self._thread = threading.Thread(target=self._run, name="smsd-under-test")

    def _run(self) -> None:
        self.exit_code = self.daemon.run()

    def start(self) -> SmsService:
        self._thread.start()
        assert self.daemon.ready.wait(15), "the daemon did not become ready"
        return self

    def stop(self) -> None:
        self.daemon.request_stop()
        self._thread.join(60)

    def text(self, sender: str, message: str, **options: Any) -> None:
        self.emulator.deliver(sender, message, **options)

    def replies_to(self, number: str) -> list[Reply]:
        return [reply for reply in self.emulator.replies if reply.destination == number]

    def ask(self, sender: str, message: str, timeout: float = 10.0) -> str:
        """Text and wait for the one reply to this sender."""
        before = len(self.replies_to(sender))
        self.text(sender, message)
        assert wait_until(lambda: len(self.replies_to(sender)) > before, timeout), (
            f"no reply to {message!r}"
        )
        return self.replies_to(sender)[-1].text


class Daemon:
    """``python -m smsd.cli --config FILE`` with its own notify socket."""

    def __init__(self, config: Path, *, stderr: Any = subprocess.DEVNULL) -> None:
        self.config = config
        # A socket path must stay under 108 bytes; pytest's tmp_path can be longer.
        self.socket_path = Path(tempfile.mkdtemp(prefix="sd-")) / "notify"
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(self.socket_path))
        self.notify.settimeout(20)
        env = dict(os.environ, NOTIFY_SOCKET=str(self.socket_path), PYTHONWARNINGS="ignore")
        self._log: IO[bytes] | None = None
        if stderr is subprocess.DEVNULL and os.environ.get("ONESTOP_TEST_DAEMON_LOG"):
            # Chasing a failing process test: every daemon's log, appended to one file.
            stderr = self._log = Path(os.environ["ONESTOP_TEST_DAEMON_LOG"]).open("ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "smsd.cli", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stderr=stderr,
        )

    def wait_ready(self) -> str:
        while True:
            message = self.notify.recv(4096).decode()
            if "READY=1" in message.splitlines():
                return message

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._close()

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self._close()
        return code

    def _close(self) -> None:
        self.notify.close()
        if self._log is not None:
            self._log.close()


@pytest.fixture(scope="session")
def records(demo_api: DemoStatusServer) -> list[DemoRecord]:
    """The dossiers the shared status API (``demo_api``) serves, in their bundled order."""
    return list(demo_api.records.values())


@pytest.fixture
def service_factory(
    tmp_path: Path, demo_api: DemoStatusServer
) -> Iterator[Callable[..., SmsService]]:
    made: list[tuple[SmsService, ModemEmulator]] = []

    def make(
        *,
        profile: str = "generic",
        capacity: dict[str, int] | None = None,
        api_url: str | None = None,
        start: bool = True,
        emulator: ModemEmulator | None = None,
        **smsd: Any,
    ) -> SmsService:
        if emulator is None:
            emulator = ModemEmulator(profile, capacity=capacity).start()
        config = fast_config(
            api_url or demo_api.url,
            str(emulator.path),
            tmp_path / f"smsd-{len(made)}.sqlite3",
            **smsd,
        )
        service = SmsService(emulator, config)
        made.append((service, emulator))
        return service.start() if start else service

    yield make
    for service, emulator in made:
        service.stop()
        emulator.stop()
