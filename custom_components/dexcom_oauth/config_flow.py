"""Config flow: pick a Dexcom region, log in at Dexcom, check the account."""

from collections.abc import Mapping
import logging
from typing import Any, cast, override

import probatio
from yarl import URL

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
)
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_TOKEN
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .auth import DexcomImplementation, base_url_for
from .client import DexcomAuthError, DexcomClient, DexcomError, TokenProvider
from .const import CONF_BASE_URL, CONF_REGION, DOMAIN, REQUEST_TIMEOUT, Region
from .development import development_servers_allowed

_LOGGER = logging.getLogger(__name__)

ENTRY_TITLE = "Dexcom"


def _region_schema(default: str, development: bool) -> probatio.Schema:
    """Region choice; a custom server only where development servers are allowed."""
    regions = [r.value for r in Region if development or r is not Region.CUSTOM]
    return probatio.Schema(
        {
            probatio.Required(CONF_REGION, default=default): SelectSelector(
                SelectSelectorConfig(
                    options=regions,
                    mode=SelectSelectorMode.LIST,
                    translation_key=CONF_REGION,
                )
            )
        }
    )


def _valid_server_url(text: str) -> str | None:
    """Return the URL without a trailing slash, or None if it is no server URL."""
    try:
        url = URL(text.strip())
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host or url.query_string:
        return None
    return str(url).rstrip("/")


class DexcomFlowHandler(
    config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN
):
    """Link a Dexcom account through Dexcom's OAuth2 login."""

    DOMAIN = DOMAIN

    def __init__(self) -> None:
        """Start with no region chosen."""
        super().__init__()
        self._server: dict[str, str] = {}

    @property
    @override
    def logger(self) -> logging.Logger:
        """Return the logger."""
        return _LOGGER

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which Dexcom server the account and app belong to."""
        return await self.async_step_region(user_input)

    async def async_step_region(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the region; custom servers continue to their own step."""
        if user_input is not None:
            if user_input[CONF_REGION] == Region.CUSTOM:
                return await self.async_step_custom_server()
            self._server = {CONF_REGION: user_input[CONF_REGION]}
            return await self.async_step_pick_implementation()
        default = Region.US.value
        if self.source == SOURCE_RECONFIGURE:
            default = self._get_reconfigure_entry().data[CONF_REGION]
        return self.async_show_form(
            step_id="region",
            data_schema=_region_schema(default, development_servers_allowed(self.hass)),
        )

    async def async_step_custom_server(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the base URL of a development server, such as the simulator."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if url := _valid_server_url(user_input[CONF_BASE_URL]):
                self._server = {CONF_REGION: Region.CUSTOM, CONF_BASE_URL: url}
                return await self.async_step_pick_implementation()
            errors[CONF_BASE_URL] = "invalid_url"
        return self.async_show_form(
            step_id="custom_server",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_BASE_URL): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.URL)
                    )
                }
            ),
            errors=errors,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start re-linking when Dexcom no longer accepts the tokens."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Explain why, then log in again with the same app and region."""
        if user_input is None:
            return self.async_show_form(step_id="reauth_confirm")
        entry = self._get_reauth_entry()
        self._server = _server_of(entry)
        return await self.async_step_pick_implementation(
            {"implementation": entry.data["auth_implementation"]}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Re-link, for example with another region or app."""
        return await self.async_step_region(user_input)

    @override
    async def async_step_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Bind the picked credential to the chosen server before logging in."""
        if user_input is None:
            implementation = cast("DexcomImplementation", self.flow_impl)
            self.flow_impl = implementation.bound_to(base_url_for(self._server))
        return await super().async_step_auth(user_input)

    @override
    async def async_step_authorize_rejected(
        self, data: None = None
    ) -> ConfigFlowResult:
        """Abort with Dexcom-specific words when the user declined access."""
        return self.async_abort(reason="access_denied")

    @override
    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Check the account with one API call, then create or update the entry."""
        client = DexcomClient(
            async_get_clientsession(self.hass),
            base_url_for(self._server),
            _fixed_token(data[CONF_TOKEN][CONF_ACCESS_TOKEN]),
            request_timeout=REQUEST_TIMEOUT,
        )
        try:
            data_range = await client.data_range()
        except DexcomAuthError:
            _LOGGER.error("Dexcom rejected the new access token")
            return self.async_abort(reason="invalid_auth")
        except DexcomError as err:
            _LOGGER.error("Dexcom's API failed while checking the account: %s", err)
            return self.async_abort(reason="cannot_connect")
        if not data_range.user_id:
            _LOGGER.error("Dexcom's answer did not identify the account")
            return self.async_abort(reason="cannot_connect")

        data = {**data, **self._server}
        await self.async_set_unique_id(data_range.user_id)
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            return self.async_update_reload_and_abort(
                self._get_reauth_entry(), data=data
            )
        if self.source == SOURCE_RECONFIGURE:
            return self._update_reconfigured_entry(data)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=ENTRY_TITLE, data=data)

    def _update_reconfigured_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Apply a re-link; only another app or server may change the account id.

        Dexcom's userId is stable per account *and app*, so with the same app
        and server a different id is a different person, while a new app or
        server legitimately yields a new id for the same person.
        """
        entry = self._get_reconfigure_entry()
        same_app = entry.data["auth_implementation"] == data[
            "auth_implementation"
        ] and base_url_for(entry.data) == base_url_for(data)
        if same_app:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
        elif self.unique_id != entry.unique_id:
            self._abort_if_unique_id_configured()
        return self.async_update_reload_and_abort(
            entry, unique_id=self.unique_id, data=data
        )


def _server_of(entry: ConfigEntry) -> dict[str, str]:
    """Return the region (and custom URL) stored on an entry."""
    return {
        key: entry.data[key]
        for key in (CONF_REGION, CONF_BASE_URL)
        if key in entry.data
    }


def _fixed_token(access_token: str) -> TokenProvider:
    """Make a token provider for the one check call, before an entry exists."""

    async def provide(rejected: str | None = None) -> str:
        if rejected is not None:
            raise DexcomAuthError("new access token rejected")
        return access_token

    return provide
