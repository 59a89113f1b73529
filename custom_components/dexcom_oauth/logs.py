"""The user's logs: alerts that fired and events entered (carbs, insulin...).

Fetched by the glucose coordinator after an egvs poll, never on their own
timer, so they cost nothing while no data arrives. The readings decide when:

- Alerts: when new readings enter a zone that sounds an alert (at or below
  low or urgent low, at or above high, by the user's own thresholds), at
  once; otherwise at most every LOGS_INTERVAL, for alerts the readings do not
  show (no readings, rise, fall...).
- Events: at most every LOGS_INTERVAL after a poll that brought readings.

Records are placed by systemTime and Dexcom delivers them hours late, so an
alerts window starts before the newest reading seen at the previous fetch,
or where the egvs request began if earlier (a settling backlog), never at the
previous fetch's wall-clock time. Events are asked for a
whole EVENTS_LOOKBACK each time, so an edit or deletion of the last day's
entries corrects the entities. A failed fetch keeps what is shown and is
retried after the next poll that brings readings; the readings never wait.

Alerts are handed to listeners once per recordId: seen ids are stored
(bounded by SEEN_KEPT and SEEN_MAX), so a restart fires none again. When an
account is linked, the alerts Dexcom already holds are marked seen without
firing: an automation must not take yesterday's urgent low for a new one.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.storage import Store

from .client import (
    AlertName,
    AlertRecord,
    Device,
    DexcomClient,
    DexcomError,
    EventRecord,
    EventStatus,
    EventSubType,
    EventType,
    GlucoseReading,
)
from .const import DOMAIN, FETCH_OVERLAP
from .event_statistics import EventStatistics
from .schedule import parse_stored_time, stored_time
from .session import SessionTracker
from .statistics import BACKFILL
from .thresholds import beyond, threshold
from .unusable import UnusableLog

_LOGGER = logging.getLogger(__name__)

# Events and alerts the readings do not announce are fetched at most this often.
LOGS_INTERVAL: Final = timedelta(hours=2)
# Every events request reaches back this far before the newest reading.
EVENTS_LOOKBACK: Final = timedelta(hours=24)
# Events are kept this long for the "last" sensors and the daily totals; after
# a (re)start the first request reaches back BACKFILL, for the daily totals.
EVENTS_KEPT: Final = timedelta(days=7)
# The first alerts request reaches back this far.
ALERTS_FIRST: Final = timedelta(hours=24)
# No alerts request reaches further: older alerts are not fired (after a long
# outage they are history); seen ids are kept longer (SEEN_KEPT).
ALERTS_MAX_BACK: Final = timedelta(days=2)
# A failed request is retried after this, doubling up to LOGS_INTERVAL, so an
# endpoint that keeps failing costs no more than one that works.
RETRY_FIRST: Final = timedelta(minutes=5)
# Seen alert ids are kept this long (longer than any alerts window), and at most this many.
SEEN_KEPT: Final = timedelta(days=3)
SEEN_MAX: Final = 2000
SAVE_DELAY: Final = 10.0
_STORE_VERSION: Final = 1
# The alerts a reading can announce, by the zone it enters.
ZONE_ALERTS: Final = (AlertName.URGENT_LOW, AlertName.LOW, AlertName.HIGH)

type AlertListener = Callable[[AlertRecord], None]


def alerts_store(hass: HomeAssistant, entry: ConfigEntry) -> Store[dict[str, object]]:
    """Return where one entry's seen alert ids live."""
    return Store(hass, _STORE_VERSION, f"{DOMAIN}.{entry.entry_id}.alerts")


@dataclass(frozen=True, slots=True)
class LastEvents:
    """The newest usable event of each kind the entities show."""

    carbs: EventRecord | None = None
    fast_acting: EventRecord | None = None
    long_acting: EventRecord | None = None
    exercise: EventRecord | None = None


def _kind(event: EventRecord) -> str | None:
    """Name the entity an event feeds, or None."""
    if event.event_type is EventType.CARBS:
        return "carbs"
    if event.event_type is EventType.EXERCISE:
        return "exercise"
    if event.event_type is EventType.INSULIN:
        if event.sub_type is EventSubType.FAST_ACTING:
            return "fast_acting"
        if event.sub_type is EventSubType.LONG_ACTING:
            return "long_acting"
    return None


def last_events(events: Iterable[EventRecord]) -> LastEvents:
    """Pick the newest entered (not deleted) event with a value, per kind."""
    newest: dict[str, EventRecord] = {}
    for event in sorted(events, key=lambda e: (e.system_time, e.record_id)):
        kind = _kind(event)
        if kind and event.status is not EventStatus.DELETED and event.value is not None:
            newest[kind] = event
    return LastEvents(**newest)


def _zones(reading: GlucoseReading, device: Device | None) -> frozenset[AlertName]:
    """Return the alert zones a reading is in, by the thresholds at its time."""
    found = set()
    for name in ZONE_ALERTS:
        level = threshold(device, name, reading.system_time)
        if level is not None and beyond(reading, name, level):
            found.add(name)
    return frozenset(found)


def enters_zone(
    readings: tuple[GlucoseReading, ...],
    new: Iterable[GlucoseReading],
    device: Device | None,
) -> bool:
    """Whether a new reading enters an alert zone its predecessor was not in."""
    fresh = {reading.record_id for reading in new}
    for index, reading in enumerate(readings):
        if reading.record_id not in fresh:
            continue
        before = _zones(readings[index - 1], device) if index else frozenset()
        if _zones(reading, device) - before:
            return True
    return False


class DexcomLogs:
    """Fetches, keeps and hands out one account's alerts and events."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, client: DexcomClient
    ) -> None:
        """Start with nothing fetched; `async_load` restores the seen alerts."""
        self._entry = entry
        self._client = client
        self._store = alerts_store(hass, entry)
        self._statistics = EventStatistics(hass, entry)
        self._seen: dict[str, datetime] = {}
        # Whether alerts were ever fetched for this entry (stored with the ids).
        self._linked = False
        self._events: dict[str, EventRecord] = {}
        # Whether the first (backfilling) events request succeeded.
        self._events_loaded = False
        self._events_cadence = Cadence()
        self._alerts_cadence = Cadence()
        self._alerts_from: datetime | None = None
        self._pending: list[AlertRecord] = []
        self._listeners: list[AlertListener] = []
        self._unusable = UnusableLog(entry, _LOGGER)
        self.last = LastEvents()
        self.sessions = SessionTracker()

    async def async_load(self) -> None:
        """Restore the seen alert ids and where alerts were fetched up to."""
        saved = await self._store.async_load()
        if not isinstance(saved, dict):
            return
        self._linked = saved.get("linked") is True
        seen = saved.get("seen")
        if isinstance(seen, dict):
            self._seen = {
                key: when
                for key, raw in seen.items()
                if (when := parse_stored_time(raw)) is not None
            }
        self._alerts_from = parse_stored_time(saved.get("alerts_from"))
        self.sessions.restore(saved.get("sessions"))

    async def async_save_now(self) -> None:
        """Write the seen alert ids at once (on unload)."""
        await self._store.async_save(self._as_dict())

    @callback
    def async_add_alert_listener(self, listener: AlertListener) -> CALLBACK_TYPE:
        """Hand new alerts to `listener`, first those found before it listened."""
        self._listeners.append(listener)
        pending, self._pending = self._pending, []
        for alert in pending:
            listener(alert)

        @callback
        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    async def async_after_poll(
        self,
        now: datetime,
        fetched_from: datetime,
        readings: tuple[GlucoseReading, ...],
        new: Iterable[GlucoseReading],
        device: Device | None,
    ) -> None:
        """Fetch what is due after a successful egvs poll; never raise.

        `fetched_from` is where the egvs request began: a settling backlog's
        alerts lie there too.
        """
        new = tuple(new)
        newest = readings[-1].system_time if readings else None
        if not new and self._events_loaded:
            return
        self.follow_session(readings)
        if self._events_cadence.due(now):
            await self._fetch_events(now, newest)
        if self._alerts_cadence.due(now) or enters_zone(readings, new, device):
            await self._fetch_alerts(now, fetched_from, newest)

    def follow_session(self, readings: Sequence[GlucoseReading]) -> None:
        """Update the sensor session from readings ordered by time."""
        before = self.sessions.as_dict()
        self.sessions.update(readings)
        if self.sessions.as_dict() != before:
            self._store.async_delay_save(self._as_dict, SAVE_DELAY)

    async def _fetch_events(self, now: datetime, newest: datetime | None) -> None:
        anchor = newest or now
        # The first request spans BACKFILL to now: one request (30-day limit).
        first = not self._events_loaded
        start = now - BACKFILL if first else anchor - EVENTS_LOOKBACK
        try:
            batch = await self._client.events(start, now)
        except DexcomError as err:
            _LOGGER.debug("Could not fetch Dexcom events: %s", err)
            self._events_cadence.failed(now)
            return
        self._events_cadence.succeeded(now)
        self._events_loaded = True
        self._unusable.log("event(s)", batch.problems)
        for event in batch.records:
            self._events[event.record_id] = event
        horizon = anchor - EVENTS_KEPT
        self._statistics.update(
            self._events.values(), start if first else horizon, anchor
        )
        self._events = {
            key: event
            for key, event in self._events.items()
            if event.system_time >= horizon
        }
        self.last = last_events(self._events.values())

    async def _fetch_alerts(
        self, now: datetime, fetched_from: datetime, newest: datetime | None
    ) -> None:
        anchor = newest or now
        start = (
            anchor - ALERTS_FIRST
            if self._alerts_from is None
            else min(self._alerts_from - FETCH_OVERLAP, fetched_from)
        )
        start = max(start, now - ALERTS_MAX_BACK)
        try:
            batch = await self._client.alerts(start, now)
        except DexcomError as err:
            _LOGGER.debug("Could not fetch Dexcom alerts: %s", err)
            self._alerts_cadence.failed(now)
            return
        self._alerts_cadence.succeeded(now)
        if newest is not None:
            self._alerts_from = newest
        self._unusable.log("alert(s)", batch.problems)
        fresh = [alert for alert in batch.records if alert.record_id not in self._seen]
        for alert in fresh:
            self._seen[alert.record_id] = alert.system_time
        # Written only on a change: the store is on the SD card too.
        changed = bool(fresh) or not self._linked
        if self._linked:
            for alert in fresh:
                self._fire(alert)
        self._linked = True
        if changed:
            self._prune(now)
            self._store.async_delay_save(self._as_dict, SAVE_DELAY)

    def _fire(self, alert: AlertRecord) -> None:
        if not self._listeners:
            self._pending = [*self._pending, alert][-SEEN_MAX:]
        for listener in self._listeners:
            listener(alert)

    def _prune(self, now: datetime) -> None:
        horizon = now - SEEN_KEPT
        kept = sorted(
            ((when, key) for key, when in self._seen.items() if when >= horizon),
            reverse=True,
        )[:SEEN_MAX]
        self._seen = {key: when for when, key in kept}

    def _as_dict(self) -> dict[str, object]:
        return {
            "linked": self._linked,
            "seen": {key: stored_time(when) for key, when in self._seen.items()},
            "alerts_from": stored_time(self._alerts_from),
            "sessions": self.sessions.as_dict(),
        }

    def diagnostics(self) -> Mapping[str, object]:
        """Return what a maintainer needs: counts and times, never ids."""
        return {
            "events_kept": len(self._events),
            "events_fetched": stored_time(self._events_cadence.last_success),
            "alerts_fetched": stored_time(self._alerts_cadence.last_success),
            "alerts_from": stored_time(self._alerts_from),
            "alerts_seen": len(self._seen),
            "alerts_pending": len(self._pending),
            "session": None
            if (session := self.sessions.session) is None
            else {
                "start": stored_time(session.start),
                "generation": session.generation,
                "basis": session.basis,
            },
        }


class Cadence:
    """When an endpoint is due: LOGS_INTERVAL after a success, sooner after a failure."""

    def __init__(self) -> None:
        """Start due."""
        self.last_success: datetime | None = None
        self._last_try: datetime | None = None
        self._retry: timedelta | None = None

    def due(self, now: datetime) -> bool:
        """Whether the endpoint should be asked at `now`."""
        if self._last_try is None:
            return True
        return now - self._last_try >= (self._retry or LOGS_INTERVAL)

    def succeeded(self, now: datetime) -> None:
        """Note a success: next due after LOGS_INTERVAL."""
        self.last_success = self._last_try = now
        self._retry = None

    def failed(self, now: datetime) -> None:
        """Note a failure: retry after RETRY_FIRST, doubling up to LOGS_INTERVAL."""
        self._last_try = now
        self._retry = min(
            RETRY_FIRST if self._retry is None else self._retry * 2, LOGS_INTERVAL
        )
