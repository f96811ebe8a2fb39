"""What the citizen lookup page costs beside the JSON answer, on the same gateway, in one run.

The gateway runs as ``onestop-gateway --demo`` in its own process (limits and access log off,
so that only the answer is measured), and ``wrk`` (Debian's package) loads it from another.
Both paths answer one warm dossier from the cache, so the difference is what the page adds:
parsing the address, the card's wording, the template, a 5 to 10 KB body instead of 2 KB.
Rounds alternate between the two paths so that drift on a busy machine hits both alike.

Prints, for the page and the JSON answer: requests per second, median and p99 latency, the
body size; and the page's cost as a multiple of the JSON answer's (time per request: the
inverse of throughput, and p99). Target: at most 1.5.

Usage: python bench/web.py [--seconds N] [--rounds N] [--connections N]   (./dev bench web)
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from onestop.demo_api import bundled_records

CODE = bundled_records()[0].dossier.code
PATHS = {"page": f"/tra-cuu/{CODE}", "json": f"/api/v1/dossiers/{CODE}"}
TARGET = 1.5
CONFIG = """\
[gateway]
rate_limit = 0
anonymous_rate_limit = 0
not_found_limit = 0
anonymous_not_found_limit = 0
cache_ttl = 3600
access_log = no
"""


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float


@contextmanager
def gateway() -> Iterator[str]:
    """``onestop-gateway --demo`` on a free port, in its own process; yields its URL."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "onestop.conf"
        config.write_text(CONFIG, encoding="utf-8")
        process = subprocess.Popen(
            [
                Path(sys.executable).parent / "onestop-gateway",
                "--demo",
                "--config",
                config,
                "--port",
                "0",
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            url = _wait_for_url(process)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=15)
            if process.stderr is not None:
                process.stderr.close()


def _wait_for_url(process: subprocess.Popen[str]) -> str:
    stderr = process.stderr
    if stderr is None:
        raise SystemExit("no pipe to the gateway")
    for line in stderr:
        match = re.search(r"serving on (http://\S+)", line)
        if match:
            # Drain the rest, or the gateway blocks once the pipe is full.
            threading.Thread(target=stderr.read, daemon=True).start()
            return match.group(1)
    raise SystemExit(f"the gateway did not start (exit status {process.wait()})")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, *, seconds: int, connections: int) -> Run:
    """One wrk run of ``url`` on one thread (the other core is the gateway's)."""
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors on {url}:\n{out}")
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Run(rps, _ms(percentiles["50"]), _ms(percentiles["99"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each path, alternated")
    parser.add_argument("--connections", type=int, default=20, help="concurrent connections")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: ./dev bench web installs it (apt install wrk)")
    with gateway() as url:
        sizes = {}
        for name, path in PATHS.items():
            answer = httpx.get(url + path, timeout=30)  # also warms the cache
            answer.raise_for_status()
            sizes[name] = len(answer.content)
        runs: dict[str, list[Run]] = {name: [] for name in PATHS}
        for _ in range(args.rounds):
            for name, path in PATHS.items():
                runs[name].append(
                    wrk(url + path, seconds=args.seconds, connections=args.connections)
                )
    print(
        f"warm cache, {args.connections} connections, {args.rounds} x {args.seconds} s per path "
        f"(medians of the runs)"
    )
    print(f"{'':6} {'requests/s':>11} {'median ms':>10} {'p99 ms':>8} {'body bytes':>11}")
    summary = {}
    for name in PATHS:
        rps = statistics.median(run.rps for run in runs[name])
        p50 = statistics.median(run.p50_ms for run in runs[name])
        p99 = statistics.median(run.p99_ms for run in runs[name])
        summary[name] = (rps, p99)
        print(f"{name:6} {rps:11.0f} {p50:10.2f} {p99:8.2f} {sizes[name]:11d}")
    cost = summary["json"][0] / summary["page"][0]
    tail = summary["page"][1] / summary["json"][1]
    verdict = "met" if cost <= TARGET else "NOT met"
    print(
        f"the page costs {cost:.2f}x the JSON answer per request (p99 {tail:.2f}x); "
        f"target <= {TARGET}: {verdict}"
    )


if __name__ == "__main__":
    main()
