"""OpenCPS v2 (Hậu Giang's portal before the merger, several ministries): ``/o/rest/v2``.

How OpenCPS answers (VietOpenCPS/opencps-v2, ``DossierManagementImpl.getDetailDossier``):
``GET /dossiers/{dossierNo}`` with header ``groupId``. The receipt's key goes in header
``secretCode``, which OpenCPS always checks; the ``?secretKey=`` form is never used because
it skips the check for administrator accounts. A wrong key and an unknown number both
answer **203** with the same text, so the two cannot be told apart from the answer alone.
Without a key the caller must be logged in: the service account (HTTP Basic) sees status
without any key, and a logged-in lookup of a missing number answers 200 with an empty
record. A guest without a key gets 203 (or 401 where the portal's login filter refuses
guests).

So the adapter:

* with a key: asks with ``secretCode`` (and the service account, if any). 200 means the
  key matched (``key_verified``). 203 with a service account: asks again without the key,
  and answers the status without the applicant (a wrong key, as the status API contract
  says, is not an error; ``key_verified`` stays False so the gateway can count it). 203
  without a service account: :class:`KeyRejected` (wrong key or no such dossier).
* without a key: the service account, or :class:`KeyRequired` when there is none.
* then reads the history from ``/dossierlogs/{dossierId}/logs`` and the unit handling the
  dossier from ``/dossiers/{dossierId}/sequences`` (both public given the dossierId). A
  failure there costs the history, not the lookup.

Only the applicant's name and ID number ever leave this module, and only when the key was
verified; addresses, phone numbers, e-mails, delegates and the log entries' authors and
notes (staff write names into them) are never read.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
import math
import re
from collections.abc import Mapping
from urllib.parse import quote

import httpx

from dossier import Applicant, Dossier, DossierCode, Family, HistoryEntry, Status
from gateway.upstreams._base import (
    Answer,
    BadAnswer,
    KeyRejected,
    KeyRequired,
    NotFound,
    Upstream,
    UpstreamError,
)
from gateway.upstreams._fields import Fields
from gateway.upstreams._http import Reply, exchange
from gateway.upstreams._names import StatusNames, fold_name
from onestop.config import UpstreamSection

logger = logging.getLogger(__name__)

DATE = "%d/%m/%Y %H:%M:%S"
"""``APIDateTimeUtils._NORMAL_PARTTERN``, in Vietnam time."""

RATINGS = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "unsatisfied": "Không hài lòng",
}
"""The three buttons of Hậu Giang's rating tablet, as OpenCPS's voting choices word them."""

_ID = re.compile(r"(?:D-)?([0-9]{1,18})")
"""An ``opencps_id`` code: OpenCPS's dossierId, canonically ``D-{id}``."""
_KEY = re.compile(r"[!-~]{1,64}")
"""A key that can travel in a header: printable ASCII, no spaces, at most 64 characters."""
_REMEMBERED_IDS = 10_000


class OpenCPS(Upstream):
    """An OpenCPS v2 portal: ``url`` (the portal's root), ``group_id`` and, best, a service
    account (``username``, ``password``)."""

    kind = "opencps"

    def __init__(self, name: str, settings: UpstreamSection, http: httpx.AsyncClient) -> None:
        super().__init__(name, settings, http)
        self.api = settings.url.rstrip("/") + "/o/rest/v2"
        self.account = (
            httpx.BasicAuth(settings.username, settings.password) if settings.username else None
        )
        self.names = StatusNames(name)
        self._ids: collections.OrderedDict[str, int] = collections.OrderedDict()

    @property
    def unmapped_statuses(self) -> Mapping[str, int]:
        return self.names.unmapped

    def _what(self, call: str) -> str:
        return f"OpenCPS {self.name}: {call}"

    async def _get(self, path: str, call: str, *, key: str | None = None, login: bool) -> Reply:
        headers = {"groupId": self.settings.group_id, "Accept": "application/json"}
        if key:
            headers["secretCode"] = key
        return await exchange(
            self.http,
            "GET",
            self.api + path,
            what=self._what(call),
            headers=headers,
            auth=self.account if login else None,
        )

    async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
        number = str(code)
        by_id = _dossier_id(code)
        path = "/dossiers/" + quote(number if by_id is None else str(by_id), safe="")
        key = lookup_key.strip() if lookup_key else None
        if key and not _KEY.fullmatch(key):
            # It would go in a header: no receipt prints such a key, and no header may carry it.
            raise KeyRejected(f"{self._what('dossier')}: the lookup key has characters no key has")
        reply = await self._get(path, "dossier", key=key, login=self.account is not None)
        verified = bool(key)
        if reply.status == 203 and key and self.account is not None:
            # A wrong key or an unknown number: the service account tells which.
            reply = await self._get(path, "dossier", login=True)
            verified = False
        if reply.status != 200:
            raise self._refusal(reply, key)
        detail = Fields(reply.json(), self._what("dossier"))
        if not detail.has("dossierNo"):
            raise NotFound(f"{self._what('dossier')}: no dossier with this number")
        answered = detail.required_text("dossierNo")
        if by_id is None and answered.casefold() != number.casefold():
            raise BadAnswer(f"{self._what('dossier')}: asked for {number}, answered {answered}")
        dossier_id = detail.integer("dossierId")
        if dossier_id is None:
            raise detail.bad("dossierId", "the dossier's id", detail.data.get("dossierId"))
        history, unit = await self._progress(dossier_id)
        dossier = self._dossier(detail, history, unit, applicant=verified)
        self._remember(number, dossier_id)
        return Answer(dossier, key_verified=verified)

    def _refusal(self, reply: Reply, key: str | None) -> UpstreamError:
        """The error for a non-200 answer to a dossier lookup."""
        if reply.status in (203, 401):
            if self.account is not None:
                return reply.unavailable("the service account is refused (username, password)")
            if key:
                return KeyRejected(
                    f"{self._what('dossier')}: wrong lookup key, or no dossier with this number "
                    "(OpenCPS answers both alike)"
                )
            return KeyRequired(f"{self._what('dossier')}: shown only with the receipt's key")
        if reply.status == 403:
            return reply.unavailable("access refused; the service account lacks permission")
        if reply.status == 404:
            return reply.unavailable("no OpenCPS API at this address (check url)")
        if reply.busy:
            return reply.unavailable()
        return reply.unexpected()

    def _remember(self, number: str, dossier_id: int) -> None:
        """Keep the dossierId of a looked-up number, for the rating that may follow."""
        self._ids[number] = dossier_id
        self._ids.move_to_end(number)
        while len(self._ids) > _REMEMBERED_IDS:
            self._ids.popitem(last=False)

    async def _progress(self, dossier_id: int) -> tuple[tuple[HistoryEntry, ...], str | None]:
        """History (from the logs) and the unit at work now (from the sequences); either may
        fail without failing the lookup."""
        logs, sequences = await asyncio.gather(
            self._get(f"/dossierlogs/{dossier_id}/logs", "logs", login=False),
            self._get(f"/dossiers/{dossier_id}/sequences", "sequences", login=False),
            return_exceptions=True,
        )
        history: tuple[HistoryEntry, ...] = ()
        unit = None
        try:
            history = self._history(_ok(logs))
        except UpstreamError as exc:
            logger.warning("%s; the answer goes without history", exc)
        try:
            unit = _current_unit(Fields(_ok(sequences).json(), self._what("sequences")))
        except UpstreamError as exc:
            logger.warning("%s; the answer goes without the current unit", exc)
        return history, unit

    def _history(self, reply: Reply) -> tuple[HistoryEntry, ...]:
        """Process steps from the logs: when, the staff position that acted, the status
        after the step (OpenCPS logs its label only) and the step's name. Authors and notes
        are never read: the author of a withdrawal request is the applicant."""
        logs = Fields(reply.json(), self._what("logs"))
        entries = []
        for item in logs.objects("data"):
            if item.text("notificationType") != "PROCESS_TYPE":
                continue
            at = item.millis("createDate")
            payload = item.obj("payload")
            if at is None or payload is None:
                continue
            label = payload.text("dossierStatusText") or ""
            step = payload.text("stepName") or ""
            entries.append(
                HistoryEntry(
                    at=at,
                    unit=payload.text("jobPosName") or "",
                    status=self.names.status(label) if label else Status.PROCESSING,
                    note=step,
                )
            )
        return tuple(sorted(entries, key=lambda entry: entry.at))

    def _dossier(
        self,
        detail: Fields,
        history: tuple[HistoryEntry, ...],
        unit: str | None,
        *,
        applicant: bool,
    ) -> Dossier:
        received_date = detail.time("receiveDate", DATE)
        key = detail.required_text("dossierStatus")
        try:
            status = Status.from_opencps(key)
        except ValueError:
            status = self.names.unknown(key)
        if status is Status.RECEIVED and received_date is None:
            status = Status.SUBMITTED
        received_at = (
            received_date or detail.time("submitDate", DATE) or detail.time("createDate", DATE)
        )
        if received_at is None:
            raise detail.bad("receiveDate", "a receive, submit or create date", "")
        completed_at = None
        if status.finished:
            completed_at = detail.time("releaseDate", DATE) or detail.time("finishDate", DATE)
        due_at = detail.time("dueDate", DATE) or _estimated_due(
            detail, status, received_at, completed_at
        )
        extend = detail.time("extendDate", DATE)
        procedure = detail.text("serviceName") or detail.text("dossierName")
        if procedure is None:
            raise detail.bad("serviceName", "the procedure's name", detail.data.get("serviceName"))
        moments = [
            moment
            for moment in (
                detail.time("modifiedDate", DATE),
                detail.time("lastActionDate", DATE),
                received_at,
                *(entry.at for entry in history[-1:]),
            )
            if moment is not None
        ]
        return Dossier(
            code=detail.required_text("dossierNo"),
            procedure=procedure,
            agency=detail.required_text("govAgencyName"),
            status=status,
            received_at=received_at,
            due_at=due_at,
            rescheduled_due_at=extend if extend is not None and extend > due_at else None,
            completed_at=completed_at,
            current_unit=None if status.finished else unit,
            pickup_location=None,
            history=history,
            updated_at=max(moments),
            applicant=_applicant(detail) if applicant else None,
        )

    async def rate(self, code: DossierCode, rating: str) -> bool:
        """Answer the dossier's first voting question that offers the citizen's choice
        (``POST /postal/votings/{votingId}/results``), as a guest: answered with the service
        account, OpenCPS would record it as that employee's vote and overwrite it each time.
        False when the dossier has no such question or is unknown here."""
        wanted = fold_name(RATINGS.get(rating, rating))
        number = str(code)
        dossier_id = self._ids.get(number) or _dossier_id(code)
        if dossier_id is None:
            if self.account is None:
                return False
            try:
                await self.lookup(code, None)
            except NotFound:
                return False
            dossier_id = self._ids.get(number)
            if dossier_id is None:
                return False
        reply = await self._get(f"/postal/votings/dossier/{dossier_id}", "votings", login=False)
        if reply.busy:
            raise reply.unavailable()
        if reply.status != 200:
            return False
        for voting in Fields(reply.json(), self._what("votings")).objects("data"):
            choices = voting.data.get("choices")
            if not isinstance(choices, list):
                continue
            for index, choice in enumerate(choices):
                if isinstance(choice, str) and fold_name(choice) == wanted:
                    voting_id = voting.integer("votingId")
                    return voting_id is not None and await self._vote(
                        voting_id, dossier_id, index + 1
                    )
        return False

    async def _vote(self, voting_id: int, dossier_id: int, selected: int) -> bool:
        form = {
            "className": "dossier",
            "classPk": str(dossier_id),
            "selected": str(selected),
            "votingCode": "",
        }
        reply = await exchange(
            self.http,
            "POST",
            f"{self.api}/postal/votings/{voting_id}/results",
            what=self._what("rating"),
            headers={"groupId": self.settings.group_id, "Accept": "application/json"},
            data=form,
            auth=None,
        )
        if reply.busy:
            raise reply.unavailable()
        return reply.status == 200


def _dossier_id(code: DossierCode) -> int | None:
    """The dossierId an ``opencps_id`` code carries (None for a dossier number); OpenCPS looks
    a dossier up by id when the path is all digits."""
    if code.family != Family.OPENCPS_ID:
        return None
    found = _ID.fullmatch(str(code))
    if found is None:
        raise NotFound(f"{code} is not an OpenCPS dossier id")
    return int(found.group(1))


def _ok(reply: Reply | BaseException) -> Reply:
    """A reply from ``gather(return_exceptions=True)`` that must be a 200."""
    if isinstance(reply, BaseException):
        raise reply
    if reply.status != 200:
        raise reply.unavailable() if reply.busy else reply.unexpected()
    return reply


def _current_unit(sequences: Fields) -> str | None:
    """The role of the sequence OpenCPS marks as current ("Đang thực hiện: ...")."""
    for sequence in sequences.objects("data"):
        if sequence.text("statusText"):
            return sequence.text("sequenceRole") or sequence.text("sequenceName")
    return None


def _applicant(detail: Fields) -> Applicant | None:
    name = detail.text("applicantName", personal=True)
    if name is None:
        return None
    return Applicant(
        name=name, id_number=detail.text("applicantIdNo", personal=True, numbers=True) or ""
    )


def _estimated_due(
    detail: Fields, status: Status, received_at: dt.datetime, completed_at: dt.datetime | None
) -> dt.datetime:
    """The appointment of a dossier OpenCPS has not set one for yet (submitted online, not
    taken in): the procedure's processing time (``durationCount``, in days or, with
    ``durationUnit`` 1, in hours of 8-hour days) counted in working days from submission, as
    OpenCPS counts it at intake, holidays aside. A finished dossier that never had one keeps
    its end as its appointment, which shows nothing wrong."""
    if status.finished:
        return completed_at or received_at
    count = detail.number("durationCount")
    if count is None or count <= 0:
        raise detail.bad("dueDate", "an appointment date, or a durationCount to estimate it", "")
    days = math.ceil(count / 8 if detail.integer("durationUnit") == 1 else count)
    due = received_at
    while days > 0:
        due += dt.timedelta(days=1)
        if due.weekday() < 5:
            days -= 1
    return due
