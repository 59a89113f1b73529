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
    "no_id_or_time", "outside_window", "value", "status", "trend", "trend_rate", "unit"
]
"""What was unusable in an egvs answer.

no_id_or_time and outside_window drop the record; value and trend_rate become
None; status and trend become UNKNOWN; an unknown unit is taken as mg/dL.
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
