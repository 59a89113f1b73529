"""Application credentials platform: Dexcom developer app client id and secret."""

from aiohttp import hdrs

from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant
from homeassistant.helpers import http
from homeassistant.helpers.config_entry_oauth2_flow import (
    AUTH_CALLBACK_PATH,
    MY_AUTH_CALLBACK_PATH,
)
from homeassistant.helpers.network import NoURLAvailableError, get_url

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
        "redirect_uri": _redirect_uri(hass),
    }


def _redirect_uri(hass: HomeAssistant) -> str:
    """Return the redirect URI the OAuth2 flow will send from this browser.

    The flow (config_entry_oauth2_flow.async_get_redirect_uri) sends My Home
    Assistant's address when `my` is loaded, and otherwise the address the
    browser shows, from the frontend's HA-Frontend-Base header. The dialog
    asks over the websocket, whose handshake carries that same address as its
    Origin. Without one the instance's own URL is the best guess, and
    without that only the path can be told.
    """
    if "my" in hass.config.components:
        return MY_AUTH_CALLBACK_PATH
    request = http.current_request.get()
    if request is not None and (origin := request.headers.get(hdrs.ORIGIN)):
        return f"{origin}{AUTH_CALLBACK_PATH}"
    try:
        return f"{get_url(hass)}{AUTH_CALLBACK_PATH}"
    except NoURLAvailableError:
        return AUTH_CALLBACK_PATH
