"""What an account's coordinator learned, kept in `.storage` across restarts.

The poll schedule (availability offset, Retry-After hold) and the reading
window's memory (newest reading seen, a settling backlog) decide what the user
is shown after a restart: without them an old reading could pass for current
and a backlog's missing records would never be asked for. They change on every
poll, but SD cards wear, so a change is written soon only when it alters what
is fetched or when (a Retry-After hold or a backlog starting or ending) or
when nothing was written yet; other changes wait until SAVE_INTERVAL after the last write. Unloading
writes at once, and Home Assistant flushes a pending write when it stops.
"""

from datetime import datetime, timedelta
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .schedule import PollScheduler
from .window import ReadingWindow

# Ordinary changes (the offset's small steps, each new reading's time) are
# written at most this often.
SAVE_INTERVAL: Final = timedelta(minutes=15)
# Changes that alter what is fetched or when are written after this.
SOON: Final = timedelta(seconds=10)

_STORE_VERSION: Final = 1
# Keys whose change alters what is fetched or when.
_SCHEDULE_KEYS: Final = ("hold_until",)
_WINDOW_KEYS: Final = ("backlog",)

type Saved = dict[str, dict[str, object]]


def learned_store(hass: HomeAssistant, entry: ConfigEntry) -> Store[Saved]:
    """Return where one entry's learned state lives."""
    return Store(hass, _STORE_VERSION, f"{DOMAIN}.{entry.entry_id}.schedule")


class LearnedState:
    """Loads and saves one entry's schedule and reading window."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Use the entry's store."""
        self._store = learned_store(hass, entry)
        self._saved: Saved | None = None
        self._written: datetime | None = None
        # When the pending write is due; a later change never postpones it.
        self._due: datetime | None = None

    async def async_load(self, window: ReadingWindow) -> PollScheduler:
        """Restore the window's memory; return the saved schedule or a fresh one."""
        saved = await self._store.async_load()
        if not isinstance(saved, dict):
            return PollScheduler()
        self._saved = saved
        window.restore(saved.get("window"))
        # Before the window was saved, the store held the schedule alone.
        return PollScheduler.from_dict(saved.get("schedule", saved))

    def save(self, schedule: PollScheduler, window: ReadingWindow) -> None:
        """Write a change: soon when it matters, else after SAVE_INTERVAL."""
        current = _snapshot(schedule, window)
        if current == self._saved:
            return
        now = dt_util.utcnow()
        due = now + SOON
        if (
            self._written is not None
            and self._saved is not None
            and not _matters(self._saved, current)
        ):
            due = max(self._written + SAVE_INTERVAL, due)
        if self._due is not None:
            due = min(due, self._due)
        self._due = due
        self._saved = current
        self._store.async_delay_save(
            self._mark_written, max((due - now).total_seconds(), 0)
        )

    async def async_save_now(
        self, schedule: PollScheduler, window: ReadingWindow
    ) -> None:
        """Write at once (on unload)."""
        self._saved = _snapshot(schedule, window)
        await self._store.async_save(self._mark_written())

    def _mark_written(self) -> Saved:
        """Return what to write, noting when it was written."""
        self._written = dt_util.utcnow()
        self._due = None
        assert self._saved is not None  # set before any write is scheduled
        return self._saved


def _snapshot(schedule: PollScheduler, window: ReadingWindow) -> Saved:
    return {"schedule": schedule.as_dict(), "window": window.as_dict()}


def _matters(before: Saved, after: Saved) -> bool:
    """Tell whether a change alters what is fetched or when."""
    old_schedule = before.get("schedule", {})
    new_schedule = after["schedule"]
    if any(old_schedule.get(key) != new_schedule.get(key) for key in _SCHEDULE_KEYS):
        return True
    old_window = before.get("window") or {}
    return any(old_window.get(key) != after["window"].get(key) for key in _WINDOW_KEYS)
