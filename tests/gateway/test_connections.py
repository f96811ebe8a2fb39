"""The connection layer under abuse, over raw sockets: idle and half-sent connections, a
connection cap, request heads too large or broken; others keep being served meanwhile."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway import DemoStatusServer, GatewayError, GatewayServer
from onestop.config import UpstreamSection
from onestop.demo_api import bundled_records
from tests.gateway import support
from tests.gateway.support import SAMPLE, serving

DEMO = {"demo": UpstreamSection(type="demo")}
PATH = f"/api/v1/dossiers/{SAMPLE.code}"


def open_files() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


def connect(server: GatewayServer, first_bytes: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    if first_bytes:
        sock.sendall(first_bytes)
    return sock


def answer_of(sock: socket.socket) -> tuple[int, dict[str, Any]]:
    """The status and JSON body the server sent before closing the connection."""
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/json; charset=utf-8" in head.lower()
    return status, json.loads(body)


def wait_until(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def sockets(count: int, server: GatewayServer, first_bytes: bytes) -> Iterator[list[socket.socket]]:
    opened = [connect(server, first_bytes) for _ in range(count)]
    try:
        yield opened
    finally:
        for sock in opened:
            sock.close()


def test_idle_and_half_sent_connections_hold_nothing_and_block_nobody() -> None:
    config = support.settings(header_timeout=1.5)
    with serving(DEMO, config) as (server, _):
        before = open_files()
        with (
            sockets(150, server, b"") as idle,
            sockets(150, server, b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n") as half_sent,
        ):
            answer = httpx.get(f"{server.url}{PATH}", timeout=10)
            assert answer.status_code == 200  # served while 300 connections hang about
            for sock in idle + half_sent:
                status, body = answer_of(sock)
                assert status == 408
                assert body["error"] == {
                    "code": "request_timeout",
                    "message": "The request's headers did not arrive in time.",
                }
        assert wait_until(lambda: open_files() <= before + 5), (before, open_files())


def test_connections_beyond_the_cap_are_refused_in_json_and_the_cap_frees_up() -> None:
    config = support.settings(max_connections=20, header_timeout=30)
    with serving(DEMO, config) as (server, gateway):
        with sockets(20, server, b"") as held:
            with connect(server) as extra:
                status, body = answer_of(extra)
            assert status == 503
            assert body["error"]["code"] == "too_many_connections"
            held[0].sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert held[0].recv(12) == b"HTTP/1.1 200"  # those in are served
        assert wait_until(lambda: httpx.get(f"{server.url}{PATH}", timeout=10).status_code == 200)
        refused = gateway.metrics.registry.get_sample_value(
            "onestop_gateway_limited_total", {"limit": "too_many_connections"}
        )
    assert refused == 1


def test_a_60_kb_path_is_refused_at_once_and_stalls_nobody() -> None:
    with serving(DEMO) as (server, _):
        with connect(server) as long_path:
            long_path.sendall(b"GET /api/v1/dossiers/" + b"A" * 60_000)
            answer = httpx.get(f"{server.url}{PATH}", timeout=10)
            status, body = answer_of(long_path)
        assert answer.status_code == 200
        assert status == 414
        assert body["error"]["code"] == "uri_too_long"
        with connect(server, b"GET /api/v1/dossiers/" + b"A" * 60_000 + b" HTTP/1.1\r\n\r\n") as s:
            assert answer_of(s)[0] == 414


def test_headers_too_large_and_broken_requests_get_json_errors() -> None:
    headers = b"".join(b"X-Padding-%d: %s\r\n" % (n, b"p" * 1000) for n in range(20))
    with serving(DEMO) as (server, _):
        with connect(server, b"GET /api/v1/health HTTP/1.1\r\n" + headers + b"\r\n") as big:
            assert answer_of(big)[0] == 431
        with connect(server, b"\x16\x03\x01\x02\x00 not http at all\r\n\r\n") as broken:
            status, body = answer_of(broken)
        assert (status, body["error"]["code"]) == (400, "bad_request")
        assert httpx.get(f"{server.url}{PATH}", timeout=10).status_code == 200


def test_a_server_started_twice_refuses_the_second_start_and_keeps_serving() -> None:
    """Two threads running one uvicorn server crashed the process (a benchmark entered a
    server, which starts it, then started it again)."""
    with DemoStatusServer(bundled_records(), port=0) as server:
        with pytest.raises(GatewayError, match="already serving"):
            server.start()
        answer = httpx.get(f"{server.url}/api/v1/health", timeout=10)
        assert answer.status_code == 200
