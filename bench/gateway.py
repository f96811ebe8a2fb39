"""The status gateway under load, each figure beside its baseline from the same run.

Every part runs in its own process, so that none shares another's interpreter lock: the
gateway (``Gateway`` served by uvicorn, as ``onestop-gateway`` does), upstream simulators (a
raw asyncio HTTP server answering the contract's status record after a set delay, counting
the requests it gets, a few tens of microseconds of CPU per request) and the load generator,
``wrk`` (Debian's package, written in C; its Lua script rotates through the paths and prints
the latency percentiles). The gateway reaches the simulators as ``type = status-api``
upstreams (another server speaking the contract). The machine's load average is printed
before each scenario, and after each load run how the CPU time divided between the gateway,
the simulator and wrk (the gateway's CPU per lookup depends least on the neighbours, though
a busy machine lets it handle more events per wake-up), and when each gateway stops, its
garbage collections while it served: every one is a pause of every lookup in flight.

1. Cache hits, 50 concurrent clients on warm codes, against the same load sent straight to
   the upstream simulator: the most lookups a second (clients send as fast as answers come),
   and the latencies at a fixed offered rate (each of the 50 connections sends its next
   lookup 22 ms after an answer: about 2,000 lookups/s while answers take a few ms).
   Targets: at least 2,000 lookups/s, p99 under 10 ms at that rate.
2. Cache misses behind a 200 ms upstream, 200 concurrent clients, every lookup a new code:
   throughput within 10 % of 200 / 0.2 s = 1,000/s.
3. One upstream 5 s slow while another answers: the other's p99 at a fixed offered rate
   (50 connections, each sending its next lookup 100 ms after an answer: about 450/s) with
   100 clients loading the slow one (new codes, its 16 connections busy, the rest waiting
   until its 6 s time-out, then asking again at once), against the same run without them;
   target within 20 %. A p99 of a few thousand lookups moves by tens of percent on a machine
   shared with other work, so
   the two alternate in blocks (alone, then beside the slow one once its queue has filled,
   then a pause until its lookups have ended) for five rounds, and each block's p99 is
   printed: the figure is the median of the blocks' p99s, with their range, and the change
   round by round (neighbouring blocks share the machine's load best).
4. 100 simultaneous lookups of one code: the upstream calls counted; target exactly one.
5. The CPU one upstream exchange costs the gateway's HTTP client (aiohttp), against httpx
   (the client it used before), 200 at a time against the simulator, in this process.

Usage: python bench/gateway.py [--seconds N] [--only 1235] [--profile DIR]
(./dev bench gateway installs wrk; ``--profile`` runs each gateway under cProfile, counting CPU
time, and writes its stats to DIR for ``python -m pstats``: the figures then include the
profiler's own cost, several times the gateway's.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
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
local pause = tonumber(os.getenv("BENCH_DELAY"))
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
if pause > 0 then
  delay = function() return pause end
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
    import uvloop

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(
            lambda: _Upstream(delay), sock=sock, backlog=4096
        )
        await server.serve_forever()

    uvloop.run(main())  # as the gateway's own loop: the least CPU the simulator can take


# ---- the gateway: its own process, as onestop-gateway runs it ------------------------------


def _serve_gateway(
    sock_port: int,
    settings: GatewaySection,
    upstreams: dict[str, Any],
    profile: str | None,
    pauses: str,
) -> None:
    import cProfile
    import gc
    import logging
    import signal

    from gateway import Gateway

    logging.basicConfig(level=logging.WARNING)
    server = Gateway(settings, upstreams).server(port=sock_port, graceful_shutdown=1.0)
    collections: list[float] = []
    started = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections.append(time.perf_counter() - started[0])

    # uvicorn raises the SIGTERM it caught again once it has stopped: ignored here, so that
    # the garbage collector's pauses (and the profile) get written.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    profiler = cProfile.Profile(time.process_time)  # CPU, not the neighbours' time slices
    serving = functools.partial(server.serve, on_started=lambda: gc.callbacks.append(timed))
    if profile is None:
        serving()
    else:
        profiler.runcall(serving)
        profiler.dump_stats(profile)
    Path(pauses).write_text(json.dumps(collections))


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


@dataclass
class Running:
    process: BaseProcess
    url: str
    pauses: Path | None = None
    """The gateway's garbage collections, in seconds each, written when it stops."""

    def collections(self) -> str:
        """The gateway's garbage collections while it served (each a pause of every lookup)."""
        if self.pauses is None or not self.pauses.exists():
            return "     (the gateway's garbage collections were not recorded)"
        pauses = sorted(json.loads(self.pauses.read_text()), reverse=True)
        longest = ", ".join(f"{pause * 1000:.0f}" for pause in pauses[:5])
        return (
            f"     gateway's garbage collections: {len(pauses)}, {sum(pauses):.2f} s in all, "
            f"longest {longest or '-'} ms"
        )

    @property
    def cpu(self) -> float:
        return cpu_seconds(self.process.pid or 0)

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


@dataclass
class Options:
    profile: Path | None = None
    """``--profile DIR``: each gateway process runs under cProfile and writes its stats there."""


OPTIONS = Options()


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
    profile = None if OPTIONS.profile is None else str(OPTIONS.profile / f"gateway-{port}.prof")
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as work:
        pauses = Path(work) / "collections.json"
        process = context.Process(
            target=_serve_gateway,
            args=(port, config, upstreams, profile, str(pauses)),
            daemon=True,
        )
        process.start()
        _wait_listening(port)
        running = Running(process, f"http://127.0.0.1:{port}", pauses)
        try:
            yield running
        finally:
            running.stop()
            print(running.collections())


# ---- the load ------------------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    median_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    cpu: dict[str, float]
    """CPU seconds each process used during the run (``wrk``, and those passed as watched)."""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def cpu_line(self) -> str:
        parts = [
            f"{name} {seconds:.1f} s ({seconds / self.seconds:.0%} of a core, "
            f"{seconds / max(self.requests, 1) * 1e6:.0f} us/lookup)"
            for name, seconds in self.cpu.items()
        ]
        return "     CPU: " + "; ".join(parts)


def wrk(
    url: str,
    paths: list[str],
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
    pause_ms: int = 0,
    watched: dict[str, Running] | None = None,
) -> Load:
    """``wrk`` on ``paths`` in turn; ``pause_ms`` after each answer on a connection before
    its next request (0: at once). ``watched`` processes get their CPU time measured."""
    watched = watched or {}
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as work:
        script = Path(work) / "script.lua"
        script.write_text(WRK_SCRIPT)
        listing = Path(work) / "paths"
        listing.write_text("\n".join(paths) + "\n")
        before = {name: running.cpu for name, running in watched.items()}
        wrk_before = children_cpu()
        done = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "20s",
             "-s", str(script), url],
            env={"BENCH_PATHS": str(listing), "BENCH_THREADS": str(threads),
                 "BENCH_DELAY": str(pause_ms)},
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        cpu = {name: running.cpu - before[name] for name, running in watched.items()}
        cpu["wrk"] = children_cpu() - wrk_before
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    requests, micros, p50, p95, p99, failed, status = (int(x) for x in line.split()[1:])
    return Load(requests, micros / 1e6, p50 / 1000, p95 / 1000, p99 / 1000, failed + status, cpu)


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


def machine() -> str:
    one, five, _ = os.getloadavg()
    return (
        f"(machine: {os.cpu_count()} cores, load average {one:.2f} over 1 min, {five:.2f} over 5)"
    )


def cache_hits(seconds: float) -> None:
    print("1. cache hits, 50 concurrent clients (targets: >= 2000/s, p99 < 10 ms at 2000/s)")
    print("  ", machine())
    warm = codes(100)
    with upstream(0.0) as sim:
        direct = wrk(sim.url, warm, connections=50, seconds=seconds, watched={"simulator": sim})
        print(row("straight to the upstream simulator (baseline)", direct))
        print(direct.cpu_line())
        section = UpstreamSection(type="status-api", url=sim.url)
        with gateway({"sim": section}, cache_ttl=3600) as gw:
            wrk(gw.url, warm, connections=50, seconds=1)
            watched = {"gateway": gw}
            hits = wrk(gw.url, warm, connections=50, seconds=seconds, watched=watched)
            print(row("gateway cache hits, as fast as they come", hits, direct))
            print(hits.cpu_line())
            paced = wrk(gw.url, warm, connections=50, seconds=seconds, pause_ms=22, watched=watched)
            print(row("gateway cache hits, paced (~2000/s offered)", paced, direct))
            print(paced.cpu_line())


def cache_misses(seconds: float) -> None:
    print("2. cache misses, 200 ms upstream, 200 concurrent clients (target: >= 900/s)")
    print("  ", machine())
    fresh = codes(int(1100 * seconds) + 5000)
    with upstream(0.2) as sim:
        direct = wrk(sim.url, fresh, connections=200, seconds=seconds, watched={"simulator": sim})
        print(row("straight to the upstream simulator (baseline)", direct))
        print(direct.cpu_line())
        section = UpstreamSection(type="status-api", url=sim.url, concurrency=400, timeout=10)
        with gateway({"sim": section}, cache_ttl=0) as gw:
            misses = wrk(gw.url, codes(len(fresh), start=len(fresh) + 1), connections=200,
                         seconds=seconds, watched={"gateway": gw, "simulator": sim})  # fmt: skip
    print(row("through the gateway, every lookup a new code", misses, direct))
    print(misses.cpu_line())


SLOW_TIMEOUT = 6.0
"""Scenario 3: the slow upstream's time-out (it answers in 5 s): its lookups have all ended
this long after its load stops."""


def slow_neighbour(seconds: float, rounds: int = 5) -> None:
    print("3. one upstream 5 s slow (100 clients waiting on it) while another answers")
    print("   (target: the other's p99 within 20 %)", machine())
    block = max(seconds * 0.4, 3.0)
    fast_codes = codes(int(1000 * block) + 1000)
    slow_codes = codes(5000, agency=SLOW_AGENCY)
    alone: list[Load] = []
    beside: list[Load] = []
    crowds: list[Load] = []
    with upstream(0.005) as fast, upstream(5.0) as slow:
        upstreams = {
            "slow": UpstreamSection(
                type="status-api",
                url=slow.url,
                agencies=("H30.20",),
                timeout=SLOW_TIMEOUT,
                concurrency=16,
            ),
            "fast": UpstreamSection(type="status-api", url=fast.url, concurrency=100),
        }
        with gateway(upstreams, cache_ttl=0, breaker_failures=1000) as gw:
            watched = {"gateway": gw}

            def other(start: int) -> Load:
                paths = codes(len(fast_codes), start=start)
                return wrk(gw.url, paths, connections=50, seconds=block, pause_ms=100,
                           watched=watched)  # fmt: skip

            def crowd(paths: list[str]) -> None:
                crowds.append(wrk(gw.url, paths, connections=100, seconds=block + 2))

            wrk(gw.url, fast_codes, connections=50, seconds=1, pause_ms=100)  # connections made
            for round_ in range(rounds):
                alone.append(other(len(fast_codes) * (2 * round_ + 1)))
                loading = threading.Thread(
                    target=crowd, args=(slow_codes[round_::rounds],), daemon=True
                )
                loading.start()
                time.sleep(2)  # the slow upstream's queue fills before measuring
                beside.append(other(len(fast_codes) * (2 * round_ + 2)))
                loading.join()
                time.sleep(SLOW_TIMEOUT + 1)  # the lookups still waiting on it end
    for number, (one, two) in enumerate(zip(alone, beside, strict=True), 1):
        print(row(f"round {number}: the other upstream alone", one))
        print(row(f"round {number}: the other, the slow one loaded", two, one))
    print(alone[len(alone) // 2].cpu_line().replace("CPU:", "CPU (a block alone):"))
    print(beside[len(beside) // 2].cpu_line().replace("CPU:", "CPU (a block beside):"))
    answered = sum(load.requests for load in crowds)
    print(f"  the slow one's clients: {answered} answers in {rounds} blocks of {block + 2:g} s, "
          f"{sum(load.errors for load in crowds)} of them errors (503 after its {SLOW_TIMEOUT:g} s "
          "time-out, as they should be)")  # fmt: skip
    first, second = (statistics.median(x.p99_ms for x in loads) for loads in (alone, beside))
    paired = [two.p99_ms / one.p99_ms - 1 for one, two in zip(alone, beside, strict=True)]
    print(
        f"  p99, median of {rounds} blocks of {block:g} s: alone {first:.2f} ms "
        f"({_spread(alone)}), beside the slow one {second:.2f} ms ({_spread(beside)}); "
        f"change {second / first - 1:+.0%} (round by round: median "
        f"{statistics.median(paired):+.0%}, {min(paired):+.0%} to {max(paired):+.0%})"
    )


def _spread(loads: list[Load]) -> str:
    return f"{min(x.p99_ms for x in loads):.2f} to {max(x.p99_ms for x in loads):.2f}"


def single_flight() -> None:
    import aiohttp

    async def hundred(url: str) -> list[int]:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100), timeout=aiohttp.ClientTimeout(total=30)
        ) as session:

            async def one() -> int:
                async with session.get(url + codes(1)[0]) as answer:
                    await answer.read()
                    return answer.status

            return list(await asyncio.gather(*(one() for _ in range(100))))

    with upstream(0.5) as sim:
        with gateway({"sim": UpstreamSection(type="status-api", url=sim.url)}, cache_ttl=60) as gw:
            statuses = asyncio.run(hundred(gw.url))
        calls = upstream_count(sim)
    print("4. 100 simultaneous lookups of one code (target: exactly 1 upstream call)")
    print(f"  answers 200: {statuses.count(200)}/100; upstream calls: {calls}")


def client_cost(count: int = 6000) -> None:
    """The CPU the gateway's upstream HTTP client spends on one exchange, against httpx."""
    import httpx

    from gateway.upstreams import UpstreamHTTP

    async def through_gateway_client(url: str, paths: list[str]) -> None:
        async with UpstreamHTTP(connections=400) as http:
            gate = asyncio.Semaphore(200)

            async def one(path: str) -> None:
                async with gate:
                    (await http.exchange("GET", url + path, what="bench")).json()

            await asyncio.gather(*(one(path) for path in paths))

    async def through_httpx(url: str, paths: list[str]) -> None:
        # As the gateway used it: 200 connections spread over pools of 4 (httpcore scans its
        # whole pool on every event, encode/httpcore#1035, so one pool of 200 costs far more).
        async with contextlib.AsyncExitStack() as stack:
            pools = [
                await stack.enter_async_context(
                    httpx.AsyncClient(limits=httpx.Limits(max_connections=4), timeout=10)
                )
                for _ in range(50)
            ]
            gate = asyncio.Semaphore(200)

            async def one(index: int, path: str) -> None:
                async with gate:
                    (await pools[index % len(pools)].get(url + path)).json()

            await asyncio.gather(*(one(index, path) for index, path in enumerate(paths)))

    print("5. CPU per upstream exchange, 200 at a time, in this process (uvloop)")
    print("  ", machine())
    import uvloop

    runs = {
        "httpx 0.28, pools of 4 (baseline)": through_httpx,
        "aiohttp (the gateway's)": through_gateway_client,
    }
    used: dict[str, list[float]] = {name: [] for name in runs}
    with upstream(0.0) as sim:
        for _ in range(3):
            for name, run in runs.items():
                started = time.process_time()
                uvloop.run(run(sim.url, codes(count)))
                used[name].append((time.process_time() - started) / count * 1e6)
    baseline = min(used["httpx 0.28, pools of 4 (baseline)"])
    for name, micros in used.items():
        print(f"  {name:<44} {min(micros):6.0f} us/exchange (best of 3)  "
              f"{baseline / min(micros):5.2f}x")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each load run")
    parser.add_argument("--only", default="12345", help="the scenarios to run, such as 2 or 13")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="run each gateway under cProfile, its stats written to DIR "
        "(read them with python -m pstats; the figures then include its cost)",
    )
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        OPTIONS.profile = args.profile
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk, or ./dev bench gateway)")
        return 1
    scenarios = {
        "1": lambda: cache_hits(args.seconds),
        "2": lambda: cache_misses(args.seconds),
        "3": lambda: slow_neighbour(args.seconds),
        "4": single_flight,
        "5": client_cost,
    }
    for number, run in scenarios.items():
        if number in args.only:
            run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
