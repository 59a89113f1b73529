"""Application credentials platform: Dexcom developer app client id and secret."""

from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import (
    AUTH_CALLBACK_PATH,
    MY_AUTH_CALLBACK_PATH,
)

from .auth import DexcomImplementation
from .const import DEVELOPER_PORTAL_URL, DOCUMENTATION_URL


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> DexcomImplementation:
    """Return the credential; the config flow binds it to the chosen region."""
    return DexcomImplementation(hass, auth_domain, credential)


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Tell the user where to register an app and which redirect URI to enter."""
    return {
        "developer_portal_url": DEVELOPER_PORTAL_URL,
        "more_info_url": DOCUMENTATION_URL,
        "redirect_uri": MY_AUTH_CALLBACK_PATH,
        "local_redirect_uri": f"<your Home Assistant URL>{AUTH_CALLBACK_PATH}",
    }
