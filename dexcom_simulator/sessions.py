"""Sensor sessions: when each 10-day sensor runs, its reading grid, warm-up and gaps.

Session k starts at a fixed slot (anchor + phase + k * period) plus a deterministic
offset, so any session can be computed directly from its index without walking
through the history before it.
"""

from dataclasses import dataclass
from functools import lru_cache
import hashlib
import math

from .profiles import UserProfile
from .rand import poisson, rng, unit

GRID_SECONDS = 300
SESSION_READINGS = 2880  # 10 days of 5-minute readings
SESSION_PERIOD = SESSION_READINGS * GRID_SECONDS + 7200  # sensor change takes up to 2 h
ANCHOR = 1_577_836_800  # 2020-01-01T00:00:00Z
G6_SESSIONS_PER_TRANSMITTER = 9  # a G6 transmitter lasts 90 days

_KEY_PHASE = 11
_KEY_START = 12
_KEY_GAPS = 13
_KEY_BIAS = 14


@dataclass(frozen=True, slots=True)
class SensorSession:
    """One sensor wear: readings at start + i * 5 min for warm-up <= i < 2880."""

    index: int
    start: int
    first_reading: int
    missing: frozenset[int]
    transmitter_id: str
    transmitter_start: int
    bias: float

    @property
    def end(self) -> int:
        """Time after the last possible reading of the session."""
        return self.start + SESSION_READINGS * GRID_SECONDS

    def time_of(self, reading: int) -> int:
        """Return the systemTime (epoch seconds) of reading number `reading`."""
        return self.start + reading * GRID_SECONDS

    def has_reading(self, reading: int) -> bool:
        """Whether the sensor produced reading number `reading`."""
        return (
            self.first_reading <= reading < SESSION_READINGS
            and reading not in self.missing
        )


class SessionPlan:
    """All sensor sessions of one user for one seed."""

    def __init__(self, profile: UserProfile, seed: int) -> None:
        """Derive the user's session phase from the seed."""
        self._profile = profile
        self._seed = seed
        self._phase = int(unit(seed, profile.number, _KEY_PHASE) * SESSION_PERIOD)
        self.session = lru_cache(maxsize=256)(self._build)

    def _slot(self, ts: float) -> int:
        return math.floor((ts - ANCHOR - self._phase) / SESSION_PERIOD)

    def sessions_between(self, start: float, end: float) -> list[SensorSession]:
        """Return the sessions whose wear overlaps [start, end), oldest first."""
        found = []
        for index in range(self._slot(start) - 1, self._slot(end) + 1):
            session = self.session(index)
            if session.start < end and session.end > start:
                found.append(session)
        return found

    def _build(self, index: int) -> SensorSession:
        profile = self._profile
        start = self._slot_start(index)
        if profile.generation == "g6":
            first = index - index % G6_SESSIONS_PER_TRANSMITTER
            transmitter = first
            transmitter_start = self._slot_start(first) - 3600
        else:
            transmitter = index
            transmitter_start = start
        digest = hashlib.sha256(
            f"{self._seed}:{profile.name}:transmitter:{transmitter}".encode()
        ).hexdigest()
        return SensorSession(
            index=index,
            start=start,
            first_reading=profile.warmup_seconds // GRID_SECONDS,
            missing=self._gaps(index),
            transmitter_id=digest,
            transmitter_start=transmitter_start,
            bias=(unit(self._seed, profile.number, _KEY_BIAS, index) - 0.5) * 0.12,
        )

    def _slot_start(self, index: int) -> int:
        offset = int(unit(self._seed, self._profile.number, _KEY_START, index) * 5400)
        return ANCHOR + self._phase + index * SESSION_PERIOD + offset

    def _gaps(self, index: int) -> frozenset[int]:
        """Signal losses: mostly one or two readings, now and then half an hour or more."""
        generator = rng(self._seed, self._profile.number, _KEY_GAPS, index)
        missing: set[int] = set()
        for _ in range(poisson(generator, self._profile.gaps_per_day * 10)):
            first = generator.randrange(0, SESSION_READINGS)
            length = generator.choices(
                (1, 2, 3, 4, 6, 12, 24), weights=(40, 22, 12, 8, 8, 7, 3)
            )[0]
            missing.update(range(first, first + length))
        return frozenset(missing)
