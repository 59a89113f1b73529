"""Options: the target range and level-2 bounds of the glycemic measures.

Entered in the account's glucose unit and stored in mg/dL; saving reloads the
entry, so every measure is recomputed with the new bounds. The defaults are
the consensus ones (Battelino 2019): 54, 70, 180 and 250 mg/dL.
"""

from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any, Final

import probatio

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import UnitOfBloodGlucoseConcentration
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from .analytics.metrics import MG_DL_PER_MMOL_L, RangeBounds
from .client import GlucoseUnit

BOUNDS: Final = tuple(field.name for field in fields(RangeBounds))
# The sensor's range: bounds outside it could never be told apart.
LOWEST, HIGHEST = 40, 400


def range_bounds(options: Mapping[str, Any]) -> RangeBounds:
    """Return the bounds saved in the options, consensus defaults for the rest."""
    saved = {key: float(options[key]) for key in BOUNDS if key in options}
    return RangeBounds(**saved)


class AnalyticsOptionsFlow(OptionsFlowWithReload):
    """Ask for the four bounds in the account's unit."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the bounds (the selector keeps them in the sensor's range); check they rise."""
        mmol = self._mmol()
        factor = 1 / MG_DL_PER_MMOL_L if mmol else 1.0
        errors: dict[str, str] = {}
        if user_input is not None:
            # Whole mg/dL: 3.9 mmol/L is the consensus 70 mg/dL, not 70.3,
            # which would count a reading of 70 below range.
            mg_dl = {key: round(user_input[key] / factor) for key in BOUNDS}
            values = [mg_dl[key] for key in BOUNDS]
            if values != sorted(set(values)):
                errors["base"] = "bounds_order"
            else:
                return self.async_create_entry(data=mg_dl)
        current = asdict(range_bounds(self.config_entry.options))
        unit = (
            UnitOfBloodGlucoseConcentration.MILLIMOLE_PER_LITER
            if mmol
            else UnitOfBloodGlucoseConcentration.MILLIGRAMS_PER_DECILITER
        )
        selector = NumberSelector(
            NumberSelectorConfig(
                min=round(LOWEST * factor, 1),
                max=round(HIGHEST * factor, 1),
                step=0.1 if mmol else 1,
                unit_of_measurement=unit,
                mode=NumberSelectorMode.BOX,
            )
        )
        schema = probatio.Schema(
            {
                probatio.Required(
                    key, default=round(current[key] * factor, 1 if mmol else 0)
                ): selector
                for key in BOUNDS
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)

    def _mmol(self) -> bool:
        """Whether the account shows mmol/L (known once it has been loaded)."""
        coordinator = getattr(self.config_entry, "runtime_data", None)
        return coordinator is not None and coordinator.data.unit is GlucoseUnit.MMOL_L
