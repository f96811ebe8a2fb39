from collections.abc import Iterator

import pytest

from gateway.sims import IGateSim, LGSPSim, OpenCPSSim, SimServer, StatusAPISim


@pytest.fixture(scope="module")
def opencps() -> Iterator[SimServer]:
    """The OpenCPS simulator on a free port of 127.0.0.1, shared by a module's tests."""
    with SimServer(OpenCPSSim()) as server:
        yield server


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def opencps_sim(opencps: SimServer) -> Iterator[OpenCPSSim]:
    """The running OpenCPS simulator's state, restored after the test."""
    sim = opencps.sim
    assert isinstance(sim, OpenCPSSim)
    yield sim
    sim.reset()


@pytest.fixture(scope="module")
def igate() -> Iterator[SimServer]:
    """The VNPT iGate simulator (Keycloak and search) on a free port of 127.0.0.1."""
    with SimServer(IGateSim()) as server:
        yield server


@pytest.fixture
def igate_sim(igate: SimServer) -> Iterator[IGateSim]:
    """The running iGate simulator's state, restored after the test."""
    sim = igate.sim
    assert isinstance(sim, IGateSim)
    yield sim
    sim.reset()


@pytest.fixture(scope="module")
def lgsp() -> Iterator[SimServer]:
    """The LGSP simulator (login and TraCuuHoSo) on a free port of 127.0.0.1."""
    with SimServer(LGSPSim()) as server:
        yield server


@pytest.fixture
def lgsp_sim(lgsp: SimServer) -> Iterator[LGSPSim]:
    """The running LGSP simulator's state, restored after the test."""
    sim = lgsp.sim
    assert isinstance(sim, LGSPSim)
    yield sim
    sim.reset()


@pytest.fixture(scope="module")
def status_api() -> Iterator[SimServer]:
    """Another status API (the contract on the demo dossiers, with a token required)."""
    with SimServer(StatusAPISim(token="t0ken-of-the-other-gateway")) as server:
        yield server


@pytest.fixture
def status_api_sim(status_api: SimServer) -> Iterator[StatusAPISim]:
    sim = status_api.sim
    assert isinstance(sim, StatusAPISim)
    yield sim
    sim.reset()
