"""The lookup worker against a real status API: what it posts back, and what it prepares."""

from __future__ import annotations

import queue
import socket
from collections.abc import Callable
from pathlib import Path

import numpy as np

from backend_client import BackendError, BackendUnavailable, LastKnownStore, StatusClient
from dossier import Dossier, parse_query
from kiosk._workers import LookupWorker, same_scene, scene
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
