"""urllib3's retry policy, with a ceiling on how long a ``Retry-After`` may hold a lookup."""

from __future__ import annotations

from typing import Any

from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({429, 502, 503, 504})


class BoundedRetry(Retry):
    """A ``Retry`` that gives up at once when the server asks for a longer pause than
    ``max_retry_after`` seconds: a citizen at a kiosk will not wait a minute for an answer,
    and the caller falls back to the last known status instead."""

    def __init__(self, *args: Any, max_retry_after: float = 5.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_retry_after = max_retry_after

    def new(self, **kwargs: Any) -> BoundedRetry:
        retry = super().new(**kwargs)
        retry.max_retry_after = self.max_retry_after
        return retry

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> BoundedRetry:
        if response is not None and response.status in RETRY_STATUSES:
            pause = self.get_retry_after(response)
            if pause is not None and pause > self.max_retry_after:
                too_long = ResponseError(f"Retry-After {pause:g} s is too long")
                raise MaxRetryError(_pool, url or "", too_long)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def retry_policy(retries: int, backoff: float, max_retry_after: float) -> BoundedRetry:
    """Retries for GET only: connection errors, read time-outs and the statuses a proxy or an
    overloaded API returns; other answers are handed back for the client to classify."""
    return BoundedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
        max_retry_after=max_retry_after,
    )
