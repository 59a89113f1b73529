"""The get_readings action: readings of a time range, for scripts and charts."""

from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Final

import probatio

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util

from .client import DexcomAuthError, DexcomError
from .const import DOMAIN
from .coordinator import DexcomConfigEntry
from .readings import TREND_STATES, glucose_range, glucose_value
from .services_analytics import async_setup_analytics_services

SERVICE_GET_READINGS: Final = "get_readings"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
# Dexcom answers at most 30 days per request.
MAX_RANGE: Final = timedelta(days=30)

GET_READINGS_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Required(ATTR_START): cv.datetime,
        probatio.Required(ATTR_END): cv.datetime,
    }
)


def _as_utc(moment: datetime) -> datetime:
    """Read a time without zone in Home Assistant's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(moment)


def entry_and_range(call: ServiceCall) -> tuple[DexcomConfigEntry, datetime, datetime]:
    """Return the call's loaded entry and its checked start and end (UTC)."""
    entry: DexcomConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    start, end = _as_utc(call.data[ATTR_START]), _as_utc(call.data[ATTR_END])
    if end <= start:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="end_not_after_start"
        )
    if end - start > MAX_RANGE:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="range_too_long"
        )
    return entry, start, end


async def fetch[T](
    call: ServiceCall, entry: DexcomConfigEntry, request: Awaitable[T]
) -> T:
    """Await a client request; map its errors to translated action errors."""
    try:
        return await request
    except DexcomAuthError as err:
        entry.async_start_reauth(call.hass)
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="auth_failed"
        ) from err
    except DexcomError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="api_error",
            translation_placeholders={"error": str(err)},
        ) from err


async def _async_get_readings(call: ServiceCall) -> ServiceResponse:
    """Fetch and return the readings taken between start and end."""
    entry, start, end = entry_and_range(call)
    batch = await fetch(call, entry, entry.runtime_data.client.egvs(start, end))
    return {
        "readings": [
            {
                "time": reading.system_time.isoformat(),
                "value": glucose_value(reading),
                "trend": TREND_STATES.get(reading.trend),
                "trend_rate": reading.trend_rate,
                "range": glucose_range(reading),
            }
            for reading in batch.readings
            # Dexcom's endDate is inclusive; the action promises "before end".
            if start <= reading.system_time < end
        ]
    }


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_READINGS,
        _async_get_readings,
        schema=GET_READINGS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    async_setup_analytics_services(hass)
