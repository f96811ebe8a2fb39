"""The kiosk when the status API is slow or down, and when nobody touches it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from dossier import Dossier
from onestop.demo_api import DemoStatusServer
from tests.kiosk.kiosk_support import (
    GateProxy,
    KioskProcess,
    dossiers_by_status,
    start_kiosk,
    write_config,
)


@dataclass
class World:
    app: KioskProcess
    samples: dict[str, Dossier]
    proxy: GateProxy
    upstream: str
    serial: int

    def restart_proxy(self) -> None:
        port = self.proxy.server_address[1]
        self.proxy = GateProxy(self.upstream, port=int(port))


@pytest.fixture(scope="module")
def world(
    demo_api: DemoStatusServer, tmp_path_factory: pytest.TempPathFactory, xdisplay: str
) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("kiosk-backend")
    proxy = GateProxy(demo_api.url)
    controller, device = os.openpty()  # the serial scanner's end, and the kiosk's
    config = write_config(directory, proxy.url, serial_port=os.ttyname(device))
    app = start_kiosk(xdisplay, config, "1024x600")
    world = World(app, dossiers_by_status(demo_api), proxy, demo_api.url, controller)
    yield world
    app.close()
    world.proxy.stop()
    os.close(controller)
    os.close(device)


@pytest.fixture
def kiosk(world: World) -> KioskProcess:
    world.proxy.release()
    world.app.send("home")
    return world.app


def test_slow_api_shows_progress_while_the_screen_keeps_answering(
    kiosk: KioskProcess, world: World
) -> None:
    dossier = world.samples["received"]
    world.proxy.hold()
    kiosk.send("type", text=dossier.code, delay=4, enter=True)
    busy = kiosk.wait("busy")
    assert world.proxy.arrived.wait(10)
    assert any(dossier.code in text for text in busy["texts"])
    angles = {busy["spinner_angle"]}
    for _ in range(30):  # each state is read on a later frame of the UI thread
        angles.add(kiosk.send("state")["spinner_angle"])
        if len(angles) > 1:
            break
    assert len(angles) > 1  # the spinner turns: the screen is alive while the API is slow
    world.proxy.release()
    result = kiosk.wait("result")
    assert "Đã tiếp nhận" in " ".join(result["texts"])


def test_leaving_a_slow_lookup_drops_its_late_answer(kiosk: KioskProcess, world: World) -> None:
    slow, next_one = world.samples["withdrawn"], world.samples["stopped"]
    world.proxy.hold()
    kiosk.send("type", text=slow.code, delay=4, enter=True)
    kiosk.wait("busy")
    assert world.proxy.arrived.wait(10)
    kiosk.send("tap", id="cancel")  # a touch while waiting is handled at once
    assert kiosk.wait("idle")["screen"] == "idle"
    world.proxy.release()
    assert kiosk.wait_event("dropped", slow.code)[2] == slow.code
    assert kiosk.send("state")["screen"] == "idle"
    kiosk.send("type", text=next_one.code, delay=4, enter=True)
    state = kiosk.wait("result")
    assert next_one.code in " ".join(state["texts"])
    assert slow.code not in " ".join(state["texts"])


def test_api_down_shows_the_last_known_status_or_says_offline(
    kiosk: KioskProcess, world: World
) -> None:
    known, unknown = world.samples["processing"], world.samples["result_ready"]
    kiosk.send("type", text=known.code, delay=4, enter=True)
    kiosk.wait("result")
    kiosk.send("home")
    world.proxy.stop()
    try:
        kiosk.send("type", text=known.code, delay=4, enter=True)
        state = kiosk.wait("result")
        texts = " ".join(state["texts"])
        assert "Không kết nối được máy chủ. Tình trạng lúc " in texts
        assert "Đang xử lý" in texts
        kiosk.send("home")
        kiosk.send("type", text=unknown.code, delay=4, enter=True)
        state = kiosk.wait("offline")
        assert "Tạm thời không tra cứu được" in " ".join(state["texts"])
    finally:
        world.restart_proxy()


def test_inactivity_returns_to_idle_and_forgets_the_citizen(
    kiosk: KioskProcess, world: World
) -> None:
    dossier = world.samples["delivered"]
    kiosk.send("type", text=dossier.code, delay=4, enter=True)
    assert kiosk.wait("result")["has_result"]
    kiosk.send("advance", seconds=52)  # ten seconds or less left: the screen says so
    deadline = time.monotonic() + 20  # the kiosk looks at the clock twice a second
    while not (warning := kiosk.send("state")["warning"]):
        assert time.monotonic() < deadline, "no warning before going back to the start"
        time.sleep(0.05)  # polling the app's state
    assert warning.startswith("Màn hình sẽ trở về trang đầu sau ")
    kiosk.send("advance", seconds=8)  # a minute without a touch (result_timeout)
    state = kiosk.wait("idle")
    assert state["warning"] == ""
    assert not state["has_result"]
    assert state["flow_entry"] == ""
    kiosk.send("tap", id="language")
    kiosk.send("tap", id="type_code")
    for key in "000.00":
        kiosk.send("tap", key=key)
    assert kiosk.wait("entry")["entry"] == "000.00"
    kiosk.send("advance", seconds=90)
    state = kiosk.wait("idle")
    assert state["flow_entry"] == ""
    assert state["lang"] == "vi"


def test_a_serial_scanner_from_the_configuration(kiosk: KioskProcess, world: World) -> None:
    dossier = world.samples["refused"]
    kiosk.send("home")  # the mark that wait() counts from
    os.write(world.serial, f"{dossier.code}\r\n".encode())
    state = kiosk.wait("result")
    assert dossier.code in " ".join(state["texts"])
    assert "Không được tiếp nhận" in " ".join(state["texts"])


def test_offline_keeps_the_code_and_tries_again_by_itself(
    kiosk: KioskProcess, world: World
) -> None:
    dossier = world.samples["submitted"]
    world.proxy.failing = True
    kiosk.send("type", text=dossier.code, delay=4, enter=True)
    state = kiosk.wait("offline")
    texts = " ".join(state["texts"])
    assert dossier.code in texts and "HS " + dossier.code + " gửi 0939 123 456" in texts
    world.proxy.failing = False
    kiosk.send("advance", seconds=15)  # the offline screen's own retry
    assert dossier.code in " ".join(kiosk.wait("result")["texts"])


def test_a_dossier_shown_only_with_its_lookup_key_asks_for_it(
    kiosk: KioskProcess, world: World
) -> None:
    dossier = world.samples["processing"]
    world.proxy.key_required = {dossier.code}
    try:
        kiosk.send("type", text=dossier.code, delay=4, enter=True)
        state = kiosk.wait("key")
        assert "chỉ được xem khi có mã tra cứu" in " ".join(state["texts"])
        kiosk.send("type", text="7K2P", delay=4, enter=True)  # as a keyboard types it
        assert dossier.code in " ".join(kiosk.wait("result")["texts"])
    finally:
        world.proxy.key_required = set()


def test_a_retired_office_says_the_provinces_message(kiosk: KioskProcess, world: World) -> None:
    dossier = world.samples["received"]
    message = "Hệ thống cũ đã ngừng; hồ sơ tra cứu tại dichvucong.cantho.gov.vn"
    world.proxy.retired = {dossier.code: message}
    try:
        kiosk.send("type", text=dossier.code, delay=4, enter=True)
        assert message in kiosk.wait("retired")["texts"]
    finally:
        world.proxy.retired = {}


def test_a_rating_is_queued_at_once_and_sent_in_the_background(
    kiosk: KioskProcess, world: World
) -> None:
    dossier = world.samples["result_ready"]
    sent = kiosk.send("state")["ratings_sent"]
    kiosk.send("type", text=dossier.code, delay=4, enter=True)
    kiosk.wait("result")
    kiosk.send("tap", id="very_satisfied")
    kiosk.wait_event("rated", "very_satisfied")
    state = kiosk.send("state")
    assert "Cảm ơn bạn đã đánh giá." in state["texts"]
    assert "Rất hài lòng" not in state["texts"]  # one rating a lookup
    deadline = time.monotonic() + 20
    while kiosk.send("state")["ratings_sent"] == sent:
        assert time.monotonic() < deadline, "the rating never left the kiosk"
        time.sleep(0.05)  # polling the app's state
    assert kiosk.send("state")["ratings_pending"] == 0


def test_a_tap_that_slides_a_little_rates_once_and_a_scroll_rates_nothing(
    kiosk: KioskProcess, world: World
) -> None:
    """A finger rolls a few millimetres while it taps (older hands more): on a rating button
    that is one rating. A swipe over the result scrolls it and rates nothing."""
    dossier = world.samples["supplement_required"]
    kiosk.send("type", text=dossier.code, delay=4, enter=True)
    state = kiosk.wait("result")
    start = state["event_count"]
    mm = state["px_per_mm"]
    swipe = int(state["result_scroll"]["height"] * 0.4)
    kiosk.send("drag", id="scroll", dy=-swipe, steps=3)
    assert kiosk.send("state")["result_scroll"]["y"] < state["result_scroll"]["y"]  # it scrolled
    kiosk.send("drag", id="scroll", dy=swipe, steps=3)
    kiosk.send("drag", id="satisfied", dx=int(2 * mm), dy=int(4 * mm), steps=2)
    kiosk.wait_event("rated", "satisfied")
    rated = [e[2] for e in kiosk.send("events") if e[0] > start and e[1] == "rated"]
    assert rated == ["satisfied"]
    assert "Cảm ơn bạn đã đánh giá." in kiosk.send("state")["texts"]
