"""The fleet database's tables, for SQLite and PostgreSQL alike (SQLAlchemy Core).

Times are seconds since the epoch (UTC) in floating point, which both databases compare and
index as numbers. Usage is kept twice: each event (``usage_events``, pruned after
``[fleet_gateway] keep_events_days``) and monthly totals per unit and channel that the
report reads (``usage_counts``, and ``usage_latency`` holding the answer times as a
histogram in buckets of 10 %, so that a median over any set of units is within 5 %). Both
are written in the transaction that stores a unit's batch, so they never disagree.

The migrations in ``migrations/versions`` build exactly these tables; a test compares them.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa


class NoticeState(enum.StrEnum):
    PENDING = "pending"
    HANDED = "handed"
    """An alert SMS an SMS box took over and has not confirmed yet."""
    DONE = "done"
    FAILED = "failed"


class NoticeChannel(enum.StrEnum):
    WEBHOOK = "webhook"
    SMS = "sms"


metadata = sa.MetaData()

units = sa.Table(
    "units",
    metadata,
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

heartbeats = sa.Table(
    "heartbeats",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("api_latency_ms", sa.Integer),
    sa.Column("api_errors", sa.Integer),
    sa.Column("lookups_hour", sa.Integer),
    sa.Column("answer_ms", sa.Integer),
    sa.Column("signal", sa.Integer),
    sa.Column("outbox_depth", sa.Integer),
    sa.Column("camera_fps", sa.Float),
    sa.Index("heartbeats_unit_at", "unit_id", "at"),
    sa.Index("heartbeats_at", "at"),
)

usage_events = sa.Table(
    "usage_events",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("hour", sa.BigInteger, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("status", sa.String(24), nullable=False, server_default=""),
    sa.Column("latency_ms", sa.Integer, nullable=False),
    sa.Column("bucket", sa.Integer, nullable=False),
    sa.Index("usage_events_day", "day"),
)

usage_counts = sa.Table(
    "usage_counts",
    metadata,
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), primary_key=True),
    sa.Column("channel", sa.String(40), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("outcome", sa.String(16), primary_key=True),
    sa.Column("status", sa.String(24), primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
    sa.Index("usage_counts_month", "month"),
)

usage_latency = sa.Table(
    "usage_latency",
    metadata,
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), primary_key=True),
    sa.Column("channel", sa.String(40), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("bucket", sa.Integer, primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
    sa.Index("usage_latency_month", "month"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False, server_default=""),
    sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    sa.Column("opened_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float),
    sa.Index(
        "alerts_one_open",
        "unit_id",
        "kind",
        "subject",
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    ),
    sa.Index("alerts_opened", "opened_at"),
)

notices = sa.Table(
    "notices",
    metadata,
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
    sa.Index("notices_due", "state", "channel", "next_at"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("login", sa.String(64), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("used_at", sa.Float, nullable=False),
)
