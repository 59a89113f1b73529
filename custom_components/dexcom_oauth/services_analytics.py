"""The get_agp action: the ambulatory glucose profile, measures and episodes.

Computed from the kept 14 days at the readings' true times, binned by Home
Assistant's time zone; no request to Dexcom.
"""

from datetime import timedelta
from typing import Final

import probatio

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv, service
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType

from .analytics.agp import BIN_MINUTES, agp
from .analytics.episodes import find_episodes
from .analytics.metrics import Measures
from .const import DOMAIN
from .coordinator import DexcomConfigEntry

SERVICE_GET_AGP: Final = "get_agp"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DAYS: Final = "days"

GET_AGP_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        probatio.Optional(ATTR_DAYS, default=14): probatio.All(
            probatio.Coerce(int), probatio.Range(min=1, max=14)
        ),
    }
)


def measures_dict(measures: Measures) -> dict[str, JsonValueType]:
    """Return the measures JSON-safe; None where the data is insufficient."""
    enough = measures.sufficient

    def shown(value: float | None, digits: int = 2) -> float | None:
        return None if value is None or not enough else round(value, digits)

    return {
        "readings": measures.readings,
        "expected_readings": measures.expected,
        "cgm_active": round(measures.active_percent, 2),
        "sufficient": enough,
        "time_in_range": shown(measures.in_range),
        "time_below_range": shown(measures.below_range),
        "time_below_range_level_1": shown(measures.below_level_1),
        "time_below_range_level_2": shown(measures.below_level_2),
        "time_above_range": shown(measures.above_range),
        "time_above_range_level_1": shown(measures.above_level_1),
        "time_above_range_level_2": shown(measures.above_level_2),
        "mean": shown(measures.mean, 1),
        "sd": shown(measures.sd, 1),
        "cv": shown(measures.cv),
        "gmi_percent": shown(measures.gmi_percent),
        "gmi_mmol_mol": shown(measures.gmi_mmol_mol, 1),
    }


async def _async_get_agp(call: ServiceCall) -> ServiceResponse:
    """Return the profile, measures and episodes of the last `days` days."""
    entry: DexcomConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    analytics = entry.runtime_data.analytics
    end = analytics.window_end()
    span = timedelta(days=call.data[ATTR_DAYS])
    start = end - span
    series = [
        (time, value)
        for time, value, _ in analytics.history.series(
            start, end + timedelta(seconds=1)
        )
        if time > start
    ]
    time_zone = dt_util.get_default_time_zone()
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "time_zone": str(time_zone),
        "unit": "mg/dL",
        "bin_minutes": BIN_MINUTES,
        "measures": measures_dict(analytics.measure(end, span)),
        "profile": [b.as_dict() for b in agp(series, time_zone)],
        "episodes": [e.as_dict() for e in find_episodes(series)],
    }


@callback
def async_setup_analytics_services(hass: HomeAssistant) -> None:
    """Register the analytics action."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_AGP,
        _async_get_agp,
        schema=GET_AGP_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
