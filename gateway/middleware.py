"""What every request passes through before its route: the access log, and for the API the
client check and the rate limit.

Both are plain ASGI middleware (no per-request wrapping of Starlette's ``Request``), because
they run on every cache hit.

The access log is written here rather than by uvicorn, whose line holds the query string, and
with it the lookup key. A line names the route, not the path (for a lookup, the route sets the
canonical code it read), so that whatever a client put in a path (a key after the code, a
mistyped name) stays out of the log.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.access import Access, Caller
from gateway.metrics import Metrics
from gateway.responses import ErrorCode, error_response

access_logger = logging.getLogger("gateway.access")

API_PREFIX = "/api/"
METRICS_PATH = "/metrics"

LOG_PATH = "log_path"
"""The ``scope["state"]`` entry where a route puts the path as the access log should show it."""
CALLER = "caller"
"""The ``scope["state"]`` entry where :class:`ApiGuard` puts the :class:`Caller`."""


def state(scope: Scope) -> dict[str, object]:
    """The request's state (uvicorn gives each request a copy of the app's)."""
    found: dict[str, object] = scope.setdefault("state", {})
    return found


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"


class AccessLog:
    """One line per request: address, method, route, status, time, client name."""

    def __init__(self, app: ASGIApp, *, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.enabled:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            caller = state(scope).get(CALLER)
            access_logger.info(
                '%s "%s %s" %d %.1fms %s',
                client_address(scope),
                scope["method"],
                _shown_path(scope),
                status,
                (time.perf_counter() - started) * 1000,
                caller.label if isinstance(caller, Caller) else "-",
            )


def _shown_path(scope: Scope) -> str:
    shown = state(scope).get(LOG_PATH)
    if isinstance(shown, str):
        return shown
    route = scope.get("route")
    if isinstance(route, Route):
        return route.path
    return "(no such path)"


class ApiGuard:
    """For the API and the metrics: who is asking (401 without a valid token, when tokens are
    required) and whether they are within their rate limit (429 with ``Retry-After``)."""

    def __init__(self, app: ASGIApp, *, access: Access, metrics: Metrics) -> None:
        self.app = app
        self.access = access
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path.startswith(API_PREFIX) or path == METRICS_PATH):
            await self.app(scope, receive, send)
            return
        address = client_address(scope)
        caller = self.access.identify(Headers(scope=scope).get("authorization"), address)
        if caller is None:
            wait = self.access.refused(address)
            if wait is None:
                response = error_response(
                    401,
                    ErrorCode.UNAUTHORIZED,
                    "A valid bearer token is required.",
                    headers={"WWW-Authenticate": 'Bearer realm="onestop"'},
                )
            else:
                response = self._limited(wait)
            await response(scope, receive, send)
            return
        state(scope)[CALLER] = caller
        wait = self.access.admit(caller)
        if wait is not None:
            await self._limited(wait)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _limited(self, wait: int) -> Response:
        self.metrics.limited.labels("rate").inc()
        return rate_limited(wait)


def rate_limited(wait: int, why: str = "Too many requests") -> Response:
    return error_response(
        429,
        ErrorCode.RATE_LIMITED,
        f"{why}; retry in {wait} s.",
        message_vi=f"Quá nhiều yêu cầu; xin thử lại sau {wait} giây.",
        headers={"Retry-After": str(wait)},
    )
