"""Everything the API can show about one sandbox user, filtered by what is visible now."""

from collections.abc import Callable, Sequence

from .alerts import Alert, AlertLog
from .calibrations import Calibration, CalibrationLog
from .config import SimulatorConfig
from .physiology import DAY, Intake
from .profiles import UserProfile
from .rand import Stream
from .timefmt import to_timestamp
from .trace import Reading, Trace
from .uploads import StallBook, Visibility

_KEY_RECORD = 53
_SCAN_STEP = 30 * DAY


class UserData:
    """One user's trace, events, calibrations and alerts, with upload timing."""

    def __init__(
        self, profile: UserProfile, config: SimulatorConfig, stall_book: StallBook
    ) -> None:
        """Build the lazily computed, cached sources for `profile`."""
        self.profile = profile
        self.history_start = int(to_timestamp(config.history_start))
        key = (config.seed, profile.number, _KEY_RECORD)
        self._id_high = Stream(*key, 0)
        self._id_low = Stream(*key, 1)
        self.trace = Trace(profile, config.seed, self.history_start)
        self.calibration_log = CalibrationLog(self.trace, config.seed)
        self.alert_log = AlertLog(self.trace, config.seed)
        self.visibility = Visibility(
            profile, config.seed, config.delay, config.jitter, stall_book
        )

    def record_id(self, kind: int, key: int) -> int:
        """Return 128 stable bits for the UUID of record `key` of type `kind`."""
        index = key * 8 + kind
        return (self._id_high.bits(index) << 64) | self._id_low.bits(index)

    def upload_time(self, ts: float) -> float:
        """Return when a record taken at `ts` reached Dexcom."""
        return self.visibility.upload_time(ts)

    def _shown(self, ts: float, key: int, now: float) -> bool:
        return self.visibility.visible_at(ts, key) <= now

    def egv_visible(self, reading: Reading, now: float) -> bool:
        """Whether the API shows this reading at `now`."""
        return self._shown(reading.time, reading.key, now)

    def egvs(self, start: float, end: float, now: float) -> list[Reading]:
        """Return visible readings with start <= systemTime < end, oldest first."""
        return [
            reading
            for reading in self.trace.readings_between(start, end)
            if self.egv_visible(reading, now)
        ]

    def all_events(self, start: float, end: float) -> list[Intake]:
        """Return every logged event in [start, end), uploaded yet or not."""
        start = max(start, self.history_start)
        if not self.profile.logs_events or start >= end:
            return []
        return [
            intake
            for intake in self.trace.physiology.intakes_between(start, end)
            if intake.logged
        ]

    def events(self, start: float, end: float, now: float) -> list[Intake]:
        """Return visible user-entered events (none for users who never log)."""
        return [
            intake
            for intake in self.all_events(start, end)
            if self._shown(intake.time, intake.ident, now)
        ]

    def calibrations(self, start: float, end: float, now: float) -> list[Calibration]:
        """Return visible calibrations with start <= systemTime < end."""
        return [
            item
            for item in self.calibration_log.between(start, end)
            if self._shown(item.time, item.ident, now)
        ]

    def alerts(self, start: float, end: float, now: float) -> list[Alert]:
        """Return visible alerts with start <= systemTime < end."""
        return [
            item
            for item in self.alert_log.between(start, end)
            if self._shown(item.time, item.ident, now)
        ]

    def latest_egv(self, now: float) -> Reading | None:
        """Return the newest reading the API shows at `now`."""
        return _latest(
            self.trace.readings_between, self.egv_visible, now, self.history_start, DAY
        )

    def earliest_egv(self, now: float) -> Reading | None:
        """Return the oldest reading the API shows at `now`."""
        return _earliest(
            self.trace.readings_between, self.egv_visible, now, self.history_start, DAY
        )

    def event_range(self, now: float) -> tuple[Intake, Intake] | None:
        """Return the oldest and newest visible events."""
        if not self.profile.logs_events:
            return None

        def visible(item: Intake, at: float) -> bool:
            return self._shown(item.time, item.ident, at)

        return _range(self.all_events, visible, now, self.history_start)

    def calibration_range(self, now: float) -> tuple[Calibration, Calibration] | None:
        """Return the oldest and newest visible calibrations."""
        if not self.calibration_log.enabled:
            return None

        def visible(item: Calibration, at: float) -> bool:
            return self._shown(item.time, item.ident, at)

        return _range(self.calibration_log.between, visible, now, self.history_start)


def _latest[T](
    fetch: Callable[[float, float], Sequence[T]],
    visible: Callable[[T, float], bool],
    now: float,
    floor: float,
    first_step: float = _SCAN_STEP,
) -> T | None:
    end = now + 1
    step = first_step
    while end > floor:
        start = max(floor, end - step)
        for item in reversed(fetch(start, end)):
            if visible(item, now):
                return item
        end = start
        step = _SCAN_STEP
    return None


def _earliest[T](
    fetch: Callable[[float, float], Sequence[T]],
    visible: Callable[[T, float], bool],
    now: float,
    floor: float,
    first_step: float = _SCAN_STEP,
) -> T | None:
    start = floor
    step = first_step
    while start <= now:
        end = min(now + 1, start + step)
        for item in fetch(start, end):
            if visible(item, now):
                return item
        start = end
        step = _SCAN_STEP
    return None


def _range[T](
    fetch: Callable[[float, float], Sequence[T]],
    visible: Callable[[T, float], bool],
    now: float,
    floor: float,
) -> tuple[T, T] | None:
    first = _earliest(fetch, visible, now, floor)
    last = _latest(fetch, visible, now, floor)
    if first is None or last is None:
        return None
    return first, last
