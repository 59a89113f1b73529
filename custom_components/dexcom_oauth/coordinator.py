"""Orchestrate one account's polling: fetch, keep, learn, report problems.

What is kept (ReadingWindow), when to poll (PollScheduler) and what survives a
restart (LearnedState) live in their own modules; this class wires them to
Home Assistant's DataUpdateCoordinator and the API client.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
from typing import override

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .analytics.adapter import GlucoseAnalytics
from .client import (
    Device,
    DexcomAuthError,
    DexcomClient,
    DexcomError,
    DexcomRateLimitError,
    GlucoseReading,
    GlucoseUnit,
)
from .const import (
    DEFAULT_DATA_DELAY,
    DEVICES_REFRESH_INTERVAL,
    DOMAIN,
    MAX_DATA_DELAY,
    READING_INTERVAL,
    STALE_MARGIN,
)
from .device import device_identifier, model_name
from .learned import LearnedState
from .logs import DexcomLogs
from .problems import ApiProblem, problem_kind
from .repairs import async_create_reauth_issue, async_delete_reauth_issue
from .schedule import PollScheduler
from .statistics import GlucoseStatistics
from .unusable import UnusableLog
from .window import ReadingWindow

_LOGGER = logging.getLogger(__name__)

type DexcomConfigEntry = ConfigEntry[DexcomCoordinator]

# While Dexcom refuses the login, check again this often: a re-link or a fix
# on Dexcom's side is noticed, and the re-link notice comes back if dismissed.
AUTH_RECHECK = timedelta(minutes=30)
# How far before the account's last reading the unit is looked for.
UNIT_SEARCH = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class DexcomData:
    """What the entities show: the kept readings and what was learned from them."""

    readings: tuple[GlucoseReading, ...]
    latest: GlucoseReading | None
    data_delay: timedelta | None
    stale_after: timedelta
    device: Device | None
    unit: GlucoseUnit

    def is_current(self, now: datetime) -> bool:
        """Whether the latest reading is recent enough to act on."""
        return (
            self.latest is not None and now - self.latest.system_time < self.stale_after
        )

    def stale_at(self) -> datetime | None:
        """When the latest reading stops being current."""
        return (
            None if self.latest is None else self.latest.system_time + self.stale_after
        )


class DexcomCoordinator(DataUpdateCoordinator[DexcomData]):
    """Polls the egvs endpoint for what is newer than the newest kept reading."""

    config_entry: DexcomConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: DexcomConfigEntry, client: DexcomClient
    ) -> None:
        """Start with nothing kept; `_async_setup` loads what was learned."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} ({entry.title})",
            update_interval=READING_INTERVAL,
        )
        self.client = client
        self.schedule = PollScheduler()
        self.window = ReadingWindow()
        self.statistics = GlucoseStatistics(hass, entry, client, self.window)
        self.analytics = GlucoseAnalytics(self)
        self.learned = LearnedState(hass, entry)
        self.logs = DexcomLogs(hass, entry, client)
        self.statistics.on_fetched = self.logs.follow_session
        # The API trouble of the last poll; None when it succeeded.
        self.problem: ApiProblem | None = None
        self._device: Device | None = None
        self._devices_checked: datetime | None = None
        self._unit = GlucoseUnit.UNKNOWN
        self._unit_searched = False
        self._unusable = UnusableLog(entry, _LOGGER)
        self._unsub_stale: CALLBACK_TYPE | None = None

    @override
    async def _async_setup(self) -> None:
        """Resume the learned schedule and window, so a restart relearns nothing."""
        self.schedule = await self.learned.async_load(self.window)
        await self.logs.async_load()

    @override
    async def _async_update_data(self) -> DexcomData:
        """Fetch new readings; map client errors to Home Assistant's."""
        now = dt_util.utcnow().replace(microsecond=0)
        start = self.window.fetch_start(now)
        try:
            batch = await self.client.egvs(start, now)
            await self._refresh_devices(now)
        except DexcomError as err:
            raise self._failed(err, now) from err
        self._unusable.log("reading(s)", batch.problems)
        new = self.window.add(batch.readings, now, start)
        if self.window.latest_glucose is None and self._unit is GlucoseUnit.UNKNOWN:
            await self._search_unit()
        self.statistics.update(new)
        self.analytics.add(batch.readings, now)
        await self.logs.async_after_poll(
            now, start, self.window.readings, new, self._device
        )
        newest = self.window.newest
        self.schedule.record_poll(now, newest.system_time if newest else None)
        self._plan_next_poll(now)
        if self.problem is not None:
            self.problem = None
            async_delete_reauth_issue(self.hass, self.config_entry)
        return self._snapshot()

    @override
    async def async_shutdown(self) -> None:
        """Stop the staleness timer and save what was learned (unload, stop)."""
        await super().async_shutdown()
        self._cancel_stale_timer()
        await self.learned.async_save_now(self.schedule, self.window)
        await self.logs.async_save_now()

    @callback
    @override
    def _async_refresh_finished(self) -> None:
        """Update the entities when the latest reading turns stale, poll or not."""
        self._cancel_stale_timer()
        if self.data is not None and (when := self.data.stale_at()) is not None:
            if when > dt_util.utcnow():
                self._unsub_stale = async_track_point_in_utc_time(
                    self.hass, self._stale_reached, when
                )

    @callback
    def _stale_reached(self, _: datetime) -> None:
        self._unsub_stale = None
        self.async_update_listeners()

    def _cancel_stale_timer(self) -> None:
        if self._unsub_stale is not None:
            self._unsub_stale()
            self._unsub_stale = None

    def _failed(self, err: DexcomError, now: datetime) -> Exception:
        """Record a failed poll; return the exception to raise.

        Retry-After goes to the schedule, which bounds it (10 s to 1 h); it is
        never handed to UpdateFailed, which would bypass those bounds.
        """
        kind = problem_kind(err)
        if self.problem is None or self.problem.kind != kind:
            self.problem = ApiProblem(kind=kind, since=now)
            # The base class tells the entities only when the first poll fails.
            self.async_update_listeners()
        self.schedule.record_failure(
            now, err.retry_after if isinstance(err, DexcomRateLimitError) else None
        )
        self._plan_next_poll(now)
        if isinstance(err, DexcomAuthError):
            return self._auth_failed()
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="rate_limited"
            if isinstance(err, DexcomRateLimitError)
            else "api_error",
            translation_placeholders={"error": str(err)},
        )

    def _auth_failed(self) -> Exception:
        """Ask the user to re-link, and keep checking at a slow rate meanwhile.

        Home Assistant stops polling after ConfigEntryAuthFailed, so after
        setup the coordinator raises UpdateFailed instead and starts the
        re-link itself: a dismissed or failed re-link comes back at the next
        check, and the repair stays until a poll succeeds.
        """
        entry = self.config_entry
        async_create_reauth_issue(self.hass, entry)
        if entry.state is ConfigEntryState.SETUP_IN_PROGRESS:
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"name": entry.title},
            )
        self.update_interval = AUTH_RECHECK
        entry.async_start_reauth(self.hass)
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="auth_failed",
            translation_placeholders={"name": entry.title},
        )

    def _plan_next_poll(self, now: datetime) -> None:
        """Poll next when the next reading should be available; save what was learned."""
        self.update_interval = self.schedule.next_poll(now)
        self.learned.save(self.schedule, self.window)

    async def _refresh_devices(self, now: datetime) -> None:
        """Fetch the device list when it is due: model and the account's unit."""
        if (
            self._devices_checked is not None
            and now - self._devices_checked < DEVICES_REFRESH_INTERVAL
        ):
            return
        self._devices_checked = now
        try:
            devices = await self.client.devices()
        except DexcomAuthError:
            raise  # the refresh token was refused: re-link, as for readings
        except DexcomError as err:
            _LOGGER.debug("Could not fetch Dexcom devices: %s", err)
            return
        device = max(
            devices.devices,
            key=lambda d: (
                d.last_upload_date or datetime.min.replace(tzinfo=dt_util.UTC)
            ),
            default=self._device,
        )
        if device is not None and device != self._device:
            self._device = device
            self._follow_device(device)
        units = {_unit_of(s.unit) for s in device.alert_settings} if device else set()
        units.discard(GlucoseUnit.UNKNOWN)
        if len(units) == 1:
            self._unit = units.pop()

    async def _search_unit(self) -> None:
        """Find the account's unit in its last readings when the last day had none.

        Entities take their display unit when they are created, so an mmol/L
        account linked during a gap must not start in mg/dL. Asked once.
        """
        if self._unit_searched:
            return
        self._unit_searched = True
        try:
            data_range = await self.client.data_range()
            if data_range.egvs is None:
                return
            end = data_range.egvs.end
            batch = await self.client.egvs(
                end - UNIT_SEARCH, end + timedelta(seconds=1)
            )
        except DexcomError as err:
            _LOGGER.debug("Could not look up the account's unit: %s", err)
            return
        self._unit = next(
            (r.unit for r in batch.readings if r.unit is not GlucoseUnit.UNKNOWN),
            GlucoseUnit.UNKNOWN,
        )

    def _follow_device(self, device: Device) -> None:
        """Show a sensor change (G6 to G7) on the registered device."""
        registry = dr.async_get(self.hass)
        entry = registry.async_get_device_by_identifier(
            device_identifier(self.config_entry), self.config_entry.entry_id
        )
        if entry is not None:
            registry.async_update_device(entry.id, model=model_name(device))

    def _snapshot(self) -> DexcomData:
        """Freeze the current state for the entities."""
        latest = self.window.latest_glucose
        delay = self.schedule.offset
        expected = (
            min(delay, MAX_DATA_DELAY) if delay is not None else DEFAULT_DATA_DELAY
        )
        unit = latest.unit if latest is not None else GlucoseUnit.UNKNOWN
        if unit is GlucoseUnit.UNKNOWN:
            unit = self._unit
        return DexcomData(
            readings=self.window.readings,
            latest=latest,
            data_delay=delay,
            stale_after=expected + STALE_MARGIN,
            device=self._device,
            unit=unit,
        )


def _unit_of(text: str | None) -> GlucoseUnit:
    """Read an alert setting's unit ("mg/dL", "mmol/L"), UNKNOWN for anything else."""
    units = {unit.value.lower(): unit for unit in GlucoseUnit}
    return units.get((text or "").strip().lower(), GlucoseUnit.UNKNOWN)
