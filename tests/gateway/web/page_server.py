"""A real HTTP server (uvicorn, 127.0.0.1, a free port) serving the lookup page for tests."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute


@contextlib.contextmanager
def serve(routes: list[BaseRoute]) -> Iterator[str]:
    """Serve ``routes`` until the block ends; yields the root URL. The socket is bound before
    the server starts, so requests made at once wait in its backlog instead of failing."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    config = uvicorn.Config(Starlette(routes=routes), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
