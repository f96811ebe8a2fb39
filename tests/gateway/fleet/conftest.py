import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from gateway.fleet._app import Fleet
from gateway.fleet._auth import hash_password
from gateway.fleet._store import FleetStore
from onestop.config import Config, parse_config
from tests.gateway.fleet.factories import T0
from tests.gateway.fleet.server import serve
from tests.pgcluster import PostgresCluster

FLEET_TEMPLATE = "fleet_template"

PASSWORD = "correct horse battery"
HASH = hash_password(PASSWORD, cost=2**10)  # cheap: the tests log in often
"""The fleet page's login ``thu`` of the page tests."""


class Clock:
    """The fleet's clock, which the tests move; it starts half a minute after T0."""

    def __init__(self) -> None:
        self.now = T0 + 30

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """Debian's PostgreSQL, started for this test run on a free port of 127.0.0.1, with a
    template database already at the fleet's schema (each test gets a copy: much faster
    than running the migrations for each)."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        template = FleetStore(cluster.create_database(FLEET_TEMPLATE))
        template.upgrade()
        template.close()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty fleet database of each kind the gateway supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/fleet.sqlite3"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database(f"fleet_{uuid.uuid4().hex[:12]}", template=FLEET_TEMPLATE)


@pytest.fixture
def store(database_url: str) -> Iterator[FleetStore]:
    fleet = FleetStore(database_url)
    fleet.upgrade()
    try:
        yield fleet
    finally:
        fleet.close()


TOKENS = {"token-vithuy-sms": "vithuy-sms", "token-kiosk-1": "kiosk-1", "token-icinga": "icinga"}
"""The clients the tests' gateways know: bearer token to client name."""


def token_auth(request: Request) -> str | None:
    """Bearer tokens as the gateway checks them, from the tests' fixed list."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return TOKENS.get(token) if scheme.lower() == "bearer" else None


def fleet_config(database_url: str, **sections: dict[str, str]) -> Config:
    content: dict[str, dict[str, str]] = {
        "fleet_gateway": {"enabled": "yes", "database": database_url, "readers": "icinga"}
    }
    for name, values in sections.items():
        content.setdefault(name, {}).update(values)
    return parse_config(content)


@dataclass
class RunningFleet:
    fleet: Fleet
    url: str

    @property
    def store(self) -> FleetStore:
        return self.fleet.store


@contextmanager
def running_fleet(
    config: Config,
    *,
    wrap: Callable[[ASGIApp], ASGIApp] = lambda app: app,
    routes: Sequence[BaseRoute] = (),
    **kwargs: Any,
) -> Iterator[RunningFleet]:
    """The fleet's routes on a real server, with its lifespan (migrations, background work);
    ``wrap`` puts a fault in front of it."""
    fleet = Fleet(config, authenticate=token_auth, **kwargs)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with fleet.lifespan():
            yield

    app = Starlette(routes=[*routes, *fleet.routes], lifespan=lifespan)
    with serve(wrap(app)) as url:
        yield RunningFleet(fleet, url)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[RunningFleet]:
    """A fleet gateway on SQLite, served on 127.0.0.1."""
    with running_fleet(fleet_config(f"sqlite:///{tmp_path}/fleet.sqlite3")) as running:
        yield running
