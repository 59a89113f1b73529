"""Base entity: one service device per linked Dexcom account."""

from typing import override

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import DexcomCoordinator
from .device import device_identifier, model_name


class DexcomEntity(CoordinatorEntity[DexcomCoordinator]):
    """An entity of a Dexcom account, identified by Dexcom's userId."""

    _attr_has_entity_name = True
    _attr_attribution = "Data provided by Dexcom"

    def __init__(
        self, coordinator: DexcomCoordinator, description: EntityDescription
    ) -> None:
        """Attach the entity to the account's device."""
        super().__init__(coordinator)
        self.entity_description = description
        entry = coordinator.config_entry
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            entry_type=DeviceEntryType.SERVICE,
            identifiers={device_identifier(entry)},
            manufacturer="Dexcom",
            model=model_name(coordinator.data.device),
            name=entry.title,
        )

    @property
    @override
    def available(self) -> bool:
        """Available whatever the last request did; subclasses judge their data.

        Dexcom's data is hours old by design, so a failed poll says nothing
        about what an entity shows (CoordinatorEntity would go unavailable on
        any failure). Entities that show the latest reading narrow this to
        the staleness rule.
        """
        return True
