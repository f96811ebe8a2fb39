from collections.abc import Iterator

import pytest

from onestop.demo_api import DemoStatusServer, bundled_records


@pytest.fixture(scope="session")
def demo_api() -> Iterator[DemoStatusServer]:
    """The reference status API on the bundled dossiers, on a free port of 127.0.0.1."""
    with DemoStatusServer(bundled_records(), port=0).start() as server:
        yield server
