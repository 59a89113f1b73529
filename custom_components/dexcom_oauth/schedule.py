"""Decide when to poll Dexcom next: just after the next reading becomes available.

A CGM takes a reading every five minutes on its transmitter's grid. Dexcom makes each
one available only after a data delay (0, about 1 h or about 3 h) plus a small upload
jitter, and a stream can stall for hours and then deliver its backlog at once. Polling
on a fixed clock either wastes calls or shows readings minutes later than it could, so
this module learns the availability offset (availability minus systemTime, an upper
quantile of delay plus jitter) and polls when the next reading should have appeared.

Pure on purpose: no Home Assistant imports and no clock of its own. The caller passes
``now`` (an aware datetime), so tests can simulate days of polling in milliseconds.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
import math
from typing import Final, Self

from .const import READING_INTERVAL

# Never poll again sooner than this, whatever the inputs: no tight loops.
MIN_WAIT: Final = timedelta(seconds=10)
# While no reading is due (a stall), poll once per reading slot: 12 calls an hour.
STALL_INTERVAL: Final = READING_INTERVAL
# Poll this long after the predicted availability: the caller's timer may fire up to
# a second early and its clock may be truncated to whole seconds.
POLL_MARGIN: Final = timedelta(seconds=3)
# After a miss, retry after this long, doubling on each further miss in the slot.
RETRY_FIRST: Final = timedelta(seconds=10)
# Upload jitter is seconds: once TRUSTED_HITS readings in a row came on the first
# try, a reading still missing after MAX_RETRIES retries is a gap in the stream
# (signal loss), so wait for the next slot instead of climbing the whole ladder.
MAX_RETRIES: Final = 2
TRUSTED_HITS: Final = 6
# Learning: a first-attempt hit lowers the offset by DOWN, a first-attempt miss
# raises it by UP; that settles where UP / (UP + DOWN) = 92 % of first attempts hit,
# the balance of calls against lag measured by scripts/bench.
OFFSET_DOWN: Final = timedelta(seconds=1)
OFFSET_UP: Final = timedelta(seconds=12)
# After this many first-attempt hits in a row, each further hit lowers the offset by
# one DOWN more than the last, so an offset far too high is fixed within hours.
HIT_RUN: Final = 24
# An offset above what a fresh reading proves by more than this is learnt again.
REINIT_EXCESS: Final = timedelta(seconds=60)
# Dexcom documents delays of up to three hours; leave room, but stay bounded.
MAX_OFFSET: Final = timedelta(hours=6)
# A failed poll without Retry-After is retried after this, doubling per failure.
FAILURE_FIRST: Final = timedelta(seconds=30)
# Retry-After is honoured up to this long.
MAX_HOLD: Final = timedelta(hours=1)
# A newer reading less than this after the previous one is the next on the grid.
CONSECUTIVE: Final = READING_INTERVAL * 3 / 2

_VERSION: Final = 1
_MAX_DOUBLINGS: Final = 8


class PollScheduler:
    """The learned availability offset and what happened to the awaited reading.

    Report every poll with ``record_poll`` or ``record_failure``, then ask
    ``next_poll`` how long to wait. ``offset`` is None until a poll returns readings.
    """

    __slots__ = (
        "_failures",
        "_gap_likely",
        "_hit_run",
        "_hold_until",
        "_last_poll",
        "_late_bound",
        "_misses",
        "newest",
        "offset",
    )

    def __init__(
        self,
        offset: timedelta | None = None,
        newest: datetime | None = None,
        hold_until: datetime | None = None,
    ) -> None:
        """Start from what was persisted, or from nothing."""
        self.offset = None if offset is None else _clamp(offset)
        self.newest = newest
        self._hold_until = hold_until
        # Polls at or after the expected time that found nothing new.
        self._misses = 0
        # First-attempt hits in a row, for the growing downward step.
        self._hit_run = 0
        # The awaited reading was missed after a run of on-time readings.
        self._gap_likely = False
        # Failed polls in a row, for the failure back-off.
        self._failures = 0
        # When the last successful poll ran: what it did not see appeared later.
        self._last_poll: datetime | None = None
        # The previous reading's offset lower bound, when that was above the estimate.
        self._late_bound: timedelta | None = None

    def stalled(self, now: datetime) -> bool:
        """Tell whether the next reading is a whole interval overdue, or none is known."""
        overdue = self._overdue(now)
        return overdue is None or overdue >= READING_INTERVAL

    def expected_next(self, now: datetime) -> datetime | None:
        """Return when a new reading is expected; during a stall, the next grid slot."""
        if (overdue := self._overdue(now)) is None:
            return None
        if overdue >= READING_INTERVAL:
            return now + _until_slot(-overdue)
        try:
            return now - overdue
        except OverflowError:
            return None  # a newest reading near year 9999

    def record_poll(self, now: datetime, newest: datetime | None) -> None:
        """Learn from a successful poll; ``newest`` is the newest systemTime known.

        A poll brought a new reading when ``newest`` moved past the one known before;
        older records filled in late do not change the schedule.
        """
        self._failures = 0
        self._hold_until = None
        previous, self.newest = self.newest, newest
        last_poll, self._last_poll = self._last_poll, now
        if newest is None:
            self._forget_attempts()
        elif self.offset is None:
            # The newest reading is visible and the next one is not, so the offset
            # lies in (now - newest - interval, now - newest]. Start at the lower end:
            # a few short retries pin it down, whereas starting high would delay each
            # reading until the slow downward steps caught up.
            self.offset = _clamp(now - newest - READING_INTERVAL)
            self._forget_attempts()
        elif previous is not None and newest <= previous:
            overdue = now - newest - READING_INTERVAL - self.offset
            self.offset = self._missed(overdue, self.offset)
        else:
            offset = self._learn(now, previous, newest, last_poll, self.offset)
            self.offset = _clamp(offset)
            self._misses = 0
            self._gap_likely = False

    def record_failure(self, now: datetime, retry_after: float | None) -> None:
        """Back off after a failed poll; honour Retry-After (seconds) up to MAX_HOLD."""
        self._failures += 1
        if retry_after is None or math.isnan(retry_after):
            return
        hold = min(max(retry_after, 0.0), MAX_HOLD.total_seconds())
        until = now + timedelta(seconds=hold)
        if self._hold_until is None or until > self._hold_until:
            self._hold_until = until

    def next_poll(self, now: datetime) -> timedelta:
        """Return how long to wait before polling again."""
        wait = self._wait(now)
        if self._failures:
            backoff = FAILURE_FIRST * 2 ** min(self._failures - 1, _MAX_DOUBLINGS)
            wait = max(wait, min(backoff, STALL_INTERVAL))
        if self._hold_until is not None:
            wait = max(wait, min(self._hold_until - now, MAX_HOLD))
        return wait

    def as_dict(self) -> dict[str, object]:
        """Return what should survive a restart, JSON-safe."""
        return {
            "version": _VERSION,
            "offset": None if self.offset is None else self.offset.total_seconds(),
            "newest": stored_time(self.newest),
            "hold_until": stored_time(self._hold_until),
        }

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """Restore from ``as_dict`` output; anything unusable is taken as unknown."""
        if not isinstance(data, Mapping) or data.get("version") != _VERSION:
            return cls()
        return cls(
            offset=_parse_offset(data.get("offset")),
            newest=parse_stored_time(data.get("newest")),
            hold_until=parse_stored_time(data.get("hold_until")),
        )

    def _overdue(self, now: datetime) -> timedelta | None:
        """Return how long ago the reading after the newest should have appeared.

        Only time differences: adding to a far-future time could overflow.
        """
        if self.newest is None or self.offset is None:
            return None
        return now - self.newest - READING_INTERVAL - self.offset

    def _wait(self, now: datetime) -> timedelta:
        """Return the wait the data alone asks for, in [MIN_WAIT, STALL_INTERVAL]."""
        if (overdue := self._overdue(now)) is None:
            return STALL_INTERVAL
        until = POLL_MARGIN - overdue
        if until > timedelta(0):
            wait = until
        elif overdue >= READING_INTERVAL:
            # Stalled: once per slot, just after a resumed stream would deliver.
            wait = _until_slot(until)
        elif not self._misses:
            wait = MIN_WAIT  # overdue but not asked for yet (restart, failures)
        elif self._gap_likely and self._misses > MAX_RETRIES:
            wait = _until_slot(until)
        else:
            retry = RETRY_FIRST * 2 ** min(self._misses - 1, _MAX_DOUBLINGS)
            wait = min(retry, _until_slot(until))
        return min(max(wait, MIN_WAIT), STALL_INTERVAL)

    def _missed(self, overdue: timedelta, offset: timedelta) -> timedelta:
        """Count a poll that found nothing newer if the next reading was due by then."""
        if overdue < timedelta(0):
            return offset
        self._misses += 1
        if self._misses == 1 and _first_attempt(overdue):
            self._gap_likely = self._hit_run >= TRUSTED_HITS
            self._hit_run = 0
            return _clamp(offset + OFFSET_UP)
        return offset

    def _learn(
        self,
        now: datetime,
        previous: datetime | None,
        newest: datetime,
        last_poll: datetime | None,
        offset: timedelta,
    ) -> timedelta:
        """Return the offset adjusted to what a newly seen reading proves."""
        # The newest reading is visible now, so its offset is at most this.
        upper = now - newest
        if offset > upper + REINIT_EXCESS:
            # Far too high (the first poll came during a stall, or the delay
            # shrank): learn again from the lower end, as on the first poll.
            self._forget_attempts()
            return upper - READING_INTERVAL
        if previous is None or newest - previous >= CONSECUTIVE:
            # A gap, or a backlog after a stall: such readings tell nothing about
            # the usual offset beyond the upper bound.
            self._late_bound = None
            return min(offset, upper)
        overdue = now - previous - READING_INTERVAL - offset
        if not self._misses and _first_attempt(overdue):
            self._hit_run += 1
            offset -= OFFSET_DOWN * max(1, self._hit_run - HIT_RUN)
        # The previous poll did not see this reading, so its offset exceeds this.
        # One late reading is an outlier; two in a row move the estimate.
        late = None if last_poll is None else last_poll - newest
        if late is not None and late > offset:
            if self._late_bound is not None:
                offset = max(offset, min(self._late_bound, late))
            self._late_bound = late
        else:
            self._late_bound = None
        return min(offset, upper)

    def _forget_attempts(self) -> None:
        """Start afresh: nothing is known about the awaited reading."""
        self._misses = 0
        self._hit_run = 0
        self._gap_likely = False
        self._late_bound = None


def _first_attempt(overdue: timedelta) -> bool:
    """Tell whether a poll this long after the expected time was the scheduled one."""
    return timedelta(0) <= overdue <= POLL_MARGIN + MIN_WAIT


def _clamp(offset: timedelta) -> timedelta:
    """Keep an offset within [0, MAX_OFFSET]."""
    return min(max(offset, timedelta(0)), MAX_OFFSET)


def _until_slot(until: timedelta) -> timedelta:
    """Return the least positive until + k intervals (k >= 1), for until <= 0."""
    return until + READING_INTERVAL * (-until // READING_INTERVAL + 1)


def stored_time(value: datetime | None) -> str | None:
    """Format a time for storage (shared with the reading window)."""
    return None if value is None else value.isoformat()


def _parse_offset(value: object) -> timedelta | None:
    """Read stored seconds, clamped; None for anything that is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    if not math.isfinite(seconds):
        return None
    return timedelta(seconds=min(max(seconds, 0.0), MAX_OFFSET.total_seconds()))


def parse_stored_time(value: object) -> datetime | None:
    """Read a stored ISO time (naive text is UTC); None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
