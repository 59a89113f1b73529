"""Typed, immutable records parsed from Dexcom's v3 payloads."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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
    `value` is None when Dexcom sent no number (for example status low/high).
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


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """A kind of unusable data in an answer, with a short raw example."""

    kind: str
    example: str
    count: int


@dataclass(frozen=True, slots=True)
class EgvBatch:
    """The readings of one or more egvs requests, in systemTime order.

    `skipped` counts records dropped as unusable (no recordId or systemTime),
    so the caller can log them once instead of per record.
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


@dataclass(frozen=True, slots=True)
class Device:
    """A receiver or phone app that uploaded data, with its alert settings."""

    transmitter_id: str | None
    transmitter_generation: str | None
    display_device: str | None
    display_app: str | None
    last_upload_date: datetime | None
    alert_settings: tuple[AlertSetting, ...]


@dataclass(frozen=True, slots=True)
class Devices:
    """The devices of an account."""

    user_id: str | None
    devices: tuple[Device, ...]
