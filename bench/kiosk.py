"""Figures for the kiosk: decoding, shown-to-result latency, cold start and memory.

    .venv/bin/python bench/kiosk.py [--count 200] [--lookups 1000] [--skip-app] [--skip-decode]

1. Read rate and time per frame of the kiosk's decoder, of zbar-py alone and of zxing-cpp
   alone, on the same frames: a generated set of receipt photos at 640x480 and 1280x720
   (rotation up to 30 degrees, perspective, blur, noise, low contrast, glare, small codes) and
   the real photos of ``tests/hardware/photos`` (zxing-cpp's samples, never tuned on); and
   the time of a frame with no code.
2. Frame shown to the playback camera -> result screen drawn, median and p95, against the
   demo status API on loopback; beside it, in the same app and interleaved with it, a code
   from the scanner -> result drawn (no camera, no decoding) and the baseline: the same
   lookup by the app's own status API client alone (no camera, no screen), with the ratio.
3. Cold start (process start -> idle screen drawn) against a bare Kivy app's (one label) on
   the same display, the CPU the idle kiosk uses with its camera on against the bare app's,
   and resident memory after 1,000 lookups compared with after 10.

The machine's load average is printed before and after: on a shared machine the figures move
with it, the ratios less. The app runs in a child process under the current ``$DISPLAY`` (an
Xvfb is started when there is none); a cold-start child imports only what the kiosk itself
does. Numbers are printed, never asserted. ``BENCH_TRACE=1`` makes the child print, per
receipt, its event times and every text rendering slower than 3 ms, to stderr.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOOKUP_URL = "https://dichvucong.haugiang.gov.vn/tra-cuu"


def photo_set(count: int, size: tuple[int, int], seed: int = 2024) -> list[tuple[Any, str]]:
    """``count`` grey frames of receipts of the demo dossiers, each with its expected code."""
    import numpy as np

    from hardware.barcode import to_gray
    from hardware.receipts import (
        Barcode,
        Conditions,
        ReceiptFields,
        Target,
        photograph,
        render_receipt,
    )
    from onestop.demo_api import bundled_records

    rng = random.Random(seed)
    dossiers = [record.dossier for record in bundled_records()]
    frames = []
    for index in range(count):
        dossier = dossiers[index % len(dossiers)]
        qr = f"{LOOKUP_URL}?mahs={dossier.code}" if index % 4 < 2 else dossier.code
        barcode = (Barcode.CODE128, Barcode.CODE39)[index % 2]
        receipt = render_receipt(
            ReceiptFields.from_dossier(dossier), qr_payload=qr, barcode=barcode
        )
        target = Target.QR if rng.random() < 0.7 else Target.BARCODE
        conditions = Conditions.random(rng, target)
        pixels = np.asarray(photograph(receipt, conditions, target=target, size=size))
        frames.append((to_gray(pixels), dossier.code))
    return frames


def real_photos() -> list[tuple[Any, str]]:
    """The real photos of ``tests/hardware/photos`` (zxing-cpp's samples), each with its text,
    read as the photo tests read them (at most 640 px wide, as the kiosk decodes)."""
    from tests.hardware.test_barcode_photos import photo_set as real_photo_set

    return [(gray, text) for _, gray, text in real_photo_set()]


def matches(texts: list[str], code: str) -> bool:
    """Whether a reader found ``code``: the dossier code for receipts, the exact text else."""
    from dossier import CodeError, parse_query

    for text in texts:
        if text.strip() == code:
            return True
        try:
            if str(parse_query(text).code) == code:
                return True
        except CodeError:
            continue
    return False


def time_reader(
    name: str, read: Callable[[Any], list[str]], frames: list[tuple[Any, str]]
) -> tuple[float, float, int]:
    times, found = [], 0
    for gray, code in frames:
        started = time.perf_counter()
        texts = read(gray)
        times.append(time.perf_counter() - started)
        found += matches(texts, code)
    median, p95 = statistics.median(times) * 1000, statistics.quantiles(times, n=20)[-1] * 1000
    print(
        f"  {name:<14} read {found:4}/{len(frames)} ({found / len(frames):6.1%})   "
        f"median {median:6.2f} ms   p95 {p95:6.2f} ms"
    )
    return median, p95, found


def decode_figures(count: int) -> None:
    """Ours against each of its two libraries alone, on the same frames."""
    import numpy as np

    from hardware.barcode import Decoder, to_gray
    from hardware.receipts import Barcode, ReceiptFields, render_receipt
    from onestop.demo_api import bundled_records

    print("Decoding (the same frames for every reader)")
    decoder = Decoder()
    readers: dict[str, Callable[[Any], list[str]]] = {
        "ours": lambda gray: [reading.text for reading in decoder.decode(gray)],
        "zbar-py alone": lambda gray: [reading.text for reading in decoder.scan(gray)],
        "zxing-cpp alone": lambda gray: [reading.text for reading in decoder.read(gray)],
    }
    sets = [
        (f"generated receipt photos, 640x480, {count}", photo_set(count, (640, 480))),
        (f"generated receipt photos, 1280x720, {count}", photo_set(count, (1280, 720))),
        ("real photos (zxing-cpp's samples, never tuned on)", real_photos()),
    ]
    for title, frames in sets:
        print(f" {title}:")
        figures = {name: time_reader(name, read, frames) for name, read in readers.items()}
        best = max(figures["zbar-py alone"][2], figures["zxing-cpp alone"][2])
        print(f"  ours reads {figures['ours'][2] - best:+d} against the better library alone")
    rng = np.random.default_rng(1)
    empty = {
        "an empty desk": np.full((480, 640), 110, np.uint8),
        "noise": np.clip(rng.normal(110, 30, (480, 640)), 0, 255).astype(np.uint8),
        "a receipt with no code": to_gray(
            np.asarray(
                render_receipt(
                    ReceiptFields.from_dossier(bundled_records()[0].dossier),
                    qr_payload=None,
                    barcode=Barcode.NONE,
                )
                .image.convert("L")
                .resize((640, 480))
            )
        ),
    }
    for name, gray in empty.items():
        spent = statistics.median(timed(functools.partial(decoder.decode, gray)) for _ in range(30))
        print(f"  ours on a 640x480 frame with no code ({name}): {spent * 1000:.2f} ms")


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


# -- the app, in a child process ------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Runs the kiosk on the demo API with a playback camera and reports figures as JSON."""
    import dataclasses

    from kiosk import cli
    from kiosk._demo import receipt_photo, sample_dossiers, start_demo_api
    from onestop.config import Config

    state = Path(tempfile.mkdtemp(prefix="onestop-bench-"))
    server = start_demo_api()
    config = Config()
    config = dataclasses.replace(
        config,
        backend=dataclasses.replace(config.backend, url=server.url, cache_ttl=0.0),
        kiosk=dataclasses.replace(config.kiosk, state_dir=state, lookup_url=LOOKUP_URL),
    )
    cli.prepare_kivy(state, fullscreen=False, size=(1024, 600), lockdown=True)
    parts, closers = cli.build_parts(config, demo=False)
    from hardware.camera import PlaybackSource

    shown = sample_dossiers(server)
    parts.camera = PlaybackSource(
        [receipt_photo(d, lookup_url=LOOKUP_URL, seed=i) for i, d in enumerate(shown)],
    )
    from kivy.clock import Clock

    from kiosk._app import KioskApp

    app = KioskApp(parts)
    if os.environ.get("BENCH_TRACE"):
        from kivy.core.text import LabelBase

        original = LabelBase.render

        def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            result = original(self, *args, **kwargs)
            spent = (time.monotonic() - started) * 1000
            if spent > 3:
                print(f"render {spent:.0f} ms {self.text[:40]!r}", file=sys.stderr, flush=True)
            return result

        LabelBase.render = traced
    codes = [record.dossier.code for record in server.records.values()]
    report: dict[str, Any] = {}
    threading.Thread(
        target=_drive,
        args=(app, Clock),
        kwargs={
            "codes": codes,
            "shown": [dossier.code for dossier in shown],
            "lookups": args.lookups,
            "report": report,
        },
        daemon=True,
    ).start()
    app.run()
    for close in reversed(closers):
        close()
    server.stop()
    print(json.dumps(report), flush=True)


def cold_child(kind: str, seconds: float = 3.0) -> None:
    """Start ``kind`` (``kiosk``: as onestop-kiosk does, its camera on an empty desk; ``bare``:
    a Kivy app showing one label, the baseline) and print as JSON the wall time its first frame
    was drawn, and the share of one core it used over ``seconds`` from 2 s after it."""
    import dataclasses

    from kiosk import cli

    state = Path(tempfile.mkdtemp(prefix="onestop-bench-cold-"))
    cli.prepare_kivy(state, fullscreen=False, size=(1024, 600), lockdown=True)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.uix.label import Label

    app: Any
    if kind == "kiosk":
        from hardware.camera import PlaybackSource
        from kiosk._app import KioskApp
        from onestop.config import Config

        config = Config()
        config = dataclasses.replace(
            config, kiosk=dataclasses.replace(config.kiosk, state_dir=state)
        )
        parts, closers = cli.build_parts(config, demo=False)
        parts.camera = PlaybackSource()
        app = KioskApp(parts)
    else:

        class Bare(App):  # type: ignore[misc]
            def build(self) -> Any:
                return Label(text="Tra cứu hồ sơ", font_size=48)

        app, closers = Bare(), []
    report: dict[str, float] = {}

    def measure(_dt: float) -> None:
        report["cpu"] = (time.process_time() - report["cpu_from"]) / (
            time.monotonic() - report["wall_from"]
        )
        app.stop()

    def settled(_dt: float) -> None:
        report["cpu_from"], report["wall_from"] = time.process_time(), time.monotonic()
        Clock.schedule_once(measure, seconds)

    def first_frame(_window: Any) -> None:
        Window.unbind(on_flip=first_frame)
        report["drawn_at_wall"] = time.time()
        Clock.schedule_once(settled, 2.0)  # what starting leaves to do, done first

    Window.bind(on_flip=first_frame)
    app.run()
    for close in reversed(closers):
        close()
    print(json.dumps(report), flush=True)


def _on_main(clock: Any, function: Callable[[], Any]) -> Any:
    done, box = threading.Event(), {}

    def run(_dt: float) -> None:
        box["value"] = function()
        done.set()

    clock.schedule_once(run, 0)
    done.wait(30)
    return box.get("value")


def _wait_drawn(app: Any, clock: Any, screen: str, since: int) -> float:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        events = _on_main(clock, lambda: list(app.events))
        for number, kind, value, at in events:
            if number > since and kind == "drawn" and value == screen:
                return float(at)
        time.sleep(0.005)  # polling the UI thread from the driver
    raise TimeoutError(f"{screen} was not drawn")


def _idle_cpu(app: Any, clock: Any, camera: Any, seconds: float = 5.0) -> dict[str, float]:
    """The app's CPU time per second of wall time on the idle screen, the camera running:
    with an empty desk before it, and with a printed page that holds no code."""
    import numpy as np

    from hardware.receipts import Barcode, ReceiptFields, render_receipt
    from onestop.demo_api import bundled_records

    page = render_receipt(
        ReceiptFields.from_dossier(bundled_records()[0].dossier),
        qr_payload=None,
        barcode=Barcode.NONE,
    )
    scenes = {
        "an empty desk": None,
        "a page with no code": np.asarray(page.image.convert("RGB").resize((640, 480))),
    }
    shares = {}
    for name, picture in scenes.items():
        _on_main(clock, app.go_home)
        if picture is None:
            camera.clear()
        else:
            camera.show(picture)
        time.sleep(1.0)  # let the worker settle on the new scene before measuring
        started_cpu, started = time.process_time(), time.monotonic()
        time.sleep(seconds)  # the measured interval itself
        shares[name] = (time.process_time() - started_cpu) / (time.monotonic() - started)
    camera.clear()
    return shares


def _scanner_to_result(app: Any, clock: Any, code: str) -> float:
    """A code from the scanner -> its result drawn: the path of a camera reading without the
    camera and the decoder."""

    def scan() -> float:
        started = time.monotonic()
        app._on_scanner_text(code)
        return started

    mark = _on_main(clock, lambda: app.event_count)
    started = _on_main(clock, scan)
    drawn = _wait_drawn(app, clock, "result", mark)

    def reset() -> None:
        app.repeat.forget()
        app.go_home()

    _on_main(clock, reset)
    return drawn - float(started)


def _lookup_alone(app: Any, code: str) -> float:
    """The baseline: the same code asked of the status API by the app's own client, from this
    thread (no camera, no decoder, no screen): what the kiosk adds is the rest."""
    from dossier import parse_query

    query = parse_query(code)
    started = time.monotonic()
    app.parts.client.lookup(query.code, query.lookup_key)
    return time.monotonic() - started


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _drive(
    app: Any,
    clock: Any,
    *,
    codes: list[str],
    shown: list[str],
    lookups: int,
    report: dict[str, Any],
) -> None:
    """Thirty receipts to the camera, each followed by the same code from the scanner and by
    the baseline lookup alone; then the idle CPU, then ``lookups`` lookups for the memory."""
    while not app.event_count:
        time.sleep(0.01)
    started = _wait_drawn(app, clock, "idle", 0)
    report["idle_drawn_at_wall"] = time.time() - (time.monotonic() - started)
    camera = app.parts.camera
    latencies, scanned, baseline = [], [], []
    for round_ in range(30):
        scanned.append(_scanner_to_result(app, clock, shown[round_ % len(shown)]))
        baseline.append(_lookup_alone(app, shown[round_ % len(shown)]))
        mark = _on_main(clock, lambda: app.event_count)
        camera.show(camera.pictures[round_ % len(camera.pictures)])
        shown_at = camera.shown_at
        drawn = _wait_drawn(app, clock, "result", mark)
        latencies.append(drawn - shown_at)
        if os.environ.get("BENCH_TRACE"):
            events = _on_main(clock, lambda: list(app.events))
            trace = [
                (kind, round((at - shown_at) * 1000)) for n, kind, _v, at in events if n > mark
            ]
            print(trace, file=sys.stderr, flush=True)

        camera.clear()  # take the receipt away, and let the decoder see the empty desk twice
        seen = app.camera_worker.decoded_frames
        while app.camera_worker.decoded_frames < seen + 2:
            time.sleep(0.005)

        def reset() -> None:
            app.repeat.forget()
            app.go_home()

        _on_main(clock, reset)
    report["latency"] = latencies
    report["scanned"] = scanned
    report["baseline"] = baseline
    report["idle_cpu"] = _idle_cpu(app, clock, camera)
    memory = {}
    for count in range(1, lookups + 1):
        code = codes[count % len(codes)]
        mark = _on_main(clock, lambda: app.event_count)
        _on_main(clock, functools.partial(app._on_scanner_text, code))
        _wait_drawn(app, clock, "result", mark)
        _on_main(clock, app.go_home)
        if count in (10, lookups):
            memory[count] = _rss_kib()
    report["rss_kib"] = memory
    _on_main(clock, app.stop)


def ensure_display() -> subprocess.Popen[bytes] | None:
    if os.environ.get("DISPLAY"):
        return None
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        os.environ["DISPLAY"] = ":" + pipe.readline().strip()
    return server


def _spread(values: list[float], unit: float = 1000.0) -> tuple[float, float]:
    """Median and p95 of ``values`` (seconds), in ``unit`` (ms by default)."""
    return statistics.median(values) * unit, statistics.quantiles(values, n=20)[-1] * unit


def _cold(kind: str) -> dict[str, float]:
    wall = time.time()
    result = subprocess.run(
        [sys.executable, __file__, "--cold", kind], capture_output=True, text=True, check=True
    )
    data: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    data["start"] = data["drawn_at_wall"] - wall
    return data


def app_figures(lookups: int) -> None:
    xvfb = ensure_display()
    try:
        result = subprocess.run(
            [sys.executable, __file__, "--child", "--lookups", str(lookups)],
            capture_output=True,
            text=True,
            check=True,
        )
        report = json.loads(result.stdout.strip().splitlines()[-1])
        colds: dict[str, list[dict[str, float]]] = {"kiosk": [], "bare": []}
        for _ in range(5):  # interleaved, so that a change in the machine's load hits both
            for kind, runs in colds.items():
                runs.append(_cold(kind))
        print("Kiosk app (demo API on loopback, playback camera, 1024x600 window)")
        base_median, base_p95 = _spread(report["baseline"])
        rows = [
            ("frame shown -> result drawn", report["latency"]),
            ("scanner code -> result drawn", report["scanned"]),
            ("baseline: the lookup alone (its client)", report["baseline"]),
        ]
        for title, values in rows:
            median, p95 = _spread(values)
            print(
                f"  {title:<40} median {median:5.0f} ms   p95 {p95:5.0f} ms   "
                f"({median / base_median:4.1f}x / {p95 / base_p95:4.1f}x the baseline; "
                f"{len(values)} runs)"
            )
        starts = {kind: [run["start"] for run in runs] for kind, runs in colds.items()}
        kiosk_start, bare_start = (statistics.median(starts[kind]) for kind in ("kiosk", "bare"))
        print(
            f"  cold start -> first frame drawn: kiosk median {kiosk_start:.2f} s "
            f"(max {max(starts['kiosk']):.2f}), bare Kivy app {bare_start:.2f} s "
            f"(max {max(starts['bare']):.2f}): {kiosk_start / bare_start:.2f}x"
        )
        bare_cpu = statistics.median(run["cpu"] for run in colds["bare"])
        cold_cpu = statistics.median(run["cpu"] for run in colds["kiosk"])
        print(
            f"  idle 2 s after start, camera on an empty desk: {cold_cpu:.1%} of one core "
            f"(bare Kivy app {bare_cpu:.1%})"
        )
        for scene, share in report["idle_cpu"].items():
            print(f"  idle, camera on, {scene}: {share:.1%} of one core")
        memory = {int(count): kib for count, kib in report["rss_kib"].items()}
        few, many = memory[10], memory[max(memory)]
        print(
            f"  resident memory: {few / 1024:.1f} MiB after 10 lookups, "
            f"{many / 1024:.1f} MiB after {max(memory)} ({(many - few) / few:+.1%})"
        )
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()


def load_line(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    return (
        f"Machine load {when}: {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) "
        f"on {os.cpu_count()} cores"
    )


def main() -> None:
    # Run as a script, this file's folder comes first on the path, where the benches named
    # after packages (kiosk.py, gateway.py) would shadow them.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    sys.path.append(str(here.parent))  # the photo tests' reader (tests/hardware)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="photos per frame size")
    parser.add_argument("--lookups", type=int, default=1000, help="lookups for the memory figure")
    parser.add_argument("--skip-app", action="store_true", help="decoding figures only")
    parser.add_argument("--skip-decode", action="store_true", help="app figures only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cold", choices=("kiosk", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.cold:
        cold_child(args.cold)
        return
    print(load_line("before"))
    if not args.skip_decode:
        decode_figures(args.count)
    if not args.skip_app:
        app_figures(args.lookups)
    print(load_line("after"))


if __name__ == "__main__":
    main()
