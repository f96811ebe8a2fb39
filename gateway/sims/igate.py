"""A simulator of VNPT iGate (Cần Thơ city's one-stop system): Keycloak and the citizen search.

iGate's source is not public; this follows what public clients of iGate deployments do
(docs/upstreams.md lists them) and marks the rest as inferred:

* ``POST /auth/realms/digo/protocol/openid-connect/token`` with
  ``grant_type=client_credentials`` and the client's id and secret (HTTP Basic, or the form
  fields, as Keycloak accepts both) answers ``{"access_token", "expires_in", ...}``; a wrong
  client answers 401 ``{"error": "unauthorized_client", ...}``.
* ``GET /pa/dossier-search/dvc?spec=slice&page=0&size=10&code=...`` with the bearer token
  answers a Spring slice ``{"content": [...], "number", "size", "first", "last", ...}``. The
  search matches ``code`` or ``nationCode`` containing the text (inferred: so an adapter must
  pick the exact match). An expired or unknown token answers 401 with an empty body and
  ``WWW-Authenticate: Bearer``.
* Every dossier carries the applicant's name, ID number, phone and address, for anyone
  holding the code.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import hmac
import json
import secrets
import threading
import time
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dossier import ICT
from gateway.sims._faults import ASGIApp, FaultMiddleware
from gateway.sims._server import Simulator

TOKEN_PATH = "/auth/realms/digo/protocol/openid-connect/token"  # noqa: S105 (a path)
SEARCH_PATH = "/pa/dossier-search/dvc"


def _iso(moment: dt.datetime | None) -> str | None:
    """iGate's time format: ``2025-09-05T08:12:30.000+0700``."""
    if moment is None:
        return None
    local = moment.astimezone(ICT)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}+0700"


def _day(now: dt.datetime, days_ago: int | None, hour: int, minute: int) -> dt.datetime | None:
    if days_ago is None:
        return None
    day = (now - dt.timedelta(days=days_ago)).date()
    return min(dt.datetime.combine(day, dt.time(hour, minute), ICT), now)


def _agency(data: dict[str, Any], key: str, *, unit: bool = False) -> dict[str, Any]:
    code, name, department = data["agencies"][key]
    if unit:
        return {"id": f"6853b890edeb9d6b96a{key.lower():0>5}", "code": "", "name": department}
    return {"id": f"6853b890edeb9d6b96aa{len(key):04d}", "code": code, "name": name}


def _materialize(entry: dict[str, Any], data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """One entry of ``igate_dossiers.json`` as the search answers it today."""
    now = now.astimezone(ICT).replace(microsecond=0)
    applied = _day(now, entry["applied"], 7, 40)
    accepted = _day(now, entry.get("accepted"), 8, 5)
    completed = _day(now, entry.get("completed"), 15, 20)
    start = accepted or applied or now
    appointment = start + dt.timedelta(days=entry["days"])
    agency = _agency(data, entry["agency"])
    code = f"{agency['code']}-{start:%y%m%d}-{entry['seq']}"
    tasks = []
    end = completed or now - dt.timedelta(minutes=10)
    gap = (end - start) / max(len(entry["tasks"]), 1)
    for index, (name, where) in enumerate(entry["tasks"]):
        unit = (
            {"id": "6853b890edeb9d6b96aa0001", "code": "", "name": data["intake"]}
            if where == "intake"
            else _agency(data, entry["agency"], unit=True)
        )
        created = start + gap * index
        done = index < len(entry["tasks"]) - 1 or completed is not None
        tasks.append(
            {
                "id": f"{entry['id'][:-3]}{index:03d}",
                "name": name,
                "agency": unit,
                "assignee": {"id": f"staff{index}", "fullname": f"Cán bộ {unit['name']}"},
                "createdDate": _iso(created),
                "completedDate": _iso(created + gap * 0.8) if done else None,
                "isCurrent": 0 if done else 1,
            }
        )
    fullname, identity, phone, address = entry["applicant"]
    status_id, status_name = entry["status"]
    return {
        "id": entry["id"],
        "code": code,
        "nationCode": f"G22.99.13-{start:%y%m%d}-{entry['nation']}",
        "procedure": {
            "id": f"proc-{entry['procedure'][0]}",
            "code": entry["procedure"][0],
            "translate": [{"languageId": 228, "name": entry["procedure"][1]}],
        },
        "agency": agency,
        "applicant": {
            "eformId": f"eform-{entry['id'][-6:]}",
            "userId": f"user-{entry['id'][-6:]}",
            "data": {
                "fullname": fullname,
                "identityNumber": identity,
                "phoneNumber": phone,
                "email": "",
                "address": address,
                "birthday": "1990-05-12T00:00:00.000+0700",
                "gender": 1,
            },
        },
        "applyMethod": {
            "id": 0 if accepted else 1,
            "name": "Trực tiếp" if accepted else "Trực tuyến",
        },
        "dossierStatus": {"id": status_id, "name": status_name, "comment": ""},
        "statusCurrentTask": tasks[-1]["name"] if tasks else status_name,
        "appliedDate": _iso(applied),
        "acceptedDate": _iso(accepted),
        "appointmentDate": _iso(appointment),
        "dueDate": _iso(appointment),
        "completedDate": _iso(completed),
        "updatedDate": _iso(max(moment for moment in (applied, accepted, completed) if moment)),
        "currentTask": [task for task in tasks if task["isCurrent"]],
        "task": tasks,
    }


def demo_dossiers(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The bundled Cần Thơ dossiers, dated relative to ``now`` (default: this moment)."""
    now = now or dt.datetime.now(ICT)
    source = resources.files("gateway.sims").joinpath("igate_dossiers.json")
    data = json.loads(source.read_text(encoding="utf-8"))
    return [_materialize(entry, data, now) for entry in data["dossiers"]]


class IGateSim(Simulator):
    """iGate's Keycloak (realm ``digo``) and citizen search, on one server;
    ``token_lifetime`` is the ``expires_in`` of each token, in seconds."""

    kind = "igate"

    def __init__(
        self,
        dossiers: list[dict[str, Any]] | None = None,
        *,
        client_id: str = "onestop-gateway",
        client_secret: str = "9f1c2e7a-cantho-igate",  # noqa: S107 (the simulator's invented client)
        token_lifetime: float = 300.0,
    ) -> None:
        super().__init__((SEARCH_PATH,))
        self._initial = list(dossiers or demo_dossiers())
        self.dossiers = copy.deepcopy(self._initial)
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        super().reset()
        self.dossiers = copy.deepcopy(self._initial)
        self.expire_tokens()

    def settings(self, url: str) -> dict[str, str]:
        return {
            "url": url,
            "token_url": url + TOKEN_PATH,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }

    def listing(self) -> list[tuple[str, str, str]]:
        return [(item["code"], item["dossierStatus"]["name"], "") for item in self.dossiers]

    def by_code(self, code: str) -> dict[str, Any]:
        """A dossier by its iGate code (tests change its fields)."""
        return next(item for item in self.dossiers if item["code"] == code)

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (as when Keycloak's keys rotate)."""
        with self._lock:
            self._tokens.clear()

    def _client(self, request: Request, form: dict[str, str]) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            client, _, secret = decoded.partition(":")
        else:
            client, secret = form.get("client_id", ""), form.get("client_secret", "")
        if client != self.client_id or not hmac.compare_digest(
            secret.encode(), self.client_secret.encode()
        ):
            return None
        return client

    async def _token(self, request: Request) -> Response:
        self.note("token", request.scope)
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        if form.get("grant_type") != "client_credentials":
            return JSONResponse(
                {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"},
                400,
            )
        if self._client(request, form) is None:
            return JSONResponse(
                {
                    "error": "unauthorized_client",
                    "error_description": "Invalid client or Invalid client credentials",
                },
                401,
            )
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_lifetime
        return JSONResponse(
            {
                "access_token": token,
                "expires_in": self.token_lifetime,
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "profile email",
            }
        )

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        with self._lock:
            expiry = self._tokens.get(token)
        return expiry is not None and time.monotonic() < expiry

    async def _search(self, request: Request) -> Response:
        self.note("search", request.scope)
        if not self._authorized(request):
            return Response(
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        wanted = request.query_params.get("code", "").strip().casefold()
        size = int(request.query_params.get("size", "10") or 10)
        found = [
            item
            for item in self.dossiers
            if wanted
            and any(
                wanted in str(item.get(name) or "").casefold() for name in ("code", "nationCode")
            )
        ][:size]
        return JSONResponse(
            {
                "content": found,
                "pageable": {"pageNumber": 0, "pageSize": size, "offset": 0},
                "number": 0,
                "size": size,
                "numberOfElements": len(found),
                "first": True,
                "last": True,
                "empty": not found,
            }
        )

    def app(self) -> ASGIApp:
        routes = [
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            Route(SEARCH_PATH, self._search),
        ]
        return FaultMiddleware(
            Starlette(routes=routes),
            self.faults,
            wrong_shape={"content": {"code": "000.00.20.H13-250905-0003"}, "number": "0"},
            expire=self.expire_tokens,
        )
