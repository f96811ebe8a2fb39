"""The fleet page in Debian's Chromium: logging in, watching a unit fall silent, downloading
the usage report; every page checked with axe-core at a phone's and a desktop's size."""

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dossier import Status
from onestop.fleet import Modem, Outcome, Role
from tests.browser_support import DESKTOP, PHONE, Browser
from tests.gateway.fleet.conftest import (
    HASH,
    PASSWORD,
    Clock,
    RunningFleet,
    fleet_config,
    running_fleet,
)
from tests.gateway.fleet.factories import T0, batch, kiosk_beat, sms_beat, usage

WAIT = 30.0


@pytest.fixture
def fleet(tmp_path: Path, clock: Clock) -> Iterator[RunningFleet]:
    config = fleet_config(
        f"sqlite:///{tmp_path}/fleet.sqlite3",
        fleet_gateway={"login.thu": HASH, "cookie_secure": "no"},
        fleet_alerts={"check_interval": "1"},
    )
    with running_fleet(config, clock=clock) as running:
        store = running.store
        events = [
            usage(T0 - 86400 * n, outcome=outcome, status=Status.PROCESSING, latency_ms=200 + n)
            for n in range(20)
            for outcome in (Outcome.FOUND, Outcome.NOT_FOUND)
        ]
        store.ingest("vithuy-sms", batch(sms_beat(T0), *events), T0)
        store.ingest(
            "tinh-kiosk",
            batch(kiosk_beat(T0), usage(T0, channel=Role.KIOSK)),
            T0,
        )
        store.ingest(
            "cantho-sms",
            batch(
                sms_beat(T0, office="UBND quận Ninh Kiều", modems=(Modem(name="m1", state="lost"),))
            ),
            T0,
        )
        yield running


def log_in(browser: Browser, url: str) -> None:
    browser.open(f"{url}/fleet/")
    assert "/fleet/login" in browser.url
    browser.type_into("input[name=name]", "thu")
    browser.type_into("input[name=password]", PASSWORD)
    browser.click("form button[type=submit]")
    assert browser.url.endswith("/fleet/")


def test_login_the_unit_list_and_a_unit_page(browser: Browser, fleet: RunningFleet) -> None:
    browser.viewport(*PHONE)
    browser.open(f"{fleet.url}/fleet/")
    browser.check_page("fleet-login")
    browser.type_into("input[name=name]", "thu")
    browser.type_into("input[name=password]", "wrong password")
    browser.click("form button[type=submit]")
    assert "Sai tên đăng nhập hoặc mật khẩu" in browser.text("[role=alert]")
    log_in(browser, fleet.url)
    for size in (PHONE, DESKTOP):
        browser.viewport(*size)
        browser.visit(f"{fleet.url}/fleet/")
        browser.check_page("fleet-units", cookies=True)
    assert "3 thiết bị: 2 bình thường, 1 có cảnh báo" in browser.text("#summary")
    assert [row.get_attribute("data-unit") for row in browser.find_all("tr.unit")] == [
        "cantho-sms",
        "tinh-kiosk",
        "vithuy-sms",
    ]
    browser.click("tr[data-unit=cantho-sms] a")
    assert "m1: lost" in browser.text()
    assert len(browser.find_all("svg.chart")) == 3
    for size in (PHONE, DESKTOP):
        browser.viewport(*size)
        browser.check_page("fleet-unit", cookies=True)
    browser.click("a[hreflang=en]")
    assert "Modem down" in browser.text()


def row_text(browser: Browser, unit: str) -> str:
    browser.driver.refresh()
    return browser.text(f"tr[data-unit={unit}]")


def alerts_shown(browser: Browser, unit: str) -> list[str]:
    browser.driver.refresh()
    found = browser.find_all(f"tr[data-unit={unit}] .alert")
    return [alert.get_attribute("data-kind") or "" for alert in found]


def test_a_unit_going_silent_turns_red_with_its_alert(
    browser: Browser, fleet: RunningFleet, clock: Clock
) -> None:
    browser.viewport(*DESKTOP)
    log_in(browser, fleet.url)
    assert "Bình thường" in row_text(browser, "tinh-kiosk")
    assert alerts_shown(browser, "tinh-kiosk") == []
    clock.now = T0 + 301  # five minutes without a heartbeat from any unit
    # The gateway's next round of alerts opens it; the page shows it once it is open.
    WebDriverWait(browser.driver, WAIT, poll_frequency=0.5).until(
        lambda _driver: alerts_shown(browser, "tinh-kiosk") == ["silent"]
    )
    row = browser.find("tr[data-unit=tinh-kiosk]")
    assert "state-down" in (row.get_attribute("class") or "")
    assert "Mất liên lạc" in row.find_element(By.CSS_SELECTOR, ".badge").text
    browser.check_page("fleet-units-silent", cookies=True)


def downloaded(folder: Path, suffix: str) -> Path:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = [path for path in folder.iterdir() if path.suffix == suffix]
        if found:
            return found[0]
        time.sleep(0.1)  # waiting for the browser to finish writing the file
    raise AssertionError(f"no {suffix} file arrived in {folder}")


def test_the_report_page_and_its_downloads(
    browser: Browser, fleet: RunningFleet, tmp_path: Path
) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    browser.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )
    browser.viewport(*DESKTOP)
    log_in(browser, fleet.url)
    browser.click("nav a[href='/fleet/report']")
    for name, day in (("from", "2026-05-01"), ("to", "2026-05-31")):
        # A date field is typed in the browser's own order (dd/mm/yyyy here): set its value.
        field = browser.find(f"input[name={name}]")
        browser.driver.execute_script("arguments[0].value = arguments[1]", field, day)
    browser.click("form.filters button[type=submit]")
    assert "Từ 01/05/2026 đến 31/05/2026" in browser.text()
    for size in (PHONE, DESKTOP):
        browser.viewport(*size)
        browser.check_page("fleet-report", cookies=True)
    browser.find("#download-csv").click()
    table = list(csv.DictReader(io.StringIO(downloaded(folder, ".csv").read_text("utf-8"))))
    [total] = [row for row in table if row["level"] == "province" and row["month"] == "total"]
    # 20 days of one found and one not found by SMS, and one found at the kiosk
    assert (total["lookups"], total["answered"], total["not_found"]) == ("41", "21", "20")
    browser.find("#download-pdf").click()
    pdf = pypdf.PdfReader(downloaded(folder, ".pdf"))
    assert "Báo cáo tình hình sử dụng tra cứu hồ sơ" in pdf.pages[0].extract_text()
