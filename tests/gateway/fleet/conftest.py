import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.fleet._store import FleetStore
from tests.pgcluster import PostgresCluster


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """Debian's PostgreSQL, started for this test run on a free port of 127.0.0.1."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty fleet database of each kind the gateway supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/fleet.sqlite3"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database(f"fleet_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(database_url: str) -> Iterator[FleetStore]:
    fleet = FleetStore(database_url)
    fleet.upgrade()
    try:
        yield fleet
    finally:
        fleet.close()
