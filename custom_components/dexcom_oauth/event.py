"""Event entities: the alerts that fired on the user's phone or receiver.

Each alert record fires once (logs.py de-duplicates by recordId across
restarts), hours after it sounded: its own time is an attribute, and the
logbook lists it.
"""

from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import AlertName, AlertRecord
from .coordinator import DexcomConfigEntry
from .entity import DexcomEntity
from .event_episodes import DexcomEpisodeEvent

PARALLEL_UPDATES = 0

# Event types are Dexcom's alert names in snake case (translation keys must be).
ALERT_EVENT_TYPES: dict[AlertName, str] = {
    AlertName.HIGH: "high",
    AlertName.LOW: "low",
    AlertName.RISE: "rise",
    AlertName.FALL: "fall",
    AlertName.OUT_OF_RANGE: "out_of_range",
    AlertName.URGENT_LOW: "urgent_low",
    AlertName.URGENT_LOW_SOON: "urgent_low_soon",
    AlertName.NO_READINGS: "no_readings",
    AlertName.FIXED_LOW: "fixed_low",
    AlertName.UNKNOWN: "unknown",
}

DEXCOM_ALERT = EventEntityDescription(
    key="dexcom_alert",
    translation_key="dexcom_alert",
    event_types=list(ALERT_EVENT_TYPES.values()),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DexcomConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's alert and glucose episode event entities."""
    async_add_entities(
        [
            DexcomAlertEvent(entry.runtime_data, DEXCOM_ALERT),
            DexcomEpisodeEvent(entry.runtime_data),
        ]
    )


class DexcomAlertEvent(DexcomEntity, EventEntity):
    """Fires once per alert Dexcom reports, with the alert's own time."""

    @override
    async def async_added_to_hass(self) -> None:
        """Listen for new alerts once the entity's first state is written.

        Alerts found before (at setup) then fire as state changes, which the
        logbook lists; a first state would not be listed.
        """
        await super().async_added_to_hass()
        self.async_on_remove(self.hass.loop.call_soon(self._listen).cancel)

    @callback
    def _listen(self) -> None:
        self.async_on_remove(
            self.coordinator.logs.async_add_alert_listener(self._alert_fired)
        )

    @callback
    def _alert_fired(self, alert: AlertRecord) -> None:
        self._trigger_event(
            ALERT_EVENT_TYPES[alert.alert_name],
            {
                "alert_time": alert.system_time.isoformat(),
                "alert_state": alert.alert_state.value,
                "alert_name": alert.alert_name.value,
            },
        )
        self.async_write_ha_state()
