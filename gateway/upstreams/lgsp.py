"""A province's LGSP adapter to the national portal: session login, then ``TraCuuHoSo``.

The envelope is the one OpenCPS's own client of the national portal uses
(VietOpenCPS/opencps-v2 ``DVCQGIntegrationActionImpl``): ``POST`` JSON
``{"username", "password"}`` to the login endpoint (``token_url``) answers
``{"error_code": 0, "session"}``; ``POST`` JSON ``{"session", "madonvi", "service":
"TraCuuHoSo", "mahoso"}`` to ``url`` answers ``{"error_code", "result": [...]}``. A session
is kept until a call fails with a non-zero ``error_code`` or HTTP 401 (how an LGSP words an
expired session is not published), then the adapter logs in again once and repeats the call;
a failure with a fresh session is :class:`Unavailable` with the LGSP's message.

The answer's field names are not all published and differ between provinces, so each field
of the status record is read from the names in ``[upstream.NAME] field.<name> = Name1 Name2``
(the first that is present and not empty wins), with defaults from a ministry adapter with
the same envelope (:data:`DEFAULT_FIELDS`). ``status_code`` is the portal's status number
1 to 10; without one, ``status`` is read as a name through the name table (``_names.py``).
Dates are ``dd/MM/yyyy HH:mm:ss`` in Vietnam time (also ``dd/MM/yyyy`` and the portal's
``yyyyMMddHHmmss``). The answer has no processing steps, so the record's history is empty.

The LGSP checks no lookup key, so nothing about the applicant (ChuHoSo, SoDienThoai, ...)
is ever read.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Mapping
from typing import Any

import httpx

from dossier import Dossier, DossierCode, Status
from gateway.upstreams._base import (
    Answer,
    BadAnswer,
    NotFound,
    Unavailable,
    Upstream,
    UpstreamError,
)
from gateway.upstreams._fields import Fields
from gateway.upstreams._http import Reply, exchange
from gateway.upstreams._names import StatusNames
from onestop.config import UpstreamSection

DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("MaHoSo",),
    "procedure": ("TenDVC", "TenTTHC"),
    "agency": ("DonViXuLy",),
    "status_code": ("MaTrangThai",),
    "status": ("TrangThaiHoSo",),
    "received_at": ("NgayTiepNhan", "NgayNop"),
    "due_at": ("NgayHenTra",),
    "rescheduled_due_at": (),
    "completed_at": ("NgayKetThucXuLy", "NgayTra"),
    "current_unit": (),
    "pickup_location": (),
    "updated_at": (),
}
"""Where each field of the status record is read from, unless ``field.<name>`` says."""

DATES = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%Y%m%d%H%M%S")


class LGSP(Upstream):
    """An LGSP adapter: ``url`` (its service endpoint), ``token_url`` (its login endpoint),
    ``username``, ``password``, ``unit_code`` (madonvi) and optional ``field.*`` names."""

    kind = "lgsp"

    def __init__(self, name: str, settings: UpstreamSection, http: httpx.AsyncClient) -> None:
        super().__init__(name, settings, http)
        self.fields = {
            **DEFAULT_FIELDS,
            **{
                key: tuple(value.replace(",", " ").split()) for key, value in settings.field.items()
            },
        }
        self.names = StatusNames(name)
        self._session: str | None = None
        self._session_lock = asyncio.Lock()

    @property
    def unmapped_statuses(self) -> Mapping[str, int]:
        return self.names.unmapped

    def _what(self, call: str) -> str:
        return f"LGSP {self.name}: {call}"

    async def _post(self, url: str, body: dict[str, Any], call: str) -> Fields:
        """One JSON call; the answer's envelope as :class:`Fields`."""
        reply = await exchange(
            self.http,
            "POST",
            url,
            what=self._what(call),
            json=body,
            headers={"Accept": "application/json"},
        )
        if reply.status == 401:
            return Fields({"error_code": 401, "message": "HTTP 401"}, self._what(call))
        if reply.status != 200:
            raise _refusal(reply)
        answer = Fields(reply.json(), self._what(call))
        if answer.integer("error_code") is None:
            raise answer.bad("error_code", "the call's error code", answer.data.get("error_code"))
        return answer

    async def _login(self, stale: str | None) -> str:
        """A session to use; ``stale`` is one the LGSP just refused, to be replaced once."""
        async with self._session_lock:
            if self._session is None or self._session == stale:
                body = {"username": self.settings.username, "password": self.settings.password}
                answer = await self._post(self.settings.token_url, body, "login")
                if answer.integer("error_code") != 0:
                    raise _failed(answer, "the login is refused (check username and password)")
                self._session = answer.required_text("session")
            return self._session

    async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
        number = str(code)
        session = await self._login(None)
        answer = await self._search(number, session)
        if answer.integer("error_code") != 0:
            answer = await self._search(number, await self._login(session))
            if answer.integer("error_code") != 0:
                raise _failed(answer, "it fails with a fresh session too")
        results = answer.data.get("result")
        if results is None or results == []:
            raise NotFound(f"{self._what('TraCuuHoSo')}: no dossier with this code")
        if not isinstance(results, list):
            raise answer.bad("result", "a list of dossiers", results)
        matches = [
            item
            for item in answer.objects("result")
            if (found := self._text(item, "code")) is not None
            and found.casefold() == number.casefold()
        ]
        if not matches:
            raise NotFound(f"{self._what('TraCuuHoSo')}: no dossier with exactly this code")
        if len(matches) > 1:
            raise BadAnswer(f"{self._what('TraCuuHoSo')}: {len(matches)} dossiers carry this code")
        return Answer(self._dossier(matches[0]), key_verified=False)

    async def _search(self, number: str, session: str) -> Fields:
        body = {
            "session": session,
            "madonvi": self.settings.unit_code,
            "service": "TraCuuHoSo",
            "mahoso": number,
        }
        return await self._post(self.settings.url, body, "TraCuuHoSo")

    def _source(self, item: Fields, field: str) -> str | None:
        """The first configured source name of ``field`` present in the item."""
        return next((name for name in self.fields[field] if item.has(name)), None)

    def _text(self, item: Fields, field: str) -> str | None:
        source = self._source(item, field)
        return None if source is None else item.text(source, numbers=True)

    def _time(self, item: Fields, field: str) -> dt.datetime | None:
        source = self._source(item, field)
        if source is None:
            return None
        for pattern in DATES[1:]:
            with contextlib.suppress(BadAnswer):
                return item.time(source, pattern)
        return item.time(source, DATES[0])  # the usual form, named in the error if it fails

    def _missing(self, item: Fields, field: str) -> BadAnswer:
        names = " or ".join(self.fields[field]) or f"(none configured for {field})"
        return BadAnswer(f"{item.where}: field {names}: missing, wanted for {field}")

    def _status(self, item: Fields) -> Status:
        number = self._text(item, "status_code")
        if number is not None and number.isdigit() and 1 <= int(number) <= 10:
            return Status.from_number(int(number))
        label = self._text(item, "status")
        if label is not None and label.isdigit() and 1 <= int(label) <= 10:
            return Status.from_number(int(label))
        if label is not None:
            return self.names.status(label)
        if number is not None:
            return self.names.unknown(number)
        raise self._missing(item, "status_code")

    def _dossier(self, item: Fields) -> Dossier:
        status = self._status(item)
        received_at = self._time(item, "received_at")
        if received_at is None:
            raise self._missing(item, "received_at")
        completed_at = self._time(item, "completed_at") if status.finished else None
        due_at = self._time(item, "due_at")
        if due_at is None:
            if not status.finished:
                raise self._missing(item, "due_at")
            due_at = completed_at or received_at
        rescheduled = self._time(item, "rescheduled_due_at")
        procedure = self._text(item, "procedure")
        agency = self._text(item, "agency")
        code = self._text(item, "code")
        if procedure is None:
            raise self._missing(item, "procedure")
        if agency is None:
            raise self._missing(item, "agency")
        updated_at = self._time(item, "updated_at") or completed_at or received_at
        return Dossier(
            code=code or "",
            procedure=procedure,
            agency=agency,
            status=status,
            received_at=received_at,
            due_at=due_at,
            rescheduled_due_at=rescheduled
            if rescheduled is not None and rescheduled > due_at
            else None,
            completed_at=completed_at,
            current_unit=None if status.finished else self._text(item, "current_unit"),
            pickup_location=self._text(item, "pickup_location"),
            history=(),
            updated_at=updated_at,
            applicant=None,
        )


def _failed(answer: Fields, reason: str) -> Unavailable:
    """The error for a call the LGSP answered with a non-zero ``error_code``."""
    code = answer.integer("error_code")
    message = answer.text("message") or answer.text("error_message") or "no message"
    return Unavailable(f"{answer.where}: error_code {code} ({message}): {reason}")


def _refusal(reply: Reply) -> UpstreamError:
    if reply.busy:
        return reply.unavailable()
    if reply.status in (403, 404):
        return reply.unavailable("check url and token_url")
    return reply.unexpected()
