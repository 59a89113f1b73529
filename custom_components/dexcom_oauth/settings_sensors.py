"""Sensors of the user's own Dexcom settings and logs.

Alert levels come from the alert schedule in force now (thresholds.py);
"last" sensors from the events the user entered (logs.py), each with the
event's own time, which is hours before Home Assistant learns of it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import UnitOfBloodGlucoseConcentration, UnitOfMass, UnitOfTime
from homeassistant.util import dt as dt_util

from .client import AlertName, EventRecord
from .coordinator import DexcomCoordinator
from .entity import DexcomEntity
from .event_statistics import UNIT_INSULIN
from .logs import LastEvents
from .session import Session
from .thresholds import schedule_at, threshold


@dataclass(frozen=True, kw_only=True)
class DexcomThresholdDescription(SensorEntityDescription):
    """An alert level sensor: which alert it shows."""

    alert: AlertName


THRESHOLD_SENSORS: tuple[DexcomThresholdDescription, ...] = tuple(
    DexcomThresholdDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.BLOOD_GLUCOSE_CONCENTRATION,
        native_unit_of_measurement=UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER,
        suggested_display_precision=0,
        alert=alert,
    )
    for key, alert in (
        ("low_level", AlertName.LOW),
        ("high_level", AlertName.HIGH),
        ("urgent_low_level", AlertName.URGENT_LOW),
    )
)


class DexcomThresholdSensor(DexcomEntity, SensorEntity):
    """One of the user's alert levels; unknown when that alert is off or absent."""

    entity_description: DexcomThresholdDescription

    def __init__(
        self,
        coordinator: DexcomCoordinator,
        description: DexcomThresholdDescription,
        glucose_unit: str,
    ) -> None:
        """Suggest mmol/L, with a decimal, when the glucose value shows it."""
        super().__init__(coordinator, description)
        if glucose_unit == UnitOfBloodGlucoseConcentration.MILLIMOLE_PER_LITER:
            self._attr_suggested_unit_of_measurement = glucose_unit
            self._attr_suggested_display_precision = 1

    @property
    @override
    def native_value(self) -> float | None:
        """The level (mg/dL) in the schedule in force now."""
        return threshold(
            self.coordinator.data.device,
            self.entity_description.alert,
            dt_util.utcnow(),
        )

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Which schedule the level comes from, and a quiet override's end."""
        schedule = schedule_at(self.coordinator.data.device, dt_util.utcnow())
        until = schedule.override_until if schedule is not None else None
        return {
            "schedule": schedule.name if schedule is not None else None,
            "override_until": until.isoformat() if until is not None else None,
        }


@dataclass(frozen=True, kw_only=True)
class DexcomLastEventDescription(SensorEntityDescription):
    """A "last event" sensor: which event it shows."""

    event_fn: Callable[[LastEvents], EventRecord | None]


LAST_EVENT_SENSORS: tuple[DexcomLastEventDescription, ...] = (
    DexcomLastEventDescription(
        key="last_carbs",
        translation_key="last_carbs",
        device_class=SensorDeviceClass.WEIGHT,
        native_unit_of_measurement=UnitOfMass.GRAMS,
        suggested_display_precision=0,
        event_fn=lambda last: last.carbs,
    ),
    DexcomLastEventDescription(
        key="last_fast_acting_insulin",
        translation_key="last_fast_acting_insulin",
        native_unit_of_measurement=UNIT_INSULIN,
        suggested_display_precision=1,
        event_fn=lambda last: last.fast_acting,
    ),
    DexcomLastEventDescription(
        key="last_long_acting_insulin",
        translation_key="last_long_acting_insulin",
        native_unit_of_measurement=UNIT_INSULIN,
        suggested_display_precision=1,
        event_fn=lambda last: last.long_acting,
    ),
    DexcomLastEventDescription(
        key="last_exercise",
        translation_key="last_exercise",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        event_fn=lambda last: last.exercise,
    ),
)


class DexcomLastEventSensor(DexcomEntity, SensorEntity):
    """The amount of the newest event of a kind, with the event's own time."""

    entity_description: DexcomLastEventDescription

    @property
    def _event(self) -> EventRecord | None:
        return self.entity_description.event_fn(self.coordinator.logs.last)

    @property
    @override
    def native_value(self) -> float | None:
        """The event's amount (grams, units, minutes)."""
        event = self._event
        return None if event is None else event.value

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the event happened, and the exercise's intensity.

        Without an event there is no time to give: a null time would show as
        "56 years ago" in a card's relative time.
        """
        event = self._event
        if event is None:
            return {}
        attributes: dict[str, Any] = {"event_time": event.system_time.isoformat()}
        if self.entity_description.key == "last_exercise":
            sub_type = event.sub_type
            attributes["intensity"] = None if sub_type is None else sub_type.value
        return attributes


@dataclass(frozen=True, kw_only=True)
class DexcomSessionDescription(SensorEntityDescription):
    """A sensor session sensor: which time of the session it shows."""

    time_fn: Callable[[Session], datetime | None]


SESSION_SENSORS: tuple[DexcomSessionDescription, ...] = (
    DexcomSessionDescription(
        key="sensor_session_start",
        translation_key="sensor_session_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        time_fn=lambda session: session.start,
    ),
    DexcomSessionDescription(
        key="sensor_session_end",
        translation_key="sensor_session_end",
        device_class=SensorDeviceClass.TIMESTAMP,
        time_fn=lambda session: session.expected_end,
    ),
)


class DexcomSessionSensor(DexcomEntity, SensorEntity):
    """When the current sensor session began or should end: always an estimate."""

    entity_description: DexcomSessionDescription

    @property
    @override
    def native_value(self) -> datetime | None:
        """The estimated time."""
        session = self.coordinator.logs.sessions.session
        return None if session is None else self.entity_description.time_fn(session)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Say that it is an estimate, from what, and the grace period's end."""
        session = self.coordinator.logs.sessions.session
        grace = None if session is None else session.grace_end
        return {
            "estimated": True,
            "basis": None if session is None else session.basis,
            "generation": None if session is None else session.generation,
            "grace_period_end": None if grace is None else grace.isoformat(),
        }


def settings_sensors(
    coordinator: DexcomCoordinator, glucose_unit: str
) -> Iterable[SensorEntity]:
    """Build the settings and logs sensors of one account."""
    yield from (
        DexcomThresholdSensor(coordinator, d, glucose_unit) for d in THRESHOLD_SENSORS
    )
    yield from (DexcomLastEventSensor(coordinator, d) for d in LAST_EVENT_SENSORS)
    yield from (DexcomSessionSensor(coordinator, d) for d in SESSION_SENSORS)
