"""Base entity: one service device per linked Dexcom account."""

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import DexcomCoordinator

MODELS = {
    "g4": "G4",
    "g5": "G5",
    "g6": "G6",
    "g6+": "G6+",
    "g6 pro": "G6 Pro",
    "g7": "G7",
    "g715day": "G7 15 Day",
    "dexcompro": "Dexcom Pro",
}


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
        account_id = coordinator.config_entry.unique_id
        self._attr_unique_id = f"{account_id}_{description.key}"
        device = coordinator.data.device
        generation = (device.transmitter_generation or "") if device else ""
        self._attr_device_info = DeviceInfo(
            entry_type=DeviceEntryType.SERVICE,
            identifiers={(DOMAIN, str(account_id))},
            manufacturer="Dexcom",
            model=MODELS.get(generation.lower()),
            name=coordinator.config_entry.title,
        )
