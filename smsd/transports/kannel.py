"""Kannel (Debian's ``kannel``) in front of the daemon: its bearerbox holds the telco's SMPP
link or the AT modems, its smsbox talks HTTP to us.

Receiving: smsbox calls ``GET /kannel/mo?...`` (an ``sms-service`` with ``get-url``, see
``provision``'s Kannel template) for every message. The daemon stores it, keyed on Kannel's
own message id (``%I``), and answers at once with an empty body; the lookup and the reply
happen later, never inside that request (smsbox gives up after its HTTP timeout, and a
reply in the body would bypass the daemon's journal). If storing fails the answer is 503 and
smsbox asks again after ``http-queue-delay``; the same id is kept once.

Sending: each reply is one ``sendsms`` request, on a worker thread that journals it before
and after: ``smsc=`` the Kannel SMSC that received the message, so that the answer leaves
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
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
    workers: int = 4
    """sendsms requests at the same time."""
    timeout: float = 10.0


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
        self._server = _Server(settings.listen, _Handler, self)
        self.address: tuple[str, int] = self._server.server_address[:2]  # type: ignore[assignment]
        self._http = requests.Session()
        self._senders = concurrent.futures.ThreadPoolExecutor(
            settings.workers, thread_name_prefix="sendsms"
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="kannel-http", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()
        self._set_state(RouteState.READY, f"listening for Kannel on {self.base_url}")

    def stop(self, timeout: float = 10.0) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._senders.shutdown(wait=True, cancel_futures=True)
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
        return self._senders.submit(self._sendsms, submission, journal)

    # -- sending (worker threads) ------------------------------------------------------------

    def _sendsms(self, submission: Submission, journal: SendJournal) -> Sent:
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
        journal.sending(1, 1)
        try:
            answer = self._http.get(
                self.settings.sendsms_url, params=params, timeout=self.settings.timeout
            )
        except requests.ConnectionError as exc:
            # Nothing reached Kannel unless the connection broke after the request went out.
            maybe_sent = not isinstance(exc, requests.ConnectTimeout) and "refused" not in str(exc)
            reason = f"Kannel's sendsms cannot be reached: {exc.__class__.__name__}"
            journal.interrupted(1, reason, maybe_sent=maybe_sent)
            raise TransportUnavailable(reason) from exc
        except requests.Timeout as exc:
            reason = "Kannel's sendsms did not answer in time"
            journal.interrupted(1, reason, maybe_sent=True)
            raise TransportUnavailable(reason) from exc
        body = answer.text.strip()[:200]
        if answer.status_code in (200, 202):
            journal.accepted(1, 1, reference)
            return Sent((reference,))
        transient = answer.status_code >= 500 or answer.status_code in (408, 429)
        reason = f"Kannel's sendsms answered {answer.status_code}: {body}"
        journal.refused(1, reason, transient=transient)
        raise SubmitRefused(reason, code=answer.status_code, transient=transient)

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
            self._inbox.received(received)
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
        try:
            self._inbox.receipt(Receipt(f"kannel:{reply}", kind == _DLR_DELIVERED, state))
        except Exception:
            log.exception("kannel: a delivery report could not be stored")
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
        if parts.path == MO_PATH:
            status = transport._mo(query)
        elif parts.path == DLR_PATH:
            status = transport._dlr(query)
        else:
            status = 404
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request line holds the citizen's number and text."""
        with contextlib.suppress(Exception):
            log.debug("kannel: HTTP %s", args[1] if len(args) > 1 else "")
