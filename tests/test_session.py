"""The sensor session inferred from the readings: changes, gaps, restarts."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dexcom_oauth.client import GlucoseReading
from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.session import (
    Session,
    SessionTracker,
    latest_session,
)
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant

from .common import NEWEST, egv, reading, series

T0 = datetime(2026, 11, 20, tzinfo=UTC)
FIVE = timedelta(minutes=5)
START_SENSOR = "sensor.dexcom_sensor_session_start"
END_SENSOR = "sensor.dexcom_sensor_session_end"


def after(
    minutes: float, transmitter: str | None = "tx1", generation: str | None = "g6"
) -> GlucoseReading:
    """Return a reading `minutes` after T0."""
    return reading(
        T0 + timedelta(minutes=minutes),
        record_id=f"r{minutes}",
        transmitter_id=transmitter,
        generation=generation,
    )


def run(*minutes: float, **fields: Any) -> list[GlucoseReading]:
    """Return readings at the given minutes."""
    return [after(m, **fields) for m in minutes]


def test_g6_warm_up_gap_is_a_new_sensor() -> None:
    """A G6 gap as long as the warm-up starts a session, two hours before it resumes."""
    readings = [*run(0, 5, 10), *run(135, 140), *run(*range(145, 300, 5))]
    session = latest_session(readings)
    assert session == Session(
        start=T0 + timedelta(minutes=135 - 120),
        generation="g6",
        transmitter=session.transmitter if session else None,
        basis="warm_up_gap",
    )
    assert session is not None
    assert session.expected_end == session.start + timedelta(days=10)
    assert session.grace_end is None
    assert session.transmitter not in (None, "tx1")  # a hash, never the id


def test_recent_gap_waits_for_a_backlog() -> None:
    """A gap within an hour of the newest reading may still fill: no change yet."""
    assert latest_session([*run(0, 5), *run(130, 135, 140)]) is None
    assert latest_session([]) is None
    assert latest_session(run(0)) is None


def test_g7_needs_a_new_transmitter() -> None:
    """A G7 gap is a signal loss; a new transmitter is a new sensor (+12 h grace)."""
    gap = [*run(0, 5, generation="g7"), *run(*range(60, 200, 5), generation="g7")]
    assert latest_session(gap) is None
    change = [
        *run(0, 5, generation="g7"),
        *run(*range(40, 200, 5), transmitter="tx2", generation="g7"),
    ]
    session = latest_session(change)
    assert session is not None
    assert session.basis == "transmitter_change"
    assert session.start == T0 + timedelta(minutes=40 - 30)
    assert session.grace_end == session.start + timedelta(days=10, hours=12)
    fifteen = latest_session(
        [replace(r, transmitter_generation="G715Day") for r in change]
    )
    assert fifteen is not None
    assert fifteen.expected_end == fifteen.start + timedelta(days=15)


def test_unknown_generation() -> None:
    """An unknown generation has a start (by transmitter) but no expected end."""
    change = [
        *run(0, generation=None),
        *run(*range(5, 200, 5), transmitter="tx2", generation=None),
    ]
    session = latest_session(change)
    assert session is not None
    assert session.start == T0 + FIVE
    assert session.expected_end is None
    assert session.grace_end is None
    no_ids = run(
        0,
        300,
        305,
        310,
        315,
        320,
        325,
        330,
        335,
        340,
        345,
        350,
        360,
        370,
        380,
        390,
        400,
        transmitter=None,
        generation="dexcomPro",
    )
    assert latest_session(no_ids) is not None


def test_tracker_keeps_newest_and_forgets_after_an_unseen_change() -> None:
    """Older changes never replace newer; a new transmitter unseen ends the session."""
    tracker = SessionTracker()
    first = [*run(0, 5, 10), *run(*range(135, 300, 5))]
    tracker.update(first)
    known = tracker.session
    assert known is not None
    tracker.update(run(*range(0, 300, 5)))  # no change in view: kept
    assert tracker.session == known
    tracker.update([*run(0), *run(*range(200, 400, 5))])  # an older-looking gap
    assert tracker.session is not None
    assert tracker.session.start > known.start
    newer = tracker.session
    tracker.update(run(0, 5))
    assert tracker.session == newer
    tracker.update(run(*range(0, 300, 5), transmitter="tx9"))
    assert tracker.session is None


def test_tracker_round_trip() -> None:
    """What is saved comes back; anything odd is ignored."""
    tracker = SessionTracker()
    tracker.update([*run(0, 5, 10), *run(*range(135, 300, 5))])
    restored = SessionTracker()
    restored.restore(tracker.as_dict())
    assert restored.session == tracker.session
    for junk in (
        None,
        {"version": 0},
        {"version": 1, "session": "x"},
        {"version": 1, "session": {"start": "x"}},
        {
            "version": 1,
            "session": {
                **tracker.as_dict()["session"],  # type: ignore[dict-item]  # a dict by construction
                "transmitter": 3,
            },
        },
    ):
        fresh = SessionTracker()
        fresh.restore(junk)
        assert fresh.session is None


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    "readings",
    [
        [
            *series(NEWEST - timedelta(hours=6), 12),
            *[
                {**egv(NEWEST - FIVE * i), "transmitterId": "tx-new-sensor"}
                for i in range(48)
            ],
        ]
    ],
)
async def test_session_entities(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A G7 sensor change in the readings shows its start and end; kept on reload."""
    first = NEWEST - FIVE * 47
    start = hass.states.get(START_SENSOR)
    assert start is not None
    assert start.state == (first - timedelta(minutes=30)).isoformat()
    assert start.attributes["estimated"] is True
    assert start.attributes["basis"] == "transmitter_change"
    end = hass.states.get(END_SENSOR)
    assert end is not None
    assert end.state == (first - timedelta(minutes=30) + timedelta(days=10)).isoformat()
    assert (
        end.attributes["grace_period_end"]
        == (first - timedelta(minutes=30) + timedelta(days=10, hours=12)).isoformat()
    )

    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    stored = hass_storage[f"{DOMAIN}.{config_entry.entry_id}.alerts"]["data"]
    assert "tx-new-sensor" not in str(stored)
    start = hass.states.get(START_SENSOR)
    assert start is not None
    assert start.state != STATE_UNKNOWN
