"""The kiosk app in a real 1024x600 window: keypad, camera, wedge scanner, errors, language,
lock-down, the technicians' page (every screen's layout: test_kiosk_layout)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest

from dossier import Dossier, Language, format_date
from hardware.barcode import Decoder
from hardware.printer import VirtualPrinter
from kiosk import BADGES
from kiosk._speech import Piece, utterance
from onestop.demo_api import DemoStatusServer
from tests.kiosk.kiosk_support import (
    LOOKUP_URL,
    PIN,
    SCREENSHOTS,
    GateProxy,
    KioskProcess,
    dossiers_by_status,
    receipt_files,
    start_kiosk,
    write_config,
)

BADGES_ICONS = [badge.icon for badge in BADGES.values()]


@dataclass
class World:
    app: KioskProcess
    samples: dict[str, Dossier]
    shown: list[Dossier]
    gate: GateProxy
    printer: VirtualPrinter


@pytest.fixture(scope="module")
def world(
    demo_api: DemoStatusServer,
    gate: GateProxy,
    tmp_path_factory: pytest.TempPathFactory,
    xdisplay: str,
) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("kiosk-1024")
    samples = dossiers_by_status(demo_api)
    shown = [samples["processing"], samples["result_ready"], samples["delivered"]]
    spoken = directory / "spoken"
    spoken.mkdir()
    printer = VirtualPrinter()
    config = write_config(
        directory,
        gate.url,
        printer_port=printer.port,
        speech="espeak",
        speech_player=f"cp -t {spoken}",
        key_sound="yes",
    )
    app = start_kiosk(xdisplay, config, "1024x600", receipt_files(directory, shown))
    yield World(app, samples, shown, gate, printer)
    app.close()
    printer.close()


@pytest.fixture
def kiosk(world: World) -> KioskProcess:
    world.gate.release()
    world.app.send("clear")
    world.app.send("home")
    assert world.app.send("state")["screen"] == "idle"
    return world.app


def test_typing_a_code_on_the_keypad_shows_its_status(kiosk: KioskProcess, world: World) -> None:
    dossier = world.samples["supplement_required"]
    kiosk.send("tap", id="type_code")
    state = kiosk.wait("entry")
    assert state["hint"].startswith("Nhập mã cơ quan")
    assert state["smallest_key"] / state["px_per_mm"] >= 12  # 12 mm at least, for a finger
    for key in dossier.code[:-2]:
        kiosk.send("tap", key=key)
    state = kiosk.send("state")
    assert state["entry"] == dossier.code[:-2]
    assert state["hint"] == "Còn ít nhất 2 chữ số của số thứ tự"
    for key in dossier.code[-2:]:
        kiosk.send("tap", key=key)
    assert kiosk.send("state")["hint"] == "Mã đã đủ: bấm Tra cứu"
    clicks = [event[2] for event in kiosk.send("events") if event[1] == "click"]
    assert clicks[-2:] == list(dossier.code[-2:])  # each key clicks ([kiosk] key_sound)
    kiosk.send("tap", id="lookup")
    state = kiosk.wait("result")
    assert "Yêu cầu bổ sung hồ sơ" in " ".join(state["texts"])
    assert dossier.code in " ".join(state["texts"])
    assert format_date(dossier.due_at) in " ".join(state["texts"])


def test_backspace_and_wrong_part_hint(kiosk: KioskProcess) -> None:
    kiosk.send("tap", id="type_code")
    kiosk.wait("entry")
    for key in "000.00.20.H30-2402309":
        kiosk.send("tap", key=key)
    state = kiosk.send("state")
    assert state["hint_wrong"]
    assert "240230" in state["hint"]
    kiosk.send("tap", key="BACKSPACE")  # the 9, after the dash the kiosk put in
    assert kiosk.send("state")["entry"] == "000.00.20.H30-240230-"


def test_a_receipt_shown_to_the_camera_shows_its_status(kiosk: KioskProcess, world: World) -> None:
    kiosk.send("show", index=1)
    state = kiosk.wait("result")
    dossier = world.shown[1]
    assert dossier.code in " ".join(state["texts"])
    assert "Đã có kết quả, chờ trả" in " ".join(state["texts"])


@pytest.mark.parametrize("enter", [True, False], ids=["with-enter", "without-enter"])
def test_wedge_scanner_burst_on_the_idle_screen(
    kiosk: KioskProcess, world: World, enter: bool
) -> None:
    dossier = world.samples["awaiting_payment"]
    kiosk.send("type", text=dossier.code, delay=4, enter=enter)
    state = kiosk.wait("result")
    assert dossier.code in " ".join(state["texts"])
    assert "Chờ thực hiện nghĩa vụ tài chính" in " ".join(state["texts"])
    scans = [event for event in kiosk.send("events") if event[1] == "scan"]
    assert scans[-1][2] == dossier.code  # every character once: none lost, none doubled


def test_a_scan_typed_by_a_stalled_xdotool_is_still_one_scan(
    kiosk: KioskProcess, world: World
) -> None:
    """On a loaded machine xdotool can stop for longer than a scanner's gap between keys; the
    harness stops the app's clock while it types, so a test scan is never cut in two."""
    dossier = world.samples["withdrawn"]
    kiosk.send("type", text=dossier.code, delay=4, stall=0.5)
    state = kiosk.wait("result")
    assert dossier.code in " ".join(state["texts"])
    scans = [event[2] for event in kiosk.send("events") if event[1] == "scan"]
    assert scans[-1] == dossier.code


def test_wedge_scan_on_the_result_screen_starts_a_new_lookup(
    kiosk: KioskProcess, world: World
) -> None:
    first, second = world.samples["processing"], world.samples["received"]
    kiosk.send("type", text=first.code, delay=4, enter=True)
    kiosk.wait("result")
    assert kiosk.send("labels_alive", text=first.code) > 0
    kiosk.send("type", text=second.code, delay=4, enter=True)
    state = kiosk.wait("result")
    assert second.code in " ".join(state["texts"])
    # The first result's labels are gone from memory, not left for a later collection.
    assert kiosk.send("labels_alive", text=first.code) == 0


def test_invalid_code_names_the_wrong_part(kiosk: KioskProcess) -> None:
    kiosk.send("type", text="000.00.20.H30-240230-0001", delay=4, enter=True)
    state = kiosk.wait("invalid")
    assert "Phần ngày 240230 không phải là ngày có thật." in state["texts"]


def test_unknown_code_says_not_found(kiosk: KioskProcess) -> None:
    kiosk.send("type", text="000.00.20.H30-240115-9999", delay=4, enter=True)
    state = kiosk.wait("not_found")
    assert any("000.00.20.H30-240115-9999" in text for text in state["texts"])
    kiosk.send("tap", id="again")  # "correct the code": the keypad with the code kept
    assert kiosk.wait("entry")["entry"] == "000.00.20.H30-240115-9999"


def test_language_toggle_switches_every_visible_string(kiosk: KioskProcess, world: World) -> None:
    vietnamese = kiosk.send("state")["texts"]
    kiosk.send("tap", id="language")
    english = kiosk.send("state")
    assert english["lang"] == "en"
    assert "Type the code" in english["texts"]
    assert not set(vietnamese) & set(english["texts"])
    dossier = world.samples["processing"]
    kiosk.send("type", text=dossier.code, delay=4, enter=True)
    english_result = kiosk.wait("result")["texts"]
    assert "In progress" in " ".join(english_result)
    kiosk.send("tap", id="language")  # the toggle is on every screen
    vietnamese_result = kiosk.wait("result")["texts"]
    assert "Đang xử lý" in " ".join(vietnamese_result)
    data = {dossier.code, dossier.procedure, dossier.agency, dossier.current_unit}
    data |= {dossier.pickup_location, format_date(dossier.received_at), format_date(dossier.due_at)}
    data |= set(BADGES_ICONS) | {"✓", "●"}
    assert set(english_result) & set(vietnamese_result) <= data
    kiosk.send("tap", id="language")
    kiosk.wait("result")
    kiosk.send("tap", id="home")
    assert kiosk.wait("idle")["lang"] == "vi"  # idle is always back in Vietnamese


def test_escape_and_window_close_do_not_quit(kiosk: KioskProcess) -> None:
    kiosk.send("tap", id="type_code")
    kiosk.wait("entry")
    kiosk.send("key", name="Escape")
    assert kiosk.send("request_close") is True
    state = kiosk.send("state")
    assert state["screen"] == "entry"


def test_long_press_and_pin_open_the_diagnostics(kiosk: KioskProcess) -> None:
    kiosk.send("hold", corner=True, until="pin")
    for key in "1111":
        kiosk.send("tap", key=key)
    kiosk.send("key", name="Return")
    kiosk.wait_event("pin", "wrong")  # the hash is checked off the UI thread
    assert "Mã PIN không đúng" in kiosk.send("state")["texts"]
    for key in PIN:
        kiosk.send("tap", key=key)
    kiosk.send("key", name="Return")
    state = kiosk.wait("diagnostics")
    texts = " ".join(state["texts"])
    assert "playback" in texts
    assert "0.1.0" in texts


def test_a_scan_on_the_diagnostics_page_is_noted_not_looked_up(
    kiosk: KioskProcess, world: World
) -> None:
    code = world.samples["processing"].code
    kiosk.send("hold", corner=True, until="pin")
    for key in PIN:
        kiosk.send("tap", key=key)
    kiosk.send("key", name="Return")
    kiosk.wait("diagnostics")
    kiosk.send("type", text=code, delay=4, enter=True)
    kiosk.wait_event("scan", code)
    deadline = time.monotonic() + 20  # the page refreshes itself twice a second
    while "đã quét lúc" not in " ".join(kiosk.send("state")["texts"]):
        assert time.monotonic() < deadline, "the diagnostics page never showed the scan"
        time.sleep(0.1)
    assert kiosk.send("state")["screen"] == "diagnostics"


def test_the_result_is_read_aloud_off_the_ui_thread(kiosk: KioskProcess, world: World) -> None:
    dossier = world.samples["processing"]
    kiosk.send("type", text=dossier.code, delay=4, enter=True)
    kiosk.wait("result")
    kiosk.send("tap", id="speak")
    said = utterance(dossier, lang=Language.VI)
    code = " ".join(piece.text for piece in said[said.index(Piece("speak-code", "Mã hồ sơ:")) :])
    event = kiosk.wait_event("spoken", code, timeout=60, contains=True)  # played to the end
    assert "Chưa cần làm gì" in event[2]  # the next step is said too (whether or not it is late)
    assert kiosk.send("state")["screen"] == "result"


def test_a_printed_slip_carries_a_qr_code_to_follow_the_dossier(
    kiosk: KioskProcess, world: World
) -> None:
    dossier = world.samples["result_ready"]
    kiosk.send("type", text=dossier.code, delay=4, enter=True)
    kiosk.wait("result")
    kiosk.send("tap", id="print")
    kiosk.wait_event("printed", dossier.code)
    page = world.printer.pages.get(timeout=10)
    assert not isinstance(page, Exception), page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.save(SCREENSHOTS / "slip.png")
    readings = Decoder().decode(np.asarray(page.convert("L")))
    assert [reading.text for reading in readings] == [f"{LOOKUP_URL}?mahs={dossier.code}"]
    assert "Đã in, mời lấy phiếu" in " ".join(kiosk.send("state")["texts"])
