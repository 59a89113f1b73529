"""How a Dexcom account appears in the device registry."""

from homeassistant.config_entries import ConfigEntry

from .client import Device
from .const import DOMAIN

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


def device_identifier(entry: ConfigEntry) -> tuple[str, str]:
    """Identify the account's device by Dexcom's userId (the entry's unique id)."""
    return (DOMAIN, str(entry.unique_id))


def model_name(device: Device | None) -> str | None:
    """Name the model from the transmitter generation, if known."""
    generation = (device.transmitter_generation or "") if device else ""
    return MODELS.get(generation.lower())
