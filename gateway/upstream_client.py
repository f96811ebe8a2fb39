"""The HTTP client each upstream adapter gets: limits, time-outs and a body size cap built in.

Adapters read answers the ordinary httpx way (``response.json()``); the cap sits in the
transport underneath, so that no adapter can forget it: an answer that declares more than
``max_body`` bytes is refused before its body is read, and one that sends more without saying
so is cut off at the limit. Either way the adapter sees :class:`BadAnswer`, as for any answer
that breaks its system's format. Answers are asked for uncompressed, so that the cap is also
the size of what gets decoded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from gateway.upstreams import BadAnswer
from onestop import __version__
from onestop.config import UpstreamSection

USER_AGENT = f"onestop-gateway/{__version__}"


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        async for chunk in self._inner:
            size += len(chunk)
            if size > self._limit:
                raise BadAnswer(f"the answer is larger than {self._limit} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class CappedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport so that no answer body larger than ``limit`` bytes gets through."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._limit:
            await response.aclose()
            raise BadAnswer(f"the answer is too large ({declared} bytes; at most {self._limit})")
        if not isinstance(response.stream, httpx.AsyncByteStream):
            raise TypeError("an asynchronous transport answered with a synchronous stream")
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, self._limit),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def upstream_client(
    settings: UpstreamSection, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The client for one ``[upstream.NAME]``: its URL, its concurrency, its time-out, its cap.

    Connecting gets at most 5 s of the time-out; the gateway also bounds each whole lookup
    by ``timeout``, so a system that sends its answer a byte at a time cannot hold one longer.
    Proxy variables of the environment are not read: a proxy transport would bypass the cap.
    """
    limits = httpx.Limits(
        max_connections=settings.concurrency,
        max_keepalive_connections=settings.concurrency,
        keepalive_expiry=30.0,
    )
    inner = transport or httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    return httpx.AsyncClient(
        base_url=settings.url,
        transport=CappedTransport(inner, settings.max_body),
        timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 5.0)),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        follow_redirects=False,
        trust_env=False,
    )
