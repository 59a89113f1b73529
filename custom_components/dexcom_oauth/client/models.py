"""Typed, immutable records parsed from Dexcom's v3 payloads."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, Literal

# The sensor's range: a reading's value is always within it, or None.
GLUCOSE_MIN_MG_DL: Final = 40
GLUCOSE_MAX_MG_DL: Final = 400
# The steepest plausible change of glucose; a trend rate beyond it is dropped.
MAX_TREND_RATE: Final = 20.0


class Trend(StrEnum):
    """Dexcom's trend arrow; unrecognised values become UNKNOWN."""

    NONE = "none"
    UNKNOWN = "unknown"
    DOUBLE_UP = "doubleUp"
    SINGLE_UP = "singleUp"
    FORTY_FIVE_UP = "fortyFiveUp"
    FLAT = "flat"
    FORTY_FIVE_DOWN = "fortyFiveDown"
    SINGLE_DOWN = "singleDown"
    DOUBLE_DOWN = "doubleDown"
    NOT_COMPUTABLE = "notComputable"
    RATE_OUT_OF_RANGE = "rateOutOfRange"


class GlucoseStatus(StrEnum):
    """Whether a reading is inside the sensor's 40-400 mg/dL range."""

    OK = "ok"
    LOW = "low"
    HIGH = "high"
    UNKNOWN = "unknown"


class GlucoseUnit(StrEnum):
    """The account's display unit."""

    MG_DL = "mg/dL"
    MMOL_L = "mmol/L"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class GlucoseReading:
    """One estimated glucose value (EGV), always in mg/dL.

    `system_time` is timezone-aware UTC and is the reading's true time.
    `value` is a whole number within 40..400, or None when Dexcom sent no
    usable number (for example with status low/high, which then tells the
    bound). `trend_rate` is finite and at most MAX_TREND_RATE either way.
    """

    record_id: str
    system_time: datetime
    display_time: datetime | None
    value: int | None
    status: GlucoseStatus
    trend: Trend
    trend_rate: float | None
    unit: GlucoseUnit
    transmitter_id: str | None
    transmitter_generation: str | None
    display_device: str | None
    display_app: str | None


type ProblemKind = Literal[
    "no_id_or_time",
    "outside_window",
    "value",
    "status",
    "trend",
    "trend_rate",
    "unit",
    "alert_name",
    "alert_state",
    "event_status",
    "event_type",
    "event_sub_type",
    "event_value",
    "event_unit",
]
"""What was unusable in an answer.

egvs: no_id_or_time and outside_window drop the record; value and trend_rate
become None; status and trend become UNKNOWN; an unknown unit is taken as
mg/dL. alerts and events: no_id_or_time drops the record; an unknown name,
state, status, type, sub-type or unit becomes UNKNOWN; event_value None.
"""


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """One kind of unusable raw value, so the caller can log it once.

    `example` is a short repr of the first such value; for record-level kinds
    it is the raw systemTime, never a record id or user id.
    """

    kind: ProblemKind
    example: str
    count: int


@dataclass(frozen=True, slots=True)
class EgvBatch:
    """The readings of one or more egvs requests, in systemTime order.

    `skipped` counts records dropped for having no usable recordId or
    systemTime; `problems` lists every kind of unusable value (those included)
    with a count, so the caller can log each once instead of per record. A
    missing or null field is no problem: Dexcom documents them as optional.
    """

    user_id: str | None
    readings: tuple[GlucoseReading, ...]
    skipped: int = 0
    problems: tuple[ParseProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class TimeRange:
    """First and last systemTime (UTC) of a kind of record."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class DataRange:
    """Where an account has data; a range is None when there is none."""

    user_id: str | None
    egvs: TimeRange | None
    events: TimeRange | None
    calibrations: TimeRange | None


@dataclass(frozen=True, slots=True)
class AlertSetting:
    """One of the user's alert thresholds, e.g. low at 70 mg/dL."""

    alert_name: str
    value: float | None
    unit: str | None
    enabled: bool | None


class Weekday(StrEnum):
    """Days as Dexcom names them in an alert schedule's daysOfWeek."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


@dataclass(frozen=True, slots=True)
class AlertSchedule:
    """One alert schedule with its own thresholds.

    `start`/`end` are local "HH:MM" minutes since midnight, or None when
    unusable; `days` holds only recognised, distinct days. `is_active` is
    what the phone said at upload time, None when missing. `override_until`
    is the end of a quiet/vibrate override, which silences but keeps the
    thresholds.
    """

    name: str | None
    enabled: bool | None
    is_default: bool
    is_active: bool | None
    start: int | None
    end: int | None
    days: tuple[Weekday, ...]
    override_until: datetime | None
    alert_settings: tuple[AlertSetting, ...]


@dataclass(frozen=True, slots=True)
class Device:
    """A receiver or phone app that uploaded data, with its alert settings.

    `alert_settings` are those of the schedule in force at upload time;
    `alert_schedules` holds every schedule, to pick the one in force later.
    """

    transmitter_id: str | None
    transmitter_generation: str | None
    display_device: str | None
    display_app: str | None
    last_upload_date: datetime | None
    alert_settings: tuple[AlertSetting, ...]
    alert_schedules: tuple[AlertSchedule, ...] = ()


@dataclass(frozen=True, slots=True)
class Devices:
    """The devices of an account."""

    user_id: str | None
    devices: tuple[Device, ...]


class AlertName(StrEnum):
    """Dexcom's alert names; unrecognised values become UNKNOWN."""

    HIGH = "high"
    LOW = "low"
    RISE = "rise"
    FALL = "fall"
    OUT_OF_RANGE = "outOfRange"
    URGENT_LOW = "urgentLow"
    URGENT_LOW_SOON = "urgentLowSoon"
    NO_READINGS = "noReadings"
    FIXED_LOW = "fixedLow"
    UNKNOWN = "unknown"


class AlertState(StrEnum):
    """The state of a fired alert on the device."""

    UNKNOWN = "unknown"
    INACTIVE = "inactive"
    ACTIVE_SNOOZED = "activeSnoozed"
    ACTIVE_ALARMING = "activeAlarming"


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert that fired on the user's phone or receiver."""

    record_id: str
    system_time: datetime
    display_time: datetime | None
    alert_name: AlertName
    alert_state: AlertState
    transmitter_generation: str | None
    display_device: str | None
    display_app: str | None


class EventStatus(StrEnum):
    """Whether a user-entered event is new, edited or deleted."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    UNKNOWN = "unknown"


class EventType(StrEnum):
    """What the user logged."""

    INSULIN = "insulin"
    CARBS = "carbs"
    EXERCISE = "exercise"
    HEALTH = "health"
    BLOOD_GLUCOSE = "bloodGlucose"
    NOTES = "notes"
    UNKNOWN = "unknown"


class EventSubType(StrEnum):
    """Refines an event: insulin kind, exercise intensity, health issue."""

    FAST_ACTING = "fastActing"
    LONG_ACTING = "longActing"
    LIGHT = "light"
    MEDIUM = "medium"
    HEAVY = "heavy"
    ILLNESS = "illness"
    STRESS = "stress"
    HIGH_SYMPTOMS = "highSymptoms"
    LOW_SYMPTOMS = "lowSymptoms"
    CYCLE = "cycle"
    ALCOHOL = "alcohol"
    UNKNOWN = "unknown"


class EventUnit(StrEnum):
    """The unit of an event's value."""

    GRAMS = "grams"
    MG_DL = "mg/dL"
    MINUTES = "minutes"
    UNITS = "units"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A user-entered event (carbs, insulin, exercise...).

    `value` is a finite number or None (Dexcom documents a string and sends
    numbers); `sub_type` is None when Dexcom sent none.
    """

    record_id: str
    system_time: datetime
    display_time: datetime | None
    status: EventStatus
    event_type: EventType
    sub_type: EventSubType | None
    value: float | None
    unit: EventUnit


@dataclass(frozen=True, slots=True)
class RecordBatch[T]:
    """The records of an alerts or events answer, by systemTime.

    Records without a usable id or time are dropped and, like every other
    unusable value, counted in `problems`.
    """

    records: tuple[T, ...]
    problems: tuple[ParseProblem, ...] = ()
