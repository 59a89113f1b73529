"""The real integration against the real simulator, over real HTTP on 127.0.0.1.

Nothing is mocked between them: Home Assistant's shared aiohttp session talks
to the simulator's aiohttp server, and both read the wall clock that `freezer`
holds, so token expiry, the data delay and Retry-After move with simulated
time while no test really waits.
"""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
import itertools
import logging
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dexcom_oauth.client import GlucoseReading
from custom_components.dexcom_oauth.client.parse import MG_DL_PER_MMOL_L
from custom_components.dexcom_oauth.const import DOMAIN
from dexcom_simulator import Simulator, SimulatorConfig
from dexcom_simulator.profiles import profile_for
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component

from .common import (
    CLIENT_ID,
    CLIENT_SECRET,
    Advance,
    async_advance,
    coordinator_of,
    reauth_flows,
    state_of,
)
from .live.browser import choose_user
from .live.server import EGVS, TOKEN, LiveSimulator, serve

START = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
USER = "SandboxUser7"
REDIRECT_URI = "https://example.com/auth/external/callback"
VALUE_ENTITY = "sensor.dexcom_glucose_value"
# Readings compared with the simulator: most of the first day fetched, and later ones.
CHECKED_SINCE = START - timedelta(hours=20)
# OAuth2Session refreshes a token this close to its expiry.
REFRESH_MARGIN = 20
COORDINATOR_LOGGER = "custom_components.dexcom_oauth.coordinator"


@pytest.fixture
def simulator_config() -> SimulatorConfig:
    """Register the test app; access tokens live one hour."""
    return SimulatorConfig(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=(REDIRECT_URI,),
        token_lifetime=3600,
        seed=7,
    )


@pytest.fixture
async def live(
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    simulator_config: SimulatorConfig,
) -> AsyncIterator[LiveSimulator]:
    """Serve a simulator on the wall clock, which `freezer` holds at START."""
    freezer.move_to(START)
    simulator = Simulator(simulator_config)
    async with serve(simulator) as served:
        served.secrets.add(simulator.user_id(USER))
        yield served


@pytest.fixture(autouse=True)
def no_simulator_secret_in_logs(
    live: LiveSimulator, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fail a test whose logs carry a token or the userId the simulator issued."""
    yield
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        if record.name.startswith("pytest_homeassistant_custom_component"):
            continue  # the harness's storage mock dumps what it saves
        text = record.getMessage() + str(record.exc_info or "")
        assert not [s for s in live.secrets if s in text], record.getMessage()


@pytest.fixture
async def linked(
    hass: HomeAssistant, live: LiveSimulator, setup_credentials: None
) -> MockConfigEntry:
    """Set up an entry with tokens the simulator issued for USER at START."""
    entry = await set_up_linked(hass, live, USER)
    assert entry.state is ConfigEntryState.LOADED
    return entry


def shown_value(record: dict[str, Any]) -> int | None:
    """Return the value a reading should show: beyond 40-400, the bound it passed."""
    value: int | None = record["value"]
    if record["status"] == "low":
        return min(value or 40, 40)
    if record["status"] == "high":
        return max(value or 400, 400)
    return value


def expected_state(live: LiveSimulator) -> str:
    """Return the value sensor's state for the newest reading the simulator shows."""
    visible = live.visible(USER, CHECKED_SINCE, datetime.now(UTC))
    values = [value for r in visible if (value := shown_value(r)) is not None]
    assert values, "the simulator shows no glucose value"
    return str(values[-1])


def kept_since(entry: MockConfigEntry, start: datetime) -> list[GlucoseReading]:
    """Return the coordinator's readings taken at or after start, as kept."""
    return [
        reading
        for reading in coordinator_of(entry).data.readings
        if reading.system_time >= start
    ]


def assert_nothing_lost(entry: MockConfigEntry, live: LiveSimulator) -> None:
    """Every reading the simulator shows since CHECKED_SINCE is kept, in order, once."""
    visible = live.visible(USER, CHECKED_SINCE, datetime.now(UTC))
    kept = kept_since(entry, CHECKED_SINCE)
    ids = [reading.record_id for reading in kept]
    assert len(set(ids)) == len(ids), "a reading is kept twice"
    assert ids == [record["recordId"] for record in visible]
    times = [reading.system_time for reading in kept]
    assert times == sorted(times)


def assert_api_problem(hass: HomeAssistant, kind: str | None = None) -> None:
    """Check the API status shows trouble while the reading time stays."""
    status = hass.states.get("binary_sensor.dexcom_api_status")
    assert status is not None
    assert status.state == "on"
    if kind is not None:
        assert status.attributes["error"] == kind
    assert state_of(hass, "sensor.dexcom_reading_time") != STATE_UNAVAILABLE


async def next_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    """Advance to the coordinator's next planned poll."""
    interval = coordinator_of(entry).update_interval
    assert interval is not None
    await async_advance(hass, freezer, interval)


async def poll_until(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    live: LiveSimulator,
    end: datetime,
) -> None:
    """Poll as planned until `end`; each poll succeeds and loses nothing."""
    while datetime.now(UTC) < end:
        await next_poll(hass, freezer, entry)
        assert coordinator_of(entry).last_update_success
        assert_nothing_lost(entry, live)
        assert state_of(hass, VALUE_ENTITY) == expected_state(live)


async def failed_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    """Poll once, expecting a failure that the API status shows."""
    await next_poll(hass, freezer, entry)
    assert not coordinator_of(entry).last_update_success
    assert_api_problem(hass)


@pytest.mark.usefixtures("current_request_with_host", "setup_credentials")
async def test_link_through_config_flow(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    live: LiveSimulator,
) -> None:
    """Logging in at the simulator's page links the account and shows its value."""
    assert await async_setup_component(
        hass, DOMAIN, {DOMAIN: {"development_servers": True}}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"region": "custom"}
    )
    assert result["step_id"] == "custom_server"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"base_url": live.base_url}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["url"].startswith(f"{live.base_url}/v2/oauth2/login?")

    callback = await choose_user(result["url"], USER)
    assert str(callback.with_query(None)) == REDIRECT_URI
    client = await hass_client_no_auth()
    response = await client.get(f"{callback.path}?{callback.query_string}")
    assert response.status == 200
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["step_id"] == "name"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Dexcom"}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == live.simulator.user_id(USER)
    assert entry.data["base_url"] == live.base_url
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, VALUE_ENTITY) == expected_state(live)
    assert [(answer.path, answer.status) for answer in live.answers] == [
        ("/v2/oauth2/login", 200),
        ("/v2/oauth2/login", 302),
        (TOKEN, 200),
        ("/v3/users/self/dataRange", 200),
        (EGVS, 200),
        ("/v3/users/self/devices", 200),
        (EGVS, 200),  # the analytics' 14 days
        ("/v3/users/self/events", 200),
        ("/v3/users/self/alerts", 200),
    ]


async def test_three_hours_with_token_rotation(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    live: LiveSimulator,
    linked: MockConfigEntry,
) -> None:
    """Hours of polling rotate the tokens at each expiry and miss no reading."""
    first_kept = len(kept_since(linked, CHECKED_SINCE))
    tokens = [linked.data["token"]]
    rotated_at: list[float] = []
    while datetime.now(UTC) < START + timedelta(hours=3):
        await next_poll(hass, freezer, linked)
        if linked.data["token"]["refresh_token"] != tokens[-1]["refresh_token"]:
            rotated_at.append(time.time())
            tokens.append(linked.data["token"])
        assert coordinator_of(linked).last_update_success
        assert_nothing_lost(linked, live)
        assert state_of(hass, VALUE_ENTITY) == expected_state(live)

    assert len(rotated_at) >= 2
    for old, when in zip(tokens, rotated_at, strict=False):
        # Refreshed when the access token was (about to be) expired, not later.
        assert old["expires_at"] - REFRESH_MARGIN <= when <= old["expires_at"] + 300
        error = await live.refresh_error(old["refresh_token"], CLIENT_ID, CLIENT_SECRET)
        assert error == "invalid_grant"
    # Never a request with an expired token: each was refreshed first.
    assert {answer.status for answer in live.answers_to(EGVS)} == {200}
    assert len(kept_since(linked, CHECKED_SINCE)) >= first_kept + 30


async def test_revoked_tokens_ask_to_relink(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    live: LiveSimulator,
    linked: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    advance: Advance,
) -> None:
    """Revoked at Dexcom: the refused refresh starts reauth; checks go on slowly."""
    await poll_until(hass, freezer, linked, live, START + timedelta(minutes=10))
    assert live.simulator.revoke_user(USER) == 2

    await next_poll(hass, freezer, linked)

    # The data call is refused, then the refresh; nothing is asked after that.
    answers = [(answer.path, answer.status) for answer in live.answers[-2:]]
    assert answers == [(EGVS, 401), (TOKEN, 400)]
    assert len(reauth_flows(hass, linked)) == 1
    assert linked.state is ConfigEntryState.LOADED
    assert_api_problem(hass, "reauth_required")
    asked = len(live.answers)
    await advance(timedelta(minutes=29))
    assert len(live.answers) == asked
    # Every 30 minutes one check: the refresh Dexcom still refuses.
    await advance(timedelta(minutes=2))
    assert [(a.path, a.status) for a in live.answers[asked:]] == [(TOKEN, 400)]
    assert len(reauth_flows(hass, linked)) == 1
    assert len(reauth_flows(hass, linked)) == 1
    assert not [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info
    ]


async def test_rate_limit_burst(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    live: LiveSimulator,
    linked: MockConfigEntry,
) -> None:
    """Three 429s in a row: each Retry-After is waited out and no reading is lost."""
    await poll_until(hass, freezer, linked, live, START + timedelta(minutes=30))
    before = {reading.record_id for reading in kept_since(linked, CHECKED_SINCE)}
    asked = len(live.answers_to(EGVS))
    live.simulator.burst(count=3, status=429, retry_after=60)

    for _ in range(3):
        await failed_poll(hass, freezer, linked)
    await next_poll(hass, freezer, linked)
    assert coordinator_of(linked).last_update_success
    assert_nothing_lost(linked, live)
    assert state_of(hass, VALUE_ENTITY) == expected_state(live)

    answers = live.answers_to(EGVS)[asked:]
    assert [answer.status for answer in answers] == [429, 429, 429, 200]
    for refused, following in itertools.pairwise(answers):
        assert following.at - refused.at >= timedelta(seconds=60)
    # Readings that appeared during the burst were fetched after it.
    assert {r.record_id for r in kept_since(linked, CHECKED_SINCE)} > before
    await poll_until(hass, freezer, linked, live, START + timedelta(hours=1))
    assert live.simulator.read_stats().count(EGVS, 429) == 3


async def test_malformed_and_unavailable_answers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    live: LiveSimulator,
    linked: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bodies that are not JSON, then 503s: one outage, logged once, nothing lost."""
    await poll_until(hass, freezer, linked, live, START + timedelta(minutes=30))
    asked = len(live.answers_to(EGVS))

    live.simulator.set_faults(malformed_rate=1.0)
    await failed_poll(hass, freezer, linked)
    await failed_poll(hass, freezer, linked)
    live.simulator.set_faults(malformed_rate=0.0, error_rates={503: 1.0})
    await failed_poll(hass, freezer, linked)
    await failed_poll(hass, freezer, linked)
    live.simulator.clear_faults()
    await poll_until(hass, freezer, linked, live, START + timedelta(hours=1))

    statuses = [answer.status for answer in live.answers_to(EGVS)[asked:]]
    assert statuses[:5] == [200, 200, 503, 503, 200]
    logged = [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == COORDINATOR_LOGGER and record.levelno >= logging.INFO
    ]
    assert logged == [
        (
            logging.ERROR,
            (
                "Error fetching dexcom_oauth (Dexcom) data: Error fetching glucose readings"
                " from Dexcom: egvs: answer is not JSON"
            ),
        ),
        (logging.INFO, "Fetching dexcom_oauth (Dexcom) data recovered"),
    ]


async def test_backlog_after_a_stall_fetched_completely(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    live: LiveSimulator,
    linked: MockConfigEntry,
) -> None:
    """A stall's backlog appears over a minute, in any order; all of it is kept.

    The phone is offline for three hours until 20:16:33; the readings taken
    before 19:16:33 then upload at once and each appears after its own jitter,
    so the poll just after the upload sees only some of them.
    """
    stall_start = START - timedelta(minutes=43, seconds=27)
    live.simulator.add_stall(stall_start, 3 * 3600, USER)

    states: set[str] = set()
    while datetime.now(UTC) < START + timedelta(hours=3):
        await next_poll(hass, freezer, linked)
        assert_nothing_lost(linked, live)
        states.add(state := state_of(hass, VALUE_ENTITY))
        # While the stall lasts the last value grows stale and is not shown.
        assert state in (STATE_UNAVAILABLE, expected_state(live))

    assert STATE_UNAVAILABLE in states
    assert state == expected_state(live)
    backlog = [
        reading
        for reading in kept_since(linked, stall_start)
        if reading.system_time < stall_start + timedelta(hours=2)
    ]
    assert len(backlog) >= 20


def linked_user(hass: HomeAssistant, live: LiveSimulator, user: str) -> MockConfigEntry:
    """Return an entry with tokens the simulator issued for `user` now."""
    grant = live.simulator.issue_tokens(user)
    live.secrets.update(
        (grant.access_token, grant.refresh_token, live.simulator.user_id(user))
    )
    return MockConfigEntry(
        domain=DOMAIN,
        title="Dexcom",
        unique_id=live.simulator.user_id(user),
        data={
            "auth_implementation": DOMAIN,
            "region": "custom",
            "base_url": live.base_url,
            "token": {**grant.to_json(), "expires_at": time.time() + grant.expires_in},
        },
    )


async def set_up_linked(
    hass: HomeAssistant, live: LiveSimulator, user: str
) -> MockConfigEntry:
    """Add an entry for `user` with tokens the simulator issued now, and set it up."""
    entry = linked_user(hass, live, user)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def level_mg_dl(hass: HomeAssistant, entity_id: str) -> float:
    """Return an alert level sensor's state in mg/dL, whatever unit it shows."""
    state = hass.states.get(entity_id)
    assert state is not None
    value = float(state.state)
    if state.attributes["unit_of_measurement"] == "mmol/L":
        return round(value * MG_DL_PER_MMOL_L)
    return value


@pytest.mark.parametrize("user", [f"SandboxUser{n}" for n in range(1, 8)])
async def test_settings_and_logs_of_every_user(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    live: LiveSimulator,
    setup_credentials: None,
    user: str,
) -> None:
    """Levels, alerts fired once each, and last events, as the simulator serves them."""
    profile = profile_for(user)
    assert profile is not None
    offset = profile.utc_offset_minutes // 60
    await hass.config.async_set_time_zone(f"Etc/GMT{-offset:+d}")
    at_link = {
        (record["systemTime"], record["alertName"])
        for record in live.simulator.records(
            "alerts", user, START - timedelta(days=2), START
        )
    }
    fired: list[tuple[str, str]] = []

    @callback
    def alert_fired(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.state not in ("unknown", STATE_UNAVAILABLE):
            fired.append((new.attributes["alert_time"], new.attributes["alert_name"]))

    async_track_state_change_event(hass, "event.dexcom_dexcom_alert", alert_fired)
    entry = await set_up_linked(hass, live, user)

    while datetime.now(UTC) < START + timedelta(hours=12):
        await next_poll(hass, freezer, entry)
        assert coordinator_of(entry).last_update_success

    # Levels: the user's own, from the schedule in force (Night relaxes high by 40).
    local_hour = (datetime.now(UTC) + timedelta(hours=offset)).hour
    night = profile.alerts.night_schedule and (local_hour >= 22 or local_hour < 6)
    assert level_mg_dl(hass, "sensor.dexcom_low_alert_level") == profile.alerts.low
    assert level_mg_dl(hass, "sensor.dexcom_high_alert_level") == (
        profile.alerts.high + (40 if night else 0)
    )
    assert level_mg_dl(hass, "sensor.dexcom_urgent_low_alert_level") == (
        profile.alerts.urgent_low
    )

    # The latest current reading against the user's low level (the same in every
    # schedule); a LOW counts as 40.
    latest = coordinator_of(entry).data.latest
    assert latest is not None
    value = (
        40
        if latest.status == "low"
        else 400
        if latest.status == "high"
        else latest.value
    )
    assert value is not None
    below = state_of(hass, "binary_sensor.dexcom_below_low")
    assert below == ("on" if value <= profile.alerts.low else "off")

    # Every alert shown by the last alerts request and not before linking fired
    # once, at its own time; the simulator is asked as it was at that request.
    logs = coordinator_of(entry).logs.diagnostics()
    freezer.move_to(str(logs["alerts_fetched"]))
    appeared = [
        (record["systemTime"], record["alertName"])
        for record in live.simulator.records(
            "alerts", user, START - timedelta(days=1), datetime.now(UTC)
        )
        if (record["systemTime"], record["alertName"]) not in at_link
    ]
    assert sorted(
        (datetime.fromisoformat(t).strftime("%Y-%m-%dT%H:%M:%S"), n) for t, n in fired
    ) == sorted((t.removesuffix("Z")[:19], n) for t, n in appeared)

    # The last carbs: the newest entered carbs of the last events request, or none.
    freezer.move_to(str(logs["events_fetched"]))
    now = datetime.now(UTC)
    carbs = [
        record
        for record in live.simulator.records(
            "events", user, now - timedelta(days=7), now
        )
        if record["eventType"] == "carbs"
        and record["eventStatus"] != "deleted"
        and record["value"] is not None
    ]
    last_carbs = state_of(hass, "sensor.dexcom_last_carbs")
    if profile.logs_events:
        assert carbs
        assert float(last_carbs) == float(carbs[-1]["value"])
    else:
        assert not carbs
        assert last_carbs == "unknown"
