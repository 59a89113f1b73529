"""Config flow: app credentials, Dexcom server, login, account check, name."""

from collections.abc import Mapping
from contextlib import suppress
from itertools import chain, count
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
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_NAME, CONF_TOKEN
from homeassistant.core import callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.exceptions import ImplementationUnavailableError
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
from homeassistant.util import slugify

from .auth import DexcomImplementation, base_url_for
from .client import DexcomAuthError, DexcomClient, DexcomError, TokenProvider
from .const import CONF_BASE_URL, CONF_REGION, DOMAIN, REQUEST_TIMEOUT, Region
from .development import development_servers_allowed
from .options_flow import AnalyticsOptionsFlow

_LOGGER = logging.getLogger(__name__)

# The first account's suggested name: its entities read sensor.dexcom_….
DEFAULT_NAME = "Dexcom"
CONF_IMPLEMENTATION = "implementation"

CUSTOM_SERVER_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_BASE_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL)
        )
    }
)
NAME_SCHEMA = probatio.Schema({probatio.Required(CONF_NAME): TextSelector()})


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


def _name_key(name: str) -> str:
    """Compare names as their entity IDs would: "Alex" and "alex!" are one name."""
    return slugify(name)


def _named(entry: ConfigEntry) -> dict[str, str]:
    """Placeholders that tell the user which linked account a text is about."""
    return {CONF_NAME: entry.title}


class DexcomFlowHandler(
    config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN
):
    """Link a Dexcom account through Dexcom's OAuth2 login."""

    DOMAIN = DOMAIN

    def __init__(self) -> None:
        """Start with no region chosen and no account linked."""
        super().__init__()
        self._server: dict[str, str] = {}
        self._linked: dict[str, Any] = {}

    @property
    @override
    def logger(self) -> logging.Logger:
        """Return the logger."""
        return _LOGGER

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> AnalyticsOptionsFlow:
        """Options: the bounds of the glycemic measures (options_flow.py)."""
        return AnalyticsOptionsFlow()

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Make sure app credentials exist before asking anything.

        Without credentials Home Assistant's frontend opens the credentials
        dialog and then starts a new flow, which knows nothing of this one:
        asking for them first means no answer is lost on the way.
        """
        with suppress(ImplementationUnavailableError):
            if await config_entry_oauth2_flow.async_get_implementations(
                self.hass, DOMAIN
            ):
                return await self.async_step_region()
        # Aborts the way the frontend expects (missing_credentials).
        return await self.async_step_pick_implementation()

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
        suggested: Mapping[str, Any] | None = user_input
        if user_input is not None:
            if url := _valid_server_url(user_input[CONF_BASE_URL]):
                self._server = {CONF_REGION: Region.CUSTOM, CONF_BASE_URL: url}
                return await self.async_step_pick_implementation()
            errors[CONF_BASE_URL] = "invalid_url"
        elif self.source == SOURCE_RECONFIGURE:
            suggested = self._get_reconfigure_entry().data
        return self.async_show_form(
            step_id="custom_server",
            data_schema=self.add_suggested_values_to_schema(
                CUSTOM_SERVER_SCHEMA, suggested
            ),
            errors=errors,
        )

    @override
    async def async_step_pick_implementation(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the entry's own app first when reconfiguring."""
        result = await super().async_step_pick_implementation(user_input)
        if (
            self.source == SOURCE_RECONFIGURE
            and (schema := result.get("data_schema")) is not None
        ):
            entry = self._get_reconfigure_entry()
            result["data_schema"] = self.add_suggested_values_to_schema(
                schema, {CONF_IMPLEMENTATION: entry.data["auth_implementation"]}
            )
        return result

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start re-linking when Dexcom no longer accepts the tokens."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say whose login failed, then log in again with the same app and region."""
        entry = self._get_reauth_entry()
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_confirm", description_placeholders=_named(entry)
            )
        self._server = _server_of(entry)
        return await self.async_step_pick_implementation(
            {CONF_IMPLEMENTATION: entry.data["auth_implementation"]}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Re-link, for example with another region or app, and rename."""
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
        """Check the account with one API call, then update it or ask its name."""
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
        linked = await self.async_set_unique_id(data_range.user_id)
        if self.source == SOURCE_REAUTH:
            entry = self._get_reauth_entry()
            self._abort_if_unique_id_mismatch(
                reason="wrong_account", description_placeholders=_named(entry)
            )
            # Our own text: without a reason Home Assistant shows its generic one.
            return self.async_update_reload_and_abort(
                entry, data=data, reason="reauth_successful"
            )
        if self.source == SOURCE_RECONFIGURE:
            self._check_relinked_account(data, linked)
        elif linked is not None:
            self._abort_if_unique_id_configured(description_placeholders=_named(linked))
        self._linked = data
        return await self.async_step_name()

    def _check_relinked_account(
        self, data: Mapping[str, Any], linked: ConfigEntry | None
    ) -> None:
        """Abort a re-link to someone else; only a new app or server may change the id.

        Dexcom's userId is stable per account *and app*, so with the same app
        and server a different id is a different person, while a new app or
        server legitimately yields a new id for the same person.
        """
        entry = self._get_reconfigure_entry()
        same_app = entry.data["auth_implementation"] == data[
            "auth_implementation"
        ] and base_url_for(entry.data) == base_url_for(data)
        if same_app:
            self._abort_if_unique_id_mismatch(
                reason="wrong_account", description_placeholders=_named(entry)
            )
        elif linked is not None and linked.entry_id != entry.entry_id:
            raise AbortFlow("already_configured", _named(linked))

    async def async_step_name(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask whose readings these are: Dexcom's API names no one.

        The name is the entry's title, so the device and, for a new account,
        the entity IDs carry it; no two accounts may share one.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_NAME].strip()
            if not name:
                errors[CONF_NAME] = "name_empty"
            elif _name_key(name) in self._names_in_use():
                errors[CONF_NAME] = "name_in_use"
            else:
                return self._finish(name)
        else:
            user_input = {CONF_NAME: self._suggested_name()}
        return self.async_show_form(
            step_id="name",
            data_schema=self.add_suggested_values_to_schema(NAME_SCHEMA, user_input),
            errors=errors,
        )

    def _finish(self, name: str) -> ConfigFlowResult:
        """Create the named entry, or update the reconfigured one."""
        if self.source != SOURCE_RECONFIGURE:
            return self.async_create_entry(title=name, data=self._linked)
        # Our own text: without a reason Home Assistant shows its generic one.
        return self.async_update_reload_and_abort(
            self._get_reconfigure_entry(),
            unique_id=self.unique_id,
            title=name,
            data=self._linked,
            reason="reconfigure_successful",
        )

    def _names_in_use(self) -> set[str]:
        """Return the name keys of the other linked accounts."""
        own = self.context.get("entry_id")
        return {
            _name_key(entry.title)
            for entry in self._async_current_entries(include_ignore=False)
            if entry.entry_id != own
        }

    def _suggested_name(self) -> str:
        """Keep the current name, or offer "Dexcom", then "Dexcom 2", …."""
        if self.source == SOURCE_RECONFIGURE:
            return self._get_reconfigure_entry().title
        in_use = self._names_in_use()
        names = chain([DEFAULT_NAME], (f"{DEFAULT_NAME} {n}" for n in count(2)))
        return next(name for name in names if _name_key(name) not in in_use)


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
