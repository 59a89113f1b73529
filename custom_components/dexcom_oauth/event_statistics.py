"""Daily totals of carbs and insulin as long-term statistics at their true days.

Events arrive hours late, so the totals are written as external statistics
(`dexcom_oauth:carbs_<entry>`, `..._fast_acting_insulin_<entry>`,
`..._long_acting_insulin_<entry>`), one row per local day of Home
Assistant's time zone, placed at the hour holding that day's midnight; its
`state` is the day's total and its `sum` the running total, so a statistics
graph's daily "change" shows each day's total. Each write recomputes every
day its events wholly cover (deleted events left out, edits applied) on top
of the running total before the first of them, so writing a day again never
double-counts it. The first fetch after linking or a restart covers
BACKFILL, like the glucose statistic.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
import logging
from typing import Final

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
from homeassistant.const import UnitOfMass
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import MassConverter

from .client import EventRecord, EventStatus, EventSubType, EventType, EventUnit
from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

# Rows read back to find the running total before the first rewritten day.
_ROWS_BACK: Final = 64
# Insulin has no unit in Home Assistant; "U" is what pens and pumps show.
UNIT_INSULIN: Final = "U"


@dataclass(frozen=True, slots=True)
class DailyKind:
    """One daily total: which events count, and how it is named and measured."""

    key: str
    name: str
    unit: str
    unit_class: str | None
    counts: Callable[[EventRecord], bool]


def _insulin(sub_type: EventSubType) -> Callable[[EventRecord], bool]:
    return lambda event: (
        event.event_type is EventType.INSULIN
        and event.sub_type is sub_type
        and event.unit in (EventUnit.UNITS, EventUnit.UNKNOWN)
    )


KINDS: Final = (
    DailyKind(
        "carbs",
        "carbs",
        UnitOfMass.GRAMS,
        MassConverter.UNIT_CLASS,
        lambda event: (
            event.event_type is EventType.CARBS
            and event.unit in (EventUnit.GRAMS, EventUnit.UNKNOWN)
        ),
    ),
    DailyKind(
        "fast_acting_insulin",
        "fast-acting insulin",
        UNIT_INSULIN,
        None,
        _insulin(EventSubType.FAST_ACTING),
    ),
    DailyKind(
        "long_acting_insulin",
        "long-acting insulin",
        UNIT_INSULIN,
        None,
        _insulin(EventSubType.LONG_ACTING),
    ),
)


def statistic_ids(entry: ConfigEntry) -> list[str]:
    """Name the entry's daily statistics (the entry id is no secret)."""
    return [f"{DOMAIN}:{kind.key}_{entry.entry_id.lower()}" for kind in KINDS]


@callback
def async_clear_event_statistics(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Delete the entry's daily statistics (the account is being removed)."""
    if "recorder" in hass.config.components:
        get_instance(hass).async_clear_statistics(statistic_ids(entry))


def day_start(day: date) -> datetime:
    """Return the UTC hour holding a local day's midnight."""
    midnight = datetime.combine(day, time(0), tzinfo=dt_util.get_default_time_zone())
    return dt_util.as_utc(midnight).replace(minute=0, second=0, microsecond=0)


def daily_totals(
    events: Iterable[EventRecord], kind: DailyKind, first: date, last: date
) -> list[tuple[date, float]]:
    """Total a kind's entered events per local day, from first to last (zeros too)."""
    totals: dict[date, float] = defaultdict(float)
    for event in events:
        if (
            event.status is not EventStatus.DELETED
            and event.value is not None
            and kind.counts(event)
        ):
            totals[dt_util.as_local(event.system_time).date()] += event.value
    return [
        (day, totals[day])
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
    ]


class EventStatistics:
    """Writes one account's daily totals."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Describe the entry's statistics."""
        self._hass = hass
        self._entry = entry
        self._ids = dict(zip((k.key for k in KINDS), statistic_ids(entry), strict=True))

    def update(
        self, events: Iterable[EventRecord], covered_from: datetime, until: datetime
    ) -> None:
        """Rewrite every local day from the first wholly covered one to `until`'s.

        `covered_from` lies days before `until` (EVENTS_KEPT or BACKFILL).
        """
        if "recorder" not in self._hass.config.components:
            return
        # The day covered_from falls in is only partly covered: it starts after.
        first = dt_util.as_local(covered_from).date() + timedelta(days=1)
        last = dt_util.as_local(until).date()
        kept = tuple(events)
        self._entry.async_create_background_task(
            self._hass,
            self._async_write(kept, first, last),
            f"{DOMAIN} daily totals",
        )

    async def _async_write(
        self, events: tuple[EventRecord, ...], first: date, last: date
    ) -> None:
        for kind in KINDS:
            statistic_id = self._ids[kind.key]
            running = await self._running_total_before(statistic_id, day_start(first))
            rows = []
            for day, total in daily_totals(events, kind, first, last):
                running += total
                rows.append(
                    StatisticData(start=day_start(day), state=total, sum=running)
                )
            async_add_external_statistics(
                self._hass,
                StatisticMetaData(
                    mean_type=StatisticMeanType.NONE,
                    has_sum=True,
                    name=f"{self._entry.title} {kind.name} per day",
                    source=DOMAIN,
                    statistic_id=statistic_id,
                    unit_class=kind.unit_class,
                    unit_of_measurement=kind.unit,
                ),
                rows,
            )

    async def _running_total_before(self, statistic_id: str, start: datetime) -> float:
        """Return the running total of the newest row before `start`, else 0."""
        last = await get_instance(self._hass).async_add_executor_job(
            get_last_statistics, self._hass, _ROWS_BACK, statistic_id, False, {"sum"}
        )
        for row in last.get(statistic_id, []):
            if dt_util.utc_from_timestamp(row["start"]) < start:
                return row.get("sum") or 0.0
        return 0.0
