"""Diagnostics: what a maintainer needs, with every secret and identifier redacted."""

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .coordinator import DexcomConfigEntry

TO_REDACT = {
    "access_token",
    "refresh_token",
    "client_id",
    "client_secret",
    "unique_id",
    "user_id",
    "record_id",
    "transmitter_id",
}

# Enough recent readings to see a pattern without dumping a day of data.
RECENT_READINGS = 12


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: DexcomConfigEntry
) -> dict[str, Any]:
    """Return the entry, the coordinator's state and recent readings."""
    coordinator = entry.runtime_data
    data = coordinator.data
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
            },
            "coordinator": {
                "last_update_success": coordinator.last_update_success,
                "update_interval": str(coordinator.update_interval),
                "readings_kept": len(data.readings),
                "data_delay": str(data.data_delay),
                "stale_after": str(data.stale_after),
            },
            "schedule": {
                "availability_offset": str(coordinator.schedule.offset),
                "expected_next_reading": str(
                    coordinator.schedule.expected_next(dt_util.utcnow())
                ),
                "stalled": coordinator.schedule.stalled(dt_util.utcnow()),
            },
            "device": asdict(data.device) if data.device else None,
            "latest": asdict(data.latest) if data.latest else None,
            "recent_readings": [asdict(r) for r in data.readings[-RECENT_READINGS:]],
        },
        TO_REDACT,
    )
