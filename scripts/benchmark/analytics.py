"""Cost of the glycemic analytics on each new reading, with 14 days kept.

Replays a sandbox user's readings one at a time into the 14-day history and,
after each, does what a coordinator update does for the analytics: both
windows' measures, every sensor's value, and the measures of the local days
the reading touches (for the daily statistics; the recorder's write is not
counted). Reports the median and the
worst CPU time per reading, and the memory the kept 14 days hold.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import statistics
import time
from zoneinfo import ZoneInfo

from custom_components.dexcom_oauth.analytics.adapter import RECENT_SPAN
from custom_components.dexcom_oauth.analytics.daily import (
    daily_measures,
    day_bounds,
    local_day,
)
from custom_components.dexcom_oauth.analytics.history import (
    HISTORY_SPAN,
    ReadingHistory,
)
from custom_components.dexcom_oauth.analytics.metrics import measures
from custom_components.dexcom_oauth.client.parse import parse_egvs
from custom_components.dexcom_oauth.sensor_analytics import GLYCEMIC_SENSORS
from dexcom_simulator import Simulator, SimulatorConfig

from .measure import deep_size
from .targets import MAX_MS_PER_READING

END = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
REPLAYED = 576  # the last two days, one reading at a time
ZONE = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True, slots=True)
class AnalyticsCost:
    """CPU per new reading (ms) and the kept window's size."""

    median_ms: float
    worst_ms: float
    kept: int
    kept_bytes: int

    def line(self) -> str:
        """Return one line for the bench's output."""
        return (
            f"Analytics: updating all {len(GLYCEMIC_SENSORS)} measure sensors and the"
            f" daily statistics' days on a new reading with 14 days kept: median {self.median_ms:.2f} ms CPU, worst"
            f" {self.worst_ms:.2f} ms (target ≤ {MAX_MS_PER_READING:g} ms); the kept"
            f" 14-day window holds {self.kept} readings in"
            f" {self.kept_bytes / 1024:.0f} KiB."
        )

    def problem(self) -> str | None:
        """Return the missed target, if any."""
        if self.median_ms <= MAX_MS_PER_READING:
            return None
        return (
            f"analytics: {self.median_ms:.2f} ms CPU per new reading"
            f" > {MAX_MS_PER_READING:g} ms"
        )


def measure(user: str, seed: int) -> AnalyticsCost:
    """Replay the user's last readings into a full 14-day history."""
    simulator = Simulator(SimulatorConfig(seed=seed))
    records = simulator.records(
        "egvs", user, END - HISTORY_SPAN - timedelta(days=2), END, visible_only=False
    )
    readings = parse_egvs({"records": records}).readings
    history = ReadingHistory(HISTORY_SPAN)
    history.add(readings[:-REPLAYED])
    costs = []
    for reading in readings[-REPLAYED:]:
        began = time.process_time_ns()
        history.add([reading])
        end = reading.system_time
        for span in (RECENT_SPAN, HISTORY_SPAN):
            result = measures(history.values(end - span, end), end - span, end)
            for description in GLYCEMIC_SENSORS:
                description.value_fn(result)
        # The daily statistics of the day the reading touches and the day before.
        today = local_day(end, ZONE)
        days = {today, today - timedelta(days=1)}
        since = day_bounds(min(days), ZONE)[0]
        daily_measures(((t, v) for t, v, _ in history.series(since)), ZONE, end, days)
        costs.append((time.process_time_ns() - began) / 1e6)
    return AnalyticsCost(
        median_ms=statistics.median(costs),
        worst_ms=max(costs),
        kept=len(history),
        kept_bytes=deep_size(history),
    )
