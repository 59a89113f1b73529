"""The API connection entity: whether Dexcom's API answered the last poll.

Glucose entities follow the reading, not the request, so API trouble needs an
entity of its own for automations and the device page.
"""

from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import DexcomConfigEntry
from .entity import DexcomEntity
from .threshold_binary_sensors import threshold_binary_sensors

PARALLEL_UPDATES = 0

API_PROBLEM = BinarySensorEntityDescription(
    key="api_problem",
    translation_key="api_problem",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DexcomConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account's API problem entity."""
    async_add_entities([DexcomApiProblem(entry.runtime_data, API_PROBLEM)])
    async_add_entities(threshold_binary_sensors(entry.runtime_data))


class DexcomApiProblem(DexcomEntity, BinarySensorEntity):
    """On while Dexcom's API fails; the kind of failure is an attribute."""

    @property
    @override
    def is_on(self) -> bool:
        """Whether the last poll failed."""
        return self.coordinator.problem is not None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """The kind of failure and since when (no error text, so no secret)."""
        problem = self.coordinator.problem
        return {
            "error": None if problem is None else problem.kind,
            "since": None if problem is None else problem.since.isoformat(),
        }
