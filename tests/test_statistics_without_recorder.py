"""Without the recorder the integration works and writes no statistics."""

from typing import Any

from homeassistant.core import HomeAssistant

from .common import SetupIntegration, egvs_queries


async def test_no_recorder_no_statistics(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    aioclient_mock: Any,
) -> None:
    """Without the recorder nothing is backfilled: one egvs request only."""
    await setup_integration()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(egvs_queries(aioclient_mock)) == 1
