from pathlib import Path

import pytest

from tests.systemd.staging import unit_root


@pytest.fixture(scope="session")
def units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unit_root(tmp_path_factory.mktemp("units"))
