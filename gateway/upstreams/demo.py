"""The demo system: today's bundled Hậu Giang dossiers (or a JSON file of status records)
served in-process, behind the same :class:`Upstream` interface as a province's real systems.

``onestop-gateway --demo``, ``[upstream.NAME] type = demo`` and ``onestop-demo-api`` serve it.
The bundled set is written relative to today (received so many days ago, due so many days
later), so that whenever the demo runs it shows dossiers received this morning, due tomorrow,
overdue by a week and delivered last month, and their codes carry real dates. Their codes are
of every built-in family (``format`` spells the others), so that each channel's demo shows each
kind of receipt; the OpenCPS one also has the internal id that OpenCPS's kiosk payloads carry
(``D-{key}-{id}``).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from dossier import (
    ICT,
    Applicant,
    CodeError,
    Dossier,
    DossierCode,
    DossierFormatError,
    HistoryEntry,
    Status,
    dossier_from_json,
    normalize_code,
    parse_code,
)
from gateway.errors import GatewayError
from gateway.upstreams._base import Answer, NotFound, Upstream
from onestop.config import UpstreamSection


class DemoDataError(GatewayError):
    """A demo data file cannot be served; names the entry and the field."""


@dataclass(frozen=True, slots=True)
class DemoRecord:
    """A dossier as the server holds it: with the applicant, the key that reveals them, and
    the OpenCPS dossier id it is also found by (``D-{id}``), if any."""

    dossier: Dossier
    lookup_key: str | None = None
    dossier_id: int | None = None


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ICT)


def _materialize(entry: dict[str, Any], pickups: dict[str, str], now: dt.datetime) -> DemoRecord:
    now = now.replace(microsecond=0)
    today = now.astimezone(ICT).date()
    seq = entry["seq"]
    received_day = today - dt.timedelta(days=entry["received"])
    received_at = min(_at(received_day, 7, 30 + int(seq) % 25), now - dt.timedelta(minutes=20))
    due_at = _at(received_day + dt.timedelta(days=entry["days"]), 16, 30)
    rescheduled = entry.get("rescheduled")
    rescheduled_due_at = due_at + dt.timedelta(days=rescheduled) if rescheduled else None
    status = Status(entry["status"])
    completed_at = None
    if "completed" in entry:
        completed_day = today - dt.timedelta(days=entry["completed"])
        completed_at = max(received_at, min(_at(completed_day, 10, 15), now))
    steps = entry["steps"]
    end = completed_at or received_at + (now - received_at) * 0.8
    span = (end - received_at) / max(len(steps) - 1, 1)
    span = dt.timedelta(seconds=int(span.total_seconds()))
    history = tuple(
        HistoryEntry(at=received_at + span * index, unit=unit, status=Status(step), note=note)
        for index, (step, unit, note) in enumerate(steps)
    )
    applicant = entry.get("applicant")
    dossier = Dossier(
        code=entry.get("format", "{agency}-{date}-{seq}").format(
            agency=entry["agency_code"], date=f"{received_day:%y%m%d}", seq=seq
        ),
        procedure=entry["procedure"],
        agency=entry["agency"],
        status=status,
        received_at=received_at,
        due_at=due_at,
        rescheduled_due_at=rescheduled_due_at,
        completed_at=completed_at,
        current_unit=None if status.finished else entry.get("unit"),
        pickup_location=pickups[entry["pickup"]].format(desk=entry.get("desk", "")),
        history=history,
        updated_at=history[-1].at,
        applicant=Applicant(*applicant) if applicant else None,
    )
    return DemoRecord(dossier, entry.get("key"), entry.get("dossier_id"))


DEMO_DAY_VARIABLE = "ONESTOP_DEMO_DAY"
"""Names a day (YYYY-MM-DD) that the bundled dossiers are dated from instead of today, so that
a demo shown twice, or programs started apart (a test suite that runs across midnight in
Vietnam), see the same codes."""


def demo_now(environ: Mapping[str, str] = os.environ) -> dt.datetime:
    """This moment, on the day ``$ONESTOP_DEMO_DAY`` names when it is set."""
    now = dt.datetime.now(ICT)
    day = environ.get(DEMO_DAY_VARIABLE, "").strip()
    if not day:
        return now
    try:
        pinned = dt.date.fromisoformat(day)
    except ValueError:
        raise DemoDataError(
            f"${DEMO_DAY_VARIABLE} is {day!r}; expected a day such as 2026-11-29"
        ) from None
    return dt.datetime.combine(pinned, now.timetz())


def bundled_records(now: dt.datetime | None = None) -> list[DemoRecord]:
    """The bundled Hậu Giang dossiers, dated relative to ``now`` (default: :func:`demo_now`)."""
    now = now or demo_now()
    source = resources.files("gateway.upstreams").joinpath("demo_dossiers.json")
    data = json.loads(source.read_text(encoding="utf-8"))
    return [_materialize(entry, data["pickup"], now) for entry in data["dossiers"]]


def load_records(path: Path) -> list[DemoRecord]:
    """Dossiers from a JSON list of status records in the API's own schema, each optionally
    with ``applicant`` and a ``lookup_key`` that the server never returns."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DemoDataError(f"{path}: cannot read a JSON document: {exc}") from None
    if not isinstance(data, list):
        raise DemoDataError(f"{path}: expected a JSON list of status records")
    records = []
    for index, item in enumerate(data):
        try:
            dossier = dossier_from_json(item)
            normalize_code(dossier.code)
        except (DossierFormatError, CodeError) as exc:
            raise DemoDataError(f"{path}: entry {index}: {exc}") from None
        key = item.get("lookup_key")
        if key is not None and not isinstance(key, str):
            raise DemoDataError(f"{path}: entry {index}: 'lookup_key' must be a string")
        records.append(DemoRecord(dossier, key))
    return records


class DemoUpstream(Upstream):
    """Answers from demo records held in memory; the applicant only for the record's key.

    The records are the section's ``data`` file, else the bundled set; ``records`` overrides
    both (the demo API's ``--data`` and tests pass their own). A record with an OpenCPS
    dossier id is found by ``D-{id}`` too, as OpenCPS finds it.
    """

    kind = "demo"

    def __init__(
        self,
        name: str,
        settings: UpstreamSection,
        http: httpx.AsyncClient,
        *,
        records: Iterable[DemoRecord] | None = None,
    ) -> None:
        super().__init__(name, settings, http)
        if records is None:
            records = load_records(settings.data) if settings.data else bundled_records()
        self.records: dict[DossierCode, DemoRecord] = {}
        self.dossier_count = 0
        for record in records:
            self.dossier_count += 1
            self.records[parse_code(record.dossier.code)] = record
            if record.dossier_id is not None:
                self.records[parse_code(f"D-{record.dossier_id}")] = record

    async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
        record = self.records.get(code)
        if record is None:
            raise NotFound(f"no demo dossier {code}")
        if lookup_key and record.lookup_key and _same_key(lookup_key, record.lookup_key):
            return Answer(record.dossier, key_verified=True)
        return Answer(record.dossier.without_applicant())


def _same_key(given: str, expected: str) -> bool:
    """Receipts print keys in capitals; citizens type them as they like."""
    return hmac.compare_digest(given.strip().upper().encode(), expected.upper().encode())
