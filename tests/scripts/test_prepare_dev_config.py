"""scripts/develop's configuration, as scripts/_prepare_dev_config.py leaves it.

It must behave like a new installation: what the UI's editors save loads,
default_config's integrations are there (those that work offline), and the
developer's settings survive the next start.
"""

from collections.abc import Iterator
import json
from pathlib import Path
import shutil
import subprocess
import sys
from typing import Any

import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.config import async_hass_config_yaml
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component

ROOT = Path(__file__).parent.parent.parent
SCRIPT = ROOT / "scripts" / "_prepare_dev_config.py"

# default_config's members the development configuration leaves out, and why
# (config/configuration.yaml says the same).
LEFT_OUT = {
    "my": "sends the OAuth redirect through my.home-assistant.io",
    "cloud": "internet service",
    "homeassistant_alerts": "internet service",
    "bluetooth": "hardware discovery",
    "usb": "hardware discovery",
    "dhcp": "network discovery",
    "ssdp": "network discovery",
    "zeroconf": "network discovery",
    "go2rtc": "camera streaming server binary",
    "stream": "camera streaming, native libraries",
}


def prepare(config_dir: Path) -> str:
    """Run the script as scripts/develop does; return what it printed."""
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            *("--config", str(config_dir)),
            *("--client-id", "dev-client", "--client-secret", "dev-secret"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Provide a new development configuration after its first preparation."""
    config_dir = tmp_path_factory.mktemp("prepared")
    shutil.copy(ROOT / "config" / "configuration.yaml", config_dir)
    (config_dir / "custom_components").symlink_to(ROOT / "custom_components")
    prepare(config_dir)
    return config_dir


@pytest.fixture
def config_dir(prepared: Path, tmp_path: Path) -> Path:
    """Provide a copy of the prepared configuration that a test may change."""
    return Path(shutil.copytree(prepared, tmp_path / "config", symlinks=True))


@pytest.fixture
def dev_hass(hass: HomeAssistant, config_dir: Path) -> Iterator[HomeAssistant]:
    """Provide Home Assistant with the development configuration's directory."""
    test_dir = hass.config.config_dir
    hass.config.config_dir = str(config_dir)
    yield hass
    hass.config.config_dir = test_dir


def test_first_preparation_creates_what_a_new_installation_has(
    prepared: Path,
) -> None:
    """Onboarded, the dev owner in advanced mode, and the editors' files."""
    assert (prepared / "automations.yaml").read_text() == "[]"
    assert (prepared / "scripts.yaml").read_text() == ""
    assert (prepared / "scenes.yaml").read_text() == ""
    storage = prepared / ".storage"
    onboarding = json.loads((storage / "onboarding").read_text())
    assert {"user", "core_config", "analytics", "integration"} <= set(
        onboarding["data"]["done"]
    )
    logins = json.loads((storage / "auth_provider.homeassistant").read_text())
    assert [u["username"] for u in logins["data"]["users"]] == ["dev"]
    credentials = json.loads((storage / "application_credentials").read_text())
    [credential] = credentials["data"]["items"]
    assert (credential["domain"], credential["client_id"]) == (DOMAIN, "dev-client")
    [user_data] = storage.glob("frontend.user_data_*")
    assert json.loads(user_data.read_text())["data"]["core"]["showAdvanced"] is True


def test_later_preparations_keep_what_the_developer_saved(config_dir: Path) -> None:
    """Saved automations, scripts and scenes, users and credentials stay."""
    saved = {
        "automations.yaml": "- id: '1'\n  alias: Kept\n",
        "scripts.yaml": "kept:\n  sequence: []\n",
        "scenes.yaml": "- id: '2'\n  name: Kept\n  entities: {}\n",
    }
    for name, text in saved.items():
        (config_dir / name).write_text(text)
    before = {p.name: p.read_text() for p in (config_dir / ".storage").iterdir()}

    printed = prepare(config_dir)

    assert printed == ""
    assert {name: (config_dir / name).read_text() for name in saved} == saved
    after = {p.name: p.read_text() for p in (config_dir / ".storage").iterdir()}
    assert after == before


async def test_configuration_is_default_config_without_what_needs_more_than_loopback(
    dev_hass: HomeAssistant,
) -> None:
    """Every other default_config member is there, and what this repo adds."""
    config = await async_hass_config_yaml(dev_hass)
    default_config = await async_get_integration(dev_hass, "default_config")

    assert set(LEFT_OUT) <= set(default_config.dependencies)
    assert set(default_config.dependencies) - set(LEFT_OUT) <= set(config)
    assert not set(LEFT_OUT) & set(config)
    assert "default_config" not in config
    assert {"history", "logbook", "recorder", "frontend"} <= set(config)
    assert config[DOMAIN] == {"development_servers": True}


@pytest.mark.parametrize(
    ("environment", "internal_url"),
    [
        ({}, "http://127.0.0.1:8123"),
        ({"DEXCOM_DEVELOP_HA_URL": "http://127.0.0.1:18123"}, "http://127.0.0.1:18123"),
    ],
)
async def test_internal_url_follows_the_port_scripts_develop_chose(
    dev_hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    internal_url: str,
) -> None:
    """Home Assistant's own address is the one it listens on."""
    monkeypatch.delenv("DEXCOM_DEVELOP_HA_URL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = await async_hass_config_yaml(dev_hass)
    await async_process_ha_core_config(dev_hass, config["homeassistant"])
    assert dev_hass.config.internal_url == internal_url


EDITORS = [
    (
        "automation",
        "automations.yaml",
        {
            "alias": "Saved in the UI",
            "triggers": [{"trigger": "homeassistant", "event": "start"}],
            "actions": [],
        },
        "automation.saved_in_the_ui",
    ),
    (
        "script",
        "scripts.yaml",
        {"alias": "Saved in the UI", "sequence": []},
        "script.saved_in_the_ui",
    ),
    (
        "scene",
        "scenes.yaml",
        {"name": "Saved in the UI", "entities": {}},
        "scene.saved_in_the_ui",
    ),
]


@pytest.mark.parametrize(("domain", "file_name", "body", "entity_id"), EDITORS)
async def test_what_the_ui_editor_saves_is_loaded(
    dev_hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    config_dir: Path,
    domain: str,
    file_name: str,
    body: dict[str, Any],
    entity_id: str,
) -> None:
    """The editor writes the included file and reloads: the entity appears.

    The same save into a configuration without `domain: !include file_name`
    reports success and loads nothing.
    """
    config = await async_hass_config_yaml(dev_hass)
    assert await async_setup_component(dev_hass, domain, config)
    assert await async_setup_component(dev_hass, "config", {})
    client = await hass_client()

    response = await client.post(
        f"/api/config/{domain}/config/saved_in_the_ui", json=body
    )

    assert response.status == 200, await response.text()
    await dev_hass.async_block_till_done()
    assert "Saved in the UI" in (config_dir / file_name).read_text()
    assert dev_hass.states.get(entity_id) is not None
