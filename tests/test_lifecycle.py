"""What the user is shown across failures, reloads, re-links and device changes.

Every test drives Home Assistant's real coordinator and config-entry lifecycle.
"""

from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.coordinator import DexcomCoordinator
from custom_components.dexcom_oauth.repairs import async_create_fix_flow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.storage import Store

from .common import (
    DEVICES_URL,
    EGVS_URL,
    START,
    TOKEN_URL,
    USER_ID,
    Advance,
    EgvsServer,
    async_advance,
    devices_payload,
    egv,
    reauth_flows,
    refuse_refresh_token,
    requests_to,
    state_of,
    token_payload,
)

VALUE = "sensor.dexcom_glucose_value"
READING_TIME = "sensor.dexcom_reading_time"
DATA_DELAY = "sensor.dexcom_data_delay"
API_STATUS = "binary_sensor.dexcom_api_status"


@pytest.fixture
def token_expiry() -> float:
    """Keep the stored token valid for a day of simulated time."""
    return START.timestamp() + 86400


async def advance_to(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, when: datetime
) -> None:
    """Let time pass minute by minute up to `when`, running what became due."""
    while (now := datetime.now(START.tzinfo)) < when:
        await async_advance(hass, freezer, min(timedelta(minutes=1), when - now))


@pytest.mark.usefixtures("init_integration")
async def test_reload_during_a_gap_never_shows_an_old_reading_as_current(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
) -> None:
    """Readings stopped at 17:00: stale at 18:45, and still stale after a reload."""
    delay = state_of(hass, DATA_DELAY)
    await advance_to(hass, freezer, START + timedelta(minutes=45))
    assert state_of(hass, VALUE) == STATE_UNAVAILABLE

    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, VALUE) == STATE_UNAVAILABLE
    assert state_of(hass, DATA_DELAY) == delay
    assert state_of(hass, READING_TIME) == (START - timedelta(hours=1)).isoformat()

    # A restart of Home Assistant is an unload and a setup with a new coordinator.
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, VALUE) == STATE_UNAVAILABLE
    assert state_of(hass, DATA_DELAY) == delay


@pytest.mark.usefixtures("init_integration")
async def test_reading_turns_stale_during_an_outage(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    api_server: EgvsServer,
    advance: Advance,
) -> None:
    """No successful poll is needed to stop showing an old reading as current."""
    api_server.fail(times=1000, status=HTTPStatus.SERVICE_UNAVAILABLE)
    await advance(timedelta(minutes=10))
    assert state_of(hass, API_STATUS) == "on"
    assert state_of(hass, VALUE) == "132"

    await advance_to(hass, freezer, START + timedelta(minutes=40))
    assert state_of(hass, VALUE) == STATE_UNAVAILABLE
    assert state_of(hass, READING_TIME) != STATE_UNAVAILABLE
    assert state_of(hass, DATA_DELAY) != STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
async def test_aborted_relink_keeps_the_notice_and_checks_again(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    aioclient_mock: AiohttpClientMocker,
    advance: Advance,
) -> None:
    """A re-link that is aborted leaves a repair; checks go on every 30 minutes."""
    refuse_refresh_token(aioclient_mock, api_server)
    api_server.fail(times=1, status=HTTPStatus.UNAUTHORIZED)
    await advance(timedelta(minutes=5))

    issue_id = f"reauth_{config_entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Dexcom"}
    [flow] = reauth_flows(hass, config_entry)
    # The user logs in as someone else (or closes the dialog): the flow ends.
    hass.config_entries.flow.async_abort(flow["flow_id"])
    await hass.async_block_till_done()
    assert reauth_flows(hass, config_entry) == []
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    asked = len(requests_to(aioclient_mock, TOKEN_URL))
    await advance(timedelta(minutes=29))
    assert len(requests_to(aioclient_mock, TOKEN_URL)) == asked
    await advance(timedelta(minutes=2))
    assert len(requests_to(aioclient_mock, TOKEN_URL)) == asked + 1
    # The check failed again, so the re-link notice is back.
    assert len(reauth_flows(hass, config_entry)) == 1

    # Dexcom accepts the login again: everything clears at the next check.
    aioclient_mock.clear_requests()
    aioclient_mock.post(TOKEN_URL, json=token_payload())
    aioclient_mock.get(EGVS_URL, side_effect=api_server)
    aioclient_mock.get(DEVICES_URL, json=devices_payload())
    await advance(timedelta(minutes=31))
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert state_of(hass, API_STATUS) == "off"
    assert config_entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("init_integration")
async def test_repair_fix_opens_the_relink(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """Fixing the repair starts a re-authentication flow for that entry."""
    flow = await async_create_fix_flow(
        hass, f"reauth_{config_entry.entry_id}", {"entry_id": config_entry.entry_id}
    )
    flow.hass = hass
    flow.handler = DOMAIN
    flow.issue_id = f"reauth_{config_entry.entry_id}"
    result = await flow.async_step_init()
    assert result["type"] is FlowResultType.FORM
    assert reauth_flows(hass, config_entry) == []
    result = await flow.async_step_confirm({})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert len(reauth_flows(hass, config_entry)) == 1


@pytest.mark.usefixtures("init_integration")
async def test_device_model_follows_a_sensor_change(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    api_server: EgvsServer,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Linked as G7, later the device list says G6: the device shows G6."""
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, USER_ID), config_entry.entry_id
    )
    assert device is not None
    assert device.model == "G7"
    aioclient_mock.clear_requests()
    aioclient_mock.post(TOKEN_URL, json=token_payload())
    aioclient_mock.get(EGVS_URL, side_effect=api_server)
    aioclient_mock.get(DEVICES_URL, json=devices_payload("g6"))
    await advance_to(hass, freezer, START + timedelta(hours=12, minutes=10))
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, USER_ID), config_entry.entry_id
    )
    assert device is not None
    assert device.model == "G6"


async def test_learned_state_written_rarely_and_on_unload(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    coordinator: DexcomCoordinator,
    api_server: EgvsServer,
    hass_storage: dict[str, Any],
) -> None:
    """Six hours of on-time readings write the state at most every 15 minutes."""
    writes: list[Any] = []
    original = Store._async_write_data

    async def counting(store: Store[Any], *args: Any) -> None:
        if store.key.startswith(DOMAIN) and store.key.endswith(".schedule"):
            writes.append(datetime.now(START.tzinfo))
        await original(store, *args)

    with patch.object(Store, "_async_write_data", counting):
        for minute in range(5, 6 * 60 + 5, 5):
            api_server.records.append(egv(START - timedelta(hours=1, minutes=-minute)))
            await advance_to(
                hass, freezer, START + timedelta(minutes=minute, seconds=30)
            )
        assert 6 * 4 - 2 <= len(writes) <= 6 * 4 + 4
        gaps = [b - a for a, b in zip(writes, writes[1:], strict=False)]
        assert min(gaps) >= timedelta(minutes=14)

        assert await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()
    key = f"{DOMAIN}.{config_entry.entry_id}.schedule"
    assert hass_storage[key]["data"]["schedule"] == coordinator.schedule.as_dict()
    assert hass_storage[key]["data"]["window"] == coordinator.window.as_dict()


@pytest.mark.usefixtures("init_integration")
async def test_a_retry_after_hold_is_saved_at_once(
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    hass_storage: dict[str, Any],
    advance: Advance,
) -> None:
    """A hold changes when to ask next, so a restart must know it: saved in seconds."""
    key = f"{DOMAIN}.{config_entry.entry_id}.schedule"
    await advance(timedelta(minutes=16))  # the first write
    assert hass_storage[key]["data"]["schedule"]["hold_until"] is None

    api_server.fail(status=HTTPStatus.TOO_MANY_REQUESTS, headers={"Retry-After": "900"})
    await advance(config_entry.runtime_data.update_interval)
    await advance(timedelta(seconds=11))
    assert hass_storage[key]["data"]["schedule"]["hold_until"] is not None
