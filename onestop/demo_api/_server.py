"""The reference implementation of the status API contract (docs/status-api.md).

It is what the kiosk and the SMS daemon are demonstrated and tested against, and what a
province's adapter can be compared with. The standard library's threading HTTP server is
enough for that; a province's production backend is its own.
"""

from __future__ import annotations

import collections
import datetime as dt
import hmac
import json
import logging
import math
import threading
import time
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from dossier import (
    DEFAULT_FAMILIES,
    ICT,
    CodeError,
    CodeFamilies,
    DossierCode,
    dossier_to_json,
    format_time,
    parse_code,
)
from onestop import __version__
from onestop.demo_api._data import DemoRecord

logger = logging.getLogger(__name__)

DOSSIER_PATH = "/api/v1/dossiers/"
HEALTH_PATH = "/api/v1/health"


class _RateLimiter:
    """At most ``limit`` requests per client address in any 60-second window."""

    WINDOW = 60.0

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """None when the request may go ahead, else the seconds to wait."""
        if self.limit <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            seen = self._seen[client]
            while seen and now - seen[0] >= self.WINDOW:
                seen.popleft()
            if len(seen) >= self.limit:
                return max(1, math.ceil(seen[0] + self.WINDOW - now))
            seen.append(now)
            return None


class DemoStatusServer(ThreadingHTTPServer):
    """Serves ``records`` under the API contract; ``token`` and ``rate_limit`` are optional."""

    daemon_threads = True

    def __init__(
        self,
        records: Iterable[DemoRecord],
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        token: str | None = None,
        rate_limit: int = 0,
        families: CodeFamilies = DEFAULT_FAMILIES,
    ) -> None:
        self.families = families
        self.records: dict[DossierCode, DemoRecord] = {}
        self.dossier_count = 0
        for record in records:
            self.dossier_count += 1
            self.records[parse_code(record.dossier.code)] = record
            if record.dossier_id is not None:
                self.records[parse_code(f"D-{record.dossier_id}")] = record
        self.token = token
        self.limiter = _RateLimiter(rate_limit)
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> DemoStatusServer:
        """Serve from a background thread (for tests and in-process demos)."""
        threading.Thread(
            target=self.serve_forever, args=(0.05,), name="demo-status-api", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> DemoStatusServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    server: DemoStatusServer
    protocol_version = "HTTP/1.1"
    server_version = f"onestop-demo-api/{__version__}"
    # Headers and body are written separately; with Nagle's algorithm on, the client's delayed
    # ACK adds 40 ms to every keep-alive answer.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if not self._admitted():
            return
        if url.path == HEALTH_PATH:
            self._send(
                HTTPStatus.OK,
                {
                    "status": "ok",
                    "version": __version__,
                    "dossiers": self.server.dossier_count,
                    "time": format_time(dt.datetime.now(ICT)),
                },
            )
        elif url.path.startswith(DOSSIER_PATH) and len(url.path) > len(DOSSIER_PATH):
            self._dossier(unquote(url.path[len(DOSSIER_PATH) :]), parse_qs(url.query))
        else:
            self._error(HTTPStatus.NOT_FOUND, "no_such_endpoint", "No such endpoint.")

    def _not_allowed(self) -> None:
        self._error(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Only GET is supported.",
            {"Allow": "GET"},
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _admitted(self) -> bool:
        """Token and rate checks; answers the request itself when it may not go ahead."""
        if self.server.token is not None:
            given = self.headers.get("Authorization", "")
            expected = f"Bearer {self.server.token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                self._error(
                    HTTPStatus.UNAUTHORIZED,
                    "unauthorized",
                    "A valid bearer token is required.",
                    {"WWW-Authenticate": 'Bearer realm="onestop"'},
                )
                return False
        wait = self.server.limiter.retry_after(self.client_address[0])
        if wait is not None:
            self._error(
                HTTPStatus.TOO_MANY_REQUESTS,
                "rate_limited",
                f"Too many requests; retry in {wait} s.",
                {"Retry-After": str(wait)},
            )
            return False
        return True

    def _dossier(self, raw_code: str, query: dict[str, list[str]]) -> None:
        try:
            code = parse_code(raw_code, families=self.server.families)
        except CodeError as exc:
            self._error(
                HTTPStatus.BAD_REQUEST,
                "invalid_code",
                exc.message("en"),
                message_vi=exc.message("vi"),
            )
            return
        record = self.server.records.get(code)
        if record is None:
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"No dossier {code}.")
            return
        given_key = (query.get("lookup_key") or [""])[0].strip().upper()
        dossier = record.dossier
        reveal = bool(record.lookup_key) and hmac.compare_digest(
            given_key.encode(), (record.lookup_key or "").upper().encode()
        )
        if not reveal:
            dossier = dossier.without_applicant()
        self._send(HTTPStatus.OK, dossier_to_json(dossier))

    def _error(
        self,
        status: HTTPStatus,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        message_vi: str | None = None,
    ) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if message_vi:
            error["message_vi"] = message_vi
        self._send(status, {"error": error}, headers)

    def _send(
        self, status: HTTPStatus, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)
