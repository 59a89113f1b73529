"""Sensor readings (EGVs) of one user: values, status and trend, cached per UTC day."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
import math

from .physiology import DAY, Physiology
from .profiles import UserProfile
from .rand import Noise, Stream
from .sessions import GRID_SECONDS, SESSION_READINGS, SensorSession, SessionPlan

SENSOR_LAG = 420  # interstitial glucose trails blood glucose by about 7 minutes
LOWEST = 40
HIGHEST = 400
_RATE_OUT_OF_RANGE = 8.0
_KEY_NOISE = 31
_KEY_WHITE = 32


@dataclass(frozen=True, slots=True)
class Reading:
    """One EGV as the sensor reported it."""

    session: SensorSession
    index: int
    time: int
    value: int | None
    status: str
    trend: str
    trend_rate: float | None

    @property
    def key(self) -> int:
        """Identify the reading within its user (for jitter and record ids)."""
        return self.session.index * 4096 + self.index

    @property
    def ticks(self) -> int:
        """Seconds since the transmitter started (`transmitterTicks`)."""
        return self.time - self.session.transmitter_start


def trend_for(rate: float) -> str:
    """Map a rate (mg/dL/min) to Dexcom's arrow, by the documented thresholds."""
    magnitude = abs(rate)
    if magnitude > _RATE_OUT_OF_RANGE:
        return "rateOutOfRange"
    if magnitude <= 1.0:
        return "flat"
    if magnitude <= 2.0:
        arrow = "fortyFive"
    elif magnitude <= 3.0:
        arrow = "single"
    else:
        arrow = "double"
    return arrow + ("Up" if rate > 0 else "Down")


class Trace:
    """All readings of one user, computed lazily per UTC day."""

    def __init__(self, profile: UserProfile, seed: int, history_start: int) -> None:
        """Set up a user's trace; readings exist from `history_start` (epoch seconds) on."""
        self.profile = profile
        self._seed = seed
        self.history_start = history_start
        self.sessions = SessionPlan(profile, seed)
        self.physiology = Physiology(profile, seed)
        self.day: Callable[[int], tuple[Reading, ...]] = lru_cache(maxsize=192)(
            self._build_day
        )
        self._session_noise: Callable[[int], tuple[Noise, Stream]] = lru_cache(
            maxsize=64
        )(self._build_noise)

    def readings_between(self, start: float, end: float) -> list[Reading]:
        """Return readings with start <= systemTime < end, oldest first."""
        first = math.floor(max(start, self.history_start) / DAY)
        last = math.floor((end - 1) / DAY)
        return [
            reading
            for day in range(first, last + 1)
            for reading in self.day(day)
            if start <= reading.time < end
        ]

    def exists(self, session: SensorSession, index: int) -> bool:
        """Whether the sensor produced this reading (and it is within the history)."""
        return (
            session.has_reading(index) and session.time_of(index) >= self.history_start
        )

    def true_glucose(self, ts: float) -> float:
        """Blood glucose a meter would show (for calibrations)."""
        return self.physiology.glucose_series([ts])[0]

    def _build_day(self, day: int) -> tuple[Reading, ...]:
        start = day * DAY
        end = start + DAY
        if end <= self.history_start:
            return ()
        readings: list[Reading] = []
        for session in self.sessions.sessions_between(start, end):
            first = max(
                session.first_reading, math.ceil((start - session.start) / GRID_SECONDS)
            )
            stop = min(
                math.ceil((end - session.start) / GRID_SECONDS), SESSION_READINGS
            )
            readings.extend(self._session_readings(session, first, stop))
        return tuple(readings)

    def _session_readings(
        self, session: SensorSession, first: int, stop: int
    ) -> list[Reading]:
        if first >= stop:
            return []
        lookback = max(session.first_reading, first - 2)
        indexes = range(lookback, stop)
        times = [session.time_of(index) for index in indexes]
        glucose = self.physiology.glucose_series([ts - SENSOR_LAG for ts in times])
        sensed = {
            index: self._sensor_value(session, index, ts, level)
            for index, ts, level in zip(indexes, times, glucose, strict=True)
        }
        readings = []
        for index in range(first, stop):
            if not self.exists(session, index):
                continue
            readings.append(self._reading(session, index, sensed))
        return readings

    def _sensor_value(
        self, session: SensorSession, index: int, ts: int, level: float
    ) -> float:
        """Sensor error: per-session bias, smooth noise (worse on day one), a little jitter."""
        profile = self.profile
        age = ts - session.start
        amplitude = profile.sensor_noise * (1.0 + 1.5 * math.exp(-age / 43200))
        smooth, white = self._session_noise(session.index)
        return (
            level * (1.0 + session.bias) + amplitude * smooth(ts) + white(index) - 0.5
        )

    def _build_noise(self, session: int) -> tuple[Noise, Stream]:
        key = (self._seed, self.profile.number, session)
        return Noise(1200, *key, _KEY_NOISE), Stream(*key, _KEY_WHITE)

    def _reading(
        self, session: SensorSession, index: int, sensed: dict[int, float]
    ) -> Reading:
        raw = sensed[index]
        rounded = round(raw)
        if rounded < LOWEST:
            status = "low"
            value: int | None = None if self.profile.out_of_range_as_null else LOWEST
        elif rounded > HIGHEST:
            status = "high"
            value = None if self.profile.out_of_range_as_null else HIGHEST
        else:
            status, value = "ok", rounded
        trend, rate = "notComputable", None
        if self.exists(session, index - 1) and self.exists(session, index - 2):
            slope = (raw - sensed[index - 2]) / (2 * GRID_SECONDS / 60)
            trend = trend_for(round(slope, 1))
            if trend != "rateOutOfRange":
                rate = round(slope, 1) + 0.0
        return Reading(
            session=session,
            index=index,
            time=session.time_of(index),
            value=value,
            status=status,
            trend=trend,
            trend_rate=rate,
        )
