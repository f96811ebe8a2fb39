"""python-gsmmodem-new with its serial side replaced, so that no line is lost or misread.

The library's reader thread (``SerialComms._readLoop``) glues a ``+CMTI`` that arrives while a
command waits into that command's answer, keeps notification lines in a buffer until another
line arrives, handles only the first of a group of notifications, opens one thread per
notification, and dies on a byte that is not UTF-8. This module keeps the library for what it
does well (modem set-up, command/answer matching, error codes, PDUs) and owns the byte stream:

- the port is opened through a pyserial URL (a device path, ``spy://`` to log traffic on
  site), flushed, and a half-entered PDU left by a crashed predecessor is cancelled;
- every line is decoded with replacement and routed: lines that only ever come unsolicited
  (``+CMTI``, ``+CMT`` and its PDU, ``^RSSI``, ``RING``, ...) go to a queue the modem thread
  reads, everything else to the waiting command as the library expects;
- a serial failure wakes the waiting command at once and surfaces as
  :class:`ModemUnavailable` instead of a time-out.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import serial
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

traffic = logging.getLogger("onestop.modem.traffic")
"""Raw AT traffic, phone numbers and all; silent unless a technician switches it on."""

log = logging.getLogger(__name__)

URC_PREFIXES = (
    "+CMTI:",
    "+CDSI:",
    "RING",
    "+CRING:",
    "NO CARRIER",
    "^RSSI:",
    "^HCSQ:",
    "^BOOT:",
    "^MODE:",
    "^SRVST:",
    "^SIMST:",
    "^SYSSTART",
    "^SMMEMFULL",
    "+CIEV:",
    "+QIND:",
    "+QUSIM:",
    "RDY",
    "Call Ready",
    "SMS Ready",
)
"""Lines a modem sends only on its own initiative, never as part of an answer."""

STORAGE_FULL_MARKERS = ("^SMMEMFULL", "SMSFULL", "smsfull", "MEMFULL")

_ESC = b"\x1b"
CTRL_Z = "\x1a"
_QUIET = 0.15
"""Seconds without a byte after which the line is taken as drained at open."""


class _PortComms(SerialComms):  # type: ignore[misc]
    """The library's serial layer, opened through a URL and read by a loop that never dies."""

    url_kwargs: dict[str, Any]
    on_event: Callable[[tuple[str, ...]], None]
    lost: BaseException | None

    def connect(self) -> None:
        if getattr(self, "alive", False):
            return
        try:
            port = serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=0.1, write_timeout=5, **self.url_kwargs
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ModemUnavailable(f"cannot open {self.port}: {exc}") from exc
        self.serial = port
        try:
            self._resync()
        except (serial.SerialException, OSError) as exc:
            port.close()
            raise ModemUnavailable(f"{self.port} failed while opening: {exc}") from exc
        self.lost = None
        self.alive = True
        self.rxThread = threading.Thread(target=self._readLoop, name="modem-reader", daemon=True)
        self.rxThread.start()

    def _resync(self) -> None:
        """Cancel a half-written PDU and discard whatever the modem said before we came."""
        self.serial.reset_input_buffer()
        self.serial.write(_ESC + b"\r")
        deadline = time.monotonic() + 2.0
        last = time.monotonic()
        while time.monotonic() - last < _QUIET and time.monotonic() < deadline:
            if self.serial.read(self.serial.in_waiting or 1):
                last = time.monotonic()

    def close(self) -> None:
        self.alive = False
        thread = getattr(self, "rxThread", None)
        if thread is not None and thread is not threading.current_thread():
            thread.join(2)
        with contextlib.suppress(serial.SerialException, OSError, AttributeError):
            self.serial.close()

    def _readLoop(self) -> None:
        buffer = bytearray()
        cmt_header: str | None = None
        try:
            while self.alive:
                data = self.serial.read(self.serial.in_waiting or 1)
                if not data:
                    continue
                traffic.debug("<- %r", bytes(data))
                buffer.extend(data)
                while True:
                    end = buffer.find(b"\r\n")
                    if end < 0:
                        expected = self._expectResponseTermSeq
                        if expected and buffer.endswith(bytes(expected)):
                            line = buffer.decode("utf-8", "replace")
                            buffer.clear()
                            self._handleLineRead(line, checkForResponseTerm=False)
                        break
                    line = buffer[:end].decode("utf-8", "replace")
                    del buffer[: end + 2]
                    if not line.strip():
                        continue
                    if cmt_header is not None:
                        self.on_event(("cmt", cmt_header, line.strip()))
                        cmt_header = None
                    elif line.startswith("+CMT:"):
                        cmt_header = line
                    elif line.startswith(URC_PREFIXES):
                        self.on_event(("urc", line.strip()))
                    else:
                        self._handleLineRead(line)
        except Exception as exc:  # a dead reader must be noticed, whatever killed it
            if self.alive:
                self._lose(exc)

    def _lose(self, exc: BaseException) -> None:
        self.alive = False
        self.lost = exc
        event = self._responseEvent
        if event is not None:
            event.set()
        self.on_event(("lost", f"{type(exc).__name__}: {exc}"))


class Driver(GsmModem, _PortComms):  # type: ignore[misc]
    """One connection to one modem; a new one is made for every (re)open.

    Library code calls :meth:`write` and relies on the library's own exceptions for its
    control flow; the adapter calls :meth:`call`, which converts them into this package's.
    """

    def __init__(
        self,
        port: str,
        baudrate: int,
        on_event: Callable[[tuple[str, ...]], None],
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
        _PortComms.connect(self)

    def open(self, pin: str | None, probe_timeout: float) -> None:
        """Open the port, check that something answers, then run the library's set-up."""
        try:
            _PortComms.connect(self)
            self.write("AT", timeout=probe_timeout)
            GsmModem.connect(self, pin)  # its own connect() call finds the port already open
        except Exception as exc:
            self.close()
            raise self.convert("set-up", exc) from exc

    def _handleModemNotification(self, lines: list[str]) -> None:
        log.debug("ignored modem output: %s", lines)

    def write(  # noqa: PLR0917 - library code calls it with positional arguments
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
        lines: list[str] | None = super().write(
            data, waitForResponse, timeout, parseError, writeTerm, expectedResponseTermSeq
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
