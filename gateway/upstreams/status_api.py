"""Another server speaking this project's status API contract (docs/status-api.md).

A province can put this gateway in front of another one (a neighbouring province's, or an
older installation that a merger left behind). The answer is already a status record, so it
is validated with ``dossier_from_json`` itself, and the record must be the one asked for.
The lookup key is passed on as ``lookup_key``; an ``applicant`` is kept only when a key was
given (the other server showed it because the key matched); one sent without a key is
dropped, whatever that server thinks.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from dossier import DossierCode, DossierFormatError, dossier_from_json
from gateway.upstreams._base import (
    Answer,
    BadAnswer,
    NotFound,
    Upstream,
    UpstreamError,
)
from gateway.upstreams._http import Reply, exchange
from onestop.config import UpstreamSection


class StatusAPI(Upstream):
    """A status API: ``url`` (its root; ``/api/v1/...`` is added) and an optional ``token``."""

    kind = "status-api"

    def __init__(self, name: str, settings: UpstreamSection, http: httpx.AsyncClient) -> None:
        super().__init__(name, settings, http)
        self.dossiers = settings.url.rstrip("/") + "/api/v1/dossiers/"
        self.what = f"status API {name}: dossier"

    async def lookup(self, code: DossierCode, lookup_key: str | None) -> Answer:
        number = str(code)
        headers = {"Accept": "application/json"}
        if self.settings.token:
            headers["Authorization"] = f"Bearer {self.settings.token}"
        key = lookup_key.strip() if lookup_key else ""
        reply = await exchange(
            self.http,
            "GET",
            self.dossiers + quote(number, safe=""),
            what=self.what,
            params={"lookup_key": key} if key else None,
            headers=headers,
        )
        if reply.status != 200:
            raise self._refusal(reply)
        try:
            dossier = dossier_from_json(reply.json())
        except DossierFormatError as exc:
            raise BadAnswer(f"{self.what}: {exc}") from None
        if dossier.code.casefold() != number.casefold():
            raise BadAnswer(f"{self.what}: asked for {number}, answered {dossier.code}")
        if dossier.applicant is not None and not key:
            dossier = dossier.without_applicant()
        return Answer(dossier, key_verified=dossier.applicant is not None)

    def _refusal(self, reply: Reply) -> UpstreamError:
        """The contract's errors: ``{"error": {"code", "message"}}``."""
        error = reply.detail("error", "code")
        if reply.status == 404 and error == "not_found":
            return NotFound(f"{self.what}: no dossier with this code")
        if reply.status == 400 and error == "invalid_code":
            # A code this gateway accepts but that server's parser does not: it cannot hold it.
            return NotFound(f"{self.what}: that server does not take this code")
        if reply.status == 401:
            return reply.unavailable("our token is refused (token)")
        if reply.status == 404:
            return reply.unavailable("no status API at this address (check url)")
        if reply.busy:
            return reply.unavailable()
        return reply.unexpected()
