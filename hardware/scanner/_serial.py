"""A barcode scanner on a serial port (or a USB scanner in its CDC-ACM "serial" mode).

The port is opened through :func:`serial.serial_for_url`, so ``loop://`` serves in tests and
``spy://`` logs a misbehaving scanner's bytes on site. The reader thread only moves bytes;
:class:`LineSplitter` turns them into scans. A port that vanishes (cable pulled) is reopened
with a growing pause, and :attr:`SerialScanner.status` says what is happening, for the
diagnostics page.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class LineSplitter:
    """Bytes in, scans out: a scan ends at CR, LF or CR LF; empty lines are skipped."""

    def __init__(self, max_length: int = 512) -> None:
        self._buffer = bytearray()
        self._max_length = max_length

    def feed(self, data: bytes) -> list[str]:
        self._buffer.extend(data)
        lines: list[str] = []
        while True:
            ends = [
                index
                for index in (self._buffer.find(b"\r"), self._buffer.find(b"\n"))
                if index >= 0
            ]
            if not ends:
                break
            end = min(ends)
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            text = line.decode("utf-8", errors="replace").strip()
            if text:
                lines.append(text)
        if len(self._buffer) > self._max_length:
            logger.warning("serial scanner sent %d bytes without a line end", len(self._buffer))
            self._buffer.clear()
        return lines


class SerialScanner:
    """Reads scans from ``url`` on a thread and hands each to ``on_scan`` (on that thread)."""

    def __init__(
        self,
        url: str,
        on_scan: Callable[[str], None],
        *,
        baudrate: int = 9600,
        max_backoff: float = 10.0,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self._on_scan = on_scan
        self._max_backoff = max_backoff
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.status = "not started"
        self.opened = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="serial-scanner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def _run(self) -> None:
        import serial

        pause = 0.2
        while not self._stop.is_set():
            try:
                port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.2)
            except (serial.SerialException, OSError, ValueError) as exc:
                self.status = f"cannot open {self.url}: {exc}"
                logger.warning("serial scanner: %s", self.status)
                self._stop.wait(pause)
                pause = min(self._max_backoff, pause * 2)
                continue
            pause = 0.2
            self.status = f"open: {self.url}"
            self.opened.set()
            try:
                self._read(port)
            except (serial.SerialException, OSError) as exc:
                self.status = f"{self.url} went away: {exc}"
                logger.warning("serial scanner: %s", self.status)
            finally:
                self.opened.clear()
                port.close()

    def _read(self, port: object) -> None:
        splitter = LineSplitter()
        read = port.read  # type: ignore[attr-defined]
        while not self._stop.is_set():
            data = read(256)
            if not data:
                continue
            for line in splitter.feed(data):
                try:
                    self._on_scan(line)
                except Exception:
                    logger.exception("handling a serial scan failed")
