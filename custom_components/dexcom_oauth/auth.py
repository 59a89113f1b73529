"""OAuth2 pieces that bind Home Assistant's machinery to a Dexcom server.

Dexcom runs one server per region and issues credentials per server, so an
application credential only becomes usable once it is bound to the server
the user picked; Home Assistant's flow and session do everything else.
"""

from collections.abc import Mapping
from typing import Any, cast, override

from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, OAuth2TokenRequestReauthError
from homeassistant.helpers.config_entry_oauth2_flow import OAuth2Session

from .client import DexcomAuthError, DexcomConnectionError
from .const import (
    AUTHORIZE_PATH,
    CONF_BASE_URL,
    CONF_REGION,
    OAUTH_SCOPE,
    REGION_BASE_URLS,
    TOKEN_PATH,
    Region,
)


def base_url_for(data: Mapping[str, Any]) -> str:
    """Return the Dexcom server a config entry (or flow) talks to."""
    region = Region(data[CONF_REGION])
    if region is Region.CUSTOM:
        return cast("str", data[CONF_BASE_URL]).rstrip("/")
    return REGION_BASE_URLS[region]


class DexcomImplementation(AuthImplementation):
    """An application credential, bound to one Dexcom server."""

    def __init__(
        self,
        hass: HomeAssistant,
        auth_domain: str,
        credential: ClientCredential,
        base_url: str = REGION_BASE_URLS[Region.US],
    ) -> None:
        """Bind the credential to the server at base_url."""
        super().__init__(
            hass,
            auth_domain,
            credential,
            AuthorizationServer(
                authorize_url=f"{base_url}{AUTHORIZE_PATH}",
                token_url=f"{base_url}{TOKEN_PATH}",
            ),
        )
        self.credential = credential
        self.base_url = base_url

    def bound_to(self, base_url: str) -> DexcomImplementation:
        """Return the same credential bound to another Dexcom server."""
        return DexcomImplementation(self.hass, self.domain, self.credential, base_url)

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask for a refresh token."""
        return {"scope": OAUTH_SCOPE}


class EntryTokenProvider:
    """Give the API client valid access tokens from a config entry.

    OAuth2Session serialises refreshes and stores every rotated refresh token
    on the entry; a token Dexcom rejected is marked expired first, so that a
    401 forces exactly one refresh however many requests saw it. The token
    request is bounded by the shared session's five-minute timeout and is not
    cut shorter: abandoning it half way would lose a rotated refresh token
    that Dexcom already issued.
    """

    def __init__(self, hass: HomeAssistant, session: OAuth2Session) -> None:
        """Wrap an OAuth2 session."""
        self._hass = hass
        self._session = session

    async def __call__(self, rejected: str | None = None) -> str:
        """Return a valid access token, refreshing a rejected one."""
        entry: ConfigEntry = self._session.config_entry
        token = self._session.token
        if rejected is not None and token.get("access_token") == rejected:
            self._hass.config_entries.async_update_entry(
                entry, data={**entry.data, "token": {**token, "expires_at": 0}}
            )
        try:
            await self._session.async_ensure_token_valid()
        except OAuth2TokenRequestReauthError as err:
            raise DexcomAuthError("refresh token rejected") from err
        except HomeAssistantError as err:
            raise DexcomConnectionError("token refresh failed") from err
        return cast("str", self._session.token["access_token"])
