"""Fault injection: errors, latency, hangs, malformed bodies, 429s and bursts."""

from datetime import timedelta
import json
import time

from aiohttp import ClientTimeout
from aiohttp.test_utils import TestClient, TestServer
import pytest

from dexcom_simulator import SimulatedClock, Simulator

from .common import (
    EGVS,
    LOGIN,
    START,
    config,
    get_data,
    login_params,
    token_request,
    tokens,
)
from .conftest import RecordingSleep

WINDOW = (START - timedelta(hours=2), START)


async def egvs_status(
    client: TestClient, access: str
) -> tuple[int, str, dict[str, str]]:
    """GET egvs; return status, raw body and headers."""
    response = await client.get(
        EGVS,
        params={"startDate": "2026-11-23T15:00:00", "endDate": "2026-11-23T18:00:00"},
        headers={"Authorization": f"Bearer {access}"},
    )
    return response.status, await response.text(), dict(response.headers)


async def test_error_rate_one_always_fails(
    client: TestClient, simulator: Simulator
) -> None:
    """A 503 rate of 1 answers every data request 503 with an HTML body."""
    access = (await tokens(client))["access_token"]
    simulator.set_faults(error_rates={503: 1.0}, retry_after=42)
    for _ in range(3):
        status, body, headers = await egvs_status(client, access)
        assert status == 503
        assert headers["Retry-After"] == "42"
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)
    simulator.set_faults(error_rates={500: 1.0})
    status, _, headers = await egvs_status(client, access)
    assert status == 500
    assert "Retry-After" not in headers
    simulator.clear_faults()
    assert (await egvs_status(client, access))[0] == 200


async def test_error_rates_follow_the_seeded_generator(client: TestClient) -> None:
    """Mixed rates produce a mix of statuses, identical for the same seed."""

    async def statuses(seed: int) -> list[int]:
        simulator = Simulator(config(seed=seed), now=SimulatedClock(START))
        grant = simulator.issue_tokens("SandboxUser1")
        simulator.set_faults(error_rates={500: 0.3, 503: 0.2})
        async with TestClient(TestServer(simulator.app, host="127.0.0.1")) as own:
            return [(await egvs_status(own, grant.access_token))[0] for _ in range(40)]

    first = await statuses(1)
    assert first == await statuses(1)
    assert first != await statuses(2)
    assert {200, 500, 503} == set(first)
    assert 8 < first.count(200) < 32


async def test_latency_is_added_to_api_calls(
    client: TestClient, simulator: Simulator, sleep: RecordingSleep
) -> None:
    """A fixed latency sleeps before each data request (token calls too with scope all)."""
    access = (await tokens(client))["access_token"]
    simulator.set_faults(latency=2.5)
    assert (await egvs_status(client, access))[0] == 200
    await tokens(client)
    assert sleep.calls == [2.5]
    simulator.set_faults(scope="all")
    await tokens(client)
    assert sleep.calls == [2.5, 2.5]


async def test_timeout_hangs_until_client_gives_up_and_shutdown_releases(
    socket_enabled: None,
) -> None:
    """A hang outlasts the client timeout; closing the server ends it at once."""
    simulator = Simulator(config(), now=SimulatedClock(START))
    grant = simulator.issue_tokens("SandboxUser1")
    simulator.set_faults(timeout_rate=1.0, hang_seconds=120)
    client = TestClient(TestServer(simulator.app, host="127.0.0.1"))
    await client.start_server()
    try:
        with pytest.raises(TimeoutError):
            await client.get(
                EGVS,
                params={
                    "startDate": "2026-11-23T15:00:00",
                    "endDate": "2026-11-23T18:00:00",
                },
                headers={"Authorization": f"Bearer {grant.access_token}"},
                timeout=ClientTimeout(total=0.2),
            )
        assert simulator.faults.hanging == 1
    finally:
        began = time.monotonic()
        await client.close()
    assert time.monotonic() - began < 5
    assert simulator.faults.hanging == 0


async def test_hang_ends_with_504_after_hang_seconds(
    client: TestClient, simulator: Simulator
) -> None:
    """A hang shorter than the client's patience ends in a gateway timeout."""
    access = (await tokens(client))["access_token"]
    simulator.set_faults(timeout_rate=1.0, hang_seconds=0.01)
    assert (await egvs_status(client, access))[0] == 504


async def test_malformed_bodies_are_200_but_not_json(
    client: TestClient, simulator: Simulator
) -> None:
    """Malformed answers look successful but do not parse, in both flavours."""
    access = (await tokens(client))["access_token"]
    simulator.set_faults(malformed_rate=1.0)
    content_types = set()
    for _ in range(12):
        response = await client.get(
            EGVS,
            params={
                "startDate": "2026-11-23T15:00:00",
                "endDate": "2026-11-23T18:00:00",
            },
            headers={"Authorization": f"Bearer {access}"},
        )
        assert response.status == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(await response.text())
        content_types.add(response.content_type)
    assert content_types == {"application/json", "text/html"}


async def test_rate_limit_answers_429_with_retry_after(
    client: TestClient, simulator: Simulator
) -> None:
    """The 429 share answers with Retry-After and an Apigee-style body."""
    access = (await tokens(client))["access_token"]
    simulator.set_faults(rate_limit_rate=1.0, retry_after=17)
    status, body, headers = await egvs_status(client, access)
    assert status == 429
    assert headers["Retry-After"] == "17"
    assert "fault" in json.loads(body)


async def test_burst_fails_the_next_n_requests(
    client: TestClient, simulator: Simulator
) -> None:
    """A burst answers exactly N data requests, then service resumes."""
    access = (await tokens(client))["access_token"]
    simulator.burst(3, status=503, retry_after=30)
    results = [await egvs_status(client, access) for _ in range(4)]
    assert [r[0] for r in results] == [503, 503, 503, 200]
    assert all(r[2]["Retry-After"] == "30" for r in results[:3])
    assert simulator.faults.burst.remaining == 0


async def test_scope_token_faults_only_the_token_endpoint(
    client: TestClient, simulator: Simulator
) -> None:
    """With scope token, data calls work while token calls fail."""
    grant = simulator.issue_tokens("SandboxUser1")
    simulator.set_faults(error_rates={500: 1.0}, scope="token")
    assert (await egvs_status(client, grant.access_token))[0] == 200
    response = await client.post(
        "/v2/oauth2/token",
        data={
            "client_id": "dev-client-id",
            "client_secret": "dev-client-secret",
            "grant_type": "refresh_token",
            "refresh_token": grant.refresh_token,
        },
    )
    assert response.status == 500
    simulator.clear_faults()
    status, _ = await token_request(
        client, grant_type="refresh_token", refresh_token=grant.refresh_token
    )
    assert status == 200


async def test_login_page_and_admin_are_never_faulted(
    client: TestClient, simulator: Simulator
) -> None:
    """Faults target the API only, so a browser login and tests keep working."""
    simulator.set_faults(error_rates={503: 1.0}, scope="all")
    assert (await client.get(LOGIN, params=login_params())).status == 200
    assert (await client.get("/admin/faults")).status == 200


INVALID_SETTINGS = [
    {"error_rates": {500: 0.7}, "timeout_rate": 0.5},
    {"error_rates": {200: 0.1}},
    {"latency": -1},
    {"scope": "everything"},
    {"colour": "red"},
    {"timeout_rate": "often"},
]


def test_invalid_fault_settings_are_rejected() -> None:
    """Rates must be shares of one request, statuses errors, names known."""
    for changes in INVALID_SETTINGS:
        simulator = Simulator(config())
        with pytest.raises(ValueError):
            simulator.set_faults(**changes)
        assert simulator.faults.settings.error_rates == {}


async def test_data_still_correct_between_faults(
    client: TestClient, simulator: Simulator
) -> None:
    """After a fault the next good answer carries the same data."""
    access = (await tokens(client))["access_token"]
    before = await get_data(client, access, "egvs", *WINDOW)
    simulator.burst(1, status=500)
    assert (await get_data(client, access, "egvs", *WINDOW))[0] == 500
    assert await get_data(client, access, "egvs", *WINDOW) == before
