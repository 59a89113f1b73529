"""Alerts that fired on the user's device, derived from the readings."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
import math

from .physiology import DAY
from .profiles import AlertThresholds
from .rand import mix
from .sessions import SensorSession
from .trace import HIGHEST, LOWEST, Reading, Trace

_KEY_ALERT = 52
ALERT_NAMES = (
    "high",
    "low",
    "rise",
    "fall",
    "urgentLow",
    "urgentLowSoon",
    "noReadings",
)


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert that fired on the user's device."""

    ident: int
    time: int
    name: str
    session: SensorSession


def zones(reading: Reading, settings: AlertThresholds) -> set[str]:
    """Return the alert zones a reading is in, by the user's thresholds."""
    if reading.status == "low":
        value = LOWEST - 1
    elif reading.status == "high":
        value = HIGHEST + 1
    else:
        value = reading.value if reading.value is not None else 0
    rate = reading.trend_rate
    found = set()
    if value < settings.urgent_low:
        found.add("urgentLow")
    if value < settings.low:
        found.add("low")
    if value > settings.high:
        found.add("high")
    if settings.rise is not None and rate is not None and rate >= settings.rise:
        found.add("rise")
    if settings.fall is not None and rate is not None and rate <= -settings.fall:
        found.add("fall")
    if (
        settings.urgent_low_soon
        and rate is not None
        and value >= settings.urgent_low
        and value + 20 * rate < settings.urgent_low
    ):
        found.add("urgentLowSoon")
    return found


class AlertLog:
    """A user's alerts, computed per UTC day from the readings."""

    def __init__(self, trace: Trace, seed: int) -> None:
        """Derive alerts from `trace` by its user's thresholds."""
        self._trace = trace
        self._seed = seed
        self._day: Callable[[int], tuple[Alert, ...]] = lru_cache(maxsize=256)(
            self._build
        )

    def between(self, start: float, end: float) -> list[Alert]:
        """Return every alert in [start, end), oldest first."""
        start = max(start, self._trace.history_start)
        if start >= end:
            return []
        return [
            item
            for day in range(math.floor(start / DAY), math.floor((end - 1) / DAY) + 1)
            for item in self._day(day)
            if start <= item.time < end
        ]

    def _build(self, day: int) -> tuple[Alert, ...]:
        """Fire when a reading enters a zone the previous one (same sensor) was not in."""
        trace = self._trace
        settings = trace.profile.alerts
        readings = [*trace.day(day - 1)[-1:], *trace.day(day)]
        found: list[Alert] = []
        previous: Reading | None = None
        for reading in readings:
            same_session = previous is not None and previous.session == reading.session
            silence = settings.no_readings
            if (
                previous is not None
                and same_session
                and silence is not None
                and reading.time - previous.time > silence * 60 + 300
            ):
                found.append(
                    self._alert(previous, "noReadings", previous.time + silence * 60)
                )
            was = (
                zones(previous, settings)
                if previous is not None and same_session
                else set()
            )
            found.extend(
                self._alert(reading, name, reading.time)
                for name in sorted(zones(reading, settings) - was)
            )
            previous = reading
        start = day * DAY
        return tuple(item for item in found if start <= item.time < start + DAY)

    def _alert(self, reading: Reading, name: str, ts: int) -> Alert:
        code = ALERT_NAMES.index(name)
        return Alert(
            ident=mix(
                self._seed, self._trace.profile.number, _KEY_ALERT, reading.key, code
            ),
            time=ts,
            name=name,
            session=reading.session,
        )
