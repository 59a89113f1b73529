"""The credentials dialog shows the redirect URI the flow will really send."""

from typing import Any

from aiohttp import ClientWebSocketResponse
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.dexcom_oauth.application_credentials import (
    async_get_description_placeholders,
)
from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers.config_entry_oauth2_flow import HEADER_FRONTEND_BASE
from homeassistant.setup import async_setup_component

# The address the user's browser shows.
BROWSER_ORIGIN = "http://homeassistant.local:8123"


async def dialog_placeholders(
    hass: HomeAssistant,
    aiohttp_client: ClientSessionGenerator,
    hass_access_token: str,
    origin: str | None,
) -> dict[str, Any]:
    """Ask over the websocket, as the credentials dialog does from a browser."""
    client = await aiohttp_client(hass.http.app)
    websocket: ClientWebSocketResponse = await client.ws_connect(
        "/api/websocket", origin=origin
    )
    assert (await websocket.receive_json())["type"] == "auth_required"
    await websocket.send_json({"type": "auth", "access_token": hass_access_token})
    assert (await websocket.receive_json())["type"] == "auth_ok"
    await websocket.send_json({"id": 1, "type": "application_credentials/config"})
    answer = await websocket.receive_json()
    await websocket.close()
    assert answer["success"]
    placeholders: dict[str, Any] = answer["result"]["integrations"][DOMAIN][
        "description_placeholders"
    ]
    return placeholders


async def sent_redirect_uri(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, origin: str
) -> str:
    """Start linking from the browser; return the redirect URI sent to Dexcom."""
    client = await hass_client()
    headers = {HEADER_FRONTEND_BASE: origin}
    response = await client.post(
        "/api/config/config_entries/flow", json={"handler": DOMAIN}, headers=headers
    )
    flow = await response.json()
    assert flow["step_id"] == "region"
    response = await client.post(
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        json={"region": "us"},
        headers=headers,
    )
    step = await response.json()
    assert step["type"] == "external"
    return URL(step["url"]).query["redirect_uri"]


@pytest.fixture
async def frontend_apis(
    hass: HomeAssistant, setup_credentials: None, socket_enabled: None
) -> None:
    """Serve the websocket and REST APIs the frontend uses, over loopback."""
    assert await async_setup_component(hass, "config", {})
    assert await async_setup_component(hass, DOMAIN, {})


@pytest.mark.usefixtures("frontend_apis")
async def test_without_my_the_browser_address(
    hass: HomeAssistant,
    aiohttp_client: ClientSessionGenerator,
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
) -> None:
    """Without My Home Assistant the flow sends the browser's address: so does the dialog."""
    placeholders = await dialog_placeholders(
        hass, aiohttp_client, hass_access_token, BROWSER_ORIGIN
    )
    assert placeholders == {
        "developer_portal_url": "https://developer.dexcom.com/",
        "more_info_url": "https://github.com/dexcom-oauth/dexcom_oauth",
        "redirect_uri": f"{BROWSER_ORIGIN}/auth/external/callback",
    }
    assert placeholders["redirect_uri"] == await sent_redirect_uri(
        hass, hass_client, BROWSER_ORIGIN
    )


@pytest.mark.usefixtures("frontend_apis")
async def test_with_my_home_assistant(
    hass: HomeAssistant,
    aiohttp_client: ClientSessionGenerator,
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
) -> None:
    """With `my` loaded both use My Home Assistant's address."""
    hass.config.components.add("my")
    placeholders = await dialog_placeholders(
        hass, aiohttp_client, hass_access_token, BROWSER_ORIGIN
    )
    assert placeholders["redirect_uri"] == "https://my.home-assistant.io/redirect/oauth"
    assert placeholders["redirect_uri"] == await sent_redirect_uri(
        hass, hass_client, BROWSER_ORIGIN
    )


@pytest.mark.usefixtures("frontend_apis")
async def test_no_browser_address(
    hass: HomeAssistant,
    aiohttp_client: ClientSessionGenerator,
    hass_access_token: str,
) -> None:
    """A client that sends no Origin is shown the instance's own URL."""
    await async_process_ha_core_config(hass, {"internal_url": "http://ha.lan:8123"})
    placeholders = await dialog_placeholders(
        hass, aiohttp_client, hass_access_token, None
    )
    assert placeholders["redirect_uri"] == "http://ha.lan:8123/auth/external/callback"


async def test_no_address_at_all(hass: HomeAssistant) -> None:
    """Outside a request, with no URL of its own, only the path can be told."""
    placeholders = await async_get_description_placeholders(hass)
    assert placeholders["redirect_uri"] == "/auth/external/callback"
