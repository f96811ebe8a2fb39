"""Kannel (Debian's ``kannel``) in front of the daemon: its bearerbox holds the telco's SMPP
link or the AT modems, its smsbox talks HTTP to us.

Receiving: smsbox calls ``GET /kannel/mo?...`` (an ``sms-service`` with ``get-url``, see
``provision``'s Kannel template) for every message. The daemon stores it, keyed on Kannel's
own message id (``%I``), and answers at once with an empty body; the lookup and the reply
happen later, never inside that request (smsbox gives up after its HTTP timeout, and a
reply in the body would bypass the daemon's journal). If storing fails the answer is 503 and
smsbox asks again after ``http-queue-delay``; the same id is kept once. smsbox calls for a
burst all at once: one thread keeps every request waiting in one commit, then lets them all
answer (delivery reports too).

Sending: each reply is one ``sendsms`` request, journalled before and after; the replies
waiting are taken together (up to :data:`SEND_BATCH`), marked ``sending`` in one commit, requested
side by side, and their outcomes written in one commit before anyone hears of them. Each
request has ``smsc=`` the Kannel SMSC that received the message, so that the answer leaves
from the number the citizen texted; ``coding=2&charset=utf-8`` when the text is not GSM-7
(without it Vietnamese arrives as ``H? s?``); a ``dlr-url`` back to ``/kannel/dlr`` so that
delivery reports reach the store. Kannel splits long texts itself (``concatenation``), so
a reply is one part here.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.server
import logging
import queue
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

from hardware.modem import Incoming, SendJournal
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
from smsd.transports._segments import DCS_UCS2, encode_text

log = logging.getLogger(__name__)

MO_PATH = "/kannel/mo"
DLR_PATH = "/kannel/dlr"
MO_QUERY = "id=%I&from=%p&to=%P&smsc=%i&coding=%c&charset=%C&udh=%u&text=%b"
"""What smsbox puts after ``MO_PATH`` (Kannel's escape codes): the template's get-url."""
DLR_QUERY = "type=%d&smsc=%i"
_DLR_DELIVERED, _DLR_FAILED, _DLR_SMSC_REJECTED = 1, 2, 16
DLR_MASK = _DLR_DELIVERED | _DLR_FAILED | _DLR_SMSC_REJECTED


@dataclass(frozen=True, slots=True)
class KannelSettings:
    """Where Kannel and the daemon meet."""

    listen: tuple[str, int]
    """Host and port of the daemon's endpoint that smsbox calls."""
    sendsms_url: str
    username: str
    password: str
    sender: str = ""
    """The ``from`` of replies when Kannel's own default should not be used."""
    workers: int = 8
    """sendsms requests at the same time."""
    timeout: float = 10.0


_Outgoing = tuple[Submission, SendJournal, "concurrent.futures.Future[Sent]"]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """How one sendsms went: written down first, then told to the caller."""

    reference: str
    refused: str | None = None
    transient: bool = False
    code: int | None = None
    interrupted: str | None = None
    maybe_sent: bool = False

    def record(self, journal: SendJournal) -> None:
        if self.interrupted is not None:
            journal.interrupted(1, self.interrupted, maybe_sent=self.maybe_sent)
        elif self.refused is not None:
            journal.refused(1, self.refused, transient=self.transient)
        else:
            journal.accepted(1, 1, self.reference)

    def settle(self, future: concurrent.futures.Future[Sent]) -> None:
        if self.interrupted is not None:
            future.set_exception(TransportUnavailable(self.interrupted))
        elif self.refused is not None:
            error = SubmitRefused(self.refused, code=self.code, transient=self.transient)
            future.set_exception(error)
        else:
            future.set_result(Sent((self.reference,)))


SEND_BATCH = 32
"""Most replies taken together: marked in one commit, their outcomes written in one."""
KEEP_BATCH = 64
"""Most requests kept in one commit."""
KEEP_PATIENCE = 30.0
"""Seconds a request waits to be kept before smsbox is told to ask again (503)."""


_T = TypeVar("_T")


def _waiting(waiting: queue.Queue[_T | None], first: _T, limit: int) -> list[_T]:
    """``first`` and what else waits in the queue, up to ``limit`` items; a stop (None) met
    on the way is put back, for after this round."""
    items = [first]
    with contextlib.suppress(queue.Empty):
        while len(items) < limit:
            following = waiting.get_nowait()
            if following is None:
                waiting.put(None)
                break
            items.append(following)
    return items


class _Keeper:
    """One thread that keeps what the HTTP threads hand it, every waiting one in one commit."""

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox
        self._queue: queue.Queue[
            tuple[Callable[[], object], concurrent.futures.Future[object]] | None
        ] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="kannel-keeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(KEEP_PATIENCE)

    def keep(self, action: Callable[[], object]) -> object:
        """Run ``action`` (a write to the inbox) on the keeper; raises what it raised, or
        TimeoutError; returns what it returned once it is committed."""
        done: concurrent.futures.Future[object] = concurrent.futures.Future()
        self._queue.put((action, done))
        return done.result(KEEP_PATIENCE)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            items = _waiting(self._queue, item, KEEP_BATCH)
            kept: list[tuple[concurrent.futures.Future[object], object]] = []
            try:
                with self._inbox.batch():
                    for action, done in items:
                        try:
                            result = action()
                        except Exception as exc:
                            done.set_exception(exc)
                        else:
                            kept.append((done, result))
            except Exception as exc:  # the commit failed: none of them is kept
                for done, _ in kept:
                    done.set_exception(exc)
                continue
            for done, result in kept:
                done.set_result(result)


class KannelTransport:
    """The daemon's side of Kannel; see the module docstring."""

    kind = TransportKind.KANNEL

    def __init__(self, settings: KannelSettings, inbox: Inbox) -> None:
        self.settings = settings
        self._inbox = inbox
        self.state = RouteState.STARTING
        self.ready = threading.Event()
        self.finished = threading.Event()
        self.failure: str | None = None
        self.stopping = threading.Event()
        self._keeper = _Keeper(inbox)
        self._server = _Server(settings.listen, _Handler, self)
        self.address: tuple[str, int] = self._server.server_address[:2]  # type: ignore[assignment]
        self._http = requests.Session()
        self._outbox: queue.Queue[_Outgoing | None] = queue.Queue()
        self._requests = concurrent.futures.ThreadPoolExecutor(
            settings.workers, thread_name_prefix="sendsms"
        )
        self._sender = threading.Thread(target=self._send_loop, name="kannel-send", daemon=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="kannel-http", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._keeper.start()
        self._sender.start()
        self._thread.start()
        self._set_state(RouteState.READY, f"listening for Kannel on {self.base_url}")

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._keeper.stop()
        self._outbox.put(None)
        self._sender.join(timeout)
        self._requests.shutdown(wait=True, cancel_futures=True)
        while True:  # what was never taken stays pending in the store
            try:
                item = self._outbox.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[2].cancel()
        self._http.close()
        self._set_state(RouteState.STOPPED, "stopped")

    def _set_state(self, state: RouteState, detail: str) -> None:
        self.state = state
        if state is RouteState.READY:
            self.ready.set()
        self._inbox.route_changed("kannel", state, detail)

    def routes(self) -> list[Route]:
        return [Route("kannel", self.state, f"Kannel's sendsms at {self.settings.sendsms_url}")]

    def route_for(self, submission: Submission, usage: Mapping[str, SimUsage]) -> str | None:
        """The Kannel SMSC that received the message (Kannel queues while it is down), or
        "" for Kannel's own choice."""
        return submission.via if self.state is RouteState.READY else None

    def send(self, submission: Submission, journal: SendJournal) -> concurrent.futures.Future[Sent]:
        """Queue one ``sendsms`` through the Kannel SMSC ``submission.route`` ("": any)."""
        future: concurrent.futures.Future[Sent] = concurrent.futures.Future()
        self._outbox.put((submission, journal, future))
        return future

    # -- sending (worker threads) ------------------------------------------------------------

    def _send_loop(self) -> None:
        """Take every reply waiting (up to :data:`SEND_BATCH`): mark them all ``sending`` in one
        commit, ask sendsms for each side by side, write every outcome in one commit, then
        let the callers know."""
        while True:
            item = self._outbox.get()
            if item is None:
                return
            items = _waiting(self._outbox, item, SEND_BATCH)
            marked = self._mark_sending(items)
            outcomes = list(self._requests.map(self._sendsms, [sub for sub, _, _ in marked]))
            try:
                with self._inbox.batch():
                    for (_, journal, _), outcome in zip(marked, outcomes, strict=True):
                        try:
                            outcome.record(journal)
                        except Exception:
                            log.exception("kannel: a send's journal failed")
            except Exception as exc:
                log.exception("kannel: the outcomes of sendsms could not be written down")
                for _, _, future in marked:
                    future.set_exception(exc)
                continue
            for (_, _, future), outcome in zip(marked, outcomes, strict=True):
                outcome.settle(future)

    def _mark_sending(self, items: list[_Outgoing]) -> list[_Outgoing]:
        marked: list[_Outgoing] = []
        try:
            with self._inbox.batch():
                for submission, journal, future in items:
                    if not future.set_running_or_notify_cancel():
                        continue
                    try:
                        journal.sending(1, 1)
                    except Exception as exc:
                        log.exception("kannel: a send's journal failed; the reply stays unsent")
                        future.set_exception(exc)
                    else:
                        marked.append((submission, journal, future))
        except Exception as exc:  # the commit failed: none of them is marked
            log.exception("kannel: the sends could not be journalled; they stay unsent")
            for _, _, future in marked:
                future.set_exception(exc)
            return []
        return marked

    def _sendsms(self, submission: Submission) -> _Outcome:
        """One sendsms request (on a request thread; it writes nothing down itself)."""
        text = submission.text
        params = {
            "username": self.settings.username,
            "password": self.settings.password,
            "to": submission.number,
            "text": text,
            "charset": "utf-8",
        }
        if encode_text(text)[0] == DCS_UCS2:
            params["coding"] = "2"
        if self.settings.sender:
            params["from"] = self.settings.sender
        if submission.route:
            params["smsc"] = submission.route
        reference = f"kannel:{submission.key}" if submission.key else ""
        if submission.key:
            params["dlr-mask"] = str(DLR_MASK)
            query = urllib.parse.urlencode({"reply": submission.key})
            params["dlr-url"] = f"{self.base_url}{DLR_PATH}?{query}&{DLR_QUERY}"
        try:
            answer = self._http.get(
                self.settings.sendsms_url, params=params, timeout=self.settings.timeout
            )
        except requests.ConnectionError as exc:
            # Nothing reached Kannel unless the connection broke after the request went out.
            maybe_sent = not isinstance(exc, requests.ConnectTimeout) and "refused" not in str(exc)
            reason = f"Kannel's sendsms cannot be reached: {exc.__class__.__name__}"
            return _Outcome(reference, interrupted=reason, maybe_sent=maybe_sent)
        except requests.Timeout:
            reason = "Kannel's sendsms did not answer in time"
            return _Outcome(reference, interrupted=reason, maybe_sent=True)
        if answer.status_code in (200, 202):
            return _Outcome(reference)
        transient = answer.status_code >= 500 or answer.status_code in (408, 429)
        reason = f"Kannel's sendsms answered {answer.status_code}: {answer.text.strip()[:200]}"
        return _Outcome(reference, refused=reason, code=answer.status_code, transient=transient)

    # -- receiving (HTTP threads) --------------------------------------------------------------

    def _mo(self, query: dict[str, str]) -> int:
        """Store one message from smsbox; the HTTP status to answer."""
        key = query.get("id", "")
        sender = query.get("from", "")
        if not key or not sender:
            log.warning("kannel: a request without a message id or sender; refused")
            return 400
        received = Received(_incoming(query), via=query.get("smsc", ""), key=key)
        try:
            self._keeper.keep(lambda: self._inbox.received(received))
        except Exception:
            log.exception("kannel: a received message could not be stored; Kannel will retry")
            return 503
        return 200

    def _dlr(self, query: dict[str, str]) -> int:
        reply = query.get("reply", "")
        try:
            kind = int(query.get("type", ""))
        except ValueError:
            return 400
        if kind not in (_DLR_DELIVERED, _DLR_FAILED, _DLR_SMSC_REJECTED) or not reply:
            return 200  # queued and SMSC acknowledgements change nothing for the citizen
        state = {_DLR_DELIVERED: "DELIVRD", _DLR_FAILED: "UNDELIV"}.get(kind, "REJECTD")
        receipt = Receipt(f"kannel:{reply}", kind == _DLR_DELIVERED, state)
        try:
            matched = self._keeper.keep(lambda: self._inbox.receipt(receipt))
        except Exception:
            log.exception("kannel: a delivery report could not be stored")
            return 503
        if not matched:
            # The report can overtake the sendsms answer that records the part: smsbox asks
            # again after http-queue-delay (a report is never texted to anyone).
            log.info("kannel: a delivery report for a part not recorded yet; Kannel will retry")
            return 503
        return 200


def _raw(value: str) -> bytes:
    """A query value parsed as Latin-1: its code points are the octets Kannel sent."""
    return value.encode("latin-1")


def _incoming(query: dict[str, str]) -> Incoming:
    """Kannel's MO as the store keeps received SMS; smsbox already joined long ones."""
    sender = query.get("from", "")
    data = _raw(query.get("text", ""))
    raw = "kannel:" + data.hex()
    coding = query.get("coding", "0")
    if coding == "1" or query.get("udh"):
        return Incoming(raw, sender, "", None, binary=True)
    charset = query.get("charset", "") or ("UTF-16BE" if coding == "2" else "UTF-8")
    try:
        text = data.decode(charset, "surrogatepass")
    except (LookupError, UnicodeDecodeError) as exc:
        return Incoming(raw, sender, "", None, error=f"text not in {charset}: {exc}")
    return Incoming(raw, sender, text, None)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    """smsbox opens a connection per message in a burst: the default backlog of 5 resets them
    (and smsbox waits ``http-queue-delay`` before asking again)."""

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], transport: KannelTransport
    ) -> None:
        self.transport = transport
        super().__init__(address, handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        query = {
            key: values[0]
            for key, values in urllib.parse.parse_qs(
                parts.query, keep_blank_values=True, encoding="latin-1"
            ).items()
        }
        transport = self.server.transport
        if transport.stopping.is_set():
            # A kept-alive connection outlives the server's shutdown: send smsbox elsewhere
            # (it asks again, on a new connection, after http-queue-delay).
            status = 503
            self.close_connection = True
        elif parts.path == MO_PATH:
            status = transport._mo(query)
        elif parts.path == DLR_PATH:
            status = transport._dlr(query)
        else:
            status = 404
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request line holds the citizen's number and text."""
        with contextlib.suppress(Exception):
            log.debug("kannel: HTTP %s", args[1] if len(args) > 1 else "")
