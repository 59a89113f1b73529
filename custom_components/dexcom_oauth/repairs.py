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
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


def reauth_issue_id(entry: ConfigEntry) -> str:
    """Name the repair that asks to re-link one entry."""
    return f"reauth_{entry.entry_id}"


@callback
def async_create_reauth_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Ask, by name, to re-link the entry; the fix starts its re-link."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        reauth_issue_id(entry),
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key="reauth_required",
        translation_placeholders={"name": entry.title},
        data={"entry_id": entry.entry_id},
    )


@callback
def async_delete_reauth_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Drop the entry's re-link repair (it works again, or it is removed)."""
    ir.async_delete_issue(hass, DOMAIN, reauth_issue_id(entry))


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
