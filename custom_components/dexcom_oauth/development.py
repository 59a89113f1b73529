"""Whether this Home Assistant may link to a development server."""

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

DATA_DEVELOPMENT_SERVERS: HassKey[bool] = HassKey(f"{DOMAIN}_development_servers")


def development_servers_allowed(hass: HomeAssistant) -> bool:
    """Return True when configuration.yaml opted in to development servers."""
    return hass.data.get(DATA_DEVELOPMENT_SERVERS, False)
