"""One HTTP exchange with an upstream, its answer read under a size cap, every failure typed.

Every adapter talks to a system run by someone else, over a provincial network. What comes
back may be slow, cut off, an HTML error page from a proxy, or tens of megabytes: the answer
is streamed and dropped as soon as it passes ``limit`` bytes (whatever its Content-Length
says), and each transport failure becomes :class:`Unavailable` or :class:`BadAnswer` with a
message for a technician. Messages name the upstream and the kind of call, never the URL,
which may carry a lookup key.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import httpx
from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

from gateway.upstreams._base import BadAnswer, Unavailable

_KEY_IN_QUERY = re.compile(r"\b(lookup_key|secretkey|secretcode)=[^&#\s\"]*", re.IGNORECASE)


class RedactKeys(logging.Filter):
    """httpx logs every request's URL at INFO, and the status API contract carries the lookup
    key in the query string (``?lookup_key=``): the key is masked in those records, so that a
    gateway logging at INFO never writes one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _KEY_IN_QUERY.sub(r"\1=***", str(arg)) if isinstance(arg, httpx.URL | str) else arg
                for arg in record.args
            )
        return True


logging.getLogger("httpx").addFilter(RedactKeys())

MAX_ANSWER = 1024 * 1024
"""The largest answer read from an upstream, in bytes (after content decoding). A dossier
with its history is a few tens of kilobytes even on OpenCPS, whose records are large."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An upstream's complete answer: status, headers and a body no larger than the cap."""

    what: str
    status: int
    headers: httpx.Headers
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


async def exchange(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    what: str,
    limit: int = MAX_ANSWER,
    **kwargs: Any,
) -> Reply:
    """Send one request and read the whole answer, at most ``limit`` bytes of it.

    ``what`` names the call in messages ("OpenCPS hau-giang: dossier"). Raises
    :class:`Unavailable` for time-outs, refused or reset connections, and :class:`BadAnswer`
    for an answer over the cap or one that cannot be decoded.
    """
    try:
        async with http.stream(method, url, **kwargs) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise BadAnswer(
                    f"{what}: answer of {int(declared)} bytes is over the limit of {limit}"
                )
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise BadAnswer(f"{what}: answer is over the limit of {limit} bytes")
            return Reply(what, response.status_code, response.headers, bytes(body))
    except httpx.TimeoutException as exc:
        raise Unavailable(f"{what}: no answer in time ({type(exc).__name__})") from exc
    except httpx.DecodingError as exc:
        raise BadAnswer(f"{what}: answer cannot be decoded ({exc})") from exc
    except httpx.TransportError as exc:
        reason = str(exc) or type(exc).__name__
        raise Unavailable(f"{what}: connection failed ({reason})") from exc
    except httpx.HTTPError as exc:  # redirect loops, invalid URLs from the configuration
        raise Unavailable(f"{what}: request failed ({type(exc).__name__}: {exc})") from exc
