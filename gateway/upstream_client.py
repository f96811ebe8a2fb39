"""The HTTP client each upstream adapter gets: limits, time-outs and a body size cap built in.

Adapters read answers the ordinary httpx way (``response.json()``); the cap sits in the
transport underneath, so that no adapter can forget it: an answer that declares more than
``max_body`` bytes is refused before its body is read, and one that sends more without saying
so is cut off at the limit. Either way the adapter sees :class:`BadAnswer`, as for any answer
that breaks its system's format. Answers are asked for uncompressed, so that the cap is also
the size of what gets decoded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx

from gateway.upstreams import BadAnswer
from onestop import __version__
from onestop.config import UpstreamSection

USER_AGENT = f"onestop-gateway/{__version__}"


SHARD_SIZE = 4
"""Connections per httpcore pool. httpcore 1.0 matches waiting requests to connections by
scanning its whole pool on every event, a cost that grows with the square of its size
(encode/httpcore#1035, open), and checks every idle connection's socket as it goes: with
200 connections in one pool a lookup cost several times the CPU it costs with a few. So an
upstream's ``concurrency`` is spread over pools this small (bench/gateway.py's cache misses
measured 4 as good as any size from 1 to 8, and well above 200)."""


class _Stream(httpx.AsyncByteStream):
    """A response body that stops at ``limit`` bytes and tells its pool when it is done."""

    def __init__(self, inner: httpx.AsyncByteStream, limit: int, done: Callable[[], None]) -> None:
        self._inner = inner
        self._limit = limit
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        async for chunk in self._inner:
            size += len(chunk)
            if size > self._limit:
                raise BadAnswer(f"the answer is larger than {self._limit} bytes")
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if self._done is not None:
                self._done()
                self._done = None


class UpstreamTransport(httpx.AsyncBaseTransport):
    """The transport under every adapter's client: no answer body larger than ``limit`` bytes
    gets through, and requests go to the least busy of ``shards`` (httpx transports, each a
    pool of at most :data:`SHARD_SIZE` connections)."""

    def __init__(self, shards: list[httpx.AsyncBaseTransport], limit: int) -> None:
        self._shards = shards
        self._busy = [0] * len(shards)
        self._limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        shard = min(range(len(self._shards)), key=self._busy.__getitem__)
        self._busy[shard] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._busy[shard] -= 1

        try:
            response = await self._shards[shard].handle_async_request(request)
        except BaseException:
            release()
            raise
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._limit:
            await response.aclose()
            release()
            raise BadAnswer(f"the answer is too large ({declared} bytes; at most {self._limit})")
        if not isinstance(response.stream, httpx.AsyncByteStream):
            release()
            raise TypeError("an asynchronous transport answered with a synchronous stream")
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Stream(response.stream, self._limit, release),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()


def upstream_client(
    settings: UpstreamSection, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The client for one ``[upstream.NAME]``: its URL, its concurrency, its time-out, its cap.

    Connecting gets at most 5 s of the time-out; the gateway also bounds each whole lookup
    by ``timeout``, so a system that sends its answer a byte at a time cannot hold one longer.
    Proxy variables of the environment are not read: a proxy transport would bypass the cap.
    """
    if transport is not None:
        shards = [transport]
    else:
        count = -(-settings.concurrency // SHARD_SIZE)
        size = -(-settings.concurrency // count)
        limits = httpx.Limits(
            max_connections=size, max_keepalive_connections=size, keepalive_expiry=30.0
        )
        shards = [httpx.AsyncHTTPTransport(limits=limits, trust_env=False) for _ in range(count)]
    return httpx.AsyncClient(
        base_url=settings.url,
        transport=UpstreamTransport(shards, settings.max_body),
        timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 5.0)),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        follow_redirects=False,
        trust_env=False,
    )
