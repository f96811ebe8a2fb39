"""The SMS modem as the daemon sees it: one thread owns all modem I/O and works from a queue.

Everything that touches the modem (set-up, reading a stored message, sweeping storage,
sending, the heartbeat, recovery) runs on the single modem thread, in priority order:
a lost port first, then incoming notifications, then storage sweeps, then sends. No
command can land inside another's ``AT+CMGS`` exchange, and a slow lookup never delays
reading a message, because lookups do not run here at all.

A received message is handed to ``on_message``, which must store it durably before it
returns; only then is it deleted from the modem. If the callback fails, the message stays
in the modem and the next sweep offers it again.

On a serial error or a missed heartbeat the modem thread escalates: reopen the port (for
``reopen_window`` seconds), then reset the modem with ``AT+CFUN=1,1`` and wait for it to come
back, then give up with :class:`ModemDead` so that the service manager restarts the daemon.

A send is journalled part by part by the modem thread itself (:class:`SendJournal`): each
part is announced before ``AT+CMGS`` and its outcome reported as soon as ``+CMGS:`` (or an
error) is read, so the caller can make both durable with nothing in between. A long reply
can start at any part, with the concatenation reference the caller kept, to resume a reply
whose later part failed without sending the earlier ones again.
"""

from __future__ import annotations

import concurrent.futures
import enum
import itertools
import logging
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hardware.modem._driver import CTRL_Z, STORAGE_FULL_MARKERS, Driver
from hardware.modem._errors import (
    CommandRejected,
    ModemDead,
    ModemError,
    ModemTimeout,
    ModemUnavailable,
    SendRejected,
    SimLocked,
)
from hardware.modem._lines import EventKind, LineEvent
from hardware.modem._messages import Incoming, decode_incoming, submit_pdus

log = logging.getLogger(__name__)

_CMTI = re.compile(r'^\+CMTI:\s*"(\w+)"\s*,\s*(\d+)')
_CMGL = re.compile(r"^\+CMGL:\s*(\d+)\s*,")
_CSQ = re.compile(r"^\+CSQ:\s*(\d+)")
_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_REBOOTED = ("RDY", "^SYSSTART", "SMS Ready", "+QIND: SMS DONE")
_SWEPT_MEMORIES = ("SM", "ME")


class ModemState(enum.Enum):
    STARTING = "starting"
    READY = "ready"
    REOPENING = "reopening"
    RESETTING = "resetting"
    DEAD = "dead"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ModemSettings:
    """How to reach the modem and how patient to be with it."""

    port: str
    baudrate: int = 115200
    pin: str | None = None
    smsc: str | None = None
    heartbeat_interval: float = 30.0
    command_timeout: float = 10.0
    probe_timeout: float = 3.0
    send_timeout: float = 60.0
    sweep_interval: float = 120.0
    reopen_window: float = 10.0
    reset_wait: float = 30.0
    registration_timeout: float = 60.0


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """The network's reference numbers, one per part sent."""

    references: tuple[int, ...]


class SendJournal(Protocol):
    """Where the thread that submits an SMS writes down how far it got, part by part.

    Every method is called on the submitting thread and must have made its news durable when
    it returns: the gap between the network accepting a part and that being written down is
    then only the time of one commit. A transport (a modem, an SMPP link, Kannel) calls
    ``sending`` before each part leaves, then exactly one of the others for that part.
    """

    def sending(self, part: int, total: int) -> None:
        """Part ``part`` of ``total`` goes to the network next; raising cancels the send."""

    def accepted(self, part: int, total: int, reference: int | str) -> None:
        """The network took the part and gave it ``reference``: a modem's message reference
        (0 to 255), or an SMSC's or gateway's message id (text)."""

    def refused(self, part: int, reason: str, *, transient: bool) -> None:
        """The network refused the part; ``transient`` when trying later may succeed."""

    def interrupted(self, part: int, reason: str, *, maybe_sent: bool) -> None:
        """The transport failed with the part in hand; ``maybe_sent`` when it may have left."""


class _NoJournal:
    """For callers that only want the future's result."""

    def sending(self, part: int, total: int) -> None:
        pass

    def accepted(self, part: int, total: int, reference: int | str) -> None:
        pass

    def refused(self, part: int, reason: str, *, transient: bool) -> None:
        pass

    def interrupted(self, part: int, reason: str, *, maybe_sent: bool) -> None:
        pass


@dataclass(frozen=True, slots=True)
class _Send:
    number: str
    text: str
    reference: int
    first_part: int
    journal: SendJournal
    future: concurrent.futures.Future[SendReceipt]


_STOP = object()
_SWEEP_NOW = object()
"""Queued work is a :class:`_Send`, a :class:`LineEvent`, or one of these two markers."""
_Priority = int
_LOST, _NOTICE, _SWEEP, _SEND = 0, 1, 2, 3


class Modem:
    """A GSM modem driven from one thread; see the module docstring for the guarantees."""

    def __init__(
        self,
        settings: ModemSettings,
        *,
        on_message: Callable[[Incoming], None],
        on_state: Callable[[ModemState, str], None] | None = None,
        driver_factory: Callable[..., Driver] = Driver,
    ) -> None:
        self.settings = settings
        self._on_message = on_message
        self._on_state = on_state
        self._driver_factory = driver_factory
        self._queue: queue.PriorityQueue[tuple[_Priority, int, object]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self.finished = threading.Event()
        """Set when the modem thread has ended, cleanly or with :attr:`failure`."""
        self.failure: ModemError | None = None
        self.state = ModemState.STARTING
        self.signal: int | None = None
        """Last signal quality, 0 to 31 (``AT+CSQ``), None when unknown."""
        self.model = ""
        self._driver: Driver | None = None
        self._generation = 0
        self._memories: tuple[str, ...] = ()
        self._memory: str | None = None
        self._last_answer = 0.0
        self._next_sweep = 0.0
        self._thread = threading.Thread(target=self._run, name="modem", daemon=True)

    # -- the interface for the daemon ---------------------------------------------------------

    def start(self) -> Modem:
        self._thread.start()
        return self

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the modem is set up the first time (False on time-out or failure)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._ready.is_set() and not self.finished.is_set():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            self._ready.wait(0.05 if left is None else min(left, 0.05))
        return self._ready.is_set() and not self.finished.is_set()

    def send(
        self,
        number: str,
        text: str,
        *,
        reference: int = 0,
        first_part: int = 1,
        journal: SendJournal | None = None,
    ) -> concurrent.futures.Future[SendReceipt]:
        """Queue an SMS; the future ends with a receipt or a :class:`ModemError`.

        ``reference`` is the concatenation reference of a long text (0 to 255): the caller
        keeps it, so that a reply resumed at ``first_part`` carries the same one.
        ``journal`` hears of each part on the modem thread (see :class:`SendJournal`).
        """
        future: concurrent.futures.Future[SendReceipt] = concurrent.futures.Future()
        item = _Send(number, text, reference % 256, first_part, journal or _NoJournal(), future)
        self._put(_SEND, item)
        return future

    def sweep(self) -> None:
        """Read every message stored in the modem soon, whatever notifications said."""
        self._put(_SWEEP, _SWEEP_NOW)

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the item in hand, then close the port; queued sends are cancelled."""
        self._stopping.set()
        self._put(_LOST, _STOP)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    # -- the modem thread ------------------------------------------------------------------------

    def _put(self, priority: int, item: object) -> None:
        self._queue.put((priority, next(self._order), item))

    def _event(self, generation: int, event: LineEvent) -> None:
        """From the reader thread: forward what the modem said on its own initiative."""
        if generation != self._generation:
            return
        priority = _LOST if event.kind is EventKind.LOST else _NOTICE
        self._put(priority, event)

    def _set_state(self, state: ModemState, detail: str) -> None:
        self.state = state
        if self._on_state is not None:
            try:
                self._on_state(state, detail)
            except Exception:
                log.exception("modem state callback failed")

    def _run(self) -> None:
        try:
            self._bring_up()
            while True:
                now = time.monotonic()
                due = min(self._last_answer + self.settings.heartbeat_interval, self._next_sweep)
                try:
                    _, _, item = self._queue.get(timeout=max(0.0, due - now))
                except queue.Empty:
                    item = None
                if item is _STOP:
                    break
                try:
                    if item is not None:
                        self._handle(item)
                    self._routine()
                except (ModemUnavailable, ModemTimeout) as exc:
                    self._recover(exc)
        except ModemError as exc:
            self.failure = exc if isinstance(exc, (ModemDead, SimLocked)) else ModemDead(str(exc))
            log.error("modem: %s", self.failure)
            self._set_state(ModemState.DEAD, str(self.failure))
        except Exception as exc:
            log.exception("modem thread failed")
            self.failure = ModemDead(f"unexpected failure: {exc}")
            self._set_state(ModemState.DEAD, str(self.failure))
        else:
            self._set_state(ModemState.STOPPED, "stopped")
        finally:
            self._close()
            self._cancel_queued()
            self.finished.set()

    def _cancel_queued(self) -> None:
        while True:
            try:
                _, _, item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Send):
                item.future.cancel()

    def _routine(self) -> None:
        now = time.monotonic()
        if now >= self._last_answer + self.settings.heartbeat_interval:
            self._heartbeat()
        if now >= self._next_sweep:
            self._sweep()

    def _handle(self, item: object) -> None:
        if isinstance(item, _Send):
            if not item.future.set_running_or_notify_cancel():
                return
            try:
                item.future.set_result(self._send(item))
            except ModemError as exc:
                item.future.set_exception(exc)
                if isinstance(exc, (ModemUnavailable, ModemTimeout)):
                    raise  # the modem itself failed: recover before the next item
            except Exception as exc:  # the journal could not write: the send stops there
                log.exception("modem: a send's journal failed")
                item.future.set_exception(exc)
        elif item is _SWEEP_NOW:
            self._sweep()
        elif isinstance(item, LineEvent):
            self._on_modem_event(item)

    def _on_modem_event(self, event: LineEvent) -> None:
        if event.kind is EventKind.LOST:
            raise ModemUnavailable(f"{self.settings.port} went away ({event.text})")
        if event.kind is EventKind.DELIVERY:
            self._deliver(decode_incoming(event.pdu))
            return
        line = event.text
        match = _CMTI.match(line)
        if match:
            self._take(match.group(1), int(match.group(2)))
        elif any(marker in line for marker in STORAGE_FULL_MARKERS):
            log.warning("modem reports its message storage full; sweeping it")
            self._sweep()
        elif line.startswith(_REBOOTED) and self.state is ModemState.READY:
            log.warning("modem restarted on its own (%s); setting it up again", line)
            self._configure()
            self._sweep()

    # -- opening, recovery -------------------------------------------------------------------

    def _bring_up(self) -> None:
        try:
            self._open()
        except SimLocked:
            raise
        except ModemError as exc:
            self._recover(exc)

    def _open(self) -> None:
        self._close()
        self._generation += 1
        generation = self._generation
        driver = self._driver_factory(
            self.settings.port,
            self.settings.baudrate,
            lambda event: self._event(generation, event),
            command_timeout=self.settings.command_timeout,
        )
        driver.open(self.settings.pin, self.settings.probe_timeout)
        self._driver = driver
        self._configure()
        self._wait_for_network()
        self._memories = self._list_memories()
        self._last_answer = time.monotonic()
        self._ready.set()
        self._set_state(ModemState.READY, self._describe())
        self._sweep()

    def _configure(self) -> None:
        """What a modem forgets when it restarts: echo, PDU mode, notifications, SMSC."""
        driver = self._require()
        driver.call("ATE0")
        driver.call("AT+CMGF=0")
        try:
            driver.call("AT+CNMI=2,1,0,0,0")
        except CommandRejected:
            driver.call("AT+CNMI=1,1,0,0,0")
        if self.settings.smsc:
            driver.call(f'AT+CSCA="{self.settings.smsc}"')
        self._memory = None
        try:
            self.model = " ".join(
                line for line in driver.call("AT+CGMM") if line not in ("OK", "AT+CGMM")
            )
        except CommandRejected:
            self.model = "unknown model"

    def _wait_for_network(self) -> None:
        """Wait for registration (home or roaming), then read the signal quality."""
        driver = self._require()
        deadline = time.monotonic() + self.settings.registration_timeout
        while True:
            try:
                lines = driver.call("AT+CREG?")
            except CommandRejected:
                break
            state = next((line for line in lines if line.startswith("+CREG:")), "")
            fields = state.split(":")[-1].split(",")
            if len(fields) >= 2 and fields[1].strip() in ("1", "5"):
                break
            if time.monotonic() >= deadline or self._stopping.wait(0.5):
                log.warning("modem: not registered on a network yet (%s); carrying on", state)
                break
        self._heartbeat()

    def _list_memories(self) -> tuple[str, ...]:
        try:
            lines = self._require().call("AT+CPMS=?")
        except CommandRejected:
            return ("SM",)
        answer = next((line for line in lines if line.startswith("+CPMS:")), "")
        first_group = answer.split(")")[0]
        found = re.findall(r'"(\w+)"', first_group)
        return tuple(memory for memory in _SWEPT_MEMORIES if memory in found) or ("SM",)

    def _describe(self) -> str:
        signal = "unknown" if self.signal is None else f"{self.signal}/31"
        return f"modem {self.model or 'ready'} on {self.settings.port}, signal {signal}"

    def _close(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            self._generation += 1
            driver.close()

    def _require(self) -> Driver:
        if self._driver is None:
            raise ModemUnavailable(f"{self.settings.port} is not open")
        return self._driver

    def _recover(self, cause: ModemError) -> None:
        """Reopen, then reset, then give up: the escalation described in the module docstring."""
        if self._stopping.is_set():
            raise ModemDead(f"stopping after {cause}")
        log.warning("modem: %s; reopening %s", cause, self.settings.port)
        self._set_state(ModemState.REOPENING, f"modem lost ({cause}); reopening")
        self._close()
        last: ModemError = cause
        deadline = time.monotonic() + self.settings.reopen_window
        delay = 0.2
        while True:
            try:
                self._open()
                log.info("modem: back after reopening the port")
                return
            except SimLocked:
                raise
            except ModemError as exc:
                last = exc
            if time.monotonic() + delay > deadline or self._stopping.wait(delay):
                break
            delay = min(delay * 2, 2.0)
        log.warning("modem: reopening did not help (%s); resetting it with AT+CFUN=1,1", last)
        self._set_state(ModemState.RESETTING, f"resetting modem ({last})")
        self._reset()
        deadline = time.monotonic() + self.settings.reset_wait
        while not self._stopping.is_set():
            try:
                self._open()
                log.info("modem: back after a reset")
                return
            except SimLocked:
                raise
            except ModemError as exc:
                last = exc
            if time.monotonic() + 0.5 > deadline or self._stopping.wait(0.5):
                break
        raise ModemDead(f"modem on {self.settings.port} did not come back after a reset: {last}")

    def _reset(self) -> None:
        """Send ``AT+CFUN=1,1`` on a fresh connection, without waiting for an answer."""
        self._close()
        driver = self._driver_factory(
            self.settings.port,
            self.settings.baudrate,
            lambda _event: None,
            command_timeout=self.settings.command_timeout,
        )
        try:
            driver.open_port()
            driver.write("AT+CFUN=1,1", waitForResponse=False)
        except Exception as exc:  # a modem that cannot even take the reset is left to time
            log.warning("modem: could not send the reset: %s", exc)
        finally:
            driver.close()

    # -- the work ------------------------------------------------------------------------------

    def _answered(self) -> None:
        self._last_answer = time.monotonic()

    def _heartbeat(self) -> None:
        lines = self._require().call("AT+CSQ", timeout=min(self.settings.command_timeout, 5.0))
        self._answered()
        for line in lines:
            match = _CSQ.match(line)
            if match:
                value = int(match.group(1))
                self.signal = None if value == 99 else value

    def _select(self, memory: str) -> None:
        if memory != self._memory:
            self._require().call(f'AT+CPMS="{memory}"')
            self._memory = memory

    def _deliver(self, incoming: Incoming) -> bool:
        try:
            self._on_message(incoming)
        except Exception:
            log.exception("a received message could not be stored; it stays in the modem")
            return False
        return True

    def _delete(self, memory: str, index: int) -> None:
        self._select(memory)
        try:
            self._require().call(f"AT+CMGD={index}")
        except CommandRejected as exc:
            log.warning("modem: could not delete message %s/%d: %s", memory, index, exc)

    def _take(self, memory: str, index: int) -> None:
        """Read one stored message, hand it over, delete it once it is safe."""
        try:
            self._select(memory)
            lines = self._require().call(f"AT+CMGR={index}")
        except CommandRejected as exc:
            log.debug("modem: message %s/%d is gone (%s)", memory, index, exc)
            return
        self._answered()
        pdu = None
        for position, line in enumerate(lines):
            if line.startswith("+CMGR:") and position + 1 < len(lines):
                pdu = lines[position + 1].strip()
        if pdu is None or not _HEX.match(pdu):
            log.warning("modem: unreadable answer for message %s/%d: %r", memory, index, lines)
            return
        if self._deliver(decode_incoming(pdu, memory=memory, index=index)):
            self._delete(memory, index)

    def _sweep(self) -> None:
        """List every message in each memory; store and delete each one."""
        self._next_sweep = time.monotonic() + self.settings.sweep_interval
        for memory in self._memories:
            try:
                self._select(memory)
                lines = self._require().call("AT+CMGL=4", timeout=self.settings.command_timeout * 3)
            except CommandRejected as exc:
                log.debug("modem: cannot list %s: %s", memory, exc)
                continue
            self._answered()
            found: list[tuple[int, str]] = []
            index: int | None = None
            for line in lines:
                match = _CMGL.match(line)
                if match:
                    index = int(match.group(1))
                elif index is not None and _HEX.match(line.strip()):
                    found.append((index, line.strip()))
                    index = None
            if found:
                log.info("modem: %d message(s) found in %s storage", len(found), memory)
            for position, pdu in found:
                if self._deliver(decode_incoming(pdu, memory=memory, index=position)):
                    self._delete(memory, position)

    def _send(self, send: _Send) -> SendReceipt:
        """Submit the parts from ``first_part`` on, journalling each on this thread."""
        driver = self._require()
        pdus = submit_pdus(send.number, send.text, send.reference)
        total = len(pdus)
        journal = send.journal
        references: list[int] = []
        for part in range(send.first_part, total + 1):
            length, pdu = pdus[part - 1]
            journal.sending(part, total)
            try:
                driver.call(
                    f"AT+CMGS={length}",
                    timeout=min(self.settings.command_timeout, 5.0),
                    expectedResponseTermSeq="> ",
                )
            except CommandRejected as exc:
                rejected = SendRejected("AT+CMGS", exc.code, exc.kind)
                journal.refused(part, str(rejected), transient=rejected.transient)
                raise rejected from exc
            except ModemError as exc:
                journal.interrupted(part, str(exc), maybe_sent=False)
                raise
            try:
                # Named, never shown: the PDU holds the citizen's number.
                lines = driver.call(
                    pdu, timeout=self.settings.send_timeout, writeTerm=CTRL_Z, shown="AT+CMGS PDU"
                )
            except CommandRejected as exc:
                rejected = SendRejected("AT+CMGS", exc.code, exc.kind)
                journal.refused(part, str(rejected), transient=rejected.transient)
                raise rejected from exc
            except ModemError as exc:
                journal.interrupted(part, str(exc), maybe_sent=True)
                raise
            self._answered()
            answer = next((line for line in lines if line.startswith("+CMGS:")), None)
            if answer is None:
                rejected = SendRejected("AT+CMGS")
                journal.refused(part, str(rejected), transient=True)
                raise rejected
            reference = int(answer.split(":")[1].strip() or 0)
            journal.accepted(part, total, reference)
            references.append(reference)
        return SendReceipt(tuple(references))
