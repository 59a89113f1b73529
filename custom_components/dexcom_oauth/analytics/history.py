"""The readings analytics needs: 14 days of (time, mg/dL), de-duplicated.

Pure on purpose, like ReadingWindow: no Home Assistant imports, no clock. It
keeps only what the measures read (about 4,000 readings for 14 days), bounded
by the newest reading's time, sorted so that a window is two bisects, and adds
a new reading without re-sorting what is kept: the cost on every poll stays
small however long the history is.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from custom_components.dexcom_oauth.client import GlucoseReading
from custom_components.dexcom_oauth.readings import glucose_value

# The consensus period for the measures and the AGP.
HISTORY_SPAN: Final = timedelta(days=14)
# Above this many new readings at once, sorting everything is cheaper.
_BULK: Final = 64

type Entry = tuple[datetime, int, str]


class ReadingHistory:
    """Glucose values kept for `span` before the newest one, oldest first.

    One reading per record id and one per moment: a record re-sent under a
    new id replaces the one of the same time instead of counting twice.
    """

    __slots__ = ("_entries", "_ids", "_span", "_times", "version")

    def __init__(self, span: timedelta = HISTORY_SPAN) -> None:
        """Start empty."""
        self._span = span
        self._entries: list[Entry] = []
        self._times: list[datetime] = []
        self._ids: set[str] = set()
        # Changes whenever the kept readings change.
        self.version = 0

    def __len__(self) -> int:
        """How many readings are kept."""
        return len(self._entries)

    @property
    def span(self) -> timedelta:
        """How long before the newest reading readings are kept."""
        return self._span

    @property
    def newest(self) -> datetime | None:
        """The time of the newest kept reading."""
        return self._times[-1] if self._times else None

    def add(self, readings: Iterable[GlucoseReading]) -> bool:
        """Keep the readings with glucose not kept before; whether any was new."""
        new = sorted(
            (reading.system_time, value, reading.record_id)
            for reading in readings
            if reading.record_id not in self._ids
            and (value := glucose_value(reading)) is not None
        )
        if not new:
            return False
        if len(new) > _BULK:
            by_time = {entry[0]: entry for entry in [*self._entries, *new]}
            self._entries = sorted(by_time.values())
            self._times = [entry[0] for entry in self._entries]
            self._ids = {entry[2] for entry in self._entries}
        else:
            for entry in new:
                self._insert(entry)
        self._prune()
        self.version += 1
        return True

    def series(
        self, start: datetime | None = None, end: datetime | None = None
    ) -> list[Entry]:
        """Return the kept (time, mg/dL, record id) from start to before end."""
        first = 0 if start is None else bisect_left(self._times, start)
        last = len(self._times) if end is None else bisect_left(self._times, end)
        return self._entries[first:last]

    def values(self, start: datetime, end: datetime) -> list[int]:
        """Return the kept mg/dL values with start < time <= end, oldest first.

        A window ends with its newest reading, so `end` is inclusive; a span
        of 14 days then expects 14 × 288 readings.
        """
        first = bisect_right(self._times, start)
        last = bisect_right(self._times, end)
        return [entry[1] for entry in self._entries[first:last]]

    def _insert(self, entry: Entry) -> None:
        """Insert in time order; a reading of the same moment is replaced."""
        index = bisect_left(self._times, entry[0])
        if index < len(self._times) and self._times[index] == entry[0]:
            self._ids.discard(self._entries[index][2])
            self._entries[index] = entry
        else:
            self._entries.insert(index, entry)
            self._times.insert(index, entry[0])
        self._ids.add(entry[2])

    def _prune(self) -> None:
        """Forget what is older than the span before the newest reading."""
        cut = bisect_left(self._times, self._times[-1] - self._span)
        if cut:
            for entry in self._entries[:cut]:
                self._ids.discard(entry[2])
            del self._entries[:cut]
            del self._times[:cut]
