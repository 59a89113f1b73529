"""Helpers shared by the simulator tests: OAuth flows and data requests."""

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient
from yarl import URL

from dexcom_simulator import SimulatorConfig

START = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
REDIRECT = "http://127.0.0.1:8123/auth/external/callback"
CLIENT = {"client_id": "dev-client-id", "client_secret": "dev-client-secret"}
LOGIN = "/v2/oauth2/login"
TOKEN = "/v2/oauth2/token"
EGVS = "/v3/users/self/egvs"


def config(**changes: Any) -> SimulatorConfig:
    """Build a config with test defaults (seed 7, delay 1 h, jitter 60 s)."""
    return SimulatorConfig(**{"seed": 7, **changes})


def fmt(value: datetime) -> str:
    """Format a query time as the API expects."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def login_params(**changes: str) -> dict[str, str]:
    """Query of a valid login request."""
    return {
        "client_id": "dev-client-id",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "offline_access",
        "state": "st-123",
        **changes,
    }


async def login(client: TestClient, user: str = "SandboxUser7", **changes: str) -> str:
    """Submit the login form as `user` and return the code from the redirect."""
    form = {**login_params(**changes), "user": user}
    response = await client.post(LOGIN, data=form, allow_redirects=False)
    assert response.status == 302
    location = URL(response.headers["Location"])
    assert location.query["state"] == form["state"]
    return location.query["code"]


async def token_request(client: TestClient, **form: str) -> tuple[int, dict[str, Any]]:
    """POST the token endpoint with client credentials in the body."""
    response = await client.post(TOKEN, data={**CLIENT, **form})
    return response.status, await response.json()


async def tokens(client: TestClient, user: str = "SandboxUser7") -> dict[str, Any]:
    """Run the whole authorization-code flow and return the token response."""
    code = await login(client, user)
    status, body = await token_request(
        client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert status == 200, body
    return body


async def get_data(
    client: TestClient,
    access_token: str,
    endpoint: str = "egvs",
    start: datetime | None = None,
    end: datetime | None = None,
    **query: str,
) -> tuple[int, Any]:
    """GET a v3 endpoint; returns status and parsed JSON (or text)."""
    params = dict(query)
    if start is not None:
        params["startDate"] = fmt(start)
    if end is not None:
        params["endDate"] = fmt(end)
    response = await client.get(
        f"/v3/users/self/{endpoint}",
        params=params,
        headers={"Authorization": f"Bearer {access_token}"},
    )
    if response.content_type == "application/json":
        return response.status, await response.json()
    return response.status, await response.text()
