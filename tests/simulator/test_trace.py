"""Glucose traces: cadence, ranges, trends, gaps, warm-up, determinism, speed."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
import time
from typing import Any

import pytest

from dexcom_simulator import USER_NAMES, Simulator
from dexcom_simulator.sessions import GRID_SECONDS
from dexcom_simulator.timefmt import to_timestamp
from dexcom_simulator.trace import trend_for

from .common import START, config

MONTH = (START - timedelta(days=30), START)
type Month = dict[str, list[dict[str, Any]]]


def truth(simulator: Simulator, user: str, days: int = 30) -> list[dict[str, Any]]:
    """Every reading of the last `days` days, oldest first, ignoring the delay."""
    return simulator.records(
        "egvs", user, START - timedelta(days=days), START, visible_only=False
    )


@pytest.fixture(scope="module")
def month() -> Month:
    """Compute a month of every user's readings once for the module."""
    simulator = Simulator(config())
    return {user: truth(simulator, user) for user in USER_NAMES}


def seconds(record: dict[str, Any]) -> float:
    """Return a record's systemTime as epoch seconds."""
    return to_timestamp(
        datetime.fromisoformat(record["systemTime"]).replace(tzinfo=UTC)
    )


def test_five_minute_cadence_with_few_gaps(month: Month) -> None:
    """Readings sit on a 5-minute grid per sensor; most steps are exactly 5 minutes."""
    for user, records in month.items():
        steps = [seconds(b) - seconds(a) for a, b in pairwise(records)]
        assert all(step > 0 for step in steps), user
        regular = sum(1 for step in steps if step == GRID_SECONDS)
        assert regular / len(steps) > 0.97, user
        same_sensor = [
            seconds(b) - seconds(a)
            for a, b in pairwise(records)
            if a["transmitterId"] == b["transmitterId"]
            and seconds(b) - seconds(a) < 3600
        ]
        assert all(step % GRID_SECONDS == 0 for step in same_sensor), user
        assert len(records) > 0.9 * 30 * 288, user
        assert len({int(seconds(r)) % 60 for r in records}) > 1, user


def test_values_in_sensor_range_or_flagged(month: Month) -> None:
    """Values are 40-400 when ok; beyond, status low/high with null or the bound."""
    for user, records in month.items():
        profile = Simulator(config()).user(user).profile
        low, high = (None, None) if profile.out_of_range_as_null else (40, 400)
        for record in records:
            status, value = record["status"], record["value"]
            if status == "ok":
                assert isinstance(value, int), user
                assert 40 <= value <= 400, user
            else:
                assert (status, value) in {("low", low), ("high", high)}, user


def test_brittle_user_has_lows_and_highs_beyond_the_sensor_range(
    month: Month,
) -> None:
    """SandboxUser4 goes below 40 and above 400 within a month; others are calmer."""
    statuses = [r["status"] for r in month["SandboxUser4"]]
    assert statuses.count("low") > 10
    assert statuses.count("high") > 10
    calm = [r["status"] for r in month["SandboxUser3"]]
    assert calm.count("low") + calm.count("high") < statuses.count("low")


def test_bound_encoding_users_report_40_and_400(
    month: Month,
) -> None:
    """SandboxUser6 sends the bound, not null, for out-of-range readings."""
    records = month["SandboxUser6"]
    flagged = {(r["status"], r["value"]) for r in records if r["status"] != "ok"}
    assert flagged == {("low", 40), ("high", 400)}


def test_trend_consistent_with_trend_rate(month: Month) -> None:
    """Arrows follow the documented rate thresholds; no rate means no arrow."""
    for user, records in month.items():
        for record in records:
            rate = record["trendRate"]
            if rate is None:
                assert record["trend"] in {"notComputable", "rateOutOfRange"}, user
            else:
                assert record["trend"] == trend_for(rate), user


def test_trend_rate_matches_the_values(month: Month) -> None:
    """The trendRate is the change per minute over the last 10 minutes."""
    records = month["SandboxUser1"]
    checked = 0
    for a, c in zip(records, records[2:], strict=False):
        if c["trendRate"] is None or None in (a["value"], c["value"]):
            continue
        if seconds(c) - seconds(a) != 2 * GRID_SECONDS:
            continue
        assert abs((c["value"] - a["value"]) / 10 - c["trendRate"]) <= 0.15
        checked += 1
    assert checked > 500


ARROWS = [
    (0.0, "flat"),
    (1.0, "flat"),
    (-1.0, "flat"),
    (1.1, "fortyFiveUp"),
    (2.0, "fortyFiveUp"),
    (2.5, "singleUp"),
    (3.1, "doubleUp"),
    (-1.5, "fortyFiveDown"),
    (-2.5, "singleDown"),
    (-3.5, "doubleDown"),
    (9.0, "rateOutOfRange"),
]


def test_trend_thresholds() -> None:
    """The arrow mapping of the reference."""
    for rate, trend in ARROWS:
        assert trend_for(rate) == trend, rate


def test_not_computable_after_gaps_and_warmup(month: Month) -> None:
    """The two readings after a missing one (or a new sensor) have no trend."""
    for user, records in month.items():
        gaps = 0
        for before, first, second in zip(
            records, records[1:], records[2:], strict=False
        ):
            if seconds(first) - seconds(before) > GRID_SECONDS:
                assert first["trend"] == second["trend"] == "notComputable", user
                assert first["trendRate"] is None, user
                assert second["trendRate"] is None, user
                gaps += 1
        assert gaps > 3, user


@pytest.mark.parametrize(
    ("user", "warmup"), [("SandboxUser6", 7200), ("SandboxUser7", 1800)]
)
def test_warmup_has_no_readings(user: str, warmup: int) -> None:
    """A new sensor is silent for its warm-up: G6 two hours, G7 thirty minutes."""
    simulator = Simulator(config())
    data = simulator.user(user)
    first, last = (to_timestamp(t) for t in MONTH)
    sessions = data.trace.sessions.sessions_between(first, last)
    assert len(sessions) >= 3
    readings = data.trace.readings_between(first - 20 * 86400, last)
    for session in sessions[1:]:
        in_session = [r.time for r in readings if r.session.index == session.index]
        assert min(in_session) - session.start >= warmup
        assert min(in_session) - session.start < warmup + 30 * 60
        assert max(in_session) - session.start < 10 * 86400
        before = [r.time for r in readings if r.time < session.start]
        assert session.start - max(before) >= 0
        assert min(in_session) - max(before) > warmup


def test_sensor_sessions_last_ten_days(month: Month) -> None:
    """G7 sensors (new transmitter id each) run ten days."""
    records = month["SandboxUser7"]
    spans: dict[str, list[float]] = {}
    for record in records:
        spans.setdefault(record["transmitterId"], []).append(seconds(record))
    complete = [max(t) - min(t) for t in spans.values()][1:-1]
    assert complete
    for span in complete:
        assert 9.5 * 86400 < span < 10 * 86400


def test_same_seed_same_records_regardless_of_request_order() -> None:
    """Determinism: same seed and time give identical records, however requested."""
    window = (START - timedelta(days=2), START)
    one = Simulator(config(seed=3))
    two = Simulator(config(seed=3))
    two.records(
        "egvs", "SandboxUser1", START - timedelta(days=9), START, visible_only=False
    )
    assert one.records(
        "egvs", "SandboxUser1", *window, visible_only=False
    ) == two.records("egvs", "SandboxUser1", *window, visible_only=False)
    assert one.records("events", "SandboxUser1", *window) == two.records(
        "events", "SandboxUser1", *window
    )


def test_different_seeds_and_users_differ() -> None:
    """Each user and each seed has its own trace."""
    window = (START - timedelta(days=1), START)

    def values(seed: int, user: str) -> list[Any]:
        records = Simulator(config(seed=seed)).records(
            "egvs", user, *window, visible_only=False
        )
        return [r["value"] for r in records]

    assert values(1, "SandboxUser1") != values(2, "SandboxUser1")
    assert values(1, "SandboxUser1") != values(1, "SandboxUser2")
    traces = {tuple(values(1, user)) for user in USER_NAMES}
    assert len(traces) == len(USER_NAMES)


def test_meals_raise_glucose() -> None:
    """Two hours after unbolused or bolused meals glucose is higher on average."""
    simulator = Simulator(config())
    data = simulator.user("SandboxUser1")
    first, last = (to_timestamp(t) for t in MONTH)
    readings = data.trace.readings_between(first, last)
    value_at = {r.time // 300: r.value for r in readings if r.value is not None}
    meals = [
        i
        for i in data.trace.physiology.intakes_between(first, last - 7200)
        if i.event_type == "carbs" and i.amount and i.amount >= 30
    ]
    rises = []
    for meal in meals:
        before = value_at.get(meal.time // 300)
        after = value_at.get((meal.time + 3600) // 300)
        if before is not None and after is not None:
            rises.append(after - before)
    assert len(rises) > 40
    assert sum(rises) / len(rises) > 15


def test_thirty_days_are_fast() -> None:
    """A cold 30-day egvs window is generated in well under a second (best of 3)."""
    durations = []
    for seed in (11, 12, 13):
        simulator = Simulator(config(seed=seed))
        began = time.perf_counter()
        records = simulator.records("egvs", "SandboxUser4", *MONTH, visible_only=False)
        durations.append(time.perf_counter() - began)
        assert len(records) > 8000
    assert min(durations) < 1.0
