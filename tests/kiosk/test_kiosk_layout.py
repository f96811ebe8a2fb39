"""Every screen at six lobby screen sizes, landscape and portrait, with long-text records:
nothing clipped, nothing sticking out of its box or the window, nothing overlapping, text and
buttons of readable physical size. Screenshots go to ``test-artifacts/screenshots/WxH/``.

One app process on one Xvfb large enough for every size visits every screen at each size in
turn, its window resized and its ``screen_inches`` changed between sizes: a start-up once, not
six times.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onestop.demo_api import DemoStatusServer, load_records
from tests.kiosk.conftest import start_xvfb
from tests.kiosk.kiosk_support import (
    SCREENSHOTS,
    STRESS,
    GateProxy,
    KioskProcess,
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


@pytest.fixture(scope="module")
def lobby_kiosk(
    stress_api: GateProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KioskProcess]:
    """The kiosk on an X screen as wide and as tall as the largest window it is given."""
    folder = tmp_path_factory.mktemp("layout")
    config = write_config(folder, stress_api.url)
    side = max(int(part) for size in SCREENS for part in size.split("x"))
    server, display = start_xvfb(f"{side}x{side}")
    try:
        kiosk = start_kiosk(display, config, "800x480", [id_card_picture(folder)])
        try:
            yield kiosk
        finally:
            kiosk.close()
    finally:  # a kiosk that failed to start must not leave its X server behind
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("size", SCREENS)
def test_every_screen_fits_and_reads_at_arms_length(
    size: str, stress_api: GateProxy, lobby_kiosk: KioskProcess
) -> None:
    codes = {record.dossier.status.value: record.dossier.code for record in load_records(STRESS)}
    width, height = (int(part) for part in size.split("x"))
    kiosk = lobby_kiosk
    assert kiosk.send("resize", size=[width, height], inches=SCREENS[size]) == [width, height]
    state = kiosk.send("state")
    mm = state["px_per_mm"]
    assert state["font"] * 0.71 / mm >= 3.0  # body text: 3 mm of cap height at least
    assert state["font_status"] * 0.71 / mm >= 6.0
    assert state["touch"] / mm >= 12.0 and state["gap"] / mm >= 2.0
    problems = visit_every_screen(kiosk, stress_api, codes, SCREENSHOTS / size)
    assert problems == {}
