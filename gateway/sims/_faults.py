"""Fault knobs every simulator has: the ways real upstreams fail, switched on from a test.

A test (or ``onestop-upstream-sim --fault``) sets one fault; it applies to the simulator's
lookup endpoints (its login or token endpoint stays healthy unless ``path`` says otherwise)
for ``times`` requests, or until cleared. The simulator runs in its own thread, so the state
is guarded by a lock.
"""

from __future__ import annotations

import asyncio
import enum
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Fault(enum.StrEnum):
    """One way an upstream misbehaves."""

    SLOW = "slow"
    """Answer normally, after ``delay`` seconds."""
    HANG = "hang"
    """Accept the request and never answer."""
    RESET = "reset"
    """Close the connection with a TCP reset instead of answering."""
    SERVER_ERROR = "5xx"
    """Answer HTTP ``status`` (default 503) with a proxy's HTML page."""
    RATE_LIMITED = "429"
    """Answer 429 with ``Retry-After: retry_after``."""
    NON_AUTHORITATIVE = "203"
    """Answer 203 with the body the simulated system sends (OpenCPS: a wrong key)."""
    EXPIRED_TOKEN = "expired-token"  # noqa: S105 (a fault's name, not a password)
    """Expire every token or session issued so far, then answer as the system does."""
    HUGE = "huge"
    """Answer 200 with ``size`` bytes (50 MB), with or without ``Content-Length``."""
    NOT_JSON = "not-json"
    """Answer 200 with an HTML page."""
    WRONG_SHAPE = "wrong-shape"
    """Answer 200 with JSON of another shape than the system's own."""
    ANSWER = "answer"
    """Answer exactly ``status``, ``body`` and ``content_type`` (hostile answers in tests)."""


@dataclass
class _Setting:
    fault: Fault
    path: str
    times: int | None
    delay: float = 2.0
    status: int = 503
    retry_after: str = "7"
    size: int = 50 * 1024 * 1024
    declare_length: bool = True
    body: bytes = b""
    content_type: str = "application/json"


@dataclass
class Faults:
    """The fault knobs of one simulator; ``lookup_paths`` are where faults apply by default."""

    lookup_paths: tuple[str, ...]
    huge_sent: int = 0
    """Bytes of the last ``HUGE`` body actually sent: a client that stops reading early
    leaves this far below ``size``."""
    huge_done: threading.Event = field(default_factory=threading.Event)
    """Set when the simulator has stopped sending the ``HUGE`` body (complete or not)."""
    _setting: _Setting | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(
        self,
        fault: Fault | str,
        *,
        path: str = "",
        times: int | None = None,
        **params: Any,
    ) -> None:
        """Switch a fault on for requests under ``path`` (default: the lookup endpoints),
        for ``times`` requests or until :meth:`clear`; ``params`` are the fault's knobs
        (``delay``, ``status``, ``retry_after``, ``size``, ``declare_length``, ``body``,
        ``content_type``)."""
        setting = _Setting(Fault(fault), path, times, **params)
        with self._lock:
            self._setting = setting
            self.huge_sent = 0
            self.huge_done.clear()

    def clear(self) -> None:
        with self._lock:
            self._setting = None

    def _applies(self, setting: _Setting, path: str) -> bool:
        if setting.path:
            return path.startswith(setting.path)
        return any(path.startswith(prefix) for prefix in self.lookup_paths)

    def take(self, path: str, only: Fault | None = None) -> _Setting | None:
        """The fault for a request to ``path``, counting it against ``times``; with ``only``,
        just that fault (the connection layer looks for ``RESET`` alone)."""
        with self._lock:
            setting = self._setting
            if setting is None or not self._applies(setting, path):
                return None
            if only is not None and setting.fault is not only:
                return None
            if setting.times is not None:
                setting.times -= 1
                if setting.times <= 0:
                    self._setting = None
            return setting


_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>\n"
)


class FaultMiddleware:
    """ASGI middleware acting out the faults; ``non_authoritative`` and ``wrong_shape`` are
    the simulated system's own bodies for those two faults, and ``expire`` forgets the tokens
    or sessions it issued (without one, ``EXPIRED_TOKEN`` answers a bare 401)."""

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        *,
        wrong_shape: object,
        non_authoritative: bytes = b"",
        expire: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.wrong_shape = json.dumps(wrong_shape).encode()
        self.non_authoritative = non_authoritative
        self.expire = expire

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        setting = self.faults.take(scope["path"]) if scope["type"] == "http" else None
        if setting is None:
            await self.app(scope, receive, send)
            return
        fault = setting.fault
        if fault is Fault.SLOW:
            if await _pause(setting.delay):
                await self.app(scope, receive, send)
        elif fault is Fault.HANG:
            await _pause(3600)
        elif fault is Fault.SERVER_ERROR:
            await _answer(send, setting.status, _HTML, "text/html")
        elif fault is Fault.RATE_LIMITED:
            body = b'{"message":"Too many requests"}'
            await _answer(send, 429, body, extra=[(b"retry-after", setting.retry_after.encode())])
        elif fault is Fault.NON_AUTHORITATIVE:
            await _answer(send, 203, self.non_authoritative)
        elif fault is Fault.EXPIRED_TOKEN and self.expire is not None:
            self.expire()
            await self.app(scope, receive, send)
        elif fault is Fault.EXPIRED_TOKEN:
            await _answer(send, 401, b'{"error":"invalid_token"}')
        elif fault is Fault.HUGE:
            await self._huge(receive, send, setting)
        elif fault is Fault.NOT_JSON:
            await _answer(send, 200, _HTML, "text/html")
        elif fault is Fault.WRONG_SHAPE:
            await _answer(send, 200, self.wrong_shape)
        elif fault is Fault.ANSWER:
            await _answer(send, setting.status, setting.body, setting.content_type)
        else:  # RESET is acted out by the connection layer before the request gets here
            await self.app(scope, receive, send)

    async def _huge(self, receive: Receive, send: Send, setting: _Setting) -> None:
        """Send the body until it is complete or the client goes away (uvicorn drops what is
        sent after a disconnect without a word, so the disconnect is watched for)."""
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        headers = [(b"content-type", b"application/json")]
        if setting.declare_length:
            headers.append((b"content-length", str(setting.size).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        try:
            async for chunk in _filler(setting.size):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await asyncio.sleep(0)  # let the disconnect be noticed
                if gone.is_set():
                    return
                with self.faults._lock:
                    self.faults.huge_sent += len(chunk)
            await send({"type": "http.response.body", "body": b""})
        finally:
            watcher.cancel()
            self.faults.huge_done.set()


async def _pause(seconds: float) -> bool:
    """Sleep; False when the simulator is stopped meanwhile (which cancels the request: the
    request then just ends, instead of filling the log with a traceback)."""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        return False
    return True


async def _filler(size: int) -> AsyncIterator[bytes]:
    chunk = b"[" + b'"x",' * 16383 + b'"x"'
    sent = 0
    while sent < size:
        part = chunk[: size - sent]
        sent += len(part)
        yield part


async def _answer(
    send: Send,
    status: int,
    body: bytes,
    content_type: str = "application/json",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
