"""A deadline for a whole lookup, which urllib3's timeouts alone cannot give.

urllib3's read timeout bounds each wait for the next bytes, not the answer: a server that sends
its headers one byte a second never trips it, and would hold a kiosk or an SMS worker for
minutes. So every attempt runs under a :class:`Watch`: the connection that carries the request
hands its socket to the watch of its thread as it starts reading the answer, and one watchdog
thread shuts that socket down when the lookup's deadline passes (as urllib3's own
``HTTPResponse.shutdown()`` does to interrupt a read from another thread). The blocked read
then ends at once and the client reports the deadline.

What this cannot stop is a host name lookup (``getaddrinfo`` honours no timeout); units are
configured with the API's address or a resolvable name, and the connect timeout follows.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class Deadline:
    """The moment, on the monotonic clock, by which a lookup must have ended."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()


class Watch:
    """One attempt's socket, shut down if the attempt is still running at the deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.fired = False
        self._sock: socket.socket | None = None
        self._done = False
        self._lock = threading.Lock()

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            if self._done:
                return
            self._sock = sock
            if self.fired:
                _shut(sock)

    def fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            if self._sock is not None:
                _shut(self._sock)

    def finish(self) -> None:
        """The attempt is over: from now on its socket may serve another lookup.

        urllib3 puts a connection back in its pool as soon as the body is read, a moment before
        this runs; a deadline that falls in that moment shuts a socket the pool then finds
        dropped, and reconnects (or the lookup that took it retries)."""
        with self._lock:
            self._done = True
            self._sock = None


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by its connection: nothing to interrupt
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One thread for the whole process: fires each watch at its deadline unless it finished."""

    def __init__(self) -> None:
        self._pending: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, watch: Watch) -> None:
        with self._changed:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lookup-deadlines")
                self._thread.daemon = True
                self._thread.start()
            earliest = self._pending[0][0] if self._pending else None
            heapq.heappush(self._pending, (watch.deadline.at, next(self._order), watch))
            if earliest is None or watch.deadline.at < earliest:
                self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending:
                    self._changed.wait()
                at, _, watch = self._pending[0]
                wait = at - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                heapq.heappop(self._pending)
            watch.fire()


_watchdog = _Watchdog()
_current = threading.local()


@contextlib.contextmanager
def watching(deadline: Deadline) -> Iterator[Watch]:
    """Run one attempt under a watch; the connection it uses attaches its socket."""
    watch = Watch(deadline)
    _watchdog.add(watch)
    _current.watch = watch
    try:
        yield watch
    finally:
        _current.watch = None
        watch.finish()


def _attach_to_watch(sock: socket.socket | None) -> None:
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is not None and sock is not None:
        watch.attach(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self) -> Any:
        _attach_to_watch(self.sock)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> Any:
        _attach_to_watch(self.sock)
        return super().getresponse()


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, without urllib3's retries (the client retries within the deadline),
    whose connections attach their sockets to the watch of the running attempt."""

    def __init__(self) -> None:
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools are classes of their own
            manager.pool_classes_by_scheme = _POOLS
        return manager
