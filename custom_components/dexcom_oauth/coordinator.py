"""Fetch glucose readings incrementally and keep a bounded, de-duplicated window."""

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from statistics import median
from typing import override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .client import (
    Device,
    DexcomAuthError,
    DexcomClient,
    DexcomError,
    DexcomRateLimitError,
    GlucoseReading,
)
from .const import (
    DEFAULT_DATA_DELAY,
    DEVICES_REFRESH_INTERVAL,
    DOMAIN,
    FETCH_OVERLAP,
    INITIAL_WINDOW,
    KEPT_WINDOW,
    MAX_DATA_DELAY,
    READING_INTERVAL,
    STALE_MARGIN,
)
from .readings import has_glucose
from .schedule import PollScheduler
from .statistics import GlucoseStatistics

_LOGGER = logging.getLogger(__name__)

type DexcomConfigEntry = ConfigEntry[DexcomCoordinator]

# How many recent arrivals the learned data delay is the median of.
DELAY_SAMPLES = 12
# The learned schedule is saved at most this often (seconds).
SCHEDULE_SAVE_DELAY = 60
# After the newest reading jumps ahead (a backlog after a stall), refreshes keep
# asking from where that fetch started for this long: a backlog's records can
# appear over a while and in any order, so older ones may still be on their way.
BACKLOG_SETTLE = timedelta(minutes=30)


def schedule_store(hass: HomeAssistant, entry: ConfigEntry) -> Store[dict[str, object]]:
    """Return where an entry's learned poll schedule survives restarts."""
    return Store(hass, 1, f"{DOMAIN}.{entry.entry_id}.schedule")


@dataclass(frozen=True, slots=True)
class DexcomData:
    """What the entities show: the kept readings and what was learned from them."""

    readings: tuple[GlucoseReading, ...]
    latest: GlucoseReading | None
    data_delay: timedelta | None
    stale_after: timedelta
    device: Device | None

    def is_current(self, now: datetime) -> bool:
        """Whether the latest reading is recent enough to act on."""
        return (
            self.latest is not None
            and now - self.latest.system_time <= self.stale_after
        )


class DexcomCoordinator(DataUpdateCoordinator[DexcomData]):
    """Polls the egvs endpoint for what is newer than the newest stored reading."""

    config_entry: DexcomConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: DexcomConfigEntry, client: DexcomClient
    ) -> None:
        """Start with nothing stored."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=READING_INTERVAL,
        )
        self.client = client
        self.statistics = GlucoseStatistics(
            hass, entry, client, lambda: list(self._readings.values())
        )
        self._readings: dict[str, GlucoseReading] = {}
        self._delay_samples: deque[timedelta] = deque(maxlen=DELAY_SAMPLES)
        self._device: Device | None = None
        self._devices_checked: datetime | None = None
        self._skipped_logged = False
        # Where refreshes start while a backlog settles, and until when.
        self._backlog: tuple[datetime, datetime] | None = None
        self.schedule = PollScheduler()
        self._schedule_store = schedule_store(hass, entry)

    async def async_load_schedule(self) -> None:
        """Resume the learned schedule, so a restart does not relearn the delay."""
        self.schedule = PollScheduler.from_dict(await self._schedule_store.async_load())

    @property
    def newest(self) -> GlucoseReading | None:
        """The newest stored reading, by systemTime."""
        return max(self._readings.values(), key=_by_time, default=None)

    def fetch_start(self, now: datetime) -> datetime:
        """Where the next egvs window begins: just before the newest reading."""
        if (newest := self.newest) is None:
            return now - INITIAL_WINDOW
        start = min(newest.system_time - FETCH_OVERLAP, now - READING_INTERVAL)
        if self._backlog is not None and now < self._backlog[1]:
            start = min(start, self._backlog[0])
        return start

    @override
    async def _async_update_data(self) -> DexcomData:
        """Fetch new readings; map client errors to Home Assistant's."""
        now = dt_util.utcnow().replace(microsecond=0)
        start = self.fetch_start(now)
        try:
            batch = await self.client.egvs(start, now)
            await self._refresh_devices(now)
        except DexcomError as err:
            self.schedule.record_failure(
                now, err.retry_after if isinstance(err, DexcomRateLimitError) else None
            )
            self._plan_next_poll(now)
            raise self._translated(err) from err
        if batch.skipped and not self._skipped_logged:
            _LOGGER.warning(
                "Dexcom sent %d reading(s) without a record id or time; they are"
                " ignored (logged once)",
                batch.skipped,
            )
            self._skipped_logged = True
        previous = self.newest
        new = self._store(batch.readings, now)
        self._watch_backlog(previous, start, now)
        self.statistics.update(new)
        newest = self.newest
        self.schedule.record_poll(now, newest.system_time if newest else None)
        self._plan_next_poll(now)
        return self._snapshot()

    def _watch_backlog(
        self, previous: GlucoseReading | None, start: datetime, now: datetime
    ) -> None:
        """Keep asking from `start` for a while when the newest reading jumped.

        The next window would begin FETCH_OVERLAP before the new newest reading
        and so miss records of the jump that the API did not show yet.
        """
        newest = self.newest
        if (
            previous is not None
            and newest is not None
            and newest.system_time - previous.system_time > FETCH_OVERLAP
        ):
            self._backlog = (start, now + BACKLOG_SETTLE)

    def _plan_next_poll(self, now: datetime) -> None:
        """Poll next when the next reading should be available; save what was learned."""
        self.update_interval = self.schedule.next_poll(now)
        self._schedule_store.async_delay_save(
            self.schedule.as_dict, SCHEDULE_SAVE_DELAY
        )

    @staticmethod
    def _translated(err: DexcomError) -> Exception:
        """Map a client error to Home Assistant's translated exceptions."""
        if isinstance(err, DexcomAuthError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            )
        if isinstance(err, DexcomRateLimitError):
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=err.retry_after,
            )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="api_error",
            translation_placeholders={"error": str(err)},
        )

    async def _refresh_devices(self, now: datetime) -> None:
        """Fetch the device list when it is due; it only names the model."""
        if (
            self._devices_checked is not None
            and now - self._devices_checked < DEVICES_REFRESH_INTERVAL
        ):
            return
        self._devices_checked = now
        try:
            devices = await self.client.devices()
        except DexcomAuthError:
            raise
        except DexcomError as err:
            _LOGGER.debug("Could not fetch Dexcom devices: %s", err)
            return
        self._device = max(
            devices.devices,
            key=lambda d: (
                d.last_upload_date or datetime.min.replace(tzinfo=dt_util.UTC)
            ),
            default=self._device,
        )

    def _store(
        self, readings: tuple[GlucoseReading, ...], now: datetime
    ) -> list[GlucoseReading]:
        """Merge new readings, learn the delay, forget what left the window."""
        previous = self.newest
        new = [r for r in readings if r.record_id not in self._readings]
        for reading in new:
            self._readings[reading.record_id] = reading
        # Only a reading newer than all before says how late readings arrive;
        # an older record filled in late would overstate it.
        if (newest := self.newest) is not None and newest is not previous:
            self._delay_samples.append(now - newest.system_time)
        if newest is not None:
            horizon = newest.system_time - KEPT_WINDOW
            self._readings = {
                key: r for key, r in self._readings.items() if r.system_time >= horizon
            }
        return new

    def _snapshot(self) -> DexcomData:
        """Freeze the current state for the entities."""
        readings = tuple(sorted(self._readings.values(), key=_by_time))
        delay = (
            timedelta(seconds=median(d.total_seconds() for d in self._delay_samples))
            if self._delay_samples
            else None
        )
        expected = (
            min(delay, MAX_DATA_DELAY) if delay is not None else DEFAULT_DATA_DELAY
        )
        return DexcomData(
            readings=readings,
            latest=next((r for r in reversed(readings) if has_glucose(r)), None),
            data_delay=delay,
            stale_after=expected + STALE_MARGIN,
            device=self._device,
        )


def _by_time(reading: GlucoseReading) -> datetime:
    return reading.system_time
