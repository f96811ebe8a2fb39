from collections.abc import Iterator

import pytest

from onestop.demo_api import DemoStatusServer, bundled_records
from tests.browser_support import Browser, open_browser


@pytest.fixture(scope="session")
def demo_api() -> Iterator[DemoStatusServer]:
    """The reference status API on the bundled dossiers, on a free port of 127.0.0.1."""
    with DemoStatusServer(bundled_records(), port=0).start() as server:
        yield server


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Headless Chromium with a fresh profile, shared by every web page test of the session."""
    with open_browser(tmp_path_factory.mktemp("chromium-profile")) as started:
        yield started
