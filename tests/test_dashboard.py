"""The ready dashboard uses built-in cards and only what the integration creates."""

from collections.abc import Iterator
from datetime import timedelta
import json
import re
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.dexcom_oauth.statistics import statistic_id_for
from homeassistant.core import HomeAssistant
import homeassistant.helpers.entity_registry as er
from homeassistant.helpers.template import Template

from .common import START, egv
from .dashboard import DASHBOARD, STATISTIC_PLACEHOLDER

# The cards the frontend ships (no custom: cards from HACS).
BUILT_IN = {
    "alarm-panel", "area", "button", "calendar", "conditional", "entities", "entity",
    "entity-filter", "gauge", "glance", "grid", "heading", "history-graph",
    "horizontal-stack", "humidifier", "iframe", "light", "logbook", "map", "markdown",
    "media-control", "picture", "picture-elements", "picture-entity", "picture-glance",
    "plant-status", "sensor", "statistic", "statistics-graph", "thermostat", "tile",
    "todo-list", "vertical-stack", "weather-forecast",
}  # fmt: skip
ENTITY_ID = re.compile(r"\b(?:sensor|binary_sensor|event)\.[a-z0-9_]+")


def cards(container: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield the cards of a section or stack, nested ones too."""
    for card in container.get("cards", []):
        yield card
        yield from cards(card)


def dashboard_cards() -> list[dict[str, Any]]:
    """Return every card of the ready dashboard, in every section of every view."""
    config = yaml.safe_load(DASHBOARD.read_text(encoding="utf-8"))
    return [
        card
        for view in config["views"]
        for section in view["sections"]
        for card in cards(section)
    ]


def test_only_built_in_cards() -> None:
    """Every card, in every section of every view, is one the frontend ships."""
    types = [card["type"] for card in dashboard_cards()]
    assert {"markdown", "statistics-graph", "entities"} <= set(types)
    assert [t for t in types if t not in BUILT_IN] == []


async def test_every_id_is_one_the_integration_creates_for_dexcom(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """The entity ids (templates included) and the statistic, for an account named Dexcom."""
    # The config, without the comments (which name an example or two).
    text = json.dumps(yaml.safe_load(DASHBOARD.read_text(encoding="utf-8")))
    named = set(ENTITY_ID.findall(text))
    created = {
        entry.entity_id: entry
        for entry in er.async_entries_for_config_entry(
            entity_registry, init_integration.entry_id
        )
    }
    assert {"sensor.dexcom_glucose_value", "sensor.dexcom_reading_time"} <= named
    assert named - created.keys() == set()
    assert [e for e in named if created[e].disabled_by] == [], "all enabled by default"
    # The statistic's id, once the reader has put in their entry id.
    assert set(re.findall(r"dexcom_oauth:[a-z0-9_]+", text)) == {STATISTIC_PLACEHOLDER}
    entry_id = init_integration.entry_id.lower()
    assert STATISTIC_PLACEHOLDER.replace("your_entry_id", entry_id) == statistic_id_for(
        init_integration
    )


TAKEN = START - timedelta(hours=1)


@pytest.mark.parametrize(
    ("readings", "shown"),
    [
        ([egv(TAKEN, 123)], "**123 mg/dL**"),
        ([egv(TAKEN, 180, unit="mmol/L")], "**10.0 mmol/L**"),
    ],
    ids=["mg_dl", "mmol_l"],
)
async def test_the_value_shows_in_the_accounts_unit_with_its_age(
    hass: HomeAssistant, init_integration: MockConfigEntry, shown: str
) -> None:
    """The Now card rounds the way the sensor does, so mmol/L keeps its decimal."""
    [markdown] = [card for card in dashboard_cards() if card["type"] == "markdown"]
    rendered = Template(markdown["content"], hass).async_render(parse_result=False)
    assert " ".join(rendered.split()) == (
        f"{shown} · taken 60 minutes ago (Dexcom delivers readings late)"
    )
