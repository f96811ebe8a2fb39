"""An HTTP server on 127.0.0.1 that misbehaves on cue, to test the client's failure handling.

Each request takes the next behaviour from ``script`` (the last one repeats), and every
request is recorded, so a test can check both the client's result and how many attempts it
made.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False
    trickle: float = 0.0
    trickle_head: float = 0.0
    close_delimited: bool = False
    hold: threading.Event | None = None
    """Answer only once this is set (or after a minute)."""

    @classmethod
    def json(cls, data: Any, status: int = 200, **kwargs: Any) -> Reply:
        return cls(status, json.dumps(data).encode(), **kwargs)


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[Reply] = [Reply()]
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"

    def next_reply(self, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append((path, headers))
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        reply = self.server.next_reply(self.path, dict(self.headers))
        try:
            self._answer(reply)
        except OSError:  # the client hung up (a broken pipe, a reset, a TLS EOF)
            self.close_connection = True

    def _answer(self, reply: Reply) -> None:
        if reply.hold is not None:
            reply.hold.wait(60)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if reply.trickle_head:
            self._trickle_head(reply)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        if reply.close_delimited:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.trickle:
            for byte in reply.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(reply.trickle)
        else:
            self.wfile.write(reply.body)

    def _trickle_head(self, reply: Reply) -> None:
        """The status line and headers one byte at a time, each within any read timeout."""
        head = f"HTTP/1.1 {reply.status} OK\r\nContent-Type: application/json\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in reply.headers.items())
        head += f"X-Padding: {'x' * 200}\r\nContent-Length: {len(reply.body)}\r\n\r\n"
        for byte in head.encode():
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(reply.trickle_head)
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests look at ``requests`` instead."""


@contextmanager
def fault_server(tls: ssl.SSLContext | None = None) -> Iterator[FaultServer]:
    server = FaultServer()
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
