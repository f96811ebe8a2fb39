"""The kiosk's rules without a window: flow, result wording, strings, PIN, public names."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import hardware.barcode
import hardware.camera
import hardware.printer
import hardware.receipts
import hardware.scanner
import kiosk
from backend_client import (
    BackendError,
    BackendUnavailable,
    BadResponse,
    CodeRejected,
    DossierNotFound,
    KnownStatus,
)
from dossier import (
    CARD_WORDS,
    ICT,
    Applicant,
    Dossier,
    HistoryEntry,
    Language,
    Status,
    parse_query,
)
from kiosk import CATALOG, KioskFlow, Screen, Timeouts, check_pin, hash_pin, result_view, tr

NOW = dt.datetime(2024, 1, 20, 10, 0, tzinfo=ICT)
CODE = "000.00.20.H30-240115-0001"


def dossier(status: Status = Status.PROCESSING, due_days: int = -2) -> Dossier:
    received = dt.datetime(2024, 1, 15, 8, 0, tzinfo=ICT)
    return Dossier(
        code=CODE,
        procedure="Cấp giấy phép xây dựng",
        agency="UBND huyện Châu Thành",
        status=status,
        received_at=received,
        due_at=NOW + dt.timedelta(days=due_days),
        rescheduled_due_at=None,
        completed_at=None,
        current_unit="Phòng Quản lý đô thị",
        pickup_location="Bộ phận Một cửa, quầy 3",
        history=tuple(
            HistoryEntry(received + dt.timedelta(hours=hour), "Một cửa", step, note)
            for hour, step, note in (
                (0, Status.RECEIVED, "Tiếp nhận"),
                (5, Status.PROCESSING, "Thẩm định"),
                (9, Status.PROCESSING, ""),
                (20, Status.PROCESSING, "Trình ký"),
            )
        ),
        updated_at=NOW,
        applicant=Applicant("Nguyễn Văn An", "079123456789"),
    )


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_typed_code_goes_busy_then_result() -> None:
    flow = KioskFlow()
    flow.open_entry()
    for key in CODE + "9":
        flow.press_key(key)
    flow.press_key("BACKSPACE")
    assert flow.progress.message(Language.EN) == "The code is complete: press Look up"
    query = flow.submit_entry()
    assert query is not None
    assert (flow.screen, flow.entry) == (Screen.BUSY, CODE)
    assert flow.lookup_done(flow.ticket, dossier())
    assert flow.screen is Screen.RESULT


def test_entry_is_bounded_and_clears() -> None:
    flow = KioskFlow()
    for _ in range(60):
        flow.press_key("1")
    assert len(flow.entry) == 40
    flow.press_key("CLEAR")
    assert flow.entry == ""


def test_invalid_text_names_the_problem() -> None:
    flow = KioskFlow()
    assert flow.submit("000.00.20.H30-240230-0001") is None
    assert flow.screen is Screen.INVALID
    assert flow.problem is not None
    assert "240230" in flow.problem.message(Language.VI)
    other = KioskFlow()
    other.not_a_dossier_code("079123456789|123456789|Nguyễn Văn An|01011990|Nam|Cần Thơ|01012021")
    assert (other.screen, other.problem) == (Screen.SEEN, None)
    assert other.seen is not None
    assert "căn cước" in other.seen.message(Language.VI)


@pytest.mark.parametrize(
    ("error", "screen"),
    [
        (DossierNotFound("no"), Screen.NOT_FOUND),
        (CodeRejected("bad"), Screen.INVALID),
        (BackendUnavailable("down"), Screen.OFFLINE),
        (BadResponse("junk"), Screen.OFFLINE),
    ],
)
def test_each_failure_leads_to_its_screen(error: BackendError, screen: Screen) -> None:
    flow = KioskFlow()
    flow.start_lookup(parse_query(CODE))
    assert flow.lookup_failed(flow.ticket, error)
    assert flow.screen is screen


def test_a_last_known_status_is_shown_when_the_api_is_down() -> None:
    flow = KioskFlow()
    flow.start_lookup(parse_query(CODE))
    error = BackendUnavailable("down")
    error.last_known = KnownStatus(dossier(), NOW - dt.timedelta(hours=3))
    flow.lookup_failed(flow.ticket, error)
    assert flow.screen is Screen.RESULT
    assert flow.dossier is not None
    view = result_view(
        flow.dossier, now=NOW, lang=Language.VI, follow_url="https://x", known=flow.known
    )
    assert view.as_of == "Không kết nối được máy chủ. Tình trạng lúc 07:00 20/01:"


def test_a_late_answer_is_dropped() -> None:
    flow = KioskFlow()
    flow.start_lookup(parse_query(CODE))
    stale = flow.ticket
    flow.reset()
    assert not flow.lookup_done(stale, dossier())
    assert flow.screen is Screen.IDLE
    flow.start_lookup(parse_query(CODE))
    assert not flow.lookup_failed(stale, DossierNotFound("no"))


def test_inactivity_resets_and_forgets() -> None:
    clock = Clock()
    flow = KioskFlow(timeouts=Timeouts(result=60, other=90), clock=clock)
    flow.toggle_language()
    flow.start_lookup(parse_query(CODE))
    flow.lookup_done(flow.ticket, dossier())
    clock.now += 59
    assert not flow.expired()
    clock.now += 1
    assert flow.expired()
    flow.reset()
    assert (flow.screen, flow.language, flow.entry, flow.dossier) == (
        Screen.IDLE,
        Language.VI,
        "",
        None,
    )
    assert not flow.expired()  # idle never times out
    flow.open_entry()
    clock.now += 89
    assert not flow.expired()
    flow.touch()
    clock.now += 89
    assert not flow.expired()
    clock.now += 1
    assert flow.expired()


def test_result_view_wording() -> None:
    view = result_view(dossier(), now=NOW, lang=Language.VI, follow_url="https://x/1")
    assert (view.status_text, view.late, view.icon) == ("Đang xử lý", True, "⚙")
    assert (
        view.due
        == f"Hẹn trả kết quả: {NOW.date() - dt.timedelta(days=2):%d/%m/%Y}, đã trễ hẹn 2 ngày"
    )
    assert [step.state for step in view.steps] == ["done", "current", "waiting", "waiting"]
    assert view.follow_url == "https://x/1"
    assert [name for name, _ in view.rows] == [
        "Mã hồ sơ", "Thủ tục", "Cơ quan", "Ngày tiếp nhận hồ sơ",
        "Đơn vị đang xử lý", "Nơi nhận kết quả",
    ]  # fmt: skip
    assert len(view.history) == 4
    assert (view.history[0].when, view.history[0].note) == ("04:00 16/01", "Trình ký")
    assert "Nguyễn Văn An" not in str(view)
    shown = result_view(
        dossier(), now=NOW, lang=Language.EN, follow_url="https://x", show_applicant=True
    )
    assert ("Applicant", "Nguyễn Văn An") in shown.rows
    assert "079123456789" not in str(shown)
    ready = result_view(
        dataclasses.replace(dossier(Status.RESULT_READY), completed_at=NOW),
        now=NOW,
        lang=Language.EN,
        follow_url="https://x",
    )
    assert (ready.icon, ready.due, ready.late) == ("★", "Completed on 20/01/2024", False)
    assert [step.state for step in ready.steps] == ["done", "done", "done", "current"]
    assert "Handled by" not in dict(ready.rows)


@pytest.mark.parametrize("status", [Status.SUPPLEMENT_REQUIRED, Status.AWAITING_PAYMENT])
def test_the_citizens_turn_is_never_the_office_being_late(status: Status) -> None:
    view = result_view(
        dossier(status, due_days=-5), now=NOW, lang=Language.VI, follow_url="https://x"
    )
    assert not view.late
    assert "trễ" not in view.due and "Quá hạn" not in str(view)
    assert view.turn == "citizen"


def test_every_status_has_its_own_colour_and_an_icon_the_font_has() -> None:
    from PIL import ImageFont

    from kiosk import BADGES
    from kiosk._theme import ICON_FONT

    colours = [badge.colour for badge in BADGES.values()]
    assert len(set(colours)) == len(colours) == len(Status)
    font = ImageFont.truetype(ICON_FONT, 48)
    missing = bytes(font.getmask("\ue000"))  # type: ignore[no-untyped-call]  # a private-use character: the missing-glyph box
    for status, badge in BADGES.items():
        assert bytes(font.getmask(badge.icon)) != missing, status  # type: ignore[no-untyped-call]
        red, green, blue, _alpha = badge.colour

        def linear(channel: float) -> float:
            return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

        luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
        assert 1.05 / (luminance + 0.05) >= 4.5, status  # white text on it


def test_due_dates_are_worded_so_they_cannot_be_misread() -> None:
    today = dossier(due_days=0)
    passed = dataclasses.replace(today, due_at=NOW - dt.timedelta(hours=1))
    assert result_view(passed, now=NOW, lang=Language.VI, follow_url="x").due == (
        "Hẹn trả kết quả: hôm nay 20/01/2024 lúc 09:00, đã quá giờ hẹn"
    )
    moved = dataclasses.replace(dossier(due_days=-2), rescheduled_due_at=NOW + dt.timedelta(days=3))
    assert result_view(moved, now=NOW, lang=Language.EN, follow_url="x").due == (
        "Result due: 23/01/2024 (rescheduled from 18/01/2024), in 3 days"
    )


def test_the_catalog_has_both_languages_everywhere() -> None:
    for key, (vi, en) in CATALOG.items():
        assert vi.strip() and en.strip(), key
        assert vi != en or key == "diag_camera", key
    # The card's words and a lookup's problems are worded once, for the kiosk and the web page.
    assert {key: CATALOG[key] for key in CARD_WORDS} == CARD_WORDS
    assert tr("busy", Language.EN, code="X") == "Looking up dossier X…"


def test_a_wrong_pin_is_cleared_and_said_until_the_next_key() -> None:
    stored = hash_pin("2468", iterations=1000)
    flow = KioskFlow()
    flow.ask_pin()
    for key in "1111":
        flow.press_key(key)
    matches = check_pin(flow.take_pin(), stored)
    flow.pin_checked(matches)
    assert not matches
    assert (flow.screen, flow.entry, flow.pin_wrong) == (Screen.PIN, "", True)
    for key in "2468":
        flow.press_key(key)
    assert not flow.pin_wrong
    matches = check_pin(flow.take_pin(), stored)
    flow.pin_checked(matches)
    assert matches
    assert (flow.screen, flow.entry) == (Screen.DIAGNOSTICS, "")


def test_a_pin_checked_after_the_kiosk_left_the_pin_screen_opens_nothing() -> None:
    flow = KioskFlow()
    flow.ask_pin()
    flow.take_pin()
    flow.reset()
    flow.pin_checked(True)
    assert flow.screen is Screen.IDLE


def test_pin_hash_round_trip() -> None:
    stored = hash_pin("2468", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$")
    assert check_pin("2468", stored)
    assert not check_pin("2469", stored)
    assert not check_pin("2468", "not a hash")
    assert "2468" not in stored


@pytest.mark.parametrize(
    "module",
    [
        kiosk,
        hardware.barcode,
        hardware.camera,
        hardware.printer,
        hardware.receipts,
        hardware.scanner,
    ],
)
def test_public_names(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names, key=lambda name: (not name.isupper(), name))
    for name in names:
        assert getattr(module, name) is not None


@pytest.mark.parametrize(
    ("scanned", "said"),
    [
        ("079123456789|381234567|Nguyễn Văn An|01011990|Nam|Hậu Giang|01012021", "căn cước"),
        ("https://www.facebook.com/ubnd.haugiang", "www.facebook.com"),
        ("00020101021138570010A00000072701270006970436", "thanh toán"),
        ("WIFI:S:SoTuPhap;T:WPA;P:12345678;;", "Wi-Fi"),
        ("BEGIN:VCARD\nVERSION:3.0\nFN:Nguyen Van An\nEND:VCARD", "danh thiếp"),
        ("8934563138165", "hàng hóa"),
        ("Xin chào", '"Xin chào"'),
    ],
)
def test_a_scan_that_is_not_a_receipt_says_what_it_was(scanned: str, said: str) -> None:
    flow = KioskFlow()
    flow.not_a_dossier_code(scanned)
    assert flow.screen is Screen.SEEN
    assert flow.seen is not None
    assert said in flow.seen.message(Language.VI)
    assert flow.seen.message(Language.EN) != flow.seen.message(Language.VI)


def test_the_keypad_puts_in_separators_and_keeps_the_code_after_an_error() -> None:
    flow = KioskFlow()
    flow.open_entry()
    for key in "0000020H302402300001":  # no dots, no dashes, and a wrong date
        flow.press_key(key)
    assert flow.entry == "000.00.20.H30-240230-0001"
    assert flow.submit_entry() is None
    flow.open_entry(keep=True)  # "correct the code"
    assert (flow.entry, flow.cursor) == ("000.00.20.H30-240230-0001", 20)  # after the date
    for key in ("BACKSPACE", "BACKSPACE", "2", "8"):
        flow.press_key(key)
    assert flow.entry == "000.00.20.H30-240228-0001"
    assert flow.submit_entry() is not None


def test_the_card_says_what_to_do_next_from_the_offices_guidance() -> None:
    from dossier import OfficeGuide

    guide = OfficeGuide(hotline="0293 3 878 787", opening_hours="7:00-17:00 T2-T6")
    ready = dataclasses.replace(dossier(Status.RESULT_READY), completed_at=NOW)
    view = result_view(ready, now=NOW, lang=Language.VI, follow_url="x", guide=guide)
    assert view.next_step.startswith("Mang giấy biên nhận và CCCD đến nhận kết quả tại")
    assert "Bộ phận Một cửa, quầy 3" in view.next_step and "7:00-17:00" in view.next_step
    more = dataclasses.replace(
        dossier(Status.SUPPLEMENT_REQUIRED),
        history=(HistoryEntry(NOW, "Một cửa", Status.SUPPLEMENT_REQUIRED, "Bản sao sổ đỏ"),),
    )
    asked = result_view(more, now=NOW, lang=Language.EN, follow_url="x", guide=guide)
    assert "Please supply: Bản sao sổ đỏ" in asked.next_step and "0293 3 878 787" in asked.next_step
