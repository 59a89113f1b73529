"""What a reading means for glucose: the value to show and the sensor range."""

from .client import (
    GLUCOSE_MAX_MG_DL as SENSOR_HIGH,
    GLUCOSE_MIN_MG_DL as SENSOR_LOW,
    GlucoseReading,
    GlucoseStatus,
    Trend,
)

# Dexcom trend arrows as the states of core dexcom, plus the two non-arrows.
TREND_STATES = {
    Trend.DOUBLE_UP: "rising_quickly",
    Trend.SINGLE_UP: "rising",
    Trend.FORTY_FIVE_UP: "rising_slightly",
    Trend.FLAT: "steady",
    Trend.FORTY_FIVE_DOWN: "falling_slightly",
    Trend.SINGLE_DOWN: "falling",
    Trend.DOUBLE_DOWN: "falling_quickly",
    Trend.NOT_COMPUTABLE: "not_computable",
    Trend.RATE_OUT_OF_RANGE: "rate_out_of_range",
}


def glucose_value(reading: GlucoseReading) -> int | None:
    """Return the value in mg/dL; beyond the sensor's range, the bound it passed.

    A low reading shows 40 and a high one 400, whatever number Dexcom sent
    with it (39 and 401 have been seen), so that an automation testing
    "below 70" fires for a LOW; the range sensor says it is a bound.
    """
    if reading.status is GlucoseStatus.LOW:
        return SENSOR_LOW
    if reading.status is GlucoseStatus.HIGH:
        return SENSOR_HIGH
    return reading.value


def glucose_range(reading: GlucoseReading) -> str | None:
    """Whether the reading is inside the sensor's 40-400 mg/dL range.

    The client never gives a value outside that range: beyond it, only the
    status low/high says so.
    """
    if reading.status is GlucoseStatus.LOW:
        return "low"
    if reading.status is GlucoseStatus.HIGH:
        return "high"
    return None if reading.value is None else "in_range"


def has_glucose(reading: GlucoseReading) -> bool:
    """Whether a reading says something about glucose (a value or low/high)."""
    return reading.value is not None or reading.status in (
        GlucoseStatus.LOW,
        GlucoseStatus.HIGH,
    )
