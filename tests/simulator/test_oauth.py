"""The sandbox login page and the token endpoint."""

import logging

from aiohttp import encode_basic_auth
from aiohttp.test_utils import TestClient
import pytest
from yarl import URL

from dexcom_simulator import USER_NAMES, SimulatedClock, Simulator

from .common import (
    CLIENT,
    EGVS,
    LOGIN,
    REDIRECT,
    START,
    TOKEN,
    get_data,
    login,
    login_params,
    token_request,
    tokens,
)


async def test_login_page_lists_every_sandbox_user(client: TestClient) -> None:
    """The page offers one button per user and a deny button, with stable ids."""
    response = await client.get(LOGIN, params=login_params())
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    for user in USER_NAMES:
        assert f'name="user" value="{user}" id="user-{user}"' in page
    assert 'id="deny"' in page
    assert 'name="state" value="st-123"' in page


async def test_login_redirects_back_with_code_and_state(client: TestClient) -> None:
    """Choosing a user redirects to the registered redirect URI with code and state."""
    form = {**login_params(), "user": "SandboxUser6"}
    response = await client.post(LOGIN, data=form, allow_redirects=False)
    assert response.status == 302
    location = URL(response.headers["Location"])
    assert str(location.with_query(None)) == REDIRECT
    assert location.query["state"] == "st-123"
    assert len(location.query["code"]) > 20


async def test_deny_redirects_with_access_denied(client: TestClient) -> None:
    """Denying access redirects with error=access_denied and the state, no code."""
    form = {**login_params(), "deny": "1"}
    response = await client.post(LOGIN, data=form, allow_redirects=False)
    assert response.status == 302
    location = URL(response.headers["Location"])
    assert location.query["error"] == "access_denied"
    assert location.query["state"] == "st-123"
    assert "code" not in location.query


UNTRUSTED = [
    {"client_id": "someone-else"},
    {"redirect_uri": "http://evil.example/callback"},
    {"redirect_uri": REDIRECT + "/extra"},
]


async def test_untrusted_login_request_gets_an_error_page(client: TestClient) -> None:
    """Unknown client or unregistered redirect URI: 400 page, never a redirect."""
    for changes in UNTRUSTED:
        response = await client.get(
            LOGIN, params=login_params(**changes), allow_redirects=False
        )
        assert response.status == 400, changes
        assert "Location" not in response.headers
        assert 'id="error"' in await response.text()
        posted = await client.post(
            LOGIN,
            data={**login_params(**changes), "user": "SandboxUser1"},
            allow_redirects=False,
        )
        assert posted.status == 400, changes
        assert "Location" not in posted.headers


async def test_wrong_response_type_redirects_with_error(client: TestClient) -> None:
    """A trusted redirect URI gets the OAuth2 error instead of a page."""
    response = await client.get(
        LOGIN, params=login_params(response_type="token"), allow_redirects=False
    )
    assert response.status == 302
    assert (
        URL(response.headers["Location"]).query["error"] == "unsupported_response_type"
    )


async def test_unknown_user_is_rejected(client: TestClient) -> None:
    """Only the seven sandbox users can log in."""
    form = {**login_params(), "user": "SandboxUser8"}
    response = await client.post(LOGIN, data=form, allow_redirects=False)
    assert response.status == 400


async def test_token_response_shape(client: TestClient) -> None:
    """The code grant answers the documented fields plus a Keycloak-style extra."""
    body = await tokens(client)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    assert isinstance(body["access_token"], str)
    assert isinstance(body["refresh_token"], str)
    assert body["access_token"] != body["refresh_token"]
    assert "refresh_expires_in" in body


async def test_code_is_single_use(client: TestClient) -> None:
    """A second exchange of the same code is invalid_grant."""
    code = await login(client)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    assert (await token_request(client, **form))[0] == 200
    status, body = await token_request(client, **form)
    assert status == 400
    assert body["error"] == "invalid_grant"
    assert body["error_description"]


async def test_code_expires_after_ten_minutes(
    client: TestClient, clock: SimulatedClock
) -> None:
    """Codes die 10 minutes after issue by the simulator clock."""
    form = {"grant_type": "authorization_code", "redirect_uri": REDIRECT}
    fresh = await login(client)
    clock.advance(599)
    assert (await token_request(client, code=fresh, **form))[0] == 200
    stale = await login(client)
    clock.advance(600)
    status, body = await token_request(client, code=stale, **form)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_code_needs_the_login_redirect_uri(client: TestClient) -> None:
    """The token request must repeat the redirect URI of the login."""
    code = await login(client)
    status, body = await token_request(
        client,
        grant_type="authorization_code",
        code=code,
        redirect_uri="http://localhost:8123/auth/external/callback",
    )
    assert (status, body["error"]) == (400, "invalid_grant")


BAD_GRANTS = [
    ({"grant_type": "authorization_code"}, "invalid_request"),
    ({"grant_type": "refresh_token"}, "invalid_request"),
    ({"grant_type": "password"}, "unsupported_grant_type"),
    ({}, "invalid_request"),
    ({"grant_type": "authorization_code", "code": "nope"}, "invalid_grant"),
    ({"grant_type": "refresh_token", "refresh_token": "nope"}, "invalid_grant"),
]


async def test_bad_token_requests(client: TestClient) -> None:
    """Malformed grants are 400 with the OAuth2 error code."""
    for form, error in BAD_GRANTS:
        status, body = await token_request(client, **form)
        assert (status, body["error"]) == (400, error), form


WRONG_CLIENTS = [
    {"client_id": "dev-client-id", "client_secret": "wrong"},
    {"client_id": "other", "client_secret": "dev-client-secret"},
    {"client_id": "dev-client-id"},
    {},
]


async def test_wrong_client_is_invalid_client(client: TestClient) -> None:
    """Bad client credentials are 401 invalid_client, whatever the grant."""
    for credentials in WRONG_CLIENTS:
        code = await login(client)
        response = await client.post(
            TOKEN,
            data={
                **credentials,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
            },
        )
        assert response.status == 401, credentials
        assert (await response.json())["error"] == "invalid_client"


async def test_http_basic_client_authentication(client: TestClient) -> None:
    """Client credentials may come as HTTP Basic instead of in the body."""
    code = await login(client)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    good = {"Authorization": encode_basic_auth("dev-client-id", "dev-client-secret")}
    response = await client.post(TOKEN, data=form, headers=good)
    assert response.status == 200
    wrong = {"Authorization": encode_basic_auth("dev-client-id", "x")}
    refused = await client.post(TOKEN, data=form, headers=wrong)
    assert refused.status == 401
    assert "WWW-Authenticate" in refused.headers
    garbled = await client.post(
        TOKEN, data=form, headers={"Authorization": "Basic %%%"}
    )
    assert garbled.status == 401


async def test_refresh_tokens_rotate(client: TestClient) -> None:
    """Each refresh issues a new refresh token; the spent one is invalid_grant."""
    first = await tokens(client)
    status, second = await token_request(
        client, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert status == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    status, body = await token_request(
        client, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert (status, body["error"]) == (400, "invalid_grant")
    status, third = await token_request(
        client, grant_type="refresh_token", refresh_token=second["refresh_token"]
    )
    assert status == 200
    assert (await get_data(client, third["access_token"], "devices"))[0] == 200


async def test_access_token_expires_by_the_simulated_clock(
    client: TestClient, clock: SimulatedClock
) -> None:
    """A token works until token_lifetime passes on the simulator clock, then 401."""
    body = await tokens(client)
    clock.advance(7199)
    assert (await get_data(client, body["access_token"], "devices"))[0] == 200
    clock.advance(1)
    status, error = await get_data(client, body["access_token"], "devices")
    assert status == 401
    assert error["fault"]["detail"]["errorcode"].endswith("access_token_expired")


async def test_revoke_kills_access_and_refresh_tokens(
    client: TestClient, simulator: Simulator
) -> None:
    """After revocation the access token is 401 and the refresh token invalid_grant."""
    victim = await tokens(client, "SandboxUser2")
    bystander = await tokens(client, "SandboxUser3")
    assert simulator.revoke_user("SandboxUser2") == 2
    assert (await get_data(client, victim["access_token"], "devices"))[0] == 401
    status, body = await token_request(
        client, grant_type="refresh_token", refresh_token=victim["refresh_token"]
    )
    assert (status, body["error"]) == (400, "invalid_grant")
    assert (await get_data(client, bystander["access_token"], "devices"))[0] == 200


BAD_AUTHORIZATION = [None, "Bearer", "Bearer not-a-token", "Basic Zm9vOmJhcg=="]


async def test_data_needs_a_valid_bearer_token(client: TestClient) -> None:
    """Missing, empty, unknown or non-Bearer credentials are 401."""
    for header in BAD_AUTHORIZATION:
        headers = {"Authorization": header} if header else {}
        response = await client.get(
            EGVS,
            params={
                "startDate": "2026-11-22T00:00:00",
                "endDate": "2026-11-23T00:00:00",
            },
            headers=headers,
        )
        assert response.status == 401, header


async def test_issue_tokens_in_process(
    client: TestClient, simulator: Simulator
) -> None:
    """Tests and the benchmark can mint tokens without the login page."""
    grant = simulator.issue_tokens("SandboxUser5")
    assert (await get_data(client, grant.access_token, "devices"))[0] == 200
    code = simulator.create_code("SandboxUser5")
    status, _ = await token_request(
        client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    assert status == 200
    with pytest.raises(KeyError):
        simulator.issue_tokens("nobody")


async def test_secrets_never_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Tokens, codes and the client secret stay out of the log."""
    caplog.set_level(logging.DEBUG)
    body = await tokens(client)
    status, refreshed = await token_request(
        client, grant_type="refresh_token", refresh_token=body["refresh_token"]
    )
    assert status == 200
    await token_request(client, grant_type="refresh_token", refresh_token="dead")
    await get_data(client, refreshed["access_token"], "egvs", START, START)
    for secret in (
        body["access_token"],
        body["refresh_token"],
        refreshed["access_token"],
        CLIENT["client_secret"],
    ):
        assert secret not in caplog.text
