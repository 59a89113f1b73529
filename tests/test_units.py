"""mmol/L from the start: the account's unit from every source, the rate follows it."""

from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .common import (
    BASE_URL,
    DEVICES_URL,
    EGVS_URL,
    START,
    Advance,
    EgvsServer,
    SetupIntegration,
    data_range_payload,
    devices_payload,
    egv,
    requests_to,
)

VALUE = "sensor.dexcom_glucose_value"
TREND_RATE = "sensor.dexcom_glucose_trend_rate"
DATA_RANGE_URL = f"{BASE_URL}/v3/users/self/dataRange"


def devices_with_unit(unit: str | None) -> dict[str, Any]:
    """Return the device list with the low alert in `unit` (or without a unit)."""
    payload = devices_payload()
    [setting] = payload["records"][0]["alertSchedules"][0]["alertSettings"]
    if unit is None:
        del setting["unit"]
    else:
        setting["unit"] = unit
    return payload


type ServeAccount = Callable[..., None]


@pytest.fixture
def serve_account(aioclient_mock: AiohttpClientMocker) -> ServeAccount:
    """Return how to answer with these records, device list and data range."""

    def serve(
        records: list[dict[str, Any]],
        devices: dict[str, Any],
        data_range: dict[str, Any] | None = None,
    ) -> None:
        aioclient_mock.get(EGVS_URL, side_effect=EgvsServer(records))
        aioclient_mock.get(DEVICES_URL, json=devices)
        aioclient_mock.get(DATA_RANGE_URL, json=data_range or data_range_payload())

    return serve


def unit_of(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's unit."""
    state = hass.states.get(entity_id)
    assert state is not None
    return str(state.attributes[ATTR_UNIT_OF_MEASUREMENT])


async def test_mmol_account_trend_rate_in_mmol(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    serve_account: ServeAccount,
) -> None:
    """Beside a value in mmol/L the rate is in mmol/L/min, not mg/dL/min."""
    newest = START - timedelta(hours=1)
    records = [egv(newest, 180, unit="mmol/L", trend_rate=1.8)]
    serve_account(records, devices_payload())
    await setup_integration()
    assert unit_of(hass, VALUE) == "mmol/L"
    assert unit_of(hass, TREND_RATE) == "mmol/L/min"
    assert float(hass.states.get(TREND_RATE).state) == pytest.approx(0.1, abs=0.001)


async def test_unit_from_alert_settings_without_recent_readings(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    serve_account: ServeAccount,
) -> None:
    """No reading in the last day: the alert settings' unit decides."""
    serve_account([], devices_with_unit("mmol/L"))
    await setup_integration()
    assert hass.states.get(VALUE).state == STATE_UNAVAILABLE
    assert unit_of(hass, VALUE) == "mmol/L"
    assert unit_of(hass, TREND_RATE) == "mmol/L/min"


async def test_unit_from_the_accounts_last_readings(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    serve_account: ServeAccount,
) -> None:
    """No reading in the last day and no unit in the alerts: the last readings tell."""
    last = START - timedelta(days=3)
    data_range = data_range_payload()
    data_range["egvs"]["end"]["systemTime"] = last.strftime("%Y-%m-%dT%H:%M:%S")
    serve_account([egv(last, 110, unit="mmol/L")], devices_with_unit(None), data_range)
    await setup_integration()
    assert unit_of(hass, VALUE) == "mmol/L"


async def test_no_unit_anywhere_is_mg_dl(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    serve_account: ServeAccount,
    aioclient_mock: AiohttpClientMocker,
    advance: Advance,
) -> None:
    """Without any source the native mg/dL is kept."""
    data_range = data_range_payload()
    del data_range["egvs"]
    serve_account([], devices_with_unit(None), data_range)
    await setup_integration()
    assert unit_of(hass, VALUE) == "mg/dL"
    assert unit_of(hass, TREND_RATE) == "mg/dL/min"
    # Asked once: later polls do not look again.
    asked = len(requests_to(aioclient_mock, DATA_RANGE_URL))
    await advance(timedelta(minutes=5))
    assert len(requests_to(aioclient_mock, DATA_RANGE_URL)) == asked == 1


async def test_unit_search_failing_keeps_mg_dl(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A failed look-up of the unit does not fail the setup."""
    aioclient_mock.get(EGVS_URL, side_effect=EgvsServer([]))
    aioclient_mock.get(DEVICES_URL, json=devices_with_unit(None))
    aioclient_mock.get(DATA_RANGE_URL, status=HTTPStatus.SERVICE_UNAVAILABLE)
    await setup_integration()
    assert unit_of(hass, VALUE) == "mg/dL"


@pytest.mark.usefixtures("api_payloads", "init_integration")
async def test_rate_follows_the_unit_the_user_picks(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
) -> None:
    """Switching the value to mmol/L reloads the entry; the rate follows."""
    assert unit_of(hass, TREND_RATE) == "mg/dL/min"
    entity_registry.async_update_entity_options(
        VALUE, "sensor", {"unit_of_measurement": "mmol/L"}
    )
    await hass.async_block_till_done()
    assert unit_of(hass, VALUE) == "mmol/L"
    assert unit_of(hass, TREND_RATE) == "mmol/L/min"
