"""Fixtures: a simulator on a simulated clock, served on 127.0.0.1."""

from collections.abc import AsyncIterator

from aiohttp.test_utils import TestClient, TestServer
import pytest

from dexcom_simulator import SimulatedClock, Simulator, SimulatorConfig

from .common import START, config as make_config


class RecordingSleep:
    """Stands in for asyncio.sleep so latency tests need no real waiting."""

    def __init__(self) -> None:
        """Start with no recorded calls."""
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        """Record the requested delay."""
        self.calls.append(seconds)


@pytest.fixture
def clock() -> SimulatedClock:
    """Provide a simulated clock at a fixed start."""
    return SimulatedClock(START)


@pytest.fixture
def config() -> SimulatorConfig:
    """Default test configuration (tests override by parametrising this fixture)."""
    return make_config()


@pytest.fixture
def sleep() -> RecordingSleep:
    """Provide the sleep the simulator uses for injected latency."""
    return RecordingSleep()


@pytest.fixture
def simulator(
    config: SimulatorConfig, clock: SimulatedClock, sleep: RecordingSleep
) -> Simulator:
    """Provide a simulator driven by the simulated clock."""
    return Simulator(config, now=clock, sleep=sleep)


@pytest.fixture
async def client(
    simulator: Simulator, socket_enabled: None
) -> AsyncIterator[TestClient]:
    """Serve the simulator on 127.0.0.1 and provide a client for it.

    Home Assistant's test plugin blocks sockets; `socket_enabled` lifts that
    while pytest-socket still only allows connections to 127.0.0.1.
    """
    async with TestClient(TestServer(simulator.app, host="127.0.0.1")) as test_client:
        yield test_client
