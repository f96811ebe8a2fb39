"""A real browser for the tests of the project's web pages: Debian's Chromium through Selenium.

Web pages are tested as citizens and technicians see them: Debian's ``chromium`` (headless,
driven by its matching ``chromedriver``) loads the page over HTTP from a real server on
127.0.0.1, at a phone's width or a desktop's, and axe-core (from npm, installed by ``./dev``)
checks every page for accessibility problems: headings, labels, contrast, focus order.

Any web page's tests use it through the ``browser`` fixture of ``tests/conftest.py``::

    def test_page(browser: Browser, server_url: str) -> None:
        browser.viewport(320, 640)
        browser.open(f"{server_url}/tra-cuu")
        browser.check_page("lookup-form")

``check_page`` runs every check a page must pass (axe-core, no horizontal scrolling, no
request to another origin, no cookie) and keeps a screenshot in
``test-artifacts/screenshots/web/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots" / "web"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE_CORE = Path(
    os.environ.get("ONESTOP_AXE_CORE", ROOT / ".venv/npm/node_modules/axe-core/axe.min.js")
)
"""axe-core's script; ``./dev`` installs it from npm, ``ONESTOP_AXE_CORE`` points elsewhere."""

PHONE = (320, 640)
DESKTOP = (1280, 800)

_CHROMIUM_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--lang=vi-VN",
)
_TIMEOUT = 20.0


class PageProblem(AssertionError):
    """A page failed one of the checks every page must pass; the message lists what failed."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One axe-core rule a page breaks, with the elements that break it."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} at {', '.join(self.targets)}"


def missing_tools() -> list[str]:
    """What the harness needs and cannot find, each with how to get it."""
    problems = []
    for tool, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not tool.exists():
            problems.append(f"{tool} is missing (./dev test installs it: apt install {package})")
    if not AXE_CORE.exists():
        problems.append(f"{AXE_CORE} is missing (./dev test installs axe-core from npm)")
    return problems


class Browser:
    """One headless Chromium, reused by every test of a session; pages reset what they change."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver
        self._axe = AXE_CORE.read_text(encoding="utf-8")
        self.size = DESKTOP

    def viewport(self, width: int, height: int) -> None:
        """Lay pages out as a screen this many CSS pixels wide and high (a phone below 600)."""
        self.size = (width, height)
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )

    def open(self, url: str) -> None:
        """Load ``url`` with no cookies left from an earlier page, and wait until it is loaded."""
        self.driver.delete_all_cookies()
        self.visit(url)

    def visit(self, url: str) -> None:
        """Load ``url`` keeping the cookies (a logged-in user's next page)."""
        self.driver.get(url)
        self._wait_loaded()

    def _wait(self) -> WebDriverWait[webdriver.Chrome]:
        """A wait that rides over the errors Chromium gives while a page is being replaced
        ("cannot determine loading status", a context destroyed by navigation)."""
        return WebDriverWait(self.driver, _TIMEOUT, ignored_exceptions=(WebDriverException,))

    def _wait_loaded(self) -> None:
        self._wait().until(
            lambda driver: driver.execute_script("return document.readyState") == "complete"
        )

    @property
    def url(self) -> str:
        return self.driver.current_url

    @property
    def title(self) -> str:
        return self.driver.title

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def text(self, css: str = "body") -> str:
        """The visible text of the first element matching ``css``."""
        return self.find(css).text

    def type_into(self, css: str, text: str) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(text)

    def click(self, css: str = "form button[type=submit]") -> None:
        """Press a button or follow a link, and wait for the page it leads to."""
        old = self.find("html")
        self.find(css).click()
        self._wait().until(lambda _driver: _is_stale(old))
        self._wait_loaded()

    def tab_order(self, count: int) -> list[str]:
        """Describe the first ``count`` elements the Tab key reaches from the top of the page."""
        self.driver.execute_script("document.activeElement && document.activeElement.blur()")
        body = self.find("body")
        reached: list[str] = []
        for _ in range(count):
            body.send_keys("\ue004")  # Tab
            reached.append(
                cast(
                    str,
                    self.driver.execute_script(
                        "const e = document.activeElement;"
                        "return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')"
                        " + (e.getAttribute('href') ? '[' + e.getAttribute('href') + ']' : '');"
                    ),
                )
            )
            body = self.driver.switch_to.active_element
        return reached

    def axe(self) -> list[Violation]:
        """Run axe-core on the page as it is now, with its default rules (WCAG 2 A and AA and
        best practices), and return the rules it breaks."""
        self.driver.execute_script(self._axe)
        self.driver.set_script_timeout(_TIMEOUT)
        raw = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document).then(r => done(JSON.stringify(r.violations)),"
            " e => done(JSON.stringify({error: String(e)})));"
        )
        found: Any = json.loads(raw)
        if isinstance(found, dict):
            raise PageProblem(f"axe-core failed to run: {found['error']}")
        return [
            Violation(
                rule=item["id"],
                impact=item.get("impact") or "",
                help=item["help"],
                targets=tuple(str(node["target"]) for node in item["nodes"]),
            )
            for item in found
        ]

    def resources(self) -> list[str]:
        """The address of the page and of everything it loaded (styles, images, icons)."""
        return [
            self.url,
            *cast(
                list[str],
                self.driver.execute_script(
                    "return performance.getEntriesByType('resource').map(e => e.name)"
                ),
            ),
        ]

    def overflows_width(self) -> bool:
        """True when the page is wider than the screen (the reader must scroll sideways, or a
        phone's browser zooms the whole page out to fit)."""
        width = self.driver.execute_script("return document.documentElement.scrollWidth")
        return int(width) > self.size[0]

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width, height = self.size
        target = SCREENSHOTS / f"{name}-{width}x{height}.png"
        full = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width,
                "height": max(height, int(full)),
                "deviceScaleFactor": 1,
                "mobile": width < 600,
            },
        )
        try:
            self.driver.save_screenshot(str(target))
        finally:
            self.viewport(width, height)
        return target

    def problems(self, *, cookies: bool = False) -> list[str]:
        """Everything a page must not do, found on the page as it is now; ``cookies`` allows
        the cookies of a page behind a login."""
        found = [f"axe-core: {violation}" for violation in self.axe()]
        if self.overflows_width():
            found.append(f"the page is wider than a {self.size[0]} px screen")
        origin = urlsplit(self.url)[:2]
        for address in self.resources():
            if urlsplit(address)[:2] != origin and not address.startswith("data:"):
                found.append(f"a request to another origin: {address}")
        if self.driver.get_cookies() and not cookies:
            found.append(f"cookies were set: {self.driver.get_cookies()}")
        return found

    def check_page(self, name: str, *, cookies: bool = False) -> None:
        """Keep a screenshot of the page as ``name`` and fail with every problem it has."""
        self.screenshot(name)
        problems = self.problems(cookies=cookies)
        if problems:
            raise PageProblem(f"{name} at {self.url}:\n  " + "\n  ".join(problems))


def _is_stale(element: WebElement) -> bool:
    try:
        element.is_enabled()
    except StaleElementReferenceException:  # the old page is gone
        return True
    return False


@contextlib.contextmanager
def open_browser(profile: Path) -> Iterator[Browser]:
    """Start headless Chromium with a fresh profile in ``profile``; quit it on leaving."""
    problems = missing_tools()
    if problems:
        raise RuntimeError("; ".join(problems))
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in _CHROMIUM_FLAGS:
        options.add_argument(flag)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium refuses to run as root with it
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield Browser(driver)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def text_dump(url: str, *, width: int = 40, post: dict[str, str] | None = None) -> str:
    """What a text browser without JavaScript (w3m) shows of ``url``, ``width`` columns wide;
    with ``post``, of the answer to that form sent to ``url`` as the browser sends it."""
    w3m = shutil.which("w3m")
    if w3m is None:
        raise RuntimeError("w3m is missing (./dev test installs it: apt install w3m)")
    command = [w3m, "-dump", "-cols", str(width), "-O", "UTF-8", "-no-cookie"]
    with tempfile.NamedTemporaryFile("w", suffix=".form") as form:
        if post is not None:
            form.write(urlencode(post))
            form.flush()
            command += ["-post", form.name]
        done = subprocess.run(
            [*command, url], capture_output=True, text=True, timeout=_TIMEOUT, check=True
        )
    return done.stdout
