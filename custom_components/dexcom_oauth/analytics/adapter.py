"""Feed the pure analytics from the coordinator and keep their results current.

The coordinator hands every served reading to `add`; the first one also
starts a single request for the 14 days the measures need (Dexcom serves up to
30 days per request). The history is not persisted: after a restart that one
request fills it again, which costs less than writing 4,000 readings to disk
on every poll and always agrees with what Dexcom holds, late records included.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
import logging
from typing import TYPE_CHECKING, Final

from custom_components.dexcom_oauth.client import DexcomError, GlucoseReading
from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.options_flow import range_bounds
from custom_components.dexcom_oauth.readings import glucose_value
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .daily_statistics import REQUEST_SPAN, DailyStatistics
from .history import HISTORY_SPAN, ReadingHistory
from .metrics import Measures, RangeBounds, measures

if TYPE_CHECKING:
    from custom_components.dexcom_oauth.coordinator import DexcomCoordinator

_LOGGER = logging.getLogger(__name__)

RECENT_SPAN: Final = timedelta(hours=24)
_EPISODE_STORE_VERSION: Final = 1


class GlucoseAnalytics:
    """One account's 14-day history and the measures of its two windows."""

    def __init__(self, coordinator: DexcomCoordinator) -> None:
        """Start empty; the first `add` asks Dexcom for the 14 days."""
        self._coordinator = coordinator
        self.history = ReadingHistory(HISTORY_SPAN)
        self.daily = DailyStatistics(coordinator)
        self.loaded = False
        # Every reading Dexcom served from here on is kept (set by the load).
        self._complete_from: datetime | None = None
        self._loading = False
        self._key: tuple[object, ...] | None = None
        self.recent: Measures | None = None
        self.fortnight: Measures | None = None

    @property
    def bounds(self) -> RangeBounds:
        """The target range from the options; saving them reloads the entry."""
        return range_bounds(self._coordinator.config_entry.options)

    def add(self, readings: Iterable[GlucoseReading], now: datetime) -> None:
        """Keep served readings; load the 14 days once, retried on later polls."""
        readings = list(readings)
        if self.history.add(readings) and self._complete_from is not None:
            self._write_days(self.daily.days_of(readings))
        if not self.loaded and not self._loading:
            self._loading = True
            self._coordinator.config_entry.async_create_background_task(
                self._coordinator.hass,
                self._async_load(now),
                f"{DOMAIN} analytics history",
            )

    async def _async_load(self, now: datetime) -> None:
        """Fetch the 14 days before `now` in one request; backfill on a first link.

        On a first link (no daily statistic yet) the request reaches back to
        the local midnight 29 days ago instead, and the days before it are
        backfilled up to 90 days: three requests for 90 days.
        """
        try:
            backfill = await self.daily.async_backfill_due()
            start = (
                self.daily.first_whole_day(now - REQUEST_SPAN)
                if backfill
                else now - HISTORY_SPAN
            )
            batch = await self._coordinator.client.egvs(start, now)
        except DexcomError as err:
            _LOGGER.warning(
                "%s: could not fetch 14 days of readings for the analytics yet: %s",
                self._coordinator.config_entry.title,
                err,
            )
            return
        finally:
            self._loading = False
        self.history.add(batch.readings)
        self.loaded = True
        self._complete_from = start
        self._coordinator.async_update_listeners()
        if backfill:
            self.daily.write_days(
                _series(batch.readings, self.daily.first_whole_day(start)),
                self.history.newest or now,
                self.bounds,
            )
            await self.daily.async_backfill(
                self.daily.first_whole_day(start), self.bounds
            )
        else:
            self._write_days(None)

    @callback
    def recompute(self) -> None:
        """Measure both windows, ending at the newest reading while it is current.

        When readings stop, the windows' end moves on with the clock (minus
        the expected delay), so CGM active falls and, below 70 %, the
        measures turn unknown instead of describing an old period.
        """
        end = self.window_end()
        key = (self.history.version, end, self.bounds)
        if key == self._key:
            return
        self._key = key
        self.recent = self.measure(end, RECENT_SPAN)
        self.fortnight = self.measure(end, HISTORY_SPAN)

    def window_end(self) -> datetime:
        """Return where windows end: the newest reading, or now less the delay if older."""
        end = dt_util.utcnow() - self._coordinator.data.stale_after
        newest = self.history.newest
        return newest if newest is not None and newest > end else end

    def _write_days(self, days: set[date] | None) -> None:
        """Write the local days (all when None) the kept history holds whole."""
        newest = self.history.newest
        if newest is None or self._complete_from is None:
            return
        whole = self.daily.first_whole_day(
            max(self._complete_from, newest - self.history.span)
        )
        if days:
            # Only the readings of those days: a poll touches one or two.
            whole = max(whole, self.daily.start_of(min(days)))
        self.daily.write_days(
            ((t, v) for t, v, _ in self.history.series(whole)),
            newest,
            self.bounds,
            days,
        )

    def measure(self, end: datetime, span: timedelta) -> Measures:
        """Return the measures of the span up to `end`."""
        start = end - span
        return measures(self.history.values(start, end), start, end, self.bounds)


def _series(
    readings: Iterable[GlucoseReading], start: datetime
) -> list[tuple[datetime, int]]:
    """Return the (time, mg/dL) of the readings with glucose from `start` on."""
    return [
        (r.system_time, value)
        for r in readings
        if r.system_time >= start and (value := glucose_value(r)) is not None
    ]


def episode_store(hass: HomeAssistant, entry: ConfigEntry) -> Store[dict[str, str]]:
    """Where the end of the last fired episode is kept, so restarts fire none twice."""
    return Store(hass, _EPISODE_STORE_VERSION, f"{DOMAIN}.{entry.entry_id}.episodes")
