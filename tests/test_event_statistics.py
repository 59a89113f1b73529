"""Daily totals of carbs and insulin at the events' true local days."""

from datetime import datetime, timedelta
import logging
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.dexcom_oauth.event_statistics import statistic_ids
from custom_components.dexcom_oauth.logs import LOGS_INTERVAL
from homeassistant.components.logbook.helpers import async_determine_event_types
from homeassistant.components.logbook.processor import EventProcessor
from homeassistant.components.recorder.statistics import (
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from homeassistant.setup import async_setup_component

from .common import START, Advance, EgvsServer, SetupIntegration, alert, egv, event

UTC = START.tzinfo
# Home Assistant's test time zone is US/Pacific: local midnight is 08:00 UTC.
NOV_22 = datetime(2026, 11, 22, 8, tzinfo=UTC)
NOV_23 = datetime(2026, 11, 23, 8, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("recorder_mock")


async def daily(
    hass: HomeAssistant, statistic_id: str
) -> dict[datetime, tuple[float, float]]:
    """Return {row start: (state, sum)} of one daily statistic."""
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        START - timedelta(days=40),
        None,
        {statistic_id},
        "hour",
        None,
        {"state", "sum"},
    )
    return {
        datetime.fromtimestamp(row["start"], tz=UTC): (row["state"], row["sum"])
        for row in rows.get(statistic_id, [])
    }


async def test_daily_totals_at_local_days(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    api_server: EgvsServer,
    events_server: EgvsServer,
    caplog: pytest.LogCaptureFixture,
    advance: Advance,
) -> None:
    """Events count for their local day; deletions are left out; edits rewrite."""
    # The recorder's debug log prints registry events, device identifiers included.
    caplog.set_level(logging.INFO, "homeassistant.components.recorder")
    events_server.records.extend(
        [
            event(datetime(2026, 11, 22, 20, tzinfo=UTC), "carbs", 40),
            # 22:00 on the 22nd in Home Assistant's zone, though the 23rd in UTC.
            event(datetime(2026, 11, 23, 6, tzinfo=UTC), "carbs", "30"),
            event(
                datetime(2026, 11, 22, 21, tzinfo=UTC), "carbs", 99, status="deleted"
            ),
            event(
                datetime(2026, 11, 23, 16, tzinfo=UTC),
                "carbs",
                20,
                record_id="breakfast",
            ),
            event(
                datetime(2026, 11, 23, 16, tzinfo=UTC),
                "insulin",
                4,
                sub_type="fastActing",
                unit="units",
            ),
            event(
                datetime(2026, 11, 23, 16, tzinfo=UTC),
                "insulin",
                5,
                sub_type="fastActing",
                unit="grams",
                record_id="odd-unit",
            ),
        ]
    )
    entry = await setup_integration()
    carbs_id, fast_id, long_id = statistic_ids(entry)

    carbs = await daily(hass, carbs_id)
    assert carbs[NOV_22] == (70, 70)
    assert carbs[NOV_23] == (20, 90)
    assert len(carbs) == 30  # every day of the backfill, zeros too
    fast = await daily(hass, fast_id)
    assert fast[NOV_23] == (4, 4)
    assert (await daily(hass, long_id))[NOV_23] == (0, 0)

    events_server.records[3] = event(
        datetime(2026, 11, 23, 16, tzinfo=UTC),
        "carbs",
        25,
        status="updated",
        record_id="breakfast",
    )
    newest = START - timedelta(hours=1)
    for step in range(1, int(LOGS_INTERVAL / timedelta(minutes=5)) + 1):
        api_server.records.append(egv(newest + timedelta(minutes=5 * step)))
        await advance(timedelta(minutes=5))
    carbs = await daily(hass, carbs_id)
    assert carbs[NOV_22] == (70, 70)
    assert carbs[NOV_23] == (25, 95)

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    ids = await get_instance(hass).async_add_executor_job(
        list_statistic_ids, hass, None
    )
    assert not {carbs_id, fast_id, long_id} & {row["statistic_id"] for row in ids}


@pytest.mark.usefixtures("init_integration")
async def test_days_without_events_are_zeros(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """Without any event the days are still written, as zeros."""
    carbs_id = statistic_ids(config_entry)[0]
    assert set((await daily(hass, carbs_id)).values()) == {(0, 0)}


async def test_alerts_show_in_the_logbook(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    config_entry: MockConfigEntry,
    alerts_server: EgvsServer,
    hass_storage: dict[str, Any],
) -> None:
    """A fired alert is an entry of the logbook (Activity), with its type."""
    assert await async_setup_component(hass, "logbook", {})
    key = f"dexcom_oauth.{config_entry.entry_id}.alerts"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {"linked": True, "seen": {}, "alerts_from": None},
    }
    alerts_server.records.append(alert(START - timedelta(hours=2), "urgentLow"))
    await setup_integration()
    await async_wait_recording_done(hass)

    processor = EventProcessor(
        hass,
        async_determine_event_types(hass, ["event.dexcom_dexcom_alert"], None),
        ["event.dexcom_dexcom_alert"],
    )
    entries = await get_instance(hass).async_add_executor_job(
        processor.get_events, START - timedelta(hours=1), START + timedelta(hours=1)
    )
    assert [entry["state"] for entry in entries] == [
        hass.states.get("event.dexcom_dexcom_alert").state  # type: ignore[union-attr]  # it fired
    ]
