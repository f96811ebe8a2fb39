"""Delivering alert notices to the configured webhook, with retries that survive a restart.

Each notice is a row queued with its alert (see ``_alerts``). The sender leases due rows (so
two gateways never post the same one at once), posts each as JSON with an HMAC-SHA256
signature of the body (``X-Onestop-Signature: sha256=<hex>``, keyed with ``[fleet_alerts]
webhook_secret``), and writes the outcome back: done, or tried again later with a growing
pause, and given up after a day of failures. The receiver may get a notice twice (a gateway
that stopped between posting and writing it down): the alert id and event let it tell.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

import anyio
import httpx
import sqlalchemy as sa

from gateway.fleet._database import transaction
from gateway.fleet._schema import NoticeChannel, NoticeState, notices

log = logging.getLogger(__name__)

LEASE = 120.0
"""Seconds a gateway holds a notice it is posting before another may try it."""
MAX_ATTEMPTS = 20
"""With the pauses doubling up to an hour, about a day of trying."""
SIGNATURE_HEADER = "X-Onestop-Signature"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_pause(attempts: int) -> float:
    return float(min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True, slots=True)
class _Due:
    id: int
    body: bytes
    attempts: int


class WebhookSender:
    def __init__(
        self, engine: sa.Engine, *, url: str, secret: str, http: httpx.AsyncClient
    ) -> None:
        self.engine = engine
        self.url = url
        self.secret = secret
        self.http = http

    async def deliver_due(self, now: float) -> int:
        """Post every due notice once; returns how many the receiver accepted."""
        due = await anyio.to_thread.run_sync(self._lease, now)
        accepted = 0
        for notice in due:
            failure = await self._post(notice.body)
            await anyio.to_thread.run_sync(self._record, notice, failure, now)
            accepted += failure is None
        return accepted

    def _lease(self, now: float) -> list[_Due]:
        with transaction(self.engine, write=True) as db:
            rows = db.execute(
                sa.select(notices.c.id, notices.c.text, notices.c.attempts)
                .where(
                    notices.c.channel == NoticeChannel.WEBHOOK.value,
                    notices.c.state == NoticeState.PENDING.value,
                    notices.c.next_at <= now,
                )
                .order_by(notices.c.id)
                .limit(50)
            ).all()
            leased = []
            for row in rows:
                taken = db.execute(
                    sa.update(notices)
                    .where(notices.c.id == row.id, notices.c.next_at <= now)
                    .values(next_at=now + LEASE)
                ).rowcount
                if taken:
                    leased.append(_Due(row.id, row.text.encode(), row.attempts))
        return leased

    async def _post(self, body: bytes) -> str | None:
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        try:
            response = await self.http.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:200]
        if response.is_success:
            return None
        return f"HTTP {response.status_code}"

    def _record(self, notice: _Due, failure: str | None, now: float) -> None:
        attempts = notice.attempts + 1
        if failure is None:
            values: dict[str, object] = {
                "state": NoticeState.DONE.value,
                "done_at": now,
                "attempts": attempts,
            }
        elif attempts >= MAX_ATTEMPTS:
            log.error("alert webhook: giving up on notice %d: %s", notice.id, failure)
            values = {
                "state": NoticeState.FAILED.value,
                "attempts": attempts,
                "last_error": failure,
            }
        else:
            log.warning("alert webhook: %s; trying notice %d again later", failure, notice.id)
            values = {
                "attempts": attempts,
                "last_error": failure,
                "next_at": now + retry_pause(attempts),
            }
        with transaction(self.engine, write=True) as db:
            db.execute(sa.update(notices).where(notices.c.id == notice.id).values(values))
