"""Episodes: the consensus definition, gaps, and the event entity's lifecycle."""

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.dexcom_oauth.analytics.episodes import (
    Episode,
    EpisodeKind,
    find_episodes,
)
from homeassistant.core import HomeAssistant
from tests.common import EgvsServer, egv

from .common import END, FIVE

EVENT_ENTITY = "event.dexcom_glucose_episode"


def series(start: datetime, values: list[int | None]) -> list[tuple[datetime, int]]:
    """Return readings five minutes apart from `start`; None leaves a gap."""
    return [(start + i * FIVE, v) for i, v in enumerate(values) if v is not None]


def test_a_hypo_needs_15_minutes_and_ends_after_15_minutes_back() -> None:
    """Two low readings are no episode; three are; it ends at the first of three back."""
    assert find_episodes(series(END, [100, 65, 60, 100, 100, 100])) == []
    found = find_episodes(series(END, [100, 65, 60, 62, 100, 65, 100, 100, 100]))
    assert found == [
        Episode(EpisodeKind.HYPO_LEVEL_1, END + FIVE, END + 6 * FIVE, 60, 4)
    ]
    assert found[0].as_dict() == {
        "kind": "hypo_level_1",
        "start": (END + FIVE).isoformat(),
        "end": (END + 6 * FIVE).isoformat(),
        "duration_minutes": 25,
        "extreme": 60,
        "readings": 4,
        "ended_by_gap": False,
    }


def test_levels_and_hyper() -> None:
    """A level-2 hypo is a level-1 one too; LOW (40) and HIGH (400) count."""
    found = find_episodes(
        series(END, [80, 50, 40, 52, 90, 90, 90, 260, 400, 300, 200, 200, 200])
    )
    assert [(e.kind, e.extreme, e.end) for e in found] == [
        (EpisodeKind.HYPO_LEVEL_1, 40, END + 4 * FIVE),
        (EpisodeKind.HYPO_LEVEL_2, 40, END + 4 * FIVE),
        (EpisodeKind.HYPER_LEVEL_2, 400, END + 10 * FIVE),
    ]


def test_gaps_break_runs_and_end_episodes() -> None:
    """A gap splits a run; an episode cut by a gap ends after its last reading."""
    assert find_episodes(series(END, [60, 60, None, None, 60, 100])) == []
    cut = find_episodes(series(END, [60, 60, 60, 60, None, None, None, 100]))
    assert cut == [
        Episode(EpisodeKind.HYPO_LEVEL_1, END, END + 4 * FIVE, 60, 4, ended_by_gap=True)
    ]
    back = find_episodes(series(END, [60, 60, 60, 100, None, None, 100, 100]))
    assert back[0].end == END + 3 * FIVE
    assert not back[0].ended_by_gap


def test_ongoing_episode_has_no_end() -> None:
    """An episode still going on at the last reading has no end yet."""
    (ongoing,) = find_episodes(series(END, [100, 60, 60, 60, 100]))
    assert ongoing.end is None
    assert ongoing.as_dict()["duration_minutes"] is None


def low_then_back(start: datetime) -> list[dict[str, Any]]:
    """Return a 20-minute hypo (below 54) then 20 minutes back in range."""
    return [
        egv(start + i * FIVE, v)
        for i, v in enumerate([50, 48, 45, 50, 80, 90, 95, 100])
    ]


def fires(events: list[Any]) -> list[Any]:
    """Return the state changes of the event entity that are fired events.

    A reload makes it unavailable and then restores it: no new event.
    """
    return [
        e
        for e in events
        if e.data["entity_id"] == EVENT_ENTITY
        and e.data["old_state"] is not None
        and "unavailable" not in (e.data["old_state"].state, e.data["new_state"].state)
    ]


@pytest.fixture
def readings() -> list[dict[str, Any]]:
    """Return a reading an hour before NOW, and an old hypo that ended before the link."""
    return [
        *low_then_back(END - timedelta(hours=6)),
        egv(END - timedelta(hours=1), 120),
    ]


@pytest.mark.usefixtures("init_integration")
async def test_each_episode_fires_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    hass_storage: dict[str, Any],
) -> None:
    """Episodes ending after the link fire once, at their true times, across restarts."""
    events = async_capture_events(hass, "state_changed")
    assert hass.states.get(EVENT_ENTITY).state == "unknown"
    api_server.records.extend(low_then_back(END + timedelta(minutes=5)))
    freezer.tick(timedelta(hours=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    fired = [e.data["new_state"].attributes for e in fires(events)]
    assert [(f["event_type"], f["start"], f["end"]) for f in fired] == [
        (
            "hypo_level_1",
            (END + FIVE).isoformat(),
            (END + 5 * FIVE).isoformat(),
        ),
        (
            "hypo_level_2",
            (END + FIVE).isoformat(),
            (END + 5 * FIVE).isoformat(),
        ),
    ]
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    saved = hass_storage[f"dexcom_oauth.{config_entry.entry_id}.episodes"]["data"]
    assert saved == {"fired_until": (END + 5 * FIVE).isoformat()}
    await hass.async_block_till_done(wait_background_tasks=True)
    freezer.tick(timedelta(minutes=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(fires(events)) == 2


@pytest.mark.usefixtures("init_integration")
async def test_removing_the_entry_deletes_what_was_fired(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """The stored end of the last fired episode goes with the entry."""
    await hass.async_block_till_done()
    key = f"dexcom_oauth.{config_entry.entry_id}.episodes"
    await hass.config_entries.async_unload(config_entry.entry_id)
    assert key in hass_storage
    await hass.config_entries.async_remove(config_entry.entry_id)
    assert key not in hass_storage
