"""The transport parts of ``bench/smsd.py``: the daemon through the SMSC simulator (SMPP),
through real Kannel with ``fakesmsc``, and on a pool of emulated modems; each beside a
baseline run in the same process.

- SMPP: from a ``deliver_sm`` leaving the simulator to the reply's ``submit_sm`` reaching it,
  median and p95 over messages sent one after another, and replies a second over a burst,
  with the daemon's status cache warm; the baseline is an ESME that answers each
  ``deliver_sm`` with a ``submit_sm`` at once (smpplib, no store, no lookup): the floor the
  simulator and the library set.
- Kannel: from ``fakesmsc`` sending to the reply reaching it, the same figures; the baseline
  is Kannel's own round trip without the daemon (an ``sms-service`` with a fixed ``text``).
- Pool: a burst spread over the modems, each ``AT+CMGS`` taking the slow-send time, against
  the modem-bound ideal of burst x slow-send / modems.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import smpplib.client
import smpplib.consts

from hardware.modem_sim import ModemEmulator
from smsd.smsc_sim import SmscSimulator
from tests.smsd.kannel_harness import FAKESMSC, Kannel, Phone, free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Figures:
    """Latency (seconds, one message at a time) and throughput (replies a second)."""

    latencies: list[float]
    rate: float

    @property
    def median(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.latencies, n=20)[-1]


def log_file() -> int | IO[str]:
    """Where a daemon logs: nowhere, unless $BENCH_LOG names a file."""
    wanted = os.environ.get("BENCH_LOG")
    return Path(wanted).open("a") if wanted else subprocess.DEVNULL


@contextlib.contextmanager
def daemon_process(config: str) -> Iterator[Path]:
    """``onestop-smsd`` as systemd runs it, on ``config`` (``{work}`` is its directory):
    its own process, readiness over NOTIFY_SOCKET. Yields the directory."""
    with tempfile.TemporaryDirectory(prefix="bench-smsd-") as workdir:
        work = Path(workdir)
        path = work / "onestop.conf"
        path.write_text(config.format(work=work))
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(str(work / "notify"))
        notify.settimeout(60)
        process = subprocess.Popen(
            [sys.executable, "-m", "smsd.cli", "--config", str(path)],
            cwd=ROOT,
            env=dict(os.environ, NOTIFY_SOCKET=str(work / "notify"), PYTHONWARNINGS="ignore"),
            stderr=log_file(),
        )
        try:
            while "READY=1" not in notify.recv(4096).decode().splitlines():
                pass
            notify.close()  # the daemon's later status messages go nowhere, without blocking it
            yield work
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(120)


def common(api_url: str) -> str:
    """The daemon's settings for a bench: a warm cache, no caps in the way."""
    return (
        f"[backend]\nurl = {api_url}\ncache_ttl = 3600\n"
        "[smsd]\ndatabase = {work}/smsd.sqlite3\nhourly_send_cap = 100000\n"
        "sender_limit = 1000\n"
    )


def number(index: int) -> str:
    return f"+8490{index:07d}"


# -- SMPP -------------------------------------------------------------------------------------


def _smpp_figures(
    smsc: SmscSimulator, codes: list[str], latency: int, burst: int, offset: int
) -> Figures:
    """Messages one at a time, then a burst, through whatever ESME is bound to ``smsc``."""
    latencies = []
    for index in range(latency):
        before = len(smsc.submits)
        started = time.perf_counter()
        smsc.deliver(number(offset + index), f"HS {codes[index % len(codes)]}")
        if len(smsc.wait_replies(before + 1, 60)) <= before:
            raise SystemExit("SMPP: no reply within 60 s")
        latencies.append(smsc.submits[before].at - started)
    before = len(smsc.replies)
    started = time.perf_counter()
    for index in range(burst):
        smsc.deliver(number(offset + latency + index), f"HS {codes[index % len(codes)]}")
    if len(smsc.wait_replies(before + burst, 600)) < before + burst:
        raise SystemExit("SMPP: the burst was not answered within 600 s")
    finished = max(submit.at for submit in smsc.submits)
    return Figures(latencies, burst / (finished - started))


class EchoEsme:
    """The baseline: an ESME that answers every ``deliver_sm`` at once with a ``submit_sm``."""

    def __init__(self, smsc: SmscSimulator) -> None:
        self._client = smpplib.client.Client(
            "127.0.0.1", smsc.port, timeout=30, allow_unknown_opt_params=True
        )
        self._client.set_message_received_handler(self._echo)
        self._client.connect()
        self._client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client.bind_transceiver(system_id=smsc.system_id, password=smsc.password)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _echo(self, pdu: Any, **_: Any) -> int:
        if int(pdu.esm_class) & 0x3C == 0:  # an MO, not a receipt
            self._client.send_message(
                source_addr_ton=3,
                source_addr="8077",
                dest_addr_ton=1,
                destination_addr=bytes(pdu.source_addr).decode("ascii"),
                short_message=b"Ho so: Dang xu ly",
            )
        return int(smpplib.consts.SMPP_ESME_ROK)

    def _run(self) -> None:
        self._client._socket.settimeout(0.2)
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                self._client.read_once(auto_send_enquire_link=False)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        with contextlib.suppress(Exception):
            self._client.disconnect()


def smpp(api_url: str, codes: list[str], latency: int, burst: int) -> dict[str, Figures]:
    with SmscSimulator(window=100) as smsc:
        echo = EchoEsme(smsc)
        try:
            baseline = _smpp_figures(smsc, codes, latency, burst, offset=0)
        finally:
            echo.close()
        config = common(api_url) + (
            "transport = smpp\nlookup_workers = 8\n"
            f"[smpp]\nhost = 127.0.0.1\nport = {smsc.port}\nsystem_id = {smsc.system_id}\n"
            f"password = {smsc.password}\nsource_addr = {smsc.short_code}\n"
            "submit_rate = 10000\nwindow = 100\n"
        )
        with daemon_process(config):
            _smpp_figures(smsc, codes, len(codes), 0, offset=100_000)  # the cache warms up
            ours = _smpp_figures(smsc, codes, latency, burst, offset=200_000)
    return {"daemon": ours, "baseline": baseline}


# -- Kannel -----------------------------------------------------------------------------------

FIXED_ANSWER = "Ho so: Dang xu ly"


class FixedAnswerKannel(Kannel):
    """Kannel answering every SMS itself with a fixed text: its own round trip."""

    def render(self) -> str:
        service = (
            "group = sms-service\nkeyword = default\ncatch-all = true\n"
            f'text = "{FIXED_ANSWER}"\nmax-messages = 1'
        )
        groups = super().render().split("\n\n")
        return "\n\n".join(
            service if group.startswith("group = sms-service") else group for group in groups
        )


WARM_UP = 5
"""Messages of a fresh fakesmsc connection left out of the latency (Kannel sets it up)."""


def _kannel_figures(kannel: Kannel, code: str, latency: int, burst: int) -> Figures:
    """From fakesmsc's send to the reply reaching it: one at a time, then a burst."""
    message = f"+84 8077 text HS {code}"  # fakesmsc puts a random number after +84
    count = WARM_UP + latency
    with kannel.phone(message, randomize=1, count=count, interval=0.2) as phone:
        replies = _all(phone, count)
        latencies = [reply.at - sent for reply, sent in zip(replies, phone.sent, strict=True)]
        latencies = latencies[WARM_UP:]
    with kannel.phone(message, randomize=1, count=burst, interval=0.0001) as phone:
        replies = _all(phone, burst)
        rate = burst / (max(reply.at for reply in replies) - phone.sent[0])
    return Figures(latencies, rate)


def _all(phone: Phone, count: int) -> list[Any]:
    replies = phone.wait(count, 600)
    if len(replies) < count:
        raise SystemExit(f"Kannel: only {len(replies)} of {count} replies")
    return sorted(replies, key=lambda reply: reply.at)


def kannel(api_url: str, codes: list[str], latency: int, burst: int) -> dict[str, Figures]:
    if shutil.which("bearerbox") is None or not FAKESMSC.exists():
        raise SystemExit("Kannel is not installed (apt-get install kannel kannel-extras)")
    with tempfile.TemporaryDirectory(prefix="bench-kannel-") as workdir:
        port = free_port()
        (Path(workdir) / "fixed").mkdir()
        fixed = FixedAnswerKannel(Path(workdir) / "fixed", daemon_url="http://127.0.0.1:9")
        fixed.start()
        try:
            baseline = _kannel_figures(fixed, codes[0], latency, burst)
        finally:
            fixed.stop()
        workdir_daemon = Path(workdir) / "daemon"
        workdir_daemon.mkdir()
        real = Kannel(workdir_daemon, daemon_url=f"http://127.0.0.1:{port}").start()
        try:
            layout = real.layout
            config = common(api_url) + (
                "transport = kannel\n"
                f"[kannel]\nlisten = 127.0.0.1:{port}\nsendsms_url = {real.sendsms_url}\n"
                f"username = {layout.username}\npassword = {layout.password}\n"
            )
            with daemon_process(config):
                with real.phone(f"+84 8077 text HS {codes[0]}", randomize=1, count=2) as phone:
                    _all(phone, 2)  # the cache warms up
                ours = _kannel_figures(real, codes[0], latency, burst)
        finally:
            real.stop()
    return {"daemon": ours, "baseline": baseline}


# -- a pool of modems ---------------------------------------------------------------------------


def pool(
    api_url: str, codes: list[str], modems: int, burst: int, slow_send: float
) -> tuple[float, float]:
    """Seconds to answer a burst spread over ``modems`` emulated modems, and the ideal."""
    with contextlib.ExitStack() as stack:
        emulators = [
            stack.enter_context(ModemEmulator("generic", capacity={"SM": 400, "ME": 400}))
            for _ in range(modems)
        ]
        sections = "".join(
            f"[modem.sim{index + 1}]\nport = {emulator.path}\nhourly_cap = 100000\n"
            "daily_cap = 100000\n"
            for index, emulator in enumerate(emulators)
        )
        config = common(api_url) + "transport = modem-pool\n" + sections
        with daemon_process(config):
            for emulator in emulators:
                emulator.faults.send_delay = slow_send
            started = time.perf_counter()
            for index in range(burst):
                emulator = emulators[index % modems]
                emulator.deliver(number(300_000 + index), f"HS {codes[index % len(codes)]}")
            for emulator in emulators:
                expected = len(range(emulators.index(emulator), burst, modems))
                if len(emulator.wait_replies(expected, 3600)) < expected:
                    raise SystemExit("pool: the burst was not answered")
            total = time.perf_counter() - started
    return total, burst * slow_send / modems
