"""The readings kept for the entities, and where the next egvs request must begin.

Dexcom delivers a stalled stream's backlog over a while and in any order, so a
request that starts just before the newest reading would miss older records of
the backlog that appear later. This module keeps the bounded window of readings
(de-duplicated by record id) and remembers, across restarts and reloads, the
newest reading time seen and any backlog still settling: after a restart the
first request fetches a whole day, and the remembered newest time tells whether
that day held a backlog whose missing records later requests must still ask for.

Pure on purpose, like PollScheduler: no Home Assistant imports and no clock of
its own; the caller passes ``now``.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from .client import GlucoseReading
from .const import FETCH_OVERLAP, INITIAL_WINDOW, KEPT_WINDOW, READING_INTERVAL
from .readings import has_glucose
from .schedule import parse_stored_time, stored_time

# After the newest reading jumps ahead (a backlog after a stall), requests keep
# asking from before the jump for this long: the backlog's older records may
# still be on their way.
BACKLOG_SETTLE: Final = timedelta(minutes=30)

_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class Backlog:
    """Requests start at `start` until `until`, while a backlog settles."""

    start: datetime
    until: datetime


class ReadingWindow:
    """The last day of readings and what the next request must cover."""

    __slots__ = ("_backlog", "_complete_from", "_newest_seen", "_readings")

    def __init__(self) -> None:
        """Start with nothing kept; ``restore`` takes back what was saved."""
        self._readings: dict[str, GlucoseReading] = {}
        self._newest_seen: datetime | None = None
        self._backlog: Backlog | None = None
        # From when on every reading Dexcom served is kept (set by the first add).
        self._complete_from: datetime | None = None

    @property
    def readings(self) -> tuple[GlucoseReading, ...]:
        """The kept readings, oldest first."""
        return tuple(sorted(self._readings.values(), key=_by_time))

    @property
    def newest(self) -> GlucoseReading | None:
        """The newest kept reading, by systemTime."""
        return max(self._readings.values(), key=_by_time, default=None)

    @property
    def latest_glucose(self) -> GlucoseReading | None:
        """The newest kept reading that says something about glucose."""
        return max(
            (r for r in self._readings.values() if has_glucose(r)),
            key=_by_time,
            default=None,
        )

    @property
    def backlog(self) -> Backlog | None:
        """The backlog still settling, if any."""
        return self._backlog

    def fetch_start(self, now: datetime) -> datetime:
        """Where the next egvs request begins.

        Just before the newest kept reading (FETCH_OVERLAP for late records),
        a day back when nothing is kept, and from before a settling backlog.
        """
        if (newest := self.newest) is None:
            start = now - INITIAL_WINDOW
        else:
            start = min(newest.system_time - FETCH_OVERLAP, now - READING_INTERVAL)
        if self._backlog is not None and now < self._backlog.until:
            start = min(start, self._backlog.start)
        return start

    @property
    def first_whole_hour(self) -> datetime | None:
        """The first hour whose every served reading is kept; None before any add.

        An hour is whole from the first request's start, or from where the
        bound on kept readings cut off the older ones.
        """
        if self._complete_from is None:
            return None
        hour = self._complete_from.replace(minute=0, second=0, microsecond=0)
        return hour if hour == self._complete_from else hour + timedelta(hours=1)

    def add(
        self, readings: Iterable[GlucoseReading], now: datetime, fetched_from: datetime
    ) -> list[GlucoseReading]:
        """Keep the readings of a request that began at `fetched_from`.

        Watches for a backlog; returns the readings not kept before.
        """
        if self._complete_from is None:
            self._complete_from = fetched_from
        horizon = self._horizon()
        new = [
            r
            for r in readings
            if r.record_id not in self._readings
            and (horizon is None or r.system_time >= horizon)
        ]
        for reading in new:
            self._readings[reading.record_id] = reading
        if (newest := self.newest) is None:
            return new
        seen = self._newest_seen
        if seen is not None and newest.system_time - seen > FETCH_OVERLAP:
            start = max(seen - FETCH_OVERLAP, now - INITIAL_WINDOW)
            if self._backlog is not None and now < self._backlog.until:
                start = min(start, self._backlog.start)
            self._backlog = Backlog(start, now + BACKLOG_SETTLE)
        elif self._backlog is not None and now >= self._backlog.until:
            self._backlog = None
        if seen is None or newest.system_time > seen:
            self._newest_seen = newest.system_time
        keep_from = newest.system_time - KEPT_WINDOW
        self._readings = {
            key: r for key, r in self._readings.items() if r.system_time >= keep_from
        }
        self._complete_from = max(self._complete_from, keep_from)
        return new

    def as_dict(self) -> dict[str, object]:
        """Return what a restart needs, JSON-safe."""
        return {
            "version": _VERSION,
            "newest_seen": stored_time(self._newest_seen),
            "backlog": None
            if self._backlog is None
            else [self._backlog.start.isoformat(), self._backlog.until.isoformat()],
        }

    def restore(self, data: object) -> None:
        """Take back what ``as_dict`` saved; anything unusable is taken as unknown."""
        if not isinstance(data, Mapping) or data.get("version") != _VERSION:
            return
        self._newest_seen = parse_stored_time(data.get("newest_seen"))
        raw = data.get("backlog")
        if isinstance(raw, list) and len(raw) == 2:
            start, until = parse_stored_time(raw[0]), parse_stored_time(raw[1])
            if start is not None and until is not None:
                self._backlog = Backlog(start, until)

    def _horizon(self) -> datetime | None:
        """Return the time before which a reading would be dropped at once."""
        newest = self.newest
        return None if newest is None else newest.system_time - KEPT_WINDOW


def _by_time(reading: GlucoseReading) -> datetime:
    return reading.system_time
