"""The reading window: what is kept, where requests start, what a restart keeps."""

from datetime import UTC, datetime, timedelta
import json
from pathlib import Path

import pytest

from custom_components.dexcom_oauth.client import (
    DexcomAuthError,
    DexcomConnectionError,
    DexcomError,
    DexcomRateLimitError,
    DexcomRequestError,
    DexcomResponseError,
    DexcomUnauthorizedError,
    GlucoseReading,
)
from custom_components.dexcom_oauth.problems import PROBLEM_KINDS, problem_kind
from custom_components.dexcom_oauth.window import BACKLOG_SETTLE, ReadingWindow

from .common import reading

STRINGS = Path("custom_components/dexcom_oauth/strings.json")
T0 = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
FIVE = timedelta(minutes=5)


def hour_of_readings(end: datetime) -> list[GlucoseReading]:
    """Return twelve readings five minutes apart, the newest at `end`."""
    return [reading(end - FIVE * i) for i in range(12)]


def test_first_request_asks_for_a_day() -> None:
    """With nothing kept the first request reaches back 24 hours."""
    now = T0 + timedelta(hours=1)
    assert ReadingWindow().fetch_start(now) == now - timedelta(hours=24)


def test_later_requests_overlap_the_newest_reading() -> None:
    """Afterwards requests start 15 minutes before the newest kept reading."""
    window = ReadingWindow()
    now = T0 + timedelta(hours=1)
    assert len(window.add(hour_of_readings(T0), now, T0 - timedelta(days=1))) == 12
    assert window.fetch_start(now) == T0 - timedelta(minutes=15)
    assert window.add(hour_of_readings(T0), now, T0 - timedelta(days=1)) == []


def test_a_jump_keeps_requests_reaching_back_until_the_backlog_settles() -> None:
    """After a stall, requests start before the jump for BACKLOG_SETTLE."""
    window = ReadingWindow()
    now = T0 + timedelta(hours=1)
    window.add(hour_of_readings(T0), now, T0 - timedelta(days=1))
    later = now + timedelta(hours=2)
    window.add([reading(T0 + timedelta(hours=2))], later, T0 - timedelta(days=1))
    assert window.backlog is not None
    assert window.fetch_start(later) == T0 - timedelta(minutes=15)
    # A second jump while the first settles keeps asking from before the first.
    window.add([reading(T0 + timedelta(hours=3))], later, T0 - timedelta(days=1))
    assert window.fetch_start(later) == T0 - timedelta(minutes=15)
    # Settled: requests overlap the newest reading again, and the backlog ends.
    settled = later + BACKLOG_SETTLE
    window.add(
        [reading(T0 + timedelta(hours=3, minutes=5))], settled, T0 - timedelta(days=1)
    )
    assert window.backlog is None
    assert window.fetch_start(settled) == T0 + timedelta(hours=2, minutes=50)


def test_a_restart_during_a_backlog_still_completes_it() -> None:
    """What a restart needs survives JSON; the jump is seen after a restart too."""
    window = ReadingWindow()
    now = T0 + timedelta(hours=1)
    window.add(hour_of_readings(T0), now, T0 - timedelta(days=1))
    saved = json.loads(json.dumps(window.as_dict()))

    restarted = ReadingWindow()
    restarted.restore(saved)
    later = now + timedelta(hours=2)
    # The first request after the restart asks for a day and sees the jump.
    assert restarted.fetch_start(later) == later - timedelta(hours=24)
    restarted.add([reading(T0 + timedelta(hours=2))], later, later - timedelta(days=1))
    assert restarted.backlog is not None
    assert restarted.fetch_start(later) == T0 - timedelta(minutes=15)

    again = ReadingWindow()
    again.restore(json.loads(json.dumps(restarted.as_dict())))
    again.add([reading(T0 + timedelta(hours=2))], later + timedelta(minutes=5), later)
    assert again.backlog == restarted.backlog


@pytest.mark.parametrize(
    "saved",
    [
        None,
        {},
        {"version": 9},
        {"version": 1, "newest_seen": 5, "backlog": ["x"]},
        {"version": 1, "newest_seen": "later", "backlog": ["x", "y"]},
    ],
)
def test_unusable_saved_state_is_ignored(saved: object) -> None:
    """Anything unusable in storage starts afresh instead of failing."""
    window = ReadingWindow()
    window.restore(saved)
    assert window.backlog is None
    assert window.as_dict()["newest_seen"] is None


def test_only_a_day_is_kept() -> None:
    """Readings more than 24 hours before the newest are forgotten."""
    window = ReadingWindow()
    window.add(
        [reading(T0 - timedelta(hours=25)), reading(T0)], T0, T0 - timedelta(days=1)
    )
    assert [r.system_time for r in window.readings] == [T0]
    assert (
        window.add([reading(T0 - timedelta(hours=30))], T0, T0 - timedelta(days=1))
        == []
    )


def test_latest_glucose_skips_readings_without_glucose() -> None:
    """A reading with neither value nor low/high is not the latest glucose."""
    window = ReadingWindow()
    window.add(
        [reading(T0), reading(T0 + FIVE, None)], T0 + FIVE, T0 - timedelta(days=1)
    )
    assert window.newest is not None
    assert window.newest.system_time == T0 + FIVE
    assert window.latest_glucose is not None
    assert window.latest_glucose.system_time == T0


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (DexcomAuthError("x"), "reauth_required"),
        (DexcomUnauthorizedError("x"), "unauthorized"),
        (DexcomRateLimitError(None), "rate_limited"),
        (DexcomRequestError(403), "request_refused"),
        (DexcomResponseError("x"), "bad_response"),
        (DexcomConnectionError("x"), "connection"),
    ],
)
def test_problem_kinds(error: DexcomError, kind: str) -> None:
    """Each client error has its kind, and every kind is translated."""
    assert problem_kind(error) == kind
    strings = json.loads(STRINGS.read_text())
    api_status = strings["entity"]["binary_sensor"]["api_problem"]
    assert set(api_status["state_attributes"]["error"]["state"]) == set(PROBLEM_KINDS)


def test_whole_hours_start_where_nothing_is_missing() -> None:
    """Statistics may rewrite an hour only when every reading of it is kept."""
    window = ReadingWindow()
    assert window.first_whole_hour is None
    window.add(hour_of_readings(T0), T0, T0 - timedelta(minutes=90))
    assert window.first_whole_hour == T0 - timedelta(hours=1)
    window.add([], T0, T0)
    assert window.first_whole_hour == T0 - timedelta(hours=1)
    # Readings older than a day before the newest are dropped: so is their hour.
    window.add([reading(T0 + timedelta(hours=23, minutes=10))], T0, T0)
    assert window.first_whole_hour == T0
