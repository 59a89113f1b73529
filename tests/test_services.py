"""The get_readings action: validation, output and errors."""

from datetime import datetime
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .common import NOW, EgvsServer, egv, egvs_queries, refuse_refresh_token


async def get_readings(hass: HomeAssistant, entry_id: str, start: str, end: str) -> Any:
    """Call the action and return its response."""
    return await hass.services.async_call(
        DOMAIN,
        "get_readings",
        {"config_entry_id": entry_id, "start": start, "end": end},
        blocking=True,
        return_response=True,
    )


@pytest.mark.usefixtures("init_integration")
async def test_returns_readings_at_their_times(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    aioclient_mock: Any,
) -> None:
    """Readings come back with time, value, trend, rate and range."""
    low = egv(
        datetime.fromisoformat("2026-11-23T17:10:00+00:00"),
        None,
        status="low",
        trend="doubleDown",
        trend_rate=None,
    )
    api_server.records.append(low)
    response = await get_readings(
        hass,
        config_entry.entry_id,
        "2026-11-23T16:58:00+00:00",
        "2026-11-23T17:30:00+00:00",
    )
    assert response == {
        "readings": [
            {
                "time": "2026-11-23T17:00:00+00:00",
                "value": 132,
                "trend": "steady",
                "trend_rate": 0.1,
                "range": "in_range",
            },
            {
                "time": "2026-11-23T17:10:00+00:00",
                "value": 40,
                "trend": "falling_quickly",
                "trend_rate": None,
                "range": "low",
            },
        ]
    }
    assert egvs_queries(aioclient_mock)[-1] == {
        "startDate": "2026-11-23T16:58:00",
        "endDate": "2026-11-23T17:30:00",
    }


@pytest.mark.usefixtures("init_integration")
async def test_low_and_high_show_their_bounds(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
) -> None:
    """LOW 39 and HIGH 401 come back as 40 and 400, as the sensor shows them."""
    api_server.records.append(
        egv(datetime.fromisoformat("2026-11-23T17:05:00+00:00"), 39, status="low")
    )
    api_server.records.append(
        egv(datetime.fromisoformat("2026-11-23T17:10:00+00:00"), 401, status="high")
    )
    response = await get_readings(
        hass,
        config_entry.entry_id,
        "2026-11-23T17:05:00+00:00",
        "2026-11-23T17:15:00+00:00",
    )
    assert [(r["value"], r["range"]) for r in response["readings"]] == [
        (40, "low"),
        (400, "high"),
    ]


@pytest.mark.usefixtures("init_integration")
async def test_reading_at_end_is_excluded(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """Readings are those taken at or after start and before end, whatever Dexcom sends."""
    response = await get_readings(
        hass,
        config_entry.entry_id,
        "2026-11-23T16:55:00+00:00",
        "2026-11-23T17:00:00+00:00",
    )
    assert [r["time"] for r in response["readings"]] == ["2026-11-23T16:55:00+00:00"]


@pytest.mark.usefixtures("init_integration")
async def test_naive_times_are_local(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: Any,
) -> None:
    """A time without zone is read in Home Assistant's time zone."""
    await hass.config.async_set_time_zone("America/Los_Angeles")
    await get_readings(
        hass, config_entry.entry_id, "2026-11-23 08:00:00", "2026-11-23 09:00:00"
    )
    assert egvs_queries(aioclient_mock)[-1] == {
        "startDate": "2026-11-23T16:00:00",
        "endDate": "2026-11-23T17:00:00",
    }


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("start", "end", "key"),
    [
        (
            "2026-11-23T17:00:00+00:00",
            "2026-11-23T17:00:00+00:00",
            "end_not_after_start",
        ),
        (
            "2026-11-23T18:00:00+00:00",
            "2026-11-23T17:00:00+00:00",
            "end_not_after_start",
        ),
        ("2026-10-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00", "range_too_long"),
    ],
)
async def test_validation(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    start: str,
    end: str,
    key: str,
) -> None:
    """Bad ranges are refused with a translated error before any request."""
    with pytest.raises(ServiceValidationError) as err:
        await get_readings(hass, config_entry.entry_id, start, end)
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN


@pytest.mark.usefixtures("init_integration")
async def test_unknown_entry(
    hass: HomeAssistant,
) -> None:
    """An entry id that is not ours is refused."""
    with pytest.raises(ServiceValidationError):
        await get_readings(hass, "nope", "2026-11-23T16:00:00+00:00", NOW)


@pytest.mark.usefixtures("init_integration")
async def test_api_error(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
) -> None:
    """Dexcom failing is a translated error, not a crash."""
    api_server.fail(status=503, text="down")
    with pytest.raises(HomeAssistantError) as err:
        await get_readings(
            hass, config_entry.entry_id, "2026-11-23T16:00:00+00:00", NOW
        )
    assert err.value.translation_key == "api_error"


@pytest.mark.usefixtures("init_integration")
async def test_auth_error_starts_reauth(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: Any,
) -> None:
    """A login Dexcom refuses asks the user to re-link."""
    refuse_refresh_token(aioclient_mock)
    with pytest.raises(HomeAssistantError) as err:
        await get_readings(
            hass, config_entry.entry_id, "2026-11-23T16:00:00+00:00", NOW
        )
    assert err.value.translation_key == "auth_failed"
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
