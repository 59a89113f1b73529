"""Lets the test harness, made from Home Assistant 2026.10's tests, run on newer ones.

pytest-homeassistant-custom-component has no release for 2026.11, so the
newest Home Assistant runs under the minimum one's harness. `-p` in
pyproject.toml loads this before every entry-point plugin, on every version:

- Since 2026.11, `import homeassistant` makes httpx an alias of httpx2 and
  fails once httpx is imported; the harness imports respx (hence httpx) first.
- The harness patches JSON, the recorder and time before Home Assistant's other
  modules are imported; importing its patches here, in its order, keeps that.
- Its helpers import `_clear_logger_overwrites` from the logger integration,
  which re-exports it from its helpers only up to 2026.10 (the same function:
  a no-op there).
"""

import homeassistant  # noqa: F401 -- for its import-time httpx alias

# isort: split

# The harness's import-time patches, in its order.
from pytest_homeassistant_custom_component import patch_json, patch_recorder, patch_time  # noqa: F401

# isort: split

from homeassistant.components import logger
from homeassistant.components.logger import helpers as logger_helpers

logger._clear_logger_overwrites = logger_helpers._clear_logger_overwrites
