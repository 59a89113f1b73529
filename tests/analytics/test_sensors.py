"""Analytics sensors through the real config-entry lifecycle."""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.dexcom_oauth.analytics.history import ReadingHistory
from custom_components.dexcom_oauth.analytics.metrics import measures
from custom_components.dexcom_oauth.client import GlucoseUnit
from custom_components.dexcom_oauth.const import DOMAIN
from custom_components.dexcom_oauth.coordinator import DexcomData
from custom_components.dexcom_oauth.sensor_analytics import glucose_change
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from tests.common import (
    EGVS_URL,
    USER_ID,
    SetupIntegration,
    egv,
    egvs_payload,
    entity_state,
    history_queries,
    in_turn,
    mock_api,
)

from .common import END, FIVE, random_trace, sandbox_records, simulator_trace

SPAN = timedelta(days=14)


def state(hass: HomeAssistant, key: str) -> Any:
    """Return the state of the account's sensor with this key."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{USER_ID}_{key}"
    )
    assert entity_id is not None, key
    return entity_state(hass, entity_id)


@pytest.fixture
def readings() -> list[dict[str, Any]]:
    """Fourteen days of SandboxUser4, ending an hour before NOW."""
    return sandbox_records("SandboxUser4")


@pytest.mark.usefixtures("init_integration")
async def test_measures_of_14d_and_24h(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
) -> None:
    """One request fetches the 14 days; each sensor shows its window's measure."""
    assert len(history_queries(aioclient_mock)) == 1
    trace = simulator_trace("SandboxUser4")
    history = ReadingHistory()
    history.add(r for r in trace if r.system_time <= END - timedelta(hours=1))
    newest = history.newest
    assert newest is not None
    for window, span in (("14d", SPAN), ("24h", timedelta(hours=24))):
        expected = measures(
            history.values(newest - span, newest), newest - span, newest
        )
        assert expected.sufficient
        shown = {
            "time_in_range": expected.in_range,
            "time_below_range_level_1": expected.below_level_1,
            "time_below_range_level_2": expected.below_level_2,
            "time_above_range_level_1": expected.above_level_1,
            "time_above_range_level_2": expected.above_level_2,
            "glucose_cv": expected.cv,
            "mean_glucose": expected.mean,
            "cgm_active": expected.active_percent,
        }
        for name, value in shown.items():
            sensor = state(hass, f"{name}_{window}")
            assert float(sensor.state) == pytest.approx(value, abs=0.051), name
            assert sensor.attributes["readings"] == expected.readings
            assert sensor.attributes["window_end"] == newest.isoformat()
    gmi = state(hass, "gmi_14d")
    assert float(gmi.state) == pytest.approx(
        3.31 + 0.02392 * float(state(hass, "mean_glucose_14d").state), abs=0.01
    )
    assert gmi.attributes["gmi_mmol_mol"] > 0
    assert state(hass, "glucose_cv_14d").attributes["standard_deviation"] > 0


@pytest.mark.usefixtures("init_integration")
async def test_measures_turn_unknown_when_readings_stop(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without new readings the windows move on: CGM active falls, measures go unknown."""
    assert state(hass, "time_in_range_24h").state != "unknown"
    freezer.tick(timedelta(hours=12))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    recent = state(hass, "time_in_range_24h")
    assert recent.state == "unknown"
    assert recent.attributes["data_sufficiency"] < 70
    assert float(state(hass, "cgm_active_24h").state) < 70
    assert state(hass, "time_in_range_14d").state != "unknown"


async def test_history_request_failure_is_retried(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    readings: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed 14-day request is logged and asked again at the next poll."""
    answer = {"json": egvs_payload(readings)}
    aioclient_mock.get(EGVS_URL, side_effect=in_turn(answer, {"status": 500}, answer))
    mock_api(aioclient_mock, readings)
    await setup_integration()
    assert "could not fetch 14 days of readings" in caplog.text
    assert state(hass, "time_in_range_14d").state == "unknown"
    assert state(hass, "time_in_range_24h").state != "unknown"
    freezer.tick(timedelta(minutes=10))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert len(history_queries(aioclient_mock)) == 2
    assert state(hass, "time_in_range_14d").state != "unknown"


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("readings", "change"),
    [
        (
            [
                egv(END - timedelta(hours=1) - FIVE, 100),
                egv(END - timedelta(hours=1), 93),
            ],
            "-7",
        ),
        (
            [
                egv(END - timedelta(hours=1) - 3 * FIVE, 100),
                egv(END - timedelta(hours=1), 93),
            ],
            "unknown",
        ),
        (
            [
                egv(END - timedelta(hours=1) - FIVE, None, status="low"),
                egv(END - timedelta(hours=1), 45),
            ],
            "unknown",
        ),
        ([egv(END - timedelta(hours=1), 93)], "unknown"),
    ],
    ids=["five_minutes", "gap", "low", "single"],
)
async def test_glucose_change(
    hass: HomeAssistant,
    change: str,
) -> None:
    """The change needs a previous reading at most 10 minutes older, neither LOW nor HIGH."""
    assert state(hass, "glucose_change").state == change


def test_random_trace_is_usable() -> None:
    """The random traces make full windows too (used by the bench)."""
    assert random_trace(1)


def test_no_change_without_readings() -> None:
    """No reading, no change."""
    data = DexcomData(
        readings=(),
        latest=None,
        data_delay=None,
        stale_after=timedelta(hours=3),
        device=None,
        unit=GlucoseUnit.MG_DL,
    )
    assert glucose_change(data) is None


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    "readings",
    [
        [
            egv(END - timedelta(hours=1) - i * FIVE, 5.5 + (i % 2) * 0.1, unit="mmol/L")
            for i in range(288)
        ]
    ],
)
async def test_mmol_account_sees_mmol(
    hass: HomeAssistant,
) -> None:
    """An mmol/L account's mean glucose and glucose change are shown in mmol/L."""
    mean = state(hass, "mean_glucose_24h")
    assert mean.attributes["unit_of_measurement"] == "mmol/L"
    assert float(mean.state) == pytest.approx(5.55, abs=0.03)
    change = state(hass, "glucose_change")
    assert change.attributes["unit_of_measurement"] == "mmol/L"
    assert abs(float(change.state)) == pytest.approx(0.1, abs=0.03)
