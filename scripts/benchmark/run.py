"""One run: the real coordinator and client polling the simulator over HTTP.

The simulator runs in its own thread, so the CPU time per update is the
integration's alone (time.thread_time of Home Assistant's thread).
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
import logging
import random
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
from dexcom_simulator import SimulatedClock, Simulator
from homeassistant.config_entries import SOURCE_USER, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util

from .measure import classify, deep_size, measure
from .model import Job, Result
from .scenario import arrivals

ENDPOINTS = ("egvs", "devices", "alerts", "events", "calibrations", "dataRange")
# How often the kept window's size is sampled.
MEMORY_SAMPLE = timedelta(hours=1)


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
