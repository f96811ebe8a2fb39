"""Driving the real kiosk app from tests: the app process, a gate in front of the status API,
receipts for the camera, and a tour of every screen with screenshots."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import requests
from PIL import Image

from dossier import Dossier
from kiosk import hash_pin
from kiosk._demo import receipt_photo
from onestop.demo_api import DemoStatusServer

HARNESS = Path(__file__).with_name("kiosk_harness.py")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PIN = "2468"
LOOKUP_URL = "https://dichvucong.haugiang.gov.vn/tra-cuu"


class _GateHandler(BaseHTTPRequestHandler):
    server: GateProxy

    def do_GET(self) -> None:
        self.server.arrived.set()
        self.server.gate.wait(timeout=30)
        if self.server.failing:
            body = b'{"error": {"code": "unavailable", "message": "maintenance"}}'
            self.send_response(503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        upstream = requests.get(self.server.upstream + self.path, timeout=10)
        self.send_response(upstream.status_code)
        for name in ("Content-Type", "Retry-After"):
            if name in upstream.headers:
                self.send_header(name, upstream.headers[name])
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        self.wfile.write(upstream.content)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output is for the tests."""


class GateProxy(ThreadingHTTPServer):
    """A pass-through to the demo API that a test can hold shut (a slow API) or stop (down)."""

    daemon_threads = True

    def __init__(self, upstream: str, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _GateHandler)
        self.upstream = upstream
        self.gate = threading.Event()
        self.gate.set()
        self.arrived = threading.Event()
        self.failing = False
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def hold(self) -> None:
        self.arrived.clear()
        self.gate.clear()

    def release(self) -> None:
        self.failing = False
        self.gate.set()

    def stop(self) -> None:
        self.gate.set()
        self.shutdown()
        self.server_close()


class KioskProcess:
    """One kiosk app in its own process, driven by JSON commands."""

    def __init__(self, env: dict[str, str], args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HARNESS), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._stderr: list[str] = []
        self.mark = 0
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        ready = self._reply(timeout=60)
        assert ready.get("ready"), f"the kiosk did not start: {ready}"

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)

    def _reply(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not result or not result[0]:
            tail = "".join(self._stderr[-30:])
            raise AssertionError(f"the kiosk process did not answer; its last log:\n{tail}")
        reply: dict[str, Any] = json.loads(result[0])
        return reply

    def send(self, op: str, timeout: float = 30.0, **arguments: Any) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        reply = self._reply(timeout)
        if not reply["ok"]:
            tail = "".join(self._stderr[-20:])
            raise AssertionError(f"{op} failed: {reply['error']}\nkiosk log:\n{tail}")
        if op in ("tap", "hold", "type", "key", "show", "clear", "home", "advance"):
            self.mark = reply["value"]
        return reply.get("value")

    def wait(self, screen: str, timeout: float = 20.0) -> dict[str, Any]:
        """The state once ``screen`` has been drawn after the last input sent."""
        state: dict[str, Any] = self.send(
            "wait", timeout=timeout + 5, screen=screen, within=timeout, since=self.mark
        )
        return state

    def wait_event(self, kind: str, value: str, timeout: float = 20.0) -> list[Any]:
        """The first ``kind`` event with ``value`` after the last input sent."""
        event: list[Any] = self.send(
            "wait_event",
            timeout=timeout + 5,
            kind=kind,
            value=value,
            within=timeout,
            since=self.mark,
        )
        return event

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("quit", timeout=10)
                self._reply(timeout=10)
            except AssertionError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drainer.join(timeout=10)
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def write_config(directory: Path, backend_url: str, *, serial_port: str = "", **kiosk: str) -> Path:
    settings = {
        "language": "vi",
        "lookup_url": LOOKUP_URL,
        "sms_number": "0939 123 456",
        "state_dir": str(directory / "state"),
        "diagnostics_pin_hash": hash_pin(PIN, iterations=1000),
        **kiosk,
    }
    lines = ["[backend]", f"url = {backend_url}", "cache_ttl = 0", "retries = 0"]
    lines += ["connect_timeout = 1", "read_timeout = 20", "total_timeout = 25", "", "[kiosk]"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    lines += ["", "[scanner]", "wedge_max_gap = 0.15", f"serial_port = {serial_port}"]
    path = directory / "onestop.conf"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_kiosk(
    xdisplay: str,
    config: Path,
    size: str = "1024x600",
    pictures: list[Path] | None = None,
    *,
    fullscreen: bool = False,
) -> KioskProcess:
    env = {**os.environ, "DISPLAY": xdisplay}
    args = [str(config), size, *(["--fullscreen"] if fullscreen else [])]
    return KioskProcess(env, args + [str(path) for path in pictures or []])


def dossiers_by_status(server: DemoStatusServer) -> dict[str, Dossier]:
    found: dict[str, Dossier] = {}
    for record in sorted(server.records.values(), key=lambda record: record.dossier.code):
        found.setdefault(str(record.dossier.status), record.dossier)
    return found


def receipt_files(directory: Path, dossiers: list[Dossier]) -> list[Path]:
    paths = []
    for index, dossier in enumerate(dossiers):
        pixels = receipt_photo(dossier, lookup_url=LOOKUP_URL, seed=index)
        path = directory / f"receipt-{index}.png"
        Image.fromarray(np.asarray(pixels)).save(path)
        paths.append(path)
    return paths


class _Tour:
    """Brings up screens with real input and saves a screenshot of each under
    ``test-artifacts/screenshots/<size>/``, noting the labels that overflow their box."""

    def __init__(self, kiosk: KioskProcess, gate: GateProxy, samples: dict[str, Dossier]) -> None:
        self.kiosk = kiosk
        self.gate = gate
        self.samples = samples
        self.folder = SCREENSHOTS
        self.overflow: dict[str, list[str]] = {}

    def capture(self, name: str, screen: str) -> None:
        state = self.kiosk.wait(screen)
        self.kiosk.send("screenshot", path=str(self.folder / f"{name}.png"))
        if state["overflow"]:
            self.overflow[name] = state["overflow"]

    def start(self) -> None:
        """Idle in both languages and the keypad."""
        kiosk = self.kiosk
        self.capture("idle", "idle")
        kiosk.send("tap", id="language")
        self.capture("idle-en", "idle")
        kiosk.send("tap", id="language")
        kiosk.send("tap", id="type_code")
        for key in "000.00.20.H30-2401":
            kiosk.send("tap", key=key)
        self.capture("entry", "entry")
        kiosk.send("tap", id="back")
        kiosk.wait("idle")

    def lookups(self) -> None:
        """Every outcome of a lookup: busy, a result in both languages, not found, an invalid
        code, the API down."""
        kiosk, gate, samples = self.kiosk, self.gate, self.samples
        overdue = samples["processing"]
        gate.hold()
        kiosk.send("type", text=overdue.code, delay=4, enter=True)
        gate.arrived.wait(10)
        self.capture("busy", "busy")
        gate.release()
        self.capture("result", "result")
        kiosk.send("tap", id="home")
        kiosk.wait("idle")
        kiosk.send("tap", id="language")
        kiosk.send("type", text=samples["supplement_required"].code, delay=4, enter=True)
        self.capture("result-en", "result")
        kiosk.send("tap", id="home")
        kiosk.wait("idle")
        kiosk.send("tap", id="language")
        kiosk.send("type", text="000.00.20.H30-240115-9999", delay=4, enter=True)
        self.capture("not_found", "not_found")
        kiosk.send("tap", id="again")
        kiosk.wait("entry")
        kiosk.send("type", text="000.00.20.H30-240230-0001", delay=4, enter=True)
        self.capture("invalid", "invalid")
        kiosk.send("home")
        gate.failing = True
        kiosk.send("type", text="000.00.20.H30-240115-7777", delay=4, enter=True)
        self.capture("offline", "offline")
        gate.failing = False
        kiosk.send("home")

    def technician(self) -> None:
        """The PIN page and the diagnostics page."""
        kiosk = self.kiosk
        kiosk.send("hold", corner=True, until="pin")
        for key in PIN[:2]:
            kiosk.send("tap", key=key)
        self.capture("pin", "pin")
        for key in PIN[2:]:
            kiosk.send("tap", key=key)
        kiosk.send("key", name="Return")
        self.capture("diagnostics", "diagnostics")
        kiosk.send("home")


TOURS = ("start", "lookups", "technician")
"""The screen tour in three parts, one test each: at 1920x1080 on a loaded machine the whole
tour took 100 s, close to the per-test timeout."""


def visit_screens(
    kiosk: KioskProcess, gate: GateProxy, samples: dict[str, Dossier], size: str, part: str
) -> dict[str, list[str]]:
    """Walk one part of the tour (:data:`TOURS`), from idle back to idle, saving screenshots
    under ``test-artifacts/screenshots/<size>/``; returns the labels that overflow their box."""
    tour = _Tour(kiosk, gate, samples)
    tour.folder = SCREENSHOTS / size
    getattr(tour, part)()
    return tour.overflow
