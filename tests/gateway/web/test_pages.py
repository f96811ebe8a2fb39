"""The lookup page over HTTP: what each answer says, its status code, its size and headers."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import gateway.web
from dossier import Language, card_word
from gateway import Gateway
from gateway.web import PAGE_PATH
from onestop.config import parse_config
from tests.gateway.web.conftest import (
    DOWN,
    KEY,
    KEYED,
    PROCESSING,
    PROCESSING_DATE,
    PROCESSING_KEY,
    READY,
    RECORDS,
    RETIRED,
    RETIRED_MESSAGE,
    STALE,
    page_gateway,
)

PAGE_BUDGET = 30 * 1024
"""Every page with its CSS must stay under this, for a phone on a slow link."""
CSS_BUDGET = 4 * 1024
"""The CSS inlined in every page (one request fewer on a 2G link than a separate file)."""


@pytest.fixture(scope="module")
def http(site: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site, follow_redirects=False, timeout=10) as client:
        yield client


def _text(response: httpx.Response) -> str:
    """The page's words without tags, spaces closed up, to assert on what a reader sees."""
    body = re.sub(r"<style>.*?</style>", " ", response.text, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_form_in_vietnamese_and_english(http: httpx.Client) -> None:
    page = http.get(PAGE_PATH)
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert "Mã hồ sơ" in _text(page) and "Mã tra cứu (nếu biên nhận có)" in _text(page)
    assert f'href="{PAGE_PATH}?lang=en"' in page.text
    english = http.get(PAGE_PATH, params={"lang": "en"})
    assert '<html lang="en">' in english.text
    assert "Dossier code" in _text(english) and f'href="{PAGE_PATH}"' in english.text


def test_a_result_shows_the_card(http: httpx.Client) -> None:
    page = http.get(f"{PAGE_PATH}/{PROCESSING}")
    assert page.status_code == 200
    text = _text(page)
    for expected in (
        "Đang xử lý",
        "Tiếp nhận (đã xong)",
        "Đang xử lý (đang ở bước này)",
        "Có kết quả (chưa đến)",
        "Ngày tiếp nhận hồ sơ",
        "Nơi nhận kết quả",
        "Các bước đã qua",
    ):
        assert expected in text
    assert re.search(r"Hẹn trả kết quả: [^<]*(còn \d+ ngày|trễ hẹn|hôm nay)", text)
    assert 'class="status st-processing"' in page.text
    assert "Việc cần làm Chưa cần làm gì, chờ đến ngày hẹn trả." in text
    assert "Nguyễn Văn An" not in text  # the applicant only with the key


def test_a_finished_dossier_has_no_days_left(http: httpx.Client) -> None:
    page = http.get(f"{PAGE_PATH}/{READY}", params={"lang": "en"})
    text = _text(page)
    assert "Result ready: please collect it" in text and "st-result_ready" in page.text
    assert "Result due" not in text and "late" not in text
    assert "Handed over (current step)" in text and "Collect the result at" in text
    assert "What to do next Bring the receipt and your ID card to collect the result at" in text


def test_the_offices_own_words_are_marked_vietnamese_on_an_english_page(
    http: httpx.Client,
) -> None:
    """Screen readers read the procedure, the agency and the steps' notes, which the office's
    system gives in Vietnamese only, with a Vietnamese voice (WCAG 3.1.2)."""
    dossier = RECORDS[PROCESSING].dossier
    english = http.get(f"{PAGE_PATH}/{PROCESSING}", params={"lang": "en"}).text
    assert f'<dd lang="vi">{dossier.procedure}</dd>' in english
    assert f'<dd lang="vi">{dossier.agency}</dd>' in english
    assert f"<dd>{PROCESSING}</dd>" in english  # the code is in no language
    latest = dossier.history[-1]
    assert f'<span lang="vi">{latest.unit}: {latest.note}</span>' in english
    assert 'lang="vi"' not in http.get(f"{PAGE_PATH}/{PROCESSING}").text.split("<body>")[1]


@pytest.mark.parametrize(
    "sloppy",
    [
        f"000.00.20.h30 {PROCESSING_DATE} 0001",
        f"000,00,20,H30 {PROCESSING_DATE} 0001",
        f"000/00/20/H30-{PROCESSING_DATE}-0001",
        f"000.00.20.H30{PROCESSING_DATE}0001",
        f"OOO.OO.2O.H30-{PROCESSING_DATE}-OOO1",
    ],
)
def test_typing_slips_lead_to_the_canonical_address(http: httpx.Client, sloppy: str) -> None:
    answer = http.post(PAGE_PATH, data={"ma": sloppy})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE_PATH}/{PROCESSING}"


def _bundled(prefix: str) -> str:
    return next(code for code in RECORDS if code.startswith(prefix))


SHORT = _bundled("G22.")  # national_short
OPENCPS = _bundled("STPHG.")


@pytest.mark.parametrize(
    ("sloppy", "canonical"),
    [
        (SHORT.lower().replace("-", " "), SHORT),
        (SHORT.replace("0", "O").replace("-", "–"), SHORT),
        (OPENCPS.lower().replace(".", ","), OPENCPS),
        (f"https://dichvucong.haugiang.gov.vn/tra-cuu?mahs={OPENCPS}", OPENCPS),
        ("d-0038963", "D-38963"),  # opencps_id
    ],
)
def test_every_code_family_with_its_slips(http: httpx.Client, sloppy: str, canonical: str) -> None:
    answer = http.post(PAGE_PATH, data={"ma": sloppy})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE_PATH}/{canonical}"


@pytest.mark.parametrize(
    "payload", ["d 4656 38963", "D-4656-38963", "https://motcua.x.gov.vn/kios?QRSCAN=38963-4656"]
)
def test_an_opencps_payload_carries_its_key(http: httpx.Client, payload: str) -> None:
    answer = http.post(PAGE_PATH, data={"ma": payload})
    assert answer.status_code == 404 and "location" not in answer.headers  # asked with its key
    assert card_word("not_found_body", code="D-38963") in _text(answer)
    assert "4656" not in answer.text


def test_the_page_reads_the_families_the_province_configured() -> None:
    config = parse_config({"codes": {"families": "national", "custom.so": r"SO-\d{6}"}})
    with (
        Gateway.from_config(config, demo=True).server(port=0).start() as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        own = client.post(PAGE_PATH, data={"ma": " so-123456 "})
        left_out = client.post(PAGE_PATH, data={"ma": OPENCPS})
    assert own.status_code == 303 and own.headers["location"] == f"{PAGE_PATH}/SO-123456"
    assert left_out.status_code == 400
    assert f"Mã {OPENCPS} không phải loại mã hồ sơ tra cứu được ở đây" in _text(left_out)


def test_links_lead_to_the_canonical_address(http: httpx.Client) -> None:
    sloppy = f"000.00.20.h30 {PROCESSING_DATE} 0001"
    answer = http.get(f"{PAGE_PATH}/{sloppy}")
    assert answer.status_code == 302
    assert answer.headers["location"] == f"{PAGE_PATH}/{PROCESSING}"
    answer = http.post(PAGE_PATH, data={"ma": f" {sloppy} ", "key": "", "lang": "en"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{PAGE_PATH}/{PROCESSING}?lang=en"
    old_link = http.get(PAGE_PATH, params={"mahs": PROCESSING})
    assert old_link.headers["location"] == f"{PAGE_PATH}/{PROCESSING}"


def test_a_key_is_answered_in_place_and_never_put_in_an_address(http: httpx.Client) -> None:
    page = http.post(PAGE_PATH, data={"ma": PROCESSING, "key": PROCESSING_KEY})
    assert page.status_code == 200 and "location" not in page.headers
    assert "Nguyễn Văn An" in _text(page)
    assert PROCESSING_KEY not in page.text
    typed_together = http.post(PAGE_PATH, data={"ma": f"{PROCESSING} {PROCESSING_KEY}"})
    assert "Nguyễn Văn An" in _text(typed_together)
    for _ in range(2):  # nor is the applicant kept for the next citizen's page
        assert "Nguyễn Văn An" not in _text(http.get(f"{PAGE_PATH}/{PROCESSING}"))


def test_the_key_field_is_read_as_the_key_the_receipt_prints(http: httpx.Client) -> None:
    spaced = " ".join(PROCESSING_KEY.lower())  # typed in lower case, a space between each
    page = http.post(PAGE_PATH, data={"ma": PROCESSING, "key": spaced})
    assert page.status_code == 200 and "Nguyễn Văn An" in _text(page)
    assert "không xác nhận mã tra cứu" not in _text(page)


@pytest.mark.parametrize("wrong", ["ZZ99", "ZZZZ", "xyz!"])
def test_a_key_the_office_does_not_confirm_is_said_so(http: httpx.Client, wrong: str) -> None:
    page = http.post(PAGE_PATH, data={"ma": PROCESSING, "key": wrong})
    assert page.status_code == 200 and "location" not in page.headers
    text = _text(page)
    assert "Đang xử lý" in text and "Nguyễn Văn An" not in text
    assert (
        "Hệ thống của cơ quan không xác nhận mã tra cứu này, nên tên người nộp không được hiển thị."
        in text
    )


def test_a_code_that_needs_its_key(http: httpx.Client) -> None:
    asked = http.get(f"{PAGE_PATH}/{KEYED}")
    assert asked.status_code == 200
    assert "Nhập mã tra cứu in trên biên nhận" in _text(asked) and 'name="key"' in asked.text
    assert f'action="{PAGE_PATH}/{KEYED}"' in asked.text
    wrong = http.post(f"{PAGE_PATH}/{KEYED}", data={"key": "ZZ99"})
    assert wrong.status_code == 403 and "Mã tra cứu chưa đúng" in _text(wrong)
    right = http.post(f"{PAGE_PATH}/{KEYED}", data={"key": KEY})
    assert right.status_code == 200 and "Nguyễn Văn An" in _text(right)


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("000.00.20.H30-261399-0001", "Phần ngày 261399 không phải là ngày có thật."),
        ("000.00.20.H30-2611-0001", "Phần ngày 2611 phải có 6 chữ số"),
        ("000.00.20.H30-261126-01", "Phần số thứ tự 01 phải có từ 4 đến 7 chữ số."),
        ("", "Chưa nhập mã hồ sơ."),
    ],
)
def test_an_invalid_code_names_the_wrong_part(http: httpx.Client, typed: str, named: str) -> None:
    page = http.post(PAGE_PATH, data={"ma": typed})
    assert page.status_code == 400
    assert named in _text(page)
    assert 'aria-invalid="true"' in page.text and f'value="{typed}"' in page.text


def test_problem_pages(http: httpx.Client) -> None:
    missing = http.get(f"{PAGE_PATH}/000.00.20.H30-261126-0999")
    assert missing.status_code == 404 and "Không tìm thấy hồ sơ" in _text(missing)
    retired = http.get(f"{PAGE_PATH}/{RETIRED}")
    assert retired.status_code == 410 and RETIRED_MESSAGE in _text(retired)
    down = http.get(f"{PAGE_PATH}/{DOWN}", params={"lang": "en"})
    assert down.status_code == 503 and "cannot be reached" in _text(down)
    stale = http.get(f"{PAGE_PATH}/{STALE}")
    assert stale.status_code == 200
    assert re.search(r"Đây là tình trạng lúc \d\d:\d\d \d\d/\d\d\.", _text(stale))
    assert "Đã có kết quả, mời bạn đến nhận" in _text(stale)


def test_an_office_that_is_down_offers_to_try_again_and_the_hotline(http: httpx.Client) -> None:
    down = http.get(f"{PAGE_PATH}/{DOWN}")
    assert down.status_code == 503
    assert f'<a href="{PAGE_PATH}/{DOWN}">Thử lại ngay</a>' in down.text
    assert "Gọi hỗ trợ: 0293 3878787" in _text(down)
    assert '<a href="tel:02933878787">0293 3878787</a>' in down.text
    english = http.get(f"{PAGE_PATH}/{DOWN}", params={"lang": "en"})
    assert f'<a href="{PAGE_PATH}/{DOWN}?lang=en">Try again now</a>' in english.text
    assert "Call for help: 0293 3878787" in _text(english)


def test_problem_pages_say_what_the_kiosk_says(http: httpx.Client) -> None:
    """The words of a problem are the kiosk's (``dossier.CARD_WORDS``): a citizen who tried at
    the kiosk reads the same on the phone."""
    missing = "000.00.20.H30-261126-0999"
    expected = {
        f"{PAGE_PATH}/{missing}": [
            card_word("not_found_title"),
            card_word("not_found_body", code=missing),
        ],
        f"{PAGE_PATH}/{RETIRED}?lang=en": [card_word("retired_title", Language.EN)],
        f"{PAGE_PATH}/{DOWN}": [card_word("offline_title")],
        f"{PAGE_PATH}/{KEYED}": [card_word("key_title"), card_word("key_why", code=KEYED)],
        f"{PAGE_PATH}/000.00.20.H30-261399-0001": [card_word("invalid_title")],
    }
    for path, words in expected.items():
        text = _text(http.get(path))
        assert all(phrase in text for phrase in words), (path, words, text)
    wrong = _text(http.post(f"{PAGE_PATH}/{KEYED}", data={"key": "ZZ99"}))
    assert card_word("key_title") in wrong and card_word("key_wrong", code=KEYED) in wrong


def test_not_found_limits_count_per_address_behind_the_trusted_proxy() -> None:
    with (
        page_gateway(anonymous_not_found_limit=2, trusted_proxies=("127.0.0.1",)) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):

        def look_up(sequence: int, address: str) -> httpx.Response:
            path = f"{PAGE_PATH}/000.00.20.H30-{PROCESSING_DATE}-{sequence:04d}"
            return client.get(path, headers={"X-Forwarded-For": address})

        walker, citizen = "203.0.113.7", "198.51.100.20"
        assert [look_up(n, walker).status_code for n in (900, 901)] == [404, 404]
        refused = look_up(902, walker)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert "Tra cứu quá nhiều lần" in _text(refused)
        assert look_up(1, walker).status_code == 429  # walking on tells nothing
        assert look_up(1, citizen).status_code == 200


def test_a_key_mistyped_too_often_is_locked_for_a_while() -> None:
    with (
        page_gateway(key_failure_limit=1) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        wrong = client.post(f"{PAGE_PATH}/{KEYED}", data={"key": "ZZ99"})
        locked = client.post(f"{PAGE_PATH}/{KEYED}", data={"key": KEY})
    assert wrong.status_code == 403
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    text = _text(locked)
    # Said as it is, not under a heading that asks for the key with no field to type it in.
    assert re.search(r"<h1>Tra cứu quá nhiều lần</h1>", locked.text)
    assert "Mã tra cứu của hồ sơ này đã bị nhập sai quá nhiều lần" in text
    assert 'name="key"' not in locked.text


def test_without_a_trusted_proxy_a_forwarded_address_is_not_believed() -> None:
    with (
        page_gateway(anonymous_rate_limit=2) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        statuses = [
            client.get(
                f"{PAGE_PATH}/{PROCESSING}", headers={"X-Forwarded-For": f"198.51.100.{n}"}
            ).status_code
            for n in range(3)
        ]
        posted = client.post(PAGE_PATH, data={"ma": PROCESSING, "key": PROCESSING_KEY})
    assert statuses == [200, 200, 429]  # all of it is 127.0.0.1's, whatever the header says
    assert posted.status_code == 429 and "Tra cứu quá nhiều lần" in _text(posted)


def test_an_oversized_form_is_refused_at_once(http: httpx.Client) -> None:
    answer = http.post(PAGE_PATH, data={"ma": "0" * 10_000})
    assert answer.status_code == 413


@pytest.mark.parametrize(
    "path",
    [
        PAGE_PATH,
        f"{PAGE_PATH}/{PROCESSING}",
        f"{PAGE_PATH}/{READY}?lang=en",
        f"{PAGE_PATH}/{KEYED}",
        f"{PAGE_PATH}/{RETIRED}",
        f"{PAGE_PATH}/{DOWN}",
        f"{PAGE_PATH}/{STALE}",
        f"{PAGE_PATH}/000.00.20.H30-261399-0001",
    ],
)
def test_every_page_is_small_private_and_self_contained(http: httpx.Client, path: str) -> None:
    page = http.get(path)
    assert len(page.content) < PAGE_BUDGET, f"{path}: {len(page.content)} bytes"
    css = re.search(r"<style>(.*?)</style>", page.text, re.DOTALL)
    assert css is not None and len(css.group(1).encode()) < CSS_BUDGET
    assert "set-cookie" not in page.headers
    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "<script" not in page.text and "http://" not in page.text.replace(
        "http://www.w3.org/2000/svg", ""
    )
    assert page.text.count("<style>") == 1 and '<link rel="stylesheet"' not in page.text


NEWER_CSS = {
    "var(": "custom properties",
    "grid": "grid layout",
    "gap:": "flex gaps",
    "clamp(": "clamp()",
    "min(": "min()",
    "max(": "max()",
    ":is(": ":is()",
    ":where(": ":where()",
    ":has(": ":has()",
    "inset": "inset",
    "aspect-ratio": "aspect-ratio",
}
"""What KaiOS 2.5 (Gecko 48) or Opera Mini lacks, which the page must not need."""


def test_the_stylesheet_uses_only_what_feature_phones_have() -> None:
    css = (Path(gateway.web.__file__).parent / "page.css").read_text(encoding="utf-8")
    assert not [name for token, name in NEWER_CSS.items() if token in css]
    # overflow-wrap:anywhere (Gecko 65, Chrome 80) only after word-wrap, which all browsers know
    for rule in re.findall(r"[^{}]+\{[^}]*overflow-wrap:anywhere[^}]*\}", css):
        assert "word-wrap:break-word;overflow-wrap:anywhere" in rule, rule


def test_the_next_step_names_the_offices_own_facts() -> None:
    config = parse_config({"guidance": {"hotline": "0293 3878787", "pay_at": "quầy 2"}})
    supplement = next(
        record.dossier
        for record in RECORDS.values()
        if record.dossier.status == "supplement_required"
    )
    with Gateway.from_config(config, demo=True).server(port=0).start() as server:
        page = httpx.get(f"{server.url}{PAGE_PATH}/{supplement.code}", timeout=30)
    text = _text(page)
    assert "Bạn cần bổ sung hồ sơ" in text and "Hỗ trợ: 0293 3878787." in text
