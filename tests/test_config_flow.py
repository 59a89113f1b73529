"""Config flow: credentials, region, OAuth dance, account check, name, re-linking."""

from collections.abc import Generator, Iterator
from http import HTTPStatus
import json
from pathlib import Path
import re
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.components import homeassistant as homeassistant_component
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowManager, FlowResult, FlowResultType
from homeassistant.exceptions import ImplementationUnavailableError
from homeassistant.helpers import (
    config_entry_oauth2_flow,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.setup import async_setup_component

from .common import (
    ACCESS_TOKEN,
    BASE_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_USER_ID,
    REFRESH_TOKEN,
    SANDBOX_URL,
    USER_ID,
    data_range_payload,
    mock_api,
)

REDIRECT_URI = "https://example.com/auth/external/callback"
DEVELOPMENT_SERVER = "http://127.0.0.1:8765"
STRINGS = json.loads(
    (
        Path(__file__).parents[1] / "custom_components" / DOMAIN / "strings.json"
    ).read_text()
)
# Shared OAuth2 reasons come with translation_domain "homeassistant".
HOMEASSISTANT_STRINGS = json.loads(
    (Path(homeassistant_component.__file__).parent / "strings.json").read_text()
)

pytestmark = pytest.mark.usefixtures("current_request_with_host")


def _texts(result: FlowResult) -> Iterator[tuple[str, ...]]:
    """Yield the strings.json paths the frontend looks up to show a result."""
    match result["type"]:
        case FlowResultType.FORM:
            step = ("step", result["step_id"])
            yield (*step, "title")
            yield (*step, "description")
            for field in getattr(result["data_schema"], "schema", {}):
                yield (*step, "data", str(field))
                yield (*step, "data_description", str(field))
            for error in (result["errors"] or {}).values():
                yield ("error", error)
        case FlowResultType.EXTERNAL_STEP:
            yield ("step", result["step_id"], "title")
        case FlowResultType.ABORT:
            yield ("abort", result["reason"])
        case FlowResultType.CREATE_ENTRY:
            yield ("create_entry", result["description"] or "default")


def untranslated(result: FlowResult) -> list[str]:
    """Return what the frontend would find no text for, or no placeholder value."""
    domain = result.get("translation_domain") or DOMAIN
    strings = STRINGS if domain == DOMAIN else HOMEASSISTANT_STRINGS
    placeholders = set(result.get("description_placeholders") or {})
    problems = []
    for path in _texts(result):
        text: Any = strings["config"]
        for key in path:
            text = text.get(key) if isinstance(text, dict) else None
        if not isinstance(text, str):
            problems.append(f"{domain}: config.{'.'.join(path)} is missing")
        elif missing := set(re.findall(r"\{(\w+)\}", text)) - placeholders:
            problems.append(f"config.{'.'.join(path)} lacks values for {missing}")
    return problems


@pytest.fixture(autouse=True)
def flow_results(monkeypatch: pytest.MonkeyPatch) -> Generator[list[FlowResult]]:
    """Record every result the flow yields; each must be fully translated.

    Together with full coverage of config_flow.py this checks every step,
    field, error and abort the flow can produce against strings.json.
    """
    results: list[FlowResult] = []
    handle_step = FlowManager._async_handle_step

    async def record(self: FlowManager, *args: Any) -> Any:
        result = await handle_step(self, *args)
        if result["handler"] == DOMAIN:
            results.append(result)
        return result

    monkeypatch.setattr(FlowManager, "_async_handle_step", record)
    yield results
    assert [problem for result in results for problem in untranslated(result)] == []


def questions(results: list[FlowResult]) -> list[str]:
    """Return the forms shown to the user, in order."""
    return [r["step_id"] for r in results if r["type"] is FlowResultType.FORM]


def suggested(result: FlowResult, field: str) -> Any:
    """Return the value a form shows prefilled in a field."""
    for key in result["data_schema"].schema:
        if key == field:
            if description := key.description:
                return description.get("suggested_value")
            return key.default() if callable(key.default) else None
    raise AssertionError(f"no field {field} in {result['step_id']}")


def token_answer(access_token: str = ACCESS_TOKEN) -> dict[str, Any]:
    """Return what Dexcom's token endpoint answers, extra fields included."""
    return {
        "access_token": access_token,
        "refresh_token": REFRESH_TOKEN,
        "expires_in": 7200,
        "token_type": "Bearer",
        "refresh_expires_in": 0,
    }


async def log_in(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    result: FlowResult,
    base_url: str = BASE_URL,
    query: str = "code=abcd",
    client_id: str = CLIENT_ID,
) -> FlowResult:
    """Follow the external step: check the URL, come back through the callback."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    state = config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": result["flow_id"], "redirect_uri": REDIRECT_URI}
    )
    assert result["url"] == (
        f"{base_url}/v2/oauth2/login?response_type=code&client_id={client_id}"
        f"&redirect_uri={REDIRECT_URI}&state={state}&scope=offline_access"
    )
    client = await hass_client_no_auth()
    response = await client.get(f"/auth/external/callback?{query}&state={state}")
    assert response.status == HTTPStatus.OK
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def start_flow(
    hass: HomeAssistant, region: str = "us", **context: Any
) -> FlowResult:
    """Open the flow and pick a region."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER, **context}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "region"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"region": region}
    )


async def name_account(
    hass: HomeAssistant, result: FlowResult, name: str | None = None
) -> FlowResult:
    """Answer the name step, keeping the suggested name unless given one."""
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "name"
    assert result["errors"] == {}
    if name is None:
        name = suggested(result, "name")
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": name}
    )


@pytest.fixture
def linked_entry(
    hass: HomeAssistant, setup_credentials: None, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Add the linked account's entry, not set up: the one a flow finds or changes."""
    config_entry.add_to_hass(hass)
    return config_entry


async def enable_development_servers(hass: HomeAssistant) -> str:
    """Opt in to development servers in YAML; return the one the tests use."""
    assert await async_setup_component(
        hass, DOMAIN, {DOMAIN: {"development_servers": True}}
    )
    return DEVELOPMENT_SERVER


def mock_login(
    aioclient_mock: AiohttpClientMocker,
    user_id: str,
    base_url: str = BASE_URL,
    **token: Any,
) -> None:
    """Answer a log-in on a server: its token endpoint, then the account check."""
    mock_token(aioclient_mock, base_url, **token)
    aioclient_mock.get(
        f"{base_url}/v3/users/self/dataRange", json=data_range_payload(user_id)
    )


def mock_token(
    aioclient_mock: AiohttpClientMocker, base_url: str = BASE_URL, **kwargs: Any
) -> None:
    """Answer the token endpoint of a server."""
    aioclient_mock.post(
        f"{base_url}/v2/oauth2/token", **(kwargs or {"json": token_answer()})
    )


@pytest.mark.usefixtures("setup_credentials")
@pytest.mark.parametrize(
    ("region", "base_url"),
    [
        ("us", BASE_URL),
        ("outside_us", "https://api.dexcom.eu"),
        ("japan", "https://api.dexcom.jp"),
        ("sandbox", SANDBOX_URL),
    ],
)
async def test_full_flow(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    flow_results: list[FlowResult],
    region: str,
    base_url: str,
) -> None:
    """Linking creates an entry for the account, talking to the region's server."""
    mock_token(aioclient_mock, base_url)
    mock_api(aioclient_mock, [], base_url)
    result = await start_flow(hass, region)
    result = await log_in(hass, hass_client_no_auth, result, base_url)
    result = await name_account(hass, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Dexcom"
    assert result["result"].unique_id == USER_ID
    data = result["data"]
    assert data["region"] == region
    assert data["auth_implementation"] == DOMAIN
    assert data["token"]["refresh_token"] == REFRESH_TOKEN
    assert "name" not in data
    token_call, check_call = aioclient_mock.mock_calls[:2]
    assert str(token_call[1]) == f"{base_url}/v2/oauth2/token"
    assert token_call[2]["grant_type"] == "authorization_code"
    assert token_call[2]["redirect_uri"] == REDIRECT_URI
    assert str(check_call[1]) == f"{base_url}/v3/users/self/dataRange"
    assert check_call[3]["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert questions(flow_results) == ["region", "name"]


@pytest.mark.usefixtures("setup_credentials")
async def test_region_form_hides_custom_server(hass: HomeAssistant) -> None:
    """Ordinary users see the four Dexcom servers only, United States first."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    options = result["data_schema"].schema["region"].config["options"]
    assert options == ["us", "outside_us", "japan", "sandbox"]
    assert suggested(result, "region") == "us"


@pytest.mark.usefixtures("setup_credentials")
async def test_custom_server_when_enabled(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """The YAML opt-in offers a validated custom server URL, stored on the entry."""
    server = await enable_development_servers(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert "custom" in result["data_schema"].schema["region"].config["options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"region": "custom"}
    )
    assert result["step_id"] == "custom_server"
    assert suggested(result, "base_url") is None
    for bad in (
        "ftp://127.0.0.1",
        "not a url",
        "http://",
        "http://h/?a=1",
        "http://[::1",
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"base_url": bad}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base_url": "invalid_url"}
        # What was typed stays in the field, to be corrected.
        assert suggested(result, "base_url") == bad

    mock_token(aioclient_mock, server)
    mock_api(aioclient_mock, [], server)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"base_url": f" {server}/ "}
    )
    result = await log_in(hass, hass_client_no_auth, result, server)
    result = await name_account(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["region"] == "custom"
    assert result["data"]["base_url"] == server


@pytest.mark.parametrize(
    ("development", "answers", "base_url", "asked"),
    [
        (False, [{"region": "sandbox"}], SANDBOX_URL, ["region", "name"]),
        (
            True,
            [{"region": "custom"}, {"base_url": DEVELOPMENT_SERVER}],
            DEVELOPMENT_SERVER,
            ["region", "custom_server", "name"],
        ),
    ],
)
async def test_no_question_asked_twice_without_credentials(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    flow_results: list[FlowResult],
    development: bool,
    answers: list[dict[str, str]],
    base_url: str,
    asked: list[str],
) -> None:
    """Without app credentials the flow asks for them before anything else.

    The frontend answers missing_credentials with the credentials dialog and,
    once they are saved, starts a new flow that knows nothing of the first
    one. So the first flow must end before asking a question: every answer
    is then given once, in the flow that uses it.
    """
    assert await async_setup_component(
        hass, DOMAIN, {DOMAIN: {"development_servers": development}}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"
    assert questions(flow_results) == []

    # The credentials dialog saves them.
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET)
    )

    mock_token(aioclient_mock, base_url)
    mock_api(aioclient_mock, [], base_url)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    for answer in answers:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], answer
        )
    result = await log_in(hass, hass_client_no_auth, result, base_url)
    result = await name_account(hass, result, "Alex")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert questions(flow_results) == asked


async def test_implementations_unavailable(hass: HomeAssistant) -> None:
    """No credentials and a failing provider (such as the cloud) abort at once."""
    assert await async_setup_component(hass, "application_credentials", {})

    async def unavailable(
        hass: HomeAssistant, domain: str
    ) -> list[config_entry_oauth2_flow.AbstractOAuth2Implementation]:
        raise ImplementationUnavailableError("account link server unreachable")

    config_entry_oauth2_flow.async_add_implementation_provider(
        hass, "cloud", unavailable
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "oauth_implementation_unavailable"


@pytest.mark.usefixtures("setup_credentials")
async def test_pick_between_apps(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """With several apps the user picks one, after the server."""
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("eu-client-id", "eu-secret", "EU app"), "eu"
    )
    base_url = "https://api.dexcom.eu"
    mock_token(aioclient_mock, base_url)
    mock_api(aioclient_mock, [], base_url)
    result = await start_flow(hass, "outside_us")
    assert result["step_id"] == "pick_implementation"
    assert result["data_schema"].schema["implementation"].container == {
        DOMAIN: "Import from configuration.yaml",
        "eu": "EU app",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": "eu"}
    )
    result = await log_in(
        hass, hass_client_no_auth, result, base_url, client_id="eu-client-id"
    )
    result = await name_account(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["auth_implementation"] == "eu"


@pytest.mark.usefixtures("setup_credentials")
@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        ([], "Dexcom"),
        (["Dexcom"], "Dexcom 2"),
        (["Dexcom", "dexcom 2"], "Dexcom 3"),
        (["Alex"], "Dexcom"),
    ],
)
async def test_name_suggestion(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    titles: list[str],
    expected: str,
) -> None:
    """The first account is "Dexcom" (sensor.dexcom_…), later ones a free name."""
    for number, title in enumerate(titles):
        MockConfigEntry(domain=DOMAIN, title=title, unique_id=str(number)).add_to_hass(
            hass
        )
    mock_token(aioclient_mock)
    mock_api(aioclient_mock, [])
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    assert suggested(result, "name") == expected
    result = await name_account(hass, result)
    assert result["title"] == expected


@pytest.mark.usefixtures("setup_credentials")
async def test_name_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
) -> None:
    """Empty names and names of other accounts are refused; what was typed stays."""
    MockConfigEntry(domain=DOMAIN, title="Sam", unique_id=OTHER_USER_ID).add_to_hass(
        hass
    )
    mock_token(aioclient_mock)
    mock_api(aioclient_mock, readings)
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    for name, error in [
        ("", "name_empty"),
        ("   ", "name_empty"),
        ("Sam", "name_in_use"),
        ("sam!", "name_in_use"),
        (" SAM ", "name_in_use"),
    ]:
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"name": name}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"name": error}, name
        assert suggested(result, "name") == name
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": " Alex "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Alex"
    await hass.async_block_till_done()

    # The device is named after the account; the entity IDs start with it.
    entry = result["result"]
    device = device_of(hass, entry)
    assert device.name == "Alex"
    entity_registry = er.async_get(hass)
    assert {
        e.entity_id
        for e in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    } >= {"sensor.alex_glucose_value", "sensor.alex_reading_time"}
    state = hass.states.get("sensor.alex_glucose_value")
    assert state is not None
    assert state.attributes["friendly_name"] == "Alex Glucose value"


async def test_no_credentials(hass: HomeAssistant) -> None:
    """Without application credentials the frontend is told to ask for them."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"
    assert result["translation_domain"] == "homeassistant"


@pytest.mark.usefixtures("setup_credentials")
async def test_user_denies_access(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Declining on Dexcom's page aborts with Dexcom-specific words."""
    result = await start_flow(hass)
    result = await log_in(
        hass, hass_client_no_auth, result, query="error=access_denied"
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "access_denied"


@pytest.mark.usefixtures("setup_credentials")
@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (HTTPStatus.BAD_REQUEST, "oauth_unauthorized"),
        (HTTPStatus.INTERNAL_SERVER_ERROR, "oauth_failed"),
    ],
)
async def test_token_exchange_fails(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    status: HTTPStatus,
    reason: str,
) -> None:
    """A failed code exchange aborts and creates nothing."""
    mock_token(aioclient_mock, status=status, json={"error": "invalid_grant"})
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert not hass.config_entries.async_entries(DOMAIN)


@pytest.mark.usefixtures("setup_credentials")
@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"status": HTTPStatus.UNAUTHORIZED}, "invalid_auth"),
        ({"status": HTTPStatus.SERVICE_UNAVAILABLE, "text": "down"}, "cannot_connect"),
        ({"exc": TimeoutError()}, "cannot_connect"),
        ({"text": "<html>not json</html>"}, "cannot_connect"),
        ({"json": {**data_range_payload(), "userId": None}}, "cannot_connect"),
    ],
)
async def test_account_check_fails(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, Any],
    reason: str,
) -> None:
    """The one API call before creating the entry must succeed."""
    mock_token(aioclient_mock)
    aioclient_mock.get(f"{BASE_URL}/v3/users/self/dataRange", **answer)
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_same_account_twice(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    linked_entry: MockConfigEntry,
    flow_results: list[FlowResult],
) -> None:
    """Linking an account a second time aborts, naming the entry, before the name."""
    hass.config_entries.async_update_entry(linked_entry, title="Alex")
    mock_token(aioclient_mock)
    mock_api(aioclient_mock, [])
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert result["description_placeholders"] == {"name": "Alex"}
    assert questions(flow_results) == ["region"]


async def test_two_accounts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    linked_entry: MockConfigEntry,
) -> None:
    """A second, different account gets its own, differently named entry."""
    mock_login(aioclient_mock, OTHER_USER_ID)
    result = await start_flow(hass)
    result = await log_in(hass, hass_client_no_auth, result)
    result = await name_account(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert {
        (e.unique_id, e.title) for e in hass.config_entries.async_entries(DOMAIN)
    } == {(USER_ID, "Dexcom"), (OTHER_USER_ID, "Dexcom 2")}


async def start_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> FlowResult:
    """Start reauth, check it names the account, and confirm it."""
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {"name": entry.title}
    return await hass.config_entries.flow.async_configure(result["flow_id"], {})


async def test_reauth(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    linked_entry: MockConfigEntry,
    flow_results: list[FlowResult],
) -> None:
    """Re-linking the same account stores the new tokens and keeps the entry."""
    mock_token(aioclient_mock, SANDBOX_URL, json=token_answer("new-access"))
    mock_api(aioclient_mock, [], SANDBOX_URL)
    hass.config_entries.async_update_entry(
        linked_entry, title="Alex", data={**linked_entry.data, "region": "sandbox"}
    )
    result = await start_reauth(hass, linked_entry)
    result = await log_in(hass, hass_client_no_auth, result, SANDBOX_URL)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    # Our own text, not Home Assistant's generic one.
    assert "translation_domain" not in result
    assert linked_entry.data["token"]["access_token"] == "new-access"
    assert linked_entry.data["region"] == "sandbox"
    assert linked_entry.unique_id == USER_ID
    assert linked_entry.title == "Alex"
    assert questions(flow_results) == ["reauth_confirm"]


async def test_reauth_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    linked_entry: MockConfigEntry,
) -> None:
    """Logging in as someone else during reauth changes nothing and says whom."""
    hass.config_entries.async_update_entry(linked_entry, title="Alex")
    old_token = linked_entry.data["token"]
    mock_login(aioclient_mock, OTHER_USER_ID, json=token_answer("other-access"))
    result = await start_reauth(hass, linked_entry)
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert result["description_placeholders"] == {"name": "Alex"}
    assert linked_entry.data["token"] == old_token


async def start_reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, region: str
) -> FlowResult:
    """Start reconfigure, check the stored region is prefilled, and pick one."""
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "region"
    assert suggested(result, "region") == entry.data["region"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"region": region}
    )


async def test_reconfigure_same_app(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    linked_entry: MockConfigEntry,
    flow_results: list[FlowResult],
) -> None:
    """Re-linking with the same app and server updates the tokens, keeps the name."""
    hass.config_entries.async_update_entry(linked_entry, title="Alex")
    mock_token(aioclient_mock, json=token_answer("new-access"))
    mock_api(aioclient_mock, [])
    result = await start_reconfigure(hass, linked_entry, "us")
    result = await log_in(hass, hass_client_no_auth, result)
    assert suggested(result, "name") == "Alex"
    result = await name_account(hass, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    # Our own text, not Home Assistant's generic one.
    assert "translation_domain" not in result
    assert linked_entry.data["token"]["access_token"] == "new-access"
    assert linked_entry.title == "Alex"
    assert questions(flow_results) == ["region", "name"]


async def test_reconfigure_same_app_wrong_account(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    linked_entry: MockConfigEntry,
) -> None:
    """With the same app, another userId is another person: named, refused."""
    mock_login(aioclient_mock, OTHER_USER_ID)
    result = await start_reconfigure(hass, linked_entry, "us")
    result = await log_in(hass, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert result["description_placeholders"] == {"name": "Dexcom"}
    assert linked_entry.unique_id == USER_ID


@pytest.mark.parametrize(
    "user_id", [OTHER_USER_ID, USER_ID], ids=["new_user_id", "same_user_id"]
)
async def test_reconfigure_new_region(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    linked_entry: MockConfigEntry,
    user_id: str,
) -> None:
    """Another server may yield a new userId for the same person, or keep it.

    Either way the entry moves to that server and follows the userId.
    """
    mock_login(aioclient_mock, user_id, SANDBOX_URL)
    result = await start_reconfigure(hass, linked_entry, "sandbox")
    result = await log_in(hass, hass_client_no_auth, result, SANDBOX_URL)
    result = await name_account(hass, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert linked_entry.unique_id == user_id
    assert linked_entry.data["region"] == "sandbox"


async def test_reconfigure_new_region_account_taken(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    linked_entry: MockConfigEntry,
) -> None:
    """A new userId that another entry already has is refused, naming that entry."""
    MockConfigEntry(
        domain=DOMAIN, title="Sam", unique_id=OTHER_USER_ID, data={}
    ).add_to_hass(hass)
    mock_login(aioclient_mock, OTHER_USER_ID, SANDBOX_URL)
    result = await start_reconfigure(hass, linked_entry, "sandbox")
    result = await log_in(hass, hass_client_no_auth, result, SANDBOX_URL)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert result["description_placeholders"] == {"name": "Sam"}
    assert linked_entry.unique_id == USER_ID
    assert linked_entry.data["region"] == "us"


@pytest.mark.usefixtures("setup_credentials")
async def test_reconfigure_prefills_custom_server_and_app(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """Every answer stored on the entry is offered again when reconfiguring."""
    server = await enable_development_servers(hass)
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential("dev-client-id", "dev-secret", "Simulator"),
        "sim",
    )
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry,
        data={
            **config_entry.data,
            "region": "custom",
            "base_url": server,
            "auth_implementation": "sim",
        },
    )
    mock_token(aioclient_mock, server)
    mock_api(aioclient_mock, [], server)
    result = await start_reconfigure(hass, config_entry, "custom")
    assert result["step_id"] == "custom_server"
    assert suggested(result, "base_url") == server
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"base_url": server}
    )
    assert result["step_id"] == "pick_implementation"
    assert suggested(result, "implementation") == "sim"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": "sim"}
    )
    result = await log_in(
        hass, hass_client_no_auth, result, server, client_id="dev-client-id"
    )
    result = await name_account(hass, result)
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data["base_url"] == server


async def test_reconfigure_name_in_use(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    linked_entry: MockConfigEntry,
) -> None:
    """Its own name is free for the entry, other entries' names are not."""
    MockConfigEntry(domain=DOMAIN, title="Sam", unique_id=OTHER_USER_ID).add_to_hass(
        hass
    )
    mock_token(aioclient_mock)
    mock_api(aioclient_mock, [])
    result = await start_reconfigure(hass, linked_entry, "us")
    result = await log_in(hass, hass_client_no_auth, result)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "sam"}
    )
    assert result["errors"] == {"name": "name_in_use"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "DEXCOM"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert linked_entry.title == "DEXCOM"


def device_of(hass: HomeAssistant, entry: ConfigEntry) -> dr.DeviceEntry:
    """Return the device of the entry's account."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, USER_ID), entry.entry_id
    )
    assert device is not None
    return device


def entity_ids(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, str]:
    """Return the entry's entity IDs by unique ID."""
    return {
        e.unique_id: e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }


@pytest.mark.usefixtures("api_payloads", "init_integration")
async def test_existing_entry_renamed_by_reconfigure(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    config_entry: MockConfigEntry,
) -> None:
    """An entry linked as "Dexcom" keeps its entity IDs (and history) when named.

    Only the names change: the device's and so the entities' friendly names.
    """
    before = entity_ids(hass, config_entry)
    assert before[f"{USER_ID}_glucose_value"] == "sensor.dexcom_glucose_value"

    mock_token(aioclient_mock)
    result = await start_reconfigure(hass, config_entry, "us")
    result = await log_in(hass, hass_client_no_auth, result)
    result = await name_account(hass, result, "Alex")
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()

    assert config_entry.title == "Alex"
    assert entity_ids(hass, config_entry) == before
    device = device_of(hass, config_entry)
    assert device.name == "Alex"
    state = hass.states.get("sensor.dexcom_glucose_value")
    assert state is not None
    assert state.attributes["friendly_name"] == "Alex Glucose value"


@pytest.mark.usefixtures("api_payloads", "init_integration")
@pytest.mark.parametrize(
    ("device_name_by_user", "shown"), [(None, "Sam"), ("Grandma", "Grandma")]
)
async def test_renamed_entry_names_device_after_reload(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    device_name_by_user: str | None,
    shown: str,
) -> None:
    """Renaming the entry renames the device at the next reload, unless the user did."""
    before = entity_ids(hass, config_entry)
    device_registry = dr.async_get(hass)
    device = device_of(hass, config_entry)
    device_registry.async_update_device(device.id, name_by_user=device_name_by_user)

    hass.config_entries.async_update_entry(config_entry, title="Sam")
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()

    device = device_registry.async_get(device.id)
    assert device is not None
    assert device.name == "Sam"
    assert device.name_by_user == device_name_by_user
    assert entity_ids(hass, config_entry) == before
    state = hass.states.get("sensor.dexcom_glucose_value")
    assert state is not None
    assert state.attributes["friendly_name"] == f"{shown} Glucose value"
