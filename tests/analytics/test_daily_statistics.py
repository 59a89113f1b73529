"""Daily statistics per local day: backfill on link, late readings, DST, removal."""

from datetime import UTC, date, datetime, time, timedelta
import logging
from typing import Any
from zoneinfo import ZoneInfo

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
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)

from custom_components.dexcom_oauth.analytics.daily import daily_measures, day_bounds
from custom_components.dexcom_oauth.analytics.daily_statistics import (
    DAILY_MEASURES,
    _first_hour,
    daily_statistic_id,
)
from homeassistant.components.recorder.statistics import (
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import get_instance
from tests.common import (
    DEVICES_URL,
    EGVS_URL,
    TESTS_TIME_ZONE,
    TOKEN_URL,
    EgvsServer,
    SetupIntegration,
    devices_payload,
    egv,
    history_queries,
    is_analytics_query,
    token_payload,
)

from .common import END, FIVE

NEW_YORK = ZoneInfo("America/New_York")
LAST = END - timedelta(hours=1)


pytestmark = pytest.mark.usefixtures("recorder_mock")


def value_at(moment: datetime) -> int:
    """Return a value that depends on the local day: 100 + day of month."""
    return 100 + moment.astimezone(TESTS_TIME_ZONE).day


@pytest.fixture
def readings() -> list[dict[str, Any]]:
    """One hundred days of readings every five minutes, up to an hour before NOW."""
    count = 100 * 288
    return [egv(LAST - i * FIVE, value_at(LAST - i * FIVE)) for i in range(count)]


async def daily(
    hass: HomeAssistant, entry: MockConfigEntry, key: str
) -> dict[date, float]:
    """Return {local day: value} of one daily statistic."""
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)
    statistic_id = daily_statistic_id(entry, key)
    rows = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        END - timedelta(days=120),
        None,
        {statistic_id},
        "hour",
        None,
        {"mean"},
    )
    return {
        datetime.fromtimestamp(row["start"], tz=TESTS_TIME_ZONE).date(): row["mean"]
        for row in rows.get(statistic_id, [])
    }


@pytest.mark.usefixtures("init_integration")
async def test_backfill_on_link_and_late_readings(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Linking writes about 90 local days with three requests; late ones rewrite."""
    # The recorder's debug log prints registry events, device identifiers included.
    caplog.set_level(logging.INFO, "homeassistant.components.recorder")
    means = await daily(hass, config_entry, "mean_glucose")
    requests = history_queries(aioclient_mock)
    assert len(requests) == 3  # 90 days, at most 30 days per request
    today = LAST.astimezone(TESTS_TIME_ZONE).date()
    assert today not in means  # not over yet
    assert 88 <= len(means) <= 90
    assert max(means) == today - timedelta(days=1)
    for day, mean in means.items():
        assert mean == 100 + day.day
    active = await daily(hass, config_entry, "cgm_active")
    assert set(active) == set(means)
    assert all(value == pytest.approx(100, abs=0.5) for value in active.values())
    in_range = await daily(hass, config_entry, "time_in_range")
    assert all(value == 100 for value in in_range.values())

    # A reading after midnight completes today; a late one changes yesterday.
    ids = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass)
    names = {i["statistic_id"]: i["name"] for i in ids}
    assert names[daily_statistic_id(config_entry, "time_in_range")] == (
        "Dexcom time in range (daily)"
    )
    assert all(config_entry.unique_id not in statistic_id for statistic_id in names)
    midnight, _ = day_bounds(today + timedelta(days=1), TESTS_TIME_ZONE)
    rest = [LAST + i * FIVE for i in range(1, (midnight - LAST) // FIVE + 3)]
    held_back = [t for t in rest if midnight - timedelta(hours=1) <= t < midnight]
    api_server.records.extend(egv(t, 150) for t in rest if t not in held_back)
    freezer.move_to(midnight + timedelta(minutes=15))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    active = await daily(hass, config_entry, "cgm_active")
    assert active[today] == pytest.approx(100 * (288 - 12) / 288)
    # The hour before midnight arrives late (a backlog): the day is rewritten.
    api_server.records.extend(egv(t, 150) for t in held_back)
    freezer.tick(timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    active = await daily(hass, config_entry, "cgm_active")
    assert active[today] == pytest.approx(100)
    means = await daily(hass, config_entry, "mean_glucose")

    # A reload writes the kept days again, without a second backfill.
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(history_queries(aioclient_mock)) == 4
    assert await daily(hass, config_entry, "mean_glucose") == means

    await hass.config_entries.async_remove(config_entry.entry_id)
    await async_wait_recording_done(hass)
    ids = await get_instance(hass).async_add_executor_job(list_statistic_ids, hass)
    assert not [i for i in ids if i["statistic_id"].startswith("dexcom_oauth:daily_")]


def test_days_follow_the_local_calendar_across_dst() -> None:
    """The day clocks go back lasts 25 hours and expects 300 readings."""
    start = datetime(2026, 10, 31, 4, 0, tzinfo=UTC)  # midnight in New York
    series = [(start + i * FIVE, 120) for i in range(3 * 288 + 12 + 12)]
    days = daily_measures(series, NEW_YORK, series[-1][0])
    assert [(d.day, d.measures.expected, d.measures.readings) for d in days] == [
        (date(2026, 10, 31), 288, 288),
        (date(2026, 11, 1), 300, 300),
        (date(2026, 11, 2), 288, 288),
    ]
    assert all(d.measures.active_percent == 100 for d in days)
    assert (
        daily_measures(series, NEW_YORK, series[-1][0], [date(2026, 11, 1)])[
            0
        ].measures.expected
        == 300
    )


def test_daily_measure_names() -> None:
    """Six daily measures, CGM active kept even on days with little data."""
    assert [m.key for m in DAILY_MEASURES] == [
        "time_in_range",
        "time_below_range",
        "time_above_range",
        "mean_glucose",
        "glucose_cv",
        "cgm_active",
    ]


async def test_backfill_failure_and_days_with_little_data(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused backfill is logged; a day below 70 % keeps only CGM active."""
    caplog.set_level(logging.INFO, "homeassistant.components.recorder")
    gap_day = (LAST - timedelta(days=5)).astimezone(TESTS_TIME_ZONE).date()
    gap_start, _ = day_bounds(gap_day, TESTS_TIME_ZONE)
    kept = [
        r
        for r in readings
        if not gap_start
        <= datetime.fromisoformat(r["systemTime"]).replace(tzinfo=UTC)
        < gap_start + timedelta(hours=12)
    ]
    server = EgvsServer(kept)

    async def answer(method: str, url: Any, data: Any) -> Any:
        query = dict(url.query)
        end = datetime.fromisoformat(query["endDate"]).replace(tzinfo=UTC)
        if (
            is_analytics_query(query)
            and end.astimezone(TESTS_TIME_ZONE).time() == time()
        ):
            return AiohttpClientMockResponse(method, url, status=500, text="down")
        return await server(method, url, data)

    aioclient_mock.post(TOKEN_URL, json=token_payload())
    aioclient_mock.get(EGVS_URL, side_effect=answer)
    aioclient_mock.get(DEVICES_URL, json=devices_payload())
    entry = await setup_integration(wait_background_tasks=True)
    assert "could not fetch past readings for the daily statistics" in caplog.text
    means = await daily(hass, entry, "mean_glucose")
    active = await daily(hass, entry, "cgm_active")
    assert 28 <= len(active) <= 29  # only the first request's days
    assert gap_day in active
    assert active[gap_day] == pytest.approx(50)
    assert gap_day not in means


def test_a_half_hour_zone_writes_the_day_at_its_first_whole_hour() -> None:
    """Local midnight in India is 18:30 UTC: the row goes to 19:00 UTC (00:30 local)."""
    start, _ = day_bounds(date(2026, 11, 20), ZoneInfo("Asia/Kolkata"))
    assert start == datetime(2026, 11, 19, 18, 30, tzinfo=UTC)
    assert _first_hour(start) == datetime(2026, 11, 19, 19, 0, tzinfo=UTC)
    assert _first_hour(start + timedelta(minutes=30)) == start + timedelta(minutes=30)
