"""What the status client costs on top of a bare HTTP request, and what a cache hit costs.

Runs the demo status API in a separate process on 127.0.0.1 (so that it does not share this
process's interpreter lock), then times, interleaved in one run:

- baseline: ``requests.get`` on a keep-alive session plus ``.json()``, the least any client does;
- ``requests.get`` without a session (a new connection each time), for reference;
- ``StatusClient.lookup`` with the cache off, without and with the last-known SQLite store;
- ``StatusClient.lookup`` answered from its memory cache.

Usage: python bench/lookup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

from backend_client import API_PREFIX, LastKnownStore, StatusClient
from dossier import parse_code
from onestop.demo_api import bundled_records


def start_api() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "onestop.demo_api", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr = process.stderr
    if stderr is None:
        raise SystemExit("no pipe to the demo API")
    line = stderr.readline()
    match = re.search(r"(http://\S+)", line)
    if not match:
        process.kill()
        raise SystemExit(f"the demo API did not start: {line}")
    # Drain the access log, or the server blocks once the pipe is full.
    threading.Thread(target=stderr.read, daemon=True).start()
    return process, match.group(1)


def measure(cases: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Interleave the cases round by round, so that drift hits them all alike."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for case in cases.values():
        case()
    for _ in range(rounds):
        for name, case in cases.items():
            started = time.perf_counter_ns()
            case()
            samples[name].append((time.perf_counter_ns() - started) / 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()

    code = parse_code(bundled_records()[0].dossier.code)
    process, url = start_api()
    try:
        endpoint = f"{url}{API_PREFIX}/dossiers/{code}"
        session = requests.Session()
        with tempfile.TemporaryDirectory() as folder:
            store = LastKnownStore(Path(folder) / "last-known.sqlite3")
            plain = StatusClient(base_url=url, cache_ttl=0)
            stored = StatusClient(base_url=url, cache_ttl=0, last_known=store)
            cached = StatusClient(base_url=url, cache_ttl=3600)
            cases: dict[str, Callable[[], object]] = {
                "baseline: session.get + json": lambda: session.get(endpoint, timeout=5).json(),
                "requests.get (new connection)": lambda: requests.get(endpoint, timeout=5).json(),
                "client.lookup, no cache": lambda: plain.lookup(code),
                "client.lookup, no cache, last-known store": lambda: stored.lookup(code),
                "client.lookup, cache hit": lambda: cached.lookup(code),
            }
            samples = measure(cases, args.rounds)
            store.close()
    finally:
        process.terminate()
        process.wait()

    baseline = statistics.median(samples["baseline: session.get + json"])
    print(f"status lookups against the demo API on loopback, {args.rounds} rounds, microseconds")
    print(f"{'case':44} {'median':>9} {'p95':>9} {'vs baseline':>12}")
    for name, values in samples.items():
        median, p95 = statistics.median(values), statistics.quantiles(values, n=20)[-1]
        print(f"{name:44} {median:9.1f} {p95:9.1f} {median / baseline:11.2f}x")
    added = statistics.median(samples["client.lookup, no cache"]) - baseline
    added_store = statistics.median(samples["client.lookup, no cache, last-known store"]) - baseline
    hit = statistics.median(samples["client.lookup, cache hit"])
    print(f"client overhead over baseline (median): {added / 1000:.3f} ms (target < 1 ms)")
    print(f"  with the last-known store:            {added_store / 1000:.3f} ms")
    print(f"cache hit (median): {hit:.1f} us (target < 50 us)")


if __name__ == "__main__":
    main()
