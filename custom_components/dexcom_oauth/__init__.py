"""The Dexcom OAuth integration: glucose readings from Dexcom's official API."""

import probatio

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.typing import ConfigType

from .analytics.adapter import episode_store
from .analytics.daily_statistics import async_clear_daily_statistics
from .auth import DexcomImplementation, EntryTokenProvider, base_url_for
from .client import DexcomClient
from .const import CONF_DEVELOPMENT_SERVERS, DOMAIN, REQUEST_TIMEOUT
from .coordinator import DexcomConfigEntry, DexcomCoordinator
from .development import DATA_DEVELOPMENT_SERVERS
from .event_statistics import async_clear_event_statistics
from .learned import learned_store
from .logs import alerts_store
from .repairs import async_delete_reauth_issue
from .services import async_setup_services
from .services_logs import async_setup_log_services
from .statistics import async_clear_statistics

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.SENSOR]

# Only `dexcom_oauth: {development_servers: true}` in configuration.yaml
# offers a custom server (such as the simulator) in the config flow.
CONFIG_SCHEMA = probatio.Schema(
    {
        probatio.Optional(DOMAIN): {
            probatio.Optional(CONF_DEVELOPMENT_SERVERS, default=False): cv.boolean
        }
    },
    extra=probatio.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Remember whether development servers may be linked."""
    hass.data[DATA_DEVELOPMENT_SERVERS] = config.get(DOMAIN, {}).get(
        CONF_DEVELOPMENT_SERVERS, False
    )
    async_setup_services(hass)
    async_setup_log_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: DexcomConfigEntry) -> bool:
    """Link the account's tokens to a client and fetch the first readings."""
    implementation = await async_get_config_entry_implementation(hass, entry)
    assert isinstance(implementation, DexcomImplementation)  # our platform made it
    base_url = base_url_for(entry.data)
    session = OAuth2Session(hass, entry, implementation.bound_to(base_url))
    client = DexcomClient(
        async_get_clientsession(hass),
        base_url,
        EntryTokenProvider(hass, session),
        request_timeout=REQUEST_TIMEOUT,
    )
    coordinator = DexcomCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    # Before the entities' listeners, so that they show fresh measures.
    entry.async_on_unload(
        coordinator.async_add_listener(coordinator.analytics.recompute)
    )
    coordinator.analytics.recompute()
    _follow_account_id(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: DexcomConfigEntry) -> bool:
    """Unload the sensors."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: DexcomConfigEntry) -> None:
    """Delete what the entry wrote: its statistic, learned state and repair."""
    async_clear_statistics(hass, entry)
    async_clear_event_statistics(hass, entry)
    async_clear_daily_statistics(hass, entry)
    await learned_store(hass, entry).async_remove()
    await alerts_store(hass, entry).async_remove()
    await episode_store(hass, entry).async_remove()
    async_delete_reauth_issue(hass, entry)


@callback
def _follow_account_id(hass: HomeAssistant, entry: DexcomConfigEntry) -> None:
    """Move registry ids to the entry's current account id.

    Re-linking with another Dexcom app gives the same person a new userId;
    moving the ids keeps the device, the entity ids and their history.
    """
    account_id = str(entry.unique_id)
    device_registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        if (DOMAIN, account_id) not in device.identifiers:
            device_registry.async_update_device(
                device.id, new_identifiers={(DOMAIN, account_id)}
            )
    entity_registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
        key = entity.translation_key or ""
        if key and entity.unique_id != (new_id := f"{account_id}_{key}"):
            entity_registry.async_update_entity(entity.entity_id, new_unique_id=new_id)
