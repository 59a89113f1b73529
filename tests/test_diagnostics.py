"""Diagnostics: useful to a maintainer, with every secret and identifier removed."""

from datetime import datetime
import json

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from homeassistant.core import HomeAssistant

from .common import SECRETS
from .conftest import NOW


@pytest.fixture
def token_expiry() -> float:
    """Expire the token at a fixed time, so that the snapshot is stable."""
    return datetime.fromisoformat(NOW).timestamp() + 7200


async def test_diagnostics(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """The diagnostics match the snapshot and carry no secret.

    hass_client comes after the setup: its login must be issued at the
    frozen time, not before it.
    """
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, setup_integration
    )

    assert diagnostics == snapshot
    dump = json.dumps(diagnostics)
    leaked = [secret for secret in SECRETS if secret in dump]
    assert not leaked
    # Redaction keeps the keys, so a maintainer sees what was there.
    assert diagnostics["entry"]["data"]["token"]["refresh_token"] == "**REDACTED**"
    assert diagnostics["coordinator"]["readings_kept"] == 12
    assert len(diagnostics["recent_readings"]) == 12
