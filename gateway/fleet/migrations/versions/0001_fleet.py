"""The first fleet schema: units, heartbeats, usage events and totals, alerts, notices,
fleet page sessions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("office", sa.String(200), nullable=False, server_default=""),
        sa.Column("version", sa.String(64), nullable=False, server_default=""),
        sa.Column("first_seen", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
        sa.Column("last_heartbeat", sa.Float),
        sa.Column("state", sa.Text),
        sa.Column("outbox_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.UniqueConstraint("client", "role", name="units_client_role"),
    )
    op.create_table(
        "heartbeats",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("api_latency_ms", sa.Integer),
        sa.Column("api_errors", sa.Integer),
        sa.Column("lookups_hour", sa.Integer),
        sa.Column("answer_ms", sa.Integer),
        sa.Column("signal", sa.Integer),
        sa.Column("outbox_depth", sa.Integer),
        sa.Column("camera_fps", sa.Float),
    )
    op.create_index("heartbeats_unit_at", "heartbeats", ["unit_id", "at"])
    op.create_index("heartbeats_at", "heartbeats", ["at"])
    op.create_table(
        "usage_events",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("hour", sa.BigInteger, nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False, server_default=""),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("bucket", sa.Integer, nullable=False),
    )
    op.create_index("usage_events_day", "usage_events", ["day"])
    op.create_table(
        "usage_counts",
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("channel", sa.String(40), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("outcome", sa.String(16), primary_key=True),
        sa.Column("status", sa.String(24), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_index("usage_counts_month", "usage_counts", ["month"])
    op.create_table(
        "usage_latency",
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("channel", sa.String(40), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("bucket", sa.Integer, primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    op.create_index("usage_latency_month", "usage_latency", ["month"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False, server_default=""),
        sa.Column("detail", sa.String(200), nullable=False, server_default=""),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.Column("closed_at", sa.Float),
    )
    op.create_index(
        "alerts_one_open",
        "alerts",
        ["unit_id", "kind", "subject"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_index("alerts_opened", "alerts", ["opened_at"])
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("event", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False, server_default=""),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_at", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("assigned_unit", sa.Integer, sa.ForeignKey("units.id")),
        sa.Column("done_at", sa.Float),
        sa.Column("last_error", sa.String(200)),
    )
    op.create_index("notices_due", "notices", ["state", "channel", "next_at"])
    op.create_table(
        "sessions",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("used_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "sessions",
        "notices",
        "alerts",
        "usage_latency",
        "usage_counts",
        "usage_events",
        "heartbeats",
        "units",
    ):
        op.drop_table(table)
