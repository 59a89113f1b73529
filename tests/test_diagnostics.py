"""Diagnostics: useful to a maintainer, with every secret and identifier removed."""

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


@pytest.mark.usefixtures("api_payloads", "init_integration")
async def test_diagnostics(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    snapshot: SnapshotAssertion,
) -> None:
    """The diagnostics match the snapshot and carry no secret.

    hass_client comes after the setup: its login must be issued at the
    frozen time, not before it.
    """
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )

    assert diagnostics == snapshot
    dump = json.dumps(diagnostics)
    leaked = [secret for secret in SECRETS if secret in dump]
    assert not leaked
    # Redaction keeps the keys, so a maintainer sees what was there.
    assert diagnostics["entry"]["data"]["token"]["refresh_token"] == "**REDACTED**"
    assert diagnostics["coordinator"]["readings_kept"] == 12
    assert len(diagnostics["recent_readings"]) == 12


@pytest.mark.usefixtures("api_payloads", "init_integration")
@pytest.mark.parametrize(
    "entry_data",
    [
        {
            "auth_implementation": "dexcom_oauth",
            "region": "us",
            "token": {
                "access_token": "a-token",
                "refresh_token": "r-token",
                "session_state": "session-secret-5b2c",
                "id_token": "id-secret-71fe",
                "expires_at": 4102444800.0,
            },
            "unexpected": "other-secret-3d9a",
        }
    ],
)
async def test_diagnostics_show_only_known_harmless_fields(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """Redaction is by allow-list: fields nobody vetted never show."""
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )
    dump = json.dumps(diagnostics)
    for secret in ("session-secret-5b2c", "id-secret-71fe", "other-secret-3d9a"):
        assert secret not in dump
    assert diagnostics["entry"]["data"]["token"]["expires_at"] == 4102444800.0
    assert diagnostics["entry"]["data"]["region"] == "us"
