"""The data delay, jitter and stalls: when readings become visible."""

from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
import pytest

from dexcom_simulator import RandomStalls, SimulatedClock, Simulator, Stall
from dexcom_simulator.timefmt import to_timestamp

from .common import START, config, get_data, tokens

USER = "SandboxUser7"


def ids(records: list[dict[str, Any]]) -> set[str]:
    """Return the record ids of a list of records."""
    return {r["recordId"] for r in records}


def stamp(record: dict[str, Any]) -> datetime:
    """Return a record's systemTime as an aware datetime."""
    return datetime.fromisoformat(record["systemTime"] + "+00:00")


def truth(simulator: Simulator, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Return every reading in [start, end), visible or not."""
    return simulator.records("egvs", USER, start, end, visible_only=False)


def visible(
    simulator: Simulator, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Return the readings in [start, end) the API shows now."""
    return simulator.records("egvs", USER, start, end)


async def test_reading_invisible_before_delay_visible_after(
    client: TestClient, simulator: Simulator, clock: SimulatedClock
) -> None:
    """A reading appears between delay and delay + jitter after its systemTime."""
    window = (START - timedelta(hours=3), START)
    reading = truth(simulator, *window)[-1]
    taken = stamp(reading)
    access = (await tokens(client, USER))["access_token"]
    clock.set(taken + timedelta(seconds=3599))
    records = (await get_data(client, access, "egvs", *window))[1]["records"]
    assert reading["recordId"] not in ids(records)
    assert all(stamp(r) <= taken - timedelta(minutes=5) for r in records)
    clock.set(taken + timedelta(seconds=3600 + 60))
    records = (await get_data(client, access, "egvs", *window))[1]["records"]
    assert records[0] == reading


def test_jitter_spreads_visibility_within_bounds(
    simulator: Simulator, clock: SimulatedClock
) -> None:
    """Halfway through the jitter some readings are visible and some are not."""
    window = (START - timedelta(days=2), START - timedelta(days=1))
    readings = truth(simulator, *window)[:48]
    seen = []
    for reading in readings:
        clock.set(stamp(reading) + timedelta(seconds=3630))
        seen.append(reading["recordId"] in ids(visible(simulator, *window)))
        clock.set(stamp(reading) + timedelta(seconds=3599))
        assert reading["recordId"] not in ids(visible(simulator, *window))
        clock.set(stamp(reading) + timedelta(seconds=3660))
        assert reading["recordId"] in ids(visible(simulator, *window))
    assert 5 < sum(seen) < len(seen) - 5


@pytest.mark.parametrize("config", [config(delay=10800, jitter=0)])
def test_delay_is_configurable(simulator: Simulator, clock: SimulatedClock) -> None:
    """With three hours of delay and no jitter, visibility is exact."""
    reading = truth(simulator, START - timedelta(hours=5), START)[-1]
    clock.set(stamp(reading) + timedelta(hours=3) - timedelta(microseconds=1))
    assert reading["recordId"] not in ids(
        visible(simulator, START - timedelta(hours=5), START)
    )
    clock.set(stamp(reading) + timedelta(hours=3))
    assert reading["recordId"] in ids(
        visible(simulator, START - timedelta(hours=5), START)
    )


STALL_START = START - timedelta(hours=6)


@pytest.mark.parametrize(
    "config", [config(stalls=(Stall(start=STALL_START, duration=7200),))]
)
async def test_stalled_readings_appear_at_stall_end_with_true_times(
    client: TestClient, simulator: Simulator, clock: SimulatedClock
) -> None:
    """Readings taken offline upload together when the stall ends."""
    window = (STALL_START - timedelta(hours=2), STALL_START + timedelta(hours=4))
    stall_end = STALL_START + timedelta(hours=2)
    access = (await tokens(client, USER))["access_token"]
    clock.set(stall_end - timedelta(seconds=1))
    records = (await get_data(client, access, "egvs", *window))[1]["records"]
    assert records
    assert all(stamp(r) < STALL_START for r in records)
    assert stamp(records[0]) > STALL_START - timedelta(minutes=10)
    clock.set(stall_end + timedelta(seconds=60))
    records = (await get_data(client, access, "egvs", *window))[1]["records"]
    stalled = truth(simulator, STALL_START, STALL_START + timedelta(hours=1))
    assert len(stalled) > 8
    assert ids(stalled) <= ids(records)
    shown = {r["recordId"]: r for r in records}
    for reading in stalled:
        assert shown[reading["recordId"]]["systemTime"] == reading["systemTime"]
    later = truth(simulator, STALL_START + timedelta(hours=1, minutes=2), stall_end)
    assert not ids(later) & ids(records)


def test_runtime_stall_applies_to_one_user(
    simulator: Simulator, clock: SimulatedClock
) -> None:
    """A stall added for one user leaves the others alone."""
    start = START - timedelta(hours=3)
    simulator.add_stall(start, 3 * 3600, user=USER)
    window = (start, start + timedelta(hours=1))
    assert visible(simulator, *window) == []
    other = simulator.records("egvs", "SandboxUser1", *window)
    assert len(other) > 8
    clock.advance(3600)
    assert len(visible(simulator, *window)) > 8


def test_random_stalls_are_deterministic() -> None:
    """Random stalls delay some uploads, the same way for the same seed."""
    stalls = RandomStalls(per_day=3, min_duration=1800, max_duration=3600)

    def upload_delays(seed: int) -> list[float]:
        data = Simulator(config(seed=seed, random_stalls=stalls)).user(USER)
        first = to_timestamp(START - timedelta(days=3))
        readings = data.trace.readings_between(first, to_timestamp(START))
        return [data.upload_time(r.time) - r.time for r in readings]

    delays = upload_delays(5)
    assert delays == upload_delays(5)
    assert delays != upload_delays(6)
    stalled = [d for d in delays if d > 0]
    assert stalled
    assert max(stalled) <= 3600
    assert len(stalled) < len(delays) / 2
