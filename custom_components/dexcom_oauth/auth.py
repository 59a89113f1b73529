"""OAuth2 pieces that bind Home Assistant's machinery to a Dexcom server.

Dexcom runs one server per region and issues credentials per server, so an
application credential only becomes usable once it is bound to the server
the user picked; Home Assistant's flow and session do everything else,
except that token requests never follow redirects and that refreshes are
serialised per account rather than per session.
"""

import asyncio
from collections.abc import Mapping
from http import HTTPStatus
import json
import logging
from typing import Any, cast, override

from aiohttp import ClientError, ClientResponseError

from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    OAuth2TokenRequestConnectionError,
    OAuth2TokenRequestError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import OAuth2Session
from homeassistant.util.hass_dict import HassKey

from .client import DexcomAuthError, DexcomConnectionError
from .const import (
    AUTHORIZE_PATH,
    CONF_BASE_URL,
    CONF_REGION,
    DOMAIN,
    OAUTH_SCOPE,
    REGION_BASE_URLS,
    TOKEN_PATH,
    Region,
)

_LOGGER = logging.getLogger(__name__)

# One lock per config entry, kept across reloads: each reload makes a new
# OAuth2Session, whose own lock would let a second refresh send the same
# single-use refresh token while the first is still on its way.
DATA_REFRESH_LOCKS: HassKey[dict[str, asyncio.Lock]] = HassKey(
    f"{DOMAIN}_refresh_locks"
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

    @override
    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """Make a token request as Home Assistant does, but never redirected.

        Following a 307/308 would post the client secret and the refresh
        token to whatever host the answer names; a redirect is a transient
        failure instead. Errors map as in Home Assistant's own request.
        """
        data = {
            **data,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        try:
            token = await self._post_token_request(data)
        except ClientResponseError as err:
            raise _mapped_token_error(err, self.service_domain) from err
        except (ClientError, ValueError, RecursionError) as err:
            raise OAuth2TokenRequestConnectionError(domain=self.service_domain) from err
        if not isinstance(token, dict):
            raise OAuth2TokenRequestConnectionError(domain=self.service_domain)
        return token

    async def _post_token_request(self, data: dict[str, Any]) -> object:
        """Post to the token endpoint; return its JSON, or None for a redirect."""
        async with async_get_clientsession(self.hass).post(
            self.token_url, data=data, allow_redirects=False
        ) as resp:
            if 300 <= resp.status < 400:
                _LOGGER.debug(
                    "Token request answered with HTTP %s; redirect not followed",
                    resp.status,
                )
                return None
            if resp.status >= 400:
                _LOGGER.debug(
                    "Token request failed (HTTP %s): %s",
                    resp.status,
                    _error_code(await resp.text()),
                )
            resp.raise_for_status()
            return await resp.json()


def _error_code(body: str) -> str:
    """Return the OAuth2 error code of a refusal, never its other fields."""
    try:
        code = json.loads(body).get("error")
    except ValueError, AttributeError, RecursionError:
        return "no OAuth2 error body"
    return code[:40] if isinstance(code, str) else "no OAuth2 error code"


def _mapped_token_error(
    err: ClientResponseError, domain: str
) -> OAuth2TokenRequestError:
    """Map an HTTP failure of a token request as Home Assistant does.

    429 and 5xx may pass; another 4xx (invalid_grant) needs a re-link.
    """
    kwargs: dict[str, Any] = {
        "request_info": err.request_info,
        "history": err.history,
        "status": err.status,
        "message": err.message,
        "headers": err.headers,
        "domain": domain,
    }
    if err.status == HTTPStatus.TOO_MANY_REQUESTS or 500 <= err.status <= 599:
        return OAuth2TokenRequestTransientError(**kwargs)
    if 400 <= err.status <= 499:
        return OAuth2TokenRequestReauthError(**kwargs)
    return OAuth2TokenRequestError(**kwargs)


class EntryTokenProvider:
    """Give the API client valid access tokens from a config entry.

    OAuth2Session stores every rotated refresh token on the entry; a token
    Dexcom rejected is marked expired first, so that a 401 forces exactly one
    refresh however many requests saw it. Refreshes of one entry take turns
    on a lock that outlives reloads, and each runs as a Home Assistant task
    of its own: once a refresh token is sent, neither an unload nor the
    caller's cancellation may abandon the answer that replaces it. The token
    request is bounded by the shared session's five-minute timeout and is
    not cut shorter, for the same reason.
    """

    def __init__(self, hass: HomeAssistant, session: OAuth2Session) -> None:
        """Wrap an OAuth2 session."""
        self._hass = hass
        self._session = session

    async def __call__(self, rejected: str | None = None) -> str:
        """Return a valid access token, refreshing a rejected one.

        Raises DexcomAuthError when the refresh token was refused (Home
        Assistant then starts a re-link) and DexcomConnectionError for any
        other failure.
        """
        task = self._hass.async_create_task(
            self._valid_token(rejected), f"{DOMAIN} token refresh", eager_start=True
        )
        try:
            return await asyncio.shield(task)
        except OAuth2TokenRequestReauthError as err:
            raise DexcomAuthError("refresh token rejected") from err
        except Exception as err:  # noqa: BLE001 - every other failure is one the caller retries
            raise DexcomConnectionError(
                f"token refresh failed ({type(err).__name__})"
            ) from err

    async def _valid_token(self, rejected: str | None) -> str:
        """Refresh under the entry's lock when the token is expired or rejected."""
        entry = self._session.config_entry
        locks = self._hass.data.setdefault(DATA_REFRESH_LOCKS, {})
        async with locks.setdefault(entry.entry_id, asyncio.Lock()):
            token = self._session.token
            if rejected is not None and token.get("access_token") == rejected:
                self._hass.config_entries.async_update_entry(
                    entry, data={**entry.data, "token": {**token, "expires_at": 0}}
                )
            await self._session.async_ensure_token_valid()
            return cast("str", self._session.token["access_token"])
