"""The OAuth2 endpoints: the sandbox login page and the token endpoint."""

import base64
import binascii
from collections.abc import Mapping
import logging
from typing import TYPE_CHECKING

from aiohttp import hdrs, web
from yarl import URL

from .login_page import LOGIN_FIELDS, error_page, login_page
from .oauth import OAuthError, TokenGrant
from .profiles import PROFILES, profile_for

if TYPE_CHECKING:
    from .simulator import Simulator

_LOGGER = logging.getLogger(__name__)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _text(form: Mapping[str, object], name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _basic_credentials(header: str) -> tuple[str, str]:
    """Decode `Basic base64(id:secret)`; ValueError if malformed."""
    try:
        decoded = base64.b64decode(header.removeprefix("Basic ").strip(), validate=True)
    except binascii.Error as err:
        raise ValueError("malformed Basic credentials") from err
    login, sep, password = decoded.decode("utf-8", errors="replace").partition(":")
    if not sep:
        raise ValueError("malformed Basic credentials")
    return login, password


def _redirect(redirect_uri: str, params: dict[str, str]) -> web.Response:
    location = URL(redirect_uri).update_query(params)
    return web.Response(status=302, headers={hdrs.LOCATION: str(location)})


def _oauth_error(
    err: OAuthError, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"error": err.error, "error_description": err.description},
        status=err.status,
        headers={**_NO_STORE, **(headers or {})},
    )


def add_routes(app: web.Application, simulator: Simulator) -> None:
    """Register the login page and token endpoint on `app`."""
    oauth = simulator.oauth

    def check_request(params: dict[str, str]) -> web.Response | None:
        """Without a trusted client and redirect URI there is nowhere safe to redirect to."""
        if not oauth.redirect_ok(params.get("client_id"), params.get("redirect_uri")):
            return web.Response(
                status=400,
                text=error_page("Unknown client_id or unregistered redirect_uri."),
                content_type="text/html",
            )
        if params.get("response_type") != "code":
            return _redirect(
                params["redirect_uri"],
                _with_state({"error": "unsupported_response_type"}, params),
            )
        return None

    async def login_get(request: web.Request) -> web.Response:
        params = dict(request.query)
        if (rejection := check_request(params)) is not None:
            return rejection
        return web.Response(text=login_page(params, PROFILES), content_type="text/html")

    async def login_post(request: web.Request) -> web.Response:
        form = await request.post()
        params = {
            name: value
            for name in LOGIN_FIELDS
            if (value := _text(form, name)) is not None
        }
        if (rejection := check_request(params)) is not None:
            return rejection
        redirect_uri = params["redirect_uri"]
        if form.get("deny") is not None:
            _LOGGER.info("Sandbox login denied")
            return _redirect(
                redirect_uri, _with_state({"error": "access_denied"}, params)
            )
        user = _text(form, "user")
        if user is None or profile_for(user) is None:
            return web.Response(
                status=400,
                text=error_page("Unknown sandbox user."),
                content_type="text/html",
            )
        code = oauth.create_code(user, params["client_id"], redirect_uri)
        _LOGGER.info("Sandbox login as %s", user)
        return _redirect(redirect_uri, _with_state({"code": code}, params))

    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        basic: tuple[str, str] | None = None
        if (header := request.headers.get(hdrs.AUTHORIZATION, "")).startswith("Basic "):
            try:
                basic = _basic_credentials(header)
            except ValueError:
                return _oauth_error(
                    OAuthError("invalid_client", "malformed Basic credentials", 401)
                )
        client_id = _text(form, "client_id")
        client_secret = _text(form, "client_secret")
        if basic is not None:
            if client_id is not None and client_id != basic[0]:
                return _oauth_error(
                    OAuthError(
                        "invalid_request", "client_id differs from Basic credentials"
                    )
                )
            client_id, client_secret = basic
        if not oauth.client_ok(client_id, client_secret) or client_id is None:
            challenge = {"WWW-Authenticate": 'Basic realm="dexcom"'} if basic else None
            return _oauth_error(
                OAuthError("invalid_client", "client authentication failed", 401),
                challenge,
            )
        try:
            grant = _grant(simulator, form, client_id)
        except OAuthError as err:
            _LOGGER.info("Token request refused: %s", err.error)
            return _oauth_error(err)
        return web.json_response(grant.to_json(), headers=_NO_STORE)

    app.router.add_get("/v2/oauth2/login", login_get)
    app.router.add_post("/v2/oauth2/login", login_post)
    app.router.add_post("/v2/oauth2/token", token)


def _with_state(
    params: dict[str, str], request_params: dict[str, str]
) -> dict[str, str]:
    if (state := request_params.get("state")) is not None:
        params["state"] = state
    return params


def _grant(
    simulator: Simulator, form: Mapping[str, object], client_id: str
) -> TokenGrant:
    grant_type = _text(form, "grant_type")
    if grant_type == "authorization_code":
        code = _text(form, "code")
        if not code:
            raise OAuthError("invalid_request", "code is required")
        return simulator.oauth.exchange_code(
            code, client_id, _text(form, "redirect_uri")
        )
    if grant_type == "refresh_token":
        refresh_token = _text(form, "refresh_token")
        if not refresh_token:
            raise OAuthError("invalid_request", "refresh_token is required")
        return simulator.oauth.refresh(refresh_token, client_id)
    if grant_type is None:
        raise OAuthError("invalid_request", "grant_type is required")
    raise OAuthError(
        "unsupported_grant_type",
        "grant_type must be authorization_code or refresh_token",
    )
