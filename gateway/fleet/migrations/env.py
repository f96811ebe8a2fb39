"""Alembic's environment for the fleet database: run from the gateway on its own connection.

The gateway (``gateway.fleet._database.upgrade``) hands Alembic an open connection in
``config.attributes["connection"]``; there is no ``alembic.ini``. SQLite gets "batch" mode,
so that later migrations can alter tables there as on PostgreSQL.
"""

from __future__ import annotations

from alembic import context

from gateway.fleet._schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    version_table="fleet_schema_version",
)
with context.begin_transaction():
    context.run_migrations()
