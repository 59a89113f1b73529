"""Repairs: the re-link notice that stays until the account works again.

Home Assistant drops its own re-authentication notice when a re-link is
aborted (for example logged in as the wrong person); this repair stays, names
the account, and its fix opens the re-link again.
"""

from typing import override

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.core import HomeAssistant


class ReauthRepairFlow(ConfirmRepairFlow):
    """Confirm, then start the re-link of the entry the repair is about."""

    def __init__(self, entry_id: str) -> None:
        """Remember the entry."""
        super().__init__()
        self._entry_id = entry_id

    @override
    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start the re-authentication flow on confirmation."""
        if user_input is not None and (
            entry := self.hass.config_entries.async_get_entry(self._entry_id)
        ):
            entry.async_start_reauth(self.hass)
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the flow that fixes a re-link repair."""
    assert data is not None  # the coordinator always stores the entry id
    return ReauthRepairFlow(str(data["entry_id"]))
