"""Every screen at six lobby screen sizes, landscape and portrait, with long-text records:
nothing clipped, nothing sticking out of its box or the window, nothing overlapping, text and
buttons of readable physical size. Screenshots go to ``test-artifacts/screenshots/WxH/``.

One app process per size visits every screen, each on its own Xvfb of that size.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from onestop.demo_api import DemoStatusServer, load_records
from tests.kiosk.conftest import start_xvfb
from tests.kiosk.kiosk_support import (
    SCREENSHOTS,
    STRESS,
    GateProxy,
    id_card_picture,
    start_kiosk,
    visit_every_screen,
    write_config,
)

SCREENS = {
    "800x480": 7.0,  # the common 7 inch panel
    "1024x600": 7.0,
    "1280x800": 10.1,
    "1920x1080": 21.5,
    "1080x1920": 32.0,  # a portrait lobby totem
    "800x1280": 10.1,  # a portrait tablet
}
"""Window size and the screen's diagonal in inches."""


@pytest.fixture(scope="module")
def stress_api() -> Iterator[GateProxy]:
    with DemoStatusServer(load_records(STRESS), port=0).start() as server:
        gate = GateProxy(server.url)
        yield gate
        gate.stop()


@pytest.mark.parametrize("size", SCREENS)
def test_every_screen_fits_and_reads_at_arms_length(
    size: str, stress_api: GateProxy, tmp_path: Path
) -> None:
    codes = {record.dossier.status.value: record.dossier.code for record in load_records(STRESS)}
    config = write_config(tmp_path, stress_api.url, screen_inches=str(SCREENS[size]))
    server, display = start_xvfb(size)
    try:
        kiosk = start_kiosk(display, config, size, [id_card_picture(tmp_path)])
        try:
            state = kiosk.send("state")
            mm = state["px_per_mm"]
            assert state["font"] * 0.71 / mm >= 3.0  # body text: 3 mm of cap height at least
            assert state["font_status"] * 0.71 / mm >= 6.0
            assert state["touch"] / mm >= 12.0 and state["gap"] / mm >= 2.0
            problems = visit_every_screen(kiosk, stress_api, codes, SCREENSHOTS / size)
        finally:
            kiosk.close()
    finally:  # a kiosk that failed to start must not leave its X server behind
        server.terminate()
        server.wait(timeout=10)
    assert problems == {}
