"""Traces for the analytics tests: the simulator's users and random ones with gaps."""

from datetime import UTC, datetime, timedelta
from functools import cache
import random
from typing import Any

from custom_components.dexcom_oauth.client import GlucoseReading, GlucoseStatus
from custom_components.dexcom_oauth.client.parse import parse_egvs
from dexcom_simulator import USER_NAMES, Simulator, SimulatorConfig
from tests.common import egv, reading

END = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
FIVE = timedelta(minutes=5)


@cache
def simulator_trace(user: str, days: int = 14) -> tuple[GlucoseReading, ...]:
    """Every reading of a sandbox user over the `days` before END, parsed as Dexcom's."""
    simulator = Simulator(SimulatorConfig(seed=7))
    records = simulator.records(
        "egvs", user, END - timedelta(days=days), END, visible_only=False
    )
    return parse_egvs({"records": records}).readings


def random_trace(seed: int, days: int = 14) -> tuple[GlucoseReading, ...]:
    """Return a random walk every 5 minutes with gaps, LOW/HIGH readings and jittered times."""
    rng = random.Random(seed)
    readings = []
    glucose = rng.uniform(60, 250)
    at = END - timedelta(days=days)
    while at < END:
        if rng.random() < 0.003:  # a gap of up to 12 hours
            at += timedelta(minutes=rng.randrange(10, 720, 5))
            continue
        glucose = min(450.0, max(25.0, glucose + rng.gauss(0, 6)))
        value = round(glucose)
        if value < 40:
            readings.append(reading(at, None, status=GlucoseStatus.LOW))
        elif value > 400:
            readings.append(reading(at, None, status=GlucoseStatus.HIGH))
        else:
            readings.append(reading(at, value))
        at += FIVE + timedelta(seconds=rng.randrange(-20, 21))
    return tuple(readings)


USERS = USER_NAMES


def sandbox_records(user: str) -> list[dict[str, Any]]:
    """Fourteen days of a sandbox user as Dexcom's egv records, to an hour before END."""
    return [
        egv(
            r.system_time,
            r.value,
            status=r.status.value if r.status is not GlucoseStatus.OK else "ok",
            record_id=r.record_id,
        )
        for r in simulator_trace(user)
        if r.system_time <= END - timedelta(hours=1)
    ]
