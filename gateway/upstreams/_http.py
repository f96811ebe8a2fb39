"""The HTTP client of one upstream: one exchange at a time, its answer read under a size cap,
every failure typed.

Every adapter talks to a system run by someone else, over a provincial network. What comes
back may be slow, cut off, an HTML error page from a proxy, or tens of megabytes: the answer
is streamed and dropped as soon as it passes the section's ``max_body`` (whatever its
Content-Length says, and counted after content decoding, which aiohttp does in bounded
pieces), and each transport failure becomes :class:`Unavailable` or :class:`BadAnswer` with a
message for a technician. Messages name the upstream and the kind of call, never the URL,
which may carry a lookup key.

The client is aiohttp's: a cache miss is one exchange with an upstream, and aiohttp's client
spends about a fifth of the CPU httpx 0.28 spends on one (``bench/gateway.py``, scenario 5:
about 0.2 ms against 1 ms on the 2-core reference machine, httpx's connections spread over
pools of 4; httpx's cost is its layers, anyio, and httpcore's pool, which scans every
connection on every event, encode/httpcore#1035). Adapters see only :class:`UpstreamHTTP`
and :class:`Reply`, so the library stays in this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aiohttp
from multidict import CIMultiDictProxy
from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

from gateway.upstreams._base import BadAnswer, Unavailable
from onestop import __version__
from onestop.config import UpstreamSection

USER_AGENT = f"onestop-gateway/{__version__}"

MAX_ANSWER = 1024 * 1024
"""The default cap on an answer, in bytes (``[upstream.NAME] max_body``). A dossier with its
history is a few tens of kilobytes even on OpenCPS, whose records are large."""

CONNECT_TIMEOUT = 5.0
"""The longest wait for a connection, within the section's ``timeout``."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An upstream's complete answer: status, headers and a body no larger than the cap."""

    what: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or :class:`BadAnswer` saying what came instead."""
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            kind = self.headers.get("Content-Type", "no Content-Type").split(";")[0]
            raise BadAnswer(
                f"{self.what}: HTTP {self.status} answer is not JSON ({kind}, "
                f"{len(self.body)} bytes)"
            ) from None

    def detail(self, *path: str) -> str | None:
        """A text in the JSON body at ``path`` (``detail("error", "code")``), for error
        answers; None when the body is not JSON or has no text there."""
        try:
            value: Any = json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        return value[:200] if isinstance(value, str) else None

    @property
    def retry_after(self) -> float | None:
        """Seconds the upstream asks us to wait (Retry-After in seconds or as an HTTP date)."""
        value = self.headers.get("Retry-After")
        if value is None:
            return None
        try:
            return Retry().parse_retry_after(value)
        except InvalidHeader:
            return None

    @property
    def busy(self) -> bool:
        """A 429 or a 5xx: the upstream (or a proxy before it) cannot answer now."""
        return self.status == 429 or self.status >= 500

    def unavailable(self, reason: str = "") -> Unavailable:
        """The error for an answer that says "not now" (5xx, 429, a refused login)."""
        detail = f": {reason}" if reason else ""
        return Unavailable(f"{self.what}: HTTP {self.status}{detail}", retry_after=self.retry_after)

    def unexpected(self) -> BadAnswer:
        """The error for a status code this system's API does not use for this call."""
        return BadAnswer(f"{self.what}: unexpected HTTP {self.status}")


class UpstreamHTTP:
    """The connections to one upstream: at most ``connections`` open at once, kept alive
    between lookups; answers of at most ``limit`` bytes; ``timeout`` for each wait on the
    network (the gateway also bounds each whole lookup by it, so that a system that sends
    its answer a byte at a time cannot hold one longer).

    Made before the gateway's event loop runs; its connections are opened in that loop, on
    the first exchange. Proxy variables of the environment are not read.
    """

    def __init__(
        self,
        *,
        limit: int = MAX_ANSWER,
        connections: int = 16,
        timeout: float = 10.0,
    ) -> None:
        self.limit = limit
        self.connections = connections
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def for_upstream(cls, settings: UpstreamSection) -> UpstreamHTTP:
        """The client of one ``[upstream.NAME]``: its ``max_body``, ``concurrency``, ``timeout``."""
        return cls(
            limit=settings.max_body, connections=settings.concurrency, timeout=settings.timeout
        )

    def _opened(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self.connections, limit_per_host=0, keepalive_timeout=30.0
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    sock_connect=min(self.timeout, CONNECT_TIMEOUT),
                    sock_read=self.timeout,
                ),
                # Asked uncompressed, so that the cap is also about what is decoded.
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
                trust_env=False,
                raise_for_status=False,
            )
        return self._session

    async def exchange(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
    ) -> Reply:
        """Send one request and read the whole answer, at most :attr:`limit` bytes of it.

        ``what`` names the call in messages ("OpenCPS hau-giang: dossier"); ``auth`` is a
        user name and password sent as HTTP Basic. Raises :class:`Unavailable` for time-outs,
        refused or reset connections, and :class:`BadAnswer` for an answer over the cap or
        one that cannot be decoded. Redirects are not followed.
        """
        limit = self.limit
        try:
            if auth is not None:
                headers = {**(headers or {}), "Authorization": aiohttp.encode_basic_auth(*auth)}
            async with self._opened().request(
                method,
                url,
                params=params,
                headers=headers,
                json=json,
                data=data,
                allow_redirects=False,
            ) as response:
                headers_seen: CIMultiDictProxy[str] = response.headers
                declared = headers_seen.get("Content-Length", "")
                if declared.isdigit() and "Content-Encoding" not in headers_seen:
                    # aiohttp reads exactly the declared length, no more: one read.
                    if int(declared) > limit:
                        raise BadAnswer(
                            f"{what}: answer of {int(declared)} bytes is over the limit of {limit}"
                        )
                    body = await response.read()
                else:
                    body = await _capped(response.content, limit, what)
                return Reply(what, response.status, headers_seen, body)
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise Unavailable(f"{what}: no answer in time ({type(exc).__name__})") from exc
        except aiohttp.ClientPayloadError as exc:
            if isinstance(exc.__cause__, aiohttp.http_exceptions.ContentEncodingError):
                raise BadAnswer(f"{what}: answer cannot be decoded") from exc
            raise Unavailable(f"{what}: the connection broke off ({_reason(exc)})") from exc
        except aiohttp.ClientConnectorError as exc:
            raise Unavailable(f"{what}: cannot connect ({_reason(exc)})") from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            raise Unavailable(f"{what}: the connection broke off ({_reason(exc)})") from exc
        except aiohttp.ClientResponseError as exc:  # not HTTP, or a header line too long
            raise BadAnswer(f"{what}: the answer is not HTTP ({_reason(exc)})") from exc
        except (aiohttp.ClientError, ValueError) as exc:  # an invalid URL in the configuration
            raise Unavailable(f"{what}: request failed ({type(exc).__name__}: {exc})") from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _capped(content: aiohttp.StreamReader, limit: int, what: str) -> bytes:
    """An answer of unknown length (chunked, or compressed despite our asking), read in the
    pieces aiohttp decodes until it ends or passes ``limit``."""
    body = bytearray()
    async for chunk in content.iter_any():
        body += chunk
        if len(body) > limit:
            raise BadAnswer(f"{what}: answer is over the limit of {limit} bytes")
    return bytes(body)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
