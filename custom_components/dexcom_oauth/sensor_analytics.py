"""Glycemic measure sensors (14 days and 24 hours) and the glucose change sensor.

The measures come from GlucoseAnalytics, computed once per update for every
sensor. A measure of a window with less than 70 % of its expected readings is
unknown (consensus), and every sensor says how much data it had.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, UnitOfBloodGlucoseConcentration

from .analytics.metrics import Measures
from .coordinator import DexcomCoordinator, DexcomData
from .entity import DexcomEntity
from .readings import glucose_range, has_glucose

type Window = Literal["14d", "24h"]
MG_DL = UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER
# Two readings further apart than this are no change of one interval.
CHANGE_SPAN = timedelta(minutes=10)


@dataclass(frozen=True, kw_only=True)
class GlycemicSensorEntityDescription(SensorEntityDescription):
    """A measure of one window; `always` ones show however little data there is."""

    value_fn: Callable[[Measures], float | None]
    window: Window
    always: bool = False


def _rounded(
    fn: Callable[[Measures], float | None], digits: int
) -> Callable[[Measures], float | None]:
    """Round to `digits`, so that noise below the display changes no state."""

    def value(measures: Measures) -> float | None:
        result = fn(measures)
        return None if result is None else round(result, digits)

    return value


def _descriptions(window: Window) -> list[GlycemicSensorEntityDescription]:
    """Describe the measures shown for one window."""
    percent: dict[str, Callable[[Measures], float | None]] = {
        "time_in_range": lambda m: m.in_range,
        "time_below_range_level_1": lambda m: m.below_level_1,
        "time_below_range_level_2": lambda m: m.below_level_2,
        "time_above_range_level_1": lambda m: m.above_level_1,
        "time_above_range_level_2": lambda m: m.above_level_2,
        "glucose_cv": lambda m: m.cv,
    }
    descriptions = [
        GlycemicSensorEntityDescription(
            key=f"{name}_{window}",
            translation_key=f"{name}_{window}",
            native_unit_of_measurement=PERCENTAGE,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=1,
            value_fn=_rounded(fn, 2),
            window=window,
        )
        for name, fn in percent.items()
    ]
    descriptions.append(
        GlycemicSensorEntityDescription(
            key=f"mean_glucose_{window}",
            translation_key=f"mean_glucose_{window}",
            device_class=SensorDeviceClass.BLOOD_GLUCOSE_CONCENTRATION,
            native_unit_of_measurement=MG_DL,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=0,
            value_fn=_rounded(lambda m: m.mean, 1),
            window=window,
        )
    )
    descriptions.append(
        GlycemicSensorEntityDescription(
            key=f"cgm_active_{window}",
            translation_key=f"cgm_active_{window}",
            native_unit_of_measurement=PERCENTAGE,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=1,
            value_fn=_rounded(lambda m: m.active_percent, 2),
            window=window,
            always=True,
        )
    )
    if window == "14d":
        descriptions.append(
            GlycemicSensorEntityDescription(
                key="gmi_14d",
                translation_key="gmi_14d",
                native_unit_of_measurement=PERCENTAGE,
                state_class=SensorStateClass.MEASUREMENT,
                suggested_display_precision=1,
                value_fn=_rounded(lambda m: m.gmi_percent, 2),
                window=window,
            )
        )
    return descriptions


GLYCEMIC_SENSORS: tuple[GlycemicSensorEntityDescription, ...] = (
    *_descriptions("14d"),
    *_descriptions("24h"),
)


def glucose_change(data: DexcomData) -> int | None:
    """Change in mg/dL since the previous reading, if it is at most 10 min older.

    Unknown next to a LOW or HIGH reading: the bounds are no measured values.
    """
    latest = data.latest
    if latest is None:
        return None
    previous = next(
        (
            r
            for r in reversed(data.readings)
            if r.system_time < latest.system_time and has_glucose(r)
        ),
        None,
    )
    if (
        previous is None
        or latest.system_time - previous.system_time > CHANGE_SPAN
        or glucose_range(latest) != "in_range"
        or glucose_range(previous) != "in_range"
        or latest.value is None
        or previous.value is None
    ):
        return None
    return latest.value - previous.value


class GlycemicSensor(DexcomEntity, SensorEntity):
    """One consensus measure over the last 14 days or 24 hours."""

    entity_description: GlycemicSensorEntityDescription

    def __init__(
        self,
        coordinator: DexcomCoordinator,
        description: GlycemicSensorEntityDescription,
        glucose_unit: str,
    ) -> None:
        """Suggest the account's glucose unit for the mean, like the value sensor."""
        super().__init__(coordinator, description)
        if (
            description.device_class is SensorDeviceClass.BLOOD_GLUCOSE_CONCENTRATION
            and glucose_unit == UnitOfBloodGlucoseConcentration.MILLIMOLE_PER_LITER
        ):
            self._attr_suggested_unit_of_measurement = glucose_unit
            self._attr_suggested_display_precision = 1

    def _measures(self) -> Measures | None:
        analytics = self.coordinator.analytics
        return (
            analytics.fortnight
            if self.entity_description.window == "14d"
            else analytics.recent
        )

    @property
    @override
    def available(self) -> bool:
        """Measures come from the kept history, whatever the last request did."""
        return self._measures() is not None

    @property
    @override
    def native_value(self) -> float | None:
        """The measure; unknown when the window lacks data (consensus 70 %)."""
        measures = self._measures()
        assert measures is not None  # read only while available
        if not (self.entity_description.always or measures.sufficient):
            return None
        return self.entity_description.value_fn(measures)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The window and how much data it had."""
        measures = self._measures()
        assert measures is not None  # read only while available
        attributes: dict[str, Any] = {
            "data_sufficiency": round(measures.active_percent, 1),
            "readings": measures.readings,
            "window_start": measures.start.isoformat(),
            "window_end": measures.end.isoformat(),
        }
        if self.entity_description.key == "gmi_14d" and measures.sufficient:
            gmi = measures.gmi_mmol_mol
            attributes["gmi_mmol_mol"] = None if gmi is None else round(gmi, 1)
        if self.entity_description.key.startswith("glucose_cv") and measures.sufficient:
            sd = measures.sd
            attributes["standard_deviation"] = None if sd is None else round(sd, 1)
        return attributes
