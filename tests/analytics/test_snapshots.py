"""Snapshots of the analytics entities with 14 days of SandboxUser4."""

from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from tests.common import SetupIntegration

from .common import sandbox_records


@pytest.fixture
def readings() -> list[dict[str, Any]]:
    """Return fourteen days of SandboxUser4, ending an hour before NOW."""
    return sandbox_records("SandboxUser4")


@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.EVENT])
async def test_analytics_entities(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """The measures of a full 14 days, as registered and as shown."""
    with patch("custom_components.dexcom_oauth.PLATFORMS", [platform]):
        entry = await setup_integration(wait_background_tasks=True)
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
