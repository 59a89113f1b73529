"""True-time statistics: hourly mean/min/max at the hours readings were taken."""

import asyncio
from datetime import datetime, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.repairs import (
    async_create_reauth_issue,
    reauth_issue_id,
)
from custom_components.dexcom_oauth.statistics import statistic_id_for
from homeassistant.components.recorder.statistics import (
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance

from .common import (
    DEVICES_URL,
    EGVS_URL,
    OTHER_USER_ID,
    TOKEN_URL,
    EgvsServer,
    SetupIntegration,
    devices_payload,
    egv,
    egvs_queries,
    is_analytics_query,
    series,
    token_payload,
)

T17 = datetime.fromisoformat("2026-11-23T17:00:00+00:00")


pytestmark = pytest.mark.usefixtures("recorder_mock")


async def hourly(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[datetime, tuple[float, float, float]]:
    """Return {hour start: (mean, min, max)} of the entry's statistic."""
    await async_wait_recording_done(hass)
    statistic_id = statistic_id_for(entry)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        T17 - timedelta(days=40),
        None,
        {statistic_id},
        "hour",
        None,
        {"mean", "min", "max"},
    )
    return {
        datetime.fromtimestamp(row["start"], tz=T17.tzinfo): (
            row["mean"],
            row["min"],
            row["max"],
        )
        for row in rows.get(statistic_id, [])
    }


async def settle(hass: HomeAssistant) -> None:
    """Let the background catch-up and the recorder finish."""
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


@pytest.mark.usefixtures("init_integration")
async def test_readings_land_at_their_true_hours(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: Any,
) -> None:
    """Readings taken 16:05-17:00 and seen at 18:00 count for 16:00 and 17:00."""
    await settle(hass)
    stats = await hourly(hass, config_entry)
    # series(): 110, 112, …, 132 at 16:05 … 17:00.
    assert stats == {
        T17 - timedelta(hours=1): (sum(range(110, 131, 2)) / 11, 110, 130),
        T17: (132, 132, 132),
    }
    # The first link backfills 30 days: one window from NOW - 30 days.
    first_catch_up = egvs_queries(aioclient_mock)[1]
    assert first_catch_up["startDate"] == "2026-10-24T18:00:00"


async def test_removal_deletes_the_statistic(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Deleting one account deletes its health data, and only its own.

    The statistic, the saved state and a pending re-link repair go; a second
    linked account keeps all of its own.
    """
    entry = await setup_integration()
    # The recorder's debug log prints registry events, device identifiers included.
    caplog.set_level(logging.INFO, "homeassistant.components.recorder")
    other = MockConfigEntry(
        domain=DOMAIN,
        title="Sam",
        unique_id=OTHER_USER_ID,
        data=dict(entry.data),
    )
    await setup_integration(other)
    assert await hourly(hass, entry)
    assert await hourly(hass, other)
    for linked in (entry, other):
        async_create_reauth_issue(hass, linked)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    ids = await get_instance(hass).async_add_executor_job(
        list_statistic_ids, hass, None
    )
    kept = {row["statistic_id"] for row in ids}
    assert statistic_id_for(entry) not in kept
    assert f"dexcom_oauth.{entry.entry_id}.schedule" not in hass_storage
    assert ir.async_get(hass).async_get_issue(DOMAIN, reauth_issue_id(entry)) is None
    # The other account is untouched.
    assert statistic_id_for(other) in kept
    assert await hourly(hass, other)
    assert ir.async_get(hass).async_get_issue(DOMAIN, reauth_issue_id(other))
    assert other.state is ConfigEntryState.LOADED


async def test_thirty_day_backfill(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    api_server: EgvsServer,
) -> None:
    """History older than the kept day is fetched once, at its true hours."""
    old = datetime.fromisoformat("2026-11-03T07:00:00+00:00")
    api_server.records[:0] = [
        egv(old, 55, status="ok"),
        egv(old + timedelta(minutes=5), 65),
    ]
    entry = await setup_integration()
    await settle(hass)
    stats = await hourly(hass, entry)
    assert stats[old] == (60, 55, 65)
    assert len(stats) == 3


@pytest.mark.usefixtures("init_integration")
async def test_reload_is_idempotent(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    aioclient_mock: Any,
) -> None:
    """Reloading rewrites the last hour from complete data, nothing twice."""
    await settle(hass)
    before = await hourly(hass, config_entry)
    calls = len(egvs_queries(aioclient_mock))
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await settle(hass)
    assert await hourly(hass, config_entry) == before
    # After a reload only the coordinator's refresh asks for egvs: the last
    # written hour is inside the kept day, so no backfill request is made.
    assert len(egvs_queries(aioclient_mock)) == calls + 1


@pytest.mark.usefixtures("init_integration")
async def test_outage_hours_filled_when_api_returns(
    hass: HomeAssistant,
    aioclient_mock: Any,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Hours taken during an outage are written once Dexcom answers again."""
    aioclient_mock.post(TOKEN_URL, json=token_payload())
    await settle(hass)
    api_server.fail(times=30, status=503, text="down")
    for _ in range(24):  # two hours of failing polls
        freezer.tick(timedelta(minutes=5, seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    api_server.records += series(T17 + timedelta(hours=2), 24, start_value=140, step=1)
    for _ in range(8):
        freezer.tick(timedelta(minutes=5, seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    await settle(hass)
    stats = await hourly(hass, config_entry)
    assert set(stats) == {
        T17 - timedelta(hours=1),
        T17,
        T17 + timedelta(hours=1),
        T17 + timedelta(hours=2),
    }
    # 17:00 now holds the reading from before the outage and the late ones.
    assert stats[T17][1] == 132 or stats[T17][1] == 140
    assert stats[T17 + timedelta(hours=2)] == (163, 163, 163)


async def test_backfill_retried_after_a_failure(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: Any,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A backfill Dexcom refuses is logged and tried again by the next refresh.

    While one backfill is under way, refreshes start no second one.
    """
    server = EgvsServer([*series(T17, 12), egv(T17 - timedelta(hours=5), None)])
    release = asyncio.Event()
    backfills: list[str] = []

    async def answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        if url.query["startDate"] <= "2026-10-25" and not is_analytics_query(
            dict(url.query)
        ):  # the 30-day backfill window
            backfills.append(url.query["startDate"])
            if len(backfills) == 1:
                return AiohttpClientMockResponse(method, url, status=503, text="down")
            await release.wait()
        return await server(method, url, data)

    aioclient_mock.get(EGVS_URL, side_effect=answer)
    aioclient_mock.get(DEVICES_URL, json=devices_payload())
    entry = await setup_integration(wait_background_tasks=True)
    assert "Could not fetch past readings for the statistics yet" in caplog.text
    assert await hourly(hass, entry) == {}

    coordinator = entry.runtime_data

    async def refresh() -> None:
        freezer.tick(coordinator.update_interval + timedelta(seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        await async_wait_recording_done(hass)
        await hass.async_block_till_done()

    # The next refresh starts the backfill again; it asks the recorder first,
    # in the recorder's own thread, so give that thread its turns.
    await refresh()
    for _ in range(20):
        if len(backfills) == 2:
            break
        await async_wait_recording_done(hass)
        await hass.async_block_till_done()
    assert len(backfills) == 2
    # Later refreshes find it still running and start no other.
    await refresh()
    await refresh()
    assert len(backfills) == 2
    release.set()
    await settle(hass)
    stats = await hourly(hass, entry)
    # The reading without a value (12:00) adds no hour of its own.
    assert set(stats) == {T17 - timedelta(hours=1), T17}
