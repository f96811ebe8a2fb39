"""Real Kannel for the tests: bearerbox and smsbox on loopback ports from the template that
``onestop-provision kannel`` writes, and ``fakesmsc`` as the citizen's phone.

A Kannel start costs seconds, so tests share one per module where they can.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from provision._kannel import FakeSmsc, KannelLayout, Smsc, render

FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
_GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) ?(.*)>")
_UDH = re.compile(r"(\S+) data (\S*)")
_SENT = re.compile(r"fakesmsc: sent message \d+")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{process.args!r} exited: {log.read_text(errors='replace')[-2000:]}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        threading.Event().wait(0.05)
    raise RuntimeError(f"{process.args!r} did not open port {port}")


@dataclasses.dataclass(frozen=True)
class PhoneSms:
    """A message Kannel delivered to the fake phone: sender, recipient and decoded text, and
    when it was read (``time.perf_counter()``)."""

    sender: str
    recipient: str
    kind: str
    text: str
    at: float = dataclasses.field(default_factory=time.perf_counter, compare=False)


class Kannel:
    """bearerbox + smsbox in a temporary directory; :meth:`phone` plays the citizen."""

    def __init__(self, workdir: Path, *, daemon_url: str, smscs: tuple[Smsc, ...] = ()) -> None:
        self.workdir = workdir
        self.fake_port = free_port()
        fake: tuple[Smsc, ...] = (FakeSmsc("fake", self.fake_port),)
        self.layout = KannelLayout(
            daemon_url=daemon_url,
            username="onestop",
            password="kannel-test",
            smscs=smscs or fake,
            admin_password="admin-test",
            admin_port=free_port(),
            smsbox_port=free_port(),
            sendsms_port=free_port(),
            store_file=workdir / "kannel.store",
            log_dir=workdir,
            queue_delay=1,
            default_sender="8077",
        )
        self.config = workdir / "kannel.conf"
        self._processes: list[subprocess.Popen[bytes]] = []

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.layout.sendsms_port}/cgi-bin/sendsms"

    def render(self) -> str:
        """The configuration the boxes run on: the template ``onestop-provision`` writes."""
        return render(self.layout)

    def start(self) -> Kannel:
        self.config.write_text(self.render())
        self._boxes()
        return self

    def _boxes(self) -> None:
        bearerbox = self._spawn("bearerbox")
        wait_port(self.layout.smsbox_port, bearerbox, self.workdir / "bearerbox.out")
        smsbox = self._spawn("smsbox")
        wait_port(self.layout.sendsms_port, smsbox, self.workdir / "smsbox.out")

    def _spawn(self, box: str) -> subprocess.Popen[bytes]:
        with (self.workdir / f"{box}.out").open("ab") as out:
            process = subprocess.Popen(
                [box, "-v", "2", str(self.config)], stdout=out, stderr=subprocess.STDOUT
            )
        self._processes.append(process)
        return process

    def stop(self) -> None:
        processes, self._processes = self._processes, []
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def restart(self) -> None:
        self.stop()
        self._boxes()

    def logs(self) -> str:
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.workdir.glob("*.log"))
        )

    @contextlib.contextmanager
    def phone(
        self,
        *messages: str,
        randomize: int = 0,
        count: int | None = None,
        interval: float = 0.002,
    ) -> Iterator[Phone]:
        """``fakesmsc`` sending ``count`` of ``messages`` ("from to text words", picked at
        random when there are several), ``interval`` seconds apart, then listening."""
        phone = Phone(self, messages, randomize, count or len(messages), interval)
        try:
            yield phone
        finally:
            phone.close()


class Phone:
    """One ``fakesmsc`` process: what it sent, and every message Kannel delivered to it."""

    def __init__(
        self,
        kannel: Kannel,
        messages: tuple[str, ...],
        randomize: int,
        count: int,
        interval: float,
    ) -> None:
        argv = [
            str(FAKESMSC),
            "-H",
            "127.0.0.1",
            "-r",
            str(kannel.fake_port),
            "-i",
            f"{interval:g}" if count > 1 else "0",
            "-m",
            str(count),
        ]
        if randomize:
            argv += ["-z", str(randomize)]
        self.received: queue.Queue[PhoneSms] = queue.Queue()
        self.sent: list[float] = []
        """When fakesmsc said it sent each message (``time.perf_counter()``)."""
        self._process = subprocess.Popen(
            [*argv, *messages], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        partial: dict[tuple[str, str, int, int], dict[int, bytes]] = {}
        for raw in self._process.stdout:
            line = raw.decode("utf-8", "replace")
            if _SENT.search(line):
                self.sent.append(time.perf_counter())
                continue
            match = _GOT.search(line)
            if not match:
                continue
            sender, recipient, kind, data = match.groups()
            udh = _UDH.fullmatch(data) if kind == "udh" else None
            if udh is None:
                self.received.put(PhoneSms(sender, recipient, kind, _decode(kind, data)))
                continue
            # One part of a concatenated SMS (Kannel split a long reply): join them, the way a
            # phone does, by the reference, count and number of the header (IEI 0). fakesmsc
            # does not print a part's coding; the long replies these tests send are UCS2.
            header = _octets(udh.group(1))
            reference, total, number = header[3], header[4], header[5]
            parts = partial.setdefault((sender, recipient, reference, total), {})
            parts[number] = _octets(udh.group(2))
            if len(parts) == total:
                del partial[sender, recipient, reference, total]
                joined = b"".join(parts[n] for n in sorted(parts))
                self.received.put(
                    PhoneSms(
                        sender, recipient, "ucs-2 parts", joined.decode("utf-16-be", "replace")
                    )
                )

    def wait(self, count: int, timeout: float = 30.0) -> list[PhoneSms]:
        got: list[PhoneSms] = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            with contextlib.suppress(queue.Empty):
                got.append(self.received.get(timeout=left))
        return got

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._reader.join(5)
        if self._process.stdout is not None:
            self._process.stdout.close()


def _octets(data: str) -> bytes:
    return urllib.parse.unquote_to_bytes(data.replace("+", "%20"))


def _decode(kind: str, data: str) -> str:
    """fakesmsc's rendering of a delivered message back into text."""
    octets = _octets(data)
    if kind == "ucs-2":
        return octets.decode("utf-16-be", "replace")
    return octets.decode("utf-8" if kind == "text" else "latin-1", "replace")
