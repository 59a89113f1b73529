"""Fixtures shared by the integration tests, the way core tests OAuth2 integrations."""

from collections.abc import Generator
from datetime import datetime, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.coordinator import DexcomCoordinator
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
    NOW,
    REFRESH_TOKEN,
    SANDBOX_URL,
    SECRETS,
    USER_ID,
    Advance,
    EgvsServer,
    SetupIntegration,
    async_advance,
    coordinator_of,
    mock_api,
    series,
    serve_api,
)

# The harness logs every SQL statement at INFO. The recorder's thread also logs
# between pytest's captures, which floods the terminal; warnings still show.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Load the integration from custom_components.

    Where a module uses `recorder_mock`, the recorder starts first, as it must.
    """
    if "recorder_mock" in request.fixturenames:
        request.getfixturevalue("recorder_mock")
    request.getfixturevalue("enable_custom_integrations")


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
    """Let the stored token expire two hours after NOW, whatever the wall clock."""
    return datetime.fromisoformat(NOW).timestamp() + 7200


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
def api_server(readings: list[dict[str, Any]]) -> EgvsServer:
    """Dexcom's egvs for the account, served by the asked window, from `readings`."""
    return EgvsServer(readings)


@pytest.fixture
def api_payloads(
    aioclient_mock: AiohttpClientMocker, readings: list[dict[str, Any]]
) -> None:
    """Answer the data endpoints with fixed payloads, whatever window is asked."""
    mock_api(aioclient_mock, readings)


@pytest.fixture
def setup_integration(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_credentials: None,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    api_server: EgvsServer,
) -> SetupIntegration:
    """Return how to set up an account at NOW, once a test has mocked what it needs.

    Like core's `setup_integration`: tests adjust the mocks, then call it.
    What a test mocked answers first; `api_server` answers the rest. The setup
    must load the entry unless the test says `loaded=False`.
    """
    freezer.move_to(NOW)

    served = False

    async def setup(
        entry: MockConfigEntry = config_entry,
        *,
        loaded: bool = True,
        wait_background_tasks: bool = False,
    ) -> MockConfigEntry:
        nonlocal served
        if not served:
            serve_api(aioclient_mock, api_server)
            served = True
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id) is loaded
        await hass.async_block_till_done(wait_background_tasks=wait_background_tasks)
        return entry

    return setup


@pytest.fixture
async def init_integration(setup_integration: SetupIntegration) -> MockConfigEntry:
    """Set up the account, for tests that need no mock changed before."""
    return await setup_integration()


@pytest.fixture
def coordinator(init_integration: MockConfigEntry) -> DexcomCoordinator:
    """Return the set-up account's coordinator."""
    return coordinator_of(init_integration)


@pytest.fixture
def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> Advance:
    """Return how to let time pass and run what became due."""

    async def advance(delta: timedelta) -> None:
        await async_advance(hass, freezer, delta)

    return advance


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
