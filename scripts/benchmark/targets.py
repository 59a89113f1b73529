"""The targets of the project's schedule, and the verdict on a set of runs."""

from collections.abc import Sequence

from .measure import percentile
from .model import Result
from .report import delay_text

# Calls per new reading: all endpoints, and the glucose ones alone.
MAX_CALLS_PER_READING = 1.25
MAX_GLUCOSE_CALLS_PER_READING = 1.15
GLUCOSE_ENDPOINTS = ("egvs", "devices", "dataRange")
MAX_P95_LAG = 30.0
MAX_STALL_LAG = 300.0
# Updating every analytics sensor on a new reading, with 14 days kept.
MAX_MS_PER_READING = 2.0


def glucose_calls(result: Result) -> int:
    """Count the calls the glucose readings alone need."""
    return sum(result.by_endpoint.get(name, 0) for name in GLUCOSE_ENDPOINTS)


def verdict(results: Sequence[Result]) -> list[str]:
    """Return the targets this project's schedule misses (empty when none)."""
    problems = []
    for r in results:
        if r.job.interval is not None:
            continue
        delay = delay_text(r.job.scenario.delay)
        per_reading = r.calls / max(r.new_readings, 1)
        if per_reading > MAX_CALLS_PER_READING:
            problems.append(
                f"delay {delay}: {per_reading:.2f} calls per new reading"
                f" > {MAX_CALLS_PER_READING}"
            )
        glucose = glucose_calls(r) / max(r.new_readings, 1)
        if glucose > MAX_GLUCOSE_CALLS_PER_READING:
            problems.append(
                f"delay {delay}: {glucose:.2f} glucose calls per new reading"
                f" > {MAX_GLUCOSE_CALLS_PER_READING}"
            )
        # A stall's backlog is one event, judged by the stall target below.
        if (p95 := percentile(r.lags_in_time, 0.95)) > MAX_P95_LAG:
            problems.append(
                f"delay {delay}: p95 lag of on-time readings {p95:.0f} s"
                f" > {MAX_P95_LAG:.0f} s"
            )
        if (stall := max(r.stall_lags, default=0.0)) > MAX_STALL_LAG:
            problems.append(
                f"delay {delay}: first reading after a stall {stall:.0f} s"
                f" > {MAX_STALL_LAG:.0f} s"
            )
        if r.missed:
            problems.append(
                f"delay {delay}: {r.missed} readings never reached the data"
            )
        if r.failures:
            problems.append(f"delay {delay}: {r.failures} refreshes failed")
    return problems
