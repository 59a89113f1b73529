"""Fixtures shared by the integration tests, the way core tests OAuth2 integrations."""

from collections.abc import Generator
from datetime import datetime
import time
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from .common import (
    ACCESS_TOKEN,
    BASE_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    SANDBOX_URL,
    SECRETS,
    USER_ID,
    EgvsServer,
    mock_api,
    mock_api_server,
    series,
)

NOW = "2026-11-23T18:00:00+00:00"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load the integration from custom_components."""


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Generator[None]:
    """Fail any test whose log output contains a token, secret or account id."""
    yield
    for record in caplog.get_records("call") + caplog.get_records("setup"):
        if record.name.startswith("pytest_homeassistant_custom_component"):
            continue  # the test harness's own storage mock dumps what it saves
        text = record.getMessage() + str(record.exc_info or "")
        if record.exc_info:
            text += "".join(str(a) for a in record.exc_info[1].args)
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, f"secret in log line: {record.getMessage()!r}"


@pytest.fixture
def alerts_server() -> EgvsServer:
    """Serve the account's alerts by the asked window; none unless a test adds."""
    return EgvsServer([])


@pytest.fixture
def events_server() -> EgvsServer:
    """Serve the account's events by the asked window; none unless a test adds."""
    return EgvsServer([])


@pytest.fixture(autouse=True)
def serve_logs(
    request: pytest.FixtureRequest,
    alerts_server: EgvsServer,
    events_server: EgvsServer,
) -> None:
    """Answer alerts and events wherever Dexcom's API is mocked."""
    if "aioclient_mock" not in request.fixturenames:
        return
    aioclient_mock: AiohttpClientMocker = request.getfixturevalue("aioclient_mock")
    for base_url in (BASE_URL, SANDBOX_URL):
        aioclient_mock.get(
            f"{base_url}/v3/users/self/alerts", side_effect=alerts_server
        )
        aioclient_mock.get(
            f"{base_url}/v3/users/self/events", side_effect=events_server
        )


@pytest.fixture
async def setup_credentials(hass: HomeAssistant) -> None:
    """Import the Dexcom app's client credentials."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


@pytest.fixture
def token_expiry() -> float:
    """When the stored access token expires."""
    return time.time() + 7200


@pytest.fixture
def entry_data(token_expiry: float) -> dict[str, Any]:
    """Config entry data as the config flow stores it."""
    return {
        "auth_implementation": DOMAIN,
        "region": "us",
        "token": {
            "access_token": ACCESS_TOKEN,
            "refresh_token": REFRESH_TOKEN,
            "token_type": "Bearer",
            "expires_in": 7200,
            "expires_at": token_expiry,
        },
    }


@pytest.fixture
def config_entry(entry_data: dict[str, Any]) -> MockConfigEntry:
    """Return a linked Dexcom account."""
    return MockConfigEntry(
        domain=DOMAIN, title="Dexcom", unique_id=USER_ID, data=entry_data
    )


@pytest.fixture
def readings() -> list[dict[str, Any]]:
    """Twelve readings, the newest taken an hour before NOW (a US-style delay)."""
    return series(datetime.fromisoformat("2026-11-23T17:00:00+00:00"), 12)


@pytest.fixture
async def setup_integration(
    hass: HomeAssistant,
    freezer: Any,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
) -> MockConfigEntry:
    """Set up one account whose API answers `readings`, at NOW."""
    freezer.move_to(NOW)
    mock_api(aioclient_mock, readings)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
def api_server(
    aioclient_mock: AiohttpClientMocker, readings: list[dict[str, Any]]
) -> EgvsServer:
    """Answer the data endpoints; egvs by the asked window, from `readings`."""
    return mock_api_server(aioclient_mock, readings)


@pytest.fixture
async def setup_with_server(
    hass: HomeAssistant,
    freezer: Any,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
) -> MockConfigEntry:
    """Set up one account served by `api_server`, at NOW."""
    freezer.move_to(NOW)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Serialize like Home Assistant core, into tests/snapshots/.

    Syrupy's own fixture otherwise wins over the plugin's, storing volatile
    ids in __snapshots__/. The entity registry's compat_name (since 2026.11: a
    name a user set before it, so None for every entity here) is left out, so
    that one snapshot holds for every supported Home Assistant.
    """
    return snapshot.with_defaults(
        extension_class=HomeAssistantSnapshotExtension, exclude=props("compat_name")
    )
