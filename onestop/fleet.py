"""The fleet contract: what a kiosk or SMS box tells the gateway, and what it hears back.

Units and gateway are upgraded at different times, so the messages are typed structures
(msgspec) that both ends decode with validation: a unit with a newer release may add fields
(the gateway ignores names it does not know), but a wrong type or an out-of-range number is
refused with a message that names the field. Nothing here can hold a phone number, a
dossier code or a message text: a heartbeat is the unit's health, a usage event the outcome
of one lookup rounded to the hour.

A unit keeps what it has to send in a durable outbox and numbers each item (``seq``, never
reused by that outbox); the gateway stores each ``(unit, outbox_id, seq)`` once and answers
with the highest number it holds, so a batch sent again after a lost answer is harmless and
the items are applied in order. The heartbeat answer also carries the gateway's clock (for
the unit's clock offset) and, for an SMS box, alert texts to send to technicians; the box
acknowledges them in its next batch.

``POST /api/v1/fleet/heartbeat`` (bearer token of the unit) takes a :class:`Batch` and answers
a :class:`BatchAnswer`.
"""

from __future__ import annotations

import enum
from typing import Annotated, TypeVar

import msgspec

from dossier import Status

HEARTBEAT_PATH = "/api/v1/fleet/heartbeat"
MAX_ITEMS = 500
"""Most items in one batch; a unit back from a long outage sends its backlog in several."""

Count = Annotated[int, msgspec.Meta(ge=0, le=10**9)]
Millis = Annotated[int, msgspec.Meta(ge=0, le=86_400_000)]
Seconds = Annotated[float, msgspec.Meta(ge=0, le=10 * 366 * 86400)]
Name = Annotated[str, msgspec.Meta(max_length=64)]
Words = Annotated[str, msgspec.Meta(max_length=200)]


class Role(enum.StrEnum):
    """What a unit is; a machine that is both runs two units under one name."""

    KIOSK = "kiosk"
    SMS = "sms"


class Outcome(enum.StrEnum):
    """How one request to a unit ended, as the usage report counts it (the SMS daemon's usage
    events use the same values)."""

    FOUND = "found"
    LAST_KNOWN = "last_known"
    """Answered with the last known status while the status API was down."""
    NOT_FOUND = "not_found"
    REJECTED = "rejected"
    """The status API refused the code as malformed: a wrong code, as the report counts it."""
    INVALID_CODE = "invalid_code"
    UNAVAILABLE = "unavailable"
    INCOMPLETE = "incomplete"
    """A long SMS arrived without its code: the citizen was asked to send it again."""
    HELP = "help"
    """A request for instructions, not a lookup."""
    UNKNOWN = "unknown"
    """A message that was neither a lookup nor a request for instructions."""
    RESENT = "resent"
    """An SMS reply cut off inside its send went out again (not a lookup)."""
    UNSENT = "unsent"
    """An SMS reply was given up (not a lookup)."""

    @property
    def is_lookup(self) -> bool:
        return self in LOOKUPS

    @property
    def answered(self) -> bool:
        return self in (Outcome.FOUND, Outcome.LAST_KNOWN)


LOOKUPS = frozenset(
    {
        Outcome.FOUND,
        Outcome.LAST_KNOWN,
        Outcome.NOT_FOUND,
        Outcome.REJECTED,
        Outcome.INVALID_CODE,
        Outcome.UNAVAILABLE,
        Outcome.INCOMPLETE,
    }
)
"""The outcomes that count as lookups (and whose answer times the report takes)."""


class Modem(msgspec.Struct, frozen=True, kw_only=True):
    """One modem (or SMPP or Kannel link) of an SMS box."""

    name: Name
    state: Name
    """``ready`` when it can send; anything else is down."""
    signal: Annotated[int, msgspec.Meta(ge=0, le=99)] | None = None
    """The modem's signal quality (AT+CSQ, 0 to 31; 99 unknown)."""
    operator: Name | None = None


class Sim(msgspec.Struct, frozen=True, kw_only=True):
    """One SIM's sends against its caps (a cap of 0 means none)."""

    name: Name
    sent_hour: Count = 0
    cap_hour: Count = 0
    sent_day: Count = 0
    cap_day: Count = 0


class Heartbeat(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A unit's health at ``at`` (the unit's clock, seconds since the epoch)."""

    role: Role
    at: float
    version: Name
    uptime_s: Seconds
    office: Words = ""
    clock_offset_s: Annotated[float, msgspec.Meta(ge=-1e9, le=1e9)] | None = None
    """The gateway's clock minus the unit's, measured on the last exchange."""
    disk_free_mb: Count | None = None
    cpu_temp_c: Annotated[float, msgspec.Meta(ge=-100, le=200)] | None = None
    api_requests: Count = 0
    """Requests to the status API in the last hour, and how many of them failed."""
    api_errors: Count = 0
    api_latency_ms: Millis | None = None
    """The median time of those requests."""

    # An SMS box.
    transport: Name | None = None
    modems: tuple[Modem, ...] = ()
    sims: tuple[Sim, ...] = ()
    outbox_depth: Count | None = None
    """Replies stored and not sent yet."""
    oldest_unanswered_s: Seconds | None = None
    """Age of the oldest received message without a reply; None when there is none."""
    replies_hour: Count | None = None
    reply_median_ms: Millis | None = None

    # A kiosk.
    screen: Name | None = None
    screen_since_s: Seconds | None = None
    ui_stalled_s: Seconds | None = None
    """Time since the screen last redrew: large when the interface hangs."""
    last_touch_s: Seconds | None = None
    camera: Words | None = None
    """The camera in use; None when the kiosk has none (then its frame rate is no alert)."""
    camera_fps: Annotated[float, msgspec.Meta(ge=0, le=1000)] | None = None
    scanner_seen_s: Seconds | None = None
    """Time since a scanner last sent a code; None when none has since the start."""
    lookups_hour: Count | None = None


class UsageEvent(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One lookup or request: when (the hour, UTC seconds), where, and how it ended."""

    hour: Annotated[int, msgspec.Meta(ge=0, multiple_of=3600)]
    channel: Role
    outcome: Outcome
    latency_ms: Millis
    status: Status | None = None
    """The status the citizen was told, for answered lookups."""
    transport: Name = ""
    """How the SMS came in (modem, modem-pool, kannel, smpp); empty for a kiosk."""


class HeartbeatItem(msgspec.Struct, frozen=True, tag="heartbeat"):
    seq: Annotated[int, msgspec.Meta(ge=1)]
    heartbeat: Heartbeat


class UsageItem(msgspec.Struct, frozen=True, tag="usage"):
    seq: Annotated[int, msgspec.Meta(ge=1)]
    event: UsageEvent


Item = HeartbeatItem | UsageItem


class Batch(msgspec.Struct, frozen=True, kw_only=True):
    """What a unit posts: its outbox's identity, the items in order, the alert texts sent."""

    outbox_id: Annotated[str, msgspec.Meta(min_length=8, max_length=64)]
    role: Role
    items: Annotated[tuple[Item, ...], msgspec.Meta(max_length=MAX_ITEMS)] = ()
    sent_alerts: Annotated[tuple[int, ...], msgspec.Meta(max_length=1000)] = ()
    """Ids of alert texts the SMS box has stored in its own outbox since the last batch."""


class AlertText(msgspec.Struct, frozen=True, kw_only=True):
    """An SMS for a technician that the gateway asks an SMS box to send."""

    id: int
    to: Annotated[str, msgspec.Meta(max_length=20)]
    text: Annotated[str, msgspec.Meta(max_length=480)]


class BatchAnswer(msgspec.Struct, frozen=True, kw_only=True):
    acked: int
    """The highest ``seq`` of this outbox the gateway holds: the unit may forget up to it."""
    time: float
    """The gateway's clock when it answered."""
    alerts: tuple[AlertText, ...] = ()


def hour_of(moment: float) -> int:
    """The start of the UTC hour holding ``moment``: usage events are kept to the hour."""
    return int(moment // 3600) * 3600


_Message = TypeVar("_Message", Batch, BatchAnswer)


class ContractError(ValueError):
    """A message that does not follow this contract; the text names the field."""


def decode(body: bytes, kind: type[_Message]) -> _Message:
    """Read a message of this contract, or say which field is wrong."""
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as exc:
        raise ContractError(str(exc)) from exc
    except msgspec.DecodeError as exc:
        raise ContractError(f"not JSON: {exc}") from exc


def encode(message: Batch | BatchAnswer | Heartbeat | UsageEvent) -> bytes:
    return msgspec.json.encode(message)
