"""Each translation says what strings.json says: same keys, placeholders, links and markup."""

import json
from pathlib import Path
import re
from typing import Any

import pytest

from custom_components.dexcom_oauth.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.generated.languages import NATIVE_ENTITY_IDS
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import slugify

INTEGRATION = Path(__file__).parents[1] / "custom_components" / DOMAIN
# English and the languages of Dexcom's markets, as Home Assistant names them.
LANGUAGES = [
    "da",
    "de",
    "en",
    "es",
    "fi",
    "fr",
    "it",
    "ja",
    "nb",
    "nl",
    "pl",
    "pt",
    "sv",
]

PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Markdown link targets and literal URLs must survive translation unchanged.
LINK_OR_URL = re.compile(r"\]\([^)]*\)|https?://[\w.:/-]*")
# Line breaks (numbered lists), bold and code spans.
MARKUP = ("\n", "**", "`")
# The frontend formats texts as ICU messages: an apostrophe before a brace quotes it.
ICU_QUOTE = re.compile(r"'[{}]")


def _leaves(tree: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Flatten nested keys to dotted paths, so structures compare key by key."""
    leaves: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            leaves.update(_leaves(value, (*path, key)))
        else:
            leaves[".".join((*path, key))] = value
    return leaves


def _load(language: str) -> dict[str, Any]:
    """Read one translation file."""
    return json.loads(
        (INTEGRATION / "translations" / f"{language}.json").read_text(encoding="utf-8")
    )


STRINGS = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
SOURCE = _leaves(STRINGS)


def _problems(path: str, text: Any) -> list[str]:
    """Say how a translated text departs from the source text of its key."""
    if not isinstance(text, str) or not text.strip():
        return [f"{path}: not a non-empty string"]
    source = SOURCE[path]
    problems = []
    if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
        problems.append(f"{path}: placeholders differ")
    if sorted(LINK_OR_URL.findall(text)) != sorted(LINK_OR_URL.findall(source)):
        problems.append(f"{path}: links or URLs differ")
    if any(text.count(mark) != source.count(mark) for mark in MARKUP):
        problems.append(f"{path}: line breaks, bold or code spans differ")
    if ICU_QUOTE.search(text):
        problems.append(f"{path}: apostrophe next to a brace")
    return problems


def test_translation_files_are_the_market_languages() -> None:
    """A translation added or lost shows here, not only as a missing parameter."""
    files = sorted(p.stem for p in (INTEGRATION / "translations").glob("*.json"))
    assert files == LANGUAGES


@pytest.mark.parametrize("language", LANGUAGES)
def test_keys_match_strings(language: str) -> None:
    """No key is missing (it would show English) and none is extra (hassfest refuses it)."""
    keys = set(_leaves(_load(language)))
    assert (SOURCE.keys() - keys, keys - SOURCE.keys()) == (set(), set())


@pytest.mark.parametrize("language", LANGUAGES)
def test_texts_keep_placeholders_links_and_markup(language: str) -> None:
    """Every text fills the same placeholders and keeps links, lists, bold and code."""
    texts = _leaves(_load(language))
    problems = [
        problem
        for path, text in texts.items()
        if path in SOURCE
        for problem in _problems(path, text)
    ]
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_entity_names_differ_within_a_platform(language: str) -> None:
    """Entity IDs come from the names: two equal names would get `_2` IDs."""
    for platform, entities in _load(language)["entity"].items():
        names = [slugify(entity["name"]) for entity in entities.values()]
        assert len(set(names)) == len(names), platform


@pytest.mark.parametrize("language", LANGUAGES)
def test_name_step_shows_the_entity_id_home_assistant_makes(language: str) -> None:
    """The example ID is made from the name in the language entity IDs are made in."""
    texts = _load(language)
    id_language = texts if language in NATIVE_ENTITY_IDS else STRINGS
    value_name = id_language["entity"]["sensor"]["glucose_value"]["name"]
    example = f"`sensor.{slugify(f'Alex {value_name}')}`"
    assert example in texts["config"]["step"]["name"]["description"]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_home_assistant_loads_the_translation(
    hass: HomeAssistant, language: str
) -> None:
    """Home Assistant finds the file and takes every entity text from it."""
    loaded = await async_get_translations(hass, language, "entity", {DOMAIN})
    expected = _leaves(_load(language)["entity"])
    assert loaded == {
        f"component.{DOMAIN}.entity.{path}": text for path, text in expected.items()
    }
