"""The /admin endpoints that tests and scripts/develop use to drive the simulator."""

from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
import pytest

from dexcom_simulator import Simulator

from .common import EGVS, LOGIN, START, config, get_data, login_params, tokens


async def test_faults_roundtrip(client: TestClient, simulator: Simulator) -> None:
    """PUT merges settings, GET shows them, DELETE clears them."""
    response = await client.put(
        "/admin/faults", json={"error_rates": {"503": 0.25}, "latency": 0.5}
    )
    assert response.status == 200
    body = await response.json()
    assert body["error_rates"] == {"503": 0.25}
    assert body["latency"] == 0.5
    await client.put("/admin/faults", json={"retry_after": 9})
    shown = await (await client.get("/admin/faults")).json()
    assert (shown["error_rates"], shown["retry_after"]) == ({"503": 0.25}, 9)
    assert simulator.faults.settings.error_rates == {503: 0.25}
    cleared = await (await client.delete("/admin/faults")).json()
    assert cleared["error_rates"] == {}
    assert cleared["latency"] == 0.0


BAD_UPDATES = [
    {"error_rates": {"503": 2}},
    {"error_rates": {"abc": 0.1}},
    {"error_rates": [503]},
    {"nonsense": 1},
    {"latency": "slow"},
    {"latency": True},
    [1, 2],
]


async def test_bad_fault_updates_are_400(client: TestClient) -> None:
    """Invalid updates are refused and change nothing."""
    for body in BAD_UPDATES:
        response = await client.put("/admin/faults", json=body)
        assert response.status == 400, body
        assert "error" in await response.json()
        assert (await (await client.get("/admin/faults")).json())["error_rates"] == {}


async def test_not_json_is_400(client: TestClient) -> None:
    """A body that is not JSON is a 400 with a JSON error."""
    response = await client.put("/admin/faults", data=b"{nope")
    assert response.status == 400


async def test_burst_endpoint(client: TestClient) -> None:
    """POST /admin/faults/burst arms the next N data requests."""
    access = (await tokens(client))["access_token"]
    response = await client.post(
        "/admin/faults/burst", json={"count": 2, "status": 429, "retry_after": 5}
    )
    assert (await response.json())["burst"] == {
        "remaining": 2,
        "status": 429,
        "retry_after": 5,
    }
    window = (START - timedelta(hours=2), START)
    statuses = [(await get_data(client, access, "egvs", *window))[0] for _ in range(3)]
    assert statuses == [429, 429, 200]
    bad = await client.post("/admin/faults/burst", json={"count": "two"})
    assert bad.status == 400
    worse = await client.post("/admin/faults/burst", json={"count": 1, "status": 200})
    assert worse.status == 400


async def test_revoke_endpoint(client: TestClient) -> None:
    """Revoking through admin kills the user's tokens."""
    body = await tokens(client, "SandboxUser4")
    response = await client.post("/admin/users/SandboxUser4/revoke")
    assert await response.json() == {"user": "SandboxUser4", "revoked_tokens": 2}
    assert (await get_data(client, body["access_token"], "devices"))[0] == 401
    assert (await client.post("/admin/users/Nobody/revoke")).status == 404


async def test_tokens_and_users_endpoints(
    client: TestClient, simulator: Simulator
) -> None:
    """Tokens can be minted for a user; users are listed with their userId."""
    users = await (await client.get("/admin/users")).json()
    assert [u["name"] for u in users] == [f"SandboxUser{n}" for n in range(1, 8)]
    assert users[5]["generation"] == "g6"
    assert users[6]["generation"] == "g7"
    assert users[0]["user_id"] == simulator.user_id("SandboxUser1")
    grant = await (await client.post("/admin/users/SandboxUser2/tokens")).json()
    assert (await get_data(client, grant["access_token"], "devices"))[0] == 200


async def test_clock_endpoints(client: TestClient, simulator: Simulator) -> None:
    """The simulated clock can be read, advanced and set."""
    shown = await (await client.get("/admin/clock")).json()
    assert shown == {"now": "2026-11-23T18:00:00Z", "mode": "simulated"}
    advanced = await client.post("/admin/clock/advance", json={"seconds": 90})
    assert (await advanced.json())["now"] == "2026-11-23T18:01:30Z"
    moved = await client.post(
        "/admin/clock/set", json={"now": "2026-12-01T08:00:00+01:00"}
    )
    assert (await moved.json())["now"] == "2026-12-01T07:00:00Z"
    assert simulator.now() == START + timedelta(days=7, hours=13)
    assert (
        await client.post("/admin/clock/advance", json={"seconds": -5})
    ).status == 400
    assert (await client.post("/admin/clock/set", json={"now": 5})).status == 400
    assert (await client.post("/admin/clock/set", json={"now": "soon"})).status == 400


async def test_clock_endpoints_need_a_simulated_clock(socket_enabled: None) -> None:
    """With the wall clock, reading works and driving it is a 409."""
    simulator = Simulator(config())
    async with TestClient(TestServer(simulator.app, host="127.0.0.1")) as client:
        assert (await (await client.get("/admin/clock")).json())["mode"] == "real"
        response = await client.post("/admin/clock/advance", json={"seconds": 1})
        assert response.status == 409
        response = await client.post(
            "/admin/clock/set", json={"now": "2026-01-01T00:00:00Z"}
        )
        assert response.status == 409
    with pytest.raises(RuntimeError):
        simulator.advance_clock(1)


async def test_stats_count_requests_statuses_and_bytes(
    client: TestClient, simulator: Simulator
) -> None:
    """Stats count per endpoint and status, include faults, exclude admin."""
    access = (await tokens(client))["access_token"]
    window = (START - timedelta(hours=2), START)
    await get_data(client, access, "egvs", *window)
    simulator.burst(1, status=503)
    await get_data(client, access, "egvs", *window)
    await get_data(client, "bogus", "egvs", *window)
    await client.get(LOGIN, params=login_params(client_id="x"))
    stats = await (await client.get("/admin/stats")).json()
    assert stats["requests"][EGVS] == {"200": 1, "401": 1, "503": 1}
    assert stats["requests"]["/v2/oauth2/token"] == {"200": 1}
    assert stats["requests"][LOGIN] == {"302": 1, "400": 1}
    assert stats["response_bytes"][EGVS] > 5000
    assert stats["total_requests"] == 6
    assert not any(key.startswith("/admin") for key in stats["requests"])
    snapshot = simulator.read_stats()
    assert snapshot.count(EGVS) == 3
    assert snapshot.count(EGVS, 503) == 1
    assert snapshot.total_response_bytes == stats["total_response_bytes"]
    reset = await (await client.delete("/admin/stats")).json()
    assert reset["total_requests"] == 0
    assert simulator.read_stats().requests == {}


async def test_stall_endpoints(client: TestClient, simulator: Simulator) -> None:
    """Stalls can be added per user, listed and cleared."""
    start = START - timedelta(hours=3)
    response = await client.post(
        "/admin/stalls",
        json={
            "start": "2026-11-23T15:00:00Z",
            "duration": 14400,
            "user": "SandboxUser7",
        },
    )
    assert await response.json() == {
        "start": "2026-11-23T15:00:00Z",
        "duration": 14400.0,
        "user": "SandboxUser7",
    }
    assert len(await (await client.get("/admin/stalls")).json()) == 1
    window = (start, start + timedelta(minutes=50))
    assert simulator.records("egvs", "SandboxUser7", *window) == []
    assert await (await client.delete("/admin/stalls")).json() == []
    assert len(simulator.records("egvs", "SandboxUser7", *window)) >= 9
    bad = [
        {"start": "2026-11-23T15:00:00Z", "duration": 0},
        {"start": "2026-11-23T15:00:00Z", "duration": 600, "user": "Nobody"},
        {"start": "yesterday", "duration": 600},
        {"duration": 600},
    ]
    for body in bad:
        assert (await client.post("/admin/stalls", json=body)).status in (400, 404)
