"""Turn Dexcom's v3 JSON into typed records without trusting its shape.

Dexcom's documentation leaves several details open (time formats, how
out-of-range readings are encoded, units), so every field is checked here:
a record that cannot be placed in time (or lies outside the asked window) is
dropped, anything else that is odd degrades to None or UNKNOWN instead of
failing the whole answer, and every kind of unusable value is reported once
as a ParseProblem. The parsers raise nothing but DexcomResponseError.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
import math
import re
import reprlib
from typing import Any, Final

from .errors import DexcomResponseError
from .models import (
    GLUCOSE_MAX_MG_DL,
    GLUCOSE_MIN_MG_DL,
    MAX_TREND_RATE,
    AlertName,
    AlertRecord,
    AlertSchedule,
    AlertSetting,
    AlertState,
    DataRange,
    Device,
    Devices,
    EgvBatch,
    EventRecord,
    EventStatus,
    EventSubType,
    EventType,
    EventUnit,
    GlucoseReading,
    GlucoseStatus,
    GlucoseUnit,
    ParseProblem,
    ProblemKind,
    RecordBatch,
    TimeRange,
    Trend,
    Weekday,
)

MG_DL_PER_MMOL_L = 18.0182
# A value below this on an mmol/L account cannot be mg/dL (the sensor's
# floor is 40), so it is taken as mmol/L.
_MMOL_L_CEILING = 35

_TIME_RE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<hm>\d{2}:\d{2})"
    r"(?::(?P<sec>\d{2})(?:[.,](?P<frac>\d+))?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}(?::?\d{2})?)?",
    re.ASCII,
)
_OLDEST = datetime.min.replace(tzinfo=UTC)

# Rate units and their factor to mg/dL/min; an unknown one is taken as mg/dL/min.
_RATE_FACTORS: Final = {
    "mg/dl/min": 1.0,
    "mmol/l/min": MG_DL_PER_MMOL_L,
    "unknown": 1.0,
}
# Examples in problem reports stay short: bounded nesting, length and digits.
_EXAMPLE_LENGTH: Final = 40
_EXAMPLE_REPR: Final = reprlib.Repr(
    maxlevel=1,
    maxtuple=2,
    maxlist=2,
    maxdict=2,
    maxstring=_EXAMPLE_LENGTH,
    maxlong=_EXAMPLE_LENGTH,
    maxother=_EXAMPLE_LENGTH,
)


def _parse(text: str) -> datetime:
    """Parse an ISO-like time, keeping it naive when it has no offset."""
    match = _TIME_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError("unrecognised time format")
    fraction = (match["frac"] or "")[:6].ljust(6, "0")
    parsed = datetime.fromisoformat(
        f"{match['date']}T{match['hm']}:{match['sec'] or '00'}.{fraction}"
    )
    offset = match["tz"]
    if offset is None:
        return parsed
    if offset in ("Z", "z"):
        return parsed.replace(tzinfo=UTC)
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or "0")
    if hours > 23 or minutes > 59:
        raise ValueError("UTC offset out of range")
    delta = timedelta(hours=hours, minutes=minutes)
    return parsed.replace(tzinfo=timezone(delta if offset[0] == "+" else -delta))


def parse_time(text: str) -> datetime:
    """Parse a UTC time such as systemTime; no offset means UTC.

    Raises ValueError when the text is not a recognisable time, or one that
    leaves the calendar in UTC (such as 0001-01-01T00:00:00+01:00).
    """
    parsed = _parse(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("time out of range in UTC") from None


def parse_display_time(text: str) -> datetime:
    """Parse displayTime as the device showed it.

    Receivers send local time without an offset: that stays naive, because
    the device's time zone is unknown. Times with an offset stay aware.
    Raises ValueError when the text is not a recognisable time.
    """
    return _parse(text)


def _optional_time(raw: object) -> datetime | None:
    """Parse a UTC time, or None when it is absent or unusable."""
    if not isinstance(raw, str):
        return None
    try:
        return parse_time(raw)
    except ValueError:
        return None


def _optional_display_time(raw: object) -> datetime | None:
    """Parse a display time, or None when it is absent or unusable."""
    if not isinstance(raw, str):
        return None
    try:
        return parse_display_time(raw)
    except ValueError:
        return None


def _text(raw: object) -> str | None:
    """Return a non-blank string, else None."""
    if isinstance(raw, str) and raw.strip():
        return raw
    return None


def _number(raw: object) -> float | None:
    """Read an int, float or numeric string; None unless finite."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        value = float(raw)
    except ValueError, OverflowError:
        return None
    return value if math.isfinite(value) else None


def _flag(raw: object) -> bool | None:
    """Return a JSON boolean, else None."""
    return raw if isinstance(raw, bool) else None


def _member[E: StrEnum](kind: type[E], raw: object) -> E | None:
    """Look a value up case-insensitively; None when it is not one."""
    if isinstance(raw, str):
        wanted = raw.strip().lower()
        for member in kind:
            if member.value.lower() == wanted:
                return member
    return None


def _round(value: float) -> int:
    """Round half up, as people round glucose values."""
    return math.floor(value + 0.5)


def _example(raw: object) -> str:
    """Show a raw value briefly, whatever its size or nesting."""
    text = _EXAMPLE_REPR.repr(raw)
    if len(text) <= _EXAMPLE_LENGTH:
        return text
    return f"{text[: _EXAMPLE_LENGTH - 3]}..."


def _type_only(raw: object) -> str:
    """Name a value's type instead of showing it."""
    return f"<{type(raw).__name__}>"


class _Problems:
    """Counts unusable raw values per kind, keeping the first as the example."""

    def __init__(self) -> None:
        """Start with no problems."""
        self._seen: dict[ProblemKind, ParseProblem] = {}

    def add(self, kind: ProblemKind, raw: object, shown: str | None = None) -> None:
        """Count one unusable value, shown as `shown` or else by its repr."""
        seen = self._seen.get(kind)
        self._seen[kind] = (
            ParseProblem(kind, _example(raw) if shown is None else shown, 1)
            if seen is None
            else ParseProblem(kind, seen.example, seen.count + 1)
        )

    def count(self, kind: ProblemKind) -> int:
        """How many values of a kind were unusable."""
        seen = self._seen.get(kind)
        return 0 if seen is None else seen.count

    def result(self) -> tuple[ParseProblem, ...]:
        """Return one problem per kind, in the order they first occurred."""
        return tuple(self._seen.values())


def merge_problems(
    groups: Iterable[tuple[ParseProblem, ...]],
) -> tuple[ParseProblem, ...]:
    """Add up problems of several answers per kind; the first example stays."""
    merged: dict[ProblemKind, ParseProblem] = {}
    for group in groups:
        for problem in group:
            seen = merged.get(problem.kind)
            merged[problem.kind] = (
                problem
                if seen is None
                else ParseProblem(seen.kind, seen.example, seen.count + problem.count)
            )
    return tuple(merged.values())


def _choice[E: StrEnum](
    kind: type[E], raw: object, problem: ProblemKind, problems: _Problems
) -> E:
    """Read an enumerated field; an unknown value is reported and UNKNOWN."""
    member = _member(kind, raw)
    if member is not None:
        return member
    if raw is not None:
        problems.add(problem, raw)
    return kind("unknown")


def _glucose(raw: object, unit: GlucoseUnit, problems: _Problems) -> int | None:
    """Return the reading in whole mg/dL within the sensor's range, or None.

    Values are documented as mg/dL; whether mmol/L accounts ever get mmol/L
    numbers is unconfirmed, but a number below 35 on an mmol/L account can
    only be mmol/L. A fractional number of 35 or more is not converted: as
    mmol/L it would be far above the sensor's range, so it is mg/dL.
    Whatever lies outside 40..400 after rounding cannot be a sensor reading
    (Dexcom reports those through status low/high) and is reported.
    """
    if raw is None:
        return None
    value = _number(raw)
    if value is not None and value > 0:
        if unit is GlucoseUnit.MMOL_L and value < _MMOL_L_CEILING:
            value *= MG_DL_PER_MMOL_L
        mg_dl = _round(value)
        if GLUCOSE_MIN_MG_DL <= mg_dl <= GLUCOSE_MAX_MG_DL:
            return mg_dl
    problems.add("value", raw)
    return None


def _trend_rate(raw: object, rate_unit: object, problems: _Problems) -> float | None:
    """Return the trend rate in mg/dL/min, or None unless finite and plausible."""
    factor = 1.0
    if rate_unit is not None:
        known = (
            _RATE_FACTORS.get(rate_unit.strip().lower())
            if isinstance(rate_unit, str)
            else None
        )
        if known is None:
            problems.add("unit", rate_unit)
        else:
            factor = known
    if raw is None:
        return None
    rate = _number(raw)
    if rate is not None:
        if factor != 1.0:
            rate = round(rate * factor, 2)
        if math.isfinite(rate) and abs(rate) <= MAX_TREND_RATE:
            return rate
    problems.add("trend_rate", raw)
    return None


def _envelope(payload: object) -> tuple[dict[str, Any], list[Any]]:
    """Check the common envelope and return it with its records."""
    if not isinstance(payload, dict):
        raise DexcomResponseError("response is not a JSON object")
    records = payload.get("records", [])
    if not isinstance(records, list):
        raise DexcomResponseError("records is not a list")
    return payload, records


def _record_head(
    record: object,
    problems: _Problems,
    earliest: datetime | None,
    latest: datetime | None,
) -> tuple[str, datetime] | None:
    """Return a record's id and systemTime, or None when it cannot be placed."""
    if not isinstance(record, dict):
        problems.add("no_id_or_time", record, _type_only(record))
        return None
    raw_time = record.get("systemTime")
    # A dropped record is shown by its time alone; a container could hold ids.
    shown = _type_only(raw_time) if isinstance(raw_time, dict | list) else None
    record_id = _text(record.get("recordId"))
    system_time = _optional_time(raw_time)
    if record_id is None or system_time is None:
        problems.add("no_id_or_time", raw_time, shown)
        return None
    if (earliest is not None and system_time < earliest) or (
        latest is not None and system_time > latest
    ):
        problems.add("outside_window", raw_time, shown)
        return None
    return record_id, system_time


def _reading(
    record: object,
    problems: _Problems,
    earliest: datetime | None,
    latest: datetime | None,
) -> GlucoseReading | None:
    """Build one reading, or None when it cannot be placed in the window."""
    if (head := _record_head(record, problems, earliest, latest)) is None:
        return None
    assert isinstance(record, dict)  # _record_head checked it
    record_id, system_time = head
    unit = _choice(GlucoseUnit, record.get("unit"), "unit", problems)
    return GlucoseReading(
        record_id=record_id,
        system_time=system_time,
        display_time=_optional_display_time(record.get("displayTime")),
        value=_glucose(record.get("value"), unit, problems),
        status=_choice(GlucoseStatus, record.get("status"), "status", problems),
        trend=_choice(Trend, record.get("trend"), "trend", problems),
        trend_rate=_trend_rate(
            record.get("trendRate"), record.get("rateUnit"), problems
        ),
        unit=unit,
        transmitter_id=_text(record.get("transmitterId")),
        transmitter_generation=_text(record.get("transmitterGeneration")),
        display_device=_text(record.get("displayDevice")),
        display_app=_text(record.get("displayApp")),
    )


def merge_readings(
    readings: Iterable[GlucoseReading],
) -> tuple[GlucoseReading, ...]:
    """De-duplicate readings by recordId (last one wins), in systemTime order."""
    unique = {reading.record_id: reading for reading in readings}
    return tuple(
        sorted(unique.values(), key=lambda item: (item.system_time, item.record_id))
    )


def parse_egvs(
    payload: object,
    *,
    earliest: datetime | None = None,
    latest: datetime | None = None,
) -> EgvBatch:
    """Parse an egvs answer, keeping readings from earliest to latest (aware).

    Records without a usable id or time are counted in `skipped`; those and
    every other unusable value are reported in `problems`.
    """
    envelope, records = _envelope(payload)
    problems = _Problems()
    readings = [
        reading
        for record in records
        if (reading := _reading(record, problems, earliest, latest)) is not None
    ]
    return EgvBatch(
        user_id=_text(envelope.get("userId")),
        readings=merge_readings(readings),
        skipped=problems.count("no_id_or_time"),
        problems=problems.result(),
    )


def _range_end(raw: object) -> datetime | None:
    """Read the systemTime of a dataRange start or end."""
    return _optional_time(raw.get("systemTime")) if isinstance(raw, dict) else None


def _time_range(raw: object) -> TimeRange | None:
    """Read one dataRange section; None when it is missing or incomplete."""
    if not isinstance(raw, dict):
        return None
    start = _range_end(raw.get("start"))
    end = _range_end(raw.get("end"))
    if start is None or end is None:
        return None
    return TimeRange(start=start, end=end)


def parse_data_range(payload: object) -> DataRange:
    """Parse a dataRange answer; a section without data becomes None."""
    if not isinstance(payload, dict):
        raise DexcomResponseError("response is not a JSON object")
    return DataRange(
        user_id=_text(payload.get("userId")),
        egvs=_time_range(payload.get("egvs")),
        events=_time_range(payload.get("events")),
        calibrations=_time_range(payload.get("calibrations")),
    )


def _schedule_flag(schedule: dict[str, Any], key: str) -> bool:
    """Tell whether a schedule's settings carry `key: true`."""
    settings = schedule.get("alertScheduleSettings")
    return isinstance(settings, dict) and settings.get(key) is True


def _pick_schedule(raw: object) -> dict[str, Any] | None:
    """Choose the schedule in force: active, else default, else the first."""
    if not isinstance(raw, list):
        return None
    schedules = [item for item in raw if isinstance(item, dict)]
    for key in ("isActive", "isDefaultSchedule"):
        for schedule in schedules:
            if _schedule_flag(schedule, key):
                return schedule
    return schedules[0] if schedules else None


def _alert_settings(raw_schedules: object) -> tuple[AlertSetting, ...]:
    """Flatten the chosen schedule's alerts, one per name (newest wins)."""
    schedule = _pick_schedule(raw_schedules)
    return _schedule_settings(None if schedule is None else schedule)


def _schedule_settings(schedule: dict[str, Any] | None) -> tuple[AlertSetting, ...]:
    """Read one schedule's alerts, one per name (newest wins)."""
    raw_settings = None if schedule is None else schedule.get("alertSettings")
    if not isinstance(raw_settings, list):
        return ()
    chosen: dict[str, tuple[datetime, AlertSetting]] = {}
    for item in raw_settings:
        if not isinstance(item, dict):
            continue
        name = _text(item.get("alertName"))
        if name is None:
            continue
        when = _optional_time(item.get("systemTime")) or _OLDEST
        previous = chosen.get(name)
        if previous is None or when >= previous[0]:
            chosen[name] = (
                when,
                AlertSetting(
                    alert_name=name,
                    value=_number(item.get("value")),
                    unit=_text(item.get("unit")),
                    enabled=_flag(item.get("enabled")),
                ),
            )
    return tuple(setting for _, setting in chosen.values())


def parse_devices(payload: object) -> Devices:
    """Parse a devices answer with each device's alert thresholds."""
    envelope, records = _envelope(payload)
    return Devices(
        user_id=_text(envelope.get("userId")),
        devices=tuple(
            Device(
                transmitter_id=_text(record.get("transmitterId")),
                transmitter_generation=_text(record.get("transmitterGeneration")),
                display_device=_text(record.get("displayDevice")),
                display_app=_text(record.get("displayApp")),
                last_upload_date=_optional_time(record.get("lastUploadDate")),
                alert_settings=_alert_settings(record.get("alertSchedules")),
                alert_schedules=_alert_schedules(record.get("alertSchedules")),
            )
            for record in records
            if isinstance(record, dict)
        ),
    )


_CLOCK_RE = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::\d{2}(?:\.\d+)?)?", re.ASCII)


def _clock(raw: object) -> int | None:
    """Read a local "HH:MM" (seconds allowed) as minutes since midnight."""
    match = _CLOCK_RE.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        return None
    hours, minutes = int(match["h"]), int(match["m"])
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        return None
    return (hours * 60 + minutes) % (24 * 60)


def _days(raw: object) -> tuple[Weekday, ...]:
    """Read daysOfWeek, Monday first; blanks, duplicates and unknown names go."""
    found = (
        {day for item in raw if (day := _member(Weekday, item))}
        if isinstance(raw, list)
        else set()
    )
    return tuple(day for day in Weekday if day in found)


def _alert_schedules(raw: object) -> tuple[AlertSchedule, ...]:
    """Read every alert schedule of a device; non-objects are skipped."""
    if not isinstance(raw, list):
        return ()
    schedules = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        settings = item.get("alertScheduleSettings")
        if not isinstance(settings, dict):
            settings = {}
        override = settings.get("override")
        override_until = None
        if isinstance(override, dict) and override.get("isOverrideEnabled") is True:
            override_until = _optional_time(override.get("endTime"))
        schedules.append(
            AlertSchedule(
                name=_text(settings.get("alertScheduleName")),
                enabled=_flag(settings.get("isEnabled")),
                is_default=settings.get("isDefaultSchedule") is True,
                is_active=_flag(settings.get("isActive")),
                start=_clock(settings.get("startTime")),
                end=_clock(settings.get("endTime")),
                days=_days(settings.get("daysOfWeek")),
                override_until=override_until,
                alert_settings=_schedule_settings(item),
            )
        )
    return tuple(schedules)


def _batch[T](
    payload: object,
    build: Callable[[dict[str, Any], str, datetime, _Problems], T],
    earliest: datetime | None,
    latest: datetime | None,
) -> RecordBatch[T]:
    """Parse the records of an answer; the last record of an id wins."""
    _, records = _envelope(payload)
    problems = _Problems()
    found: dict[str, tuple[datetime, T]] = {}
    for record in records:
        head = _record_head(record, problems, earliest, latest)
        if head is not None:
            assert isinstance(record, dict)  # _record_head checked it
            found[head[0]] = (head[1], build(record, *head, problems))
    ordered = sorted(found.items(), key=lambda item: (item[1][0], item[0]))
    return RecordBatch(
        records=tuple(item for _, (_, item) in ordered), problems=problems.result()
    )


def _alert(
    record: dict[str, Any], record_id: str, system_time: datetime, problems: _Problems
) -> AlertRecord:
    return AlertRecord(
        record_id=record_id,
        system_time=system_time,
        display_time=_optional_display_time(record.get("displayTime")),
        alert_name=_choice(AlertName, record.get("alertName"), "alert_name", problems),
        alert_state=_choice(
            AlertState, record.get("alertState"), "alert_state", problems
        ),
        transmitter_generation=_text(record.get("transmitterGeneration")),
        display_device=_text(record.get("displayDevice")),
        display_app=_text(record.get("displayApp")),
    )


def _event(
    record: dict[str, Any], record_id: str, system_time: datetime, problems: _Problems
) -> EventRecord:
    raw_sub_type = record.get("eventSubType")
    raw_value = record.get("value")
    value = _number(raw_value)
    if value is not None and value < 0:
        value = None
    if value is None and raw_value is not None:
        problems.add("event_value", raw_value)
    return EventRecord(
        record_id=record_id,
        system_time=system_time,
        display_time=_optional_display_time(record.get("displayTime")),
        status=_choice(
            EventStatus, record.get("eventStatus"), "event_status", problems
        ),
        event_type=_choice(EventType, record.get("eventType"), "event_type", problems),
        sub_type=None
        if raw_sub_type is None
        else _choice(EventSubType, raw_sub_type, "event_sub_type", problems),
        value=value,
        unit=_choice(EventUnit, record.get("unit"), "event_unit", problems),
    )


def parse_alerts(
    payload: object,
    *,
    earliest: datetime | None = None,
    latest: datetime | None = None,
) -> RecordBatch[AlertRecord]:
    """Parse an alerts answer; an unknown name or state becomes UNKNOWN."""
    return _batch(payload, _alert, earliest, latest)


def parse_events(
    payload: object,
    *,
    earliest: datetime | None = None,
    latest: datetime | None = None,
) -> RecordBatch[EventRecord]:
    """Parse an events answer; a value that is no number becomes None."""
    return _batch(payload, _event, earliest, latest)
