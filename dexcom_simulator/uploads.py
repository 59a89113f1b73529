"""When readings reach Dexcom and when the API shows them (data delay, jitter, stalls).

A record becomes visible at max(systemTime + delay, upload time) + jitter, where
the upload time is systemTime unless the phone was offline (a stall); readings
taken during a stall upload together when it ends.
"""

from collections.abc import Callable, Sequence
from functools import lru_cache
import math

from .config import MAX_STALL_SECONDS, RandomStalls, Stall
from .profiles import UserProfile
from .rand import Stream, poisson, rng
from .timefmt import to_timestamp

_KEY_STALLS = 41
_KEY_JITTER = 42
_DAY = 86400


class StallBook:
    """Configured stalls plus stalls added at run time (admin endpoint, tests)."""

    def __init__(
        self, stalls: Sequence[Stall], random_stalls: RandomStalls | None
    ) -> None:
        """Start from the configured stalls."""
        self._stalls = list(stalls)
        self.random_stalls = random_stalls
        self._windows: dict[str, list[tuple[float, float]]] = {}

    @property
    def stalls(self) -> tuple[Stall, ...]:
        """All fixed stalls (configured and added)."""
        return tuple(self._stalls)

    def add(self, stall: Stall) -> None:
        """Add a stall; it applies to requests from now on."""
        self._stalls.append(stall)
        self._windows.clear()

    def clear(self) -> None:
        """Forget all fixed stalls (random stalls stay as configured)."""
        self._stalls.clear()
        self._windows.clear()

    def windows(self, user: str) -> list[tuple[float, float]]:
        """Return the fixed stall windows (epoch seconds) that apply to `user`."""
        windows = self._windows.get(user)
        if windows is None:
            windows = [
                (to_timestamp(stall.start), to_timestamp(stall.start) + stall.duration)
                for stall in self._stalls
                if stall.user in (None, user)
            ]
            self._windows[user] = windows
        return windows


class Visibility:
    """Upload and visibility times of one user's records."""

    def __init__(
        self,
        profile: UserProfile,
        seed: int,
        delay: float,
        jitter: float,
        stall_book: StallBook,
    ) -> None:
        """Bind the user's timing parameters."""
        self._profile = profile
        self._seed = seed
        self._delay = delay
        self._jitter = jitter
        self._book = stall_book
        self._jitter_draw = Stream(seed, profile.number, _KEY_JITTER)
        self._random_windows: Callable[[int], tuple[tuple[float, float], ...]] = (
            lru_cache(maxsize=256)(self._build_random_windows)
        )

    def upload_time(self, ts: float) -> float:
        """When a record taken at `ts` reached Dexcom."""
        fixed = self._book.windows(self._profile.name)
        uploaded = ts
        while True:
            end = self._covering_end(uploaded, fixed)
            if end is None:
                return uploaded
            uploaded = end

    def visible_at(self, ts: float, key: int) -> float:
        """When the API starts returning a record taken at `ts` (jitter drawn by `key`)."""
        ready = max(ts + self._delay, self.upload_time(ts))
        return ready + self._jitter_draw(key) * self._jitter

    def _covering_end(
        self, ts: float, fixed: Sequence[tuple[float, float]]
    ) -> float | None:
        end: float | None = None
        candidates = list(fixed)
        if self._book.random_stalls is not None:
            day = math.floor(ts / _DAY)
            reach = math.ceil(MAX_STALL_SECONDS / _DAY)
            for earlier in range(day - reach, day + 1):
                candidates.extend(self._random_windows(earlier))
        for start, stop in candidates:
            if start <= ts < stop and (end is None or stop > end):
                end = stop
        return end

    def _build_random_windows(self, day: int) -> tuple[tuple[float, float], ...]:
        settings = self._book.random_stalls
        if settings is None:
            return ()
        generator = rng(self._seed, self._profile.number, _KEY_STALLS, day)
        windows = []
        for _ in range(poisson(generator, settings.per_day)):
            start = day * _DAY + generator.random() * _DAY
            length = generator.uniform(settings.min_duration, settings.max_duration)
            windows.append((start, start + length))
        return tuple(windows)
