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
            self._answer(503, {"error": {"code": "unavailable", "message": "maintenance"}})
            return
        for code, message in self.server.retired.items():
            if code in self.path:
                error = {"code": "retired", "message": message, "message_vi": message}
                self._answer(410, {"error": error})
                return
        for code in self.server.key_required:
            if code in self.path and "lookup_key=" not in self.path:
                self._answer(403, {"error": {"code": "key_required", "message": "key needed"}})
                return
        self._relay(requests.get(self.server.upstream + self.path, timeout=10))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
        upstream = self.server.upstream + self.path
        self._relay(requests.post(upstream, data=body, headers=headers, timeout=10))

    def _relay(self, upstream: requests.Response) -> None:
        self.send_response(upstream.status_code)
        for name in ("Content-Type", "Retry-After"):
            if name in upstream.headers:
                self.send_header(name, upstream.headers[name])
        self.send_header("Content-Length", str(len(upstream.content)))
        self.end_headers()
        self.wfile.write(upstream.content)

    def _answer(self, status: int, document: dict[str, Any]) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

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
        self.retired: dict[str, str] = {}
        """Codes whose office's system is retired, with the province's message."""
        self.key_required: set[str] = set()
        """Codes shown only with the receipt's lookup key."""
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
        if op in ("tap", "drag", "hold", "type", "key", "show", "clear", "home", "advance"):
            self.mark = reply["value"]
        return reply.get("value")

    def wait(self, screen: str, timeout: float = 20.0) -> dict[str, Any]:
        """The state once ``screen`` has been drawn after the last input sent."""
        state: dict[str, Any] = self.send(
            "wait", timeout=timeout + 5, screen=screen, within=timeout, since=self.mark
        )
        return state

    def wait_event(
        self, kind: str, value: str, timeout: float = 20.0, *, contains: bool = False
    ) -> list[Any]:
        """The first ``kind`` event with ``value`` (or holding it) after the last input sent."""
        event: list[Any] = self.send(
            "wait_event",
            timeout=timeout + 5,
            kind=kind,
            value=value,
            within=timeout,
            since=self.mark,
            contains=contains,
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


def write_config(
    directory: Path,
    backend_url: str,
    *,
    serial_port: str = "",
    printer_port: int = 0,
    **kiosk: str,
) -> Path:
    settings = {
        "language": "vi",
        "lookup_url": LOOKUP_URL,
        "sms_number": "0939 123 456",
        "state_dir": str(directory / "state"),
        "diagnostics_pin_hash": hash_pin(PIN, iterations=1000),
        "screen_inches": "7",
        **kiosk,
    }
    lines = ["[backend]", f"url = {backend_url}", "cache_ttl = 0", "retries = 0"]
    lines += ["connect_timeout = 1", "read_timeout = 20", "total_timeout = 25", "", "[kiosk]"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    lines += ["", "[scanner]", "wedge_max_gap = 0.15", f"serial_port = {serial_port}"]
    if printer_port:
        lines += ["", "[printer]", "connection = network", "host = 127.0.0.1"]
        lines += [f"port = {printer_port}"]
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
    env = {**os.environ, "DISPLAY": xdisplay, "SDL_AUDIODRIVER": "dummy"}  # sound, unheard
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


STRESS = Path(__file__).with_name("stress_dossiers.json")
"""Long-text records: the longest procedure names, two-line units, several history notes."""
RETIRED_MESSAGE = (
    "Từ ngày 01/7/2025 hệ thống một cửa điện tử của tỉnh Hậu Giang đã ngừng hoạt động. Hồ sơ "
    "nộp trước ngày này được tra cứu tại Cổng dịch vụ công thành phố Cần Thơ "
    "(dichvucong.cantho.gov.vn) hoặc qua đường dây nóng 0292 3 822 222."
)
"""A province's long message for a retired office's codes."""
ID_CARD_QR = "079123456789|381234567|Nguyễn Văn An|01011990|Nam|Vị Thanh, Hậu Giang|01012021"
"""What the QR code on a citizen's ID card (CCCD) holds: invented, in the real layout."""


def id_card_picture(directory: Path) -> Path:
    """A camera frame of an ID card's QR code, for the "not a receipt" screen."""
    import qrcode

    code = qrcode.make(ID_CARD_QR, box_size=4, border=4).get_image().convert("RGB")
    frame = Image.new("RGB", (640, 480), (120, 110, 100))
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    path = directory / "id-card.png"
    frame.save(path)
    return path


def visit_every_screen(
    kiosk: KioskProcess, gate: GateProxy, codes: dict[str, str], folder: Path
) -> dict[str, list[str]]:
    """Bring up every screen with real input, the long-text records on the result card, save a
    screenshot of each in ``folder`` and return what is wrong with each layout.

    ``codes`` maps a status to a code the gate's API knows; picture 0 of the camera is an ID
    card's QR code.
    """
    problems: dict[str, list[str]] = {}

    def capture(name: str, screen: str) -> None:
        state = kiosk.wait(screen)
        kiosk.send("screenshot", path=str(folder / f"{name}.png"))
        if state["overflow"]:
            problems[name] = state["overflow"]

    def look_up(code: str) -> None:
        kiosk.send("type", text=code, delay=2, enter=True)

    capture("idle", "idle")
    kiosk.send("tap", id="larger")
    capture("idle-larger-text", "idle")
    kiosk.send("tap", id="larger")
    kiosk.send("tap", id="language")
    capture("idle-en", "idle")
    kiosk.send("tap", id="language")
    kiosk.send("tap", id="type_code")
    for key in "0000020H302401":
        kiosk.send("tap", key=key)
    capture("entry", "entry")
    kiosk.send("tap", id="larger")
    capture("entry-larger-text", "entry")
    kiosk.send("tap", id="larger")
    kiosk.send("tap", id="back")
    kiosk.wait("idle")
    gate.hold()
    look_up(codes["processing"])
    gate.arrived.wait(10)
    capture("busy", "busy")
    gate.release()
    capture("result-long", "result")
    kiosk.send("tap", id="details")
    capture("details", "details")
    kiosk.send("tap", id="back")
    kiosk.wait("result")
    kiosk.send("tap", id="larger")
    capture("result-larger-text", "result")
    kiosk.send("tap", id="home")
    kiosk.wait("idle")
    look_up(codes["stopped"])
    capture("result-stopped", "result")
    kiosk.send("tap", id="home")
    kiosk.wait("idle")
    kiosk.send("tap", id="language")
    look_up(codes["supplement_required"])
    capture("result-supplement-en", "result")
    kiosk.send("tap", id="home")
    kiosk.wait("idle")
    look_up("000.00.20.H30-240115-9999")
    capture("not_found", "not_found")
    kiosk.send("tap", id="again")
    kiosk.wait("entry")
    kiosk.send("home")
    look_up("000.00.20.H30-240230-0001")
    capture("invalid", "invalid")
    kiosk.send("home")
    kiosk.send("show", index=0)
    capture("seen-id-card", "seen")
    kiosk.send("clear")
    kiosk.send("home")
    gate.failing = True
    look_up("000.00.20.H30-240115-7777")
    capture("offline", "offline")
    gate.failing = False
    kiosk.send("home")
    gate.key_required = {codes["awaiting_payment"]}
    look_up(codes["awaiting_payment"])
    capture("key", "key")
    gate.key_required = set()
    kiosk.send("home")
    gate.retired = {codes["result_ready"]: RETIRED_MESSAGE}
    look_up(codes["result_ready"])
    capture("retired", "retired")
    gate.retired = {}
    kiosk.send("home")
    kiosk.send("hold", corner=True, until="pin")
    for key in PIN[:2]:
        kiosk.send("tap", key=key)
    capture("pin", "pin")
    for key in PIN[2:]:
        kiosk.send("tap", key=key)
    kiosk.send("key", name="Return")
    capture("diagnostics", "diagnostics")
    kiosk.send("home")
    return problems
