"""Glucose sensors: value, trend, trend rate, range status, reading time, delay.

Availability follows the reading, not the last request: the data is hours old
by design, so a failed poll says nothing about whether the latest reading is
still the latest. Glucose entities show the latest reading while it is current
(the staleness rule); reading time and data delay while there is any reading.
"""

from collections.abc import Callable, Mapping
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
    Platform,
    UnitOfBloodGlucoseConcentration,
    UnitOfTime,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_entity_registry_updated_event
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .client import GlucoseReading, GlucoseUnit
from .client.parse import MG_DL_PER_MMOL_L
from .const import DOMAIN
from .coordinator import DexcomConfigEntry, DexcomCoordinator, DexcomData
from .entity import DexcomEntity
from .readings import TREND_STATES, glucose_range, glucose_value
from .sensor_analytics import GLYCEMIC_SENSORS, GlycemicSensor, glucose_change
from .settings_sensors import settings_sensors

PARALLEL_UPDATES = 0


RANGE_STATES = ["in_range", "low", "high"]
RATE_MG_DL = "mg/dL/min"
RATE_MMOL_L = "mmol/L/min"


@dataclass(frozen=True, kw_only=True)
class DexcomSensorEntityDescription(SensorEntityDescription):
    """A Dexcom sensor; `current_only` ones go unavailable when readings stop."""

    value_fn: Callable[[DexcomData], StateType | datetime]
    current_only: bool = True
    # Shown in the account's glucose unit: the trend rate follows the value.
    follows_glucose_unit: bool = False
    # Attributes beyond the reading time of current-only sensors.
    attributes_fn: Callable[[DexcomData], dict[str, Any]] | None = None


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
        native_unit_of_measurement=RATE_MG_DL,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_latest(lambda reading: reading.trend_rate),
        follows_glucose_unit=True,
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
        # The UI has no entity descriptions: a translated attribute explains.
        attributes_fn=lambda data: {
            "meaning": "time_until_available",
            "current_for": round(data.stale_after.total_seconds() / 60),
        },
    ),
)

# Glucose analytics (sensor_analytics.py): the change since the previous reading.
GLUCOSE_CHANGE = DexcomSensorEntityDescription(
    key="glucose_change",
    translation_key="glucose_change",
    device_class=SensorDeviceClass.BLOOD_GLUCOSE_CONCENTRATION,
    native_unit_of_measurement=UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=0,
    value_fn=glucose_change,
)


def _value_entity_id(hass: HomeAssistant, entry: DexcomConfigEntry) -> str | None:
    """Return the entity id of the account's glucose value, once registered."""
    return er.async_get(hass).async_get_entity_id(
        Platform.SENSOR, DOMAIN, f"{entry.unique_id}_glucose_value"
    )


def _glucose_unit(
    hass: HomeAssistant, entry: DexcomConfigEntry, data: DexcomData
) -> str:
    """Return the glucose unit the user sees.

    The value entity's unit as picked by the user, else as first suggested
    (both kept in the entity registry), else the account's unit.
    """
    registry = er.async_get(hass)
    value_id = _value_entity_id(hass, entry)
    if value_id is not None and (registry_entry := registry.async_get(value_id)):
        picked: Mapping[str, Any] = registry_entry.options.get(Platform.SENSOR, {})
        suggested: Mapping[str, Any] = registry_entry.options.get(
            f"{Platform.SENSOR}.private", {}
        )
        unit = picked.get("unit_of_measurement") or suggested.get(
            "suggested_unit_of_measurement"
        )
        if unit is not None:
            return str(unit)
    if data.unit is GlucoseUnit.MMOL_L:
        return UnitOfBloodGlucoseConcentration.MILLIMOLE_PER_LITER
    return UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER


async def async_setup_entry(
    hass: HomeAssistant,
    entry: DexcomConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of one Dexcom account."""
    coordinator = entry.runtime_data
    unit = _glucose_unit(hass, entry, coordinator.data)
    async_add_entities(DexcomSensor(coordinator, d, unit) for d in SENSORS)
    async_add_entities(
        [
            DexcomSensor(coordinator, GLUCOSE_CHANGE, unit),
            *(GlycemicSensor(coordinator, d, unit) for d in GLYCEMIC_SENSORS),
        ]
    )
    async_add_entities(settings_sensors(coordinator, unit))


class DexcomSensor(DexcomEntity, SensorEntity):
    """A sensor showing one aspect of the latest reading."""

    entity_description: DexcomSensorEntityDescription

    def __init__(
        self,
        coordinator: DexcomCoordinator,
        description: DexcomSensorEntityDescription,
        glucose_unit: str,
    ) -> None:
        """Suggest mmol/L for glucose when that is the account's unit.

        mmol/L needs one decimal (3.6 must not show as 4); Home Assistant
        only adds it for units the user picks, not for a suggested one.
        """
        super().__init__(coordinator, description)
        self._glucose_unit = glucose_unit
        mmol = glucose_unit == UnitOfBloodGlucoseConcentration.MILLIMOLE_PER_LITER
        self._rate_factor: float | None = None
        if (
            description.device_class is SensorDeviceClass.BLOOD_GLUCOSE_CONCENTRATION
            and mmol
        ):
            self._attr_suggested_unit_of_measurement = glucose_unit
            self._attr_suggested_display_precision = 1
        if description.follows_glucose_unit and mmol:
            self._attr_native_unit_of_measurement = RATE_MMOL_L
            self._attr_suggested_display_precision = 2
            self._rate_factor = 1 / MG_DL_PER_MMOL_L

    async def async_added_to_hass(self) -> None:
        """Reload when the user picks another glucose unit, so the rate follows."""
        await super().async_added_to_hass()
        if not self.entity_description.follows_glucose_unit:
            return
        entry = self.coordinator.config_entry
        value_id = _value_entity_id(self.hass, entry)
        assert value_id is not None  # SENSORS registers the value first

        @callback
        def unit_changed(event: Event[er.EventEntityRegistryUpdatedData]) -> None:
            if (
                _glucose_unit(self.hass, entry, self.coordinator.data)
                != self._glucose_unit
            ):
                self.hass.config_entries.async_schedule_reload(entry.entry_id)

        self.async_on_remove(
            async_track_entity_registry_updated_event(self.hass, value_id, unit_changed)
        )

    @property
    @override
    def available(self) -> bool:
        """Whether the reading is fit to show, whatever the last request did."""
        data = self.coordinator.data
        if self.entity_description.current_only:
            return data.is_current(dt_util.utcnow())
        return data.latest is not None

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """The value from the latest data."""
        value = self.entity_description.value_fn(self.coordinator.data)
        if self._rate_factor is not None and isinstance(value, float | int):
            return round(value * self._rate_factor, 3)
        return value

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Make the reading's own time plain: Dexcom delivers it hours late."""
        data = self.coordinator.data
        if self.entity_description.attributes_fn is not None:
            return self.entity_description.attributes_fn(data)
        if not self.entity_description.current_only or data.latest is None:
            return None
        return {"reading_time": data.latest.system_time.isoformat()}
