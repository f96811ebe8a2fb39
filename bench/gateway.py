"""The status gateway under load, each figure beside its baseline from the same run.

Every part runs in its own process, so that none shares another's interpreter lock: the
gateway (``Gateway`` served by uvicorn, as ``onestop-gateway`` does), upstream simulators (a
raw asyncio HTTP server answering the contract's status record after a set delay, counting
the requests it gets) and the load generator, ``wrk`` (Debian's package; its Lua script
rotates through the paths and prints the latency percentiles). The gateway reaches the
simulators as ``type = status-api`` upstreams (another server speaking the contract).

1. Cache hits: 50 concurrent clients on warm codes, against the same load sent straight to
   the upstream simulator. Targets: p99 under 10 ms, at least 2,000 lookups/s (2 cores).
2. Cache misses behind a 200 ms upstream, 200 concurrent clients, every lookup a new code:
   throughput within 10 % of 200 / 0.2 s = 1,000/s.
3. One upstream 5 s slow while another answers: the other's p99 with the slow one loaded,
   against the same run without it; target within 20 %.
4. 100 simultaneous lookups of one code: the upstream calls counted; target exactly one.

Usage: python bench/gateway.py [--seconds N]   (./dev bench gateway installs wrk)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote_to_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dossier import dossier_to_json
from onestop.config import GatewaySection, UpstreamSection
from onestop.demo_api import bundled_records

_SAMPLE = bundled_records()[0].dossier.without_applicant()
RECORD_HEAD, RECORD_TAIL = (
    json.dumps(dossier_to_json(_SAMPLE)).encode().split(_SAMPLE.code.encode(), 1)
)
"""The simulator's answer, around the code it was asked for (the adapter checks it)."""
SLOW_AGENCY = "000.00.20.H30"
"""Codes of this agency go to the slow upstream in scenario 3 (routing prefix H30.20)."""

WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local threads = {}
setup = function(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
init = function(args)
  counter = id
  step = tonumber(os.getenv("BENCH_THREADS"))
end
request = function()
  counter = counter + step
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


# ---- the upstream simulator: its own process, a raw asyncio HTTP/1.1 server -----------------


class _Upstream(asyncio.Protocol):
    count = 0

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            path = head.split(b" ", 2)[1]
            if path == b"/count":
                self._answer(str(_Upstream.count).encode())
                continue
            _Upstream.count += 1
            code = unquote_to_bytes(path.split(b"?", 1)[0].rsplit(b"/", 1)[-1])
            record = RECORD_HEAD + code + RECORD_TAIL
            if self.delay:
                asyncio.get_running_loop().call_later(self.delay, self._answer, record)
            else:
                self._answer(record)

    def _answer(self, body: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )


def _serve_upstream(sock: socket.socket, delay: float) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(
            lambda: _Upstream(delay), sock=sock, backlog=4096
        )
        await server.serve_forever()

    asyncio.run(main())


# ---- the gateway: its own process, as onestop-gateway runs it ------------------------------


def _serve_gateway(sock_port: int, settings: GatewaySection, upstreams: dict[str, Any]) -> None:
    import logging

    from gateway import Gateway

    logging.basicConfig(level=logging.WARNING)
    Gateway(settings, upstreams).server(port=sock_port, graceful_shutdown=1.0).serve()


@dataclass
class Running:
    process: BaseProcess
    url: str

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


@contextlib.contextmanager
def upstream(delay: float) -> Iterator[Running]:
    """A simulator answering every lookup after ``delay`` seconds, in its own process."""
    sock = socket.create_server(("127.0.0.1", 0), backlog=4096)
    port = int(sock.getsockname()[1])
    process = multiprocessing.get_context("fork").Process(
        target=_serve_upstream, args=(sock, delay), daemon=True
    )
    process.start()
    sock.close()
    running = Running(process, f"http://127.0.0.1:{port}")
    try:
        yield running
    finally:
        running.stop()


@contextlib.contextmanager
def gateway(upstreams: dict[str, UpstreamSection], **settings: Any) -> Iterator[Running]:
    port = _free_port()
    config = GatewaySection(
        port=port,
        rate_limit=0,
        anonymous_rate_limit=0,
        not_found_limit=0,
        anonymous_not_found_limit=0,
        max_connections=2000,
        **settings,
    )
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_serve_gateway, args=(port, config, upstreams), daemon=True)
    process.start()
    _wait_listening(port)
    running = Running(process, f"http://127.0.0.1:{port}")
    try:
        yield running
    finally:
        running.stop()


# ---- the load ------------------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    median_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk(url: str, paths: list[str], *, connections: int, seconds: float, threads: int = 1) -> Load:
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as work:
        script = Path(work) / "script.lua"
        script.write_text(WRK_SCRIPT)
        listing = Path(work) / "paths"
        listing.write_text("\n".join(paths) + "\n")
        done = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "20s",
             "-s", str(script), url],
            env={"BENCH_PATHS": str(listing), "BENCH_THREADS": str(threads)},
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    requests, micros, p50, p95, p99, failed, status = (int(x) for x in line.split()[1:])
    return Load(requests, micros / 1e6, p50 / 1000, p95 / 1000, p99 / 1000, failed + status)


def codes(count: int, agency: str = "000.00.11.H30", start: int = 1) -> list[str]:
    return [f"/api/v1/dossiers/{agency}-240115-{n:07d}" for n in range(start, start + count)]


def upstream_count(running: Running) -> int:
    with socket.create_connection(("127.0.0.1", int(running.url.rsplit(":", 1)[1])), 5) as sock:
        sock.sendall(b"GET /count HTTP/1.1\r\nHost: x\r\n\r\n")
        return int(sock.recv(4096).split(b"\r\n\r\n", 1)[1])


def row(name: str, load: Load, baseline: Load | None = None) -> str:
    ratio = f"{load.rate / baseline.rate:6.2f}x" if baseline else "       "
    return (
        f"  {name:<44} {load.rate:8.0f}/s {ratio}  median {load.median_ms:6.2f} ms  "
        f"p95 {load.p95_ms:7.2f} ms  p99 {load.p99_ms:7.2f} ms  errors {load.errors}"
    )


def cache_hits(seconds: float) -> None:
    warm = codes(100)
    with upstream(0.0) as sim:
        direct = wrk(sim.url, warm, connections=50, seconds=seconds)
        with gateway(
            {"sim": UpstreamSection(type="status-api", url=sim.url)}, cache_ttl=3600
        ) as gw:
            wrk(gw.url, warm, connections=50, seconds=1)
            hits = wrk(gw.url, warm, connections=50, seconds=seconds)
    print("1. cache hits, 50 concurrent clients (targets: p99 < 10 ms, >= 2000/s)")
    print(row("straight to the upstream simulator (baseline)", direct))
    print(row("through the gateway, answered from its cache", hits, direct))


def cache_misses(seconds: float) -> None:
    fresh = codes(int(1100 * seconds) + 5000)
    with upstream(0.2) as sim:
        direct = wrk(sim.url, fresh, connections=200, seconds=seconds)
        section = UpstreamSection(type="status-api", url=sim.url, concurrency=400, timeout=10)
        with gateway({"sim": section}, cache_ttl=0) as gw:
            misses = wrk(gw.url, codes(len(fresh), start=len(fresh) + 1), connections=200,
                         seconds=seconds)  # fmt: skip
    print("2. cache misses, 200 ms upstream, 200 concurrent clients (target: >= 900/s)")
    print(row("straight to the upstream simulator (baseline)", direct))
    print(row("through the gateway, every lookup a new code", misses, direct))


def slow_neighbour(seconds: float) -> None:
    fast_codes = codes(int(3000 * seconds) + 5000)
    slow_codes = codes(5000, agency=SLOW_AGENCY)
    with upstream(0.005) as fast, upstream(5.0) as slow:
        upstreams = {
            "slow": UpstreamSection(
                type="status-api", url=slow.url, agencies=("H30.20",), timeout=10, concurrency=16
            ),
            "fast": UpstreamSection(type="status-api", url=fast.url, concurrency=100),
        }
        with gateway(upstreams, cache_ttl=0, breaker_failures=1000) as gw:
            alone = wrk(gw.url, fast_codes, connections=50, seconds=seconds)
            crowd = subprocess.Popen(
                ["wrk", "-t1", "-c100", f"-d{seconds + 4:g}s", "--timeout", "20s",
                 f"{gw.url}{slow_codes[0]}"],
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(2)  # let the slow upstream's queue fill before measuring
            beside = wrk(gw.url, list(reversed(fast_codes)), connections=50, seconds=seconds)
            crowd.wait()
    change = beside.p99_ms / alone.p99_ms - 1
    print("3. one upstream 5 s slow (100 clients waiting on it) while another answers")
    print("   (target: the other's p99 within 20 %)")
    print(row("the other upstream alone (baseline)", alone))
    print(row("the other upstream, the slow one loaded", beside, alone))
    print(f"  p99 change: {change:+.0%}")


def single_flight() -> None:
    async def hundred(url: str) -> list[int]:
        import httpx

        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
            answers = await asyncio.gather(*(client.get(codes(1)[0]) for _ in range(100)))
        return [answer.status_code for answer in answers]

    with upstream(0.5) as sim:
        with gateway({"sim": UpstreamSection(type="status-api", url=sim.url)}, cache_ttl=60) as gw:
            statuses = asyncio.run(hundred(gw.url))
        calls = upstream_count(sim)
    print("4. 100 simultaneous lookups of one code (target: exactly 1 upstream call)")
    print(f"  answers 200: {statuses.count(200)}/100; upstream calls: {calls}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each load run")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk, or ./dev bench gateway)")
        return 1
    cache_hits(args.seconds)
    cache_misses(args.seconds)
    slow_neighbour(args.seconds)
    single_flight()
    return 0


if __name__ == "__main__":
    sys.exit(main())
