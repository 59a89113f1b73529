"""Hourly glucose statistics at the hours the readings were taken.

Dexcom delivers readings one to three hours late, so the statistics Home
Assistant compiles from the value sensor's states land hours after the fact.
This module writes a separate external statistic, `dexcom_oauth:glucose_<entry>`,
whose hourly mean/min/max sit at the readings' own hours. Each write replaces
whole hours recomputed from every reading of that hour, so writing an hour
again (after a restart, a reload or a late record) never double-counts it.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
import logging

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import UnitOfBloodGlucoseConcentration
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import BloodGlucoseConcentrationConverter

from .client import DexcomClient, DexcomError, GlucoseReading
from .const import DOMAIN
from .readings import glucose_value
from .window import ReadingWindow

_LOGGER = logging.getLogger(__name__)

# How far back the first link fills the statistics (Dexcom's window limit).
BACKFILL: timedelta = timedelta(days=30)
HOUR = timedelta(hours=1)


def statistic_id_for(entry: ConfigEntry) -> str:
    """Name the entry's statistic; the entry id, unlike the userId, is no secret."""
    return f"{DOMAIN}:glucose_{entry.entry_id.lower()}"


@callback
def async_clear_statistics(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the entry's statistic (the account is being removed).

    The recorder runs its tasks in order, so a re-link of the same account
    writes its new statistic after this deletion.
    """
    if "recorder" in hass.config.components:
        get_instance(hass).async_clear_statistics([statistic_id_for(entry)])


def hourly_statistics(readings: Iterable[GlucoseReading]) -> list[StatisticData]:
    """Mean, min and max of each hour the readings fall in, oldest first."""
    by_hour: dict[datetime, list[int]] = defaultdict(list)
    for reading in readings:
        if (value := glucose_value(reading)) is not None:
            start = reading.system_time.replace(minute=0, second=0, microsecond=0)
            by_hour[start].append(value)
    return [
        StatisticData(
            start=start,
            mean=sum(values) / len(values),
            min=min(values),
            max=max(values),
        )
        for start, values in sorted(by_hour.items())
    ]


class GlucoseStatistics:
    """Keeps one account's true-time statistic complete and current."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: DexcomClient,
        window: ReadingWindow,
    ) -> None:
        """Describe the statistic; `window` holds the readings kept in memory."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._window = window
        self._catching_up = False
        self.statistic_id = statistic_id_for(entry)
        self._metadata = StatisticMetaData(
            mean_type=StatisticMeanType.ARITHMETIC,
            has_sum=False,
            name=f"{entry.title} glucose (reading time)",
            source=DOMAIN,
            statistic_id=self.statistic_id,
            unit_class=BloodGlucoseConcentrationConverter.UNIT_CLASS,
            unit_of_measurement=UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER,
        )
        self.caught_up = False
        # Told of the past readings the catch-up fetched (the sensor session).
        self.on_fetched: Callable[[tuple[GlucoseReading, ...]], None] | None = None

    @property
    def enabled(self) -> bool:
        """Statistics need the recorder."""
        return "recorder" in self._hass.config.components

    def update(self, new: Iterable[GlucoseReading]) -> None:
        """Write the hours of new readings, or catch up first if not yet done."""
        if not self.enabled:
            return
        if not self.caught_up:
            if not self._catching_up:
                self._catching_up = True
                self._entry.async_create_background_task(
                    self._hass, self._async_catch_up(), f"{DOMAIN} statistics catch-up"
                )
            return
        whole = self._window.first_whole_hour
        hours = {h for r in new if whole is not None and (h := _hour_of(r)) >= whole}
        self._write(r for r in self._window.readings if _hour_of(r) in hours)

    def _write(self, readings: Iterable[GlucoseReading]) -> None:
        """Replace the hours of these readings with their statistics."""
        if statistics := hourly_statistics(readings):
            async_add_external_statistics(self._hass, self._metadata, statistics)

    async def _async_catch_up(self) -> None:
        """Fill every hour since the last written one (at most 30 days back).

        Hours are written only from readings that hold all of the hour: those
        fetched here from `start`, and the reading window's whole hours.

        Runs after the first successful refresh and, when it could not finish,
        after the next one, so hours missed while Home Assistant or Dexcom was
        down are filled.
        """
        try:
            now = dt_util.utcnow().replace(microsecond=0)
            start = max(
                await self._last_written_hour() or now - BACKFILL, now - BACKFILL
            )
            # The window holds whole hours from `whole` on; fetch what it lacks.
            whole = self._window.first_whole_hour or now
            fetched: tuple[GlucoseReading, ...] = ()
            if start < whole:
                try:
                    fetched = (await self._client.egvs(start, now)).readings
                except DexcomError as err:
                    _LOGGER.warning(
                        "Could not fetch past readings for the statistics yet: %s",
                        err,
                    )
                    return
            if fetched and self.on_fetched is not None:
                self.on_fetched(fetched)
            # Rewrite the window's whole hours too, not only those from the
            # last written one: readings of older hours may have appeared
            # while Home Assistant was down (a backlog).
            readings = _unique([*fetched, *self._window.readings])
            self._write(r for r in readings if _hour_of(r) >= min(start, whole))
            self.caught_up = True
        finally:
            self._catching_up = False

    async def _last_written_hour(self) -> datetime | None:
        """Return the start of the newest hour already in the recorder, if any."""
        last = await get_instance(self._hass).async_add_executor_job(
            get_last_statistics, self._hass, 1, self.statistic_id, False, {"mean"}
        )
        if rows := last.get(self.statistic_id):
            return dt_util.utc_from_timestamp(rows[0]["start"])
        return None


def _hour_of(reading: GlucoseReading) -> datetime:
    return reading.system_time.replace(minute=0, second=0, microsecond=0)


def _unique(readings: list[GlucoseReading]) -> list[GlucoseReading]:
    """Drop repeated records (the fetched window overlaps what is in memory)."""
    return list({r.record_id: r for r in readings}.values())
