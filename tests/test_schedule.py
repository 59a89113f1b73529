"""Tests for the polling scheduler, on simulated time (no clock, no sleeps)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
import math
import random
from statistics import quantiles

import pytest

from custom_components.dexcom_oauth.const import READING_INTERVAL
from custom_components.dexcom_oauth.schedule import (
    FAILURE_FIRST,
    MAX_HOLD,
    MAX_OFFSET,
    MAX_RETRIES,
    MIN_WAIT,
    OFFSET_DOWN,
    OFFSET_UP,
    POLL_MARGIN,
    RETRY_FIRST,
    STALL_INTERVAL,
    TRUSTED_HITS,
    PollScheduler,
)

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DELAYS = [timedelta(0), HOUR, 3 * HOUR]


def sec(seconds: float) -> timedelta:
    """Shorthand for a number of seconds."""
    return timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class Reading:
    """One simulated CGM reading and when the API starts returning it."""

    system_time: datetime
    available: datetime


def stream(
    count: int, delay: timedelta, *, seed: int = 1, missing: Iterable[int] = ()
) -> list[Reading]:
    """Make readings on a 5-minute grid (±2 s), available after delay + 0-20 s."""
    rng = random.Random(seed)
    skipped = set(missing)
    readings = []
    for index in range(count):
        system_time = T0 + READING_INTERVAL * index + sec(rng.uniform(-2, 2))
        available = system_time + delay + sec(rng.uniform(0, 20))
        if index not in skipped:
            readings.append(Reading(system_time, available))
    return readings


@dataclass(slots=True)
class Run:
    """What a simulation did: when it polled and when each reading was fetched."""

    scheduler: PollScheduler
    polls: list[datetime] = field(default_factory=list)
    fetched: dict[Reading, datetime] = field(default_factory=dict)
    next_at: datetime = T0

    def lags(self, readings: Iterable[Reading]) -> list[float]:
        """Seconds from availability to fetch, per reading."""
        return [(self.fetched[r] - r.available).total_seconds() for r in readings]

    def polls_between(self, start: datetime, end: datetime) -> int:
        """How many polls ran in [start, end)."""
        return sum(start <= poll < end for poll in self.polls)


def simulate(
    readings: list[Reading],
    start: datetime,
    *,
    end: datetime | None = None,
    scheduler: PollScheduler | None = None,
) -> Run:
    """Poll the way the coordinator will: at start, then whenever next_poll says."""
    run = Run(scheduler or PollScheduler())
    pending = sorted(readings, key=lambda r: r.available)
    stop = end or pending[-1].available + READING_INTERVAL
    now, index = start, 0
    newest = run.scheduler.newest
    while now < stop:
        run.polls.append(now)
        while index < len(pending) and pending[index].available <= now:
            reading = pending[index]
            run.fetched.setdefault(reading, now)
            if newest is None or reading.system_time > newest:
                newest = reading.system_time
            index += 1
        run.scheduler.record_poll(now, newest)
        wait = run.scheduler.next_poll(now)
        assert MIN_WAIT <= wait <= STALL_INTERVAL
        now += wait
    run.next_at = now
    return run


def p95(values: list[float]) -> float:
    """Return the 95th percentile."""
    return quantiles(values, n=20)[-1]


def test_first_poll_starts_at_the_lower_bound() -> None:
    """The newest reading is visible and the next is not: assume the earliest."""
    scheduler = PollScheduler()
    assert scheduler.offset is None
    assert scheduler.next_poll(T0) == STALL_INTERVAL
    now = T0 + HOUR + sec(120)
    scheduler.record_poll(now, T0)
    assert scheduler.offset == HOUR + sec(120) - READING_INTERVAL
    assert scheduler.expected_next(now) == now
    assert scheduler.next_poll(now) == MIN_WAIT

    fresh = PollScheduler()
    fresh.record_poll(T0 + sec(60), T0)
    assert fresh.offset == timedelta(0)


def test_on_time_reading_is_fetched_by_the_first_poll() -> None:
    """Wait until the predicted availability; a hit lowers the offset a little."""
    scheduler = PollScheduler(offset=HOUR, newest=T0)
    now = T0 + HOUR + sec(30)
    assert scheduler.expected_next(now) == T0 + READING_INTERVAL + HOUR
    assert not scheduler.stalled(now)
    wait = scheduler.next_poll(now)
    assert wait == READING_INTERVAL - sec(30) + POLL_MARGIN
    now += wait
    scheduler.record_poll(now, T0 + READING_INTERVAL)
    assert scheduler.offset == HOUR - OFFSET_DOWN
    assert scheduler.next_poll(now) == READING_INTERVAL - OFFSET_DOWN


def test_late_reading_is_retried_with_growing_steps() -> None:
    """A miss re-polls at the raised expectation, then after 20, 40, 80 s, then per slot."""
    scheduler = PollScheduler(offset=HOUR, newest=T0)
    now = T0 + READING_INTERVAL + HOUR + POLL_MARGIN
    waits = []
    for _ in range(8):
        scheduler.record_poll(now, T0)
        waits.append(scheduler.next_poll(now))
        now += waits[-1]
    assert scheduler.offset == HOUR + OFFSET_UP  # only the first attempt teaches
    assert waits[:4] == [max(OFFSET_UP, MIN_WAIT)] + [
        RETRY_FIRST * 2**n for n in range(1, 4)
    ]
    # The next step would pass the following reading's slot: poll there instead,
    # then stay on the grid.
    first_poll = T0 + READING_INTERVAL + HOUR + POLL_MARGIN
    assert first_poll + sum(waits[:5], timedelta()) == (
        T0 + 2 * READING_INTERVAL + HOUR + OFFSET_UP + POLL_MARGIN
    )
    assert waits[5:] == [STALL_INTERVAL] * 3
    assert scheduler.stalled(now)


def poll_until_found(
    scheduler: PollScheduler, now: datetime, reading: Reading
) -> datetime:
    """Poll as scheduled until the reading shows up; return when it did."""
    known = scheduler.newest
    while now < reading.available:
        scheduler.record_poll(now, known)
        now += scheduler.next_poll(now)
    scheduler.record_poll(now, reading.system_time)
    return now


def test_one_late_reading_is_an_outlier_two_move_the_offset() -> None:
    """A late reading bounds its offset from below; two in a row are believed."""
    scheduler = PollScheduler(offset=HOUR, newest=T0)
    now = T0 + HOUR + sec(30)
    now += scheduler.next_poll(now)
    first = Reading(T0 + READING_INTERVAL, T0 + READING_INTERVAL + HOUR + sec(60))
    now = poll_until_found(scheduler, now, first)
    # Missed at +3 s, at the raised expectation (+15 s) and at +35 s, found at
    # +75 s: only the step up is applied.
    assert now == first.system_time + HOUR + sec(75)
    assert scheduler.offset == HOUR + OFFSET_UP

    second = Reading(
        first.system_time + READING_INTERVAL,
        first.system_time + READING_INTERVAL + HOUR + sec(60),
    )
    now = poll_until_found(scheduler, now + scheduler.next_poll(now), second)
    # Both were still missing 35 s past the old offset: that is the new one.
    assert scheduler.offset == HOUR + sec(35)

    # An on-time reading after that ends the run of late ones.
    third = Reading(second.system_time + READING_INTERVAL, T0)
    now = poll_until_found(scheduler, now + scheduler.next_poll(now), third)
    assert scheduler.offset == HOUR + sec(35) - OFFSET_DOWN


def test_readings_after_a_gap_only_bound_the_offset_from_above() -> None:
    """Two late readings with a skipped one before each are not a new delay."""
    scheduler = PollScheduler(offset=HOUR, newest=T0)
    newest = T0
    for _ in range(2):
        miss = newest + HOUR + sec(630)
        scheduler.record_poll(miss, newest)
        newest += 2 * READING_INTERVAL
        scheduler.record_poll(miss + sec(30), newest)
    assert scheduler.offset == HOUR


@pytest.mark.parametrize("step", [READING_INTERVAL, 2 * READING_INTERVAL])
def test_a_reading_seen_early_lowers_the_offset(step: timedelta) -> None:
    """A reading visible before its predicted time proves the offset too high."""
    scheduler = PollScheduler(offset=HOUR + sec(30), newest=T0)
    scheduler.record_poll(T0 + step + HOUR + sec(10), T0 + step)
    assert scheduler.offset == HOUR + sec(10)


@pytest.mark.parametrize("delay", DELAYS, ids=["0h", "1h", "3h"])
def test_learning_meets_the_call_and_lag_budget(delay: timedelta) -> None:
    """Over 2000 jittered readings: <= 1.15 calls per reading, p95 lag <= 30 s."""
    readings = stream(2000, delay)
    run = simulate(readings, readings[0].available + sec(37))
    counted = readings[1:]
    assert len(run.fetched) == len(readings)
    assert len(run.polls) / len(counted) <= 1.15
    assert p95(run.lags(counted)) <= 30
    offset = run.scheduler.offset
    assert offset is not None
    # Within the jitter (20 s) and one learning step of the true delay.
    assert delay <= offset <= delay + sec(20) + OFFSET_UP


def test_a_missing_reading_after_a_run_of_hits_is_a_gap() -> None:
    """Once the timing is trusted, two retries, then the next slot: no ladder."""
    scheduler = PollScheduler(offset=HOUR, newest=T0)
    newest, now = T0, T0 + HOUR + sec(30)
    for _ in range(TRUSTED_HITS):
        now += scheduler.next_poll(now)
        newest += READING_INTERVAL
        scheduler.record_poll(now, newest)
    polls = []
    for _ in range(MAX_RETRIES + 2):
        now += scheduler.next_poll(now)
        polls.append(now)
        scheduler.record_poll(now, newest)  # the awaited reading never comes
    offset = scheduler.offset
    assert offset is not None
    gaps = [later - earlier for earlier, later in zip(polls, polls[1:], strict=False)]
    # The raised expectation, then one retry: MAX_RETRIES polls after the miss.
    assert gaps[:MAX_RETRIES] == [max(OFFSET_UP, MIN_WAIT), RETRY_FIRST * 2]
    # Then straight to the slot of the reading after the missing one.
    assert (
        polls[MAX_RETRIES + 1] == newest + 2 * READING_INTERVAL + offset + POLL_MARGIN
    )


def test_stall_polls_once_per_slot_and_catches_the_resumed_stream() -> None:
    """A 2-hour gap (sensor warm-up): 12 calls an hour, resumption within 5 min."""
    readings = stream(200, HOUR, missing=range(40, 64))
    run = simulate(readings, readings[0].available + sec(37))
    before, after = readings[39], readings[40]
    assert after.system_time - before.system_time > 2 * HOUR
    # Once the awaited reading is a slot overdue, the scheduler is on the grid:
    # no hour of the stall holds more than 12 polls.
    stall_start = run.fetched[before] + 2 * READING_INTERVAL
    in_stall = [p for p in run.polls if stall_start <= p <= after.available - HOUR]
    assert len(in_stall) > 6
    assert max(run.polls_between(p, p + HOUR) for p in in_stall) <= 12
    # Including the retries for what looked like a late reading at first.
    whole = (after.available - run.fetched[before]) / HOUR
    assert run.polls_between(run.fetched[before], after.available) <= 12 * whole + 6
    assert run.fetched[after] - after.available <= READING_INTERVAL
    assert p95(run.lags(readings[1:])) <= 30


def test_backlog_after_a_stall_is_fetched_and_not_learnt_from() -> None:
    """A phone offline for 2 hours uploads everything at once."""
    readings = stream(200, HOUR)
    upload = readings[64].available
    readings[40:64] = [Reading(r.system_time, upload) for r in readings[40:64]]
    start = readings[0].available + sec(37)
    first = simulate(readings, start, end=readings[39].available + sec(30))
    offset = first.scheduler.offset
    assert offset is not None
    run = simulate(readings, first.next_at, scheduler=first.scheduler)
    assert run.fetched[readings[64]] - upload <= READING_INTERVAL
    assert run.fetched[readings[40]] == run.fetched[readings[64]]
    assert run.scheduler.offset is not None
    assert abs(run.scheduler.offset - offset) <= sec(30)


def test_first_poll_during_a_stall_is_corrected_when_readings_resume() -> None:
    """Set up while the sensor warms up: the first bound is hours too high."""
    readings = stream(300, HOUR, missing=range(1, 40))
    run = simulate(readings, readings[0].system_time + 3 * HOUR)
    resumed = readings[1:]
    assert run.fetched[resumed[0]] - resumed[0].available <= READING_INTERVAL
    assert run.scheduler.offset is not None
    assert HOUR <= run.scheduler.offset <= HOUR + sec(25)
    assert p95(run.lags(resumed)) <= 30
    assert len(run.polls) / len(resumed) <= 1.3  # the relearning costs a little


@pytest.mark.parametrize(
    ("old", "new"), [(HOUR, 3 * HOUR), (3 * HOUR, HOUR), (HOUR, timedelta(0))]
)
def test_a_changed_delay_is_relearnt(old: timedelta, new: timedelta) -> None:
    """Dexcom changing its delay costs a few readings, not a day."""
    readings = stream(400, old)
    readings[200:] = [
        Reading(r.system_time, r.available - old + new) for r in readings[200:]
    ]
    run = simulate(readings, readings[0].available + sec(37))
    assert run.scheduler.offset is not None
    assert new <= run.scheduler.offset <= new + sec(25)
    assert p95(run.lags(readings[220:])) <= 30


def test_an_offset_far_too_high_comes_down_within_hours() -> None:
    """Hits in a row step down faster and faster, not one second per reading."""
    readings = stream(50, HOUR)
    scheduler = PollScheduler(offset=HOUR + sec(100), newest=readings[0].system_time)
    run = simulate(
        readings[1:],
        readings[0].system_time + HOUR + sec(100),
        scheduler=scheduler,
    )
    assert run.scheduler.offset is not None
    # One second per reading would still be 100 - 49 s too high.
    assert run.scheduler.offset <= HOUR + sec(30)


def test_restart_keeps_what_was_learnt() -> None:
    """Persist, restart 20 minutes later, and carry on without relearning."""
    readings = stream(600, 3 * HOUR)
    first = simulate(
        readings, readings[0].available + sec(37), end=readings[300].available
    )
    stored = json.loads(json.dumps(first.scheduler.as_dict()))
    restarted = PollScheduler.from_dict(stored)
    assert restarted.offset == first.scheduler.offset
    back = first.next_at + 20 * timedelta(minutes=1)
    run = simulate(readings, back, scheduler=restarted)
    later = [r for r in readings if r.available > back]
    assert len(run.polls) / len(later) <= 1.15
    assert p95(run.lags(later)) <= 30


def test_retry_after_is_honoured_and_capped() -> None:
    """Retry-After pushes the next poll out, up to MAX_HOLD, until a success."""
    scheduler = PollScheduler(offset=HOUR, newest=T0)
    now = T0 + READING_INTERVAL + HOUR + POLL_MARGIN
    scheduler.record_failure(now, 120.0)
    assert scheduler.next_poll(now) == sec(120)
    scheduler.record_failure(now, 30.0)  # a shorter one does not shorten the hold
    assert scheduler.next_poll(now) == sec(120)
    assert scheduler.next_poll(now + sec(115)) >= sec(5)
    scheduler.record_failure(now, 86400.0)
    assert scheduler.next_poll(now) == MAX_HOLD
    scheduler.record_failure(now, math.inf)
    assert scheduler.next_poll(now) == MAX_HOLD
    assert scheduler.next_poll(now + 30 * timedelta(minutes=1)) == HOUR / 2

    stored = PollScheduler.from_dict(json.loads(json.dumps(scheduler.as_dict())))
    assert stored.next_poll(now + HOUR / 2) >= HOUR / 2

    scheduler.record_poll(now + HOUR, T0)
    assert scheduler.next_poll(now + HOUR) <= STALL_INTERVAL


@pytest.mark.parametrize("retry_after", [None, math.nan, -5.0, 0.0])
def test_failures_back_off(retry_after: float | None) -> None:
    """Without a usable Retry-After, failures back off 30 s doubling to 5 min."""
    scheduler = PollScheduler(offset=HOUR, newest=T0)
    now = T0 + READING_INTERVAL + HOUR + POLL_MARGIN
    waits = []
    for _ in range(6):
        scheduler.record_failure(now, retry_after)
        waits.append(scheduler.next_poll(now))
    assert waits == [FAILURE_FIRST * 2**n for n in range(4)] + [STALL_INTERVAL] * 2
    # A failure never pulls a poll earlier than the data asks for.
    early = PollScheduler(offset=HOUR, newest=T0)
    early.record_failure(T0 + HOUR + sec(60), retry_after)
    assert early.next_poll(T0 + HOUR + sec(60)) == sec(243)


def test_no_readings_at_all_polls_at_the_stall_rate() -> None:
    """An account without readings, then one that starts delivering."""
    scheduler = PollScheduler(offset=HOUR)
    scheduler.record_poll(T0, None)
    assert scheduler.stalled(T0)
    assert scheduler.expected_next(T0) is None
    assert scheduler.next_poll(T0) == STALL_INTERVAL
    scheduler.record_poll(T0 + HOUR + sec(30), T0)
    assert scheduler.offset == HOUR
    assert scheduler.expected_next(T0) == T0 + READING_INTERVAL + HOUR


def test_expected_next_during_a_stall_is_the_next_grid_slot() -> None:
    """Stalled: the prediction moves slot by slot, staying after now."""
    scheduler = PollScheduler(offset=HOUR, newest=T0)
    now = T0 + 3 * HOUR + sec(7)
    assert scheduler.stalled(now)
    expected = scheduler.expected_next(now)
    assert expected is not None
    assert now < expected <= now + READING_INTERVAL
    assert (expected - T0) % READING_INTERVAL == timedelta(0)
    # Polls stay on that grid, whatever time an earlier poll ran.
    for odd in (sec(7), sec(200), sec(299)):
        poll = now + odd + scheduler.next_poll(now + odd)
        assert (poll - T0 - HOUR - POLL_MARGIN) % READING_INTERVAL == timedelta(0)


def test_waits_stay_in_bounds_whatever_the_inputs() -> None:
    """Future or ancient readings, zero or huge offsets, odd Retry-After values."""
    rng = random.Random(11)
    scheduler = PollScheduler()
    now = T0
    odd_times = [
        datetime.min.replace(tzinfo=UTC),
        datetime.max.replace(tzinfo=UTC) - sec(1),
        datetime.max.replace(tzinfo=UTC) - READING_INTERVAL - sec(30),
        T0 - timedelta(days=3650),
    ]
    odd_waits = [None, math.nan, math.inf, -math.inf, -5.0, 0.0, 1e12, 45.0]
    for step in range(5000):
        action = rng.random()
        if action < 0.6:
            newest = rng.choice(
                [
                    None,
                    rng.choice(odd_times),
                    now + sec(rng.uniform(-4 * 3600, 600)),
                    now - sec(rng.uniform(0, 12 * 3600)),
                ]
            )
            scheduler.record_poll(now, newest)
        elif action < 0.8:
            scheduler.record_failure(now, rng.choice(odd_waits))
        elif action < 0.9:
            scheduler = PollScheduler.from_dict(scheduler.as_dict())
        else:
            scheduler.offset = rng.choice([timedelta(0), MAX_OFFSET, None])
        wait = scheduler.next_poll(now)
        assert MIN_WAIT <= wait <= MAX_HOLD, step
        scheduler.stalled(now)
        scheduler.expected_next(now)
        now += sec(rng.choice([0, 1, 9, 60, 3600, 86400]) * rng.random())


def test_without_failures_waits_never_exceed_the_stall_interval() -> None:
    """Only Retry-After may push a poll beyond one reading interval."""
    rng = random.Random(5)
    scheduler = PollScheduler()
    now = T0
    for _ in range(3000):
        newest = rng.choice([None, now + sec(rng.uniform(-30000, 3000))])
        scheduler.record_poll(now, newest)
        assert MIN_WAIT <= scheduler.next_poll(now) <= STALL_INTERVAL
        now += sec(rng.uniform(0, 900))


def test_persistence_round_trip() -> None:
    """What as_dict stores is JSON and restores the same schedule."""
    scheduler = PollScheduler(offset=HOUR + sec(12.5), newest=T0)
    restored = PollScheduler.from_dict(json.loads(json.dumps(scheduler.as_dict())))
    assert restored.offset == scheduler.offset
    assert restored.newest == scheduler.newest
    for now in (T0 + HOUR, T0 + HOUR + sec(100), T0 + 5 * HOUR):
        assert restored.next_poll(now) == scheduler.next_poll(now)
    assert PollScheduler.from_dict(PollScheduler().as_dict()).offset is None


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "offset",
        {"offset": 60.0},
        {"version": 2, "offset": 60.0},
        {"version": 1, "offset": "60"},
        {"version": 1, "offset": True},
        {"version": 1, "offset": math.nan},
        {"version": 1, "offset": math.inf},
        {"version": 1, "offset": 10**400},
        {"version": 1, "newest": "yesterday", "hold_until": 12},
        {"version": 1, "newest": ["2026-11-23"], "hold_until": "soon"},
    ],
)
def test_garbage_loads_as_unknown(data: object) -> None:
    """Anything unusable is taken as not known, never as an error."""
    scheduler = PollScheduler.from_dict(data)
    assert scheduler.offset is None
    assert scheduler.newest is None
    assert scheduler.next_poll(T0) == STALL_INTERVAL


def test_stored_values_are_clamped_and_times_made_aware() -> None:
    """Out-of-range offsets are clamped; a naive stored time is UTC."""
    assert PollScheduler.from_dict({"version": 1, "offset": -5}).offset == timedelta(0)
    assert PollScheduler.from_dict({"version": 1, "offset": 1e12}).offset == MAX_OFFSET
    loaded = PollScheduler.from_dict(
        {"version": 1, "offset": 3600, "newest": "2026-11-23T12:00:00"}
    )
    assert loaded.offset == HOUR
    assert loaded.newest == T0
