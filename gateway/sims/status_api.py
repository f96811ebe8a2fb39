"""A server speaking this project's own status API contract (docs/status-api.md), with faults.

It stands for another province's gateway, or an older one, that this gateway sits in front
of (an upstream of ``type = status-api``): the bundled demo dossiers, an optional bearer
token, the contract's error bodies, and the fault knobs every simulator has.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dossier import CodeError, dossier_to_json, parse_code
from gateway.sims._faults import ASGIApp, FaultMiddleware
from gateway.sims._server import Simulator
from onestop.demo_api import DemoRecord, bundled_records

DOSSIERS = "/api/v1/dossiers/"


def _error(status: int, code: str, message: str, **headers: str) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


class StatusAPISim(Simulator):
    """The status API contract on ``records`` (default: the bundled demo dossiers); with a
    ``token``, a bearer token is required."""

    kind = "status-api"

    def __init__(self, records: list[DemoRecord] | None = None, *, token: str = "") -> None:
        super().__init__((DOSSIERS,))
        self.records = {
            str(parse_code(record.dossier.code)): record for record in records or bundled_records()
        }
        self.token = token

    def settings(self, url: str) -> dict[str, str]:
        return {"url": url, "token": self.token}

    def listing(self) -> list[tuple[str, str, str]]:
        return [
            (code, str(record.dossier.status), record.lookup_key or "")
            for code, record in self.records.items()
        ]

    async def _dossier(self, request: Request) -> Response:
        self.note("dossier", request.scope)
        if self.token and not hmac.compare_digest(
            request.headers.get("Authorization", "").encode(), f"Bearer {self.token}".encode()
        ):
            return _error(
                401,
                "unauthorized",
                "A valid bearer token is required.",
                **{"WWW-Authenticate": 'Bearer realm="onestop"'},
            )
        try:
            code = parse_code(request.path_params["code"])
        except CodeError as exc:
            return _error(400, "invalid_code", str(exc))
        record = self.records.get(str(code))
        if record is None:
            return _error(404, "not_found", f"No dossier {code}.")
        given = request.query_params.get("lookup_key", "").strip().upper()
        expected = (record.lookup_key or "").upper()
        dossier = record.dossier
        if not (expected and hmac.compare_digest(given.encode(), expected.encode())):
            dossier = dossier.without_applicant()
        body: dict[str, Any] = dossier_to_json(dossier)
        return JSONResponse(body)

    def app(self) -> ASGIApp:
        routes = [Route(DOSSIERS + "{code:path}", self._dossier)]
        return FaultMiddleware(
            Starlette(routes=routes),
            self.faults,
            wrong_shape={"code": 1, "status": "processing", "history": {}},
        )
