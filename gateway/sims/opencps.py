"""A simulator of OpenCPS v2's REST API (``/o/rest/v2``), as Hậu Giang's portal ran it.

Written from VietOpenCPS/opencps-v2: ``DossierManagementImpl.getDetailDossier`` (how the key
is checked), ``DossierUtils.getDossier`` and ``mappingForGetDetail`` (how a dossier is found
and what it answers), ``getDossierSequences``, ``DossierLogManagementImpl``, the postal
``VotingManagementImpl``, ``BusinessExceptionImpl`` (which errors become which status), and
the real answers in VietOpenCPS/frontend-opencps-v2.1. What the source does:

* ``GET /o/rest/v2/dossiers/{id}``: a number is a dossierId (any site), anything else a
  dossierNo, then a referenceUid, of the site in header ``groupId``. With ``?secretKey=``
  the key is checked unless the user is an administrator; with header ``secretCode`` it is
  always checked; a wrong key, or no such dossier, answers **203** with the text
  ``secretKey not sucess``. Without a key the caller must be logged in (a service account,
  HTTP Basic): a guest gets **203** ``Non-Authoritative Information.`` (``unauthenticated``
  can make it 401, as a portal whose login filter rejects guests answers). A logged-in
  caller asking for a missing dossier gets **200** with an empty record. Wrong Basic
  credentials are refused by the portal's login filter with 401.
* Dates are ``dd/MM/yyyy HH:mm:ss`` in Vietnam time and ``""`` when empty; sequences and
  logs carry epoch milliseconds. Sequences and logs need no login, only the dossierId.
* Votings: ``GET /o/rest/v2/postal/votings/dossier/{dossierId}`` lists the questions,
  ``POST /o/rest/v2/postal/votings/{votingId}/results`` records an answer (``selected`` is
  the 1-based choice), for guests too.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import hmac
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dossier import ICT
from gateway.sims._faults import ASGIApp, FaultMiddleware
from gateway.sims._server import Simulator

PREFIX = "/o/rest/v2"
DATE = "%d/%m/%Y %H:%M:%S"
WRONG_KEY = "secretKey not sucess"
"""The body OpenCPS answers a wrong key with (Language.properties, spelling included)."""


def _error(message: str, code: int, description: str | None = None) -> dict[str, Any]:
    """``ErrorMsgModel`` of ``BusinessExceptionImpl.processException``."""
    return {"message": message, "code": code, "description": description or message}


NOT_AUTHENTICATED = _error("Non-Authoritative Information.", 203)


@dataclass
class OpenCPSDossier:
    """A dossier as the simulator holds it: the detail record (exactly what the API answers),
    its password (the receipt's "mã tra cứu"), process sequences, logs and votings."""

    detail: dict[str, Any]
    password: str
    sequences: dict[str, Any]
    logs: list[dict[str, Any]]
    votings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def dossier_id(self) -> int:
        return int(self.detail["dossierId"])

    @property
    def number(self) -> str:
        return str(self.detail["dossierNo"])


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _text(moment: dt.datetime | None) -> str:
    return "" if moment is None else moment.astimezone(ICT).strftime(DATE)


def _day(now: dt.datetime, days_ago: int | None, hour: int, minute: int) -> dt.datetime | None:
    if days_ago is None:
        return None
    day = (now - dt.timedelta(days=days_ago)).date()
    return min(dt.datetime.combine(day, dt.time(hour, minute), ICT), now)


def _materialize(entry: dict[str, Any], data: dict[str, Any], now: dt.datetime) -> OpenCPSDossier:
    """One entry of ``opencps_dossiers.json`` as OpenCPS would answer it today."""
    now = now.astimezone(ICT).replace(microsecond=0)
    group_id = int(data["group_id"])
    agency_no, agency_name, department, leaders = data["agencies"][entry["agency"]]
    number_id = int(entry["id"])
    received = _day(now, entry.get("received"), 7, 30 + number_id % 20)
    submitted = _day(now, entry.get("submitted"), 6, 55) if "submitted" in entry else None
    start = received or submitted or now - dt.timedelta(hours=1)
    if "number" in entry:
        number = f"{entry['number']}.{start:%y%m%d}.{entry['seq']}"
    else:
        number = f"{agency_no}-{start:%y%m%d}-{entry['seq']}"
    due = None if entry.get("no_due") else start + dt.timedelta(days=entry["days"])
    extend = due + dt.timedelta(days=entry["extend"]) if due and "extend" in entry else None
    released = _day(now, entry.get("released"), 10, 15)
    finished = _day(now, entry.get("finished"), 14, 0)
    name, id_no, street, ward, district, phone, email = entry["applicant"]
    end = finished or released or now - dt.timedelta(minutes=5)
    steps: list[list[Any]] = entry["log"]
    gap = (end - start) / max(len(steps), 1)
    roles = [data["intake"], department, leaders, data["intake"]]
    logs, actions = [], []
    for index, step in enumerate(steps):
        action, status_text, sequence, note = step[:4]
        at = start + gap * index + dt.timedelta(minutes=3)
        author = name if len(step) > 4 else f"Cán bộ {roles[sequence]}"
        log_id = number_id * 100 + index
        logs.append(
            {
                "dossierLogId": log_id,
                "author": author.upper(),
                "content": note,
                "createDate": _ms(at),
                "notificationType": "PROCESS_TYPE",
                "payload": {
                    "dossierStatusText": status_text,
                    "dossierActionId": log_id,
                    "jobPosName": roles[sequence],
                    "stepName": action,
                    "stepCode": str(100 * (sequence + 1)),
                    "stepInstruction": "",
                    "files": [],
                },
            }
        )
        actions.append((sequence, at, action, note, author))
    last = actions[-1] if actions else None
    postal_address, postal_phone = entry.get("postal", ["", ""])
    detail: dict[str, Any] = {
        "dossierIdCTN": "",
        "groupId": group_id,
        "dossierId": number_id,
        "userId": 240000 + number_id % 1000,
        "userName": name,
        "createDate": _text(start - dt.timedelta(minutes=2)),
        "modifiedDate": _text(last[1] if last else None),
        "referenceUid": f"6f1c{number_id:04x}-9a3e-4c1b-8d2e-{number_id:012x}",
        "counter": number_id % 1000,
        "serviceCode": entry["service"][0],
        "serviceName": entry["service"][1],
        "govAgencyCode": entry["agency"],
        "govAgencyName": agency_name,
        "dossierTemplateNo": entry["service"][0] + "-HS",
        "dossierName": entry["service"][1],
        "applicantName": name.upper(),
        "applicantIdType": "business" if not id_no.startswith("09") else "citizen",
        "applicantIdNo": id_no,
        "applicantIdDate": "15/03/2021 00:00:00",
        "address": street,
        "cityCode": "93",
        "cityName": "Tỉnh Hậu Giang",
        "districtCode": str(930 + number_id % 8),
        "districtName": district,
        "wardCode": f"31{number_id % 1000:03d}",
        "wardName": ward,
        "contactName": name,
        "contactTelNo": phone,
        "contactEmail": email,
        "dossierNote": "",
        "submissionNote": "",
        "briefNote": "",
        "dossierNo": number,
        "submitting": "false",
        "submitDate": _text(submitted),
        "receiveDate": _text(received),
        "dueDate": _text(due),
        "releaseDate": _text(released),
        "finishDate": _text(finished),
        "cancellingDate": "",
        "correctingDate": "",
        "extendDate": _text(extend),
        "dossierStatus": entry["status"],
        "dossierStatusText": entry["text"],
        "dossierSubStatus": entry["sub"],
        "dossierSubStatusText": entry["text"],
        "viaPostal": 2 if postal_address else 0,
        "postalAddress": postal_address,
        "postalCityCode": "93" if postal_address else "",
        "postalCityName": "Tỉnh Hậu Giang" if postal_address else "",
        "postalTelNo": postal_phone,
        "permission": "",
        "lastActionDate": _text(last[1] if last else None),
        "lastActionCode": str(1000 * (last[0] + 1)) if last else "",
        "lastActionName": last[2] if last else "",
        "lastActionUser": last[4].upper() if last else "",
        "lastActionNote": last[3] if last else "",
        "stepCode": str(100 * (entry["step"] + 1)),
        "stepName": data["sequences"][entry["step"]],
        "stepInstruction": "",
        "stepDuedate": _text(due),
        "stepOverdue": "",
        "visited": "false",
        "pending": "false",
        "applicantNote": "",
        "notification": "false",
        "online": "true" if entry.get("online") else "false",
        "lockState": "",
        "delegateName": name.upper(),
        "delegateIdNo": id_no,
        "delegateTelNo": phone,
        "delegateEmail": email,
        "delegateAddress": f"{street}, {ward}, {district}, Tỉnh Hậu Giang",
        "delegateCityCode": "93",
        "delegateCityName": "Tỉnh Hậu Giang",
        "delegateDistrictName": district,
        "delegateWardName": ward,
        "durationCount": float(entry["days"]),
        "durationUnit": 0,
        "sampleCount": 1,
        "originality": 3,
        "originDossierId": 0,
        "originDossierNo": "",
        "serverNo": "SERVER_DVC",
        "systemId": 0,
        "dossierCounter": "",
        "specialNo": 1,
    }
    sequences = {
        "processNo": "QT_" + entry["service"][0],
        "durationUnit": 0,
        "durationCount": entry["days"],
        "total": len(data["sequences"]),
        "data": [
            _sequence(
                index,
                title,
                role=roles[index],
                entry=entry,
                actions=actions,
                detail=detail,
                start=start,
            )
            for index, title in enumerate(data["sequences"])
        ],
    }
    votings = [
        {
            "votingId": number_id * 10 + index,
            "userId": 20103,
            "userName": "",
            "createDate": _text(start),
            "modifiedDate": _text(start),
            "className": "dossier",
            "classPK": number_id,
            "subject": voting["subject"],
            "templateNo": "",
            "commentable": False,
            "answersCount": 0,
            "choices": list(voting["choices"]),
            "answers": ["0"] * len(voting["choices"]),
            "selected": 0,
        }
        for index, voting in enumerate(data["votings"])
    ]
    return OpenCPSDossier(detail, entry["password"], sequences, logs, votings)


def _sequence(
    index: int,
    title: str,
    *,
    role: str,
    entry: dict[str, Any],
    actions: list[tuple[int, dt.datetime, str, str, str]],
    detail: dict[str, Any],
    start: dt.datetime,
) -> dict[str, Any]:
    mine = [action for action in actions if action[0] == index]
    item: dict[str, Any] = {
        "sequenceNo": f"{index + 1:02d}",
        "sequenceName": title,
        "sequenceRole": role,
        "durationCount": 1 if index != 1 else max(entry["days"] - 3, 1),
        "assignUsers": [{"userId": 62465 + index, "userName": f"Cán bộ {role}"}],
        "actions": [
            {
                "userId": 62465 + index,
                "fromStepCode": str(100 * index) if index else "",
                "fromStepName": "",
                "sequenceNo": f"{index + 1:02d}",
                "dossierId": detail["dossierId"],
                "serviceProcessId": 1200,
                "previousActionId": 0,
                "actionCode": str(1000 * (index + 1)),
                "actionName": action,
                "actionNote": note,
                "actionUser": author.upper(),
                "actionOverdue": 0,
                "payload": "",
                "pending": False,
                "rollbackable": False,
                "createDate": _ms(at),
                "modifiedDate": _ms(at),
                "dueDate": 0,
                "nextActionId": 0,
                "state": 1,
                "stepCode": str(100 * (index + 1)),
                "stepName": title,
            }
            for _, at, action, note, author in mine
        ],
    }
    if mine:
        item["startDate"] = _ms(mine[0][1])
    elif index == 0:
        item["startDate"] = _ms(start)
    if index == entry["step"]:
        item["statusText"] = f"Đang thực hiện: {title}"
    return item


def demo_dossiers(now: dt.datetime | None = None) -> list[OpenCPSDossier]:
    """The bundled Hậu Giang dossiers, dated relative to ``now`` (default: this moment)."""
    now = now or dt.datetime.now(ICT)
    source = resources.files("gateway.sims").joinpath("opencps_dossiers.json")
    data = json.loads(source.read_text(encoding="utf-8"))
    return [_materialize(entry, data, now) for entry in data["dossiers"]]


class OpenCPSSim(Simulator):
    """OpenCPS v2 with its dossiers; ``username``/``password`` is the service account,
    ``admin`` an administrator account (which ``?secretKey=`` lets see any dossier)."""

    kind = "opencps"
    GROUP_ID = "35404"

    def __init__(
        self,
        dossiers: list[OpenCPSDossier] | None = None,
        *,
        username: str = "tracuu-gateway",
        password: str = "Hg-2025-tracuu!",  # noqa: S107 (the simulator's invented account)
        admin: tuple[str, str] = ("admin-hg", "Admin-2025!"),
        unauthenticated: int = 203,
    ) -> None:
        super().__init__((f"{PREFIX}/dossiers/", f"{PREFIX}/dossierlogs/"))
        self._initial = {item.dossier_id: item for item in dossiers or demo_dossiers()}
        self.dossiers = copy.deepcopy(self._initial)
        self.accounts = {username: password, admin[0]: admin[1]}
        self.username = username
        self.password = password
        self.admins = {admin[0]}
        self.unauthenticated = unauthenticated
        self.ratings: list[dict[str, str]] = []

    def reset(self) -> None:
        super().reset()
        self.dossiers = copy.deepcopy(self._initial)
        self.ratings.clear()

    def settings(self, url: str) -> dict[str, str]:
        return {
            "url": url,
            "group_id": self.GROUP_ID,
            "username": self.username,
            "password": self.password,
        }

    def listing(self) -> list[tuple[str, str, str]]:
        return [
            (item.number, item.detail["dossierStatus"], item.password)
            for item in self.dossiers.values()
        ]

    def by_number(self, number: str) -> OpenCPSDossier:
        """A dossier by its dossierNo (tests change its fields to make hostile answers)."""
        return next(item for item in self.dossiers.values() if item.number == number)

    def _find(self, ident: str, group_id: str) -> OpenCPSDossier | None:
        """``DossierUtils.getDossier``: an id from any site, else a number or reference of
        the site in ``groupId``."""
        if ident.isdigit() and int(ident) > 0:
            return self.dossiers.get(int(ident))
        if group_id != self.GROUP_ID:
            return None
        for item in self.dossiers.values():
            if ident in (item.number, item.detail["referenceUid"]):
                return item
        return None

    def _user(self, request: Request) -> str | None:
        """The logged-in user, "" for a guest; None when the credentials are wrong."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return ""
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        expected = self.accounts.get(user)
        if expected is None or not hmac.compare_digest(password.encode(), expected.encode()):
            return None
        return user

    async def _detail(self, request: Request) -> Response:
        self.note("dossier", request.scope)
        user = self._user(request)
        if user is None:
            return JSONResponse(
                _error("Unauthorized.", 401),
                401,
                headers={"WWW-Authenticate": 'Basic realm="PortalRealm"'},
            )
        ident = request.path_params["ident"]
        found = self._find(ident, request.headers.get("groupId", ""))
        secret_key = request.query_params.get("secretKey", "")
        secret_code = request.headers.get("secretCode", "")
        if secret_key or secret_code:
            bypass = bool(secret_key) and user in self.admins
            given = secret_key or secret_code
            if found is None or not (bypass or _password_matches(found.password, given)):
                return PlainTextResponse(WRONG_KEY, 203)
            return JSONResponse(copy.deepcopy(found.detail))
        if not user:
            if self.unauthenticated == 401:
                return JSONResponse(_error("Unauthorized.", 401), 401)
            return JSONResponse(NOT_AUTHENTICATED, 203)
        return JSONResponse({} if found is None else copy.deepcopy(found.detail))

    async def _sequences(self, request: Request) -> Response:
        self.note("sequences", request.scope)
        ident = request.path_params["ident"]
        found = self.dossiers.get(int(ident)) if ident.isdigit() else None
        if found is None:
            return JSONResponse(_error("No Content.", 403, "Không tìm thấy hồ sơ"), 403)
        return JSONResponse(found.sequences)

    async def _logs(self, request: Request) -> Response:
        self.note("logs", request.scope)
        ident = request.path_params["ident"]
        found = self.dossiers.get(int(ident)) if ident.isdigit() else None
        logs = [] if found is None else found.logs
        return JSONResponse({"total": len(logs), "data": logs})

    async def _votings(self, request: Request) -> Response:
        self.note("votings", request.scope)
        pk = request.path_params["pk"]
        found = self.dossiers.get(int(pk)) if pk.isdigit() else None
        votings = [] if found is None or request.path_params["cls"] != "dossier" else found.votings
        return JSONResponse({"total": len(votings), "data": votings})

    async def _vote(self, request: Request) -> Response:
        self.note("vote", request.scope)
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        voting_id = request.path_params["voting"]
        voting = next(
            (
                voting
                for item in self.dossiers.values()
                for voting in item.votings
                if str(voting["votingId"]) == voting_id
            ),
            None,
        )
        selected = form.get("selected", "")
        if voting is None or not selected.isdigit():
            return JSONResponse(_error("No Content.", 403, "voting not found"), 403)
        self.ratings.append({"votingId": voting_id, "user": self._user(request) or "", **form})
        return JSONResponse(
            {
                "votingResultId": len(self.ratings),
                "userId": 20103,
                "userName": "",
                "createDate": _text(dt.datetime.now(ICT)),
                "modifiedDate": "",
                "fullName": "",
                "email": form.get("email", ""),
                "comment": form.get("comment", ""),
                "selected": int(selected),
                "currentUser": False,
            }
        )

    def app(self) -> ASGIApp:
        routes = [
            Route(f"{PREFIX}/dossiers/{{ident}}/sequences", self._sequences),
            Route(f"{PREFIX}/dossiers/{{ident}}", self._detail),
            Route(f"{PREFIX}/dossierlogs/{{ident}}/logs", self._logs),
            Route(f"{PREFIX}/postal/votings/{{cls}}/{{pk}}", self._votings),
            Route(f"{PREFIX}/postal/votings/{{voting}}/results", self._vote, methods=["POST"]),
        ]
        return FaultMiddleware(
            Starlette(routes=routes),
            self.faults,
            wrong_shape={"dossierNo": ["not", "a", "number"], "dossierStatus": 4, "dueDate": 7},
            non_authoritative=WRONG_KEY.encode(),
        )


def _password_matches(password: str, given: str) -> bool:
    """``DossierPermission.checkPassword``: a dossier without a password matches nothing;
    otherwise case-insensitive equality."""
    return bool(password) and hmac.compare_digest(password.lower().encode(), given.lower().encode())
