"""AGP: percentiles by local time of day, DST, and the get_agp action.

Each bin's percentiles are cross-checked against iglu-python's quantile_glu
(numpy's linear interpolation) on every sandbox user: equal to 1e-9.
"""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import iglu_python as iglu
import pandas as pd
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.dexcom_oauth.analytics.agp import PERCENTILES, agp, percentile
from custom_components.dexcom_oauth.analytics.history import ReadingHistory
from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.core import HomeAssistant, ServiceResponse
from homeassistant.exceptions import ServiceValidationError
from tests.common import egv

from .common import END, FIVE, USERS, sandbox_records, simulator_trace

ZONE = ZoneInfo("America/New_York")


@pytest.mark.parametrize("user", USERS)
def test_percentiles_match_iglu(user: str) -> None:
    """Every bin of every sandbox user equals iglu's quantiles of that bin."""
    history = ReadingHistory()
    history.add(simulator_trace(user))
    series = [(t, v) for t, v, _ in history.series()]
    profile = agp(series, ZONE)
    data = pd.DataFrame(
        {
            "id": [
                (t.astimezone(ZONE).hour * 60 + t.astimezone(ZONE).minute) // 15
                for t, _ in series
            ],
            "time": pd.to_datetime([t for t, _ in series], utc=True),
            "gl": [float(v) for _, v in series],
        }
    )
    expected = iglu.quantile_glu(data, quantiles=list(PERCENTILES)).set_index("id")
    assert len(profile) == 96
    for row in profile:
        assert row.percentiles is not None
        reference = expected.loc[str(row.minute // 15)]
        for share, value in zip(PERCENTILES, row.percentiles, strict=True):
            assert value == pytest.approx(float(reference[str(share)]), rel=1e-9)


def test_bins_follow_the_local_clock_across_dst() -> None:
    """On the day clocks go back, the repeated hour's bins hold its readings twice."""
    start = datetime(2026, 10, 31, 4, 0, tzinfo=UTC)  # midnight in New York
    series = [(start + i * FIVE, 100 + i % 7) for i in range(3 * 288 + 12)]
    profile = agp(series, ZONE)
    counts = {row.as_dict()["time"]: row.readings for row in profile}
    assert counts["00:00"] == 9
    assert counts["01:00"] == counts["01:45"] == 12  # 01:00-02:00 came twice
    assert counts["02:00"] == 9
    assert sum(counts.values()) == len(series)


def test_empty_bins_and_percentile_edges() -> None:
    """A bin without readings has no percentiles; one reading is every percentile."""
    profile = agp([(END, 120)], UTC)
    assert profile[72].as_dict() == {
        "time": "18:00",
        "readings": 1,
        "p5": 120.0,
        "p25": 120.0,
        "p50": 120.0,
        "p75": 120.0,
        "p95": 120.0,
    }
    assert profile[0].as_dict()["p50"] is None
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([1, 2, 3, 4], 100) == 4


async def get_agp(
    hass: HomeAssistant, entry: MockConfigEntry, **data: Any
) -> ServiceResponse:
    """Call the get_agp action for an entry and return its answer."""
    response = await hass.services.async_call(
        DOMAIN,
        "get_agp",
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return response


@pytest.fixture
def readings() -> list[dict[str, Any]]:
    """Fourteen days of SandboxUser2, ending an hour before NOW."""
    return sandbox_records("SandboxUser2")


@pytest.mark.usefixtures("init_integration")
async def test_get_agp_action(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
) -> None:
    """The action returns the profile in HA's time zone, the measures and episodes."""
    response = await get_agp(hass, config_entry)
    assert response["time_zone"] == str(hass.config.time_zone)
    assert response["end"] == hass.states.get("sensor.dexcom_reading_time").state
    assert len(response["profile"]) == 96
    assert all(row["readings"] > 0 for row in response["profile"])
    measures = response["measures"]
    assert measures["sufficient"]
    assert measures["time_in_range"] == pytest.approx(
        float(hass.states.get("sensor.dexcom_time_in_range_14_days").state), abs=0.01
    )
    assert measures["time_below_range"] == pytest.approx(
        measures["time_below_range_level_1"] + measures["time_below_range_level_2"],
        abs=0.02,
    )
    assert response["episodes"]
    assert {e["kind"] for e in response["episodes"]} <= {
        "hypo_level_1",
        "hypo_level_2",
        "hyper_level_2",
    }
    short = await get_agp(hass, config_entry, days=1)
    assert short["measures"]["readings"] < measures["readings"]


@pytest.mark.usefixtures("init_integration")
async def test_get_agp_without_enough_data(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    api_server: Any,
) -> None:
    """Too few readings: the measures are None, the sufficiency says why."""
    api_server.records[:] = [egv(END - timedelta(hours=1), 120)]
    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    response = await get_agp(hass, config_entry, days=14)
    assert response["measures"]["sufficient"] is False
    assert response["measures"]["time_in_range"] is None
    assert response["measures"]["cgm_active"] < 1
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "get_agp",
            {"config_entry_id": "not-an-entry"},
            blocking=True,
            return_response=True,
        )
