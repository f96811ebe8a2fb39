"""One gateway, assembled from the configuration: its upstreams, service, limits, ratings, app.

Everything a gateway process holds lives in one :class:`Gateway`, built before the server
starts (so that a bad configuration, clients file or database is reported at once, in words,
and never as a half-started server). Its only state is the answer cache and the limits' counts
(and the ratings it keeps): a province that outgrows one machine runs several gateways behind
any HTTP load balancer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from dossier import CodeQuery, OfficeGuide, parse_query
from gateway.access import HOUR, Access
from gateway.app import StatusApi, build_app
from gateway.breaker import CircuitBreaker
from gateway.cache import AnswerCache
from gateway.clients import ClientRegistry
from gateway.errors import GatewayError
from gateway.limits import KeyedLimiter
from gateway.metrics import Metrics
from gateway.middleware import AccessLog, ApiGuard
from gateway.ratings import Ratings, RatingStore
from gateway.responses import ErrorCode
from gateway.routing import Router
from gateway.secrets import with_secrets
from gateway.server import ConnectionLimits, GatewayServer
from gateway.service import LookupService, UpstreamSlot
from gateway.upstream_client import upstream_client
from gateway.upstreams import ADAPTERS, DemoUpstream, UpstreamFactory
from gateway.web import LookupPages
from onestop.config import Config, GatewaySection, UpstreamSection
from onestop.sqlite import SchemaError

logger = logging.getLogger(__name__)

DEMO_UPSTREAMS = {"demo": UpstreamSection(type="demo")}
"""``--demo``: the bundled dossiers, for every code."""


class Gateway:
    """The parts of one gateway; :meth:`app` serves them, :meth:`lifespan` runs and closes them.

    ``adapters`` maps each upstream ``type`` to what makes its adapter (tests add their own);
    ``database`` is the ratings' SQLite file (None: in memory); ``parse`` reads the code in a
    request path; ratings an upstream did not take are offered again every ``rating_retry``
    seconds.
    """

    def __init__(
        self,
        settings: GatewaySection,
        upstreams: Mapping[str, UpstreamSection],
        *,
        clients: ClientRegistry | None = None,
        adapters: Mapping[str, UpstreamFactory] = ADAPTERS,
        database: Path | None = None,
        parse: Callable[[str], CodeQuery] = parse_query,
        rating_retry: float = 300.0,
        guide: OfficeGuide | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self._http: list[httpx.AsyncClient] = []
        self.background: list[Callable[[], Coroutine[Any, Any, None]]] = []
        """Coroutines run while the gateway serves (the ratings' retries, a watchdog)."""
        slots = {name: self._slot(name, section, adapters) for name, section in upstreams.items()}
        if not slots:
            logger.warning(
                "no [upstream.NAME] section: every lookup is answered 'not found' "
                "(onestop-gateway --demo serves the demo dossiers)"
            )
        self.service = LookupService(
            slots,
            Router(upstreams),
            AnswerCache(
                ttl=settings.cache_ttl,
                size=settings.cache_size,
                stale_max_age=settings.stale_max_age,
            ),
            key_failures=KeyedLimiter(settings.key_failure_limit, HOUR),
            metrics=self.metrics,
        )
        self.access = Access(settings, clients)
        if database is not None and not database.parent.is_dir():
            raise GatewayError(
                f"[gateway] database {database}: the folder {database.parent} does not exist "
                "(the onestop-gateway unit makes it; to run by hand, name another file)"
            )
        try:
            store = RatingStore(database)
        except (sqlite3.Error, SchemaError) as exc:
            raise GatewayError(f"[gateway] database {database}: {exc}") from None
        self.ratings = Ratings(
            store, self.service, lambda text: parse(text).code, retry_interval=rating_retry
        )
        self.background.append(self.ratings.run)
        self.api = StatusApi(
            service=self.service,
            access=self.access,
            ratings=self.ratings,
            metrics=self.metrics,
            parse=parse,
            body_timeout=settings.header_timeout,
            dossier_count=self._demo_dossiers,
        )
        # The page reads codes with the API's parse, and its memory of the spellings it read.
        self.pages = LookupPages(
            self.service, self.access, metrics=self.metrics, parse=self.api.parse, guide=guide
        )

    @classmethod
    def from_config(cls, config: Config, *, demo: bool = False) -> Gateway:
        """The gateway of ``config``; with ``demo``, one demo upstream, open to all, and its
        ratings in memory instead of the configured upstreams, clients and database."""
        settings = config.gateway
        parse = functools.partial(parse_query, families=config.codes.code_families())
        if demo:
            return cls(settings, DEMO_UPSTREAMS, parse=parse, guide=config.guidance.guide())
        clients = None
        if settings.clients_file is not None:
            clients = ClientRegistry.load(settings.clients_file)
            if not len(clients):
                logger.warning(
                    "clients file %s lists no client: every request is refused "
                    "(onestop-gateway client add NAME)",
                    settings.clients_file,
                )
        upstreams = dict(config.upstream)
        if settings.secrets_file is not None:
            upstreams = with_secrets(upstreams, settings.secrets_file)
        return cls(
            settings,
            upstreams,
            clients=clients,
            database=settings.database,
            parse=parse,
            guide=config.guidance.guide(),
        )

    def routes(self) -> list[BaseRoute]:
        """The status API's routes and the citizens' lookup page; other pages mount theirs
        beside them with :meth:`app`."""
        return [*self.api.routes(), *self.pages.routes()]

    def app(self, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
        return build_app(
            [*self.routes(), *extra_routes],
            middleware=[
                Middleware(AccessLog, enabled=self.settings.access_log),
                Middleware(ApiGuard, access=self.access, metrics=self.metrics),
            ],
            lifespan=self.lifespan,
        )

    def connection_limits(self) -> ConnectionLimits:
        def refused(code: ErrorCode) -> None:
            self.metrics.limited.labels(str(code)).inc()

        return ConnectionLimits(
            self.settings.max_connections,
            self.settings.header_timeout,
            self.settings.max_head_size,
            refused,
        )

    def server(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        extra_routes: Sequence[BaseRoute] = (),
        graceful_shutdown: float = 10.0,
    ) -> GatewayServer:
        return GatewayServer(
            self.app(extra_routes),
            self.settings,
            host=host,
            port=port,
            limits=self.connection_limits(),
            graceful_shutdown=graceful_shutdown,
        )

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(run()) for run in self.background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.ratings.drain()
            for slot in self.service.slots.values():
                if slot.upstream is not None:
                    await slot.upstream.aclose()
            for client in self._http:
                await client.aclose()
            self.ratings.store.close()

    def _slot(
        self, name: str, section: UpstreamSection, adapters: Mapping[str, UpstreamFactory]
    ) -> UpstreamSlot:
        breaker = CircuitBreaker(
            failures=self.settings.breaker_failures, cooldown=self.settings.breaker_cooldown
        )
        if section.retired:
            return UpstreamSlot(name, section, None, breaker)
        factory = adapters.get(section.type)
        if factory is None:
            raise GatewayError(
                f"[upstream.{name}] type = {section.type}: this version has no adapter for it"
            )
        http = upstream_client(section)
        self._http.append(http)
        return UpstreamSlot(name, section, factory(name, section, http), breaker)

    def _demo_dossiers(self) -> int | None:
        """How many dossiers the upstreams hold, when they are all demo ones (the demo API's
        health says it); None for real systems, which do not say."""
        adapters = [slot.upstream for slot in self.service.slots.values()]
        if not adapters or not all(isinstance(a, DemoUpstream) for a in adapters):
            return None
        return sum(a.dossier_count for a in adapters if isinstance(a, DemoUpstream))
