"""The send path every transport shares: mark sending, submit, record the outcome, all in the
thread that submits.

A modem, a modem of a pool, the SMPP link or Kannel's sendsms client calls the
:class:`ReplyJournal` of a reply part by part (it is a ``hardware.modem.SendJournal``). Each
call is one commit in the store, made by the submitting thread before it does anything else:
the reply is ``sending`` before a part leaves, and the network's answer is written down the
moment it is read, with no queue or other thread in between. How the outcome is judged
(retry with backoff, give up, resend once after an interruption) is decided here, once, for
every transport.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from smsd._store import Outgoing, Store

log = logging.getLogger(__name__)

MODEM_AWAY_RETRY = 1.0
"""Seconds before a reply whose part certainly did not leave is tried again."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a refused reply is tried again."""

    retries: int = 6
    backoff: float = 5.0

    def delay(self, attempts: int) -> float | None:
        """Seconds before attempt ``attempts + 1``; None once the retries are used up."""
        if attempts > self.retries:
            return None
        return min(self.backoff * 2.0 ** (attempts - 1), 3600.0)


class ReplyJournal:
    """One reply's journal, written to the store by whichever thread submits it; ``route``
    is the SIM or link the daemon chose for it, which its parts count against."""

    def __init__(
        self,
        store: Store,
        reply: Outgoing,
        policy: RetryPolicy,
        *,
        route: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._reply = reply
        self._policy = policy
        self._route = route
        self._clock = clock

    def sending(self, part: int, total: int) -> None:
        self._store.sending(self._reply.id, part, self._route)

    def accepted(self, part: int, total: int, reference: int | str) -> None:
        self._store.accepted(
            self._reply.id,
            part,
            total,
            self._clock(),
            route=self._route,
            network_id=str(reference),
        )
        if part == total:
            log.info("replied to %s", self._reply.recipient)

    def refused(self, part: int, reason: str, *, transient: bool) -> None:
        recipient = self._reply.recipient
        attempts = self._reply.attempts + 1
        delay = self._policy.delay(attempts) if transient else None
        if delay is None:
            why = "refused for good" if not transient else f"failed {attempts} times; giving up"
            log.error("reply to %s %s: %s", recipient, why, reason)
            self._store.mark_failed_attempt(self._reply.id, reason, None, self._clock())
            return
        log.warning("reply to %s failed (%s); retrying in %.0f s", recipient, reason, delay)
        self._store.mark_failed_attempt(self._reply.id, reason, self._clock() + delay)

    def interrupted(self, part: int, reason: str, *, maybe_sent: bool) -> None:
        if not maybe_sent:
            # The transport itself is away (reopening, resetting) or holds the part back (the
            # SMSC asked it to slow down): not the reply's fault, and nothing left.
            self._store.retry_reply(self._reply.id, reason, self._clock() + MODEM_AWAY_RETRY)
            return
        again = self._store.interrupted(self._reply.id, reason, self._clock())
        what = "sending it once more" if again else "not sending it again"
        log.warning(
            "reply to %s was cut off inside its send of part %d (%s); %s",
            self._reply.recipient,
            part,
            reason,
            what,
        )
