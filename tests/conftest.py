import datetime as dt
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from dossier import ICT
from gateway.upstreams.demo import DEMO_DAY_VARIABLE
from onestop.demo_api import DemoStatusServer, bundled_records
from tests.browser_support import Browser, open_browser

# Property tests check what a function answers, never how fast: on CI's busy 2-core machine
# Hypothesis's time limits (a 200 ms deadline per example, the "too slow" health check on
# generating inputs) failed tests that were right.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


def pytest_configure(config: pytest.Config) -> None:
    """Date the demo dossiers from the day the run starts, in this process and every program it
    starts: a run across midnight in Vietnam would otherwise see two sets of codes."""
    os.environ.setdefault(DEMO_DAY_VARIABLE, dt.datetime.now(ICT).date().isoformat())


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
