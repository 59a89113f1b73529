"""Clocks: the simulated clock, and the wall clock under pytest's `freezer`."""

from datetime import UTC, datetime, timedelta, timezone

from aiohttp.test_utils import TestClient, TestServer
from freezegun.api import FrozenDateTimeFactory
import pytest

from dexcom_simulator import SimulatedClock, Simulator

from .common import REDIRECT, START, config, get_data, login, token_request


def test_simulated_clock_moves_only_when_told() -> None:
    """advance() moves forward, set() jumps, times are aware UTC."""
    clock = SimulatedClock(
        datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    )
    assert clock.now() == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    assert clock.advance(90) == datetime(2026, 1, 1, 10, 1, 30, tzinfo=UTC)
    assert clock() == clock.now()
    assert clock.set(START) == START
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))


def test_config_can_ask_for_a_simulated_clock() -> None:
    """clock="simulated" makes the simulator start at `start` and stand still."""
    simulator = Simulator(config(clock="simulated", start=START))
    assert simulator.clock is not None
    assert simulator.now() == START
    simulator.advance_clock(60)
    assert simulator.now() == START + timedelta(minutes=1)


async def test_wall_clock_follows_freezer(
    freezer: FrozenDateTimeFactory, socket_enabled: None
) -> None:
    """With the default clock, expiry and visibility follow a frozen clock."""
    freezer.move_to(START)
    simulator = Simulator(config())
    assert simulator.clock is None
    assert simulator.now() == START
    async with TestClient(TestServer(simulator.app, host="127.0.0.1")) as client:
        code = await login(client)
        freezer.tick(timedelta(minutes=11))
        status, body = await token_request(
            client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
        )
        assert (status, body["error"]) == (400, "invalid_grant")
        access = simulator.issue_tokens("SandboxUser1").access_token
        window = (START - timedelta(hours=3), START + timedelta(hours=3))
        before = (await get_data(client, access, "egvs", *window))[1]["records"]
        freezer.tick(timedelta(hours=1))
        after = (await get_data(client, access, "egvs", *window))[1]["records"]
        assert len(after) >= len(before) + 10
        freezer.tick(timedelta(hours=2))
        assert (await get_data(client, access, "egvs", *window))[0] == 401
