"""Without the recorder the integration works and writes no statistics."""

from typing import Any

import pytest

from homeassistant.core import HomeAssistant

from .common import egvs_queries


@pytest.mark.usefixtures("init_integration")
async def test_no_recorder_no_statistics(
    hass: HomeAssistant,
    aioclient_mock: Any,
) -> None:
    """Without the recorder nothing is backfilled: one egvs request only."""
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(egvs_queries(aioclient_mock)) == 1
