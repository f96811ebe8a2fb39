"""When to ask the status API again, and after how long, within a lookup's deadline.

The client retries itself rather than through urllib3's ``Retry``, whose pauses (backoff and
``Retry-After``) know nothing of the lookup's deadline: a 4.5 s wait then ``429 Retry-After: 5``
twice over took 24 s of a 15 s lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""What a proxy or an overloaded API answers; worth one more try after a pause. Connection
errors, resets and read time-outs are retried too; other answers are final."""


@dataclass(frozen=True, slots=True)
class RetryPlan:
    """``retries`` more tries after the first, ``backoff`` seconds before the first retry and
    twice as long before each next one, unless the API says how long (``Retry-After``)."""

    retries: int = 2
    backoff: float = 0.3
    max_retry_after: float = 5.0

    def pause(self, retry: int, retry_after: float | None, remaining: float) -> float | None:
        """Seconds to wait before retry number ``retry`` (1 for the first), or None to give up
        now: the retries are spent, the API asks for a longer pause than ``max_retry_after``
        (a citizen at a kiosk will not wait a minute; the last known status answers instead),
        or the pause would reach the deadline, ``remaining`` seconds away."""
        if retry > self.retries:
            return None
        if retry_after is not None and retry_after > self.max_retry_after:
            return None
        pause = self.backoff * 2 ** (retry - 1) if retry_after is None else retry_after
        return pause if pause < remaining else None
