"""Glucose episode event (event platform): once per hypo- or hyperglycemic episode.

Episodes are found in the kept history at the readings' true times and fired
when they end (Dexcom's data comes hours late, so "now" says nothing about an
episode). The end of the last fired episode is stored, so a restart, a reload
or the 14 days fetched again never fire an episode twice; at the first link,
only episodes that end after it are fired.
"""

from datetime import datetime, timedelta
from typing import Final, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .analytics.adapter import episode_store
from .analytics.episodes import EpisodeKind, find_episodes
from .coordinator import DexcomCoordinator
from .entity import DexcomEntity

# Episodes are looked for this far before the last fired one's end.
LOOKBACK: Final = timedelta(days=3)

GLUCOSE_EPISODE = EventEntityDescription(
    key="glucose_episode",
    translation_key="glucose_episode",
    event_types=[kind.value for kind in EpisodeKind],
)


class DexcomEpisodeEvent(DexcomEntity, EventEntity):
    """Fires each episode once, with its true start and end."""

    def __init__(self, coordinator: DexcomCoordinator) -> None:
        """Describe the event; what was fired is loaded when added."""
        super().__init__(coordinator, GLUCOSE_EPISODE)
        self._store = episode_store(coordinator.hass, coordinator.config_entry)
        self._fired_until: datetime = dt_util.utcnow()
        self._checked: int | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Resume after the last fired episode, or start from the link."""
        await super().async_added_to_hass()
        saved = await self._store.async_load()
        stored = dt_util.parse_datetime(saved["fired_until"]) if saved else None
        if stored is None:
            self._save()
        else:
            self._fired_until = stored
        self._check()

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Write what was fired now: a reload must not find an older end."""
        await super().async_will_remove_from_hass()
        await self._store.async_save(self._saved())

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Fire the episodes that ended since the last one fired."""
        self._check()

    @callback
    def _check(self) -> None:
        history = self.coordinator.analytics.history
        if history.version == self._checked:
            return
        self._checked = history.version
        series = ((t, v) for t, v, _ in history.series(self._fired_until - LOOKBACK))
        ended = sorted(
            (
                episode
                for episode in find_episodes(series)
                if episode.end is not None and episode.end > self._fired_until
            ),
            key=lambda episode: (episode.end, episode.kind),
        )
        for episode in ended:
            self._trigger_event(episode.kind.value, episode.as_dict())
            self.async_write_ha_state()
            assert episode.end is not None  # filtered above
            self._fired_until = episode.end
        if ended:
            self._save()

    def _save(self) -> None:
        self._store.async_delay_save(self._saved, 1)

    def _saved(self) -> dict[str, str]:
        return {"fired_until": self._fired_until.isoformat()}
