"""The HTTP routes of the status API (docs/status-api.md): lookups, ratings, health, metrics.

Routes only: what a lookup does is :class:`gateway.service.LookupService`'s business, who may
ask is :mod:`gateway.access`'s. :func:`build_app` assembles any list of routes (these, and the
pages other parts of the gateway mount beside them) with the middleware and the JSON error
handlers every answer needs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dossier import (
    ICT,
    Channel,
    CodeError,
    CodeQuery,
    Dossier,
    Language,
    Rating,
    dossier_to_json,
    format_time,
)
from gateway.access import Access, Caller
from gateway.bodies import read_capped
from gateway.metrics import CONTENT_TYPE, Metrics
from gateway.middleware import CALLER, LOG_PATH, client_address, rate_limited, state
from gateway.ratings import AlreadyRated, Ratings
from gateway.responses import (
    ErrorCode,
    error_response,
    json_bytes,
    json_response,
    raw_json_response,
)
from gateway.service import InvalidKey, LookupResult, LookupService, Outcome, clean_key
from onestop import __version__

DOSSIERS = "/api/v1/dossiers/"
HEALTH = "/api/v1/health"
RATINGS_SUFFIX = "/ratings"
MAX_RATING_BODY = 4096
PARSED_SPELLINGS = 16384
"""Code spellings whose reading is kept, and status records whose JSON is kept."""
_LOOKUP_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class StatusApi:
    """The contract's routes, over the gateway's parts."""

    def __init__(
        self,
        *,
        service: LookupService,
        access: Access,
        ratings: Ratings,
        metrics: Metrics,
        parse: Callable[[str], CodeQuery],
        body_timeout: float,
        dossier_count: Callable[[], int | None] = lambda: None,
    ) -> None:
        self.service = service
        self.access = access
        self.ratings = ratings
        self.metrics = metrics
        # A lobby scans the same receipts again and again: each spelling is read once.
        self.parse = functools.lru_cache(maxsize=PARSED_SPELLINGS)(parse)
        self.body_timeout = body_timeout
        self.dossier_count = dossier_count

    def routes(self) -> list[BaseRoute]:
        return [
            Route(HEALTH, self.health, methods=["GET"]),
            Route(DOSSIERS + "{code:path}" + RATINGS_SUFFIX, self.rate, methods=["POST"]),
            Route(DOSSIERS + "{code:path}", self.dossier, methods=["GET"]),
            Route("/metrics", self.metrics_page, methods=["GET"]),
        ]

    async def dossier(self, request: Request) -> Response:
        raw = request.path_params["code"]
        if raw.endswith(RATINGS_SUFFIX):
            return not_allowed("POST")
        if not raw:
            return no_such_endpoint()
        state(request.scope)[LOG_PATH] = f"{DOSSIERS}(invalid code)"
        parsed = self._parse(raw)
        if isinstance(parsed, Response):
            return parsed
        code = parsed.code
        state(request.scope)[LOG_PATH] = f"{DOSSIERS}{code}"
        try:
            key = clean_key(request.query_params.get("lookup_key") or parsed.lookup_key)
        except InvalidKey as exc:
            return error_response(
                400,
                ErrorCode.INVALID_KEY,
                f"The lookup key is not valid: {exc}.",
                message_vi="Mã tra cứu không đúng dạng.",
            )
        caller = _caller(request)
        wait = self.access.not_found_wait(caller)
        if wait is not None:
            self.metrics.limited.labels("not_found").inc()
            return rate_limited(wait, "Too many lookups of codes that do not exist")
        result = await self.service.lookup(code, key)
        if result.outcome is Outcome.NOT_FOUND:
            self.access.count_not_found(caller)
        return lookup_answer(str(code), result)

    async def rate(self, request: Request) -> Response:
        state(request.scope)[LOG_PATH] = f"{DOSSIERS}(invalid code){RATINGS_SUFFIX}"
        parsed = self._parse(request.path_params["code"])
        if isinstance(parsed, Response):
            return parsed
        code = parsed.code
        state(request.scope)[LOG_PATH] = f"{DOSSIERS}{code}{RATINGS_SUFFIX}"
        body = await _small_body(request, MAX_RATING_BODY, self.body_timeout)
        if isinstance(body, Response):
            return body
        fields = _rating_fields(body)
        if isinstance(fields, Response):
            return fields
        rating, channel, lookup_id = fields
        upstream = self.service.upstream_for(code)
        if upstream is None:
            return not_found(str(code))
        caller = _caller(request)
        try:
            record, new = await self.ratings.receive(
                code,
                upstream=upstream,
                rating=rating,
                channel=channel,
                lookup_id=lookup_id,
                client=caller.name or "anonymous",
            )
        except AlreadyRated as exc:
            return error_response(
                409,
                ErrorCode.ALREADY_RATED,
                f"This lookup was already rated {exc.existing.rating} for {exc.existing.code}.",
                message_vi="Lượt tra cứu này đã được đánh giá.",
            )
        if new:
            self.metrics.ratings.labels(str(rating)).inc()
        return json_response({"rating": record.to_json()}, 201 if new else 200)

    async def health(self, request: Request) -> Response:
        upstreams = {
            name: {
                "type": slot.settings.type,
                "state": str(slot.state),
                "agencies": list(slot.settings.agencies),
                "last_ok": _time(slot.last_ok),
                "last_failure": _time(slot.last_failure),
                "last_error": slot.last_error or None,
            }
            for name, slot in self.service.slots.items()
        }
        working = [u for u in upstreams.values() if u["state"] != "retired"]
        healthy = all(u["state"] == "up" for u in working)
        body: dict[str, Any] = {
            "status": "ok" if healthy else "degraded",
            "version": __version__,
        }
        count = self.dossier_count()
        if count is not None:
            body["dossiers"] = count
        body["time"] = format_time(dt.datetime.now(ICT))
        body["upstreams"] = upstreams
        return json_response(body)

    async def metrics_page(self, request: Request) -> Response:
        for name, slot in self.service.slots.items():
            if slot.upstream is not None:
                for status, count in slot.upstream.unmapped_statuses.items():
                    self.metrics.unmapped_statuses.labels(name, status).set(count)
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)

    def _parse(self, raw: str) -> CodeQuery | Response:
        try:
            return self.parse(raw)
        except CodeError as exc:
            return error_response(
                400, ErrorCode.INVALID_CODE, str(exc), message_vi=exc.message(Language.VI)
            )


def lookup_answer(code: str, result: LookupResult) -> Response:
    """A lookup's outcome as the contract words it."""
    outcome = result.outcome
    if result.dossier is not None and outcome is Outcome.FOUND:
        return raw_json_response(_record_body(result.dossier))
    if result.dossier is not None and outcome is Outcome.STALE:
        record = dossier_to_json(result.dossier)
        if result.stale_since is not None:
            record["stale_since"] = format_time(result.stale_since)
        return json_response(record)
    if outcome is Outcome.RETIRED:
        return error_response(
            410, ErrorCode.RETIRED, result.message_en, message_vi=result.message or None
        )
    if outcome is Outcome.KEY_REQUIRED:
        return error_response(
            403,
            ErrorCode.KEY_REQUIRED,
            "This dossier's system shows it only with the lookup key printed on the receipt.",
            message_vi="Hồ sơ này cần mã tra cứu in trên biên nhận.",
        )
    if outcome is Outcome.KEY_REJECTED:
        return error_response(
            403,
            ErrorCode.KEY_REJECTED,
            "The lookup key does not match this dossier.",
            message_vi="Mã tra cứu không đúng với hồ sơ này.",
        )
    if outcome is Outcome.KEY_LOCKED:
        return rate_limited(result.retry_after or 60, "Too many wrong lookup keys for this dossier")
    if outcome is Outcome.UNAVAILABLE:
        headers = {} if result.retry_after is None else {"Retry-After": str(result.retry_after)}
        return error_response(
            503,
            ErrorCode.UPSTREAM_UNAVAILABLE,
            f"The system that holds this dossier does not answer now: {result.message}",
            message_vi="Hệ thống quản lý hồ sơ này đang không trả lời; xin thử lại sau.",
            headers=headers,
        )
    if outcome is Outcome.BAD_ANSWER:
        return error_response(
            502,
            ErrorCode.BAD_UPSTREAM_ANSWER,
            f"The system that holds this dossier answered wrongly: {result.message}",
            message_vi="Hệ thống quản lý hồ sơ này trả lời không đúng; xin thử lại sau.",
        )
    return not_found(code)


@functools.lru_cache(maxsize=PARSED_SPELLINGS)
def _record_body(dossier: Dossier) -> bytes:
    """A status record's JSON, made once per record: a cache hit sends the same bytes again."""
    return json_bytes(dossier_to_json(dossier))


def not_found(code: str) -> Response:
    return error_response(
        404,
        ErrorCode.NOT_FOUND,
        f"No dossier {code}.",
        message_vi=f"Không tìm thấy hồ sơ {code}.",
    )


def no_such_endpoint() -> Response:
    return error_response(404, ErrorCode.NO_SUCH_ENDPOINT, "No such endpoint.")


def not_allowed(*methods: str) -> Response:
    allowed = ", ".join(methods)
    return error_response(
        405,
        ErrorCode.METHOD_NOT_ALLOWED,
        f"Only {allowed} is supported here.",
        headers={"Allow": allowed},
    )


def _caller(request: Request) -> Caller:
    caller = state(request.scope).get(CALLER)
    if isinstance(caller, Caller):
        return caller
    return Caller(None, client_address(request.scope))


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else format_time(value)


async def _small_body(request: Request, limit: int, timeout: float) -> bytes | Response:
    """A request body of at most ``limit`` bytes that arrives within ``timeout``, or the JSON
    error saying which it is not. (Starlette's own body limit answers in plain text.)"""
    too_large = error_response(
        413, ErrorCode.BODY_TOO_LARGE, f"The body is larger than {limit} bytes."
    )
    try:
        async with asyncio.timeout(timeout):
            body = await read_capped(request, limit)
    except (TimeoutError, ClientDisconnect):
        return error_response(
            408, ErrorCode.REQUEST_TIMEOUT, "The request's body did not arrive in time."
        )
    return too_large if body is None else body


def _rating_fields(body: bytes) -> tuple[Rating, Channel, str] | Response:
    """The rating, channel and lookup id of a rating's body, or the 400 answer naming what is
    wrong with it."""

    def invalid(message: str) -> Response:
        return error_response(400, ErrorCode.INVALID_RATING, message)

    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return invalid("The body must be a JSON object.")
    if not isinstance(data, dict):
        return invalid("The body must be a JSON object.")
    rating = data.get("rating")
    if not isinstance(rating, str) or rating not in Rating.__members__.values():
        return invalid("'rating' must be one of " + ", ".join(Rating) + ".")
    channel = data.get("channel")
    if not isinstance(channel, str) or channel not in Channel.__members__.values():
        return invalid("'channel' must be one of " + ", ".join(Channel) + ".")
    lookup_id = data.get("lookup_id")
    if not isinstance(lookup_id, str) or not _LOOKUP_ID.fullmatch(lookup_id):
        return invalid("'lookup_id' must be 8 to 64 letters, digits, '-' or '_'.")
    return Rating(rating), Channel(channel), lookup_id


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        return await _server_error(request, exc)
    if exc.status_code == 404:
        return no_such_endpoint()
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "GET")
        return not_allowed(*sorted(m.strip() for m in allowed.split(",") if m.strip() != "HEAD"))
    return error_response(exc.status_code, ErrorCode.BAD_REQUEST, exc.detail)


async def _server_error(request: Request, exc: Exception) -> Response:
    return error_response(500, ErrorCode.INTERNAL_ERROR, "The gateway failed; see its log.")


def build_app(
    routes: Sequence[BaseRoute],
    *,
    middleware: Sequence[Middleware] = (),
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
) -> Starlette:
    """An app of ``routes`` whose every error answer is the contract's JSON document (and
    never a redirect to the same path with a slash added, which no client of it follows)."""
    app = Starlette(
        routes=list(routes),
        middleware=list(middleware),
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    return app
