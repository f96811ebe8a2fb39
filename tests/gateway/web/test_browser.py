"""The lookup page in a real browser (Debian's Chromium) at a phone's and a desktop's size:
what a citizen types and reads, with axe-core and the harness's other checks on every page."""

from __future__ import annotations

import pytest

from gateway.web import PAGE_PATH
from tests.browser_support import DESKTOP, PHONE, Browser
from tests.gateway.web.conftest import (
    DOWN,
    KEY,
    KEYED,
    PROCESSING,
    PROCESSING_DATE,
    RETIRED,
    STALE,
    page_gateway,
)

SIZES = [pytest.param(PHONE, id="320x640"), pytest.param(DESKTOP, id="1280x800")]


@pytest.fixture(params=SIZES)
def page(request: pytest.FixtureRequest, browser: Browser) -> Browser:
    browser.viewport(*request.param)
    return browser


def _look_up(page: Browser, site: str, typed: str, key: str = "") -> None:
    page.open(f"{site}{PAGE_PATH}")
    page.type_into("#ma", typed)
    if key:
        page.type_into("#key", key)
    page.click()


def test_typing_a_code(page: Browser, site: str) -> None:
    page.open(f"{site}{PAGE_PATH}")
    page.check_page("form")
    assert page.tab_order(5) == [
        f"a[{PAGE_PATH}]",
        f"a[{PAGE_PATH}?lang=en]",
        "input#ma",
        "input#key",
        "button",
    ]
    page.type_into("#ma", PROCESSING)
    page.click()
    assert page.url == f"{site}{PAGE_PATH}/{PROCESSING}"
    assert page.text("h1") == "Đang xử lý"
    assert "Đang xử lý (đang ở bước này)" not in page.text(".steps")  # said to screen readers only
    assert page.find(".steps li:nth-child(2)").get_attribute("aria-current") == "step"
    page.check_page("result")


def test_a_code_with_typing_slips(page: Browser, site: str) -> None:
    _look_up(page, site, f"  OOO,OO,2O,h30 {PROCESSING_DATE} OOO1 ")
    assert page.url == f"{site}{PAGE_PATH}/{PROCESSING}"
    assert page.text("h1") == "Đang xử lý"


def test_a_code_that_needs_its_key(page: Browser, site: str) -> None:
    _look_up(page, site, KEYED)
    assert page.text("h1") == "Nhập mã tra cứu in trên biên nhận"
    page.check_page("key-needed")
    page.type_into("#key", "ZZ99")
    page.click()
    assert "Mã tra cứu chưa đúng với hồ sơ" in page.text("main")
    page.check_page("key-wrong")
    page.type_into("#key", KEY)
    page.click()
    assert "Nguyễn Văn An" in page.text(".rows")
    assert KEY not in page.url
    page.check_page("result-with-key")


def test_a_key_the_office_does_not_confirm(page: Browser, site: str) -> None:
    _look_up(page, site, PROCESSING, key="ZZ99")
    assert page.text("h1") == "Đang xử lý"
    assert "không xác nhận mã tra cứu" in page.text(".note")
    page.check_page("key-unconfirmed")


def test_an_invalid_code_keeps_what_was_typed(page: Browser, site: str) -> None:
    _look_up(page, site, "000.00.20.H30-261399-0001")
    assert page.text("h1") == "Mã hồ sơ chưa đúng"
    assert page.text("#ma-error") == "Phần ngày 261399 không phải là ngày có thật."
    assert page.find("#ma").get_attribute("value") == "000.00.20.H30-261399-0001"
    page.check_page("invalid")


@pytest.mark.parametrize(
    ("code", "name", "heading"),
    [
        ("000.00.20.H30-261126-0999", "not-found", "Không tìm thấy hồ sơ"),
        (RETIRED, "retired", "Hồ sơ thuộc hệ thống cũ"),
        (DOWN, "unavailable", "Tạm thời không tra cứu được"),
        (STALE, "stale", "Đã có kết quả, mời bạn đến nhận"),
    ],
)
def test_problem_pages(page: Browser, site: str, code: str, name: str, heading: str) -> None:
    page.open(f"{site}{PAGE_PATH}/{code}")
    assert page.text("h1") == heading
    page.check_page(name)


def test_the_page_of_too_many_lookups(page: Browser) -> None:
    with page_gateway(anonymous_not_found_limit=1) as server:
        for sequence in (998, 999):
            page.open(f"{server.url}{PAGE_PATH}/000.00.20.H30-261126-{sequence:04d}")
        assert page.text("h1") == "Tra cứu quá nhiều lần"
        page.check_page("limited")


def test_the_language_link(page: Browser, site: str) -> None:
    page.open(f"{site}{PAGE_PATH}/{PROCESSING}")
    page.click("a.lang")
    assert page.url == f"{site}{PAGE_PATH}/{PROCESSING}?lang=en"
    assert page.find("html").get_attribute("lang") == "en"
    assert page.text("h1") == "In progress"
    page.check_page("result-en")
    page.click("a.home")
    page.type_into("#ma", "000.00.20.H30-261126-01")
    page.click()
    assert page.text("#ma-error") == "Sequence part 01 must have 4 to 7 digits."
    page.check_page("invalid-en")
    page.click("a.lang")
    assert page.find("html").get_attribute("lang") == "vi"
