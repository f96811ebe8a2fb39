"""Serving the gateway: uvicorn with httptools, and the connection limits uvicorn lacks.

uvicorn times out idle kept-alive connections, but not a connection that never finishes its
request head, and its httptools protocol takes request lines and headers of any length. The
demo server showed what that costs: 300 half-sent connections each held a thread until the
file descriptors ran out, and a 60 KB path stalled every other request. So the protocol here
adds, in one place, before any route runs:

- ``header_timeout``: a request whose line and headers have not all arrived in time gets 408;
- ``max_head_size``: a request line or headers larger than this get 414 or 431 at once;
- ``max_connections``: a connection beyond it gets 503 and is closed;

each answered with the contract's JSON error, and a lingering close (the rest of what the
client sends is read and dropped for a moment) so that the client reads the answer instead of
a reset.

:class:`ServedApp` serves an app on a socket bound before (so its URL is known at once, and a
busy port fails right there), in the foreground (``onestop-gateway``) or from a background
thread (tests, the kiosk and SMS demos, the upstream simulators); :class:`GatewayServer` is
the gateway's.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.errors import GatewayError
from gateway.responses import ErrorCode, raw_error
from onestop.config import GatewaySection

logger = logging.getLogger(__name__)

LINGER = 2.0
"""Seconds a refused request's connection is kept open, reading and dropping, after the answer."""

YOUNG_COLLECTION = 5_000
"""Net new objects between two collections of the youngest generation (Python's default: 700).

Lookups wait hundreds of milliseconds on their upstream, each holding tens of objects (its
task, futures, the request, the upstream's response): with 200 in flight, the default made a
collection every few lookups, each scanning all of them and moving them to the older
generations, whose collections then scan them again. On the cache-miss figure of
``bench/gateway.py`` that was about a quarter of the gateway's CPU (about 150 us a lookup,
measured with ``gc.callbacks``) and pauses of tens of milliseconds. Objects that die young are
freed by their reference count anyway: the collector is only for cycles.

Not much higher, though: every collection pauses every lookup in flight. At 50,000, lookups
waiting on a slow upstream set off a collection of 20 to 40 ms every few seconds, which
doubled the p99 of the lookups answered by another upstream; at 5,000 the pauses are about
6 ms and that p99 stays within a few per cent (``bench/gateway.py``, scenario 3), for a
cache-miss throughput within a few per cent of 50,000's (scenario 2)."""


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    max_connections: int
    header_timeout: float
    max_head_size: int
    on_refusal: Callable[[ErrorCode], None] = lambda code: None


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head time-out, a head size cap and a connection cap."""

    limits: ClassVar[ConnectionLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_size = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            self._refuse(
                503,
                ErrorCode.TOO_MANY_CONNECTIONS,
                "The gateway has too many open connections; try again shortly.",
                linger=False,
            )
            return
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # read and dropped until the lingering close
        super().data_received(data)
        if not self._refused and self._head_timer is not None:
            self._check_head_size()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_size = 0
        if self._head_timer is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._head_size += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._head_size += len(name) + len(value) + 4

    def on_headers_complete(self) -> None:
        if self._refused or self._check_head_size():
            return
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        """The parser's refusal of a broken request, in JSON like every other error."""
        self._refuse(400, ErrorCode.BAD_REQUEST, "The request is not valid HTTP/1.1.")

    def _check_head_size(self) -> bool:
        """Refuse a head over the limit; True when it was refused."""
        limit = self.limits.max_head_size
        if self._head_size <= limit:
            return False
        if self.transport.is_closing():
            return True
        if len(self.url) > limit:
            self._refuse(414, ErrorCode.URI_TOO_LONG, f"The request's path is over {limit} bytes.")
        else:
            self._refuse(
                431,
                ErrorCode.HEADERS_TOO_LARGE,
                f"The request's headers are over {limit} bytes.",
            )
        return True

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_too_slow)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing() and not self._refused:
            self._refuse(
                408, ErrorCode.REQUEST_TIMEOUT, "The request's headers did not arrive in time."
            )

    def _refuse(self, status: int, code: ErrorCode, message: str, *, linger: bool = True) -> None:
        self._refused = True
        self._cancel_head_timer()
        self.limits.on_refusal(code)
        transport = self.transport
        transport.write(raw_error(status, code, message))
        if linger and transport.can_write_eof():
            transport.write_eof()
            self.loop.call_later(LINGER, transport.close)
        else:
            transport.close()


def _protocol(limits: ConnectionLimits) -> type[GuardedProtocol]:
    class Protocol(GuardedProtocol):
        pass

    Protocol.limits = limits
    return Protocol


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0: any free port); OSError says why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


def uvicorn_config(
    app: ASGIApp,
    settings: GatewaySection,
    *,
    limits: ConnectionLimits,
    graceful_shutdown: float = 10.0,
) -> uvicorn.Config:
    """uvicorn as the gateway runs it: no access log of its own (it would show lookup keys),
    X-Forwarded-For read only from the trusted proxies, no ``Server`` header."""
    trusted = list(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        http=_protocol(limits),
        loop="auto",
        lifespan="on",
        access_log=False,
        log_config=None,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        server_header=False,
        timeout_keep_alive=max(1, round(settings.idle_timeout)),
        timeout_graceful_shutdown=max(1, round(graceful_shutdown)),
        ssl_certfile=_path(settings.tls_cert),
        ssl_keyfile=_path(settings.tls_key),
    )


def _path(value: Path | None) -> str | None:
    return None if value is None else str(value)


class ServedApp:
    """An ASGI app served by uvicorn on ``sock`` (bound beforehand, so that its URL is known at
    once and a busy port fails right there): in the foreground (:meth:`serve`) or from a
    background thread (:meth:`start`, or entering a ``with`` block). The gateway and the
    upstream simulators are both served this way.

    ``force_stop``: :meth:`stop` cancels requests still running instead of waiting for them
    (a simulator's hanging requests); else they get uvicorn's graceful shutdown time.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        sock: socket.socket,
        *,
        host: str,
        scheme: str = "http",
        force_stop: bool = False,
    ) -> None:
        self.host = host
        self.socket = sock
        self.scheme = scheme
        self._force_stop = force_stop
        self._server = _Server(config)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def serve(self, on_started: Callable[[], None] = lambda: None) -> None:
        """Serve in the foreground until SIGTERM or SIGINT; ``on_started`` once it listens."""
        self._server.on_started = on_started
        self._server.run(sockets=[self.socket])

    def start(self, timeout: float = 30.0) -> Self:
        """Serve from a background thread; returns once the server answers.

        Only once: two threads running one uvicorn server share its state across two event
        loops, which crashed the process (a segmentation fault in a benchmark that started
        a server it had already entered)."""
        if self._thread is not None:
            raise GatewayError("the server is already serving")
        self._thread = threading.Thread(target=self._run, name=f"serve-{self.port}", daemon=True)
        self._thread.start()
        while not self._server.started:
            self._thread.join(0.01)
            if not self._thread.is_alive():
                raise GatewayError(f"the server did not start: {self._failure}")
            timeout -= 0.01
            if timeout <= 0:
                raise GatewayError("the server did not start in time")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._server.force_exit = self._force_stop
        if self._thread is not None:
            self._thread.join(30)
            self._thread = None
        self.socket.close()

    def __enter__(self) -> Self:
        """Serving from a background thread (started here unless it already was)."""
        return self if self._thread is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self.socket])
        except BaseException as exc:
            self._failure = exc


class GatewayServer(ServedApp):
    """The gateway's app on ``[gateway] host`` and ``port`` (or those given), with the
    connection limits and uvicorn's settings of :func:`uvicorn_config`."""

    def __init__(
        self,
        app: ASGIApp,
        settings: GatewaySection,
        *,
        host: str | None = None,
        port: int | None = None,
        limits: ConnectionLimits | None = None,
        graceful_shutdown: float = 10.0,
    ) -> None:
        host = settings.host if host is None else host
        port = settings.port if port is None else port
        try:
            sock = bind(host, port)
        except OSError as exc:
            raise GatewayError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        limits = limits or ConnectionLimits(
            settings.max_connections, settings.header_timeout, settings.max_head_size
        )
        config = uvicorn_config(app, settings, limits=limits, graceful_shutdown=graceful_shutdown)
        super().__init__(config, sock, host=host, scheme="https" if settings.tls_cert else "http")

    def serve(self, on_started: Callable[[], None] = lambda: None) -> None:
        """Serve in the foreground, as the process's one task (``onestop-gateway``), its
        garbage collector set for a server first (:func:`collect_for_serving`)."""
        collect_for_serving()
        super().serve(on_started)


def collect_for_serving() -> None:
    """The garbage collector set for a long-running server: what was made while starting
    (modules, the configuration, the app) is frozen out of every later collection, and the
    youngest generation is collected only after :data:`YOUNG_COLLECTION` new objects."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])


class _Server(uvicorn.Server):
    """uvicorn's server, telling the gateway when it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.on_started: Callable[[], None] = lambda: None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.on_started()
