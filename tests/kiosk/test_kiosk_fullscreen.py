"""The kiosk locked down full screen on a 1920x1080 display."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onestop.demo_api import DemoStatusServer
from tests.kiosk.kiosk_support import (
    GateProxy,
    KioskProcess,
    dossiers_by_status,
    receipt_files,
    start_kiosk,
    write_config,
)


@pytest.fixture(scope="module")
def kiosk(
    demo_api: DemoStatusServer,
    gate: GateProxy,
    tmp_path_factory: pytest.TempPathFactory,
    xdisplay: str,
) -> Iterator[KioskProcess]:
    directory = tmp_path_factory.mktemp("kiosk-fullscreen")
    config = write_config(directory, gate.url)
    pictures = receipt_files(directory, [dossiers_by_status(demo_api)["result_ready"]])
    app = start_kiosk(xdisplay, config, "1024x600", pictures, fullscreen=True)
    yield app
    app.close()


def test_lock_down_fills_the_screen_without_a_cursor(kiosk: KioskProcess) -> None:
    state = kiosk.send("state")
    assert state["window"] == [1920, 1080]
    assert state["cursor"] is False
    kiosk.send("key", name="Escape")
    assert kiosk.send("request_close") is True
    assert kiosk.send("state")["screen"] == "idle"
