"""Builders for Dexcom payloads and mocked endpoints shared by the tests."""

from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from http import HTTPStatus
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    load_json_object_fixture,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.dexcom_oauth.client import (
    GlucoseReading,
    GlucoseStatus,
    GlucoseUnit,
    Trend,
)
from custom_components.dexcom_oauth.coordinator import DexcomCoordinator
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant, State

# The tests' present: Home Assistant's clock while an account is set up.
NOW = "2026-11-23T18:00:00+00:00"
START = datetime.fromisoformat(NOW)
# The fixture account's newest reading, an hour before NOW (a US-style delay).
NEWEST = START - timedelta(hours=1)
# How often Dexcom takes a reading.
POLL = timedelta(minutes=5)
# Home Assistant's time zone in tests.
TESTS_TIME_ZONE = ZoneInfo("US/Pacific")
CLIENT_ID = "test-client-id-5d1a"
CLIENT_SECRET = "test-client-secret-93bc"
ACCESS_TOKEN = "test-access-token-7e21"
REFRESH_TOKEN = "test-refresh-token-4f08"
USER_ID = "a1b2c3d4-user-id-0001"
OTHER_USER_ID = "e5f6a7b8-user-id-0002"
TRANSMITTER_ID = "tx-secret-8c7d6e"
BASE_URL = "https://api.dexcom.com"
SANDBOX_URL = "https://sandbox-api.dexcom.com"
TOKEN_URL = f"{BASE_URL}/v2/oauth2/token"
AUTHORIZE_URL = f"{BASE_URL}/v2/oauth2/login"

# The sensors made from the newest reading, in the order the platform adds them.
READING_SENSOR_KEYS = (
    "glucose_value",
    "glucose_trend",
    "glucose_trend_rate",
    "glucose_range",
    "reading_time",
    "data_delay",
)
SECRETS = (
    CLIENT_SECRET,
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    USER_ID,
    OTHER_USER_ID,
    TRANSMITTER_ID,
)


def reading(
    at: datetime,
    value: int | None = 120,
    *,
    status: GlucoseStatus = GlucoseStatus.OK,
    record_id: str | None = None,
    transmitter_id: str | None = None,
    generation: str | None = None,
) -> GlucoseReading:
    """Return a parsed reading taken at `at`, for tests of the integration's parts."""
    return GlucoseReading(
        record_id=record_id or f"r-{at:%Y%m%d%H%M%S}",
        system_time=at,
        display_time=None,
        value=value,
        status=status,
        trend=Trend.FLAT,
        trend_rate=0.0,
        unit=GlucoseUnit.MG_DL,
        transmitter_id=transmitter_id,
        transmitter_generation=generation,
        display_device=None,
        display_app=None,
    )


def load_payload(filename: str) -> dict[str, Any]:
    """Return a fresh copy of a canned Dexcom answer from tests/fixtures/."""
    return load_json_object_fixture(filename)  # resolved next to this module


def sample_record(filename: str) -> dict[str, Any]:
    """Return the one record of a canned answer, for a test to change."""
    record: dict[str, Any] = load_payload(filename)["records"][0]
    return record


def egv(
    system_time: datetime,
    value: int | None = 120,
    *,
    trend: str = "flat",
    trend_rate: float | None = 0.1,
    status: str | None = "ok",
    unit: str = "mg/dL",
    record_id: str | None = None,
) -> dict[str, Any]:
    """Return one v3 egv record as Dexcom sends it, taken at `system_time`."""
    return {
        **sample_record("egvs.json"),
        "recordId": record_id or f"rec-{system_time:%Y%m%d%H%M%S}",
        **_times(system_time),
        "transmitterId": TRANSMITTER_ID,
        "value": value,
        "status": status,
        "trend": trend,
        "trendRate": trend_rate,
        "unit": unit,
    }


def _times(system_time: datetime) -> dict[str, str]:
    """Return a record's systemTime and its displayTime (UTC-8, like the samples)."""
    return {
        "systemTime": system_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "displayTime": (system_time - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S"),
    }


def egvs_payload(
    records: list[dict[str, Any]], user_id: str = USER_ID
) -> dict[str, Any]:
    """Wrap records in the v3 envelope."""
    return {**load_payload("egvs.json"), "userId": user_id, "records": records}


def series(
    end: datetime, count: int, start_value: int = 110, step: int = 2
) -> list[dict[str, Any]]:
    """Return `count` readings five minutes apart, the newest at `end`."""
    return [
        egv(end - timedelta(minutes=5 * (count - 1 - i)), start_value + step * i)
        for i in range(count)
    ]


def data_range_payload(user_id: str = USER_ID) -> dict[str, Any]:
    """Return a dataRange answer for an account."""
    return {**load_payload("dataRange.json"), "userId": user_id}


def devices_payload(generation: str = "g7") -> dict[str, Any]:
    """Return a devices answer with one device and its alert settings."""
    payload = load_payload("devices.json")
    payload["records"][0]["transmitterGeneration"] = generation
    return payload


def alert(
    system_time: datetime,
    name: str = "urgentLow",
    *,
    state: str = "activeAlarming",
    record_id: str | None = None,
) -> dict[str, Any]:
    """Return one v3 alert record as Dexcom sends it."""
    return {
        **sample_record("alerts.json"),
        "recordId": record_id or f"alert-{name}-{system_time:%Y%m%d%H%M%S}",
        **_times(system_time),
        "alertName": name,
        "alertState": state,
    }


def event(
    system_time: datetime,
    event_type: str = "carbs",
    value: object = 45,
    *,
    sub_type: str | None = None,
    unit: str = "grams",
    status: str = "created",
    record_id: str | None = None,
) -> dict[str, Any]:
    """Return one v3 event record as Dexcom sends it."""
    return {
        **sample_record("events.json"),
        "recordId": record_id
        or f"event-{event_type}-{sub_type}-{system_time:%Y%m%d%H%M%S}",
        **_times(system_time),
        "eventStatus": status,
        "eventType": event_type,
        "eventSubType": sub_type,
        "value": value,
        "unit": unit,
    }


def mock_api(
    aioclient_mock: AiohttpClientMocker,
    records: list[dict[str, Any]],
    base_url: str = BASE_URL,
    generation: str = "g7",
) -> None:
    """Answer the data endpoints of one account."""
    aioclient_mock.get(f"{base_url}/v3/users/self/egvs", json=egvs_payload(records))
    aioclient_mock.get(
        f"{base_url}/v3/users/self/devices", json=devices_payload(generation)
    )
    aioclient_mock.get(f"{base_url}/v3/users/self/dataRange", json=data_range_payload())
    mock_no_logs(aioclient_mock, base_url)


def mock_no_logs(aioclient_mock: AiohttpClientMocker, base_url: str = BASE_URL) -> None:
    """Answer alerts and events with none (after a test cleared the mocks)."""
    for endpoint in ("alerts", "events"):
        aioclient_mock.get(
            f"{base_url}/v3/users/self/{endpoint}", json=egvs_payload([])
        )


EGVS_URL = f"{BASE_URL}/v3/users/self/egvs"
ALERTS_URL = f"{BASE_URL}/v3/users/self/alerts"
EVENTS_URL = f"{BASE_URL}/v3/users/self/events"
DEVICES_URL = f"{BASE_URL}/v3/users/self/devices"
# What Dexcom's token endpoint hands out on a refresh: both tokens rotate.
NEW_ACCESS_TOKEN = "test-access-token-rotated-2b9a"
NEW_REFRESH_TOKEN = "test-refresh-token-rotated-61d3"

type Advance = Callable[[timedelta], Awaitable[None]]
"""The `advance` fixture: let time pass and run what became due."""
type SideEffect = Callable[[str, URL, Any], Awaitable[AiohttpClientMockResponse]]


class SetupIntegration(Protocol):
    """The `setup_integration` fixture: add an entry, set it up, return it."""

    async def __call__(
        self,
        entry: MockConfigEntry = ...,
        *,
        loaded: bool = ...,
        wait_background_tasks: bool = ...,
    ) -> MockConfigEntry:
        """Add `entry` (the `config_entry` fixture by default) and set it up."""


def token_payload(
    access_token: str = NEW_ACCESS_TOKEN, refresh_token: str = NEW_REFRESH_TOKEN
) -> dict[str, Any]:
    """Return the token endpoint's answer to a refresh."""
    return {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "expires_in": 7200,
        "token_type": "Bearer",
    }


def in_turn(*responses: dict[str, Any]) -> SideEffect:
    """Answer with the given responses one after the other; the last one repeats.

    Each response holds AiohttpClientMockResponse's keywords (status, json, exc…).
    """
    queue = deque(responses)

    async def answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        response = queue.popleft() if len(queue) > 1 else queue[0]
        return AiohttpClientMockResponse(method, url, **response)

    return answer


class EgvsServer:
    """Serve egvs the way Dexcom does: the stored records inside the asked window.

    Tests add records to `records` as Dexcom would receive them, and queue
    failures with `fail`; a record without a systemTime is always sent.
    """

    def __init__(self, records: list[dict[str, Any]]) -> None:
        """Start with the records Dexcom already holds."""
        self.records = list(records)
        self._failures: deque[dict[str, Any]] = deque()

    def fail(self, times: int = 1, **response: Any) -> None:
        """Answer the next `times` requests with `response` instead of data."""
        self._failures.extend([response] * times)

    async def __call__(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        """Answer one egvs request."""
        if self._failures:
            return AiohttpClientMockResponse(method, url, **self._failures.popleft())
        start, end = url.query["startDate"], url.query["endDate"]
        return AiohttpClientMockResponse(
            method,
            url,
            json=egvs_payload(
                [
                    record
                    for record in self.records
                    if not isinstance(time := record.get("systemTime"), str)
                    or start <= time <= end
                ]
            ),
        )


def serve_api(
    aioclient_mock: AiohttpClientMocker, server: EgvsServer, generation: str = "g7"
) -> None:
    """Answer one account's endpoints, egvs from `server` by the asked window.

    The token endpoint answers too: tests that let hours pass outlive the
    access token.
    """
    aioclient_mock.post(TOKEN_URL, json=token_payload())
    aioclient_mock.get(EGVS_URL, side_effect=server)
    aioclient_mock.get(DEVICES_URL, json=devices_payload(generation))
    aioclient_mock.get(f"{BASE_URL}/v3/users/self/dataRange", json=data_range_payload())
    mock_no_logs(aioclient_mock)


def refuse_refresh_token(
    aioclient_mock: AiohttpClientMocker,
    server: EgvsServer | None = None,
    **error: str,
) -> None:
    """From now on Dexcom refuses the refresh token: the user must re-link.

    The data endpoints answer from `server` (its own failures decide), or egvs
    rejects the access token when there is none.
    """
    aioclient_mock.clear_requests()
    aioclient_mock.post(
        TOKEN_URL,
        status=HTTPStatus.BAD_REQUEST,
        json={"error": "invalid_grant", **error},
    )
    if server is None:
        aioclient_mock.get(EGVS_URL, status=HTTPStatus.UNAUTHORIZED)
        return
    aioclient_mock.get(EGVS_URL, side_effect=server)
    aioclient_mock.get(DEVICES_URL, json=devices_payload())


def requests_to(aioclient_mock: AiohttpClientMocker, url: str) -> list[Any]:
    """Return the recorded calls (method, url, data, headers) to one endpoint."""
    return [
        call
        for call in aioclient_mock.mock_calls
        if call[1].with_query(None) == URL(url)
    ]


def egvs_queries(aioclient_mock: AiohttpClientMocker) -> list[dict[str, str]]:
    """Return the query of every egvs request but the analytics' 14 days, oldest first."""
    return [
        query
        for query in all_egvs_queries(aioclient_mock)
        if query not in history_queries(aioclient_mock)
    ]


def all_egvs_queries(aioclient_mock: AiohttpClientMocker) -> list[dict[str, str]]:
    """Return the query of every egvs request, oldest first."""
    return [dict(call[1].query) for call in requests_to(aioclient_mock, EGVS_URL)]


def history_queries(aioclient_mock: AiohttpClientMocker) -> list[dict[str, str]]:
    """Return the analytics' requests, oldest first."""
    return [
        query for query in all_egvs_queries(aioclient_mock) if is_analytics_query(query)
    ]


def is_analytics_query(query: dict[str, str]) -> bool:
    """Whether an egvs request is the analytics' own.

    The 14 days for the measures, or on a first link with the recorder the
    requests for the daily statistics: these start or end at a local midnight
    of the tests' time zone (US/Pacific), which no poll or hourly backfill does.
    """
    start, end = _parse(query["startDate"]), _parse(query["endDate"])
    return end - start == timedelta(days=14) or any(
        moment.astimezone(TESTS_TIME_ZONE).time() == time() for moment in (start, end)
    )


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def bearer_tokens(aioclient_mock: AiohttpClientMocker, url: str) -> list[str]:
    """Return the access token each request to `url` carried."""
    return [
        call[3]["Authorization"].removeprefix("Bearer ")
        for call in requests_to(aioclient_mock, url)
    ]


async def async_advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let time pass and run what became due, such as a coordinator refresh."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[Any]:
    """Return the reauth flows in progress for an entry."""
    return [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == SOURCE_REAUTH
        and flow["context"]["entry_id"] == entry.entry_id
    ]


def entity_state(hass: HomeAssistant, entity_id: str) -> State:
    """Return an entity's state object, failing clearly when it does not exist."""
    state = hass.states.get(entity_id)
    assert state is not None, f"{entity_id} does not exist"
    return state


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state, failing clearly when it does not exist."""
    return entity_state(hass, entity_id).state


def coordinator_of(entry: MockConfigEntry) -> DexcomCoordinator:
    """Return the entry's coordinator."""
    return entry.runtime_data
