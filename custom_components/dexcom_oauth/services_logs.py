"""The get_events action: what the user entered (carbs, insulin...) in a range."""

from typing import Final

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)

from .client import EventStatus
from .const import DOMAIN
from .services import GET_READINGS_SCHEMA, entry_and_range, fetch

SERVICE_GET_EVENTS: Final = "get_events"


async def _async_get_events(call: ServiceCall) -> ServiceResponse:
    """Fetch the events between start and end; deleted ones are left out."""
    entry, start, end = entry_and_range(call)
    batch = await fetch(call, entry, entry.runtime_data.client.events(start, end))
    return {
        "events": [
            {
                "time": event.system_time.isoformat(),
                "type": event.event_type.value,
                "sub_type": None if event.sub_type is None else event.sub_type.value,
                "value": event.value,
                "unit": event.unit.value,
                "status": event.status.value,
            }
            for event in batch.records
            # Dexcom's endDate is inclusive; the action promises "before end".
            if start <= event.system_time < end
            and event.status is not EventStatus.DELETED
        ]
    }


@callback
def async_setup_log_services(hass: HomeAssistant) -> None:
    """Register the actions on the user's logs."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_EVENTS,
        _async_get_events,
        schema=GET_READINGS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
