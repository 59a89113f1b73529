"""Binary sensors: does the latest current reading pass the user's own levels.

Evaluated with the alert levels of the schedule in force when the reading was
taken (Dexcom's app judged it then). Unavailable when the reading is stale:
an old low must not look like a current one. Unknown while the level is
off or unknown.
"""

from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.util import dt as dt_util

from .client import AlertName
from .coordinator import DexcomCoordinator
from .entity import DexcomEntity
from .thresholds import beyond, threshold


@dataclass(frozen=True, kw_only=True)
class DexcomThresholdBinaryDescription(BinarySensorEntityDescription):
    """Which alert level the reading is compared with."""

    alert: AlertName


THRESHOLD_BINARY_SENSORS: tuple[DexcomThresholdBinaryDescription, ...] = (
    DexcomThresholdBinaryDescription(
        key="below_low", translation_key="below_low", alert=AlertName.LOW
    ),
    DexcomThresholdBinaryDescription(
        key="above_high", translation_key="above_high", alert=AlertName.HIGH
    ),
    DexcomThresholdBinaryDescription(
        key="urgent_low", translation_key="urgent_low", alert=AlertName.URGENT_LOW
    ),
)


class DexcomThresholdBinarySensor(DexcomEntity, BinarySensorEntity):
    """On while the latest current reading is at or beyond an alert level."""

    entity_description: DexcomThresholdBinaryDescription

    @property
    @override
    def available(self) -> bool:
        """Only while the latest reading is current."""
        return self.coordinator.data.is_current(dt_util.utcnow())

    @property
    @override
    def is_on(self) -> bool | None:
        """Whether the reading passes the level in force when it was taken."""
        data = self.coordinator.data
        assert data.latest is not None  # available only with a current reading
        alert = self.entity_description.alert
        level = threshold(data.device, alert, data.latest.system_time)
        return None if level is None else beyond(data.latest, alert, level)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The reading's own time: Dexcom delivers it hours late."""
        latest = self.coordinator.data.latest
        return (
            None if latest is None else {"reading_time": latest.system_time.isoformat()}
        )


def threshold_binary_sensors(
    coordinator: DexcomCoordinator,
) -> list[DexcomThresholdBinarySensor]:
    """Build the level binary sensors of one account."""
    return [
        DexcomThresholdBinarySensor(coordinator, d) for d in THRESHOLD_BINARY_SENSORS
    ]
