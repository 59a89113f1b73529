"""JSON shapes of the v3 data endpoints, built from a user's data."""

from datetime import datetime
from typing import Any
import uuid

from .alerts import Alert
from .calibrations import Calibration
from .physiology import Intake
from .timefmt import display_time, from_timestamp, system_time, to_timestamp
from .trace import Reading
from .users import UserData

RECORD_VERSION = "3.0"
_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")

type Json = dict[str, Any]


def user_id(client_id: str, user: str) -> str:
    """Return the `userId` Dexcom reports: stable per account and app."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dexcom-simulator/{client_id}/{user}"))


def envelope(record_type: str, owner: str, records: list[Json]) -> Json:
    """Wrap records in the v3 response envelope."""
    return {
        "recordType": record_type,
        "recordVersion": RECORD_VERSION,
        "userId": owner,
        "records": records,
    }


def _uuid(user: UserData, kind: int, key: int) -> str:
    """Format stable random bits as a version-4 UUID (faster than uuid.UUID)."""
    bits = user.record_id(kind, key)
    bits = (bits & ~(0xF000 << 64)) | (0x4000 << 64)
    bits = (bits & ~(0xC000 << 48)) | (0x8000 << 48)
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _times(user: UserData, ts: float, *, seconds: bool = True) -> Json:
    profile = user.profile
    return {
        "systemTime": system_time(ts, seconds=seconds),
        "displayTime": display_time(
            ts + profile.display_clock_drift_seconds,
            profile.utc_offset_seconds,
            with_offset=profile.display_time_with_offset,
            seconds=seconds,
        ),
    }


def egv(user: UserData, reading: Reading) -> Json:
    """One record of `egvs`."""
    profile = user.profile
    return {
        "recordId": _uuid(user, 1, reading.key),
        **_times(user, reading.time),
        "transmitterId": reading.session.transmitter_id,
        "transmitterTicks": reading.ticks,
        "value": reading.value,
        "status": reading.status,
        "trend": reading.trend,
        "trendRate": reading.trend_rate,
        "unit": profile.unit,
        "rateUnit": "mg/dL/min",
        "displayDevice": profile.display_device,
        "transmitterGeneration": profile.generation,
        "displayApp": profile.display_app,
    }


def event(user: UserData, intake: Intake) -> Json:
    """One record of `events`."""
    profile = user.profile
    value: str | float | int | None = intake.amount
    if intake.amount is not None and intake.amount.is_integer():
        value = int(intake.amount)
    if value is not None and profile.event_values_as_strings:
        value = str(value)
    return {
        "recordId": _uuid(user, 2, intake.ident),
        **_times(user, intake.time, seconds=not profile.event_times_without_seconds),
        "eventStatus": intake.status,
        "eventType": intake.event_type,
        "eventSubType": intake.sub_type,
        "value": value,
        "unit": intake.unit,
    }


def calibration(user: UserData, item: Calibration) -> Json:
    """One record of `calibrations`."""
    profile = user.profile
    return {
        "recordId": _uuid(user, 3, item.ident),
        **_times(user, item.time),
        "unit": "mg/dL",
        "value": item.value,
        "displayDevice": profile.display_device,
        "transmitterId": item.session.transmitter_id,
        "transmitterTicks": item.time - item.session.transmitter_start,
        "transmitterGeneration": profile.generation,
    }


def alert(user: UserData, item: Alert) -> Json:
    """One record of `alerts`."""
    profile = user.profile
    return {
        "recordId": _uuid(user, 4, item.ident),
        **_times(user, item.time),
        "alertName": item.name,
        "alertState": "activeAlarming",
        "displayDevice": profile.display_device,
        "transmitterGeneration": profile.generation,
        "transmitterId": item.session.transmitter_id,
        "displayApp": profile.display_app,
    }


def _range_section(user: UserData, first: float, last: float) -> Json:
    return {"start": _times(user, first), "end": _times(user, last)}


def data_range(user: UserData, owner: str, now: datetime) -> Json:
    """Build the `dataRange` response: where visible data starts and ends."""
    at = to_timestamp(now)
    body: Json = {
        "recordType": "dataRange",
        "recordVersion": RECORD_VERSION,
        "userId": owner,
    }
    if calibrations := user.calibration_range(at):
        body["calibrations"] = _range_section(
            user, calibrations[0].time, calibrations[1].time
        )
    first, last = user.earliest_egv(at), user.latest_egv(at)
    if first is not None and last is not None:
        body["egvs"] = _range_section(user, first.time, last.time)
    if events := user.event_range(at):
        body["events"] = _range_section(user, events[0].time, events[1].time)
    return body


def devices(user: UserData, now: datetime) -> list[Json]:
    """Build the `devices` records: the current sensor and its alert settings."""
    at = to_timestamp(now)
    latest = user.latest_egv(at)
    if latest is None:
        return []
    profile = user.profile
    return [
        {
            "lastUploadDate": system_time(user.upload_time(latest.time)),
            "transmitterId": latest.session.transmitter_id,
            "transmitterGeneration": profile.generation,
            "displayDevice": profile.display_device,
            "displayApp": profile.display_app,
            "alertSchedules": _alert_schedules(user, at),
        }
    ]


def _alert_schedules(user: UserData, now: float) -> list[Json]:
    profile = user.profile
    local_hour = from_timestamp(now + profile.utc_offset_seconds).hour
    has_night = profile.alerts.night_schedule
    night_active = has_night and (local_hour >= 22 or local_hour < 6)
    schedules = [
        _schedule(
            user,
            "Default",
            default=True,
            hours=("00:00", "00:00"),
            active=not night_active,
            relax_high=0,
        )
    ]
    if has_night:
        schedules.append(
            _schedule(
                user,
                "Night",
                default=False,
                hours=("22:00", "06:00"),
                active=night_active,
                relax_high=40,
            )
        )
    return schedules


def _schedule(
    user: UserData,
    name: str,
    *,
    default: bool,
    hours: tuple[str, str],
    active: bool,
    relax_high: int,
) -> Json:
    settings = user.profile.alerts
    changed = user.history_start + 86400 + user.profile.number * 3600
    stamp = _times(user, changed)

    def setting(
        alert_name: str, value: float | None, unit: str, snooze: int, enabled: bool
    ) -> Json:
        return {
            **stamp,
            "alertName": alert_name,
            "value": value,
            "unit": unit,
            "snooze": snooze,
            "enabled": enabled,
            "delay": 0,
            "secondaryTriggerCondition": 0,
            "soundTheme": "modern",
            "soundOutputMode": "sound",
        }

    quirks = user.profile.settings_quirks
    fall = settings.fall or 3.0
    return {
        "alertScheduleSettings": {
            "alertScheduleName": name,
            "isEnabled": True,
            "isDefaultSchedule": default,
            "startTime": hours[0],
            "endTime": hours[1],
            "daysOfWeek": [*_DAYS, "", _DAYS[1]] if quirks else list(_DAYS),
            "isActive": active,
            "override": {"isOverrideEnabled": False, "mode": "quiet"},
        },
        "alertSettings": [
            setting(
                "high",
                settings.high + relax_high,
                "mg/dL",
                28 if quirks else settings.high_snooze,
                True,
            ),
            setting("low", settings.low, "mg/dL", settings.low_snooze, True),
            setting("urgentLow", settings.urgent_low, "mg/dL", 30, True),
            setting(
                "urgentLowSoon",
                settings.urgent_low,
                "mg/dL",
                30,
                settings.urgent_low_soon,
            ),
            setting(
                "rise", settings.rise or 3.0, "mg/dL/min", 0, settings.rise is not None
            ),
            setting(
                "fall",
                -fall if quirks else fall,
                "mg/dL/min",
                0,
                settings.fall is not None,
            ),
            setting(
                "noReadings",
                settings.no_readings or 20,
                "minutes",
                0,
                settings.no_readings is not None,
            ),
            setting("outOfRange", 20, "minutes", 0, True),
        ],
    }
