"""The browser harness finds what it is there to find, on small pages served over HTTP.

A check that never fails proves nothing, so each check is shown failing on a page built to
break it, and passing on a page that does not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser_support import PHONE, Browser, PageProblem, text_dump

_GOOD = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Tra cứu</title>
</head><body><main><h1>Tra cứu hồ sơ</h1><form method="post" action="/echo">
<label for="ma">Mã hồ sơ</label> <input id="ma" name="ma">
<button type="submit">Tra cứu</button></form></main></body></html>"""

_BAD = {
    "/unlabelled": '<!doctype html><html lang="vi"><head><title>x</title></head><body><main>'
    '<h1>x</h1><input name="ma"></main></body></html>',
    "/wide": '<!doctype html><html lang="vi"><head><title>x</title><meta name="viewport" '
    'content="width=device-width"></head><body><main><h1>x</h1>'
    '<div style="width:900px">wide</div></main></body></html>',
    "/cookie": _GOOD,
    "/foreign": '<!doctype html><html lang="vi"><head><title>x</title></head><body><main>'
    '<h1>x</h1><img alt="logo" src="{other}/logo.svg"></main></body></html>',
}


class _Pages(BaseHTTPRequestHandler):
    other = ""

    def do_GET(self) -> None:
        if self.path == "/logo.svg":
            self._send(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml")
            return
        page = _GOOD if self.path == "/" else _BAD.get(self.path, "")
        cookie = self.path == "/cookie"
        self._send(page.replace("{other}", self.other).encode(), "text/html", cookie=cookie)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length).decode()
        self._send(f"<html><body><p>got {body}</p></body></html>".encode(), "text/html")

    def _send(self, body: bytes, kind: str, *, cookie: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if cookie:
            self.send_header("Set-Cookie", "seen=1; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    main, url = _serve()
    other, other_url = _serve()
    _Pages.other = other_url
    yield url
    for server in (main, other):
        server.shutdown()
        server.server_close()


def test_a_clean_page_passes_every_check(browser: Browser, site: str) -> None:
    browser.viewport(*PHONE)
    browser.open(f"{site}/")
    browser.check_page("harness-clean")
    assert browser.title == "Tra cứu"
    assert browser.tab_order(2) == ["input#ma", "button"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/unlabelled", "axe-core: label"),
        ("/wide", "wider than a 320 px screen"),
        ("/cookie", "cookies were set"),
        ("/foreign", "a request to another origin"),
    ],
)
def test_each_check_catches_its_problem(
    browser: Browser, site: str, path: str, expected: str
) -> None:
    browser.viewport(*PHONE)
    browser.open(f"{site}{path}")
    with pytest.raises(PageProblem, match=expected):
        browser.check_page(f"harness{path.replace('/', '-')}")


def test_typing_and_sending_a_form(browser: Browser, site: str) -> None:
    browser.open(f"{site}/")
    browser.type_into("#ma", "H30.20-241203-0158")
    browser.click()
    assert browser.text("p") == "got ma=H30.20-241203-0158"


def test_the_text_browser_reads_pages_and_sends_forms(site: str) -> None:
    assert "Mã hồ sơ" in text_dump(f"{site}/")
    assert "got ma=H30.20" in text_dump(f"{site}/echo", post={"ma": "H30.20"})
