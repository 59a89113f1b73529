"""Daily long-term statistics of the measures, per local calendar day.

One external statistic per measure and account (`dexcom_oauth:daily_<measure>_
<entry id>`; the entry id, unlike Dexcom's userId, is no secret), named after
the account. Each local day (Home Assistant's time zone) is one row at the
hour of its local midnight whose mean is the day's value, written once the
readings reach past the day's end and written again when late readings
change it: rows are replaced, never added up, so writing twice is harmless.
A day with less than 70 % of its readings gets only its CGM active row.

On the first link the days before the kept 14 days are backfilled, up to 90
days back, in requests of at most 30 days, newest first, stopping at the
first one Dexcom serves empty.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
import logging
from typing import TYPE_CHECKING, Final

from custom_components.dexcom_oauth.client import DexcomError, GlucoseReading
from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.readings import glucose_value
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
from homeassistant.const import PERCENTAGE, UnitOfBloodGlucoseConcentration
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import BloodGlucoseConcentrationConverter

from .daily import DayMeasures, daily_measures, day_bounds, local_day
from .metrics import Measures, RangeBounds

if TYPE_CHECKING:
    from custom_components.dexcom_oauth.coordinator import DexcomCoordinator

_LOGGER = logging.getLogger(__name__)

BACKFILL: Final = timedelta(days=90)
# Dexcom serves at most 30 days per request.
REQUEST_SPAN: Final = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class DailyMeasure:
    """One daily statistic: its key, name, unit and value."""

    key: str
    name: str
    unit: str
    value_fn: Callable[[Measures], float | None]
    # CGM active is written for every day; the rest need 70 % of the readings.
    always: bool = False


DAILY_MEASURES: Final = (
    DailyMeasure("time_in_range", "time in range", PERCENTAGE, lambda m: m.in_range),
    DailyMeasure(
        "time_below_range", "time below range", PERCENTAGE, lambda m: m.below_range
    ),
    DailyMeasure(
        "time_above_range", "time above range", PERCENTAGE, lambda m: m.above_range
    ),
    DailyMeasure(
        "mean_glucose",
        "mean glucose",
        UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER,
        lambda m: m.mean,
    ),
    DailyMeasure("glucose_cv", "glucose CV", PERCENTAGE, lambda m: m.cv),
    DailyMeasure(
        "cgm_active", "CGM active", PERCENTAGE, lambda m: m.active_percent, True
    ),
)


def daily_statistic_id(entry: ConfigEntry, key: str) -> str:
    """Name one daily statistic of an entry."""
    return f"{DOMAIN}:daily_{key}_{entry.entry_id.lower()}"


@callback
def async_clear_daily_statistics(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the entry's daily statistics (the account is being removed)."""
    if "recorder" in hass.config.components:
        get_instance(hass).async_clear_statistics(
            [daily_statistic_id(entry, m.key) for m in DAILY_MEASURES]
        )


class DailyStatistics:
    """Keeps one account's daily statistics complete and current."""

    def __init__(self, coordinator: DexcomCoordinator) -> None:
        """Describe the statistics; nothing is written before the first readings."""
        self._coordinator = coordinator
        self._hass = coordinator.hass
        # What was written for each day in this run, to skip unchanged days.
        self._written: dict[date, Measures] = {}
        entry = coordinator.config_entry
        self._metadata = {
            m.key: StatisticMetaData(
                mean_type=StatisticMeanType.ARITHMETIC,
                has_sum=False,
                name=f"{entry.title} {m.name} (daily)",
                source=DOMAIN,
                statistic_id=daily_statistic_id(entry, m.key),
                unit_class=BloodGlucoseConcentrationConverter.UNIT_CLASS
                if m.unit == UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER
                else None,
                unit_of_measurement=m.unit,
            )
            for m in DAILY_MEASURES
        }

    @property
    def enabled(self) -> bool:
        """Statistics need the recorder."""
        return "recorder" in self._hass.config.components

    async def async_backfill_due(self) -> bool:
        """Whether no daily statistic was written yet (a first link)."""
        if not self.enabled:
            return False
        statistic_id = self._metadata["cgm_active"]["statistic_id"]
        last = await get_instance(self._hass).async_add_executor_job(
            get_last_statistics, self._hass, 1, statistic_id, False, {"mean"}
        )
        return not last.get(statistic_id)

    def write_days(
        self,
        series: Iterable[tuple[datetime, int]],
        until: datetime,
        bounds: RangeBounds,
        days: Iterable[date] | None = None,
    ) -> None:
        """Write the days of the series that are over by `until`."""
        if not self.enabled:
            return
        time_zone = dt_util.get_default_time_zone()
        self._write(daily_measures(series, time_zone, until, days, bounds))

    def days_of(self, readings: Iterable[GlucoseReading]) -> set[date]:
        """Return the local days these readings change, and the days before them.

        A reading after midnight completes the day before it.
        """
        time_zone = dt_util.get_default_time_zone()
        days = {local_day(r.system_time, time_zone) for r in readings}
        return days | {day - timedelta(days=1) for day in days}

    def start_of(self, day: date) -> datetime:
        """Return the local midnight that starts a day, in UTC."""
        return day_bounds(day, dt_util.get_default_time_zone())[0]

    def first_whole_day(self, start: datetime) -> datetime:
        """Return the first local midnight at or after `start`, in UTC."""
        time_zone = dt_util.get_default_time_zone()
        day_start, day_end = day_bounds(local_day(start, time_zone), time_zone)
        return day_start if day_start == start else day_end

    async def async_backfill(self, before: datetime, bounds: RangeBounds) -> None:
        """Fill the days before `before` (a local midnight), up to 90 days back."""
        end = before
        oldest = self.first_whole_day(dt_util.utcnow() - BACKFILL)
        while end > oldest:
            start = max(end - REQUEST_SPAN, oldest)
            try:
                batch = await self._coordinator.client.egvs(start, end)
            except DexcomError as err:
                _LOGGER.warning(
                    "%s: could not fetch past readings for the daily statistics: %s",
                    self._coordinator.config_entry.title,
                    err,
                )
                return
            series = [
                (r.system_time, value)
                for r in batch.readings
                if start <= r.system_time < end
                and (value := glucose_value(r)) is not None
            ]
            if not series:
                return
            # The first day may be cut by the request's start: skip it unless whole.
            whole = self.first_whole_day(start)
            self.write_days([(t, v) for t, v in series if t >= whole], end, bounds)
            end = start

    def _write(self, days: list[DayMeasures]) -> None:
        """Write the days whose measures changed since they were last written."""
        rows: dict[str, list[StatisticData]] = {m.key: [] for m in DAILY_MEASURES}
        for day in days:
            if self._written.get(day.day) == day.measures:
                continue
            self._written[day.day] = day.measures
            start = _first_hour(day.measures.start)
            for measure in DAILY_MEASURES:
                if not (measure.always or day.measures.sufficient):
                    continue
                value = measure.value_fn(day.measures)
                assert value is not None  # a sufficient day has readings
                rows[measure.key].append(
                    StatisticData(start=start, mean=value, min=value, max=value)
                )
        if self._written:
            # Bounded: days older than the backfill are never written again.
            oldest = max(self._written) - BACKFILL
            self._written = {d: m for d, m in self._written.items() if d >= oldest}
        for key, statistics in rows.items():
            if statistics:
                async_add_external_statistics(
                    self._hass, self._metadata[key], statistics
                )


def _first_hour(moment: datetime) -> datetime:
    """Return the first whole hour at or after a moment.

    Long-term statistics are hourly; where local midnight falls on a half
    hour (UTC+5:30), the day's row goes to its first whole hour, not to the
    hour before midnight, which belongs to the previous day.
    """
    hour = moment.replace(minute=0, second=0, microsecond=0)
    return hour if hour == moment else hour + timedelta(hours=1)
