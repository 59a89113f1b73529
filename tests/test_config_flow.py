"""Config flow: region, OAuth dance, account check, duplicates, reauth, reconfigure."""

from http import HTTPStatus
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.setup import async_setup_component

from .common import (
    ACCESS_TOKEN,
    BASE_URL,
    CLIENT_ID,
    OTHER_USER_ID,
    REFRESH_TOKEN,
    SANDBOX_URL,
    USER_ID,
    data_range_payload,
    mock_api,
)

REDIRECT_URI = "https://example.com/auth/external/callback"

pytestmark = pytest.mark.usefixtures("current_request_with_host")


def token_answer(access_token: str = ACCESS_TOKEN) -> dict[str, Any]:
    """Return what Dexcom's token endpoint answers, extra fields included."""
    return {
        "access_token": access_token,
        "refresh_token": REFRESH_TOKEN,
        "expires_in": 7200,
        "token_type": "Bearer",
        "refresh_expires_in": 0,
    }


async def log_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    result: FlowResult,
    base_url: str = BASE_URL,
    query: str = "code=abcd",
) -> FlowResult:
    """Follow the external step: check the URL, come back through the callback."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT_URI}
    )
    assert result["url"] == (
        f"{base_url}/v2/oauth2/login?response_type=code&client_id={CLIENT_ID}"
        f"&redirect_uri={REDIRECT_URI}&state={state}&scope=offline_access"
    )
    client = await hass_client_no_auth()
    response = await client.get(f"/auth/external/callback?{query}&state={state}")
    assert response.status == HTTPStatus.OK
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def start_flow(
    hass: HomeAssistant, region: str = "us", **context: Any
) -> FlowResult:
    """Open the flow and pick a region."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER, **context}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "region"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"region": region}
    )


def mock_token(
    aioclient_mock: AiohttpClientMocker, base_url: str = BASE_URL, **kwargs: Any
) -> None:
    """Answer the token endpoint of a server."""
    aioclient_mock.post(
        f"{base_url}/v2/oauth2/token", **(kwargs or {"json": token_answer()})
    )


@pytest.mark.usefixtures("setup_credentials")
@pytest.mark.parametrize(
    ("region", "base_url"),
    [
        ("us", BASE_URL),
        ("outside_us", "https://api.dexcom.eu"),
        ("japan", "https://api.dexcom.jp"),
        ("sandbox", SANDBOX_URL),
    ],
)
async def test_full_flow(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    region: str,
    base_url: str,
) -> None:
    """Linking creates an entry for the account, talking to the region's server."""
    mock_token(aioclient_mock, base_url)
    mock_api(aioclient_mock, [], base_url)
    result = await start_flow(hass, region)
    result = await log_in(hass, hass_client_no_auth, result, base_url)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Dexcom"
    assert result["result"].unique_id == USER_ID
    data = result["data"]
    assert data["region"] == region
    assert data["auth_implementation"] == DOMAIN
    assert data["token"]["refresh_token"] == REFRESH_TOKEN
    token_call, check_call = aioclient_mock.mock_calls[:2]
    assert str(token_call[1]) == f"{base_url}/v2/oauth2/token"
    assert token_call[2]["grant_type"] == "authorization_code"
    assert token_call[2]["redirect_uri"] == REDIRECT_URI
    assert str(check_call[1]) == f"{base_url}/v3/users/self/dataRange"
    assert check_call[3]["Authorization"] == f"Bearer {ACCESS_TOKEN}"


@pytest.mark.usefixtures("setup_credentials")
async def test_region_form_hides_custom_server(hass: HomeAssistant) -> None:
    """Ordinary users see the four Dexcom servers only."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    options = result["data_schema"].schema["region"].config["options"]
    assert options == ["us", "outside_us", "japan", "sandbox"]


@pytest.mark.usefixtures("setup_credentials")
async def test_custom_server_when_enabled(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The YAML opt-in offers a validated custom server URL, stored on the entry."""
    server = "http://127.0.0.1:8765"
    assert await async_setup_component(
        hass, DOMAIN, {DOMAIN: {"development_servers": True}}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert "custom" in result["data_schema"].schema["region"].config["options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"region": "custom"}
    )
    assert result["step_id"] == "custom_server"
    for bad in (
        "ftp://127.0.0.1",
        "not a url",
        "http://",
        "http://h/?a=1",
        "http://[::1",
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"base_url": bad}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base_url": "invalid_url"}

    mock_token(aioclient_mock, server)
    mock_api(aioclient_mock, [], server)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"base_url": f" {server}/ "}
    )
    result = await log_in(hass, hass_client_no_auth, result, server)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["region"] == "custom"
    assert result["data"]["base_url"] == server


async def test_no_credentials(hass: HomeAssistant) -> None:
    """Without application credentials the flow explains what is missing."""
    result = await start_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"


@pytest.mark.usefixtures("setup_credentials")
async def test_user_denies_access(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Declining on Dexcom's page aborts with Dexcom-specific words."""
    result = await start_flow(hass)
    result = await log_in(
        hass, hass_client_no_auth, result, query="error=access_denied"
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "access_denied"


@pytest.mark.usefixtures("setup_credentials")
@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (HTTPStatus.BAD_REQUEST, "oauth_unauthorized"),
        (HTTPStatus.INTERNAL_SERVER_ERROR, "oauth_failed"),
    ],
)
async def test_token_exchange_fails(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    status: HTTPStatus,
    reason: str,
) -> None:
    """A failed code exchange aborts and creates nothing."""
    mock_token(aioclient_mock, status=status, json={"error": "invalid_grant"})
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.usefixtures("setup_credentials")
@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"status": HTTPStatus.UNAUTHORIZED}, "invalid_auth"),
        ({"status": HTTPStatus.SERVICE_UNAVAILABLE, "text": "down"}, "cannot_connect"),
        ({"exc": TimeoutError()}, "cannot_connect"),
        ({"text": "<html>not json</html>"}, "cannot_connect"),
        ({"json": {**data_range_payload(), "userId": None}}, "cannot_connect"),
    ],
)
async def test_account_check_fails(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    reason: str,
) -> None:
    """The one API call before creating the entry must succeed."""
    mock_token(aioclient_mock)
    aioclient_mock.get(f"{BASE_URL}/v3/users/self/dataRange", **answer)
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.usefixtures("setup_credentials")
async def test_same_account_twice(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """Linking an account a second time aborts."""
    config_entry.add_to_hass(hass)
    mock_token(aioclient_mock)
    mock_api(aioclient_mock, [])
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("setup_credentials")
async def test_two_accounts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """A second, different account gets its own entry."""
    config_entry.add_to_hass(hass)
    mock_token(aioclient_mock)
    aioclient_mock.get(
        f"{BASE_URL}/v3/users/self/dataRange", json=data_range_payload(OTHER_USER_ID)
    )
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert {e.unique_id for e in hass.config_entries.async_entries(DOMAIN)} == {
        USER_ID,
        OTHER_USER_ID,
    }


async def start_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult:
    """Start reauth and confirm it."""
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    return await hass.config_entries.flow.async_configure(result["flow_id"], {})


@pytest.mark.usefixtures("setup_credentials")
async def test_reauth(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """Re-linking the same account stores the new tokens and keeps the entry."""
    config_entry.add_to_hass(hass)
    mock_token(aioclient_mock, SANDBOX_URL, json=token_answer("new-access"))
    mock_api(aioclient_mock, [], SANDBOX_URL)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, "region": "sandbox"}
    )
    result = await start_reauth(hass, config_entry)
    result = await log_in(hass, hass_client_no_auth, result, SANDBOX_URL)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data["token"]["access_token"] == "new-access"
    assert config_entry.data["region"] == "sandbox"
    assert config_entry.unique_id == USER_ID


@pytest.mark.usefixtures("setup_credentials")
async def test_reauth_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """Logging in as someone else during reauth changes nothing."""
    config_entry.add_to_hass(hass)
    old_token = config_entry.data["token"]
    mock_token(aioclient_mock, json=token_answer("other-access"))
    aioclient_mock.get(
        f"{BASE_URL}/v3/users/self/dataRange", json=data_range_payload(OTHER_USER_ID)
    )
    result = await start_reauth(hass, config_entry)
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert config_entry.data["token"] == old_token


async def start_reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, region: str
) -> FlowResult:
    """Start reconfigure and pick a region."""
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "region"
    assert result["data_schema"]({})["region"] == entry.data["region"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"region": region}
    )


@pytest.mark.usefixtures("setup_credentials")
async def test_reconfigure_same_app(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """Re-linking with the same app and server updates the tokens."""
    config_entry.add_to_hass(hass)
    mock_token(aioclient_mock, json=token_answer("new-access"))
    mock_api(aioclient_mock, [])
    result = await start_reconfigure(hass, config_entry, "us")
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data["token"]["access_token"] == "new-access"


@pytest.mark.usefixtures("setup_credentials")
async def test_reconfigure_same_app_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """With the same app, another userId is another person."""
    config_entry.add_to_hass(hass)
    mock_token(aioclient_mock)
    aioclient_mock.get(
        f"{BASE_URL}/v3/users/self/dataRange", json=data_range_payload(OTHER_USER_ID)
    )
    result = await start_reconfigure(hass, config_entry, "us")
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert config_entry.unique_id == USER_ID


@pytest.mark.usefixtures("setup_credentials")
async def test_reconfigure_new_region(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """Another server yields a new userId for the same person: the entry follows it."""
    config_entry.add_to_hass(hass)
    mock_token(aioclient_mock, SANDBOX_URL)
    aioclient_mock.get(
        f"{SANDBOX_URL}/v3/users/self/dataRange", json=data_range_payload(OTHER_USER_ID)
    )
    result = await start_reconfigure(hass, config_entry, "sandbox")
    result = await log_in(hass, hass_client_no_auth, result, SANDBOX_URL)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.unique_id == OTHER_USER_ID
    assert config_entry.data["region"] == "sandbox"


@pytest.mark.usefixtures("setup_credentials")
async def test_reconfigure_new_region_same_id(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """Another server may also keep the userId; the entry moves to that server."""
    config_entry.add_to_hass(hass)
    mock_token(aioclient_mock, SANDBOX_URL)
    mock_api(aioclient_mock, [], SANDBOX_URL)
    result = await start_reconfigure(hass, config_entry, "sandbox")
    result = await log_in(hass, hass_client_no_auth, result, SANDBOX_URL)
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.unique_id == USER_ID
    assert config_entry.data["region"] == "sandbox"


@pytest.mark.usefixtures("setup_credentials")
async def test_reconfigure_new_region_account_taken(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """A new userId that another entry already has is refused."""
    config_entry.add_to_hass(hass)
    MockConfigEntry(domain=DOMAIN, unique_id=OTHER_USER_ID, data={}).add_to_hass(hass)
    mock_token(aioclient_mock, SANDBOX_URL)
    aioclient_mock.get(
        f"{SANDBOX_URL}/v3/users/self/dataRange", json=data_range_payload(OTHER_USER_ID)
    )
    result = await start_reconfigure(hass, config_entry, "sandbox")
    result = await log_in(hass, hass_client_no_auth, result, SANDBOX_URL)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert config_entry.unique_id == USER_ID
    assert config_entry.data["region"] == "us"

