"""The options flow: bounds in the account's unit, checked, applied on reload."""

from datetime import timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dexcom_oauth.options_flow import range_bounds
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from tests.common import egv

from .common import END, FIVE

TIR_24H = "sensor.dexcom_time_in_range_24_hours"


def day(unit: str = "mg/dL") -> list[dict[str, Any]]:
    """Return 24 hours of readings, 60 to 200 mg/dL in turn, ending at 17:00."""
    last = END - timedelta(hours=1)
    return [
        egv(last - i * FIVE, (60, 100, 150, 200)[i % 4], unit=unit) for i in range(288)
    ]


@pytest.fixture
def readings() -> list[dict[str, Any]]:
    """Return a full day of readings in mg/dL."""
    return day()


@pytest.mark.usefixtures("init_integration")
async def test_bounds_in_mg_dl_change_the_measures(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """New bounds are checked, saved in mg/dL, and the entry reloads with them."""
    assert hass.states.get(TIR_24H).state == "50.0"
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    defaults = {key.schema: key.default() for key in result["data_schema"].schema}
    assert defaults == {"very_low": 54, "low": 70, "high": 180, "very_high": 250}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"very_low": 54, "low": 70, "high": 50, "very_high": 250},
    )
    assert result["errors"] == {"base": "bounds_order"}
    with pytest.raises(InvalidData):  # below the sensor's range
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {"very_low": 30, "low": 70, "high": 180, "very_high": 250},
        )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"very_low": 54, "low": 70, "high": 140, "very_high": 250},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert config_entry.options == {
        "very_low": 54,
        "low": 70,
        "high": 140,
        "very_high": 250,
    }
    assert range_bounds(config_entry.options).high == 140
    assert hass.states.get(TIR_24H).state == "25.0"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("readings", [day(unit="mmol/L")])
async def test_bounds_in_mmol_l(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """An mmol/L account enters mmol/L; the options keep mg/dL."""
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    defaults = {key.schema: key.default() for key in result["data_schema"].schema}
    assert defaults == {"very_low": 3.0, "low": 3.9, "high": 10.0, "very_high": 13.9}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"very_low": 3.0, "low": 3.9, "high": 7.8, "very_high": 13.9},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {
        "very_low": 54,
        "low": 70,
        "high": 141,
        "very_high": 250,
    }


async def test_options_of_an_entry_not_loaded(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """Before the account's unit is known, the bounds are asked in mg/dL."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    defaults = {key.schema: key.default() for key in result["data_schema"].schema}
    assert defaults["low"] == 70
