"""Diagnostics: what a maintainer needs, shown by allow-list.

Only fields known to be harmless are shown; anything else (tokens, the client
secret, Dexcom's userId, record and transmitter ids, and whatever new field
the token endpoint or the API adds one day) is redacted.
"""

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import REDACTED
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .coordinator import DexcomConfigEntry

ENTRY_FIELDS = {"auth_implementation", "region", "base_url", "token"}
TOKEN_FIELDS = {"token_type", "expires_in", "expires_at", "scope"}
READING_FIELDS = {
    "system_time",
    "display_time",
    "value",
    "status",
    "trend",
    "trend_rate",
    "unit",
    "transmitter_generation",
    "display_device",
    "display_app",
}
DEVICE_FIELDS = {
    "transmitter_generation",
    "display_device",
    "display_app",
    "last_upload_date",
    "alert_settings",
    "alert_schedules",
}

# Enough recent readings to see a pattern without dumping a day of data.
RECENT_READINGS = 12


def _allowed(data: Mapping[str, Any], fields: set[str]) -> dict[str, Any]:
    """Keep the allowed fields' values; redact every other field."""
    return {key: value if key in fields else REDACTED for key, value in data.items()}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: DexcomConfigEntry
) -> dict[str, Any]:
    """Return the entry, the coordinator's state and recent readings."""
    coordinator = entry.runtime_data
    data = coordinator.data
    now = dt_util.utcnow()
    entry_data = _allowed(entry.data, ENTRY_FIELDS)
    entry_data["token"] = _allowed(entry.data["token"], TOKEN_FIELDS)
    problem = coordinator.problem
    backlog = coordinator.window.backlog
    return {
        "entry": {"title": entry.title, "unique_id": REDACTED, "data": entry_data},
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "update_interval": str(coordinator.update_interval),
            "readings_kept": len(data.readings),
            "data_delay": str(data.data_delay),
            "stale_after": str(data.stale_after),
            "unit": data.unit.value,
            "problem": None if problem is None else problem.kind,
            "backlog_until": None if backlog is None else backlog.until.isoformat(),
        },
        "schedule": {
            "availability_offset": str(coordinator.schedule.offset),
            "expected_next_reading": str(coordinator.schedule.expected_next(now)),
            "stalled": coordinator.schedule.stalled(now),
        },
        "logs": dict(coordinator.logs.diagnostics()),
        "device": _allowed(asdict(data.device), DEVICE_FIELDS) if data.device else None,
        "latest": _allowed(asdict(data.latest), READING_FIELDS)
        if data.latest
        else None,
        "recent_readings": [
            _allowed(asdict(r), READING_FIELDS)
            for r in data.readings[-RECENT_READINGS:]
        ],
    }
