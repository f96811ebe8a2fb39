"""VNPT iGate (Cần Thơ city and many other provinces): Keycloak token, then the citizen search.

The gateway holds a ``client_credentials`` client of the province's Keycloak (realm
``digo``). Its token is kept until shortly before it expires, fetched again then, and again
at once when iGate answers 401 (a token revoked early); a second 401 with a fresh token means
iGate refuses the client, which is :class:`Unavailable`. Concurrent lookups share one token
and one refresh.

``GET {url}/pa/dossier-search/dvc?spec=slice&page=0&size=10&code={code}`` answers dossiers
whose ``code`` or ``nationCode`` contains the text, so the exact match is picked. iGate
publishes no status ids: the status is read from ``dossierStatus.name`` through the name
table (``_names.py``); a name not in it is answered as processing and counted, and the
upstream's own name is kept in the note of the newest history entry.

iGate returns the applicant's name, ID number, phone and address to anyone holding the
code and checks no lookup key, so nothing about the applicant is ever read: an iGate answer
never carries ``applicant`` and is never ``key_verified``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import httpx

from dossier import Dossier, DossierCode, HistoryEntry, Status
from gateway.upstreams._base import Answer, BadAnswer, NotFound, Upstream, UpstreamError
from gateway.upstreams._fields import Fields
from gateway.upstreams._http import Reply, exchange
from gateway.upstreams._names import StatusNames
from onestop.config import UpstreamSection

SEARCH = "/pa/dossier-search/dvc"
VIETNAMESE = 228
"""iGate's ``languageId`` of Vietnamese in ``translate`` lists (inferred from its answers)."""


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    renew_at: float
    """The time (on :attr:`IGate.clock`) after which the token is fetched again before use."""


class IGate(Upstream):
    """A VNPT iGate deployment: ``url`` (its API root), ``token_url``, ``client_id`` and
    ``client_secret``."""

    kind = "igate"
    clock: Callable[[], float] = staticmethod(time.monotonic)
    """The clock token lifetimes are measured on (tests move it forward)."""

    def __init__(self, name: str, settings: UpstreamSection, http: httpx.AsyncClient) -> None:
        super().__init__(name, settings, http)
        self.search_url = settings.url.rstrip("/") + SEARCH
        self.names = StatusNames(name)
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    @property
    def unmapped_statuses(self) -> Mapping[str, int]:
        return self.names.unmapped

    def _what(self, call: str) -> str:
        return f"iGate {self.name}: {call}"

    async def _bearer(self, stale: str | None = None) -> str:
        """A token to use now; ``stale`` is one iGate just refused, to be replaced (once,
        however many lookups saw it refused)."""
        async with self._token_lock:
            token = self._token
            if token is None or token.value == stale or self.clock() >= token.renew_at:
                token = self._token = await self._fetch_token()
            return token.value

    async def _fetch_token(self) -> _Token:
        reply = await exchange(
            self.http,
            "POST",
            self.settings.token_url,
            what=self._what("token"),
            data={"grant_type": "client_credentials"},
            auth=httpx.BasicAuth(self.settings.client_id, self.settings.client_secret),
            headers={"Accept": "application/json"},
        )
        if reply.status in (400, 401, 403):
            error = reply.detail("error") or "no reason given"
            raise reply.unavailable(f"Keycloak refuses the client ({error}); check client_id")
        if reply.status != 200:
            raise reply.unavailable() if reply.busy else reply.unexpected()
        answer = Fields(reply.json(), self._what("token"))
        value = answer.required_text("access_token")
        lifetime = answer.number("expires_in")
        if lifetime is None or lifetime <= 0:
            raise answer.bad("expires_in", "a positive number of seconds", lifetime)
        # Renew a little before the end (a tenth of the lifetime, at most 30 s), so that a
        # token never expires between being picked and reaching iGate.
        margin = min(30.0, lifetime / 10)
        return _Token(value, self.clock() + lifetime - margin)

    async def _search(self, number: str, token: str) -> Reply:
        return await exchange(
            self.http,
            "GET",
            self.search_url,
            what=self._what("search"),
            params={"spec": "slice", "page": "0", "size": "10", "code": number},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
        number = str(code)
        token = await self._bearer()
        reply = await self._search(number, token)
        if reply.status == 401:
            reply = await self._search(number, await self._bearer(stale=token))
            if reply.status == 401:
                raise reply.unavailable("iGate refuses a fresh token of our client")
        if reply.status != 200:
            raise _refusal(reply)
        page = Fields(reply.json(), self._what("search"))
        if not isinstance(page.data.get("content"), list):
            raise page.bad("content", "a list of dossiers", page.data.get("content"))
        wanted = number.casefold()
        matches: dict[str, Fields] = {}
        for item in page.objects("content"):
            spellings = [item.text("code"), item.text("nationCode")]
            if any(spelling and spelling.casefold() == wanted for spelling in spellings):
                matches[item.text("id") or item.required_text("code")] = item
        if not matches:
            raise NotFound(f"{self._what('search')}: no dossier with this code")
        if len(matches) > 1:
            raise BadAnswer(f"{self._what('search')}: {len(matches)} dossiers carry this code")
        (item,) = matches.values()
        return Answer(self._dossier(item, number), key_verified=False)

    def _dossier(self, item: Fields, number: str) -> Dossier:
        state = item.obj("dossierStatus")
        if state is None:
            raise item.bad("dossierStatus", "an object with the status name", None)
        status_name = state.required_text("name")
        status = self.names.status(status_name)
        received_at = item.iso_time("acceptedDate") or item.iso_time("appliedDate")
        if received_at is None:
            raise item.bad("appliedDate", "an accepted or applied date", None)
        completed_at = item.iso_time("completedDate") if status.finished else None
        due_at = item.iso_time("appointmentDate") or item.iso_time("dueDate")
        if due_at is None:
            if not status.finished:
                raise item.bad("appointmentDate", "the appointment of a dossier in progress", None)
            due_at = completed_at or received_at
        agency = item.obj("agency")
        if agency is None:
            raise item.bad("agency", "an object with the agency's name", None)
        agency_name = agency.required_text("name")
        updated_at = item.iso_time("updatedDate") or completed_at or received_at
        history = _history(item, self.names)
        if history and history[-1].status is status:
            last = history[-1]
            history = (*history[:-1], replace(last, note=f"{last.note} ({status_name})"))
        else:
            at = max([updated_at, *(entry.at for entry in history[-1:])])
            unit = (None if status.finished else _current_unit(item)) or agency_name
            history = (*history, HistoryEntry(at, unit, status, status_name))
        return Dossier(
            code=_spelling(item, number),
            procedure=_procedure(item),
            agency=agency_name,
            status=status,
            received_at=received_at,
            due_at=due_at,
            rescheduled_due_at=None,
            completed_at=completed_at,
            current_unit=None if status.finished else _current_unit(item),
            pickup_location=None,
            history=history,
            updated_at=history[-1].at,
            applicant=None,
        )


def _refusal(reply: Reply) -> UpstreamError:
    if reply.busy:
        return reply.unavailable()
    if reply.status == 403:
        return reply.unavailable("the client may not search dossiers (its roles in Keycloak)")
    if reply.status == 404:
        return reply.unavailable("no iGate search at this address (check url)")
    return reply.unexpected()


def _spelling(item: Fields, number: str) -> str:
    """The code as iGate spells it: ``code`` or ``nationCode``, whichever was asked for."""
    code = item.text("code")
    return (
        code if code and code.casefold() == number.casefold() else item.text("nationCode") or number
    )


def _procedure(item: Fields) -> str:
    """``procedure.translate``: a list of ``{languageId, name}`` (Vietnamese preferred) or
    one ``{name}``; else ``procedure.name``."""
    procedure = item.obj("procedure")
    if procedure is None:
        raise item.bad("procedure", "an object with the procedure's name", None)
    translate = procedure.data.get("translate")
    names: list[tuple[bool, str]] = []
    if isinstance(translate, list):
        for entry in procedure.objects("translate"):
            name = entry.text("name")
            if name:
                names.append((entry.integer("languageId") != VIETNAMESE, name))
    elif translate is not None:
        single = procedure.obj("translate")
        if single is not None and single.text("name"):
            names.append((False, single.required_text("name")))
    if names:
        return min(names)[1]
    if procedure.text("name"):
        return procedure.required_text("name")
    raise procedure.bad("translate", "the procedure's name", translate)


def _unit(task: Fields) -> str:
    agency = task.obj("agency")
    return (agency.text("name") if agency else None) or ""


def _current_unit(item: Fields) -> str | None:
    for task in item.objects("currentTask"):
        return _unit(task) or None
    return None


def _history(item: Fields, names: StatusNames) -> tuple[HistoryEntry, ...]:
    """``task[]``, oldest first: when each step started, where, and its name. A task that
    carries its own ``dossierStatus`` says the status then; otherwise the first step is the
    intake and the others are processing (inferred: iGate's tasks carry no status)."""
    entries: list[HistoryEntry] = []
    for index, task in enumerate(item.objects("task")):
        at = task.iso_time("createdDate")
        if at is None:
            continue
        state = task.obj("dossierStatus")
        if state is not None and state.text("name"):
            status = names.status(state.required_text("name"))
        else:
            status = Status.RECEIVED if index == 0 else Status.PROCESSING
        entries.append(
            HistoryEntry(at=at, unit=_unit(task), status=status, note=task.text("name") or "")
        )
    return tuple(sorted(entries, key=lambda entry: entry.at))
