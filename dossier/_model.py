"""A dossier's status record as the status API returns it, validated field by field.

The kiosk and the SMS daemon render whatever the API sends in front of citizens, so a
response is checked completely at the boundary: a wrong type becomes a
:class:`DossierFormatError` that names the field, never a ``KeyError`` in a screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from dossier._status import Status

ICT = dt.timezone(dt.timedelta(hours=7), "ICT")
"""Indochina Time, the offset of every time in the status API."""

FIELDS = (
    "code",
    "procedure",
    "agency",
    "status",
    "status_code",
    "received_at",
    "due_at",
    "rescheduled_due_at",
    "completed_at",
    "current_unit",
    "pickup_location",
    "history",
    "updated_at",
)
"""The top-level names of a status record; ``applicant`` joins them only for a correct key."""


class DossierFormatError(ValueError):
    """A status record does not follow the API contract; names the field and the expectation."""

    def __init__(self, field: str, expected: str, got: object) -> None:
        self.field = field
        self.expected = expected
        shown = repr(got)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        super().__init__(f"field {field!r}: expected {expected}, got {shown}")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    unit: str
    status: Status
    note: str


@dataclass(frozen=True, slots=True)
class Applicant:
    name: str
    id_number: str


@dataclass(frozen=True, slots=True)
class Dossier:
    code: str
    procedure: str
    agency: str
    status: Status
    received_at: dt.datetime
    due_at: dt.datetime
    rescheduled_due_at: dt.datetime | None
    completed_at: dt.datetime | None
    current_unit: str | None
    pickup_location: str | None
    history: tuple[HistoryEntry, ...]
    updated_at: dt.datetime
    applicant: Applicant | None = None

    @property
    def effective_due(self) -> dt.datetime:
        """The appointment that counts: the rescheduled one when the office moved it."""
        return self.rescheduled_due_at or self.due_at

    @property
    def rescheduled(self) -> bool:
        return self.rescheduled_due_at is not None and self.rescheduled_due_at != self.due_at

    def overdue(self, now: dt.datetime) -> bool:
        """Past the appointment and not finished ("Quá hạn")."""
        return not self.status.finished and now > self.effective_due

    def days_left(self, now: dt.datetime) -> int:
        """Calendar days in Vietnam from ``now`` to the appointment; negative once past it."""
        return (self.effective_due.astimezone(ICT).date() - now.astimezone(ICT).date()).days

    def without_applicant(self) -> Dossier:
        return replace(self, applicant=None)


def _time(value: object, field: str) -> dt.datetime:
    expected = "an ISO 8601 time with its UTC offset"
    if not isinstance(value, str):
        raise DossierFormatError(field, expected, value)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise DossierFormatError(field, expected, value) from None
    if parsed.tzinfo is None:
        raise DossierFormatError(field, expected, value)
    try:  # 0001-01-01T00:00+14:00 parses, but has no UTC time to compare or show
        parsed.astimezone(dt.UTC).astimezone(ICT)
    except OverflowError:
        raise DossierFormatError(field, "a time between the years 1 and 9999", value) from None
    return parsed


def _optional_time(value: object, field: str) -> dt.datetime | None:
    return None if value is None else _time(value, field)


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise DossierFormatError(field, "a string", value)
    return value


def _optional_text(value: object, field: str) -> str | None:
    return None if value is None else _text(value, field)


def _status(value: object, field: str) -> Status:
    if isinstance(value, str) and value in Status.__members__.values():
        return Status(value)
    raise DossierFormatError(field, "a status key such as 'processing'", value)


def _history(value: object) -> tuple[HistoryEntry, ...]:
    if not isinstance(value, list):
        raise DossierFormatError("history", "a list", value)
    entries = []
    for index, item in enumerate(value):
        where = f"history[{index}]"
        if not isinstance(item, dict):
            raise DossierFormatError(where, "an object", item)
        for name in ("at", "unit", "status", "note"):
            if name not in item:
                raise DossierFormatError(f"{where}.{name}", "a value", None)
        entries.append(
            HistoryEntry(
                at=_time(item["at"], f"{where}.at"),
                unit=_text(item["unit"], f"{where}.unit"),
                status=_status(item["status"], f"{where}.status"),
                note=_optional_text(item["note"], f"{where}.note") or "",
            )
        )
    return tuple(entries)


def _applicant(value: object) -> Applicant | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DossierFormatError("applicant", "an object or null", value)
    return Applicant(
        name=_text(value.get("name"), "applicant.name"),
        id_number=_text(value.get("id_number"), "applicant.id_number"),
    )


def dossier_from_json(data: object) -> Dossier:
    """Validate one decoded status record; unknown names are ignored for forward compatibility."""
    if not isinstance(data, dict):
        raise DossierFormatError("(record)", "a JSON object", data)
    for name in FIELDS:
        if name not in data:
            raise DossierFormatError(name, "a value (the name is missing)", None)
    status = _status(data["status"], "status")
    number = data["status_code"]
    if isinstance(number, bool) or number != status.number:
        raise DossierFormatError("status_code", f"{status.number} for status {status}", number)
    return Dossier(
        code=_text(data["code"], "code"),
        procedure=_text(data["procedure"], "procedure"),
        agency=_text(data["agency"], "agency"),
        status=status,
        received_at=_time(data["received_at"], "received_at"),
        due_at=_time(data["due_at"], "due_at"),
        rescheduled_due_at=_optional_time(data["rescheduled_due_at"], "rescheduled_due_at"),
        completed_at=_optional_time(data["completed_at"], "completed_at"),
        current_unit=_optional_text(data["current_unit"], "current_unit"),
        pickup_location=_optional_text(data["pickup_location"], "pickup_location"),
        history=_history(data["history"]),
        updated_at=_time(data["updated_at"], "updated_at"),
        applicant=_applicant(data.get("applicant")),
    )


def format_time(value: dt.datetime) -> str:
    """ISO 8601 in Vietnam's offset, to the second, as the API contract writes times."""
    return value.astimezone(ICT).isoformat(timespec="seconds")


def dossier_to_json(dossier: Dossier) -> dict[str, Any]:
    """The API representation; ``applicant`` is present only when the record carries one."""

    def optional(value: dt.datetime | None) -> str | None:
        return None if value is None else format_time(value)

    data: dict[str, Any] = {
        "code": dossier.code,
        "procedure": dossier.procedure,
        "agency": dossier.agency,
        "status": str(dossier.status),
        "status_code": dossier.status.number,
        "received_at": format_time(dossier.received_at),
        "due_at": format_time(dossier.due_at),
        "rescheduled_due_at": optional(dossier.rescheduled_due_at),
        "completed_at": optional(dossier.completed_at),
        "current_unit": dossier.current_unit,
        "pickup_location": dossier.pickup_location,
        "history": [
            {
                "at": format_time(entry.at),
                "unit": entry.unit,
                "status": str(entry.status),
                "note": entry.note,
            }
            for entry in dossier.history
        ],
        "updated_at": format_time(dossier.updated_at),
    }
    if dossier.applicant is not None:
        data["applicant"] = {
            "name": dossier.applicant.name,
            "id_number": dossier.applicant.id_number,
        }
    return data
