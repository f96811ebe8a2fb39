"""The lookup worker against a real status API: what it posts back, and what it prepares."""

from __future__ import annotations

import queue
import socket
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import qrcode

from backend_client import BackendError, BackendUnavailable, LastKnownStore, StatusClient
from dossier import Dossier, parse_query
from hardware.barcode import RepeatFilter
from hardware.camera import PlaybackSource
from kiosk._workers import CameraWorker, LookupWorker, same_scene, scene
from onestop.demo_api import DemoStatusServer


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def run_now(function: Callable[[], None]) -> None:
    function()


def test_the_last_known_status_is_prepared_when_the_api_is_down(
    demo_api: DemoStatusServer, tmp_path: Path
) -> None:
    code = next(iter(demo_api.records.values())).dossier.code
    query = parse_query(code)
    store = LastKnownStore(tmp_path / "last_known.sqlite3")
    prepared: queue.Queue[str] = queue.Queue()
    outcomes: queue.Queue[Dossier | BackendError] = queue.Queue()
    for url in (demo_api.url, closed_port_url()):
        client = StatusClient(base_url=url, retries=0, cache_ttl=0.0, last_known=store)
        worker = LookupWorker(client, run_now, prepare=lambda dossier: prepared.put(dossier.code))
        try:
            worker.lookup(query, outcomes.put, outcomes.put)
            outcome = outcomes.get(timeout=10)
        finally:
            worker.shutdown()
            client.close()
        assert prepared.get(timeout=1) == code
    assert isinstance(outcome, BackendUnavailable)
    assert outcome.last_known is not None
    assert outcome.last_known.dossier.code == code
    store.close()


def test_the_camera_worker_tells_a_still_scene_from_something_coming_into_view() -> None:
    rng = np.random.default_rng(7)
    lobby = rng.integers(60, 200, (480, 640), dtype=np.uint8)
    noisy = np.clip(lobby + rng.normal(0, 6, lobby.shape), 0, 255).astype(np.uint8)
    assert same_scene(scene(lobby), scene(noisy))  # camera noise averages out
    held = lobby.copy()
    held[120:360, 200:440] = 245  # a white receipt held up in the middle
    assert not same_scene(scene(lobby), scene(held))


def test_a_receipt_held_up_just_after_a_decode_is_read_without_waiting_for_another_frame() -> None:
    """The camera worker decodes at most ``max_rate`` frames a second. A frame that comes
    sooner waits for the gap to end; it used to be dropped, and the receipt in it was read
    only from the camera's next frame (here there is none until the test shows one)."""
    now = [100.0]
    source = PlaybackSource(fps=0.01)  # a frame only when a picture is shown or cleared
    source.start()
    readings: queue.Queue[str] = queue.Queue()
    worker = CameraWorker(
        source,
        lambda reading, _meaning: readings.put(reading.text),
        run_now,
        repeat=RepeatFilter(3.0),
        clock=lambda: now[0],
    )
    worker.start()
    try:
        source.clear()  # the empty desk, decoded at once
        wait_until(lambda: worker.decoded_frames == 1)
        code = "000.00.20.H30-240115-0001"
        picture = np.asarray(qrcode.make(code, box_size=4).get_image().convert("RGB"))
        source.show(picture)  # within the gap after that decode: no decode yet
        wait_until(lambda: taken(source, picture))
        assert worker.decoded_frames == 1
        now[0] += 1.0  # the gap is over
        assert readings.get(timeout=10) == code
    finally:
        worker.stop()


def taken(source: PlaybackSource, picture: np.ndarray) -> bool:
    """Whether the worker has read the camera's frame of ``picture``."""
    latest = source._latest
    return latest is not None and latest.pixels is picture and source._taken == latest.number


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the camera worker never got there"
        time.sleep(0.01)  # polling the worker's counters
