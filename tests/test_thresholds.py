"""Which alert schedule is in force when, and what a level means for a reading."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.dexcom_oauth.client import (
    AlertName,
    AlertSchedule,
    AlertSetting,
    Device,
    GlucoseReading,
    GlucoseStatus,
    Weekday,
)
from custom_components.dexcom_oauth.thresholds import beyond, schedule_at, threshold
from homeassistant.util import dt as dt_util

from .common import reading

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = (
    Weekday.MONDAY,
    Weekday.TUESDAY,
    Weekday.WEDNESDAY,
    Weekday.THURSDAY,
    Weekday.FRIDAY,
)


@pytest.fixture(autouse=True)
def berlin() -> Iterator[None]:
    """Read schedules in Berlin time, as Home Assistant's zone."""
    before = dt_util.get_default_time_zone()
    dt_util.set_default_time_zone(BERLIN)
    yield
    dt_util.set_default_time_zone(before)


def schedule(
    name: str,
    low: float | None = 70,
    *,
    default: bool = False,
    start: int | None = 0,
    end: int | None = 0,
    days: tuple[Weekday, ...] = tuple(Weekday),
) -> AlertSchedule:
    """Return a schedule with a low level (None: no low alert)."""
    settings = () if low is None else (AlertSetting("low", low, "mg/dL", True),)
    return AlertSchedule(
        name=name,
        enabled=True,
        is_default=default,
        is_active=False,
        start=start,
        end=end,
        days=days,
        override_until=None,
        alert_settings=settings,
    )


def device(*schedules: AlertSchedule) -> Device:
    """Return a device with the given schedules."""
    return Device(None, "g7", None, None, None, (), schedules)


def local(text: str) -> datetime:
    """Return a Berlin wall-clock time as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


NIGHT = schedule("Night", 90, start=22 * 60, end=6 * 60, days=WEEKDAYS)
DAY = schedule("Always", 70, default=True)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-11-23T21:59", "Always"),  # Monday before the window
        ("2026-11-23T22:00", "Night"),
        ("2026-11-24T05:59", "Night"),  # the morning after a listed day
        ("2026-11-24T06:00", "Always"),
        ("2026-11-28T23:00", "Always"),  # Saturday is not listed
        ("2026-11-29T01:00", "Always"),  # ... nor is its night's morning
        ("2026-11-23T01:00", "Always"),  # Monday morning belongs to Sunday
        ("2026-11-28T01:00", "Night"),  # Saturday morning belongs to Friday
    ],
)
def test_window_crossing_midnight(when: str, expected: str) -> None:
    """A 22:00-06:00 window belongs to the days it starts on."""
    found = schedule_at(device(DAY, NIGHT), local(when))
    assert found is not None
    assert found.name == expected


def test_window_within_a_day_and_whole_days() -> None:
    """A 09:00-17:00 window holds its hours; equal times hold the whole day."""
    work = schedule("Work", start=9 * 60, end=17 * 60, days=(Weekday.MONDAY,))
    weekend = schedule("Weekend", days=(Weekday.SATURDAY, Weekday.SUNDAY))
    both = device(DAY, work, weekend)
    assert schedule_at(both, local("2026-11-23T09:00")) == work
    assert schedule_at(both, local("2026-11-23T17:00")) == DAY
    assert schedule_at(both, local("2026-11-29T03:00")) == weekend


def test_unplaceable_schedules_fall_back() -> None:
    """Disabled or unusable schedules are never picked by time."""
    disabled = replace(NIGHT, enabled=False)
    no_days = replace(NIGHT, days=())
    no_time = replace(NIGHT, start=None)
    at_night = local("2026-11-23T23:00")
    assert schedule_at(device(DAY, disabled), at_night) == DAY
    # Nothing placeable in time: the phone's isActive flag, else the default.
    active = replace(no_days, is_active=True)
    assert schedule_at(device(DAY, active), at_night) == active
    assert schedule_at(device(no_time, DAY), at_night) == DAY
    assert schedule_at(device(no_time), at_night) == no_time
    assert schedule_at(device(), at_night) is None
    assert schedule_at(None, at_night) is None


def test_levels_and_units() -> None:
    """Levels are mg/dL; mmol/L converts; disabled or absent alerts are None."""
    settings = (
        AlertSetting("Low", 3.9, "mmol/L", True),
        AlertSetting("high", 10, None, True),
        AlertSetting("urgentLow", 55, "mg/dL", False),
        AlertSetting("rise", -3, "mg/dL/min", True),
    )
    only = device(replace(DAY, alert_settings=settings))
    now = local("2026-11-23T12:00")
    assert threshold(only, AlertName.LOW, now) == 70
    assert threshold(only, AlertName.HIGH, now) == 180
    assert threshold(only, AlertName.URGENT_LOW, now) is None
    assert threshold(only, AlertName.RISE, now) is None
    assert threshold(only, AlertName.FALL, now) is None
    assert threshold(None, AlertName.LOW, now) is None
    assert (
        threshold(
            device(
                replace(DAY, alert_settings=(AlertSetting("high", 250, "mg/dL", True),))
            ),
            AlertName.HIGH,
            now,
        )
        == 250
    )


def valued(
    value: int | None, status: GlucoseStatus = GlucoseStatus.OK
) -> GlucoseReading:
    """Return a reading with a value and status."""
    return reading(datetime(2026, 11, 23, tzinfo=UTC), value, status=status)


def test_beyond() -> None:
    """Low and urgent low sound at or below, high at or above; LOW/HIGH count."""
    assert beyond(valued(70), AlertName.LOW, 70) is True
    assert beyond(valued(71), AlertName.LOW, 70) is False
    assert beyond(valued(180), AlertName.HIGH, 180) is True
    assert beyond(valued(179), AlertName.HIGH, 180) is False
    assert beyond(valued(None, GlucoseStatus.LOW), AlertName.URGENT_LOW, 55) is True
    assert beyond(valued(None, GlucoseStatus.HIGH), AlertName.HIGH, 250) is True
    assert beyond(valued(None), AlertName.LOW, 70) is None
