"""Clocks: the wall clock, and a simulated one tests and the benchmark drive."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

type Now = Callable[[], datetime]


def wall_clock() -> datetime:
    """Return the current time as an aware UTC datetime (follows `freezer`)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return `value` in UTC; naive datetimes are rejected to avoid silent shifts."""
    if value.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC)


class SimulatedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        """Start at `start` (aware) or at the current wall-clock time."""
        self._now = as_utc(start) if start is not None else wall_clock()

    def __call__(self) -> datetime:
        """Return the simulated time, so the clock itself is a `Now` callable."""
        return self._now

    def now(self) -> datetime:
        """Return the simulated time."""
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by `seconds` (never backward) and return the new time."""
        if seconds < 0:
            raise ValueError("cannot advance by a negative amount")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, value: datetime) -> datetime:
        """Jump to `value` (aware) and return it."""
        self._now = as_utc(value)
        return self._now
