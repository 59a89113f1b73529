"""The user's own settings and logs through the real config-entry lifecycle.

Alert levels and the level binary sensors, the Dexcom alert event entity
(once per record, across restarts), the last-event sensors (edits and
deletions correct them) and what unusable log data becomes.
"""

from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.logs import LOGS_INTERVAL
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant

from .common import (
    ALERTS_URL,
    EVENTS_URL,
    NEWEST,
    POLL,
    START,
    Advance,
    EgvsServer,
    SetupIntegration,
    alert,
    async_advance,
    egv,
    entity_state,
    event,
    requests_to,
    series,
)

LOW_LEVEL = "sensor.dexcom_low_alert_level"
HIGH_LEVEL = "sensor.dexcom_high_alert_level"
BELOW_LOW = "binary_sensor.dexcom_below_low"
ABOVE_HIGH = "binary_sensor.dexcom_above_high"
URGENT_LOW = "binary_sensor.dexcom_urgent_low"
ALERT = "event.dexcom_dexcom_alert"
CARBS = "sensor.dexcom_last_carbs"
FAST = "sensor.dexcom_last_fast_acting_insulin"
LONG = "sensor.dexcom_last_long_acting_insulin"
EXERCISE = "sensor.dexcom_last_exercise"


async def next_reading(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    api_server: EgvsServer,
    value: int = 120,
) -> None:
    """Let Dexcom receive the next reading and the coordinator fetch it."""
    newest = max(r["systemTime"] for r in api_server.records)
    taken = datetime.fromisoformat(newest).replace(tzinfo=START.tzinfo) + POLL
    api_server.records.append(egv(taken, value))
    await async_advance(hass, freezer, POLL)


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("readings", [[*series(NEWEST - POLL, 11), egv(NEWEST, 62)]])
async def test_levels_and_level_binary_sensors(
    hass: HomeAssistant,
    advance: Advance,
) -> None:
    """The low level comes from the schedule; the reading is judged against it."""
    assert entity_state(hass, LOW_LEVEL).state == "70.0"
    assert entity_state(hass, LOW_LEVEL).attributes["schedule"] == "Default"
    assert entity_state(hass, HIGH_LEVEL).state == STATE_UNKNOWN  # no high alert set
    below = entity_state(hass, BELOW_LOW)
    assert below.state == "on"
    assert below.attributes["reading_time"] == NEWEST.isoformat()
    assert entity_state(hass, ABOVE_HIGH).state == STATE_UNKNOWN
    assert entity_state(hass, URGENT_LOW).state == STATE_UNKNOWN

    # No newer reading comes: the old low must not pass for a current one.
    await advance(timedelta(hours=3, minutes=1))
    assert entity_state(hass, BELOW_LOW).state == STATE_UNAVAILABLE
    assert entity_state(hass, LOW_LEVEL).state == "70.0"


async def test_alerts_fire_once_with_their_own_time(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    freezer: FrozenDateTimeFactory,
    api_server: EgvsServer,
    alerts_server: EgvsServer,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Alerts found at linking are history; a new one fires once, even after a reload."""
    alerts_server.records.append(alert(NEWEST - timedelta(hours=5), "low"))
    entry = await setup_integration()
    assert entity_state(hass, ALERT).state == STATE_UNKNOWN

    # The next reading enters the low zone: alerts are fetched at once.
    fired_at = NEWEST + POLL
    alerts_server.records.append(alert(fired_at, "urgentLow"))
    before = len(requests_to(aioclient_mock, ALERTS_URL))
    await next_reading(hass, freezer, api_server, 50)
    assert len(requests_to(aioclient_mock, ALERTS_URL)) == before + 1
    fired = entity_state(hass, ALERT)
    assert fired.attributes["event_type"] == "urgent_low"
    assert fired.attributes["alert_time"] == fired_at.isoformat()
    assert fired.attributes["alert_state"] == "activeAlarming"
    assert fired.attributes["alert_name"] == "urgentLow"

    # Readings in range: no alerts request until LOGS_INTERVAL has passed.
    before = len(requests_to(aioclient_mock, ALERTS_URL))
    await next_reading(hass, freezer, api_server)
    assert len(requests_to(aioclient_mock, ALERTS_URL)) == before

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entity_state(hass, ALERT).state == fired.state  # nothing fired again


@pytest.mark.parametrize("seen", [{"old": None, "bad": 7}, None])
async def test_alerts_found_while_down_fire_after_a_restart(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    seen: dict[str, Any] | None,
    config_entry: MockConfigEntry,
    alerts_server: EgvsServer,
    hass_storage: dict[str, Any],
) -> None:
    """An alert unseen before the restart fires once the entity exists."""
    hass_storage[f"{DOMAIN}.{config_entry.entry_id}.alerts"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{config_entry.entry_id}.alerts",
        "data": {
            "linked": True,
            "seen": None
            if seen is None
            else {**seen, "old": (NEWEST - timedelta(hours=3)).isoformat()},
            "alerts_from": (NEWEST - timedelta(hours=2)).isoformat(),
        },
    }
    alerts_server.records.extend(
        [alert(NEWEST - timedelta(hours=3), "low", record_id="old")]
        if seen is not None
        else []
    )
    alerts_server.records.append(
        alert(NEWEST - timedelta(minutes=30), "high", state="newState")
    )
    await setup_integration()

    fired = entity_state(hass, ALERT)
    assert fired.attributes["event_type"] == "high"
    assert fired.attributes["alert_state"] == "unknown"


async def test_last_events_follow_edits_and_deletions(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    freezer: FrozenDateTimeFactory,
    api_server: EgvsServer,
    events_server: EgvsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each last-event sensor shows the newest entry; edits and deletions correct it."""
    lunch = NEWEST - timedelta(hours=2)
    events_server.records.extend(
        [
            event(lunch, "carbs", "45", record_id="lunch"),
            event(lunch, "insulin", 4.5, sub_type="fastActing", unit="units"),
            event(
                lunch + timedelta(minutes=30),
                "insulin",
                2,
                sub_type="fastActing",
                unit="units",
                record_id="correction",
            ),
            event(
                NEWEST - timedelta(days=3),
                "insulin",
                20,
                sub_type="longActing",
                unit="units",
            ),
            event(lunch, "exercise", 30, sub_type="light", unit="minutes"),
            event(lunch, "carbs", "lots", record_id="odd"),
            event(lunch, "insulin", 3, sub_type="inhaled", unit="units"),
            event(lunch, "health", 1, sub_type="stress", unit="unknown"),
        ]
    )
    await setup_integration()

    carbs = entity_state(hass, CARBS)
    assert carbs.state == "45.0"
    assert carbs.attributes["event_time"] == lunch.isoformat()
    assert entity_state(hass, FAST).state == "2.0"
    assert entity_state(hass, LONG).state == "20.0"
    exercise = entity_state(hass, EXERCISE)
    assert (exercise.state, exercise.attributes["intensity"]) == ("30.0", "light")
    assert caplog.text.count("with an unusable value") == 1
    assert caplog.text.count("with an unknown sub-type") == 1

    events_server.records[0] = event(
        lunch, "carbs", 50, status="updated", record_id="lunch"
    )
    events_server.records[2] = event(
        lunch + timedelta(minutes=30),
        "insulin",
        2,
        sub_type="fastActing",
        unit="units",
        status="deleted",
        record_id="correction",
    )
    events_server.records.append(event(lunch, "carbs", "many", record_id="odd2"))
    for _ in range(int(LOGS_INTERVAL / POLL)):
        await next_reading(hass, freezer, api_server)
    assert entity_state(hass, CARBS).state == "50.0"
    assert entity_state(hass, FAST).state == "4.5"
    assert caplog.text.count("with an unusable value") == 1  # logged once


async def test_log_failures_never_break_the_readings(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    freezer: FrozenDateTimeFactory,
    api_server: EgvsServer,
    alerts_server: EgvsServer,
    events_server: EgvsServer,
    aioclient_mock: AiohttpClientMocker,
    advance: Advance,
) -> None:
    """Failed alerts or events requests keep the glucose; they are retried later."""
    events_server.fail(status=HTTPStatus.SERVICE_UNAVAILABLE)
    alerts_server.fail(status=HTTPStatus.SERVICE_UNAVAILABLE)
    events_server.records.append(event(NEWEST, "carbs", 12))
    await setup_integration()
    assert entity_state(hass, "sensor.dexcom_glucose_value").state == "132"
    assert entity_state(hass, CARBS).state == STATE_UNKNOWN

    # The first fetch is retried at the next poll; later ones wait for readings.
    await advance(POLL)
    assert len(requests_to(aioclient_mock, EVENTS_URL)) == 2
    assert entity_state(hass, CARBS).state == "12.0"
    await advance(POLL)
    assert len(requests_to(aioclient_mock, EVENTS_URL)) == 2

    # An endpoint that keeps failing is asked less and less often: after 5, 10,
    # 20, 40 and 80 minutes, then every LOGS_INTERVAL, however many readings come.
    alerts_server.fail(times=100, status=HTTPStatus.FORBIDDEN)
    before = len(requests_to(aioclient_mock, ALERTS_URL))
    for _ in range(int(timedelta(hours=5) / POLL)):
        await next_reading(hass, freezer, api_server)
    assert 5 <= len(requests_to(aioclient_mock, ALERTS_URL)) - before <= 7
    assert entity_state(hass, "sensor.dexcom_glucose_value").state == "120"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    "readings",
    [[egv(NEWEST - POLL * i, 120, unit="mmol/L") for i in range(3)]],
)
async def test_levels_follow_an_mmol_account(
    hass: HomeAssistant,
) -> None:
    """An mmol/L account sees its levels in mmol/L, with a decimal."""
    low = entity_state(hass, LOW_LEVEL)
    assert low.attributes["unit_of_measurement"] == "mmol/L"
    assert round(float(low.state), 1) == 3.9


@pytest.mark.usefixtures("init_integration")
async def test_get_events_action(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    events_server: EgvsServer,
) -> None:
    """get_events returns the range's events at their times; deleted ones are left out."""
    events_server.records.extend(
        [
            event(NEWEST - timedelta(hours=1), "carbs", "30"),
            event(NEWEST, "insulin", 3, sub_type="fastActing", unit="units"),
            event(NEWEST, "carbs", 10, status="deleted", record_id="gone"),
            event(NEWEST + timedelta(minutes=30), "carbs", 5),
        ]
    )
    response = await hass.services.async_call(
        DOMAIN,
        "get_events",
        {
            "config_entry_id": config_entry.entry_id,
            "start": (NEWEST - timedelta(hours=1)).isoformat(),
            "end": (NEWEST + timedelta(minutes=30)).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert response == {
        "events": [
            {
                "time": (NEWEST - timedelta(hours=1)).isoformat(),
                "type": "carbs",
                "sub_type": None,
                "value": 30.0,
                "unit": "grams",
                "status": "created",
            },
            {
                "time": NEWEST.isoformat(),
                "type": "insulin",
                "sub_type": "fastActing",
                "value": 3.0,
                "unit": "units",
                "status": "created",
            },
        ]
    }


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("readings", [[]])
async def test_account_without_readings(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Without readings the logs are still fetched; level binary sensors wait."""
    assert len(requests_to(aioclient_mock, ALERTS_URL)) == 1
    assert entity_state(hass, BELOW_LOW).state == STATE_UNAVAILABLE
    assert entity_state(hass, LOW_LEVEL).state == "70.0"
    assert entity_state(hass, CARBS).state == STATE_UNKNOWN
