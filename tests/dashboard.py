"""The ready dashboard (dashboards/dexcom_glucose.yaml) and its adaptation to a name."""

from pathlib import Path
import re
from typing import Any

import yaml

DASHBOARD = Path(__file__).parent.parent / "dashboards" / "dexcom_glucose.yaml"
# The true-time statistic's id in the dashboard, until the reader puts in theirs.
STATISTIC_PLACEHOLDER = "dexcom_oauth:glucose_your_entry_id"


def for_account(text: str, slug: str) -> str:
    """Rename the default account's entity ids ("dexcom_") to the name's slug."""
    return re.sub(r"\b(sensor|binary_sensor|event)\.dexcom_", rf"\1.{slug}_", text)


def dashboard_for(slug: str, entry_id: str) -> Any:
    """Return the dashboard for an account whose name's slug is `slug`, adapted as it says."""
    text = for_account(DASHBOARD.read_text(encoding="utf-8"), slug)
    text = text.replace(
        STATISTIC_PLACEHOLDER, f"dexcom_oauth:glucose_{entry_id.lower()}"
    )
    return yaml.safe_load(text)
