"""The coordinator: incremental fetching, merging, bounds, failures, learned delay."""

from datetime import datetime, timedelta
from http import HTTPStatus
import logging
from typing import Any

from aiohttp import ClientConnectionError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.coordinator import DexcomCoordinator, DexcomData
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .common import (
    DEVICES_URL,
    EGVS_URL,
    POLL,
    START,
    TOKEN_URL,
    USER_ID,
    Advance,
    EgvsServer,
    SetupIntegration,
    egv,
    egvs_queries,
    requests_to,
    series,
    token_payload,
)

VALUE_ENTITY = "sensor.dexcom_glucose_value"
COORDINATOR_LOGGER = "custom_components.dexcom_oauth.coordinator"


def at(clock: str) -> datetime:
    """Return a UTC time on the test day from "hh:mm" or "hh:mm:ss"."""
    return datetime.fromisoformat(f"2026-11-23T{clock}+00:00")


def data_of(entry: MockConfigEntry) -> DexcomData:
    """Return what the entry's coordinator holds."""
    coordinator: DexcomCoordinator = entry.runtime_data
    return coordinator.data


def kept_ids(entry: MockConfigEntry) -> list[str]:
    """Return the record ids kept, in the order they are kept."""
    return [reading.record_id for reading in data_of(entry).readings]


def coordinator_messages(
    caplog: pytest.LogCaptureFixture, level: int, start: str
) -> list[str]:
    """Return the coordinator's messages of one level that start with `start`.

    Setup fixtures run in pytest's setup phase, so its records count too.
    """
    return [
        record.getMessage()
        for record in caplog.get_records("setup") + caplog.records
        if record.name == COORDINATOR_LOGGER
        and record.levelno == level
        and record.getMessage().startswith(start)
    ]


@pytest.mark.usefixtures("init_integration")
async def test_fetches_incrementally(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    aioclient_mock: AiohttpClientMocker,
    advance: Advance,
) -> None:
    """The first refresh asks for a day; later ones from 15 min before the newest."""
    assert egvs_queries(aioclient_mock) == [
        {"startDate": "2026-11-22T18:00:00", "endDate": "2026-11-23T18:00:00"}
    ]
    assert len(data_of(config_entry).readings) == 12

    api_server.records.append(egv(at("17:05"), 134))
    await advance(POLL)
    # Nothing new: the newest is still 17:05.
    await advance(POLL)
    api_server.records += [egv(at("17:10"), 136), egv(at("17:15"), 138)]
    await advance(POLL)
    await advance(POLL)

    assert egvs_queries(aioclient_mock)[1:] == [
        {"startDate": "2026-11-23T16:45:00", "endDate": "2026-11-23T18:05:00"},
        {"startDate": "2026-11-23T16:50:00", "endDate": "2026-11-23T18:10:00"},
        {"startDate": "2026-11-23T16:50:00", "endDate": "2026-11-23T18:15:00"},
        {"startDate": "2026-11-23T17:00:00", "endDate": "2026-11-23T18:20:00"},
    ]
    data = data_of(config_entry)
    assert len(data.readings) == 15
    assert data.latest is not None
    assert data.latest.system_time == at("17:15")
    assert hass.states.get(VALUE_ENTITY).state == "138"


@pytest.mark.usefixtures("init_integration")
async def test_devices_fetched_twice_a_day(
    aioclient_mock: AiohttpClientMocker,
    advance: Advance,
) -> None:
    """The device list changes rarely, so it is not fetched on every refresh."""
    assert len(requests_to(aioclient_mock, DEVICES_URL)) == 1
    for _ in range(3):
        await advance(POLL)
    assert len(requests_to(aioclient_mock, DEVICES_URL)) == 1

    await advance(timedelta(hours=12))
    assert len(requests_to(aioclient_mock, DEVICES_URL)) == 2


@pytest.mark.parametrize(
    "failure",
    [{"status": HTTPStatus.SERVICE_UNAVAILABLE}, {"exc": TimeoutError()}],
    ids=["503", "timeout"],
)
async def test_devices_failure_is_not_fatal(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
    device_registry: dr.DeviceRegistry,
    failure: dict[str, Any],
) -> None:
    """Without the device list the readings still load; the model stays unknown."""
    aioclient_mock.get(DEVICES_URL, **failure)
    api_server = EgvsServer(readings)
    aioclient_mock.get(EGVS_URL, side_effect=api_server)
    entry = await setup_integration()

    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(VALUE_ENTITY).state == "132"
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, USER_ID), entry.entry_id
    )
    assert device is not None
    assert device.model is None


async def test_devices_rejected_after_refresh_is_transient(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
) -> None:
    """A device list refused even with a fresh token does not stop the readings.

    The refresh token still works, so it is no reason to re-link.
    """
    aioclient_mock.post(TOKEN_URL, json=token_payload())
    aioclient_mock.get(DEVICES_URL, status=HTTPStatus.UNAUTHORIZED)
    aioclient_mock.get(EGVS_URL, side_effect=EgvsServer(readings))
    entry = await setup_integration()

    assert entry.state is ConfigEntryState.LOADED
    assert not hass.config_entries.flow.async_progress()
    assert hass.states.get(VALUE_ENTITY).state == "132"


@pytest.mark.usefixtures("init_integration")
async def test_duplicates_counted_once(
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    advance: Advance,
) -> None:
    """A record sent twice, in one answer or again in the overlap, is kept once."""
    twice = egv(at("17:05"), 134)
    api_server.records += [twice, dict(twice)]

    for _ in range(3):
        await advance(POLL)

    ids = kept_ids(config_entry)
    assert len(ids) == len(set(ids)) == 13
    assert ids.count(twice["recordId"]) == 1


@pytest.mark.usefixtures("init_integration")
async def test_late_record_merged_in_order(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    advance: Advance,
) -> None:
    """A record that arrives after newer ones takes its place by systemTime."""
    late = egv(at("16:52:30"), 99, record_id="late-record")
    api_server.records += [egv(at("17:05"), 134), late]

    await advance(POLL)

    readings = data_of(config_entry).readings
    times = [reading.system_time for reading in readings]
    assert times == sorted(times)
    assert len(readings) == 14
    assert "late-record" in kept_ids(config_entry)
    late_index = kept_ids(config_entry).index("late-record")
    assert readings[late_index - 1].system_time == at("16:50")
    assert readings[late_index + 1].system_time == at("16:55")
    # The late record is older, so it does not become the latest.
    assert data_of(config_entry).latest is not None
    assert data_of(config_entry).latest.system_time == at("17:05")
    assert hass.states.get(VALUE_ENTITY).state == "134"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("readings", [series(at("17:00"), 300)])
async def test_kept_window_bounded(
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    advance: Advance,
) -> None:
    """Only the 24 h before the newest reading stay in memory."""
    readings = data_of(config_entry).readings
    # The server only sends what lies inside the asked 24 h.
    assert readings[0].system_time == START - timedelta(hours=24)
    assert readings[-1].system_time == at("17:00")

    api_server.records += series(at("19:00"), 24, start_value=140)
    await advance(timedelta(hours=2))

    readings = data_of(config_entry).readings
    newest = readings[-1].system_time
    assert newest == at("19:00")
    assert readings[0].system_time == newest - timedelta(hours=24)
    assert len(readings) == 24 * 12 + 1


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    "readings",
    [
        [
            *series(at("17:00"), 12),
            {**egv(at("16:30")), "recordId": None},
            {**egv(at("16:40")), "systemTime": None},
        ]
    ],
)
async def test_skipped_records_logged_once(
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    advance: Advance,
) -> None:
    """Records without an id or time are ignored and reported once."""
    for _ in range(3):
        await advance(POLL)

    assert len(data_of(config_entry).readings) == 12
    warnings = coordinator_messages(caplog, logging.WARNING, "Dexcom: Dexcom sent")
    assert warnings == [
        (
            "Dexcom: Dexcom sent 2 reading(s) without a usable record id or time"
            " (for example '2026-11-23T16:30:00'); they are ignored (logged once)"
        )
    ]


@pytest.mark.usefixtures("init_integration")
async def test_unusable_values_logged_once_per_kind(
    hass: HomeAssistant,
    api_server: EgvsServer,
    caplog: pytest.LogCaptureFixture,
    advance: Advance,
) -> None:
    """An unknown trend, status or value is logged once at WARNING with its raw value."""
    for minute in (5, 10, 15):
        api_server.records.append(
            {
                **egv(at("17:00") + timedelta(minutes=minute)),
                "trend": "tripleUpX",
                "status": "sideways",
                "value": "abc",
            }
        )
        await advance(POLL)
    warnings = coordinator_messages(caplog, logging.WARNING, "Dexcom: Dexcom sent")
    assert sorted(warnings) == [
        (
            "Dexcom: Dexcom sent 1 reading(s) with an unknown status (for example"
            " 'sideways'); it is taken as unknown (logged once)"
        ),
        (
            "Dexcom: Dexcom sent 1 reading(s) with an unknown trend (for example"
            " 'tripleUpX'); the trend shows as unknown (logged once)"
        ),
        (
            "Dexcom: Dexcom sent 1 reading(s) with an unusable glucose value (for"
            " example 'abc'); the value is not shown (logged once)"
        ),
    ]
    # Such readings say nothing about glucose: the last real one stays.
    assert hass.states.get(VALUE_ENTITY).state == "132"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("headers", "earliest", "latest"),
    [
        ({"Retry-After": "900"}, timedelta(minutes=15), timedelta(minutes=15)),
        (
            {"Retry-After": "Mon, 23 Nov 2026 18:25:00 GMT"},
            at("18:25") - START,
            at("18:25") - START,
        ),
        ({"Retry-After": "7200"}, timedelta(hours=1), timedelta(hours=1)),
        ({"Retry-After": "0"}, timedelta(seconds=30), timedelta(minutes=5)),
        ({"Retry-After": "3"}, timedelta(seconds=30), timedelta(minutes=5)),
        (
            {"Retry-After": "Mon, 23 Nov 2026 17:00:00 GMT"},
            timedelta(seconds=30),
            timedelta(minutes=5),
        ),
        ({"Retry-After": "soon"}, timedelta(seconds=30), timedelta(minutes=5)),
        ({}, timedelta(seconds=30), timedelta(minutes=5)),
    ],
    ids=[
        "seconds",
        "http_date",
        "above_an_hour",
        "zero",
        "three",
        "past",
        "garbage",
        "missing",
    ],
)
async def test_rate_limit_waits_within_bounds(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    aioclient_mock: AiohttpClientMocker,
    headers: dict[str, str],
    earliest: timedelta,
    latest: timedelta,
    advance: Advance,
) -> None:
    """Retry-After is honoured from 30 s (the back-off) up to one hour, in every form.

    The next request is timed by Home Assistant's own coordinator timer, so
    this fails if a raw Retry-After ever reaches UpdateFailed.
    """
    api_server.fail(status=HTTPStatus.TOO_MANY_REQUESTS, headers=headers)
    api_server.records.append(egv(at("17:05"), 134))
    first_wait = config_entry.runtime_data.update_interval
    await advance(first_wait)
    if headers.get("Retry-After", "").endswith("18:25:00 GMT"):
        earliest = latest = latest - first_wait  # a date counts from the request
    assert len(egvs_queries(aioclient_mock)) == 2
    # The 17:00 reading is still the latest: a 429 says nothing about it.
    assert hass.states.get(VALUE_ENTITY).state == "132"
    assert hass.states.get("binary_sensor.dexcom_api_status").state == "on"

    await advance(earliest - timedelta(seconds=2))
    assert len(egvs_queries(aioclient_mock)) == 2, "asked again too early"
    await advance(latest - earliest + timedelta(seconds=4))
    assert len(egvs_queries(aioclient_mock)) == 3
    assert config_entry.runtime_data.window.newest.system_time == at("17:05")
    assert hass.states.get("binary_sensor.dexcom_api_status").state == "off"


@pytest.mark.usefixtures("init_integration")
async def test_outage_logged_once_and_nothing_lost(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    advance: Advance,
) -> None:
    """An outage is logged when it starts and when it ends; readings survive it.

    The entities keep showing the latest reading while it is current: a
    failed request says nothing about it. The API entity shows the outage.
    """
    before = kept_ids(config_entry)
    api_server.fail(status=HTTPStatus.SERVICE_UNAVAILABLE)
    api_server.fail(exc=TimeoutError())
    api_server.fail(exc=ClientConnectionError())
    api_server.fail(status=HTTPStatus.BAD_GATEWAY)

    for minutes in (5, 10, 15, 20):
        api_server.records.append(egv(at("17:00") + timedelta(minutes=minutes), 140))
        await advance(POLL)
        assert hass.states.get(VALUE_ENTITY).state == "132"
        assert hass.states.get("sensor.dexcom_reading_time").state != STATE_UNAVAILABLE
        problem = hass.states.get("binary_sensor.dexcom_api_status")
        assert problem.state == "on"
        assert problem.attributes["error"] == "connection"
        assert config_entry.runtime_data.last_update_success is False
        assert kept_ids(config_entry) == before

    await advance(POLL)
    await advance(POLL)

    errors = coordinator_messages(caplog, logging.ERROR, "Error fetching dexcom_oauth")
    assert errors == [
        (
            "Error fetching dexcom_oauth (Dexcom) data: Error fetching glucose readings"
            " from Dexcom: egvs: HTTP 503"
        )
    ]
    recoveries = coordinator_messages(caplog, logging.INFO, "Fetching dexcom_oauth")
    assert recoveries == ["Fetching dexcom_oauth (Dexcom) data recovered"]
    assert hass.states.get("binary_sensor.dexcom_api_status").state == "off"
    # The first request after the outage still starts at the stored newest.
    assert egvs_queries(aioclient_mock)[5]["startDate"] == "2026-11-23T16:45:00"
    after = kept_ids(config_entry)
    assert after[: len(before)] == before
    assert len(after) == len(before) + 4
    assert hass.states.get(VALUE_ENTITY).state == "140"


async def test_data_delay_is_the_learned_availability_offset(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    coordinator: DexcomCoordinator,
    api_server: EgvsServer,
    advance: Advance,
) -> None:
    """One estimator: Data delay and staleness use the schedule's learned offset."""
    # At 18:00 the newest reading is from 17:00 and the next one is not there:
    # the offset lies between 55 and 60 minutes; learning starts at the low end.
    assert data_of(config_entry).data_delay == coordinator.schedule.offset
    assert data_of(config_entry).data_delay == timedelta(minutes=55)
    assert data_of(config_entry).stale_after == timedelta(minutes=85)
    assert hass.states.get("sensor.dexcom_data_delay").state == "55.0"

    # Each next reading is there when the schedule asks for it.
    for minute in range(5, 65, 5):
        api_server.records.append(egv(at("17:00") + timedelta(minutes=minute)))
        while coordinator.window.newest.system_time < at("17:00") + timedelta(
            minutes=minute
        ):
            await advance(coordinator.update_interval)
    delay = data_of(config_entry).data_delay
    assert delay == coordinator.schedule.offset
    assert timedelta(minutes=50) <= delay <= timedelta(minutes=61)
    assert data_of(config_entry).stale_after == delay + timedelta(minutes=30)


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("readings", [series(START - timedelta(hours=5), 12)])
async def test_data_delay_capped(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """A delay above Dexcom's documented three hours does not stretch staleness."""
    data = data_of(config_entry)
    assert data.data_delay == timedelta(hours=4, minutes=55)
    assert data.stale_after == timedelta(hours=3, minutes=30)
    assert hass.states.get(VALUE_ENTITY).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("readings", [[]])
async def test_no_readings_yet(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """An account without readings loads; the documented delay is assumed."""
    data = data_of(config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert data.readings == ()
    assert data.latest is None
    assert data.data_delay is None
    assert data.stale_after == timedelta(hours=3, minutes=30)


@pytest.mark.usefixtures("init_integration")
async def test_late_filled_record_is_no_delay_sample(
    config_entry: MockConfigEntry,
    api_server: EgvsServer,
    advance: Advance,
) -> None:
    """An older record filled in late does not make Dexcom look slower."""
    before = data_of(config_entry).data_delay
    api_server.records.append(egv(at("16:57:30"), 125, record_id="late-fill"))
    await advance(
        config_entry.runtime_data.update_interval + timedelta(seconds=1),
    )
    assert "late-fill" in kept_ids(config_entry)
    assert data_of(config_entry).data_delay <= before + timedelta(seconds=12)


@pytest.mark.parametrize(
    "readings",
    [[*series(at("17:00"), 12), egv(at("17:00") + timedelta(days=365), 250)]],
)
async def test_record_outside_the_window_never_becomes_latest(
    hass: HomeAssistant,
    api_payloads: None,
    setup_integration: SetupIntegration,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    advance: Advance,
) -> None:
    """A record dated a year ahead is dropped and logged once; real readings go on."""
    entry = await setup_integration()
    assert hass.states.get(VALUE_ENTITY).state == "132"
    assert data_of(entry).latest.system_time == at("17:00")
    # The next poll asks from just before the real newest reading, not the future.
    await advance(entry.runtime_data.update_interval)
    assert egvs_queries(aioclient_mock)[-1]["startDate"] == "2026-11-23T16:45:00"
    warnings = coordinator_messages(caplog, logging.WARNING, "Dexcom: Dexcom sent")
    assert len(warnings) == 1
    assert "outside the requested time window" in warnings[0]
