"""Running a simulator: uvicorn on 127.0.0.1, in a background thread or in the foreground.

Tests and ``onestop-gateway --demo`` start a simulator on port 0 and read its URL back; the
listening socket is bound before the server thread starts, so the URL is usable at once
(connections wait in the backlog) and no test has to poll for readiness. The connection
layer is uvicorn's own h11 protocol, extended by one thing an ASGI app cannot do: answer a
request with a TCP reset (:attr:`Fault.RESET`).
"""

from __future__ import annotations

import abc
import collections
import socket
import struct
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from gateway.sims._faults import ASGIApp, Fault, Faults, Scope
from onestop.config import UpstreamSection


@dataclass(frozen=True, slots=True)
class Seen:
    """One request as a simulator received it (for tests: which headers came, how often)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


class Simulator(abc.ABC):
    """A simulated one-stop system: its data, its fault knobs and its HTTP app."""

    kind: ClassVar[str]
    """The ``[upstream.NAME] type`` of the adapter that talks to this system."""

    def __init__(self, lookup_paths: tuple[str, ...]) -> None:
        self.faults = Faults(lookup_paths)
        self.calls: collections.Counter[str] = collections.Counter()
        self.seen: collections.deque[Seen] = collections.deque(maxlen=1000)

    @abc.abstractmethod
    def app(self) -> ASGIApp:
        """The simulator's ASGI app, faults included."""

    @abc.abstractmethod
    def settings(self, url: str) -> dict[str, str]:
        """The ``[upstream.NAME]`` keys an adapter needs to talk to this simulator at ``url``."""

    @abc.abstractmethod
    def listing(self) -> list[tuple[str, str, str]]:
        """Each dossier's code, status in the system's words, and lookup key ("" for none)."""

    def reset(self) -> None:
        """Back to the state it started in: no fault, no calls seen (subclasses also restore
        their data), so that one running simulator can serve many tests."""
        self.faults.clear()
        self.calls.clear()
        self.seen.clear()

    def note(self, call: str, scope: Scope) -> None:
        """Count a call and keep the request's headers (tests check what an adapter sent)."""
        self.calls[call] += 1
        headers = {key.decode("latin-1"): val.decode("latin-1") for key, val in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        self.seen.append(Seen(scope["method"], scope["path"], query, headers))


def _request_path(data: bytes) -> str | None:
    """The path of the request line at the start of ``data``, if it starts with one."""
    line = data.split(b"\r\n", 1)[0].split(b" ")
    if len(line) != 3 or not line[2].startswith(b"HTTP/"):
        return None
    return line[1].split(b"?", 1)[0].decode("latin-1")


def _protocol(faults: Faults) -> type[H11Protocol]:
    class FaultyH11Protocol(H11Protocol):
        """uvicorn's h11 protocol, which resets the connection when :attr:`Fault.RESET` is on."""

        def data_received(self, data: bytes) -> None:
            path = _request_path(data)
            if path is not None and faults.take(path, only=Fault.RESET) is not None:
                sock = self.transport.get_extra_info("socket")
                if sock is not None:  # linger 0: close with RST, not FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.transport.abort()
                return
            super().data_received(data)

    return FaultyH11Protocol


class SimServer:
    """One simulator served over HTTP: ``with SimServer(OpenCPSSim()) as server: server.url``."""

    def __init__(self, sim: Simulator, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        self._socket = socket.create_server((host, port))
        bound_host, bound_port = self._socket.getsockname()[:2]
        self.url = f"http://{bound_host}:{bound_port}"
        config = uvicorn.Config(
            sim.app(),
            http=_protocol(sim.faults),
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def settings(self, **overrides: Any) -> UpstreamSection:
        """The config section an adapter uses to talk to this simulator."""
        values: dict[str, Any] = {"type": self.sim.kind, **self.sim.settings(self.url)}
        return UpstreamSection(**{**values, **overrides})

    def section_text(self, name: str) -> str:
        """The same section as INI text, for a technician to paste into onestop.conf."""
        lines = [f"[upstream.{name}]", f"type = {self.sim.kind}"]
        lines += [f"{key} = {value}" for key, value in self.sim.settings(self.url).items()]
        return "\n".join(lines) + "\n"

    def start(self) -> SimServer:
        """Serve from a background thread."""
        self._thread = threading.Thread(target=self.run, name=f"sim-{self.sim.kind}", daemon=True)
        self._thread.start()
        return self

    def run(self) -> None:
        """Serve in this thread until :meth:`stop` (or, in the main thread, SIGINT/SIGTERM)."""
        self._server.run(sockets=[self._socket])

    def stop(self) -> None:
        """Stop at once: requests still hanging (``Fault.HANG``) are cancelled, not awaited."""
        self._server.should_exit = self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
