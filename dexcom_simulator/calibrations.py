"""Fingerstick calibrations: G6 users enter a meter value now and then."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .rand import mix, poisson, rng
from .sessions import SensorSession
from .trace import HIGHEST, LOWEST, Trace

_KEY_CALIBRATION = 51


@dataclass(frozen=True, slots=True)
class Calibration:
    """A fingerstick value the user entered into a G6."""

    ident: int
    time: int
    value: int
    session: SensorSession


class CalibrationLog:
    """A user's calibrations, generated per sensor session (G6 only)."""

    def __init__(self, trace: Trace, seed: int) -> None:
        """Calibrate against `trace`'s true glucose."""
        self._trace = trace
        self._seed = seed
        profile = trace.profile
        self.enabled = (
            profile.generation == "g6" and profile.calibrations_per_session > 0
        )
        self._session: Callable[[int], tuple[Calibration, ...]] = lru_cache(
            maxsize=128
        )(self._build)

    def between(self, start: float, end: float) -> list[Calibration]:
        """Return every calibration in [start, end), oldest first."""
        start = max(start, self._trace.history_start)
        if not self.enabled or start >= end:
            return []
        return [
            item
            for session in self._trace.sessions.sessions_between(start, end)
            for item in self._session(session.index)
            if start <= item.time < end
        ]

    def _build(self, index: int) -> tuple[Calibration, ...]:
        """Meter values read true glucose within about 5 %."""
        trace = self._trace
        profile = trace.profile
        session = trace.sessions.session(index)
        generator = rng(self._seed, profile.number, _KEY_CALIBRATION, index)
        warm = session.start + profile.warmup_seconds
        found = []
        for number in range(poisson(generator, profile.calibrations_per_session)):
            ts = warm + int(generator.random() * (session.end - warm))
            meter = trace.true_glucose(ts) * (1.0 + generator.gauss(0.0, 0.04))
            if ts < trace.history_start:
                continue
            found.append(
                Calibration(
                    ident=mix(
                        self._seed, profile.number, _KEY_CALIBRATION, index, number
                    ),
                    time=ts,
                    value=min(HIGHEST, max(LOWEST, round(meter))),
                    session=session,
                )
            )
        found.sort(key=lambda item: item.time)
        return tuple(found)
