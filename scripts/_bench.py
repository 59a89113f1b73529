"""Benchmark the poll schedule against fixed intervals, in simulated time.

The real DexcomCoordinator and DexcomClient poll the Dexcom simulator over
HTTP on 127.0.0.1 while the bench moves one simulated clock, read by both
sides, from poll to poll the way Home Assistant's timer would. Every
configuration sees the same simulated days: data delays of 0, 1 and 3 hours,
upload jitter, one two-hour phone stall a day and a sensor change with its
warm-up. The result is one Markdown table, and the exit status says whether
the project's schedule meets its targets.

The simulator runs in its own thread, so the CPU time per update is the
integration's alone (time.thread_time of Home Assistant's thread).
"""

import argparse
import asyncio
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
import logging
import math
import random
import sys
import tempfile
import threading
import time
from types import MappingProxyType

import aiohttp
from aiohttp import web

from custom_components.dexcom_oauth.client import DexcomClient
from custom_components.dexcom_oauth.const import DOMAIN, READING_INTERVAL
from custom_components.dexcom_oauth.coordinator import DexcomCoordinator
from custom_components.dexcom_oauth.schedule import PollScheduler
from dexcom_simulator import SimulatedClock, Simulator, SimulatorConfig, Stall
from dexcom_simulator.records import egv as egv_record
from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from ._bench_analytics import measure as analytics_cost

USER = "SandboxUser6"  # a G6: two hours of warm-up after each sensor change
SEED = 20261123
DAYS = 7.0
JITTER = 20.0
STALL_SECONDS = 7200.0
DELAYS = (0.0, 3600.0, 10800.0)
FIXED_INTERVALS = (60, 180, 300)
PROJECT = "this project"

# Targets for this project's schedule: all endpoints, and the glucose ones alone.
MAX_CALLS_PER_READING = 1.25
MAX_GLUCOSE_CALLS_PER_READING = 1.15
ENDPOINTS = ("egvs", "devices", "alerts", "events", "calibrations", "dataRange")
GLUCOSE_ENDPOINTS = ("egvs", "devices", "dataRange")
MAX_P95_LAG = 30.0
MAX_STALL_LAG = 300.0

# A poll this little before the next reading appeared was merely early.
EARLY = 60.0
# Readings that become available this close to the end may not be polled yet.
END_MARGIN = 600.0
# The run starts this long before the first sensor's end after BASE.
LEAD = timedelta(hours=36)
BASE = datetime(2026, 11, 23, tzinfo=UTC)
# How often the kept window's size is sampled.
MEMORY_SAMPLE = timedelta(hours=1)
HOUR = 3600.0
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """The simulated days every schedule sees for one data delay."""

    user: str
    seed: int
    delay: float
    start: datetime
    end: datetime
    stalls: tuple[Stall, ...]
    sensor_changes: tuple[float, ...]
    warmup: float

    def config(self) -> SimulatorConfig:
        """Return the simulator configuration of these days."""
        return SimulatorConfig(
            seed=self.seed, delay=self.delay, jitter=JITTER, stalls=self.stalls
        )


@dataclass(frozen=True, slots=True)
class Job:
    """One schedule on one scenario; `interval` None is this project's schedule."""

    scenario: Scenario
    interval: int | None

    @property
    def label(self) -> str:
        """How the table names the schedule."""
        return PROJECT if self.interval is None else f"fixed {self.interval} s"


@dataclass(slots=True)
class Result:
    """What one job measured."""

    job: Job
    calls: int = 0
    by_endpoint: dict[str, int] = field(default_factory=dict)
    new_readings: int = 0
    lags: list[float] = field(default_factory=list)
    lags_in_time: list[float] = field(default_factory=list)
    missed: int = 0
    bytes_received: int = 0
    cpu_seconds: list[float] = field(default_factory=list)
    window_bytes: int = 0
    stall_lags: list[float] = field(default_factory=list)
    sensor_lags: list[float] = field(default_factory=list)
    worst: list[tuple[float, datetime, datetime]] = field(default_factory=list)
    missed_examples: list[tuple[datetime, datetime]] = field(default_factory=list)
    polls: Counter[str] = field(default_factory=Counter)
    failures: int = 0
    refused: int = 0
    wall_seconds: float = 0.0

    @property
    def days(self) -> float:
        """Simulated days polled."""
        span = self.job.scenario.end - self.job.scenario.start
        return span.total_seconds() / DAY


@dataclass(frozen=True, slots=True)
class Arrival:
    """One reading: when it was taken and when the API first shows it."""

    record_id: str
    taken: float
    available: float
    held: bool  # uploaded late because the phone was offline (a stall's backlog)


class FixedSchedule(PollScheduler):
    """A schedule that ignores what it is told and always waits the same."""

    __slots__ = ("interval",)

    def __init__(self, interval: timedelta) -> None:
        """Wait `interval` between polls."""
        super().__init__()
        self.interval = interval

    def next_poll(self, now: datetime) -> timedelta:
        """Return the fixed interval."""
        return self.interval

    def record_poll(self, now: datetime, newest: datetime | None) -> None:
        """Learn nothing."""

    def record_failure(self, now: datetime, retry_after: float | None) -> None:
        """Learn nothing."""


class Tokens:
    """Access tokens straight from the simulator: the bench measures polling.

    Renewed shortly before expiry, as Home Assistant's OAuth2 session does,
    and whenever the API rejects one.
    """

    def __init__(self, simulator: Simulator, user: str) -> None:
        """Issue tokens of `user` on demand."""
        self._simulator = simulator
        self._user = user
        self._token: str | None = None
        self._expires = datetime.min.replace(tzinfo=UTC)

    async def __call__(self, rejected: str | None) -> str:
        """Return a valid access token."""
        now = self._simulator.now()
        if (
            self._token is None
            or rejected is not None
            or now >= self._expires - timedelta(seconds=60)
        ):
            grant = self._simulator.issue_tokens(self._user)
            self._token = grant.access_token
            self._expires = now + timedelta(seconds=grant.expires_in)
        return self._token


@contextmanager
def served(simulator: Simulator) -> Iterator[str]:
    """Serve the simulator on 127.0.0.1 from its own thread; yield its base URL."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = web.AppRunner(simulator.app, access_log=None)

    async def start() -> str:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    try:
        yield asyncio.run_coroutine_threadsafe(start(), loop).result()
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


def build_scenario(user: str, seed: int, delay: float, days: float) -> Scenario:
    """Place the run around a sensor change and add one stall a day.

    Stalls avoid the sensor change, where no readings are taken anyway.
    """
    simulator = Simulator(SimulatorConfig(seed=seed))
    sessions = simulator.user(user).trace.sessions
    base = BASE.timestamp()
    change = sessions.sessions_between(base, base + 30 * DAY)[0].end
    start = datetime.fromtimestamp(change, UTC) - LEAD
    start = start.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(days=days)
    first, last = start.timestamp(), end.timestamp()
    changes = tuple(
        s.start for s in sessions.sessions_between(first, last) if first < s.start
    )
    quiet = [
        (s.start - 2 * HOUR, s.time_of(s.first_reading) + HOUR)
        for s in sessions.sessions_between(first, last)
    ]
    draw = random.Random(seed)
    stalls: list[Stall] = []
    for day in range(math.ceil(days)):
        for _ in range(100):
            begin = first + day * DAY + draw.uniform(2 * HOUR, DAY - 2 * HOUR)
            stop = begin + STALL_SECONDS
            if stop < last - HOUR and all(stop < a or begin > b for a, b in quiet):
                stalls.append(
                    Stall(
                        start=datetime.fromtimestamp(begin, UTC), duration=STALL_SECONDS
                    )
                )
                break
    return Scenario(
        user=user,
        seed=seed,
        delay=delay,
        start=start,
        end=end,
        stalls=tuple(stalls),
        sensor_changes=changes,
        warmup=simulator.user(user).profile.warmup_seconds,
    )


def arrivals(scenario: Scenario) -> list[Arrival]:
    """Every reading of the run with the time the API starts showing it."""
    simulator = Simulator(scenario.config(), now=SimulatedClock(scenario.start))
    data = simulator.user(scenario.user)
    first = scenario.start.timestamp() - scenario.delay - DAY
    readings = data.trace.readings_between(first, scenario.end.timestamp())
    return [
        Arrival(
            record_id=egv_record(data, r)["recordId"],
            taken=r.time,
            available=data.visibility.visible_at(r.time, r.key),
            held=data.upload_time(r.time) > r.time + scenario.delay,
        )
        for r in readings
    ]


def deep_size(obj: object, seen: set[int] | None = None) -> int:
    """Estimate the bytes an object graph holds; shared enum members are free."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, Enum):
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, tuple | list | set | frozenset):
        size += sum(deep_size(item, seen) for item in obj)
    else:
        for slot in getattr(type(obj), "__slots__", ()):
            if hasattr(obj, slot):
                size += deep_size(getattr(obj, slot), seen)
    return size


def new_entry() -> ConfigEntry:
    """Return a config entry for the coordinator; its tokens come from Tokens."""
    return ConfigEntry(
        data={},
        discovery_keys=MappingProxyType({}),
        domain=DOMAIN,
        minor_version=1,
        options={},
        source=SOURCE_USER,
        subentries_data=(),
        title="Bench",
        unique_id="bench",
        version=1,
    )


def next_poll(now: datetime, interval: timedelta, fraction: float) -> datetime:
    """Return when Home Assistant's timer fires after a refresh at `now`.

    DataUpdateCoordinator schedules at int(loop.time()) + update_interval +
    a fraction of a second fixed per coordinator, while the coordinator
    itself reasons in whole seconds.
    """
    whole = now.replace(microsecond=0)
    return whole + timedelta(seconds=fraction) + interval


async def poll(job: Job, clock: SimulatedClock, hass: HomeAssistant) -> Result:
    """Poll through the scenario; note when each reading first reached the data."""
    scenario = job.scenario
    simulator = Simulator(scenario.config(), now=clock)
    result = Result(job)
    known: dict[str, float] = {}
    truth = arrivals(scenario)
    queue = sorted(truth, key=lambda a: a.available)
    due = [a.available for a in queue]
    upcoming = 0
    fraction = random.Random(scenario.seed).random()
    with served(simulator) as base_url:
        session = aiohttp.ClientSession()
        client = DexcomClient(session, base_url, Tokens(simulator, scenario.user))
        coordinator = DexcomCoordinator(hass, new_entry(), client)
        if job.interval is not None:
            coordinator.schedule = FixedSchedule(timedelta(seconds=job.interval))
        now = scenario.start
        sampled = now - MEMORY_SAMPLE
        first = True
        calls_before = bytes_before = 0
        endpoints_before: dict[str, int] = {}
        while now <= scenario.end:
            clock.set(now)
            cpu = time.thread_time()
            await coordinator.async_refresh()
            cpu = time.thread_time() - cpu
            data = coordinator.data
            if not coordinator.last_update_success:
                result.failures += 1
            stamp = now.timestamp()
            before = len(known)
            for reading in data.readings if data is not None else ():
                known.setdefault(reading.record_id, stamp)
            while upcoming < len(due) and due[upcoming] <= stamp:
                upcoming += 1
            if first:
                # The first refresh fetches a day of history: not polling.
                first_stats = simulator.read_stats()
                calls_before = first_stats.total_requests
                endpoints_before = {
                    name: first_stats.count(f"/v3/users/self/{name}")
                    for name in ENDPOINTS
                }
                bytes_before = client.bytes_received
                first = False
            else:
                awaited = queue[upcoming] if upcoming < len(queue) else None
                result.polls[
                    classify(len(known) > before, stamp, awaited, scenario)
                ] += 1
                result.cpu_seconds.append(cpu)
            if data is not None and now - sampled >= MEMORY_SAMPLE:
                result.window_bytes = max(result.window_bytes, deep_size(data.readings))
                sampled = now
            now = next_poll(
                now, coordinator.update_interval or READING_INTERVAL, fraction
            )
        stats = simulator.read_stats()
        result.calls = stats.total_requests - calls_before
        result.by_endpoint = {
            name: stats.count(f"/v3/users/self/{name}") - endpoints_before.get(name, 0)
            for name in ENDPOINTS
        }
        result.refused = sum(
            n
            for by_status in stats.requests.values()
            for status, n in by_status.items()
            if status != 200
        )
        result.bytes_received = client.bytes_received - bytes_before
        await session.close()
    measure(result, truth, known)
    return result


def classify(
    brought: bool, now: float, awaited: Arrival | None, scenario: Scenario
) -> str:
    """Name what a poll found, or why it found nothing.

    `awaited` is the reading that becomes available next. A poll less than
    EARLY before it was early (upload jitter, or the offset still learning);
    one earlier waited out an interruption: a stall (the reading is in a
    stall's backlog), a sensor change and its warm-up, or a signal loss
    (readings the sensor never took).
    """
    if brought:
        return "brought readings"
    if awaited is None:
        return "signal loss"
    if awaited.available - now <= EARLY:
        return "early"
    if awaited.held:
        return "stall"
    if any(
        0 <= awaited.taken - change < 6 * HOUR for change in scenario.sensor_changes
    ):
        return "sensor change"
    return "signal loss"


def measure(result: Result, truth: Sequence[Arrival], known: dict[str, float]) -> None:
    """Freshness lag of each new reading, misses, and lags after stalls and changes."""
    scenario = result.job.scenario
    start, end = scenario.start.timestamp(), scenario.end.timestamp()
    new = [a for a in truth if start < a.available <= end]
    result.new_readings = len(new)
    timed = []
    for arrival in new:
        if arrival.available > end - END_MARGIN:
            continue
        seen = known.get(arrival.record_id)
        if seen is None:
            result.missed += 1
            result.missed_examples.append(
                (
                    datetime.fromtimestamp(arrival.taken, UTC),
                    datetime.fromtimestamp(arrival.available, UTC),
                )
            )
        else:
            timed.append((seen - arrival.available, arrival))
    result.lags = sorted(lag for lag, _ in timed)
    result.lags_in_time = sorted(lag for lag, a in timed if not a.held)
    timed.sort(key=lambda item: item[0], reverse=True)
    result.worst = [
        (
            lag,
            datetime.fromtimestamp(a.taken, UTC),
            datetime.fromtimestamp(a.available, UTC),
        )
        for lag, a in timed[:5]
    ]
    stall_starts = [s.start.timestamp() for s in scenario.stalls]
    result.stall_lags = first_lags(stall_starts, truth, known, end)
    result.sensor_lags = first_lags(list(scenario.sensor_changes), truth, known, end)


def first_lags(
    starts: Sequence[float],
    truth: Sequence[Arrival],
    known: dict[str, float],
    end: float,
) -> list[float]:
    """For each interruption: first new reading known minus first one available."""
    lags = []
    for begin in starts:
        after = [a for a in truth if a.taken >= begin and a.available <= end]
        if not after:
            continue
        available = min(a.available for a in after)
        seen = min(
            (known[a.record_id] for a in after if a.record_id in known), default=end
        )
        lags.append(seen - available)
    return lags


def run_job(job: Job) -> Result:
    """Run one job in a fresh Home Assistant; called in a worker process."""
    logging.basicConfig(level=logging.WARNING)
    began = time.perf_counter()
    clock = SimulatedClock(job.scenario.start)
    # The coordinator reads Home Assistant's clock: make it the simulated one.
    dt_util.utcnow = clock.now  # type: ignore[assignment]  # the bench's clock

    async def main() -> Result:
        with tempfile.TemporaryDirectory() as config_dir:
            hass = HomeAssistant(config_dir)
            # The coordinator keeps the account's device up to date.
            dr.async_setup(hass)
            await dr.async_load(hass)
            try:
                return await poll(job, clock, hass)
            finally:
                await hass.async_stop(force=True)

    result = asyncio.run(main())
    result.wall_seconds = time.perf_counter() - began
    return result


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted values (NaN when empty)."""
    if not values:
        return math.nan
    return values[max(0, math.ceil(share * len(values)) - 1)]


def seconds(value: float) -> str:
    """Format a lag for the table."""
    if math.isnan(value):
        return "–"
    if value >= 600:
        return f"{value / 60:.0f} min"
    return f"{value:.0f} s"


def delay_text(delay: float) -> str:
    """Format a data delay."""
    return "0" if delay == 0 else f"{delay / 3600:g} h"


def table(results: Sequence[Result]) -> str:
    """Return the results as one Markdown table."""
    lines = [
        (
            "| Data delay | Schedule | API calls / day | Calls / new reading"
            " | Lag p50 | Lag p95 (on time) | Lag p95 (all) | Lag max"
            " | Missed readings | KiB received / day"
            " | CPU ms / update | Kept window KiB (peak)"
            " | After a 2-h stall: first new reading (max) |"
            " Calls / new reading per endpoint |"
        ),
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        cpu = sum(r.cpu_seconds) / len(r.cpu_seconds) * 1000 if r.cpu_seconds else 0
        stall = max(r.stall_lags, default=math.nan)
        lines.append(
            f"| {delay_text(r.job.scenario.delay)} | {r.job.label}"
            f" | {r.calls / r.days:.0f} | {r.calls / max(r.new_readings, 1):.2f}"
            f" | {seconds(percentile(r.lags, 0.5))}"
            f" | {seconds(percentile(r.lags_in_time, 0.95))}"
            f" | {seconds(percentile(r.lags, 0.95))}"
            f" | {seconds(max(r.lags, default=math.nan))} | {r.missed}"
            f" | {r.bytes_received / 1024 / r.days:.0f} | {cpu:.2f}"
            f" | {r.window_bytes / 1024:.0f} | {seconds(stall)}"
            f" | {per_endpoint(r)} |"
        )
    return "\n".join(lines)


def per_endpoint(result: Result) -> str:
    """Name each endpoint called with its calls per new reading."""
    readings = max(result.new_readings, 1)
    return ", ".join(
        f"{name} {count / readings:.3f}"
        for name, count in result.by_endpoint.items()
        if count
    )


def glucose_calls(result: Result) -> int:
    """Count the calls the glucose readings alone need."""
    return sum(result.by_endpoint.get(name, 0) for name in GLUCOSE_ENDPOINTS)


def distribution(result: Result) -> str:
    """Return the lag histogram, the worst readings and the polls of one run."""
    edges = (0, 5, 10, 20, 30, 60, 120, 300, math.inf)
    counts = [
        sum(1 for lag in result.lags if low <= lag < high)
        for low, high in zip(edges, edges[1:], strict=False)
    ]
    below = sum(1 for lag in result.lags if lag < 0)
    buckets = ", ".join(
        f"{low:g}-{high:g} s: {n}"
        for (low, high, n) in zip(edges, edges[1:], counts, strict=False)
    )
    worst = "; ".join(
        f"{lag:.0f} s (taken {taken:%d %H:%M:%S}, available {avail:%d %H:%M:%S})"
        for lag, taken, avail in result.worst
    )
    sensor = ", ".join(seconds(lag) for lag in result.sensor_lags) or "–"
    stalls = ", ".join(seconds(lag) for lag in result.stall_lags) or "–"
    text = (
        f"- delay {delay_text(result.job.scenario.delay)}: {buckets}"
        f"{f', negative: {below}' if below else ''}\n"
        f"  worst: {worst}\n"
        f"  first new reading after each stall: {stalls};"
        f" after each sensor change: {sensor}"
    )
    if result.failures or result.refused:
        text += (
            f"\n  failed refreshes: {result.failures};"
            f" requests not answered 200: {result.refused}"
        )
    text += (
        f"\n  readings uploaded on time (not in a stall's backlog): p95 lag"
        f" {seconds(percentile(result.lags_in_time, 0.95))}, max"
        f" {seconds(max(result.lags_in_time, default=math.nan))}"
        f" ({len(result.lags) - len(result.lags_in_time)} backlog readings left out)"
    )
    polls = result.polls
    flowing = polls["brought readings"] + polls["early"]
    text += (
        "\n  polls: "
        + ", ".join(f"{reason} {n}" for reason, n in polls.most_common())
        + f"; while readings flow {flowing / max(polls['brought readings'], 1):.2f}"
        " calls per poll that brought readings"
    )
    if result.missed_examples:
        text += "\n  never reached the data: " + ", ".join(
            f"taken {taken:%d %H:%M}, available {avail:%d %H:%M:%S}"
            for taken, avail in result.missed_examples[:6]
        )
    return text


def verdict(results: Sequence[Result]) -> list[str]:
    """Return the targets this project's schedule misses (empty when none)."""
    problems = []
    for r in results:
        if r.job.interval is not None:
            continue
        delay = delay_text(r.job.scenario.delay)
        per_reading = r.calls / max(r.new_readings, 1)
        if per_reading > MAX_CALLS_PER_READING:
            problems.append(
                f"delay {delay}: {per_reading:.2f} calls per new reading"
                f" > {MAX_CALLS_PER_READING}"
            )
        glucose = glucose_calls(r) / max(r.new_readings, 1)
        if glucose > MAX_GLUCOSE_CALLS_PER_READING:
            problems.append(
                f"delay {delay}: {glucose:.2f} glucose calls per new reading"
                f" > {MAX_GLUCOSE_CALLS_PER_READING}"
            )
        # A stall's backlog is one event, judged by the stall target below.
        if (p95 := percentile(r.lags_in_time, 0.95)) > MAX_P95_LAG:
            problems.append(
                f"delay {delay}: p95 lag of on-time readings {p95:.0f} s"
                f" > {MAX_P95_LAG:.0f} s"
            )
        if (stall := max(r.stall_lags, default=0.0)) > MAX_STALL_LAG:
            problems.append(
                f"delay {delay}: first reading after a stall {stall:.0f} s"
                f" > {MAX_STALL_LAG:.0f} s"
            )
        if r.missed:
            problems.append(
                f"delay {delay}: {r.missed} readings never reached the data"
            )
        if r.failures:
            problems.append(f"delay {delay}: {r.failures} refreshes failed")
    return problems


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days", type=float, default=DAYS, help="simulated days per run"
    )
    parser.add_argument("--user", default=USER, help="simulated sandbox user")
    parser.add_argument("--seed", type=int, default=SEED, help="simulator seed")
    parser.add_argument(
        "--workers", type=int, default=2, help="runs in parallel (processes)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    """Run every schedule on every delay, print the table, judge the targets."""
    args = parse_args(argv)
    began = time.perf_counter()
    jobs = [
        Job(build_scenario(args.user, args.seed, delay, args.days), interval)
        for delay in DELAYS
        for interval in (None, *FIXED_INTERVALS)
    ]
    # The slowest runs (most polls) first, so the workers finish together.
    queue = sorted(jobs, key=lambda job: job.interval or 200)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        done = dict(zip(queue, pool.map(run_job, queue), strict=True))
    results = [done[job] for job in jobs]
    scenario = jobs[0].scenario
    print(
        f"{args.user}, seed {args.seed}, {args.days:g} simulated days from"
        f" {scenario.start:%Y-%m-%d %H:%M} UTC per run; jitter {JITTER:g} s;"
        f" {len(scenario.stalls)} stalls of {STALL_SECONDS / 3600:g} h;"
        f" {len(scenario.sensor_changes)} sensor change(s) with"
        f" {scenario.warmup / 60:g} min of warm-up.\n"
    )
    print(table(results))
    print("\nLag distribution of this project's schedule:")
    for result in results:
        if result.job.interval is None:
            print(distribution(result))
    slowest = max(results, key=lambda r: r.wall_seconds)
    print(
        f"\nWall time {time.perf_counter() - began:.0f} s"
        f" (slowest run {slowest.wall_seconds:.0f} s: {slowest.job.label},"
        f" delay {delay_text(slowest.job.scenario.delay)})."
    )
    cost = analytics_cost(args.user, args.seed, deep_size)
    print(f"\n{cost.line()}")
    problems = verdict(results)
    if (problem := cost.problem()) is not None:
        problems.append(problem)
    if problems:
        print("Targets MISSED:\n" + "\n".join(f"- {p}" for p in problems))
        return 1
    print(
        f"Targets met: ≤ {MAX_CALLS_PER_READING} calls per new reading in all"
        f" (≤ {MAX_GLUCOSE_CALLS_PER_READING} for glucose alone), p95 lag"
        f" ≤ {MAX_P95_LAG:.0f} s at every delay, first reading after a stall"
        f" within {MAX_STALL_LAG / 60:.0f} min, no reading missed."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
