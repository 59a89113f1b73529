"""Token refresh through the real config entry: failures, reloads and redirects."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from aiohttp import ClientConnectionError, ServerTimeoutError, web
from aiohttp.test_utils import TestServer
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.dexcom_oauth.auth import DATA_REFRESH_LOCKS, DexcomImplementation
from custom_components.dexcom_oauth.client import (
    DexcomAuthError,
    DexcomConnectionError,
    DexcomUnauthorizedError,
    TokenProvider,
)
from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.components.application_credentials import ClientCredential
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    OAuth2TokenRequestConnectionError,
    OAuth2TokenRequestError,
    OAuth2TokenRequestReauthError,
)

from .common import (
    ACCESS_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    DEVICES_URL,
    EGVS_URL,
    NEW_ACCESS_TOKEN,
    NEW_REFRESH_TOKEN,
    NOW,
    REFRESH_TOKEN,
    SECRETS,
    TOKEN_URL,
    Advance,
    EgvsServer,
    SetupIntegration,
    SideEffect,
    bearer_tokens,
    reauth_flows,
    requests_to,
    token_payload,
)

EXPIRY = datetime.fromisoformat(NOW).timestamp() + 7200
OTHER_HOST_TOKEN_URL = "https://elsewhere.example/v2/oauth2/token"


def provider_of(config_entry: MockConfigEntry) -> TokenProvider:
    """Return the token provider the entry's client uses."""
    provider: TokenProvider = config_entry.runtime_data.client._access_token
    return provider


async def until(condition: Callable[[], bool]) -> None:
    """Let other tasks run until `condition` holds; fail if it never does."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    pytest.fail("condition never met")


@pytest.mark.usefixtures("init_integration")
async def test_401_after_refresh_is_no_relink(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    api_server: EgvsServer,
    advance: Advance,
) -> None:
    """A fresh token rejected again is transient: no reauth, rotated token kept."""
    aioclient_mock.mock_calls.clear()
    api_server.fail(times=2, status=HTTPStatus.UNAUTHORIZED)

    with pytest.raises(DexcomUnauthorizedError):
        await config_entry.runtime_data.client.egvs(
            datetime.fromisoformat(NOW) - timedelta(hours=1),
            datetime.fromisoformat(NOW),
        )
    api_server.fail(times=2, status=HTTPStatus.UNAUTHORIZED)
    await advance(timedelta(minutes=5))

    assert bearer_tokens(aioclient_mock, EGVS_URL)[:4] == [
        ACCESS_TOKEN,
        NEW_ACCESS_TOKEN,
        NEW_ACCESS_TOKEN,
        NEW_ACCESS_TOKEN,
    ]
    # Each 401 on the current token refreshes it once; none asks to re-link.
    assert len(requests_to(aioclient_mock, TOKEN_URL)) == 2
    assert config_entry.data["token"]["refresh_token"] == NEW_REFRESH_TOKEN
    assert not reauth_flows(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    "answer",
    [
        {"exc": TimeoutError()},
        {"exc": ServerTimeoutError("Timeout on reading data")},
        {"exc": ClientConnectionError()},
        {"status": HTTPStatus.INTERNAL_SERVER_ERROR},
        {"status": HTTPStatus.SERVICE_UNAVAILABLE, "text": "<html>down</html>"},
        {"status": HTTPStatus.TOO_MANY_REQUESTS},
        {
            "status": HTTPStatus.TEMPORARY_REDIRECT,
            "headers": {"Location": OTHER_HOST_TOKEN_URL},
            "json": token_payload(),
        },
        {
            "status": HTTPStatus.PERMANENT_REDIRECT,
            "headers": {"Location": OTHER_HOST_TOKEN_URL},
            "json": token_payload(),
        },
        {"text": "<html>maintenance</html>"},
        {"json": [token_payload()]},
        {"json": {"refresh_token": NEW_REFRESH_TOKEN, "expires_in": 7200}},
        {"text": "[" * 1_000_000},
    ],
    ids=[
        "timeout",
        "server_timeout",
        "connection_error",
        "500",
        "503",
        "429",
        "307",
        "308",
        "not_json",
        "not_an_object",
        "no_access_token",
        "too_deep",
    ],
)
async def test_token_endpoint_failures_are_transient(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
) -> None:
    """Whatever else goes wrong with a refresh is the client's connection error.

    Nothing is stored, no reauth starts, and a redirect is never followed.
    """
    aioclient_mock.clear_requests()
    aioclient_mock.post(TOKEN_URL, **answer)
    aioclient_mock.post(OTHER_HOST_TOKEN_URL, json=token_payload())
    before = dict(config_entry.data["token"])

    with pytest.raises(DexcomConnectionError) as caught:
        await provider_of(config_entry)(ACCESS_TOKEN)

    assert not isinstance(caught.value, DexcomAuthError)
    assert caught.value.__cause__ is not None
    assert not [secret for secret in SECRETS if secret in str(caught.value)]
    assert [str(call[1]) for call in aioclient_mock.mock_calls] == [TOKEN_URL]
    # Only marked expired, so that the next call tries again.
    assert config_entry.data["token"] == {**before, "expires_at": 0}
    assert not reauth_flows(hass, config_entry)


@pytest.mark.usefixtures("init_integration")
async def test_any_other_failure_is_transient(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Even an unexpected exception of the refresh reaches the client as its own."""

    async def broken(self: Any, token: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("refresh_token")

    monkeypatch.setattr(DexcomImplementation, "async_refresh_token", broken)

    with pytest.raises(DexcomConnectionError) as caught:
        await provider_of(config_entry)(ACCESS_TOKEN)

    assert str(caught.value) == "token refresh failed (KeyError)"
    assert not reauth_flows(hass, config_entry)


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    "status", [HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN]
)
async def test_refused_refresh_token_needs_relink(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    status: HTTPStatus,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only the token endpoint refusing the refresh token means re-link."""
    aioclient_mock.clear_requests()
    caplog.set_level("DEBUG", "custom_components.dexcom_oauth")
    aioclient_mock.post(
        TOKEN_URL,
        status=status,
        json={"error": "invalid_grant", "error_description": REFRESH_TOKEN},
    )

    with pytest.raises(DexcomAuthError) as caught:
        await provider_of(config_entry)(ACCESS_TOKEN)
    await hass.async_block_till_done()

    assert isinstance(caught.value.__cause__, OAuth2TokenRequestReauthError)
    assert len(reauth_flows(hass, config_entry)) == 1
    assert config_entry.data["token"]["refresh_token"] == REFRESH_TOKEN
    assert f"Token request failed (HTTP {status}): invalid_grant" in caplog.text


async def test_refused_refresh_on_devices_needs_relink(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A 401 on the device list whose refresh is refused fails setup with reauth."""
    aioclient_mock.post(
        TOKEN_URL, status=HTTPStatus.BAD_REQUEST, json={"error": "invalid_grant"}
    )
    aioclient_mock.get(DEVICES_URL, status=HTTPStatus.UNAUTHORIZED)
    entry = await setup_integration(loaded=False)

    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, entry)) == 1
    assert len(requests_to(aioclient_mock, TOKEN_URL)) == 1
    assert entry.data["token"]["refresh_token"] == REFRESH_TOKEN


def single_use_token_endpoint(sent: list[str], release: asyncio.Event) -> SideEffect:
    """Answer like Dexcom: a refresh token works once, after `release` is set."""

    async def answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        refresh_token = data["refresh_token"]
        sent.append(refresh_token)
        if sent.count(refresh_token) > 1:
            return AiohttpClientMockResponse(
                method,
                url,
                status=HTTPStatus.BAD_REQUEST,
                json={"error": "invalid_grant"},
            )
        await release.wait()
        return AiohttpClientMockResponse(method, url, json=token_payload())

    return answer


async def start_refresh(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> tuple[list[str], asyncio.Event]:
    """Load the entry, then let its token expire so that a poll refreshes it.

    Returns the refresh tokens sent and the event that lets the answer come.
    """
    sent: list[str] = []
    release = asyncio.Event()
    aioclient_mock.post(TOKEN_URL, side_effect=single_use_token_endpoint(sent, release))
    await setup_integration()
    assert not sent

    freezer.move_to(datetime.fromtimestamp(EXPIRY + 60, UTC))
    async_fire_time_changed(hass)
    await until(lambda: bool(sent))
    return sent, release


async def test_refresh_in_flight_survives_reload(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A reload during a refresh waits for it and uses the token it stored.

    Before, the unload cancelled the refresh and the reloaded entry sent the
    same single-use refresh token again: 200, then invalid_grant, and reauth.
    """
    sent, release = await start_refresh(
        hass, setup_integration, freezer, aioclient_mock
    )

    reload = hass.async_create_task(
        hass.config_entries.async_reload(config_entry.entry_id)
    )
    await until(
        lambda: (
            config_entry.state
            not in (
                ConfigEntryState.LOADED,
                ConfigEntryState.UNLOAD_IN_PROGRESS,
                ConfigEntryState.NOT_LOADED,
            )
        )
    )
    for _ in range(100):
        await asyncio.sleep(0)
    assert sent == [REFRESH_TOKEN]
    # The reloaded entry's first refresh waits for the one in flight.
    assert config_entry.state is ConfigEntryState.SETUP_IN_PROGRESS
    lock = hass.data[DATA_REFRESH_LOCKS][config_entry.entry_id]
    assert lock.locked()
    assert lock._waiters

    release.set()
    assert await reload
    await hass.async_block_till_done()

    assert sent == [REFRESH_TOKEN]
    assert config_entry.data["token"]["refresh_token"] == NEW_REFRESH_TOKEN
    assert config_entry.data["token"]["access_token"] == NEW_ACCESS_TOKEN
    assert not reauth_flows(hass, config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert bearer_tokens(aioclient_mock, EGVS_URL)[-1] == NEW_ACCESS_TOKEN


async def test_refresh_in_flight_survives_unload(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A refresh token sent before an unload is not lost: its answer is stored."""
    sent, release = await start_refresh(
        hass, setup_integration, freezer, aioclient_mock
    )

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.NOT_LOADED
    release.set()
    await hass.async_block_till_done()

    assert sent == [REFRESH_TOKEN]
    assert config_entry.data["token"]["refresh_token"] == NEW_REFRESH_TOKEN


async def test_cancelled_caller_does_not_cancel_refresh(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A caller that gives up leaves the refresh running; the next one reuses it."""
    sent: list[str] = []
    release = asyncio.Event()
    aioclient_mock.post(TOKEN_URL, side_effect=single_use_token_endpoint(sent, release))
    entry = await setup_integration()
    provider = provider_of(entry)

    first = hass.async_create_task(provider(ACCESS_TOKEN))
    await until(lambda: bool(sent))
    first.cancel()
    second = hass.async_create_task(provider(ACCESS_TOKEN))
    await until(first.done)
    release.set()

    assert await second == NEW_ACCESS_TOKEN
    assert first.cancelled()
    assert sent == [REFRESH_TOKEN]
    assert entry.data["token"]["refresh_token"] == NEW_REFRESH_TOKEN


class Recorder:
    """A loopback HTTP server that records requests and answers each with `reply`."""

    def __init__(self, reply: Callable[[web.Request], web.Response]) -> None:
        """Answer with `reply`."""
        self.seen: list[tuple[str, str]] = []
        self._reply = reply
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Record the method and path, then answer."""
        self.seen.append((request.method, request.path))
        return self._reply(request)


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
async def servers(socket_enabled: None) -> AsyncIterator[tuple[Recorder, Recorder]]:
    """Serve a Dexcom token endpoint and a second, thieving host.

    The token endpoint answers with the `status` its query names: deeply
    nested JSON with `deep`, an HTML page with `html`, else a redirect to
    the thief.
    """
    thief = Recorder(lambda request: web.json_response(token_payload()))

    def reply(request: web.Request) -> web.Response:
        status = int(request.query["status"])
        if "deep" in request.query:
            return web.Response(
                status=status, text=DEEP, content_type="application/json"
            )
        return web.Response(
            status=status, headers={"Location": f"{thief.url}/v2/oauth2/token"}
        )

    dexcom = Recorder(reply)
    started = []
    for recorder in (thief, dexcom):
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", recorder.handle)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        recorder.url = str(server.make_url("")).rstrip("/")
        started.append(server)
    yield dexcom, thief
    for server in started:
        await server.close()


def bound_to(hass: HomeAssistant, server: Recorder, query: str) -> DexcomImplementation:
    """Bind the app's credential to a loopback server, asking for an answer."""
    implementation = DexcomImplementation(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), server.url
    )
    implementation.token_url += f"?{query}"
    return implementation


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_token_request_never_follows_redirects(
    hass: HomeAssistant,
    setup_credentials: None,
    servers: tuple[Recorder, Recorder],
    status: int,
) -> None:
    """A redirect is not followed over real HTTP, for refreshes and code exchanges.

    Following a 307/308 would post the client secret and refresh token to
    the other host.
    """
    dexcom, thief = servers
    implementation = bound_to(hass, dexcom, f"status={status}")

    with pytest.raises(OAuth2TokenRequestConnectionError):
        await implementation.async_refresh_token(
            {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN}
        )
    with pytest.raises(OAuth2TokenRequestConnectionError):
        await implementation.async_resolve_external_data(
            {"code": "a-code", "state": {"redirect_uri": "https://example.com/cb"}}
        )

    assert dexcom.seen == [("POST", "/v2/oauth2/token")] * 2
    assert thief.seen == []


@pytest.mark.parametrize(
    ("query", "error", "logged"),
    [
        ("status=200&deep=1", OAuth2TokenRequestConnectionError, False),
        ("status=400&deep=1", OAuth2TokenRequestReauthError, True),
        ("status=200&html=1", OAuth2TokenRequestError, False),
    ],
)
async def test_unusable_token_answers(
    hass: HomeAssistant,
    setup_credentials: None,
    servers: tuple[Recorder, Recorder],
    query: str,
    error: type[Exception],
    logged: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Real answers that cannot be used fail as Home Assistant's token errors.

    JSON too deep to decode is unusable (or a refusal without a code), and
    an HTML page is neither transient nor a re-link: the generic error.
    """
    caplog.set_level("DEBUG", "custom_components.dexcom_oauth")
    implementation = bound_to(hass, servers[0], query)

    with pytest.raises(error) as caught:
        await implementation.async_refresh_token(
            {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN}
        )

    assert type(caught.value) is error
    assert ("no OAuth2 error body" in caplog.text) is logged
