"""Opening the fleet database: SQLite on one gateway, PostgreSQL when several share it.

SQLAlchemy Core gives both one query language and Alembic one migration history, so the
store's code does not know which database it talks to, apart from the upsert (each dialect
spells ``INSERT ... ON CONFLICT`` itself, SQLAlchemy exposes both with one interface) and
the bulk loading the benchmark does.

SQLite runs in WAL mode, so that the fleet page reads while heartbeats are written; a write
transaction starts with ``BEGIN IMMEDIATE`` (``write=True``), so that two writers queue
for the lock at the start instead of one failing half-way with "database is locked".
Several gateways on PostgreSQL each run the migrations at start under one advisory lock.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import postgresql, sqlite

from gateway.fleet._errors import FleetDatabaseError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
_ADVISORY_LOCK = 0x0F1EE7  # any fixed number: the gateways agree on it
VERSION_TABLE = "fleet_schema_version"


def engine_url(url: str, password: str | None = None) -> sa.URL:
    """The SQLAlchemy URL of ``[fleet_gateway] database``: psycopg 3 for PostgreSQL."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise FleetDatabaseError(f"[fleet_gateway] database: not a database URL: {exc}") from None
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
        if password:
            parsed = parsed.set(password=password)
    elif parsed.get_backend_name() != "sqlite":
        raise FleetDatabaseError(
            f"[fleet_gateway] database: {parsed.get_backend_name()} is not supported "
            "(sqlite or postgresql)"
        )
    return parsed


def open_engine(url: str | sa.URL, *, password: str | None = None) -> sa.Engine:
    parsed = url if isinstance(url, sa.URL) else engine_url(url, password)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": 30}, pool_size=8)
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(parsed, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transactions out of the driver's hands: _sqlite_begin opens them.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    write = connection.get_execution_options().get("write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextlib.contextmanager
def transaction(engine: sa.Engine, *, write: bool = False) -> Iterator[sa.Connection]:
    """One transaction: committed when the block ends, rolled back when it raises."""
    with engine.connect() as opened:
        connection = opened.execution_options(write=True) if write else opened
        with connection.begin():
            yield connection


def upgrade(engine: sa.Engine) -> str:
    """Bring the database to this release's schema; returns the revision it is at.

    A database written by a newer release (a revision this code does not know) is refused,
    as ``onestop.sqlite`` refuses a newer unit store.
    """
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with transaction(engine, write=True) as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_ADVISORY_LOCK)))
            current = MigrationContext.configure(
                connection, opts={"version_table": VERSION_TABLE}
            ).get_current_revision()
            known = _revisions(config)
            if current is not None and current not in known:
                raise FleetDatabaseError(
                    f"the fleet database is at schema revision {current}, which this release "
                    "does not know; it was written by a newer release (upgrade this gateway)"
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            return revision(connection) or ""
    except sa.exc.SQLAlchemyError as exc:
        raise FleetDatabaseError(f"the fleet database cannot be upgraded: {exc}") from exc


def revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE}
    ).get_current_revision()


def _revisions(config: AlembicConfig) -> set[str]:
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def upsert_adding(dialect: str, table: sa.Table, *, keys: Sequence[str], add: str) -> sa.Insert:
    """An insert of rows that, for a row already holding their ``keys``, adds their ``add``
    column to it instead; built once per store, executed with a list of rows."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    statement: sa.Insert = insert.on_conflict_do_update(
        index_elements=list(keys), set_={add: table.c[add] + insert.excluded[add]}
    )
    return statement


def insert_ignoring_conflict(
    connection: sa.Connection,
    table: sa.Table,
    values: dict[str, Any],
    *,
    keys: Sequence[str],
    where: sa.ColumnElement[bool] | None = None,
) -> int | None:
    """Insert one row unless a row with the same ``keys`` exists (within the partial index
    ``where``); the new row's id, or None when it was not inserted."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(values)
    statement = statement.on_conflict_do_nothing(index_elements=list(keys), index_where=where)
    inserted = connection.execute(statement.returning(table.c.id)).first()
    return None if inserted is None else int(inserted[0])
