"""The kiosk locked down full screen on a 1920x1080 display, and every screen at that size."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onestop.demo_api import DemoStatusServer
from tests.kiosk.kiosk_support import (
    TOURS,
    GateProxy,
    KioskProcess,
    dossiers_by_status,
    receipt_files,
    start_kiosk,
    visit_screens,
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


def test_a_receipt_shown_to_the_camera_gives_its_result(kiosk: KioskProcess) -> None:
    kiosk.send("show", index=0)
    assert kiosk.wait("result")["screen"] == "result"
    kiosk.send("clear")
    kiosk.send("home")


@pytest.mark.parametrize("part", TOURS)
def test_screenshots_of_every_screen_at_1920x1080(
    kiosk: KioskProcess, demo_api: DemoStatusServer, gate: GateProxy, part: str
) -> None:
    samples = dossiers_by_status(demo_api)
    assert visit_screens(kiosk, gate, samples, "1920x1080", part) == {}
