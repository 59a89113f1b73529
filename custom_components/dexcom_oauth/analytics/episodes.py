"""Hypo- and hyperglycemic episodes by the consensus definition.

An episode starts with at least 15 minutes of readings beyond its threshold
(below 70 or below 54 for hypoglycemia, above 250 for hyperglycemia) and ends
after at least 15 minutes back on the other side of that threshold; its end
is the first reading back. Fifteen minutes are three five-minute readings (the
first reading's time to the last one's, plus the five minutes the last one
stands for). A gap of more than 10 minutes breaks a run; an episode cut by a
gap ends five minutes after its last reading, and says so.

Pure on purpose: no Home Assistant imports, no clock.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from homeassistant.util.json import JsonValueType

from .metrics import READING_SPAN

MIN_DURATION: Final = timedelta(minutes=15)
# Readings further apart than this leave a gap: a run does not span it.
MAX_STEP: Final = timedelta(minutes=10)


class EpisodeKind(StrEnum):
    """The consensus episode types."""

    HYPO_LEVEL_1 = "hypo_level_1"
    HYPO_LEVEL_2 = "hypo_level_2"
    HYPER_LEVEL_2 = "hyper_level_2"


# Threshold (mg/dL) and whether the episode lies below it.
THRESHOLDS: Final[dict[EpisodeKind, tuple[int, bool]]] = {
    EpisodeKind.HYPO_LEVEL_1: (70, True),
    EpisodeKind.HYPO_LEVEL_2: (54, True),
    EpisodeKind.HYPER_LEVEL_2: (250, False),
}


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode; `end` is None while it goes on."""

    kind: EpisodeKind
    start: datetime
    end: datetime | None
    extreme: int
    readings: int
    ended_by_gap: bool = False

    def as_dict(self) -> dict[str, JsonValueType]:
        """Return it JSON-safe, for events and action responses."""
        return {
            "kind": self.kind.value,
            "start": self.start.isoformat(),
            "end": None if self.end is None else self.end.isoformat(),
            "duration_minutes": None
            if self.end is None
            else round((self.end - self.start).total_seconds() / 60),
            "extreme": self.extreme,
            "readings": self.readings,
            "ended_by_gap": self.ended_by_gap,
        }


class _Tracker:
    """Follows one kind of episode through a series of readings."""

    def __init__(self, kind: EpisodeKind) -> None:
        self.kind = kind
        self.threshold, self.below = THRESHOLDS[kind]
        self.found: list[Episode] = []
        self.previous: datetime | None = None
        # The current run beyond the threshold (before an episode starts, or in one).
        self.run: list[tuple[datetime, int]] = []
        self.active = False
        # The first reading back across the threshold during an episode.
        self.back: datetime | None = None

    def beyond(self, value: int) -> bool:
        return value < self.threshold if self.below else value > self.threshold

    def step(self, time: datetime, value: int) -> None:
        if self.previous is not None and time - self.previous > MAX_STEP:
            self._gap(self.previous)
        self.previous = time
        if self.beyond(value):
            self.run.append((time, value))
            self.back = None
            if not self.active and time - self.run[0][0] + READING_SPAN >= MIN_DURATION:
                self.active = True
            return
        if not self.active:
            self.run = []
            return
        if self.back is None:
            self.back = time
        if time - self.back + READING_SPAN >= MIN_DURATION:
            self._close(self.back, ended_by_gap=False)

    def finish(self) -> None:
        if self.active:
            self.found.append(self._episode(None, ended_by_gap=False))

    def _gap(self, last: datetime) -> None:
        if self.active:
            end = self.back if self.back is not None else last + READING_SPAN
            self._close(end, ended_by_gap=self.back is None)
        self.run = []

    def _close(self, end: datetime, *, ended_by_gap: bool) -> None:
        self.found.append(self._episode(end, ended_by_gap=ended_by_gap))
        self.active = False
        self.run = []
        self.back = None

    def _episode(self, end: datetime | None, *, ended_by_gap: bool) -> Episode:
        values = [value for _, value in self.run]
        return Episode(
            kind=self.kind,
            start=self.run[0][0],
            end=end,
            extreme=min(values) if self.below else max(values),
            readings=len(values),
            ended_by_gap=ended_by_gap,
        )


def find_episodes(
    series: Iterable[tuple[datetime, int]],
    kinds: Iterable[EpisodeKind] = tuple(EpisodeKind),
) -> list[Episode]:
    """Return the episodes of the (time, mg/dL) series, oldest start first."""
    trackers = [_Tracker(kind) for kind in kinds]
    for time, value in series:
        for tracker in trackers:
            tracker.step(time, value)
    for tracker in trackers:
        tracker.finish()
    return sorted(
        (episode for tracker in trackers for episode in tracker.found),
        key=lambda episode: (episode.start, episode.kind),
    )
