"""Figures for the SMS daemon on each transport, each beside a baseline run in the same process.

    python bench/smsd.py [--parts modem,gammu,smpp,kannel,pool | --transports]
                         [--latency N] [--burst N] [--slow-send SECONDS] [--no-gammu]
                         [--smpp-burst N] [--kannel-burst N] [--pool-modems N]

``--transports`` runs only the transport parts (smpp, kannel, pool: a few minutes); the
gammu-smsd baseline alone takes about 15 minutes. The transport parts are described in
``bench/_smsd_transports.py``: the SMSC simulator against an ESME that answers at once, real
Kannel and fakesmsc against Kannel answering by itself, a pool of emulated modems against
the modem-bound ideal.

For one modem it prints, for onestop-smsd and then gammu-smsd (Debian packages gammu,
gammu-smsd; tuned as in the notes: no periodic checks, LoopSleep=1, a RunOnReceive script
that injects a reply):

- latency from a message landing in the modem (the +CMTI line) to the reply's AT+CMGS, on a
  modem that answers at once: median and p95 over N messages sent one after another;
- a burst of N messages on that modem: total time until every reply is sent;
- the same burst with every AT+CMGS taking SECONDS, as real networks do: total time against
  the modem-bound ideal of N x SECONDS.

The daemon looks every code up in the demo status API over HTTP; gammu's script answers a
fixed text, so its figures are a lower bound for a real gammu-based responder.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this file's name would otherwise shadow the smsd package

from bench import _smsd_transports as transports  # noqa: E402 - after the path set-up
from hardware.modem_sim import Heard, ModemEmulator  # noqa: E402
from onestop.demo_api import DemoStatusServer, bundled_records  # noqa: E402

CAPACITY = {"SM": 250, "ME": 250}


class Clock:
    """Timestamps of what the emulator sees: messages stored, AT+CMGS commands."""

    def __init__(self, emulator: ModemEmulator) -> None:
        self.stored: list[float] = []
        self.submits: list[float] = []
        self._cmgs = threading.Condition()
        emulator.add_listener(self._heard)

    def _heard(self, kind: Heard, text: str) -> None:
        now = time.perf_counter()
        if kind is Heard.STORED:
            self.stored.append(now)
        elif kind is Heard.COMMAND and text.upper().startswith("AT+CMGS="):
            with self._cmgs:
                self.submits.append(now)
                self._cmgs.notify_all()

    def wait_submits(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cmgs:
            while len(self.submits) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cmgs.wait(left)
        return True


Responder = Callable[[ModemEmulator, str], AbstractContextManager[None]]
"""Runs one SMS responder against the emulator (and the status API URL) while entered."""


@contextmanager
def onestop_smsd(emulator: ModemEmulator, api_url: str) -> Iterator[None]:
    """The daemon as systemd runs it, on the one modem."""
    config = f"[backend]\nurl = {api_url}\n[modem]\nport = {emulator.path}\n[smsd]\n"
    config += "database = {work}/smsd.sqlite3\nhourly_send_cap = 10000\n"
    with transports.daemon_process(config):
        yield


GAMMU_RC = """[gammu]
device = {device}
connection = at
[smsd]
service = files
inboxpath = {work}/inbox/
outboxpath = {work}/outbox/
sentsmspath = {work}/sent/
errorsmspath = {work}/error/
RunOnReceive = {work}/reply.sh
ReceiveFrequency = 0
StatusFrequency = 0
CommTimeout = 0
LoopSleep = 1
CheckSecurity = 0
CheckBattery = 0
CheckSignal = 0
logfile = {work}/gammu-smsd.log
"""

REPLY_SH = """#!/bin/sh
exec gammu-smsd-inject -c {work}/smsdrc TEXT "$SMS_1_NUMBER" -text "Ho so: Dang xu ly" \\
    >/dev/null 2>&1
"""


@contextmanager
def gammu_smsd(emulator: ModemEmulator, _api_url: str) -> Iterator[None]:
    with tempfile.TemporaryDirectory(prefix="bench-gammu-") as workdir:
        work = Path(workdir)
        for folder in ("inbox", "outbox", "sent", "error"):
            (work / folder).mkdir()
        (work / "smsdrc").write_text(GAMMU_RC.format(device=emulator.path, work=work))
        script = work / "reply.sh"
        script.write_text(REPLY_SH.format(work=work))
        script.chmod(0o755)
        process = subprocess.Popen(
            ["gammu-smsd", "-c", str(work / "smsdrc")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # gammu-smsd is ready once it polls the storage counters (it lists only when not empty).
        deadline = time.monotonic() + 60
        while sum(c.startswith('AT+CPMS="SM","SM"') for _, c in list(emulator.commands)) < 3:
            if time.monotonic() > deadline or process.poll() is not None:
                log = (work / "gammu-smsd.log").read_text(errors="replace")[-2000:]
                seen = [command for _, command in emulator.commands][-20:]
                raise SystemExit(f"gammu-smsd did not start ({process.poll()}, {seen}):\n{log}")
            threading.Event().wait(0.1)
        try:
            yield
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def measure(
    name: str,
    responder: Responder,
    api_url: str,
    codes: list[str],
    args: argparse.Namespace,
) -> dict[str, float]:
    figures: dict[str, float] = {}
    with ModemEmulator("generic", capacity=CAPACITY) as emulator:
        clock = Clock(emulator)
        with responder(emulator, api_url):
            latencies = []
            for index in range(args.latency):
                before = len(clock.submits)
                replies = len(emulator.replies)
                started = time.perf_counter()
                emulator.deliver(f"+8490{index:07d}", f"HS {codes[index % len(codes)]}")
                if not clock.wait_submits(before + 1, 60):
                    raise SystemExit(f"{name}: no reply within 60 s")
                latencies.append(clock.submits[before] - started)
                if len(emulator.wait_replies(replies + 1, 60)) <= replies:
                    raise SystemExit(f"{name}: a reply was not completed within 60 s")
            figures["latency_median"] = statistics.median(latencies)
            figures["latency_p95"] = statistics.quantiles(latencies, n=20)[-1]
            figures["burst_instant"] = burst(emulator, codes, args.burst, offset=100_000)
            if args.slow_send > 0:
                emulator.faults.send_delay = args.slow_send
                figures["burst_slow"] = burst(emulator, codes, args.burst, offset=200_000)
    return figures


def burst(emulator: ModemEmulator, codes: list[str], count: int, offset: int) -> float:
    before = len(emulator.replies)
    started = time.perf_counter()
    for index in range(count):
        emulator.deliver(f"+849{offset + index:08d}", f"HS {codes[index % len(codes)]}")
    replies = emulator.wait_replies(before + count, 3600)
    if len(replies) < before + count:
        raise SystemExit(f"only {len(replies) - before} of {count} replies")
    return time.perf_counter() - started


def report(name: str, figures: dict[str, float], args: argparse.Namespace) -> None:
    print(f"{name}:")
    print(
        f"  +CMTI -> AT+CMGS latency: median {figures['latency_median'] * 1000:.1f} ms, "
        f"p95 {figures['latency_p95'] * 1000:.1f} ms  ({args.latency} messages)"
    )
    print(f"  burst of {args.burst}, instant modem: {figures['burst_instant']:.2f} s")
    if "burst_slow" in figures:
        ideal = args.burst * args.slow_send
        over = (figures["burst_slow"] / ideal - 1) * 100
        print(
            f"  burst of {args.burst}, {args.slow_send:g} s AT+CMGS: {figures['burst_slow']:.1f} s "
            f"(ideal {ideal:.0f} s, {over:+.1f}%)"
        )


PARTS = ("modem", "gammu", "smpp", "kannel", "pool")
TRANSPORTS = ("smpp", "kannel", "pool")


def _parts(text: str) -> tuple[str, ...]:
    parts = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown part {unknown[0]!r}; parts: {', '.join(PARTS)}")
    return parts


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report_pair(name: str, figures: dict[str, transports.Figures], baseline: str) -> None:
    ours, theirs = figures["daemon"], figures["baseline"]
    print(f"{name}:")
    for label, got in (("onestop-smsd", ours), (baseline, theirs)):
        print(
            f"  {label}: MO -> reply latency median {ms(got.median)}, p95 {ms(got.p95)} "
            f"({len(got.latencies)} messages); burst {got.rate:.0f} replies/s"
        )
    print(
        f"  ratios (onestop-smsd / {baseline}): latency median {ours.median / theirs.median:.1f}x, "
        f"throughput {ours.rate / theirs.rate:.2f}x"
    )


def modem_parts(api_url: str, codes: list[str], args: argparse.Namespace) -> int:
    ours = (
        measure("onestop-smsd", onestop_smsd, api_url, codes, args) if "modem" in args.parts else {}
    )
    if ours:
        report("onestop-smsd, one modem", ours, args)
    if "gammu" not in args.parts:
        return 0
    if shutil.which("gammu-smsd") is None:
        print("gammu-smsd is not installed (apt-get install gammu gammu-smsd)")
        return 1
    gammu_args = argparse.Namespace(**{**vars(args), "latency": min(args.latency, 20)})
    theirs = measure("gammu-smsd", gammu_smsd, api_url, codes, gammu_args)
    report("gammu-smsd (baseline, same emulator)", theirs, gammu_args)
    if ours:
        print("ratios (gammu-smsd / onestop-smsd):")
        for key in ("latency_median", "burst_instant", "burst_slow"):
            if key in ours and key in theirs:
                print(f"  {key}: {theirs[key] / ours[key]:.1f}x")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--parts", type=_parts, default=PARTS, help=f"comma-separated, of {', '.join(PARTS)}"
    )
    parser.add_argument("--transports", action="store_true", help="only " + ", ".join(TRANSPORTS))
    parser.add_argument("--latency", type=int, default=100, help="messages for the latency")
    parser.add_argument("--burst", type=int, default=200, help="messages in each modem burst")
    parser.add_argument("--slow-send", type=float, default=2.0, help="seconds per AT+CMGS")
    parser.add_argument("--no-gammu", action="store_true", help="skip the gammu-smsd baseline")
    parser.add_argument("--smpp-burst", type=int, default=2000, help="messages in the SMPP burst")
    parser.add_argument(
        "--kannel-burst", type=int, default=500, help="messages in the Kannel burst"
    )
    parser.add_argument("--pool-modems", type=int, default=4, help="modems in the pool")
    args = parser.parse_args()
    if args.transports:
        args.parts = TRANSPORTS
    if args.no_gammu:
        args.parts = tuple(part for part in args.parts if part != "gammu")
    logging.basicConfig(level=logging.ERROR)
    records = bundled_records()
    codes = [record.dossier.code for record in records]
    status = 0
    with DemoStatusServer(records, port=0) as api:
        if "smpp" in args.parts:
            figures = transports.smpp(api.url, codes, args.latency, args.smpp_burst)
            report_pair("SMPP (SMSC simulator)", figures, "an ESME answering at once")
        if "kannel" in args.parts:
            figures = transports.kannel(api.url, codes, min(args.latency, 50), args.kannel_burst)
            report_pair("Kannel (fakesmsc, bearerbox, smsbox)", figures, "Kannel answering alone")
        if "pool" in args.parts:
            total, ideal = transports.pool(
                api.url, codes, args.pool_modems, args.burst, args.slow_send
            )
            print(
                f"pool of {args.pool_modems} modems, burst of {args.burst}, {args.slow_send:g} s "
                f"AT+CMGS: {total:.1f} s (modem-bound ideal {ideal:.0f} s, "
                f"{(total / ideal - 1) * 100:+.1f}%, ratio {total / ideal:.3f})"
            )
        if {"modem", "gammu"} & set(args.parts):
            status = modem_parts(api.url, codes, args)
    return status


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
