"""Request bodies read under a cap: the API's ratings, the fleet's heartbeat batches and the
web page's lookup form all take small bodies, and a client that declares or sends more is
cut off at once rather than buffered (Starlette's ``Request.body`` reads everything)."""

from __future__ import annotations

from starlette.requests import Request


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The request body, or None when its Content-Length or what arrives passes ``limit``
    bytes (it stops reading as soon as it does)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
