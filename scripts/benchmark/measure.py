"""What a run's polls found: lags, misses and the memory the data holds."""

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
import math
import sys

from .model import Arrival, Result, Scenario
from .scenario import HOUR

# A poll this little before the next reading appeared was merely early.
EARLY = 60.0
# Readings that become available this close to the end may not be polled yet.
END_MARGIN = 600.0


def classify(
    brought: bool, now: float, awaited: Arrival | None, scenario: Scenario
) -> str:
    """Name what a poll found, or why it found nothing.

    `awaited` is the reading that becomes available next. A poll less than
    EARLY before it was early (upload jitter, or the offset still learning);
    one earlier waited out an interruption: a stall (the reading is in a
    stall's backlog), a sensor change and its warm-up, or a signal loss
    (readings the sensor never took).
    """
    if brought:
        return "brought readings"
    if awaited is None:
        return "signal loss"
    if awaited.available - now <= EARLY:
        return "early"
    if awaited.held:
        return "stall"
    if any(
        0 <= awaited.taken - change < 6 * HOUR for change in scenario.sensor_changes
    ):
        return "sensor change"
    return "signal loss"


def measure(result: Result, truth: Sequence[Arrival], known: dict[str, float]) -> None:
    """Freshness lag of each new reading, misses, and lags after stalls and changes."""
    scenario = result.job.scenario
    start, end = scenario.start.timestamp(), scenario.end.timestamp()
    new = [a for a in truth if start < a.available <= end]
    result.new_readings = len(new)
    timed = []
    for arrival in new:
        if arrival.available > end - END_MARGIN:
            continue
        seen = known.get(arrival.record_id)
        if seen is None:
            result.missed += 1
            result.missed_examples.append(
                (
                    datetime.fromtimestamp(arrival.taken, UTC),
                    datetime.fromtimestamp(arrival.available, UTC),
                )
            )
        else:
            timed.append((seen - arrival.available, arrival))
    result.lags = sorted(lag for lag, _ in timed)
    result.lags_in_time = sorted(lag for lag, a in timed if not a.held)
    timed.sort(key=lambda item: item[0], reverse=True)
    result.worst = [
        (
            lag,
            datetime.fromtimestamp(a.taken, UTC),
            datetime.fromtimestamp(a.available, UTC),
        )
        for lag, a in timed[:5]
    ]
    stall_starts = [s.start.timestamp() for s in scenario.stalls]
    result.stall_lags = first_lags(stall_starts, truth, known, end)
    result.sensor_lags = first_lags(list(scenario.sensor_changes), truth, known, end)


def first_lags(
    starts: Sequence[float],
    truth: Sequence[Arrival],
    known: dict[str, float],
    end: float,
) -> list[float]:
    """For each interruption: first new reading known minus first one available."""
    lags = []
    for begin in starts:
        after = [a for a in truth if a.taken >= begin and a.available <= end]
        if not after:
            continue
        available = min(a.available for a in after)
        seen = min(
            (known[a.record_id] for a in after if a.record_id in known), default=end
        )
        lags.append(seen - available)
    return lags


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of sorted values (NaN when empty)."""
    if not values:
        return math.nan
    return values[max(0, math.ceil(share * len(values)) - 1)]


def deep_size(obj: object, seen: set[int] | None = None) -> int:
    """Estimate the bytes an object graph holds; shared enum members are free."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, Enum):
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, tuple | list | set | frozenset):
        size += sum(deep_size(item, seen) for item in obj)
    else:
        for slot in getattr(type(obj), "__slots__", ()):
            if hasattr(obj, slot):
                size += deep_size(getattr(obj, slot), seen)
    return size
