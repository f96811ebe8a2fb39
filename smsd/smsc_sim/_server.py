"""An SMSC on 127.0.0.1 that speaks SMPP 3.4 to one short code's client, with faults.

It plays the telco's side of a short-code contract: it checks the bind's system_id and
password, delivers citizens' messages (MO) to the bound client as ``deliver_sm`` (long ones
as concatenated parts with a user data header), accepts the client's ``submit_sm`` (GSM-7 or
UCS2, with or without a header) and reads them back into text with its own codec, and sends
a delivery receipt for each accepted part that asked for one. Like a real SMSC it keeps
every ``deliver_sm`` until the client acknowledges it with ``deliver_sm_resp``: one that was
in flight when the connection broke is delivered again after the next bind.

Fault triggers (:class:`Faults`, changeable at any time) make it throttle
(``ESME_RTHROTTLED``), answer errors, drop the connection before answering a submit (so the
client cannot know whether it left), or refuse binds. Tests play the citizen's phone with
:meth:`SmscSimulator.deliver` and read the replies with :meth:`SmscSimulator.wait_replies`.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dossier import ICT
from hardware.sms_pdu import gsm7_text, is_gsm7
from smsd._smpp_fields import (
    DCS_BINARY,
    DCS_LATIN1,
    DCS_UCS2,
    ESM_DELIVERY_RECEIPT,
    ESM_UDHI,
    MESSAGE_STATES,
    address,
    encode,
    parts,
    receipt_text,
)
from smsd._smpp_fields import DCS_GSM7 as DCS_DEFAULT
from smsd.smsc_sim._smpp import (
    BINDS,
    Command,
    Pdu,
    ShortMessage,
    SmppError,
    Status,
    Tag,
    UserDataHeader,
    bind_resp_body,
    message_id_body,
    read_bind,
    read_short_message,
    read_udh,
    split_stream,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Submitted:
    """One ``submit_sm`` as the simulator read it, accepted or not."""

    source: str
    source_ton: int
    source_npi: int
    destination: str
    data_coding: int
    esm_class: int
    text: str
    udh: UserDataHeader | None
    registered_delivery: int
    status: int
    message_id: str
    at: float
    """``time.perf_counter()`` when it arrived."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A complete message the client sent: every part of a concatenated SMS joined."""

    source: str
    destination: str
    text: str
    parts: int
    data_coding: int
    message_ids: tuple[str, ...]


@dataclass(slots=True)
class Faults:
    """Fault triggers; change them at any time from a test."""

    throttle: int = 0
    """How many of the next ``submit_sm`` are answered ``ESME_RTHROTTLED``."""
    max_rate: float = 0.0
    """Submits per second beyond which each is answered ``ESME_RTHROTTLED`` (0: no limit)."""
    errors: collections.deque[int] = field(default_factory=collections.deque)
    """Command statuses for the next submits, one each (such as 0x45 submit failed)."""
    drop_on_submit: int = 0
    """How many of the next submits are taken (counted in :attr:`SmscSimulator.submits` and
    the replies) while the connection is closed before their response: the client cannot
    know that they left."""
    bind_status: int = 0
    """Answer every bind with this status (0: accept binds with the right credentials)."""
    response_delay: float = 0.0
    """Seconds before each ``submit_sm_resp``; submits in the window wait side by side, as a
    real SMSC answers them, each after its own delay."""
    receipt_stat: str = "DELIVRD"
    """The ``stat`` of delivery receipts (DELIVRD, UNDELIV, EXPIRED, REJECTD)."""
    ignore_deliver_resp: bool = False
    """Forget the client's ``deliver_sm_resp``: every MO stays unacknowledged."""


@dataclass(slots=True)
class _Outbound:
    """A ``deliver_sm`` waiting to be acknowledged: an MO part or a receipt."""

    message: ShortMessage
    kind: str  # "mo" or "receipt"


class SmscSimulator:
    """One simulated SMSC; :attr:`port` is where to connect (127.0.0.1)."""

    def __init__(
        self,
        *,
        system_id: str = "onestop",
        password: str = "secret",  # noqa: S107 - the simulator's well-known test password
        short_code: str = "8077",
        port: int = 0,
        window: int = 10,
    ) -> None:
        self.system_id = system_id
        self.password = password
        self.short_code = short_code
        self.window = window
        """Most ``deliver_sm`` in flight, unacknowledged, on one connection."""
        self.faults = Faults()
        self._listen = socket.create_server(("127.0.0.1", port))
        self.port: int = self._listen.getsockname()[1]
        self._lock = threading.Condition()
        self._outbox: collections.deque[_Outbound] = collections.deque()
        self._sessions: list[_Session] = []
        self._submits: list[Submitted] = []
        self._replies: list[Reply] = []
        self._partial: dict[tuple[str, str, int, int], dict[int, Submitted]] = {}
        self._message_ids = itertools.count(1)
        self._references = itertools.count(1)
        self._recent_submits: collections.deque[float] = collections.deque()
        self._listeners: list[Callable[[str, str], None]] = []
        self.binds = 0
        """Successful binds so far (a reconnecting client binds again)."""
        self.enquire_links = 0
        """``enquire_link`` requests received from clients."""
        self.acknowledged = 0
        """MO and receipt ``deliver_sm`` the client acknowledged with status 0."""
        self.nacked: list[int] = []
        """Statuses of ``deliver_sm_resp`` that refused a delivery (it is delivered again)."""
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="smsc-accept", daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> SmscSimulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listen.shutdown(socket.SHUT_RDWR)
        self._listen.close()
        self.drop()
        self._thread.join(5)

    def __enter__(self) -> SmscSimulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def add_listener(self, listener: Callable[[str, str], None]) -> None:
        """Call ``listener(kind, text)`` on each "bind", "submit", "deliver" and "ack"."""
        self._listeners.append(listener)

    def _notify(self, kind: str, text: str) -> None:
        for listener in self._listeners:
            listener(kind, text)

    # -- the network side, for tests ---------------------------------------------------------

    def deliver(
        self,
        sender: str,
        text: str,
        *,
        recipient: str | None = None,
        ucs2: bool | None = None,
        reference: int | None = None,
    ) -> int:
        """A citizen's SMS to the short code; a long one goes as concatenated parts.

        Returns the number of parts queued for delivery.
        """
        coding = DCS_UCS2 if ucs2 or (ucs2 is None and not is_gsm7(text)) else DCS_DEFAULT
        data = encode(text, coding)
        destination = recipient or self.short_code
        ref = next(self._references) % 256 if reference is None else reference
        chunks = parts(data, coding, ref)
        source = address(sender)
        for esm, chunk in chunks:
            self.deliver_raw(
                ShortMessage(
                    source_addr=source.digits,
                    source_addr_ton=source.ton,
                    source_addr_npi=source.npi,
                    destination_addr=destination,
                    dest_addr_ton=0,
                    esm_class=esm,
                    data_coding=coding,
                    short_message=chunk,
                )
            )
        return len(chunks)

    def deliver_raw(self, message: ShortMessage) -> None:
        """Queue one ``deliver_sm`` exactly as given (binary data, odd codings, TLVs)."""
        with self._lock:
            self._outbox.append(_Outbound(message, "mo"))
            self._lock.notify_all()

    def drop(self) -> None:
        """Close every client connection at once, as a broken link does."""
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()

    @property
    def pending(self) -> int:
        """``deliver_sm`` not yet acknowledged (queued or in flight)."""
        with self._lock:
            return len(self._outbox) + sum(len(s.in_flight) for s in self._sessions)

    def wait_delivered(self, timeout: float = 10.0) -> bool:
        """Block until the client acknowledged everything queued for it."""
        with self._lock:
            return self._lock.wait_for(
                lambda: not self._outbox and not any(s.in_flight for s in self._sessions),
                timeout,
            )

    @property
    def submits(self) -> list[Submitted]:
        with self._lock:
            return list(self._submits)

    @property
    def replies(self) -> list[Reply]:
        with self._lock:
            return list(self._replies)

    def wait_replies(self, count: int, timeout: float = 10.0) -> list[Reply]:
        """Block until at least ``count`` complete replies were accepted; return them all."""
        with self._lock:
            self._lock.wait_for(lambda: len(self._replies) >= count, timeout)
            return list(self._replies)

    def wait_binds(self, count: int, timeout: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: self.binds >= count, timeout)

    # -- connections -------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listen.accept()
            except OSError:
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            session = _Session(self, connection)
            with self._lock:
                self._sessions.append(session)
            session.start()

    def _ended(self, session: _Session) -> None:
        """A connection closed: what it had in flight is delivered again, first."""
        with self._lock:
            if session in self._sessions:
                self._sessions.remove(session)
            for sequence in sorted(session.in_flight, reverse=True):
                self._outbox.appendleft(session.in_flight.pop(sequence))
            self._lock.notify_all()

    def _check_bind(self, system_id: str, password: str) -> int:
        if self.faults.bind_status:
            return self.faults.bind_status
        if system_id != self.system_id:
            return Status.RINVSYSID
        if password != self.password:
            return Status.RINVPASWD
        return Status.ROK

    def _bound(self) -> None:
        with self._lock:
            self.binds += 1
            self._lock.notify_all()
        self._notify("bind", "")

    def _next_for(self, session: _Session) -> _Outbound | None:
        """Block until there is something to deliver on ``session`` and room in its window."""
        with self._lock:
            while not session.closed.is_set():
                if self._outbox and len(session.in_flight) < self.window:
                    return self._outbox.popleft()
                self._lock.wait(0.5)
        return None

    def _acknowledged(self, session: _Session, sequence: int, status: int) -> None:
        with self._lock:
            item = session.in_flight.get(sequence)
            if item is None or self.faults.ignore_deliver_resp:
                return
            del session.in_flight[sequence]
            if status == Status.ROK:
                self.acknowledged += 1
            else:
                self.nacked.append(status)
                self._outbox.append(item)  # refused: try again (as an SMSC retries)
            self._lock.notify_all()
        self._notify("ack", hex(status))

    def _judge_submit(self) -> tuple[int, bool]:
        """The status for the next submit, and whether to drop the link instead of answering."""
        faults = self.faults
        with self._lock:
            if faults.drop_on_submit > 0:
                faults.drop_on_submit -= 1
                return Status.ROK, True
            if faults.throttle > 0:
                faults.throttle -= 1
                return Status.RTHROTTLED, False
            if faults.errors:
                return faults.errors.popleft(), False
            if faults.max_rate > 0:
                now = time.monotonic()
                while self._recent_submits and self._recent_submits[0] <= now - 1.0:
                    self._recent_submits.popleft()
                if len(self._recent_submits) >= faults.max_rate:
                    return Status.RTHROTTLED, False
                self._recent_submits.append(now)
        return Status.ROK, False

    def _submitted(self, message: ShortMessage, status: int) -> Submitted:
        """Record one submit; an accepted one gets an id, a receipt when asked, and joins
        the replies once its message is complete."""
        data = message.message
        udh = read_udh(data) if message.esm_class & ESM_UDHI else None
        text = _decode(data[udh.length if udh else 0 :], message.data_coding)
        message_id = f"{next(self._message_ids):08X}" if status == Status.ROK else ""
        submitted = Submitted(
            source=message.source_addr,
            source_ton=message.source_addr_ton,
            source_npi=message.source_addr_npi,
            destination=message.destination_addr,
            data_coding=message.data_coding,
            esm_class=message.esm_class,
            text=text,
            udh=udh,
            registered_delivery=message.registered_delivery,
            status=status,
            message_id=message_id,
            at=time.perf_counter(),
        )
        with self._lock:
            self._submits.append(submitted)
            if status != Status.ROK:
                return submitted
            if message.registered_delivery & 0x01:
                self._outbox.append(_Outbound(self._receipt(submitted), "receipt"))
            self._join(submitted)
            self._lock.notify_all()
        self._notify("submit", message.destination_addr)
        return submitted

    def _join(self, part: Submitted) -> None:
        udh = part.udh
        if udh is None or udh.reference is None or udh.total <= 1:
            complete = [part]
        else:
            key = (part.source, part.destination, udh.reference, udh.total)
            collected = self._partial.setdefault(key, {})
            collected[udh.number] = part
            if len(collected) < udh.total:
                return
            del self._partial[key]
            complete = [collected[number] for number in sorted(collected)]
        text = "".join(item.text for item in complete)
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        self._replies.append(
            Reply(
                source=part.source,
                destination=part.destination,
                text=text,
                parts=len(complete),
                data_coding=part.data_coding,
                message_ids=tuple(item.message_id for item in complete),
            )
        )

    def _receipt(self, submitted: Submitted) -> ShortMessage:
        stamp = f"{dt.datetime.now(ICT):%y%m%d%H%M}"
        stat = self.faults.receipt_stat
        text = receipt_text(submitted.message_id, stat, stamp, stamp, submitted.text)
        return ShortMessage(
            source_addr=submitted.destination,
            source_addr_ton=1,
            source_addr_npi=1,
            destination_addr=submitted.source,
            dest_addr_ton=submitted.source_ton,
            dest_addr_npi=submitted.source_npi,
            esm_class=ESM_DELIVERY_RECEIPT,
            short_message=text.encode("ascii", "replace"),
            tlvs={
                Tag.RECEIPTED_MESSAGE_ID: submitted.message_id.encode("ascii") + b"\0",
                Tag.MESSAGE_STATE: bytes((MESSAGE_STATES[stat],)),
            },
        )


class _Session:
    """One client connection: a reader thread, and a pusher thread once bound to receive."""

    def __init__(self, smsc: SmscSimulator, connection: socket.socket) -> None:
        self.smsc = smsc
        self.connection = connection
        self.closed = threading.Event()
        self.in_flight: dict[int, _Outbound] = {}
        self._write_lock = threading.Lock()
        self._sequences = itertools.count(1)
        self._bound: Command | None = None
        self._reader = threading.Thread(target=self._read, name="smsc-session", daemon=True)
        self._pusher = threading.Thread(target=self._push, name="smsc-push", daemon=True)

    def start(self) -> None:
        self._reader.start()

    def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.connection.close()
        self.smsc._ended(self)

    def _send(self, pdu: Pdu) -> None:
        if self.closed.is_set():
            return
        with self._write_lock:
            try:
                self.connection.sendall(pdu.encode())
            except OSError:
                self.close()

    def _read(self) -> None:
        buffer = bytearray()
        try:
            while not self.closed.is_set():
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                for pdu in split_stream(buffer):
                    self._handle(pdu)
        except SmppError as exc:
            log.warning("smsc: closing a connection that sent %s", exc)
            self._send(Pdu(Command.GENERIC_NACK, exc.status, 0))
        except OSError:
            pass
        finally:
            self.close()

    def _handle(self, pdu: Pdu) -> None:
        command = pdu.command
        if command in BINDS:
            self._bind(pdu)
        elif command == Command.ENQUIRE_LINK:
            with self.smsc._lock:
                self.smsc.enquire_links += 1
            self._send(Pdu(Command.ENQUIRE_LINK_RESP, Status.ROK, pdu.sequence))
        elif command == Command.UNBIND:
            self._send(Pdu(Command.UNBIND_RESP, Status.ROK, pdu.sequence))
            self.close()
        elif command == Command.DELIVER_SM_RESP:
            self.smsc._acknowledged(self, pdu.sequence, pdu.status)
        elif command == Command.SUBMIT_SM:
            self._submit(pdu)
        elif command in (Command.ENQUIRE_LINK_RESP, Command.GENERIC_NACK):
            pass
        elif command & 0x80000000:
            pass  # a response to nothing we asked: ignore, as SMSCs do
        else:
            self._send(Pdu(Command.GENERIC_NACK, Status.RINVCMDID, pdu.sequence))

    def _bind(self, pdu: Pdu) -> None:
        response = Command(pdu.command | 0x80000000)
        if self._bound is not None:
            self._send(Pdu(response, Status.RALYBND, pdu.sequence))
            return
        try:
            bind = read_bind(pdu.body)
        except SmppError as exc:
            self._send(Pdu(response, exc.status, pdu.sequence))
            return
        status = self.smsc._check_bind(bind.system_id, bind.password)
        if status != Status.ROK:
            self._send(Pdu(response, status, pdu.sequence))
            return
        self._bound = Command(pdu.command)
        self._send(Pdu(response, Status.ROK, pdu.sequence, bind_resp_body("onestop-smsc")))
        self.smsc._bound()
        if self._bound in (Command.BIND_RECEIVER, Command.BIND_TRANSCEIVER):
            self._pusher.start()

    def _submit(self, pdu: Pdu) -> None:
        if self._bound not in (Command.BIND_TRANSMITTER, Command.BIND_TRANSCEIVER):
            self._send(Pdu(Command.SUBMIT_SM_RESP, Status.RINVBNDSTS, pdu.sequence))
            return
        try:
            message = read_short_message(pdu.body)
            if message.data_coding not in (DCS_DEFAULT, DCS_UCS2, DCS_LATIN1, DCS_BINARY):
                raise SmppError(f"data_coding {message.data_coding:#x}", Status.RSUBMITFAIL)
            _decode(message.message, message.data_coding)
        except (SmppError, ValueError) as exc:
            refusal = exc.status if isinstance(exc, SmppError) else Status.RSUBMITFAIL
            log.info("smsc: refusing a submit_sm: %s", exc)
            self._send(Pdu(Command.SUBMIT_SM_RESP, refusal, pdu.sequence))
            return
        status, drop = self.smsc._judge_submit()
        submitted = self.smsc._submitted(message, status)
        if drop:
            self.close()
            return
        body = message_id_body(submitted.message_id) if status == Status.ROK else b""
        response = Pdu(Command.SUBMIT_SM_RESP, status, pdu.sequence, body)
        delay = self.smsc.faults.response_delay
        if delay:
            timer = threading.Timer(delay, self._send, (response,))
            timer.daemon = True
            timer.start()
        else:
            self._send(response)

    def _push(self) -> None:
        while not self.closed.is_set():
            item = self.smsc._next_for(self)
            if item is None:
                return
            sequence = next(self._sequences)
            with self.smsc._lock:
                self.in_flight[sequence] = item
            if self.closed.is_set():
                self.smsc._ended(self)
                return
            self._send(Pdu(Command.DELIVER_SM, Status.ROK, sequence, item.message.encode()))
            self.smsc._notify("deliver", item.kind)


def _decode(data: bytes, coding: int) -> str:
    """The text of a message's user data; ValueError when it is not valid in its coding."""
    if coding == DCS_UCS2:
        if len(data) % 2:
            raise ValueError("UCS2 text of an odd number of octets")
        return data.decode("utf-16-be", "surrogatepass")
    if coding == DCS_DEFAULT:
        if any(octet > 0x7F for octet in data):
            raise ValueError("a GSM-7 octet above 0x7F")
        return gsm7_text(list(data))
    if coding == DCS_LATIN1:
        return data.decode("latin-1")
    return data.hex()
