"""Setup, unload, token refresh, failures at setup and re-identified accounts."""

from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any
from unittest.mock import patch

from aiohttp import ClientConnectionError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.sensor_analytics import GLYCEMIC_SENSORS
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ImplementationUnavailableError
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
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
    OTHER_USER_ID,
    READING_SENSOR_KEYS,
    REFRESH_TOKEN,
    TOKEN_URL,
    USER_ID,
    Advance,
    EgvsServer,
    SetupIntegration,
    bearer_tokens,
    egvs_payload,
    in_turn,
    mock_api,
    reauth_flows,
    refuse_refresh_token,
    requests_to,
    token_payload,
)

# Alert levels (3), last events (4), session (2), level binary sensors (3), alert event (1).
SETTINGS_ENTITIES = 13
SENSOR_KEYS = (
    *READING_SENSOR_KEYS,
    "glucose_change",
    *(description.key for description in GLYCEMIC_SENSORS),
)
VALUE_ENTITY = "sensor.dexcom_glucose_value"


@pytest.fixture(autouse=True)
def token_endpoint(aioclient_mock: AiohttpClientMocker) -> None:
    """Answer refreshes with rotated tokens unless a test says otherwise.

    Registered before any test mock, so a test that wants another answer
    clears the mocks first.
    """
    aioclient_mock.post(TOKEN_URL, json=token_payload())


@pytest.mark.usefixtures("api_payloads", "init_integration")
async def test_setup_and_unload(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """The entry loads with its sensors and unloads cleanly."""
    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(VALUE_ENTITY).state == "132"

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(VALUE_ENTITY).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("api_payloads", "init_integration")
async def test_reload(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A reload starts a new coordinator and keeps exactly the same entities."""
    before = {
        e.entity_id
        for e in er.async_entries_for_config_entry(
            entity_registry, config_entry.entry_id
        )
    }
    old_coordinator = config_entry.runtime_data

    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.runtime_data is not old_coordinator
    entries = er.async_entries_for_config_entry(entity_registry, config_entry.entry_id)
    assert {e.entity_id for e in entries} == before
    assert (
        len(entries) == len(SENSOR_KEYS) + 1 + SETTINGS_ENTITIES + 1
    )  # the episode event
    assert (
        len(dr.async_entries_for_config_entry(device_registry, config_entry.entry_id))
        == 1
    )
    assert hass.states.get(VALUE_ENTITY).state == "132"
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


async def test_implementation_unavailable(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
) -> None:
    """When the credential provider is down, setup is retried later."""
    with patch(
        "custom_components.dexcom_oauth.async_get_config_entry_implementation",
        side_effect=ImplementationUnavailableError,
    ):
        entry = await setup_integration(loaded=False)

    assert entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize(
    "failure",
    [
        {"status": HTTPStatus.INTERNAL_SERVER_ERROR},
        {"status": HTTPStatus.SERVICE_UNAVAILABLE},
        {"status": HTTPStatus.TOO_MANY_REQUESTS, "headers": {"Retry-After": "60"}},
        {"exc": TimeoutError()},
        {"exc": ClientConnectionError()},
    ],
    ids=["500", "503", "429", "timeout", "connection_error"],
)
async def test_temporary_failure_retries_setup(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
    failure: dict[str, Any],
    advance: Advance,
) -> None:
    """A failure that may pass retries setup; no entity is created meanwhile."""
    aioclient_mock.get(EGVS_URL, **failure)

    entry = await setup_integration(loaded=False)

    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert hass.states.get(VALUE_ENTITY) is None
    assert not reauth_flows(hass, entry)

    aioclient_mock.clear_requests()
    mock_api(aioclient_mock, readings)
    await advance(timedelta(minutes=2))

    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(VALUE_ENTITY).state == "132"


async def test_rejected_twice_is_retried_not_relinked(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A 401 even after a fresh token is transient: setup is retried, no re-link.

    Only the token endpoint refusing the refresh token means re-link.
    """
    aioclient_mock.get(EGVS_URL, status=HTTPStatus.UNAUTHORIZED)

    entry = await setup_integration(loaded=False)

    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert reauth_flows(hass, entry) == []
    assert len(requests_to(aioclient_mock, TOKEN_URL)) == 1
    assert bearer_tokens(aioclient_mock, EGVS_URL) == [ACCESS_TOKEN, NEW_ACCESS_TOKEN]


@pytest.mark.usefixtures("api_payloads", "init_integration")
@pytest.mark.parametrize("token_expiry", [datetime.fromisoformat(NOW).timestamp() - 60])
async def test_expired_token_refreshed_at_setup(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An expired token is refreshed first; the rotated refresh token is kept."""
    assert config_entry.state is ConfigEntryState.LOADED

    refreshes = requests_to(aioclient_mock, TOKEN_URL)
    assert len(refreshes) == 1
    assert refreshes[0][0] == "POST"
    assert refreshes[0][2] == {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert config_entry.data["token"]["refresh_token"] == NEW_REFRESH_TOKEN
    assert config_entry.data["token"]["access_token"] == NEW_ACCESS_TOKEN
    assert (
        config_entry.data["token"]["expires_at"]
        > datetime.fromisoformat(NOW).timestamp()
    )
    # The second egvs request is the analytics' 14 days.
    assert bearer_tokens(aioclient_mock, EGVS_URL) == [NEW_ACCESS_TOKEN] * 2
    assert bearer_tokens(aioclient_mock, DEVICES_URL) == [NEW_ACCESS_TOKEN]
    for secret in (NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN):
        assert secret not in caplog.text


async def test_rejected_token_refreshed_once(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 401 on an unexpired token refreshes it once; the request then succeeds."""
    aioclient_mock.get(
        EGVS_URL,
        side_effect=in_turn(
            {"status": HTTPStatus.UNAUTHORIZED}, {"json": egvs_payload(readings)}
        ),
    )
    mock_api(aioclient_mock, readings)

    entry = await setup_integration()

    assert entry.state is ConfigEntryState.LOADED
    assert len(requests_to(aioclient_mock, TOKEN_URL)) == 1
    assert bearer_tokens(aioclient_mock, EGVS_URL) == [
        ACCESS_TOKEN,
        NEW_ACCESS_TOKEN,
        NEW_ACCESS_TOKEN,  # the analytics' 14 days
    ]
    assert bearer_tokens(aioclient_mock, DEVICES_URL) == [NEW_ACCESS_TOKEN]
    assert entry.data["token"]["refresh_token"] == NEW_REFRESH_TOKEN
    assert hass.states.get(VALUE_ENTITY).state == "132"
    for secret in (NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN):
        assert secret not in caplog.text


@pytest.mark.usefixtures("init_integration")
async def test_invalid_grant_after_setup(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    aioclient_mock: AiohttpClientMocker,
    advance: Advance,
) -> None:
    """A dead refresh token starts reauth and raises a repair; the reading stays."""
    assert hass.states.get(VALUE_ENTITY).state == "132"
    refuse_refresh_token(
        aioclient_mock, api_server, error_description="Token is not active"
    )
    api_server.fail(times=5, status=HTTPStatus.UNAUTHORIZED)

    await advance(timedelta(minutes=5))

    assert len(requests_to(aioclient_mock, TOKEN_URL)) == 1
    assert len(reauth_flows(hass, config_entry)) == 1
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"reauth_{config_entry.entry_id}")
    api_status = hass.states.get("binary_sensor.dexcom_api_status")
    assert api_status.state == "on"
    assert api_status.attributes["error"] == "reauth_required"
    # The 17:00 reading is still the latest one known, and still current.
    assert hass.states.get(VALUE_ENTITY).state == "132"
    # The rejected refresh token is not thrown away: reauth replaces it.
    assert config_entry.data["token"]["refresh_token"] == REFRESH_TOKEN


@pytest.mark.parametrize("token_expiry", [datetime.fromisoformat(NOW).timestamp() - 60])
async def test_invalid_grant_at_setup(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
) -> None:
    """An expired token that cannot be refreshed fails setup and asks to re-link."""
    aioclient_mock.clear_requests()
    aioclient_mock.post(
        TOKEN_URL, status=HTTPStatus.BAD_REQUEST, json={"error": "invalid_grant"}
    )
    mock_api(aioclient_mock, readings)

    entry = await setup_integration(loaded=False)

    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass, entry)) == 1
    assert not requests_to(aioclient_mock, EGVS_URL)


async def test_token_endpoint_down_retries_setup(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A token endpoint that fails for a while is no reason to re-link."""
    aioclient_mock.clear_requests()
    aioclient_mock.post(TOKEN_URL, status=HTTPStatus.SERVICE_UNAVAILABLE)
    aioclient_mock.get(EGVS_URL, status=HTTPStatus.UNAUTHORIZED)

    entry = await setup_integration(loaded=False)

    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert not reauth_flows(hass, entry)


@pytest.mark.usefixtures("api_payloads", "init_integration")
async def test_new_account_id_moves_registry_ids(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """After a re-link under a new userId, ids move; entity ids and device stay."""
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, USER_ID), config_entry.entry_id
    )
    assert device is not None
    entity_ids = {
        key: entity_registry.async_get_entity_id("sensor", DOMAIN, f"{USER_ID}_{key}")
        for key in SENSOR_KEYS
    }
    assert all(entity_ids.values())

    hass.config_entries.async_update_entry(config_entry, unique_id=OTHER_USER_ID)
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    moved = device_registry.async_get_device_by_identifier(
        (DOMAIN, OTHER_USER_ID), config_entry.entry_id
    )
    assert moved is not None
    assert moved.id == device.id
    assert moved.identifiers == {(DOMAIN, OTHER_USER_ID)}
    assert (
        device_registry.async_get_device_by_identifier(
            (DOMAIN, USER_ID), config_entry.entry_id
        )
        is None
    )
    assert (
        len(dr.async_entries_for_config_entry(device_registry, config_entry.entry_id))
        == 1
    )
    for key, entity_id in entity_ids.items():
        registered = entity_registry.async_get(entity_id)
        assert registered is not None
        assert registered.unique_id == f"{OTHER_USER_ID}_{key}"
        assert registered.device_id == device.id
        assert hass.states.get(entity_id).state != STATE_UNAVAILABLE
    entries = er.async_entries_for_config_entry(entity_registry, config_entry.entry_id)
    assert (
        len(entries) == len(SENSOR_KEYS) + 1 + SETTINGS_ENTITIES + 1
    )  # the episode event


@pytest.mark.usefixtures("api_payloads", "init_integration")
async def test_stale_rejection_does_not_refresh_again(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A 401 for a token that was already replaced uses the new one as it is.

    Two requests can see the same token rejected; only the first refreshes.
    """
    provider = config_entry.runtime_data.client._access_token

    assert await provider("an-access-token-replaced-earlier") == ACCESS_TOKEN
    assert not requests_to(aioclient_mock, TOKEN_URL)

    assert await provider(ACCESS_TOKEN) == NEW_ACCESS_TOKEN
    assert await provider(ACCESS_TOKEN) == NEW_ACCESS_TOKEN
    assert len(requests_to(aioclient_mock, TOKEN_URL)) == 1
    assert config_entry.data["token"]["refresh_token"] == NEW_REFRESH_TOKEN


@pytest.mark.parametrize("token_expiry", [datetime.fromisoformat(NOW).timestamp() - 60])
async def test_custom_server(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    entry_data: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
) -> None:
    """An entry on a development server sends everything, tokens too, there."""
    server = "http://127.0.0.1:8765"
    aioclient_mock.clear_requests()
    aioclient_mock.post(f"{server}/v2/oauth2/token", json=token_payload())
    mock_api(aioclient_mock, readings, base_url=server)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Dexcom",
        unique_id=USER_ID,
        data={**entry_data, "region": "custom", "base_url": f"{server}/"},
    )

    await setup_integration(entry)

    assert entry.state is ConfigEntryState.LOADED
    assert [str(call[1].with_query(None)) for call in aioclient_mock.mock_calls] == [
        f"{server}/v2/oauth2/token",
        f"{server}/v3/users/self/egvs",
        f"{server}/v3/users/self/devices",
        f"{server}/v3/users/self/egvs",  # the analytics' 14 days
        f"{server}/v3/users/self/events",
        f"{server}/v3/users/self/alerts",
    ]
    assert hass.states.get(VALUE_ENTITY).state == "132"
