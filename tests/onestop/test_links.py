import pytest

from onestop.config import Config, ConfigError, parse_config
from onestop.links import LOOKUP_PAGE_PATH, follow_url, lookup_page, portal_link, public_lookup_page

CODE = "000.00.20.H30-240115-0001"


def test_the_gateway_page_at_its_public_address_by_default() -> None:
    config = parse_config({"gateway": {"public_url": "https://tracuu.cantho.gov.vn/"}})
    assert lookup_page(config) == "https://tracuu.cantho.gov.vn/tra-cuu"
    assert follow_url(config, CODE) == f"https://tracuu.cantho.gov.vn/tra-cuu/{CODE}"
    assert LOOKUP_PAGE_PATH == "/tra-cuu"


def test_a_unit_without_a_public_address_uses_its_gateway() -> None:
    config = parse_config({"backend": {"url": "https://status.example.gov.vn"}})
    assert follow_url(config, CODE) == f"https://status.example.gov.vn/tra-cuu/{CODE}"
    assert lookup_page(Config()) == "http://127.0.0.1:8080/tra-cuu"


def test_a_province_portal_takes_the_code_in_its_query() -> None:
    config = parse_config(
        {
            "gateway": {"public_url": "https://gw.example"},
            "kiosk": {"lookup_url": "https://dvc.vn/tra-cuu?x=1"},
        }
    )
    assert lookup_page(config) == "https://dvc.vn/tra-cuu?x=1"
    assert follow_url(config, CODE) == f"https://dvc.vn/tra-cuu?x=1&mahs={CODE}"
    assert portal_link("https://dvc.vn/tc", "H30.20-241203-0158") == (
        "https://dvc.vn/tc?mahs=H30.20-241203-0158"
    )


def test_codes_are_quoted_in_the_path() -> None:
    assert follow_url(Config(), "D-AB12/34 5").endswith("/tra-cuu/D-AB12%2F34%205")


def test_an_empty_lookup_url_means_the_gateway_and_a_wrong_one_is_named() -> None:
    assert parse_config({"kiosk": {"lookup_url": ""}}).kiosk.lookup_url == ""
    with pytest.raises(ConfigError, match="lookup_url"):
        parse_config({"kiosk": {"lookup_url": "dvc.vn/tra-cuu"}})
    # A public address without its scheme would make QR codes that phones read as mere text.
    with pytest.raises(ConfigError, match="public_url"):
        parse_config({"gateway": {"public_url": "tracuu.cantho.gov.vn"}})


@pytest.mark.parametrize(
    ("backend", "offered"),
    [
        ("http://127.0.0.1:8080", ""),  # the demo default: this machine only
        ("http://localhost:8080", ""),
        ("http://[::1]:8080", ""),
        ("http://192.168.1.10:8080", ""),  # the office's network: not a phone on mobile data
        ("http://10.20.0.5", ""),
        ("https://status.example.gov.vn", "https://status.example.gov.vn/tra-cuu"),
        ("https://203.113.0.9", "https://203.113.0.9/tra-cuu"),
    ],
)
def test_only_a_page_phones_can_open_is_offered_to_citizens(backend: str, offered: str) -> None:
    assert public_lookup_page(parse_config({"backend": {"url": backend}})) == offered
    with_public = parse_config(
        {"backend": {"url": backend}, "gateway": {"public_url": "https://tracuu.cantho.gov.vn"}}
    )
    assert public_lookup_page(with_public) == "https://tracuu.cantho.gov.vn/tra-cuu"
    portal = parse_config({"backend": {"url": backend}, "kiosk": {"lookup_url": "https://dvc.vn"}})
    assert public_lookup_page(portal) == "https://dvc.vn"
