"""The current sensor session, inferred from the readings: Dexcom sends no start.

A session is taken to begin where the readings show a new sensor:

- the transmitter id changes (a G7 sensor has its own transmitter, so every
  G7 sensor change shows this way; a G6 transmitter outlives three sensors);
- for generations whose transmitter is reused (G4, G5, G6), a gap at least
  as long as the warm-up, after which the readings resume.

The start is the first reading of the new sensor minus its warm-up (when the
sensor was inserted), so it is always an estimate; a long signal loss on a
G6 may pass for a sensor change. A gap is trusted only once SETTLE has
passed after it, because a stalled phone's backlog may still fill it. The
expected end is start + the generation's session length; G7 sensors add a
12-hour grace period, reported separately.

Pure on purpose: no Home Assistant imports and no clock; the caller passes
the readings and saves `as_dict`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
import hashlib
from typing import Final

from .client import GlucoseReading
from .schedule import parse_stored_time, stored_time

# Session length, grace period and warm-up per transmitter generation
# (Dexcom's user guides: G4/G5 7 days; G6 10 days, 2 h warm-up; G7 10 days
# and G7 15 Day 15 days, each + 12 h grace, 30 min warm-up).
LENGTHS: Final[dict[str, tuple[timedelta, timedelta, timedelta]]] = {
    "g4": (timedelta(days=7), timedelta(0), timedelta(hours=2)),
    "g5": (timedelta(days=7), timedelta(0), timedelta(hours=2)),
    "g6": (timedelta(days=10), timedelta(0), timedelta(hours=2)),
    "g6+": (timedelta(days=10), timedelta(0), timedelta(hours=2)),
    "g6 pro": (timedelta(days=10), timedelta(0), timedelta(hours=2)),
    "dexcompro": (timedelta(days=10), timedelta(0), timedelta(hours=2)),
    "g7": (timedelta(days=10), timedelta(hours=12), timedelta(minutes=30)),
    "g715day": (timedelta(days=15), timedelta(hours=12), timedelta(minutes=30)),
}
# Generations whose transmitter is part of each sensor.
PER_SENSOR_TRANSMITTER: Final = frozenset({"g7", "g715day"})
# A gap counts only once a stalled phone's backlog would have filled it.
SETTLE: Final = timedelta(hours=1)
_VERSION: Final = 1


def _generation(reading: GlucoseReading) -> str:
    return (reading.transmitter_generation or "").strip().lower()


def _transmitter(reading: GlucoseReading) -> str | None:
    """Identify a transmitter without keeping its id (a secret)."""
    if reading.transmitter_id is None:
        return None
    return hashlib.sha256(reading.transmitter_id.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Session:
    """A sensor session: when it began (estimated) and its generation."""

    start: datetime
    generation: str
    transmitter: str | None
    basis: str  # "transmitter_change" or "warm_up_gap"

    @property
    def expected_end(self) -> datetime | None:
        """When the session ends, by its generation; None if that is unknown."""
        known = LENGTHS.get(self.generation)
        return None if known is None else self.start + known[0]

    @property
    def grace_end(self) -> datetime | None:
        """When the grace period after the end runs out (G7), else None."""
        known = LENGTHS.get(self.generation)
        if known is None or not known[1]:
            return None
        return self.start + known[0] + known[1]


def _new_sensor(previous: GlucoseReading, reading: GlucoseReading) -> str | None:
    """Tell why `reading` is a new sensor's first one, or None if it is not."""
    before, after = previous.transmitter_id, reading.transmitter_id
    if before is not None and after is not None and before != after:
        return "transmitter_change"
    generation = _generation(reading)
    known = LENGTHS.get(generation)
    if (
        known is not None
        and generation not in PER_SENSOR_TRANSMITTER
        and reading.system_time - previous.system_time >= known[2]
    ):
        return "warm_up_gap"
    return None


def latest_session(readings: Sequence[GlucoseReading]) -> Session | None:
    """Find the newest sensor change in readings ordered by time, if any.

    A change within SETTLE of the newest reading is ignored: its gap may
    still fill.
    """
    if not readings:
        return None
    settled = readings[-1].system_time - SETTLE
    for previous, reading in zip(
        reversed(readings[:-1]), reversed(readings[1:]), strict=True
    ):
        if reading.system_time > settled:
            continue
        if (basis := _new_sensor(previous, reading)) is not None:
            generation = _generation(reading)
            warm_up = LENGTHS[generation][2] if generation in LENGTHS else timedelta(0)
            return Session(
                start=reading.system_time - warm_up,
                generation=generation,
                transmitter=_transmitter(reading),
                basis=basis,
            )
    return None


class SessionTracker:
    """Keeps the current session across polls and restarts."""

    def __init__(self) -> None:
        """Start knowing no session."""
        self.session: Session | None = None

    def update(self, readings: Sequence[GlucoseReading]) -> None:
        """Take a newer session from readings ordered by time."""
        found = latest_session(readings)
        if found is not None:
            if self.session is None or found.start > self.session.start:
                self.session = found
            return
        # A new transmitter without a visible change (it came while Home
        # Assistant was down): the known session is over, its start unknown.
        newest = _transmitter(readings[-1]) if readings else None
        if (
            self.session is not None
            and newest is not None
            and self.session.transmitter is not None
            and newest != self.session.transmitter
        ):
            self.session = None

    def as_dict(self) -> dict[str, object]:
        """Return what survives a restart (a hash, never the transmitter id)."""
        session = self.session
        return {
            "version": _VERSION,
            "session": None
            if session is None
            else {
                "start": stored_time(session.start),
                "generation": session.generation,
                "transmitter": session.transmitter,
                "basis": session.basis,
            },
        }

    def restore(self, data: object) -> None:
        """Take back what `as_dict` saved; anything unusable is ignored."""
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            return
        saved = data.get("session")
        if not isinstance(saved, dict):
            return
        start = parse_stored_time(saved.get("start"))
        generation, basis = saved.get("generation"), saved.get("basis")
        transmitter = saved.get("transmitter")
        if (
            start is not None
            and isinstance(generation, str)
            and isinstance(basis, str)
            and (transmitter is None or isinstance(transmitter, str))
        ):
            self.session = Session(start, generation, transmitter, basis)
