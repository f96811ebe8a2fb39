"""Running a simulator: uvicorn on 127.0.0.1, in a background thread or in the foreground,
served as the gateway is (:class:`gateway.server.ServedApp`).

Tests and ``onestop-gateway --demo`` start a simulator on port 0 and read its URL back. The
connection layer is uvicorn's own h11 protocol, extended by one thing an ASGI app cannot do:
answer a request with a TCP reset (:attr:`Fault.RESET`).
"""

from __future__ import annotations

import abc
import collections
import socket
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from gateway.server import ServedApp, bind
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


class SimServer(ServedApp):
    """One simulator served over HTTP: ``with SimServer(OpenCPSSim()) as server: server.url``."""

    def __init__(self, sim: Simulator, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        config = uvicorn.Config(
            sim.app(),
            http=_protocol(sim.faults),
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        # Requests still hanging (Fault.HANG) are cancelled at stop, not awaited.
        super().__init__(config, bind(host, port), host=host, force_stop=True)

    def settings(self, **overrides: Any) -> UpstreamSection:
        """The config section an adapter uses to talk to this simulator."""
        values: dict[str, Any] = {"type": self.sim.kind, **self.sim.settings(self.url)}
        return UpstreamSection(**{**values, **overrides})

    def section_text(self, name: str) -> str:
        """The same section as INI text, for a technician to paste into onestop.conf."""
        lines = [f"[upstream.{name}]", f"type = {self.sim.kind}"]
        lines += [f"{key} = {value}" for key, value in self.sim.settings(self.url).items()]
        return "\n".join(lines) + "\n"


ROUTING_KEYS = (
    "agencies",
    "families",
    "retired",
    "retired_en",
    "timeout",
    "concurrency",
    "max_body",
)
"""What a simulated upstream keeps of its configured section: everything but the system's
address and credentials."""


def simulated(
    upstreams: Mapping[str, UpstreamSection], simulators: Mapping[str, Callable[[], Simulator]]
) -> tuple[dict[str, UpstreamSection], list[SimServer]]:
    """``onestop-gateway --demo`` on a configuration that names systems: each upstream of a
    type that has a simulator is answered by that simulator, started here on 127.0.0.1, with
    its routing (``agencies``, ``families``, ``retired``...) and limits kept; the others (the
    ``demo`` type) stay as they are. Returns the sections and the running simulators."""
    sections: dict[str, UpstreamSection] = {}
    servers: list[SimServer] = []
    for name, section in upstreams.items():
        make = simulators.get(section.type)
        if make is None or section.retired:
            sections[name] = section
            continue
        server = SimServer(make()).start()
        servers.append(server)
        kept = {key: getattr(section, key) for key in ROUTING_KEYS}
        sections[name] = replace(server.settings(), **kept)
    return sections, servers
