"""The user's own alert thresholds, from the alert schedule in force at a time.

Dexcom's apps have a default schedule ("always") and may have more with a
time window and days; outside every such window the default applies. Where
Dexcom's text is silent this module chooses, and the README says so:

- Times are read in Home Assistant's time zone: Dexcom sends no zone for a
  schedule, and the phone's zone is unknown.
- A window that crosses midnight (22:00-06:00) belongs to the day it starts
  on; equal start and end cover the whole day; an end of 24:00 is midnight.
- A schedule whose times or days are unusable, or that is disabled, is never
  picked by time. Without any schedule that can be placed in time, the one
  the phone marked active at upload time is used, else the default.
- An override (quiet or vibrate mode) silences alerts but keeps thresholds.
- A threshold is None when its alert is disabled or absent; a value without
  a known unit is mg/dL, unless it is below 35, which only mmol/L can be.
- Dexcom's low alert sounds at or below its level, high at or above it;
  urgent low at or below.
"""

from datetime import datetime, timedelta

from homeassistant.util import dt as dt_util

from .client import (
    AlertName,
    AlertSchedule,
    AlertSetting,
    Device,
    GlucoseReading,
    Weekday,
)
from .client.parse import MG_DL_PER_MMOL_L
from .readings import glucose_value, has_glucose

DAY_MINUTES = 24 * 60
WEEKDAYS = tuple(Weekday)  # Monday first, as datetime.weekday() counts
# A number below this cannot be mg/dL (the sensor's floor is 40).
_MMOL_L_CEILING = 35


def _timed(schedule: AlertSchedule) -> bool:
    """Whether a schedule can be placed in time."""
    return (
        not schedule.is_default
        and schedule.enabled is not False
        and schedule.start is not None
        and schedule.end is not None
        and bool(schedule.days)
    )


def _covers(schedule: AlertSchedule, local: datetime) -> bool:
    """Whether a timed schedule's window holds a local time."""
    assert schedule.start is not None and schedule.end is not None  # _timed
    minute = local.hour * 60 + local.minute
    today = WEEKDAYS[local.weekday()]
    yesterday = WEEKDAYS[(local - timedelta(days=1)).weekday()]
    start, end = schedule.start, schedule.end
    if start == end:
        return today in schedule.days
    if start < end:
        return today in schedule.days and start <= minute < end
    return (today in schedule.days and minute >= start) or (
        yesterday in schedule.days and minute < end
    )


def schedule_at(device: Device | None, moment: datetime) -> AlertSchedule | None:
    """Return the schedule in force at `moment`, or None without schedules."""
    schedules = device.alert_schedules if device is not None else ()
    local = dt_util.as_local(moment)
    timed = [schedule for schedule in schedules if _timed(schedule)]
    for schedule in timed:
        if _covers(schedule, local):
            return schedule
    default = next((s for s in schedules if s.is_default), None)
    if timed and default is not None:
        return default
    active = next((s for s in schedules if s.is_active), None)
    return active or default or next(iter(schedules), None)


def _mg_dl(setting: AlertSetting) -> float | None:
    """Return a glucose threshold in mg/dL, or None when disabled or unusable."""
    value = setting.value
    if setting.enabled is False or value is None or value <= 0:
        return None
    unit = (setting.unit or "").strip().lower()
    if unit == "mmol/l" or (unit != "mg/dl" and value < _MMOL_L_CEILING):
        return round(value * MG_DL_PER_MMOL_L)
    return value


def threshold(device: Device | None, name: AlertName, moment: datetime) -> float | None:
    """Return the level (mg/dL) of one alert in force at `moment`."""
    schedule = schedule_at(device, moment)
    if schedule is None:
        return None
    setting = next(
        (s for s in schedule.alert_settings if s.alert_name.lower() == name.lower()),
        None,
    )
    return None if setting is None else _mg_dl(setting)


def beyond(reading: GlucoseReading, name: AlertName, level: float) -> bool | None:
    """Whether a reading passes an alert's level; None without glucose."""
    if not has_glucose(reading):
        return None
    value = glucose_value(reading)
    assert value is not None  # has_glucose
    if name is AlertName.HIGH:
        return value >= level
    return value <= level
