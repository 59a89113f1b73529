"""The measures of each local calendar day, for long-term statistics.

A day runs from local midnight to the next in the given time zone, so a day
with a DST change lasts 23 or 25 hours and expects 276 or 300 readings. Only
days that are over (the readings reach past their end) are measured.

Pure on purpose: no Home Assistant imports, no clock.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from .metrics import Measures, RangeBounds, measures


@dataclass(frozen=True, slots=True)
class DayMeasures:
    """One local day's measures."""

    day: date
    measures: Measures


def day_bounds(day: date, time_zone: tzinfo) -> tuple[datetime, datetime]:
    """Return the local midnights (in UTC) that start and end the day.

    In UTC, so that their difference is the day's true length (23 to 25 h).
    """
    start = datetime.combine(day, time(), tzinfo=time_zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=time_zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def local_day(moment: datetime, time_zone: tzinfo) -> date:
    """Return the local calendar day of a moment."""
    return moment.astimezone(time_zone).date()


def daily_measures(
    series: Iterable[tuple[datetime, int]],
    time_zone: tzinfo,
    until: datetime,
    days: Iterable[date] | None = None,
    bounds: RangeBounds = RangeBounds(),  # noqa: B008 - frozen, so safe to share
) -> list[DayMeasures]:
    """Measure the local days of (time, mg/dL) readings that end by `until`.

    With `days`, only those; the series must hold all readings of each day.
    """
    by_day: dict[date, list[int]] = defaultdict(list)
    for moment, value in series:
        by_day[local_day(moment, time_zone)].append(value)
    wanted = sorted(by_day if days is None else set(days))
    result = []
    for day in wanted:
        start, end = day_bounds(day, time_zone)
        if end > until:
            continue
        result.append(
            DayMeasures(day, measures(by_day.get(day, []), start, end, bounds))
        )
    return result
