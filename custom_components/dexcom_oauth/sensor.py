"""Glucose sensors: value, trend, trend rate, range status, reading time, delay."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfBloodGlucoseConcentration,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .client import GlucoseReading, GlucoseUnit
from .coordinator import DexcomConfigEntry, DexcomCoordinator, DexcomData
from .entity import DexcomEntity
from .readings import TREND_STATES, glucose_range, glucose_value

PARALLEL_UPDATES = 0


RANGE_STATES = ["in_range", "low", "high"]


@dataclass(frozen=True, kw_only=True)
class DexcomSensorEntityDescription(SensorEntityDescription):
    """A Dexcom sensor; `current_only` ones go unavailable when readings stop."""

    value_fn: Callable[[DexcomData], StateType | datetime]
    current_only: bool = True


def _latest[T](fn: Callable[[GlucoseReading], T]) -> Callable[[DexcomData], T | None]:
    """Apply fn to the latest reading, if there is one."""
    return lambda data: fn(data.latest) if data.latest else None


SENSORS: tuple[DexcomSensorEntityDescription, ...] = (
    DexcomSensorEntityDescription(
        key="glucose_value",
        translation_key="glucose_value",
        device_class=SensorDeviceClass.BLOOD_GLUCOSE_CONCENTRATION,
        native_unit_of_measurement=UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_latest(glucose_value),
    ),
    DexcomSensorEntityDescription(
        key="glucose_trend",
        translation_key="glucose_trend",
        device_class=SensorDeviceClass.ENUM,
        options=list(TREND_STATES.values()),
        value_fn=_latest(lambda reading: TREND_STATES.get(reading.trend)),
    ),
    DexcomSensorEntityDescription(
        key="glucose_trend_rate",
        translation_key="glucose_trend_rate",
        native_unit_of_measurement="mg/dL/min",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_latest(lambda reading: reading.trend_rate),
    ),
    DexcomSensorEntityDescription(
        key="glucose_range",
        translation_key="glucose_range",
        device_class=SensorDeviceClass.ENUM,
        options=RANGE_STATES,
        value_fn=_latest(glucose_range),
    ),
    DexcomSensorEntityDescription(
        key="reading_time",
        translation_key="reading_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_latest(lambda reading: reading.system_time),
        current_only=False,
    ),
    DexcomSensorEntityDescription(
        key="data_delay",
        translation_key="data_delay",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: (
            round(data.data_delay.total_seconds() / 60, 1)
            if data.data_delay is not None
            else None
        ),
        current_only=False,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DexcomConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of one Dexcom account."""
    coordinator = entry.runtime_data
    async_add_entities(DexcomSensor(coordinator, d) for d in SENSORS)


class DexcomSensor(DexcomEntity, SensorEntity):
    """A sensor showing one aspect of the latest reading."""

    entity_description: DexcomSensorEntityDescription

    def __init__(
        self,
        coordinator: DexcomCoordinator,
        description: DexcomSensorEntityDescription,
    ) -> None:
        """Suggest mmol/L for glucose when that is the account's unit.

        mmol/L needs one decimal (3.6 must not show as 4); Home Assistant
        only adds it for units the user picks, not for a suggested one.
        """
        super().__init__(coordinator, description)
        latest = coordinator.data.latest
        if (
            description.device_class is SensorDeviceClass.BLOOD_GLUCOSE_CONCENTRATION
            and latest is not None
            and latest.unit is GlucoseUnit.MMOL_L
        ):
            self._attr_suggested_unit_of_measurement = (
                UnitOfBloodGlucoseConcentration.MILLIMOLE_PER_LITER
            )
            self._attr_suggested_display_precision = 1

    @property
    @override
    def available(self) -> bool:
        """Unavailable when the latest reading is too old to act on."""
        if not super().available:
            return False
        data = self.coordinator.data
        if self.entity_description.current_only:
            return data.is_current(dt_util.utcnow())
        return True

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """The value from the latest data."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Make the reading's own time plain: Dexcom delivers it hours late."""
        latest = self.coordinator.data.latest
        if not self.entity_description.current_only or latest is None:
            return None
        return {"reading_time": latest.system_time.isoformat()}
