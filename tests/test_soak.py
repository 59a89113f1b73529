"""Soak: days of the real integration against the simulator, with faults and restarts.

The config entry is set up through Home Assistant (the real coordinator, the
real HTTP client over 127.0.0.1, the recorder) and polls the Dexcom simulator
through three simulated days in simulated time: a data delay of an hour, upload
jitter, one two-hour phone stall a day whose backlog appears at its end, a
sensor change with its warm-up, random 5xx, 429 and malformed answers, bursts of
429 and 503 with Retry-After, and restarts while each stall's backlog is
appearing: four reloads, and one unload with two hours passing before the next
setup (the learned state goes through Home Assistant's Store each time).

Afterwards every reading the simulator made available reached the coordinator,
and every hour of the true-time statistic equals the hour computed from the
simulator's own readings. The scenario (days, stalls, sensor change) is the
bench's (scripts/benchmark/), seeded, so each run sees the same days.
"""

from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
import json
import os
import random
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dexcom_oauth.client import GlucoseReading
from custom_components.dexcom_oauth.const import INITIAL_WINDOW
from custom_components.dexcom_oauth.readings import glucose_value
from custom_components.dexcom_oauth.statistics import BACKFILL
from dexcom_simulator import Simulator
from dexcom_simulator.config import FaultSettings
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from scripts.benchmark.scenario import Arrival, Scenario, arrivals, build_scenario

from .common import CLIENT_ID, CLIENT_SECRET, async_advance, coordinator_of
from .live.server import EGVS, LiveSimulator, serve
from .test_live_simulator import REDIRECT_URI, linked_user, next_poll
from .test_statistics import hourly, settle

# A G6 user whose days hold LOW and HIGH readings sent without a value.
USER = "SandboxUser4"
SEED = 20261123
DAYS = 3.0
DELAY = 3600.0
# Random faults on the data endpoints; each request draws once, seeded.
FAULTS = FaultSettings(
    error_rates={500: 0.01, 502: 0.01, 503: 0.01},
    rate_limit_rate=0.015,
    retry_after=90,
    malformed_rate=0.02,
    scope="data",
)
# The unload that lets time pass before the next setup.
UNLOADED_FOR = timedelta(hours=2)
# Polls allowed after the end to get one successful poll with faults off.
FINAL_POLLS = 20
# Waits for an entry whose setup Home Assistant retries (ConfigEntryNotReady).
SETUP_RETRY_STEP = timedelta(seconds=1)
SETUP_RETRY_STEPS = 200
# Loose bound on polling cost with faults and restarts (the bench's target
# without them is 1.15): catches a runaway retry loop, not a tuning change.
MAX_DATA_CALLS_PER_READING = 1.6


pytestmark = pytest.mark.usefixtures("recorder_mock")


@pytest.fixture
def scenario() -> Scenario:
    """Return the bench's simulated days for USER: stalls, a sensor change, seeded."""
    built = build_scenario(USER, SEED, DELAY, DAYS)
    # The entry goes down while the second stall's backlog appears. Starting
    # that stall ten minutes past an hour puts most of its backlog in an hour
    # before the newest reading's, the hour a restart's catch-up starts from.
    first, second, *others = built.stalls
    second = replace(second, start=second.start.replace(minute=10, second=7))
    return replace(built, stalls=(first, second, *others))


@dataclass
class Malformed:
    """Counts the answers of 200 whose body is not JSON (the malformed faults)."""

    count: int = 0

    async def __call__(
        self, request: web.Request, response: web.StreamResponse
    ) -> None:
        """Look at one answer as it is sent."""
        if (
            request.path.startswith("/v3/")
            and response.status == 200
            and isinstance(response, web.Response)
            and isinstance(response.body, bytes)
        ):
            try:
                json.loads(response.body)
            except ValueError:
                self.count += 1


@pytest.fixture
def malformed() -> Malformed:
    """Return the malformed-answer counter of the served simulator."""
    return Malformed()


@pytest.fixture
async def live(
    freezer: FrozenDateTimeFactory,
    socket_enabled: None,
    scenario: Scenario,
    malformed: Malformed,
) -> AsyncIterator[LiveSimulator]:
    """Serve the scenario's simulator, faults on, with the wall clock at its start."""
    # Home Assistant draws each coordinator's sub-second timer offset from
    # `random`: seeded, a run polls at the same instants every time.
    random.seed(SEED)
    freezer.move_to(scenario.start)
    config = replace(
        scenario.config(),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=(REDIRECT_URI,),
        faults=FAULTS,
    )
    simulator = Simulator(config)
    simulator.app.on_response_prepare.append(malformed)
    async with serve(simulator) as served:
        served.secrets.add(simulator.user_id(USER))
        yield served


@dataclass
class Seen:
    """Every reading the coordinator held after any of its refreshes, by record id."""

    readings: dict[str, GlucoseReading] = field(default_factory=dict)

    def follow(self, entry: MockConfigEntry) -> None:
        """Collect the readings after each refresh of the entry's current coordinator."""
        coordinator = coordinator_of(entry)

        @callback
        def collect() -> None:
            self.take(entry)

        entry.async_on_unload(coordinator.async_add_listener(collect))
        self.take(entry)

    def take(self, entry: MockConfigEntry) -> None:
        """Note the readings the coordinator holds now."""
        if entry.state is not ConfigEntryState.LOADED:
            return
        data = coordinator_of(entry).data
        for reading in data.readings if data is not None else ():
            self.readings.setdefault(reading.record_id, reading)


@dataclass(frozen=True, slots=True)
class Restart:
    """One restart and the state of a stall's backlog when it happened."""

    kind: str
    at: datetime
    backlog_seen: int
    backlog_pending: int


@dataclass(frozen=True, slots=True)
class Event:
    """Something done at a moment of the run."""

    at: datetime
    name: str
    run: Callable[[], Awaitable[None]]


def expected_value(record: dict[str, Any]) -> int | None:
    """Return a simulator record's value as glucose_value reads it: LOW 40, HIGH 400."""
    if record["status"] == "low":
        return 40
    if record["status"] == "high":
        return 400
    value: int | None = record["value"]
    return value


def system_time(record: dict[str, Any]) -> datetime:
    """Return a simulator record's systemTime, aware UTC."""
    return datetime.fromisoformat(record["systemTime"]).replace(tzinfo=UTC)


def hourly_truth(
    records: Iterable[dict[str, Any]],
) -> dict[datetime, tuple[float, float, float]]:
    """Return {hour start: (mean, min, max)} of records with a glucose value."""
    by_hour: dict[datetime, list[int]] = defaultdict(list)
    for record in records:
        if (value := expected_value(record)) is not None:
            hour = system_time(record).replace(minute=0, second=0, microsecond=0)
            by_hour[hour].append(value)
    return {
        hour: (sum(values) / len(values), min(values), max(values))
        for hour, values in sorted(by_hour.items())
    }


def stall_backlogs(scenario: Scenario, truth: list[Arrival]) -> list[list[Arrival]]:
    """Return each stall's backlog (readings uploaded at its end), by availability."""
    backlogs = []
    for stall in scenario.stalls:
        begin = stall.start.timestamp()
        held = sorted(
            (a for a in truth if a.held and begin <= a.taken < begin + stall.duration),
            key=lambda a: a.available,
        )
        assert len(held) >= 6, f"stall at {stall.start} holds {len(held)} readings"
        backlogs.append(held)
    return backlogs


def arrived(hour: datetime, truth: list[Arrival]) -> str:
    """Describe an hour's readings: how many, and when the last became available."""
    begin = hour.timestamp()
    of_hour = [a for a in truth if begin <= a.taken < begin + 3600]
    last = datetime.fromtimestamp(max(a.available for a in of_hour), UTC)
    return f"{len(of_hour)} readings, the last available {last:%d %H:%M:%S}"


def at_share(backlog: list[Arrival], share: float) -> datetime:
    """Return a moment when about `share` of a backlog is available, not all of it."""
    arrival = backlog[min(int(len(backlog) * share), len(backlog) - 2)]
    return datetime.fromtimestamp(arrival.available + 0.5, UTC)


async def test_soak_days_with_faults_and_restarts(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    live: LiveSimulator,
    scenario: Scenario,
    malformed: Malformed,
    setup_credentials: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    pytestconfig: pytest.Config,
) -> None:
    """Nothing lost and every statistic hour right, through faults and restarts."""
    # os.times() keeps real time while freezegun holds time and perf_counter.
    began = os.times().elapsed
    simulator = live.simulator
    truth = arrivals(scenario)
    backlogs = stall_backlogs(scenario, truth)
    available = {a.record_id: a.available for a in truth}

    entry = linked_user(hass, live, USER)
    entry.add_to_hass(hass)
    seen = Seen()
    restarts: list[Restart] = []

    async def until_loaded() -> None:
        """Let Home Assistant retry a setup a fault refused, until it is loaded."""
        for _ in range(SETUP_RETRY_STEPS):
            if entry.state is ConfigEntryState.LOADED:
                seen.follow(entry)
                return
            assert entry.state is ConfigEntryState.SETUP_RETRY, entry.state
            await async_advance(hass, freezer, SETUP_RETRY_STEP)
        pytest.fail(f"entry not loaded after setup retries: {entry.state}")

    def note_restart(kind: str, backlog: list[Arrival]) -> None:
        now = datetime.now(UTC).timestamp()
        restarts.append(
            Restart(
                kind=kind,
                at=datetime.now(UTC),
                backlog_seen=sum(a.record_id in seen.readings for a in backlog),
                backlog_pending=sum(a.available > now for a in backlog),
            )
        )

    def reload(backlog: list[Arrival]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await settle(hass)  # the recorder has written what it was given
            note_restart("reload", backlog)
            await hass.config_entries.async_reload(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
            await until_loaded()

        return run

    def unload_and_wait(backlog: list[Arrival]) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            note_restart(f"unload ({UNLOADED_FOR} down, then setup)", backlog)
            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
            await async_advance(hass, freezer, UNLOADED_FOR)
            await settle(hass)  # two hours on, the recorder is long done
            await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done(wait_background_tasks=True)
            await until_loaded()

        return run

    def burst(
        count: int, status: int, retry_after: int
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            simulator.burst(count=count, status=status, retry_after=retry_after)

        return run

    first, second, third = backlogs
    events = sorted(
        [
            Event(scenario.start + timedelta(hours=6), "429 burst", burst(3, 429, 90)),
            Event(scenario.start + timedelta(hours=30), "503 burst", burst(2, 503, 30)),
            # While the first stall's backlog appears: a third of it, then two thirds.
            Event(at_share(first, 1 / 3), "reload", reload(first)),
            Event(at_share(first, 2 / 3), "reload", reload(first)),
            # The second's: a reload (its first refresh sees a part of the
            # backlog), then down for two hours while the rest appears.
            Event(at_share(second, 1 / 3), "reload", reload(second)),
            Event(at_share(second, 2 / 3), "unload", unload_and_wait(second)),
            # The third's: one reload halfway.
            Event(at_share(third, 1 / 2), "reload", reload(third)),
        ],
        key=lambda event: event.at,
    )

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await until_loaded()
    calls_before = sum(a.path.startswith("/v3/") for a in live.answers)

    polls = 0
    while (now := datetime.now(UTC)) < scenario.end:
        interval = coordinator_of(entry).update_interval
        assert interval is not None
        if events and events[0].at <= now + interval:
            event = events.pop(0)
            await async_advance(hass, freezer, max(event.at - now, timedelta(0)))
            seen.take(entry)
            await event.run()
            continue
        await next_poll(hass, freezer, entry)
        seen.take(entry)
        polls += 1
    assert not events, f"events not run: {[event.name for event in events]}"

    # The end: faults off, then one successful poll, so that everything
    # available by now must have been fetched.
    simulator.clear_faults()
    for _ in range(FINAL_POLLS):
        await next_poll(hass, freezer, entry)
        seen.take(entry)
        polls += 1
        if coordinator_of(entry).last_update_success:
            break
    assert coordinator_of(entry).last_update_success
    end = datetime.now(UTC)
    await settle(hass)

    # Readings: what the simulator shows now, from the first fetch's start on.
    tracked_from = scenario.start - INITIAL_WINDOW
    shown = live.visible(USER, tracked_from, end + timedelta(seconds=1))
    made = {record["recordId"]: record for record in shown}
    # The bench's arrival times agree with the served simulator.
    assert set(made) == {
        a.record_id
        for a in truth
        if a.available <= end.timestamp() and a.taken >= tracked_from.timestamp()
    }
    lost = sorted(set(made) - set(seen.readings), key=lambda rid: available[rid])
    phantom = set(seen.readings) - set(made)
    wrong = [
        rid
        for rid, reading in seen.readings.items()
        if rid in made and glucose_value(reading) != expected_value(made[rid])
    ]
    new_readings = sum(
        scenario.start.timestamp() < a.available <= end.timestamp() for a in truth
    )
    data_calls = sum(a.path.startswith("/v3/") for a in live.answers) - calls_before
    egvs_calls = len(live.answers_to(EGVS))
    statuses = Counter(a.status for a in live.answers if a.path.startswith("/v3/"))

    # Statistics: every hour written, against the simulator's own readings.
    written = await hourly(hass, entry)
    backfill_from = scenario.start - BACKFILL
    expected = hourly_truth(
        live.visible(USER, backfill_from, end + timedelta(seconds=1))
    )
    mismatched = {
        hour: (stats, expected.get(hour))
        for hour, stats in written.items()
        if expected.get(hour) is None
        or stats != pytest.approx(expected[hour], rel=1e-9, abs=1e-9)
    }
    missing = sorted(set(expected) - set(written))

    figures = (
        f"soak: {USER}, seed {SEED}, {DAYS:g} simulated days from"
        f" {scenario.start:%Y-%m-%d %H:%M} UTC, delay {DELAY / 3600:g} h,"
        f" {len(scenario.stalls)} stalls, {len(scenario.sensor_changes)} sensor"
        f" change(s); readings made {len(made)}, seen {len(seen.readings)},"
        f" lost {len(lost)}, wrong value {len(wrong)}, not made {len(phantom)};"
        f" new readings {new_readings}, data calls {data_calls}"
        f" ({data_calls / max(new_readings, 1):.2f} per new reading;"
        f" egvs {egvs_calls}), polls {polls};"
        f" /v3 answers by status {dict(sorted(statuses.items()))},"
        f" malformed {malformed.count}; statistic hours compared {len(written)}"
        f" (expected {len(expected)}, mismatched {len(mismatched)},"
        f" missing {len(missing)}); restarts {len(restarts)}: "
        + "; ".join(
            f"{r.kind} at {r.at:%d %H:%M:%S} with backlog {r.backlog_seen} seen,"
            f" {r.backlog_pending} pending"
            for r in restarts
        )
        + f"; wall {os.times().elapsed - began:.1f} s"
    )
    reporter = pytestconfig.pluginmanager.getplugin("terminalreporter")
    if reporter is not None:
        with capsys.disabled():
            reporter.write_line(f"\n{figures}")

    # The run did what it set out to: faults of each kind, restarts mid-backlog.
    assert len(restarts) == 5, figures
    assert all(r.backlog_pending > 0 for r in restarts), figures
    # The unload came after a refresh had fetched a part of the backlog.
    assert [r.backlog_seen > 0 for r in restarts if r.kind != "reload"] == [True], (
        figures
    )
    assert statuses[429] >= 3, figures
    assert statuses[503] >= 2, figures
    assert statuses[500] + statuses[502] > 0, figures
    assert malformed.count > 0, figures

    assert not lost, (
        f"{len(lost)} readings lost, first ones (taken, available): "
        + ", ".join(
            f"{system_time(made[rid]):%d %H:%M}/"
            f"{datetime.fromtimestamp(available[rid], UTC):%d %H:%M:%S}"
            for rid in lost[:8]
        )
        + f"\n{figures}"
    )
    assert not phantom, figures
    assert not wrong, figures
    assert not mismatched, (
        "statistic hours differing from the simulator's readings"
        " (hour: written != expected (mean, min, max); the hour's readings,"
        " when the last became available): "
        + ", ".join(
            f"{hour:%m-%d %H:%M} {got} != {want} ({arrived(hour, truth)})"
            for hour, (got, want) in list(mismatched.items())[:8]
        )
        + f"\n{figures}"
    )
    assert not missing, (
        f"hours with readings but no statistic: {[f'{h:%m-%d %H:%M}' for h in missing[:8]]}"
        f"\n{figures}"
    )
    assert data_calls / max(new_readings, 1) <= MAX_DATA_CALLS_PER_READING, figures

    for record in caplog.get_records("call"):
        if record.name.startswith("pytest_homeassistant_custom_component"):
            continue  # the harness's storage mock dumps what it saves
        text = record.getMessage() + str(record.exc_info or "")
        assert not [s for s in live.secrets if s in text], record.getMessage()
