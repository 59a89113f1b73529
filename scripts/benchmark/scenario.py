"""The simulated days every schedule sees: a sensor change and a stall a day."""

from datetime import UTC, datetime, timedelta
import math
import random

from dexcom_simulator import SimulatedClock, Simulator, SimulatorConfig, Stall
from dexcom_simulator.records import egv as egv_record

from .model import DAY, Arrival, Scenario

USER = "SandboxUser6"  # a G6: two hours of warm-up after each sensor change
SEED = 20261123
DAYS = 7.0
STALL_SECONDS = 7200.0
DELAYS = (0.0, 3600.0, 10800.0)
# The run starts this long before the first sensor's end after BASE.
LEAD = timedelta(hours=36)
BASE = datetime(2026, 11, 23, tzinfo=UTC)
HOUR = 3600.0


def build_scenario(user: str, seed: int, delay: float, days: float) -> Scenario:
    """Place the run around a sensor change and add one stall a day.

    Stalls avoid the sensor change, where no readings are taken anyway.
    """
    simulator = Simulator(SimulatorConfig(seed=seed))
    sessions = simulator.user(user).trace.sessions
    base = BASE.timestamp()
    change = sessions.sessions_between(base, base + 30 * DAY)[0].end
    start = datetime.fromtimestamp(change, UTC) - LEAD
    start = start.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(days=days)
    first, last = start.timestamp(), end.timestamp()
    changes = tuple(
        s.start for s in sessions.sessions_between(first, last) if first < s.start
    )
    quiet = [
        (s.start - 2 * HOUR, s.time_of(s.first_reading) + HOUR)
        for s in sessions.sessions_between(first, last)
    ]
    draw = random.Random(seed)
    stalls: list[Stall] = []
    for day in range(math.ceil(days)):
        for _ in range(100):
            begin = first + day * DAY + draw.uniform(2 * HOUR, DAY - 2 * HOUR)
            stop = begin + STALL_SECONDS
            if stop < last - HOUR and all(stop < a or begin > b for a, b in quiet):
                stalls.append(
                    Stall(
                        start=datetime.fromtimestamp(begin, UTC), duration=STALL_SECONDS
                    )
                )
                break
    return Scenario(
        user=user,
        seed=seed,
        delay=delay,
        start=start,
        end=end,
        stalls=tuple(stalls),
        sensor_changes=changes,
        warmup=simulator.user(user).profile.warmup_seconds,
    )


def arrivals(scenario: Scenario) -> list[Arrival]:
    """Every reading of the run with the time the API starts showing it."""
    simulator = Simulator(scenario.config(), now=SimulatedClock(scenario.start))
    data = simulator.user(scenario.user)
    first = scenario.start.timestamp() - scenario.delay - DAY
    readings = data.trace.readings_between(first, scenario.end.timestamp())
    return [
        Arrival(
            record_id=egv_record(data, r)["recordId"],
            taken=r.time,
            available=data.visibility.visible_at(r.time, r.key),
            held=data.upload_time(r.time) > r.time + scenario.delay,
        )
        for r in readings
    ]
