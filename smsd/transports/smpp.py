"""SMPP 3.4 straight to a telco's SMSC or an aggregator, for a short code, with smpplib.

smpplib's client is not thread-safe, so one thread (``smpp``) owns the socket and does
everything on it: bind, read, submit, ``enquire_link``, reconnect. Other threads only queue
sends and wake it through a socket pair.

Receiving: each ``deliver_sm`` is decoded (GSM-7, Latin-1, UCS2 or binary; a user data
header or SAR parameters make it one part of a long message) and handed to the inbox, which
keeps it durably before its ``deliver_sm_resp`` goes out. Every PDU waiting on the socket is
read at once and what they bring (messages, receipts, submit outcomes) is committed together
(:meth:`Inbox.batch`), before any of them is answered: under load, one disk flush serves
many. If keeping one fails the answer is ``ESME_RX_T_APPN`` and the SMSC delivers it again
later; if the daemon dies before answering, the SMSC delivers it again after the next bind.
Once the response has gone out the inbox hears of it (:meth:`Inbox.acknowledged`), so that
the store can tell a re-delivery (never acknowledged) from a citizen sending the same text
again; when the link breaks, the acknowledgements of its last seconds are put in doubt
(:meth:`Inbox.acknowledgements_in_doubt`: the SMSC may not have read them and may deliver
those messages again). Delivery receipts are matched by the ``message_id`` the SMSC gave
each part.

Sending: parts of one message go one after another (each ``submit_sm`` journalled before
it leaves and its ``submit_sm_resp`` journalled the moment it is read), several messages
at a time up to the contract's ``window`` (marked ``sending`` in one commit before the first
leaves), no faster than ``submit_rate``. ``ESME_RTHROTTLED`` and ``ESME_RMSGQFUL`` ask us to
slow down: submitting pauses (the pause doubles while the SMSC keeps asking) and the same
part goes again after it; the part did not leave and it is no fault of the reply, so it is
journalled as not sent (the reply is ``pending`` again while it waits, so a crash in the
pause does not take it for cut off) and never counts as a failed attempt. Other refusals
are journalled as refused (transient ones count toward the reply's retries, permanent ones
give up at once). A link that breaks with parts in flight journals them as interrupted
(they may have left), then reconnects with a doubling backoff.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import logging
import select
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.exceptions

from hardware.modem import Incoming, PartInfo, SendJournal
from hardware.sms_pdu import gsm7_text
from smsd._smpp_fields import ESM_UDHI, STATE_WORDS, address, number, receipt_fields
from smsd.transports._base import (
    Inbox,
    Receipt,
    Received,
    Route,
    RouteState,
    Sent,
    SimUsage,
    Submission,
    TransportKind,
)
from smsd.transports._errors import SubmitRefused, TransportUnavailable
from smsd.transports._segments import Segment, segments

log = logging.getLogger(__name__)

THROTTLE_PAUSE = 1.0
"""Seconds without submitting after ``ESME_RTHROTTLED`` or ``ESME_RMSGQFUL`` (the SMSC asks
us to slow down); doubled for each further request that comes after a pause, up to
:data:`THROTTLE_MAX`."""
THROTTLE_MAX = 30.0
READ_BATCH = 64
"""Most PDUs read before what they bring is committed and answered."""
ACK_DOUBT = 10.0
"""Seconds of ``deliver_sm_resp`` before the last PDU read from a link that then broke (or
before the last acknowledgement of a run that crashed) that the SMSC may never have read.
Generous: putting a message in doubt costs only this, that the citizen's own identical
message, if one comes, is taken for the SMSC's re-delivery of it once."""

_ESM_TYPE = 0x3C
_ESM_RECEIPT_TYPES = (0x04, 0x08, 0x10, 0x20)
"""esm_class message types of SMSC delivery receipts and intermediate notifications."""
_ROK = 0x00
_SLOW_DOWN = frozenset({0x14, 0x58})
"""Statuses that ask to slow down, not refusals: message queue full, throttled."""
_TEMPORARY_APP_ERROR = 0x64
_TRANSIENT = frozenset({0x08, 0x45, 0x64, 0xFE, 0xFF})
"""Refusals worth retrying later: system error, submit failed, temporary application
error, delivery failure, unknown error (SMPP 3.4 section 5.1.3)."""


@dataclass(frozen=True, slots=True)
class SmppSettings:
    """The contract with the SMSC: where, who, how fast."""

    host: str
    port: int
    system_id: str
    password: str
    source_addr: str
    """The short code replies come from."""
    system_type: str = ""
    source_ton: int = 3
    """Type of number of ``source_addr``: 3 network specific (short codes), 5 alphanumeric."""
    source_npi: int = 0
    submit_rate: float = 50.0
    """Most ``submit_sm`` a second."""
    window: int = 10
    """Most ``submit_sm`` awaiting their response at once."""
    enquire_interval: float = 30.0
    response_timeout: float = 10.0
    reconnect_min: float = 1.0
    reconnect_max: float = 60.0
    delivery_receipts: bool = True


@dataclass(eq=False, slots=True)
class _Send:
    number: str
    segments: list[Segment]
    next_part: int
    journal: SendJournal
    future: concurrent.futures.Future[Sent]
    references: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _InFlight:
    send: _Send
    part: int
    since: float


class _LinkLost(Exception):
    """The connection broke or stopped answering."""


class SmppLink:
    """One bound SMPP transceiver; see the module docstring for the guarantees."""

    kind = TransportKind.SMPP

    def __init__(self, settings: SmppSettings, inbox: Inbox) -> None:
        self.settings = settings
        self._inbox = inbox
        self.state = RouteState.STARTING
        self.ready = threading.Event()
        """Set at the first bind."""
        self.finished = threading.Event()
        self.failure: str | None = None
        self._lock = threading.Lock()
        self._queue: collections.deque[_Send] = collections.deque()
        self._ready: collections.deque[_Send] = collections.deque()
        self._in_flight: dict[int, _InFlight] = {}
        self._last_read = time.time()
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._client: smpplib.client.Client | None = None
        self._tokens = 1.0
        self._refilled = time.monotonic()
        self._paused_until = 0.0
        self._pause = THROTTLE_PAUSE
        self._slowed = False
        """Asked to slow down since the last part accepted."""
        self._last_io = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="smpp", daemon=True)

    # -- the interface for the daemon ---------------------------------------------------------

    @property
    def route_name(self) -> str:
        """Replies leave from the short code of the contract."""
        return self.settings.source_addr

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Wait up to ``timeout`` for parts in flight, unbind, close; queued sends are
        cancelled (their replies stay pending for the next start)."""
        self._stopping.set()
        self._wake()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout + 5)

    def routes(self) -> list[Route]:
        where = f"{self.settings.host}:{self.settings.port}"
        return [Route(self.route_name, self.state, f"SMPP link to {where} {self.state}")]

    def route_for(self, submission: Submission, usage: Mapping[str, SimUsage]) -> str | None:
        return self.route_name if self.state is RouteState.READY else None

    def send(self, submission: Submission, journal: SendJournal) -> concurrent.futures.Future[Sent]:
        """Queue a message; the future ends with the SMSC's ids or a ``TransportError``.

        The submission's ``reference`` is the concatenation reference of a long text, kept by
        the daemon so that a message resumed at ``first_part`` carries the same one.
        """
        future: concurrent.futures.Future[Sent] = concurrent.futures.Future()
        item = _Send(
            submission.number,
            segments(submission.text, submission.reference),
            submission.first_part,
            journal,
            future,
        )
        with self._lock:
            self._queue.append(item)
        self._wake()
        return future

    # -- the link thread -------------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            self._wake_w.send(b"!")

    def _set_state(self, state: RouteState, detail: str) -> None:
        self.state = state
        if state is RouteState.READY:
            self.ready.set()
        try:
            self._inbox.route_changed(self.route_name, state, detail)
        except Exception:
            log.exception("smpp: state callback failed")

    def _run(self) -> None:
        delay = self.settings.reconnect_min
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            while not self._stopping.is_set():
                try:
                    self._connect()
                    delay = self.settings.reconnect_min
                    self._set_state(RouteState.READY, f"bound to {where}")
                    log.info("smpp: bound as a transceiver to %s", where)
                    self._serve()
                except (_LinkLost, smpplib.exceptions.ConnectionError, OSError) as exc:
                    reason = str(exc) or type(exc).__name__
                    self._lost(f"link to {where} lost: {reason}")
                except smpplib.exceptions.PDUError as exc:
                    self._lost(f"bind to {where} refused: {exc.args[0]}")
                else:
                    self._lost("stopping")
                    return
                if self._stopping.is_set():
                    return
                self._set_state(RouteState.DOWN, f"reconnecting to {where} in {delay:g} s")
                self._stopping.wait(delay)
                delay = min(delay * 2, self.settings.reconnect_max)
        except Exception as exc:
            log.exception("smpp: link thread failed")
            self._lost(f"unexpected failure: {exc}")
            self.failure = f"the SMPP link failed: {exc}"
            self._set_state(RouteState.DOWN, str(exc))
        finally:
            self._cancel_queued()
            if self.failure is None:
                self._set_state(RouteState.STOPPED, "stopped")
            self._wake_r.close()
            self._wake_w.close()
            self.finished.set()

    def _connect(self) -> None:
        settings = self.settings
        client = smpplib.client.Client(
            settings.host,
            settings.port,
            timeout=settings.response_timeout,
            allow_unknown_opt_params=True,
            logger_name="smsd.transports.smpp.wire",
        )
        self._client = client
        client.connect()
        client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.bind_transceiver(
            system_id=settings.system_id,
            password=settings.password,
            system_type=settings.system_type,
            interface_version=0x34,
            addr_ton=settings.source_ton,
            addr_npi=settings.source_npi,
        )
        self._last_io = time.monotonic()

    def _require(self) -> smpplib.client.Client:
        if self._client is None:
            raise _LinkLost("not connected")
        return self._client

    def _serve(self) -> None:
        client = self._require()
        while True:
            if self._stopping.is_set() and not self._draining():
                with contextlib.suppress(Exception):
                    client.unbind()
                return
            self._submit_ready()
            now = time.monotonic()
            self._check_timeouts(now)
            if now - self._last_io >= self.settings.enquire_interval:
                client.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=client))
                self._last_io = now
            readable, _, _ = select.select(
                [client._socket, self._wake_r], [], [], self._next_wait(now)
            )
            if self._wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    self._wake_r.recv(4096)
            if client._socket in readable:
                self._read_available(client)

    def _read_available(self, client: smpplib.client.Client) -> None:
        """Read every PDU waiting (up to :data:`READ_BATCH`), keep what they bring in one
        commit, then answer the ``deliver_sm`` among them and note the answers."""
        pdus: list[Any] = []
        while len(pdus) < READ_BATCH:
            try:
                pdus.append(client.read_pdu())
            except TimeoutError as exc:
                raise _LinkLost("a PDU arrived only in part") from exc
            if not select.select([client._socket], [], [], 0)[0]:
                break
        self._last_io = time.monotonic()
        self._last_read = time.time()
        answers: list[tuple[Any, int, object]] = []
        try:
            with self._inbox.batch():
                for pdu in pdus:
                    answer = self._handle(client, pdu)
                    if answer is not None:
                        answers.append((pdu, *answer))
        except _LinkLost:
            raise
        except Exception:
            log.exception("smpp: what was read could not be stored; the SMSC will deliver it again")
            answers = [(pdu, _TEMPORARY_APP_ERROR, None) for pdu, _, _ in answers]
        for pdu, status, _ in answers:
            response = smpplib.smpp.make_pdu("deliver_sm_resp", client=client, status=status)
            response.sequence = pdu.sequence
            client.send_pdu(response)
        tokens = [token for _, status, token in answers if status == _ROK and token is not None]
        if tokens:
            try:
                with self._inbox.batch():
                    for token in tokens:
                        self._inbox.acknowledged(token)
            except Exception:
                log.exception("smpp: could not note the acknowledged messages")

    def _handle(self, client: smpplib.client.Client, pdu: Any) -> tuple[int, object] | None:
        """Act on one PDU read; for a ``deliver_sm``, the status to answer and its token."""
        command = pdu.command
        if pdu.is_error():
            self._error_pdu(pdu)
        if command == "submit_sm_resp":
            self._submitted(pdu)
        elif command == "deliver_sm":
            return self._received(pdu)
        elif command == "enquire_link":
            response = smpplib.smpp.make_pdu("enquire_link_resp", client=client)
            response.sequence = pdu.sequence
            client.send_pdu(response)
        elif command == "unbind":
            response = smpplib.smpp.make_pdu("unbind_resp", client=client)
            response.sequence = pdu.sequence
            with contextlib.suppress(Exception):
                client.send_pdu(response)
            raise _LinkLost("the SMSC unbound")
        elif command not in ("enquire_link_resp", "generic_nack", "unbind_resp"):
            log.info("smpp: ignored a %s from the SMSC", command)
        return None

    def _draining(self) -> bool:
        """While stopping: are parts still awaiting their response (given a little time)?"""
        return bool(self._in_flight)

    def _next_wait(self, now: float) -> float:
        wait = self.settings.enquire_interval - (now - self._last_io)
        if self._in_flight:
            oldest = min(item.since for item in self._in_flight.values())
            wait = min(wait, oldest + self.settings.response_timeout - now)
        if self._has_work() and len(self._in_flight) < self.settings.window:
            wait = min(wait, max(self._paused_until - now, self._token_wait()))
        return max(wait, 0.0)

    def _has_work(self) -> bool:
        with self._lock:
            return bool(self._ready or self._queue)

    def _check_timeouts(self, now: float) -> None:
        for item in self._in_flight.values():
            if now - item.since > self.settings.response_timeout:
                raise _LinkLost(f"no submit_sm_resp in {self.settings.response_timeout:g} s")

    # -- sending -------------------------------------------------------------------------------

    def _token_wait(self) -> float:
        self._refill()
        if self._tokens >= 1.0:
            return 0.0
        return (1.0 - self._tokens) / self.settings.submit_rate

    def _refill(self) -> None:
        now = time.monotonic()
        burst = max(1.0, min(float(self.settings.window), self.settings.submit_rate))
        self._tokens = min(burst, self._tokens + (now - self._refilled) * self.settings.submit_rate)
        self._refilled = now

    def _next_send(self) -> _Send | None:
        with self._lock:
            if self._ready:
                return self._ready.popleft()
            while self._queue:
                item = self._queue.popleft()
                if item.future.set_running_or_notify_cancel():
                    return item
        return None

    def _submit_ready(self) -> None:
        """Submit what the window and the rate allow, all marked ``sending`` in one commit
        before the first leaves."""
        if self._stopping.is_set():
            return
        chosen: list[_Send] = []
        while len(self._in_flight) + len(chosen) < self.settings.window:
            if time.monotonic() < self._paused_until or self._token_wait() > 0:
                break
            item = self._next_send()
            if item is None:
                break
            self._tokens -= 1.0
            chosen.append(item)
        if not chosen:
            return
        marked: list[_Send] = []
        try:
            with self._inbox.batch():
                for item in chosen:
                    try:
                        item.journal.sending(item.next_part, len(item.segments))
                    except Exception as exc:
                        log.exception("smpp: a send's journal failed; the message stays unsent")
                        item.future.set_exception(exc)
                    else:
                        marked.append(item)
        except Exception as exc:  # the commit failed: none of them is marked
            log.exception("smpp: the sends could not be journalled; they stay unsent")
            for item in marked:
                item.future.set_exception(exc)
            return
        for item in marked:
            self._submit(item)

    def _submit(self, item: _Send) -> None:
        """Put the part in hand on the wire (its ``sending`` is already committed)."""
        client = self._require()
        part = item.next_part
        segment = item.segments[part - 1]
        destination = address(item.number)
        pdu = client.send_message(
            source_addr_ton=self.settings.source_ton,
            source_addr_npi=self.settings.source_npi,
            source_addr=self.settings.source_addr,
            dest_addr_ton=destination.ton,
            dest_addr_npi=destination.npi,
            destination_addr=destination.digits,
            esm_class=segment.esm_class,
            data_coding=segment.data_coding,
            short_message=segment.short_message,
            registered_delivery=1 if self.settings.delivery_receipts else 0,
        )
        self._in_flight[int(pdu.sequence)] = _InFlight(item, part, time.monotonic())
        self._last_io = time.monotonic()

    def _submitted(self, pdu: Any) -> None:
        """``submit_sm_resp`` read (on this thread): write the outcome down at once."""
        flight = self._in_flight.pop(int(pdu.sequence), None)
        if flight is None:
            return
        item, part = flight.send, flight.part
        total = len(item.segments)
        status = int(pdu.status)
        if status == _ROK:
            self._slowed = False
            reference = _text(getattr(pdu, "message_id", b""))
            self._finish_part(item, part, total, reference)
        elif status in _SLOW_DOWN:
            self._slow_down(item, part, status)
        else:
            transient = status in _TRANSIENT
            reason = f"submit_sm refused: status {status:#04x} ({_describe(status)})"
            self._fail(item, part, reason, transient)

    def _slow_down(self, item: _Send, part: int, status: int) -> None:
        """Pause submitting, and send the part again after the pause: journalled as not
        sent, so that the reply waits as ``pending`` and no attempt is counted."""
        now = time.monotonic()
        if now >= self._paused_until:  # not one more answer to what left before the pause
            self._pause = min(self._pause * 2, THROTTLE_MAX) if self._slowed else THROTTLE_PAUSE
            self._slowed = True
            self._paused_until = now + self._pause
            log.info(
                "smpp: the SMSC asks to slow down (%s); pausing for %g s",
                _describe(status),
                self._pause,
            )
        reason = f"the SMSC asked to slow down ({_describe(status)}); sending it again"
        try:
            item.journal.interrupted(part, reason, maybe_sent=False)
        except Exception as exc:
            log.exception("smpp: a send's journal failed")
            item.future.set_exception(exc)
            return
        with self._lock:
            self._ready.appendleft(item)

    def _finish_part(self, item: _Send, part: int, total: int, reference: str) -> None:
        try:
            item.journal.accepted(part, total, reference)
        except Exception as exc:
            log.exception("smpp: a send's journal failed after the SMSC took a part")
            item.future.set_exception(exc)
            return
        item.references.append(reference)
        if part < total:
            item.next_part = part + 1
            with self._lock:
                self._ready.appendleft(item)
        else:
            item.future.set_result(Sent(tuple(item.references)))

    def _fail(self, item: _Send, part: int, reason: str, transient: bool) -> None:
        try:
            item.journal.refused(part, reason, transient=transient)
        finally:
            item.future.set_exception(SubmitRefused(reason, transient=transient))

    def _error_pdu(self, pdu: Any) -> None:
        """An error status: submit responses are judged in ``_submitted``; a generic_nack
        for a submit refuses it."""
        if pdu.command == "generic_nack":
            flight = self._in_flight.pop(int(pdu.sequence), None)
            if flight is not None:
                reason = f"generic_nack: status {int(pdu.status):#04x}"
                self._fail(flight.send, flight.part, reason, transient=True)
        elif pdu.command not in ("submit_sm_resp",):
            log.warning("smpp: the SMSC answered %s with status %#x", pdu.command, pdu.status)

    def _lost(self, reason: str) -> None:
        """The link is gone: parts in flight may have left; sends waiting for their next
        part did not; the last acknowledgements may not have arrived."""
        client, self._client = self._client, None
        if reason != "stopping":
            log.warning("smpp: %s", reason)
            if client is not None:
                try:
                    self._inbox.acknowledgements_in_doubt(self._last_read - ACK_DOUBT)
                except Exception:
                    log.exception("smpp: could not put the last acknowledgements in doubt")
        if client is not None:
            with contextlib.suppress(Exception):
                client.disconnect()
        in_flight, self._in_flight = self._in_flight, {}
        for flight in in_flight.values():
            self._interrupt(flight.send, flight.part, reason, maybe_sent=True)
        with self._lock:
            ready = list(self._ready)
            self._ready.clear()
        for item in ready:
            self._interrupt(item, item.next_part, reason, maybe_sent=False)

    def _interrupt(self, item: _Send, part: int, reason: str, *, maybe_sent: bool) -> None:
        try:
            item.journal.interrupted(part, reason, maybe_sent=maybe_sent)
        except Exception:
            log.exception("smpp: a send's journal failed")
        item.future.set_exception(TransportUnavailable(reason))

    def _cancel_queued(self) -> None:
        with self._lock:
            queued = list(self._queue)
            self._queue.clear()
        for item in queued:
            item.future.cancel()

    # -- receiving -----------------------------------------------------------------------------

    def _received(self, pdu: Any) -> tuple[int, object]:
        """``deliver_sm`` read (on this thread): keep it; the status to answer, and the token
        to note once the answer went out."""
        try:
            if int(pdu.esm_class) & _ESM_TYPE in _ESM_RECEIPT_TYPES:
                receipt = _receipt(pdu)
                if receipt is not None:
                    self._inbox.receipt(receipt)
                return _ROK, None
            received = Received(
                _incoming(pdu), via=_text(pdu.destination_addr), acknowledged_later=True
            )
            return _ROK, self._inbox.received(received)
        except Exception:
            log.exception("smpp: a received message could not be stored; the SMSC will retry")
            return _TEMPORARY_APP_ERROR, None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1").rstrip("\0")
    return "" if value is None else str(value)


def _describe(status: int) -> str:
    return str(smpplib.consts.DESCRIPTIONS.get(status, "unknown status"))


def _receipt(pdu: Any) -> Receipt | None:
    """The receipted id and state from the TLVs, or from the receipt text (appendix B)."""
    reference = _text(getattr(pdu, "receipted_message_id", None))
    state_code = getattr(pdu, "message_state", None)
    state = STATE_WORDS.get(int(state_code), "") if state_code is not None else ""
    fields = receipt_fields(_text(getattr(pdu, "short_message", b"")))
    reference = reference or fields.get("id", "")
    state = state or fields.get("stat", "").upper()
    if not reference:
        log.warning("smpp: a delivery receipt without a message id")
        return None
    return Receipt(reference, delivered=state == "DELIVRD", state=state or "UNKNOWN")


def _coding(data_coding: int) -> str:
    """How a deliver_sm's data_coding says its octets are written (SMPP 3.4 5.2.19, and the
    GSM 03.38 coding groups from 0x10 on)."""
    if data_coding in (0x00, 0x01):
        return "gsm7" if data_coding == 0x00 else "ascii"
    if data_coding == 0x03:
        return "latin-1"
    if data_coding == 0x08:
        return "ucs2"
    if data_coding < 0x10:
        return "binary"
    if data_coding & 0xF0 == 0xF0:
        return "binary" if data_coding & 0x04 else "gsm7"
    if data_coding & 0xC0 == 0x00:
        alphabet = (data_coding >> 2) & 0x03
        return {0: "gsm7", 1: "binary", 2: "ucs2"}.get(alphabet, "binary")
    return "binary"


def _incoming(pdu: Any) -> Incoming:
    """A ``deliver_sm`` as the store keeps received SMS (see ``hardware.modem.Incoming``)."""
    sender = number(int(pdu.source_addr_ton or 0), _text(pdu.source_addr))
    data: bytes = getattr(pdu, "message_payload", None) or pdu.short_message or b""
    raw = "smpp:" + data.hex()
    part: PartInfo | None = None
    port = False
    if int(pdu.esm_class) & ESM_UDHI:
        if not data or data[0] + 1 > len(data):
            return Incoming(raw, sender, "", None, error="a user data header longer than the SMS")
        size = data[0] + 1
        index = 1
        while index + 1 < size:
            iei, length = data[index], data[index + 1]
            element = data[index + 2 : index + 2 + length]
            if iei == 0x00 and length == 3 and element[1] > 1:
                part = PartInfo(element[0], element[1], element[2])
            elif iei == 0x08 and length == 4 and element[2] > 1:
                part = PartInfo((element[0] << 8) | element[1], element[2], element[3])
            elif iei in (0x04, 0x05):
                port = True
            index += 2 + length
        data = data[size:]
    total = getattr(pdu, "sar_total_segments", None)
    if part is None and total and int(total) > 1:
        part = PartInfo(
            int(pdu.sar_msg_ref_num), int(total), int(getattr(pdu, "sar_segment_seqnum", 1))
        )
    coding = _coding(int(pdu.data_coding or 0))
    if coding == "binary" or port:
        return Incoming(raw, sender, "", None, binary=True)
    try:
        if coding == "gsm7":
            text = gsm7_text([octet & 0x7F for octet in data])
        elif coding == "ucs2":
            text = data.decode("utf-16-be", "surrogatepass")
        else:
            text = data.decode(coding)
    except (UnicodeDecodeError, IndexError) as exc:
        return Incoming(raw, sender, "", None, error=f"{coding} text that does not decode: {exc}")
    if part is None:
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return Incoming(raw, sender, text, None, part=part)
