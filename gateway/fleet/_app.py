"""The fleet's part of the gateway: the heartbeat endpoint, the fleet page, the usage report,
and the background work (alerts, their delivery, pruning), as routes the gateway mounts and a
lifespan it runs.

Units authenticate with the bearer token the gateway gave them (``[gateway] clients_file``);
the client's name is the unit's name. Heartbeats are never taken anonymously: without a
client list the fleet endpoint refuses everyone, as a fleet of strangers would be worthless.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gateway.bodies import read_capped
from gateway.fleet._alerts import AlertBook, Thresholds
from gateway.fleet._notices import WebhookSender
from gateway.fleet._pages import FleetPages, unit_state
from gateway.fleet._store import FleetStore, Unit
from gateway.fleet._words import alert_detail, alert_title
from gateway.responses import ErrorCode, error_response, json_response, raw_json_response
from onestop.config import Config
from onestop.fleet import (
    HEARTBEAT_PATH,
    Batch,
    ContractError,
    HeartbeatItem,
    Role,
    decode,
    encode,
)

log = logging.getLogger(__name__)

UNITS_PATH = "/api/v1/fleet/units"
MAX_BATCH_BYTES = 2 * 2**20
"""A full batch is well under a megabyte; more is not a unit speaking the contract."""

Authenticate = Callable[[Request], str | None]
"""The client's name for a request's bearer token, or None when it has no valid one."""


def unauthorized() -> Response:
    return error_response(
        401,
        ErrorCode.UNAUTHORIZED,
        "A valid client token is needed.",
        headers={"WWW-Authenticate": 'Bearer realm="onestop"'},
    )


@dataclass
class FleetSettings:
    """What the request handlers read from the configuration (swapped whole on reload)."""

    readers: frozenset[str]
    sms_units: frozenset[str]

    @classmethod
    def from_config(cls, config: Config) -> FleetSettings:
        return cls(
            readers=frozenset(config.fleet_gateway.readers),
            sms_units=frozenset(config.fleet_alerts.sms_units),
        )


class Fleet:
    """The fleet of one gateway: ``routes`` to mount, ``lifespan`` to run around serving."""

    def __init__(
        self,
        config: Config,
        *,
        authenticate: Authenticate,
        store: FleetStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        section = config.fleet_gateway
        password = None
        if section.database_password_file is not None:
            password = section.database_password_file.read_text(encoding="utf-8").strip()
        alerting = config.fleet_alerts
        self.config = config
        self.store = store or FleetStore(section.database, password=password)
        self.settings = FleetSettings.from_config(config)
        self.authenticate = authenticate
        self.clock = clock
        self.book = AlertBook(
            self.store.engine,
            limits=Thresholds.from_config(alerting),
            webhook=bool(alerting.webhook_url),
            phones=alerting.phones,
        )

        self.pages = FleetPages(config, self.store, clock=clock, reader=self.reader)

    @property
    def routes(self) -> list[BaseRoute]:
        return [
            Route(HEARTBEAT_PATH, self.heartbeat, methods=["POST"]),
            Route(f"{UNITS_PATH}", self.api_units),
            Route(f"{UNITS_PATH}/{{name}}", self.api_units),
            *self.pages.routes,
        ]

    def reader(self, request: Request) -> str | None:
        """The client's name when its token is one of ``[fleet_gateway] readers``."""
        if "authorization" not in request.headers:
            return None
        client = self.authenticate(request)
        return client if client is not None and client in self.settings.readers else None

    # -- lifecycle -------------------------------------------------------------------------------

    def prepare(self) -> str:
        """Bring the database to this release's schema before serving; the revision."""
        revision = self.store.upgrade()
        log.info("fleet database at schema revision %s", revision)
        return revision

    async def run(self) -> None:
        """The background work while the gateway serves, until cancelled: every
        ``[fleet_alerts] check_interval`` the alerts and the webhook's notices, every hour
        the pruning of old heartbeats, usage events and sessions."""
        alerting = self.config.fleet_alerts
        section = self.config.fleet_gateway
        async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as http:
            sender = None
            if alerting.webhook_url:
                sender = WebhookSender(
                    self.store.engine,
                    url=alerting.webhook_url,
                    secret=alerting.webhook_secret,
                    http=http,
                )
            next_prune = 0.0
            while True:
                now = self.clock()
                try:
                    await self.check_alerts(now)
                    if sender is not None:
                        await sender.deliver_due(now)
                    if now >= next_prune:
                        next_prune = now + 3600
                        await anyio.to_thread.run_sync(
                            functools.partial(
                                self._prune,
                                now,
                                history_hours=section.history_hours,
                                keep_events_days=section.keep_events_days,
                            )
                        )
                except Exception:
                    log.exception("fleet background work failed; trying again")
                await anyio.sleep(alerting.check_interval)

    def _prune(self, now: float, *, history_hours: int, keep_events_days: int) -> None:
        removed = self.store.prune(
            now, history_hours=history_hours, keep_events_days=keep_events_days
        )
        removed += self.pages.sessions.prune(now)
        if removed:
            log.info("fleet: pruned %d old heartbeats, usage events and sessions", removed)

    def close(self) -> None:
        self.store.close()

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """:meth:`prepare`, :meth:`run` while the block runs, then :meth:`close`; for a
        server of the fleet alone (tests, the benchmark)."""
        await anyio.to_thread.run_sync(self.prepare)
        try:
            async with anyio.create_task_group() as background:
                background.start_soon(self.run)
                yield
                background.cancel_scope.cancel()
        finally:
            await anyio.to_thread.run_sync(self.close)

    async def check_alerts(self, now: float) -> None:
        def evaluate() -> None:
            self.book.evaluate(self.store.units(), now)

        await anyio.to_thread.run_sync(evaluate)

    # -- units -----------------------------------------------------------------------------------

    async def heartbeat(self, request: Request) -> Response:
        client = self.authenticate(request)
        if client is None:
            return unauthorized()
        body = await read_capped(request, MAX_BATCH_BYTES)
        if body is None:
            return error_response(
                413, ErrorCode.BODY_TOO_LARGE, f"A batch may hold at most {MAX_BATCH_BYTES} bytes."
            )
        try:
            batch = decode(body, Batch)
        except ContractError as exc:
            return error_response(
                400, ErrorCode.BAD_REQUEST, f"The batch breaks the fleet contract: {exc}"
            )
        if any(
            isinstance(item, HeartbeatItem) and item.heartbeat.role is not batch.role
            for item in batch.items
        ):
            return error_response(
                400, ErrorCode.BAD_REQUEST, "A heartbeat's role differs from the batch's."
            )
        answer = await anyio.to_thread.run_sync(
            lambda: self.store.ingest(
                client, batch, self.clock(), may_send_alerts=self._may_send_alerts(client, batch)
            )
        )
        return raw_json_response(encode(answer))

    async def api_units(self, request: Request) -> Response:
        """The units' state for monitoring tools (``onestop-check``); readers only."""
        if self.reader(request) is None:
            return unauthorized()
        name = request.path_params.get("name")
        now = self.clock()
        if name is None:
            found = await anyio.to_thread.run_sync(self.store.units)
        else:
            found = await anyio.to_thread.run_sync(self.store.find_unit, name)
            if not found:
                return error_response(404, ErrorCode.NOT_FOUND, f"No unit is called {name[:64]!r}.")
        silent_after = self.config.fleet_alerts.silent_after
        return json_response(
            {
                "time": now,
                "silent_after": silent_after,
                "units": [unit_json(unit, now, silent_after) for unit in found],
            }
        )

    def _may_send_alerts(self, client: str, batch: Batch) -> bool:
        """An SMS box gets alert texts when the configuration allows it and its newest
        heartbeat in this batch says a modem (or link) is ready to send."""
        if batch.role is not Role.SMS:
            return False
        if self.settings.sms_units and client not in self.settings.sms_units:
            return False
        beats = [item.heartbeat for item in batch.items if isinstance(item, HeartbeatItem)]
        if not beats:
            return False
        newest = max(beats, key=lambda beat: beat.at)
        return any(modem.state == "ready" for modem in newest.modems)


def unit_json(unit: Unit, now: float, silent_after: float) -> dict[str, Any]:
    beat = unit.heartbeat
    return {
        "name": unit.name,
        "role": unit.role.value,
        "office": unit.office,
        "version": unit.version,
        "state": unit_state(unit, now, silent_after),
        "last_seen": unit.last_seen,
        "age_s": round(now - unit.last_seen, 1),
        "alerts": [
            {
                "kind": alert.kind,
                "subject": alert.subject,
                "opened_at": alert.opened_at,
                "text": alert_title(alert.kind, "en")
                + ": "
                + alert_detail(alert.kind, alert.facts, "en"),
            }
            for alert in unit.alerts
        ],
        "heartbeat": msgspec.to_builtins(beat) if beat is not None else None,
    }
