"""python-gsmmodem-new on a serial line of our own, so that no line is lost or misread.

The library's reader thread glues a ``+CMTI`` that arrives while a command waits into that
command's answer, keeps notification lines in a buffer until another line arrives, handles
only the first of a group of notifications, opens one thread per notification, and dies on a
byte that is not UTF-8. This module keeps the library for what it does well (modem set-up,
error codes, encoding replies) and replaces its serial side through the three public methods
the library calls on it (``connect``, ``close``, ``write``), overriding none of its private
ones, so that the library can be upgraded:

- the port is opened through a pyserial URL (a device path, ``spy://`` to log traffic on
  site), flushed, and a half-entered PDU left by a crashed predecessor is cancelled;
- pySerial's own ``serial.threaded.ReaderThread`` reads it (told of a vanished port, which
  it misses between two reads), and :class:`LineStream` turns
  the bytes into events: lines of the answer go to the waiting command, notifications
  (``+CMTI``, ``+CMT`` and its PDU, ``^RSSI``, ``RING``, ...) to the modem thread;
- one lock covers a whole command, and a serial failure wakes the waiting command at once
  and surfaces as :class:`ModemUnavailable` instead of a time-out.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import serial
import serial.threaded
from gsmmodem.exceptions import (
    CmeError,
    CmsError,
    CommandError,
    IncorrectPinError,
    InvalidStateException,
    PinRequiredError,
    PukRequiredError,
    TimeoutException,
)
from gsmmodem.modem import GsmModem
from gsmmodem.serial_comms import SerialComms

from hardware.modem._errors import (
    CommandRejected,
    ModemError,
    ModemTimeout,
    ModemUnavailable,
    SimLocked,
)
from hardware.modem._lines import EventKind, LineEvent, LineStream, is_final

traffic = logging.getLogger("onestop.modem.traffic")
"""Raw AT traffic, phone numbers and all; silent unless a technician switches it on."""

log = logging.getLogger(__name__)

STORAGE_FULL_MARKERS = ("^SMMEMFULL", "SMSFULL", "smsfull", "MEMFULL")

_ESC = b"\x1b"
CTRL_Z = "\x1a"
_QUIET = 0.15
"""Seconds without a byte after which the line is taken as drained at open."""


class _Answer:
    """The lines of one command's answer, complete when ``done`` is set."""

    def __init__(self, *, prompt: bool) -> None:
        self.prompt = prompt
        self.lines: list[str] = []
        self.done = threading.Event()


class _Reader(serial.threaded.Protocol):
    """What pySerial's reader thread calls: bytes to events, events to their place."""

    def __init__(self, port: _AtPort) -> None:
        self._port = port
        self._stream = LineStream()

    def data_received(self, data: bytes) -> None:
        traffic.debug("<- %r", bytes(data))
        answer = self._port.answer
        prompt = answer is not None and answer.prompt
        for event in self._stream.feed(data, prompt_wanted=prompt):
            self._port.route(event)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._port.alive:
            self._port.lose(exc or ModemUnavailable("the port closed"))


class _ReaderThread(serial.threaded.ReaderThread):
    """pySerial's reader thread, told of a port that vanishes between two reads.

    Its loop catches the ``SerialException`` of a failed read, but the ``in_waiting`` it asks
    first raises a bare ``OSError`` (EIO) once the device is gone (a USB modem pulled out, the
    emulator stopped): pySerial 3.5 then ends the thread with that exception, without calling
    ``connection_lost``, and nobody learns that the port went away."""

    def run(self) -> None:
        try:
            super().run()
        except OSError as exc:
            self.alive = False
            self.protocol.connection_lost(serial.SerialException(f"read failed: {exc}"))


class _AtPort(SerialComms):  # type: ignore[misc]
    """The library's serial layer, replaced through its public connect, close and write."""

    url_kwargs: dict[str, Any]
    on_event: Callable[[LineEvent], None]
    lost: BaseException | None
    answer: _Answer | None

    def connect(self) -> None:
        if getattr(self, "alive", False):
            return
        try:
            port = serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=0.1, write_timeout=5, **self.url_kwargs
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ModemUnavailable(f"cannot open {self.port}: {exc}") from exc
        try:
            self._drain(port)
        except (serial.SerialException, OSError) as exc:
            port.close()
            raise ModemUnavailable(f"{self.port} failed while opening: {exc}") from exc
        self.lost = None
        self.answer = None
        self.command_lock = threading.Lock()
        self.alive = True
        self.reader = _ReaderThread(port, lambda: _Reader(self))
        self.reader.name = "modem-reader"
        self.reader.start()
        self.reader.connect()

    @staticmethod
    def _drain(port: serial.Serial) -> None:
        """Cancel a half-written PDU and discard whatever the modem said before we came."""
        port.reset_input_buffer()
        port.write(_ESC + b"\r")
        deadline = time.monotonic() + 2.0
        last = time.monotonic()
        while time.monotonic() - last < _QUIET and time.monotonic() < deadline:
            if port.read(port.in_waiting or 1):
                last = time.monotonic()

    def close(self) -> None:
        self.alive = False
        reader = getattr(self, "reader", None)
        if reader is not None and reader is not threading.current_thread():
            with contextlib.suppress(serial.SerialException, OSError):
                reader.close()

    def route(self, event: LineEvent) -> None:
        """From the reader thread: an answer's line to its command, anything else onwards."""
        answer = self.answer
        if event.kind is EventKind.LINE and answer is not None and not answer.done.is_set():
            answer.lines.append(event.text)
            if is_final(event.text):
                answer.done.set()
        elif event.kind is EventKind.PROMPT and answer is not None:
            answer.lines.append("> ")
            answer.done.set()
        elif event.kind is EventKind.LINE:
            self.on_event(LineEvent(EventKind.NOTICE, event.text))  # an answer nobody awaits
        else:
            self.on_event(event)

    def lose(self, exc: BaseException) -> None:
        self.alive = False
        self.lost = exc
        answer = self.answer
        if answer is not None:
            answer.done.set()
        self.on_event(LineEvent(EventKind.LOST, f"{type(exc).__name__}: {exc}"))

    def write(
        self,
        data: str,
        waitForResponse: bool = True,
        timeout: float = 5,
        expectedResponseTermSeq: str | None = None,
    ) -> list[str] | None:
        """Write ``data``; with ``waitForResponse``, the answer's lines up to the final one
        (or the prompt), or the library's ``TimeoutException`` with what came."""
        with self.command_lock:
            answer = _Answer(prompt=bool(expectedResponseTermSeq)) if waitForResponse else None
            self.answer = answer
            try:
                self.reader.write(data.encode())
            except (serial.SerialException, OSError) as exc:
                self.answer = None
                raise ModemUnavailable(f"{self.port}: {exc}") from exc
            if answer is None:
                return None
            finished = answer.done.wait(timeout)
            self.answer = None
            if self.lost is not None:
                raise ModemUnavailable(f"{self.port} went away: {self.lost}")
            if not finished:
                raise TimeoutException(answer.lines or None)
            return answer.lines


class Driver(GsmModem, _AtPort):  # type: ignore[misc]
    """One connection to one modem; a new one is made for every (re)open.

    Library code calls :meth:`write` and relies on the library's own exceptions for its
    control flow; the adapter calls :meth:`call`, which converts them into this package's.
    """

    def __init__(
        self,
        port: str,
        baudrate: int,
        on_event: Callable[[LineEvent], None],
        *,
        command_timeout: float = 10.0,
    ) -> None:
        super().__init__(
            port,
            baudrate,
            smsReceivedCallbackFunc=_ignore,
            requestDelivery=False,
            AT_CNMI="2,1,0,0,0",
        )
        self.on_event = on_event
        self.lost = None
        self.command_timeout = command_timeout
        self.url_kwargs = {"exclusive": True} if "://" not in port else {}

    def open_port(self) -> None:
        """Open the port and start the reader, without talking to the modem."""
        _AtPort.connect(self)

    def open(self, pin: str | None, probe_timeout: float) -> None:
        """Open the port, check that something answers, then run the library's set-up."""
        try:
            _AtPort.connect(self)
            self.write("AT", timeout=probe_timeout)
            GsmModem.connect(self, pin)  # its own connect() call finds the port already open
        except Exception as exc:
            self.close()
            raise self.convert("set-up", exc) from exc

    def write(  # type: ignore[override]  # noqa: PLR0917 - the library calls it so
        self,
        data: str,
        waitForResponse: bool = True,
        timeout: float = 10,
        parseError: bool = True,
        writeTerm: str = "\r",
        expectedResponseTermSeq: str | None = None,
    ) -> list[str] | None:
        if writeTerm != CTRL_Z:
            timeout = min(timeout, self.command_timeout)
        traffic.debug("-> %r", data + writeTerm)
        # GsmModem.write parses errors and calls _AtPort.write with the terminator added.
        lines: list[str] | None = GsmModem.write(
            self, data, waitForResponse, timeout, parseError, writeTerm, expectedResponseTermSeq
        )
        if self.lost is not None:
            raise ModemUnavailable(f"{self.port} went away: {self.lost}")
        return lines

    def call(
        self, command: str, *, timeout: float | None = None, shown: str = "", **kwargs: Any
    ) -> list[str]:
        """Send one command and return its answer lines, raising this package's errors.

        ``shown`` names the command in errors instead of its text (a PDU holds a number)."""
        if not self.alive:
            raise ModemUnavailable(f"{self.port} is closed: {self.lost or 'not open'}")
        try:
            lines = self.write(command, timeout=timeout or self.command_timeout, **kwargs)
        except Exception as exc:
            raise self.convert(shown or command, exc) from exc
        return lines or []

    def convert(self, command: str, exc: BaseException) -> BaseException:
        """This package's exception for a library or pyserial one."""
        if isinstance(exc, ModemError):
            return exc
        if self.lost is not None:
            return ModemUnavailable(f"{self.port} went away: {self.lost}")
        if isinstance(exc, (serial.SerialException, OSError)):
            return ModemUnavailable(f"{self.port}: {exc}")
        if isinstance(exc, TimeoutException):
            return ModemTimeout(
                f"no answer to {command.split('=', maxsplit=1)[0]} from {self.port}"
            )
        if isinstance(exc, (PinRequiredError, IncorrectPinError, PukRequiredError)):
            return SimLocked(f"the SIM refused or wants a PIN ({exc})")
        if isinstance(exc, CmeError):
            return CommandRejected(command, int(exc.code), "CME")
        if isinstance(exc, CmsError):
            return CommandRejected(command, int(exc.code), "CMS")
        if isinstance(exc, CommandError):
            return CommandRejected(command)
        if isinstance(exc, InvalidStateException):
            return ModemUnavailable(f"{self.port}: {exc}")
        return exc


def set_traffic_logging(enabled: bool) -> None:
    """Switch the raw AT traffic logger on or off, for a technician chasing a modem's quirks."""
    traffic.setLevel(logging.DEBUG if enabled else logging.CRITICAL)


def _ignore(*_: object) -> None:
    """Placeholder: received messages reach the adapter through the event queue."""
