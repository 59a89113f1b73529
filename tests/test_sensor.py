"""Glucose sensors: states, device, trends, out-of-range readings, units, staleness."""

from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion

from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    Platform,
    UnitOfBloodGlucoseConcentration,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType
from homeassistant.util.unit_conversion import BloodGlucoseConcentrationConverter

from .common import (
    NEWEST,
    POLL,
    START,
    USER_ID,
    Advance,
    EgvsServer,
    SetupIntegration,
    egv,
    mock_api,
    series,
    state_of,
)

VALUE = "sensor.dexcom_glucose_value"
TREND = "sensor.dexcom_glucose_trend"
TREND_RATE = "sensor.dexcom_glucose_trend_rate"
RANGE = "sensor.dexcom_glucose_range"
READING_TIME = "sensor.dexcom_reading_time"
DATA_DELAY = "sensor.dexcom_data_delay"
CURRENT_ONLY = (VALUE, TREND, TREND_RATE, RANGE)


def ending_with(newest: dict[str, Any]) -> list[dict[str, Any]]:
    """Return an hour of ordinary readings followed by `newest`."""
    return [*series(NEWEST - POLL, 11), newest]


@pytest.mark.parametrize(
    "platform", [Platform.SENSOR, Platform.BINARY_SENSOR, Platform.EVENT]
)
async def test_entities(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    api_payloads: None,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every entity of the fixture account, as registered and as shown."""
    with patch("custom_components.dexcom_oauth.PLATFORMS", [platform]):
        entry = await setup_integration()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.parametrize(
    ("generation", "model"),
    [("g7", "G7"), ("g6", "G6"), ("G715day", "G7 15 Day"), ("g9", None)],
)
async def test_device(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    generation: str,
    model: str | None,
) -> None:
    """One service device per account, named after the transmitter generation."""
    mock_api(aioclient_mock, readings, generation=generation)
    entry = await setup_integration()

    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert len(devices) == 1
    device = devices[0]
    assert device.identifiers == {(DOMAIN, USER_ID)}
    assert device.manufacturer == "Dexcom"
    assert device.model == model
    assert device.entry_type is DeviceEntryType.SERVICE
    assert device.name == "Dexcom"
    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    assert {entity.device_id for entity in entities} == {device.id}


@pytest.mark.usefixtures("api_payloads", "init_integration")
@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        (ending_with(egv(NEWEST, trend=trend)), state)
        for trend, state in [
            ("doubleUp", "rising_quickly"),
            ("singleUp", "rising"),
            ("fortyFiveUp", "rising_slightly"),
            ("flat", "steady"),
            ("fortyFiveDown", "falling_slightly"),
            ("singleDown", "falling"),
            ("doubleDown", "falling_quickly"),
            ("notComputable", "not_computable"),
            ("rateOutOfRange", "rate_out_of_range"),
            ("none", STATE_UNKNOWN),
            ("unknown", STATE_UNKNOWN),
            ("sideways", STATE_UNKNOWN),
        ]
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
async def test_trend(
    hass: HomeAssistant,
    expected: str,
) -> None:
    """Every trend arrow has its state; anything else is unknown."""
    assert state_of(hass, TREND) == expected


@pytest.mark.usefixtures("api_payloads", "init_integration")
@pytest.mark.parametrize(
    ("readings", "value", "glucose_range"),
    [
        (ending_with(egv(NEWEST, None, status="low")), "40", "low"),
        (ending_with(egv(NEWEST, 40, status="low")), "40", "low"),
        (ending_with(egv(NEWEST, 39, status="low")), "40", "low"),
        (ending_with(egv(NEWEST, 401, status="high")), "400", "high"),
        (ending_with(egv(NEWEST, None, status="high")), "400", "high"),
        (ending_with(egv(NEWEST, 400, status="high")), "400", "high"),
        (ending_with(egv(NEWEST, 40, status="ok")), "40", "in_range"),
        (ending_with(egv(NEWEST, 400, status=None)), "400", "in_range"),
    ],
    ids=[
        "low_null",
        "low_40",
        "low_39",
        "high_401",
        "high_null",
        "high_400",
        "ok_40",
        "no_status_400",
    ],
)
async def test_out_of_range(
    hass: HomeAssistant,
    value: str,
    glucose_range: str,
) -> None:
    """Beyond the sensor's range the value shows the bound; the range says so."""
    assert state_of(hass, VALUE) == value
    assert state_of(hass, RANGE) == glucose_range
    assert state_of(hass, READING_TIME) == NEWEST.isoformat()


@pytest.mark.usefixtures("api_payloads", "init_integration")
@pytest.mark.parametrize(
    "readings",
    [ending_with(egv(NEWEST, value, status="ok")) for value in (38, 401, 0, 1e300)],
    ids=["38", "401", "0", "1e300"],
)
async def test_implausible_value_never_shown(
    hass: HomeAssistant,
) -> None:
    """A value outside the sensor's range is no reading: the one before stays."""
    assert state_of(hass, VALUE) == "130"
    assert state_of(hass, RANGE) == "in_range"
    assert state_of(hass, READING_TIME) == (NEWEST - POLL).isoformat()


@pytest.mark.usefixtures("api_payloads", "init_integration")
@pytest.mark.parametrize(
    "readings", [[*series(NEWEST, 12), egv(NEWEST + POLL, None, status="ok")]]
)
async def test_reading_without_value_not_latest(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """A reading with neither a value nor low/high does not replace the last one."""
    assert len(config_entry.runtime_data.data.readings) == 13
    assert state_of(hass, VALUE) == "132"
    assert state_of(hass, RANGE) == "in_range"
    assert state_of(hass, READING_TIME) == NEWEST.isoformat()
    assert hass.states.get(VALUE).attributes["reading_time"] == NEWEST.isoformat()


@pytest.mark.usefixtures("api_payloads", "init_integration")
@pytest.mark.parametrize(
    "readings",
    [[egv(NEWEST - POLL, 175, unit="mmol/L"), egv(NEWEST, 180, unit="mmol/L")]],
)
async def test_mmol_account(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """An mmol/L account sees mmol/L, converted by Home Assistant from mg/dL."""
    state = hass.states.get(VALUE)
    assert state is not None
    assert (
        state.attributes[ATTR_UNIT_OF_MEASUREMENT]
        == UnitOfBloodGlucoseConcentration.MILLIMOLE_PER_LITER
    )
    expected = BloodGlucoseConcentrationConverter.convert(
        180,
        UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER,
        UnitOfBloodGlucoseConcentration.MILLIMOLE_PER_LITER,
    )
    assert float(state.state) == pytest.approx(expected)
    assert float(state.state) == pytest.approx(10.0, abs=0.05)
    # One decimal, as mmol/L values are read.
    config_entry = entity_registry.async_get(VALUE)
    assert config_entry is not None
    assert config_entry.options["sensor"]["suggested_display_precision"] == 1


@pytest.mark.usefixtures("api_payloads", "init_integration")
async def test_mg_dl_account_stays_mg_dl(
    hass: HomeAssistant,
) -> None:
    """An mg/dL account is not converted."""
    state = hass.states.get(VALUE)
    assert state is not None
    assert state.state == "132"
    assert (
        state.attributes[ATTR_UNIT_OF_MEASUREMENT]
        == UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER
    )


@pytest.mark.usefixtures("init_integration")
async def test_stale_reading_unavailable(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    advance: Advance,
) -> None:
    """Value, trend and range go unavailable once readings are overdue.

    The learned delay is 55 minutes (learning starts at the low end), so the
    17:00 reading is overdue after 18:25; the reading time and the delay
    stay, to show how old the last one is.
    """
    coordinator = config_entry.runtime_data
    await advance(timedelta(minutes=20))
    for entity_id in CURRENT_ONLY:
        assert state_of(hass, entity_id) != STATE_UNAVAILABLE, entity_id

    await advance(POLL + coordinator.schedule.offset - timedelta(minutes=55))
    for entity_id in CURRENT_ONLY:
        assert state_of(hass, entity_id) == STATE_UNAVAILABLE, entity_id
    assert state_of(hass, READING_TIME) == NEWEST.isoformat()
    offset = coordinator.schedule.offset.total_seconds()
    assert state_of(hass, DATA_DELAY) == str(round(offset / 60, 1))

    api_server.records.append(egv(START - timedelta(minutes=20), 150, trend="singleUp"))
    await advance(POLL)

    assert state_of(hass, VALUE) == "150"
    assert state_of(hass, TREND) == "rising"
    assert state_of(hass, TREND_RATE) == "0.1"
    assert state_of(hass, RANGE) == "in_range"
    assert state_of(hass, READING_TIME) == (START - timedelta(minutes=20)).isoformat()


@pytest.mark.usefixtures("api_payloads", "init_integration")
@pytest.mark.parametrize("readings", [[]])
async def test_no_readings(
    hass: HomeAssistant,
) -> None:
    """Without any reading, nothing claims a glucose value or a reading time."""
    for entity_id in (*CURRENT_ONLY, READING_TIME, DATA_DELAY):
        assert state_of(hass, entity_id) == STATE_UNAVAILABLE, entity_id


@pytest.mark.usefixtures("api_payloads", "init_integration")
async def test_reading_time_attribute(
    hass: HomeAssistant,
) -> None:
    """Value and trend carry the time of the reading they show."""
    for entity_id in CURRENT_ONLY:
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.attributes["reading_time"] == NEWEST.isoformat(), entity_id
    for entity_id in (READING_TIME, DATA_DELAY):
        state = hass.states.get(entity_id)
        assert state is not None
        assert "reading_time" not in state.attributes, entity_id
