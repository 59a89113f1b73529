"""Automation blueprints: they load and import, and notify once per new low or high.

The blueprints in blueprints/automation/dexcom_oauth run against the real
integration's entities, set up from mocked Dexcom answers.
"""

from datetime import timedelta
from pathlib import Path
import re
import shutil
from typing import Any
from urllib.parse import unquote

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.components.blueprint import importer
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import yaml as yaml_util

from .common import (
    DEVICES_URL,
    NEWEST,
    POLL,
    START,
    EgvsServer,
    async_advance,
    devices_payload,
    egv,
)

BLUEPRINTS = Path(__file__).parent.parent / "blueprints" / "automation" / "dexcom_oauth"
REPOSITORY = "dexcom-oauth/dexcom_oauth"

VALUE = "sensor.dexcom_glucose_value"
BELOW_LOW = "binary_sensor.dexcom_below_low"
ABOVE_HIGH = "binary_sensor.dexcom_above_high"
URGENT_LOW = "binary_sensor.dexcom_urgent_low"
EPISODE = "event.dexcom_glucose_episode"


@pytest.fixture
def token_expiry() -> float:
    """Let the stored token outlive the hours the tests let pass."""
    return START.timestamp() + 7 * 3600


@pytest.fixture
def blueprint_folder(hass: HomeAssistant, tmp_path: Path) -> None:
    """Give Home Assistant a config folder holding the repository's blueprints."""
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints" / "automation" / "dexcom_oauth")
    hass.config.config_dir = str(tmp_path)


@pytest.fixture
def notifications(hass: HomeAssistant) -> list[ServiceCall]:
    """Record the messages sent through notify.caregiver."""
    return async_mock_service(hass, "notify", "caregiver")


async def use_blueprint(hass: HomeAssistant, path: str, **inputs: Any) -> None:
    """Set up one automation from a blueprint and check it is on."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "use_blueprint": {
                    "path": f"dexcom_oauth/{path}",
                    "input": {"notify_action": "notify.caregiver", **inputs},
                }
            }
        },
    )
    await hass.async_block_till_done()
    automation = hass.states.get("automation.automation_0")
    assert automation is not None
    assert automation.state == "on"


async def new_reading(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    server: EgvsServer,
    minutes: int,
    value: int,
    trend: str = "flat",
) -> None:
    """Let Dexcom hold a reading taken `minutes` after NEWEST, and poll it."""
    server.records.append(egv(NEWEST + timedelta(minutes=minutes), value, trend=trend))
    await async_advance(hass, freezer, POLL)
    state = hass.states.get(VALUE)
    assert state is not None
    assert (
        state.attributes["reading_time"]
        == (NEWEST + timedelta(minutes=minutes)).isoformat()
    )


def message(taken: str, trend: str, why: str) -> str:
    """Return the message about a reading taken at `taken`, polled an hour later."""
    return (
        f"Taken at {taken}, 1 h 00 min ago (Dexcom delivers readings late). "
        f"Trend: {trend}. {why}"
    )


def sent(calls: list[ServiceCall]) -> list[tuple[str, str]]:
    """Return the title and message of each notification."""
    return [(call.data["title"], call.data["message"]) for call in calls]


@pytest.mark.usefixtures("blueprint_folder")
async def test_blueprints_load(hass: HomeAssistant) -> None:
    """Both files load as automation blueprints, with their inputs."""
    assert await async_setup_component(hass, "automation", {})
    loaded = await async_get_blueprints(hass).async_get_blueprints()
    assert set(loaded) == {
        "dexcom_oauth/glucose_alert.yaml",
        "dexcom_oauth/caregiver_summary.yaml",
    }
    alert = loaded["dexcom_oauth/glucose_alert.yaml"]
    summary = loaded["dexcom_oauth/caregiver_summary.yaml"]
    assert not isinstance(alert, Exception)
    assert not isinstance(summary, Exception)
    assert set(alert.inputs) == {
        "glucose_sensor",
        "notify_action",
        "low_threshold",
        "high_threshold",
        "max_age",
        "below_low_sensor",
        "above_high_sensor",
        "urgent_low_sensor",
    }
    assert set(summary.inputs) == {"episode_event", "notify_action", "episode_types"}


@pytest.mark.parametrize("name", ["glucose_alert.yaml", "caregiver_summary.yaml"])
async def test_import_from_github(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, name: str
) -> None:
    """The raw GitHub URL the README's import links carry imports the blueprint."""
    url = (
        f"https://raw.githubusercontent.com/{REPOSITORY}/main/"
        f"blueprints/automation/dexcom_oauth/{name}"
    )
    raw = (BLUEPRINTS / name).read_text()
    aioclient_mock.get(url, text=raw)
    imported = await importer.fetch_blueprint_from_url(hass, url)
    assert imported.blueprint.domain == "automation"
    assert imported.suggested_filename == f"dexcom-oauth/{name.removesuffix('.yaml')}"
    # Re-importing from the UI uses the file's own source_url.
    assert yaml_util.parse_yaml(raw)["blueprint"]["source_url"] == url
    assert url in readme_import_urls()


def readme_import_urls() -> set[str]:
    """Return the blueprint URLs of the README's My Home Assistant import links."""
    readme = (BLUEPRINTS.parents[2] / "README.md").read_text()
    links = re.findall(r"redirect/blueprint_import/\?blueprint_url=([^)\s]+)", readme)
    return {unquote(link) for link in links}


@pytest.mark.usefixtures("blueprint_folder")
async def test_low_and_high_once_each(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    api_server: EgvsServer,
    notifications: list[ServiceCall],
    entity_registry: er.EntityRegistry,
) -> None:
    """A reading that goes low or high notifies once, with its time and age."""
    await use_blueprint(hass, "glucose_alert.yaml", glucose_sensor=VALUE)

    await new_reading(hass, freezer, api_server, 5, 65, trend="singleDown")
    assert sent(notifications) == [
        (
            "Low glucose: 65 mg/dL",
            message("09:05", "Falling", "At or below 70 mg/dL."),
        )
    ]
    # Still low, then the same value again: the low is not new.
    await new_reading(hass, freezer, api_server, 10, 60)
    await new_reading(hass, freezer, api_server, 15, 60)
    # The same reading shown again: new name, reload.
    entity_registry.async_update_entity(VALUE, name="Alex glucose")
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert len(notifications) == 1

    await new_reading(hass, freezer, api_server, 20, 120)
    await new_reading(hass, freezer, api_server, 25, 262, trend="doubleUp")
    assert sent(notifications)[1:] == [
        (
            "High glucose: 262 mg/dL",
            message("09:25", "Rising quickly", "At or above 250 mg/dL."),
        )
    ]
    # A new low after being back in range notifies again.
    await new_reading(hass, freezer, api_server, 30, 64)
    assert [title for title, _ in sent(notifications)][2:] == ["Low glucose: 64 mg/dL"]


@pytest.mark.usefixtures("blueprint_folder")
async def test_low_under_way_at_a_restart_waits_for_the_next_one(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    api_server: EgvsServer,
    notifications: list[ServiceCall],
) -> None:
    """A low that began while Home Assistant was down is not notified (README)."""
    await use_blueprint(hass, "glucose_alert.yaml", glucose_sensor=VALUE)
    await new_reading(hass, freezer, api_server, 5, 120)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    api_server.records.extend(
        egv(NEWEST + timedelta(minutes=minutes), value)
        for minutes, value in ((10, 65), (15, 62))
    )
    await async_advance(hass, freezer, 2 * POLL)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await new_reading(hass, freezer, api_server, 20, 60)
    assert notifications == []
    # Back in range, then low again: notified.
    await new_reading(hass, freezer, api_server, 25, 120)
    await new_reading(hass, freezer, api_server, 30, 64)
    assert [title for title, _ in sent(notifications)] == ["Low glucose: 64 mg/dL"]


@pytest.mark.usefixtures("blueprint_folder")
async def test_old_reading_not_notified(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    api_server: EgvsServer,
    notifications: list[ServiceCall],
) -> None:
    """A low taken longer ago than the maximum age sends nothing."""
    await use_blueprint(hass, "glucose_alert.yaml", glucose_sensor=VALUE, max_age=45)
    await new_reading(hass, freezer, api_server, 5, 65)
    assert notifications == []
    # Taken 40 minutes before it is polled: notified.
    await new_reading(hass, freezer, api_server, 30, 120)
    await new_reading(hass, freezer, api_server, 55, 66)
    assert [title for title, _ in sent(notifications)] == ["Low glucose: 66 mg/dL"]


def levels_devices() -> dict[str, Any]:
    """Return a device whose Dexcom app sets low 80, high 180 and urgent low 55."""
    payload = devices_payload()
    schedule = payload["records"][0]["alertSchedules"][0]
    setting = schedule["alertSettings"][0]
    schedule["alertSettings"] = [
        {**setting, "alertName": name, "value": value}
        for name, value in (("low", 80), ("high", 180), ("urgentLow", 55))
    ]
    return payload


@pytest.fixture
def devices() -> dict[str, Any]:
    """Return the account's devices answer."""
    return devices_payload()


@pytest.fixture(autouse=True)
def serve_devices(aioclient_mock: AiohttpClientMocker, devices: dict[str, Any]) -> None:
    """Answer the devices request from `devices`, before setup serves the rest."""
    aioclient_mock.get(DEVICES_URL, json=devices)


@pytest.mark.parametrize("devices", [levels_devices()])
@pytest.mark.usefixtures("blueprint_folder")
async def test_dexcom_alert_levels(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    api_server: EgvsServer,
    notifications: list[ServiceCall],
    entity_registry: er.EntityRegistry,
) -> None:
    """With the level sensors picked, the app's levels replace the thresholds."""
    await use_blueprint(
        hass,
        "glucose_alert.yaml",
        glucose_sensor=VALUE,
        low_threshold=50,
        high_threshold=300,
        below_low_sensor=BELOW_LOW,
        above_high_sensor=ABOVE_HIGH,
        urgent_low_sensor=URGENT_LOW,
    )
    await new_reading(hass, freezer, api_server, 5, 78)
    # The same reading again: a new name changes only attributes.
    entity_registry.async_update_entity(VALUE, name="Alex glucose")
    await hass.async_block_till_done()
    # Still below the low level: not new.
    await new_reading(hass, freezer, api_server, 10, 78)
    await new_reading(hass, freezer, api_server, 15, 54)
    await new_reading(hass, freezer, api_server, 20, 120)
    await new_reading(hass, freezer, api_server, 25, 185, trend="singleUp")
    assert sent(notifications) == [
        (
            "Low glucose: 78 mg/dL",
            message("09:05", "Steady", "At or below your Dexcom low alert level."),
        ),
        (
            "Urgent low: 54 mg/dL",
            message("09:15", "Steady", "At or below your Dexcom urgent low level."),
        ),
        (
            "High glucose: 185 mg/dL",
            message("09:25", "Rising", "At or above your Dexcom high alert level."),
        ),
    ]


@pytest.mark.parametrize(
    "readings",
    [[egv(NEWEST - POLL, 110, unit="mmol/L"), egv(NEWEST, 120, unit="mmol/L")]],
)
@pytest.mark.usefixtures("blueprint_folder")
async def test_mmol_account(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    api_server: EgvsServer,
    notifications: list[ServiceCall],
) -> None:
    """Thresholds in either unit work for an account shown in mmol/L."""
    await use_blueprint(
        hass, "glucose_alert.yaml", glucose_sensor=VALUE, high_threshold=13.9
    )
    await new_reading(hass, freezer, api_server, 5, 65)
    await new_reading(hass, freezer, api_server, 10, 120)
    await new_reading(hass, freezer, api_server, 15, 252)
    assert sent(notifications) == [
        (
            "Low glucose: 3.6 mmol/L",
            message("09:05", "Steady", "At or below 3.9 mmol/L."),
        ),
        (
            "High glucose: 14.0 mmol/L",
            message("09:15", "Steady", "At or above 13.9 mmol/L."),
        ),
    ]


@pytest.fixture
def episode_readings() -> list[dict[str, Any]]:
    """Return a 20-minute very low episode after the link (NOW), then back in range.

    Episodes that ended before the link are never fired.
    """
    return [
        egv(START + timedelta(minutes=5 * (i + 1)), value)
        for i, value in enumerate([50, 48, 45, 50, 80, 90, 95, 100])
    ]


@pytest.mark.parametrize(
    ("episode_types", "titles"),
    [
        (
            None,
            ["Earlier: low glucose", "Earlier: very low glucose"],
        ),
        (["hypo_level_2", "hyper_level_2"], ["Earlier: very low glucose"]),
    ],
)
@pytest.mark.usefixtures("blueprint_folder")
async def test_caregiver_summary(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    api_server: EgvsServer,
    notifications: list[ServiceCall],
    episode_readings: list[dict[str, Any]],
    episode_types: list[str] | None,
    titles: list[str],
) -> None:
    """Each chosen episode is reported once, with its true times, after it ended."""
    chosen = {} if episode_types is None else {"episode_types": episode_types}
    await use_blueprint(hass, "caregiver_summary.yaml", episode_event=EPISODE, **chosen)
    api_server.records.extend(episode_readings)
    await async_advance(hass, freezer, timedelta(hours=2))
    assert [title for title, _ in sent(notifications)] == titles
    assert sent(notifications)[-1][1] == (
        "From 10:05 to 10:25 (20 min below 54 mg/dL), lowest 45 mg/dL. "
        "It ended 1 h 35 min ago: Dexcom delivers readings late, "
        "so this is a report, not an alarm."
    )
    # A reload restores the event entity: nothing is reported again.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await async_advance(hass, freezer, POLL)
    assert len(notifications) == len(titles)
