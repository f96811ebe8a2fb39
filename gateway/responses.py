"""The contract's answers: JSON bodies, error documents and the headers every answer carries.

Every error, from a route, a middleware or the connection layer underneath (a request head too
large, too slow, one connection too many), has the body ``{"error": {"code": ..., "message":
..., "message_vi": ...}}`` of docs/status-api.md, so that a client never meets a plain-text
error page.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

JSON = "application/json; charset=utf-8"
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class ErrorCode(enum.StrEnum):
    """The contract's ``error.code`` values."""

    INVALID_CODE = "invalid_code"
    INVALID_KEY = "invalid_key"
    INVALID_RATING = "invalid_rating"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    NO_SUCH_ENDPOINT = "no_such_endpoint"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    RATE_LIMITED = "rate_limited"
    RETIRED = "retired"
    KEY_REQUIRED = "key_required"
    KEY_REJECTED = "key_rejected"
    ALREADY_RATED = "already_rated"
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"
    BAD_UPSTREAM_ANSWER = "bad_upstream_answer"
    REQUEST_TIMEOUT = "request_timeout"
    BODY_TOO_LARGE = "body_too_large"
    URI_TOO_LONG = "uri_too_long"
    HEADERS_TOO_LARGE = "headers_too_large"
    BAD_REQUEST = "bad_request"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    INTERNAL_ERROR = "internal_error"


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_body(code: ErrorCode, message: str, message_vi: str | None = None) -> bytes:
    error = {"code": str(code), "message": message}
    if message_vi:
        error["message_vi"] = message_vi
    return json_bytes({"error": error})


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return raw_json_response(json_bytes(data), status, headers)


def raw_json_response(
    body: bytes, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(body, status, headers={**HEADERS, **(headers or {})}, media_type=JSON)


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    message_vi: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return raw_json_response(error_body(code, message, message_vi), status, headers)


def raw_error(status: int, code: ErrorCode, message: str) -> bytes:
    """A whole HTTP/1.1 error answer that closes the connection, for the connection layer,
    which answers before any route runs."""
    body = error_body(code, message)
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        f"Content-Type: {JSON}",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in HEADERS.items()),
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body
