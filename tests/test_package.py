"""The files HACS and hassfest read follow their rules."""

from importlib.metadata import requires
import json
from pathlib import Path
import re

import pytest
import yaml

from custom_components.dexcom_oauth.const import DOMAIN

ROOT = Path(__file__).parent.parent
INTEGRATION = ROOT / "custom_components" / DOMAIN
MANIFEST = json.loads((INTEGRATION / "manifest.json").read_text())
# The minimum supported Home Assistant: the one the test harness is made for
# (the suite also runs on the newest, installed over it).
MINIMUM_HA = next(
    pin.removeprefix("homeassistant==")
    for pin in requires("pytest-homeassistant-custom-component") or ()
    if pin.startswith("homeassistant==")
)

# Keys hassfest accepts in a custom integration's manifest.
MANIFEST_KEYS = {
    "domain",
    "name",
    "after_dependencies",
    "codeowners",
    "config_flow",
    "dependencies",
    "documentation",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "loggers",
    "quality_scale",
    "requirements",
    "version",
}


def test_manifest_order_and_keys() -> None:
    """Domain and name come first, the other keys sorted, none unknown."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert set(keys) <= MANIFEST_KEYS
    assert MANIFEST["domain"] == DOMAIN == INTEGRATION.name


def test_manifest_values() -> None:
    """The values hassfest checks for an OAuth2 cloud service."""
    assert MANIFEST["config_flow"] is True
    assert MANIFEST["dependencies"] == ["application_credentials"]
    assert MANIFEST["integration_type"] == "service"
    assert MANIFEST["iot_class"] == "cloud_polling"
    assert MANIFEST["documentation"].startswith("https://")
    assert MANIFEST["issue_tracker"].startswith("https://")
    assert all(owner.startswith("@") for owner in MANIFEST["codeowners"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", MANIFEST["version"])
    assert isinstance(MANIFEST["requirements"], list)


def test_hacs_json() -> None:
    """HACS needs a name; the minimum version is the oldest one we test on."""
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"]
    assert hacs["homeassistant"] == MINIMUM_HA
    assert hacs["render_readme"] is True
    assert set(hacs) <= {
        "name",
        "homeassistant",
        "render_readme",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "hacs",
    }
    assert sorted(p.name for p in (ROOT / "custom_components").iterdir()) == [DOMAIN]


def test_translations_match_strings() -> None:
    """translations/en.json is strings.json, byte for byte in meaning."""
    strings = json.loads((INTEGRATION / "strings.json").read_text())
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    assert english == strings


def test_strings_have_no_references() -> None:
    """Custom integrations get no [%key:...] resolution: every text is literal."""
    assert "[%key:" not in (INTEGRATION / "strings.json").read_text()


def test_icons_cover_every_translated_state() -> None:
    """Each sensor with translated states has an icon for each of them."""
    strings = json.loads((INTEGRATION / "strings.json").read_text())
    icons = json.loads((INTEGRATION / "icons.json").read_text())
    for key, entity in strings["entity"]["sensor"].items():
        assert key in icons["entity"]["sensor"]
        if "state" in entity:
            assert set(entity["state"]) == set(icons["entity"]["sensor"][key]["state"])


@pytest.mark.parametrize("name", ["icon.png", "logo.png"])
def test_brand_images(name: str) -> None:
    """Brand images are PNGs; the icon is 256 x 256."""
    data = (INTEGRATION / "brand" / name).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20]), int.from_bytes(data[20:24])
    if name == "icon.png":
        assert (width, height) == (256, 256)


def test_quality_scale_lists_every_rule() -> None:
    """quality_scale.yaml rates all 54 rules of the scale, in tier order.

    Every exemption says why, and every tier up to the manifest's claim is met.
    """
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    assert list(rules) == [rule for tier in QUALITY_TIERS.values() for rule in tier]
    assert len(rules) == 54
    claimed = list(QUALITY_TIERS).index(MANIFEST["quality_scale"])
    for tier in list(QUALITY_TIERS.values())[: claimed + 1]:
        for rule in tier:
            status = (
                rules[rule] if isinstance(rules[rule], str) else rules[rule]["status"]
            )
            assert status in {"done", "exempt"}, rule
            if status == "exempt":
                assert len(rules[rule]["comment"]) > 40, rule


# The rules of Home Assistant's integration quality scale, per tier, in the
# order quality_scale.yaml lists them (hassfest's ALL_RULES: 54 rules).
QUALITY_TIERS = {
    "bronze": [
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow-test-coverage",
        "config-flow",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ],
    "silver": [
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ],
    "gold": [
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ],
    "platinum": ["async-dependency", "inject-websession", "strict-typing"],
}
