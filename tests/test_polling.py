"""The coordinator polls when the next reading should appear (freezer-driven)."""

from datetime import datetime, timedelta
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, flush_store

from custom_components.dexcom_oauth.coordinator import DexcomCoordinator
from custom_components.dexcom_oauth.schedule import (
    MIN_WAIT,
    STALL_INTERVAL,
    PollScheduler,
)
from homeassistant.core import HomeAssistant

from .common import (
    NOW,
    Advance,
    EgvsServer,
    async_advance,
    coordinator_of,
    egv,
    egvs_queries,
)

T17 = datetime.fromisoformat("2026-11-23T17:00:00+00:00")


@pytest.fixture
def token_expiry() -> float:
    """Keep the stored token valid for the whole test."""
    return datetime.fromisoformat(NOW).timestamp() + 86400


def poll_times(aioclient_mock: Any) -> list[str]:
    """Return the endDate (the poll time) of every egvs request."""
    return [query["endDate"] for query in egvs_queries(aioclient_mock)]


async def test_polls_just_after_the_next_reading(
    coordinator: DexcomCoordinator,
    api_server: EgvsServer,
    aioclient_mock: Any,
    advance: Advance,
) -> None:
    """Readings appearing on time are fetched by one poll each, seconds after."""
    # Newest reading 17:00 seen at 18:00: the next (17:05) is due around 18:05.
    expected = coordinator.schedule.expected_next(datetime.fromisoformat(NOW))
    assert expected is not None
    assert (
        T17 + timedelta(minutes=5)
        < expected
        <= datetime.fromisoformat(NOW) + timedelta(minutes=5)
    )
    for minute in range(5, 65, 5):
        # Each reading becomes visible exactly one hour after it was taken.
        api_server.records.append(egv(T17 + timedelta(minutes=minute), 140))
        visible = datetime.fromisoformat(NOW) + timedelta(minutes=minute)
        while coordinator.window.newest.system_time < T17 + timedelta(minutes=minute):
            await advance(coordinator.update_interval)
            now = datetime.fromisoformat(poll_times(aioclient_mock)[-1] + "+00:00")
            if coordinator.window.newest.system_time < T17 + timedelta(minutes=minute):
                assert now < visible + timedelta(seconds=5)
        assert now - visible < timedelta(seconds=30)
    # Twelve readings: at most a few retries while the offset is learnt.
    assert len(poll_times(aioclient_mock)) - 1 <= 12 * 2


@pytest.mark.usefixtures("init_integration")
async def test_stall_polls_at_most_twelve_times_an_hour(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: Any,
) -> None:
    """With no new readings the coordinator settles on one poll per 5 minutes."""
    await async_advance_for(hass, freezer, config_entry, timedelta(hours=1))
    before = len(poll_times(aioclient_mock))
    await async_advance_for(hass, freezer, config_entry, timedelta(hours=1))
    assert len(poll_times(aioclient_mock)) - before <= 12
    assert coordinator_of(config_entry).update_interval == STALL_INTERVAL


async def async_advance_for(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    span: timedelta,
) -> None:
    """Follow the coordinator's schedule for `span` of simulated time."""
    coordinator = coordinator_of(entry)
    elapsed = timedelta()
    while elapsed < span:
        step = coordinator.update_interval
        assert step is not None
        assert step >= MIN_WAIT
        await async_advance(hass, freezer, step)
        elapsed += step


async def test_stall_then_resume(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    coordinator: DexcomCoordinator,
    api_server: EgvsServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After a two-hour stall the backlog is fetched within five minutes."""
    await async_advance_for(hass, freezer, config_entry, timedelta(hours=2))
    api_server.records += [
        egv(T17 + timedelta(hours=2, minutes=m), 150) for m in range(0, 60, 5)
    ]
    await async_advance_for(hass, freezer, config_entry, timedelta(minutes=5))
    assert coordinator.window.newest.system_time == T17 + timedelta(hours=2, minutes=55)


async def test_retry_after_is_honoured(
    coordinator: DexcomCoordinator,
    api_server: EgvsServer,
    aioclient_mock: Any,
    advance: Advance,
) -> None:
    """A 429 with Retry-After: 600 holds the next poll back ten minutes."""
    api_server.fail(status=429, headers={"Retry-After": "600"})
    await advance(coordinator.update_interval)
    assert not coordinator.last_update_success
    assert coordinator.update_interval >= timedelta(seconds=600)
    polls = len(poll_times(aioclient_mock))
    await advance(timedelta(seconds=590))
    assert len(poll_times(aioclient_mock)) == polls
    await advance(timedelta(seconds=20))
    assert len(poll_times(aioclient_mock)) == polls + 1
    assert coordinator.last_update_success


async def test_schedule_survives_a_restart(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    coordinator: DexcomCoordinator,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The learned schedule is saved and handed to the next setup."""
    saved = coordinator.schedule.as_dict()
    await flush_store(coordinator.learned._store)
    key = f"dexcom_oauth.{config_entry.entry_id}.schedule"
    assert hass_storage[key]["data"]["schedule"] == saved
    with patch.object(
        PollScheduler, "from_dict", wraps=PollScheduler.from_dict
    ) as from_dict:
        assert await hass.config_entries.async_reload(config_entry.entry_id)
        await hass.async_block_till_done()
    from_dict.assert_called_once_with(saved)


@pytest.mark.usefixtures("init_integration")
async def test_removing_the_entry_forgets_the_schedule(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Nothing of a removed account stays in storage."""
    await flush_store(coordinator_of(config_entry).learned._store)
    key = f"dexcom_oauth.{config_entry.entry_id}.schedule"
    assert key in hass_storage
    assert await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
