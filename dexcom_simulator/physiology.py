"""The glucose model: daily life (meals, boluses, exercise, illness) and its effect.

Glucose is a sum of smooth responses to dated intakes on top of a base level,
a dawn rise and slow/fast drift noise. Every response fades within ten hours,
so the value at any time depends only on the day before and the day itself:
days can be computed in any order and cached.
"""

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
import math
import random
from typing import Literal

from .profiles import UserProfile
from .rand import Noise, mix, rng

DAY = 86400
HORIZON = 10 * 3600
_FADE_AFTER = 3 * 3600
_FADE_TIME = 5400.0
_EXERCISE_RECOVERY = 4500.0
_LOW_TREATMENT_THRESHOLD = 70.0

_KEY_DAY = 21
_KEY_RESCUE = 22
_KEY_EVENT_ID = 23
_KEY_DRIFT = 24
_KEY_WOBBLE = 25

type EventType = Literal["carbs", "insulin", "exercise", "health"]


@dataclass(frozen=True, slots=True)
class Intake:
    """Something the user did; `effect` (mg/dL, signed) is its full glucose action."""

    ident: int
    time: int
    event_type: EventType
    sub_type: str | None
    amount: float | None
    unit: str
    effect: float
    theta: float
    status: Literal["created", "deleted"] = "created"
    logged: bool = True


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One local day of a user's life."""

    intakes: tuple[Intake, ...]
    dawn: float
    illness: float


def _softplus(z: float) -> float:
    if z > 0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


def _soft_clip(x: float) -> float:
    """Keep glucose physiological (about 20-520 mg/dL) without a hard corner."""
    x = 22.0 + 8.0 * _softplus((x - 22.0) / 8.0)
    return 520.0 - 12.0 * _softplus((520.0 - x) / 12.0)


def _bump(second_of_day: float, start: float, end: float) -> float:
    """Return a raised cosine: 0 outside [start, end), 1 in its middle."""
    if not start <= second_of_day < end:
        return 0.0
    return 0.5 - 0.5 * math.cos(2.0 * math.pi * (second_of_day - start) / (end - start))


def _action(intake: Intake, tau: float) -> float:
    """Glucose change `tau` seconds after an intake."""
    if intake.event_type == "exercise":
        if tau < intake.theta:
            return intake.effect * tau / intake.theta
        return intake.effect * math.exp(-(tau - intake.theta) / _EXERCISE_RECOVERY)
    x = tau / intake.theta
    shape = 1.0 - (1.0 + x) * math.exp(-x)
    if tau > _FADE_AFTER:
        shape *= math.exp(-(tau - _FADE_AFTER) / _FADE_TIME)
    return intake.effect * shape


class Physiology:
    """Daily plans and the resulting true glucose of one user."""

    def __init__(self, profile: UserProfile, seed: int) -> None:
        """Cache plans per local day."""
        self._profile = profile
        self._seed = seed
        self._offset = profile.utc_offset_seconds
        key = (seed, profile.number)
        self._drift = Noise(3 * 3600, *key, _KEY_DRIFT)
        self._wobble = Noise(40 * 60, *key, _KEY_WOBBLE)
        self._base_plan = lru_cache(maxsize=256)(self._build_base)
        self.plan: Callable[[int], DayPlan] = lru_cache(maxsize=256)(self._build)

    def local_day(self, ts: float) -> int:
        """Return the user's local day number of a UTC timestamp."""
        return math.floor((ts + self._offset) / DAY)

    def intakes_between(self, start: float, end: float) -> list[Intake]:
        """Return every intake in [start, end), oldest first."""
        found = [
            intake
            for day in range(self.local_day(start), self.local_day(end - 1) + 1)
            for intake in self.plan(day).intakes
            if start <= intake.time < end
        ]
        found.sort(key=lambda intake: intake.time)
        return found

    def glucose_series(self, times: Sequence[float]) -> list[float]:
        """Return true blood glucose (mg/dL) at each time."""
        if not times:
            return []
        first = self.local_day(min(times) - HORIZON)
        last = self.local_day(max(times))
        active = _Active(
            intake
            for day in range(first, last + 1)
            for intake in self.plan(day).intakes
            if intake.effect
        )
        return [self._glucose(ts, active) for ts in times]

    def _glucose(self, ts: float, active: _Active) -> float:
        profile = self._profile
        local = ts + self._offset
        day = math.floor(local / DAY)
        second = local - day * DAY
        today = self._base_plan(day)
        level = (
            profile.base
            + profile.drift * self._drift(ts)
            + profile.wobble * self._wobble(ts)
            + today.dawn * _bump(second, 3 * 3600, 9 * 3600)
            + today.illness * _bump(second, 6 * 3600, DAY)
        )
        for intake in active.acting_at(ts):
            level += _action(intake, ts - intake.time)
        return _soft_clip(level)

    def _build(self, day: int) -> DayPlan:
        """Add low treatments: when glucose falls under 70 the user eats fast carbs."""
        base = self._base_plan(day)
        profile = self._profile
        generator = rng(self._seed, profile.number, _KEY_RESCUE, day)
        active = _Active(
            intake
            for intake in self._base_plan(day - 1).intakes + base.intakes
            if intake.effect
        )
        midnight = day * DAY - self._offset
        rescues: list[Intake] = []
        last_treated = -math.inf
        for step in range(DAY // 300):
            ts = midnight + step * 300
            if ts - last_treated < 3600:
                continue
            if self._glucose(ts, active) >= _LOW_TREATMENT_THRESHOLD:
                continue
            grams = generator.choice((15, 15, 20, 25))
            rescue = Intake(
                ident=mix(self._seed, profile.number, _KEY_EVENT_ID, day, 1000 + step),
                time=ts + int(generator.uniform(5, 25) * 60),
                event_type="carbs",
                sub_type=None,
                amount=float(grams),
                unit="grams",
                effect=grams * profile.carb_sensitivity,
                theta=20 * 60,
                logged=generator.random() < 0.6,
            )
            rescues.append(rescue)
            active.add(rescue)
            last_treated = ts
        intakes = tuple(sorted(base.intakes + tuple(rescues), key=lambda i: i.time))
        return DayPlan(intakes=intakes, dawn=base.dawn, illness=base.illness)

    def _build_base(self, day: int) -> DayPlan:
        profile = self._profile
        generator = rng(self._seed, profile.number, _KEY_DAY, day)
        midnight = day * DAY - self._offset
        weekend = (day + 3) % 7 >= 5  # day 0 (1970-01-01) was a Thursday
        builder = _DayBuilder(profile, generator, midnight, self._ident_source(day))
        meals = (
            (7.25 + (1.5 if weekend else 0.0), 0.6, 40.0),
            (12.75, 0.7, 55.0),
            (18.75, 0.9, 70.0),
        )
        for hour, spread, mean_grams in meals:
            if generator.random() < 0.08:
                continue
            grams = round(
                generator.gauss(mean_grams * profile.meal_scale, mean_grams * 0.3)
            )
            builder.meal(hour + generator.uniform(-spread, spread), max(8, grams), 1.0)
        if generator.random() < profile.snack_chance:
            hour = generator.choice((10.0, 15.5, 21.5)) + generator.uniform(-0.75, 0.75)
            builder.meal(hour, generator.randint(10, 30), 0.5)
        if generator.random() < profile.exercise_chance:
            builder.exercise()
        illness = 0.0
        if generator.random() < 0.04:
            illness = generator.uniform(25.0, 60.0)
            builder.health(generator.choice(("illness", "stress")))
        if profile.multiple_daily_injections:
            builder.basal()
        if generator.random() < 0.03:
            builder.mistaken_entry()
        dawn = profile.dawn * generator.uniform(0.4, 1.6)
        intakes = tuple(sorted(builder.intakes, key=lambda i: i.time))
        return DayPlan(intakes=intakes, dawn=dawn, illness=illness)

    def _ident_source(self, day: int) -> Callable[[], int]:
        counter = iter(range(1000))
        seed, number = self._seed, self._profile.number
        return lambda: mix(seed, number, _KEY_EVENT_ID, day, next(counter))


class _Active:
    """Intakes sorted by time, to find those still acting at a moment quickly."""

    def __init__(self, intakes: Iterable[Intake]) -> None:
        self._intakes = sorted(intakes, key=lambda intake: intake.time)
        self._times = [intake.time for intake in self._intakes]

    def add(self, intake: Intake) -> None:
        index = bisect.bisect_right(self._times, intake.time)
        self._times.insert(index, intake.time)
        self._intakes.insert(index, intake)

    def acting_at(self, ts: float) -> list[Intake]:
        """Intakes in (ts - HORIZON, ts]."""
        first = bisect.bisect_right(self._times, ts - HORIZON)
        last = bisect.bisect_right(self._times, ts)
        return self._intakes[first:last]


class _DayBuilder:
    """Collects one day's intakes; draws from the day's generator in a fixed order."""

    def __init__(
        self,
        profile: UserProfile,
        generator: random.Random,
        midnight: int,
        next_ident: Callable[[], int],
    ) -> None:
        self._profile = profile
        self._random = generator
        self._midnight = midnight
        self._next_ident = next_ident
        self.intakes: list[Intake] = []

    def _at(self, hour: float) -> int:
        return self._midnight + int(hour * 3600) + self._random.randrange(60)

    def meal(self, hour: float, grams: int, bolus_chance: float) -> None:
        profile = self._profile
        when = self._at(hour)
        self.intakes.append(
            Intake(
                ident=self._next_ident(),
                time=when,
                event_type="carbs",
                sub_type=None,
                amount=float(grams),
                unit="grams",
                effect=grams * profile.carb_sensitivity,
                theta=self._random.uniform(30, 50) * 60,
            )
        )
        if self._random.random() >= bolus_chance * (1.0 - profile.missed_bolus):
            return
        ratio = max(
            0.2, self._random.gauss(1.0 + profile.bolus_bias, profile.bolus_error)
        )
        units = (
            round(
                grams
                * profile.carb_sensitivity
                * ratio
                / profile.insulin_sensitivity
                * 2
            )
            / 2
        )
        if units <= 0:
            return
        self.intakes.append(
            Intake(
                ident=self._next_ident(),
                time=when + int(self._random.uniform(-15, 10) * 60),
                event_type="insulin",
                sub_type="fastActing",
                amount=units,
                unit="units",
                effect=-units * profile.insulin_sensitivity,
                theta=self._random.uniform(50, 65) * 60,
            )
        )

    def exercise(self) -> None:
        hour = self._random.choice((6.5, 17.5, 19.0)) + self._random.uniform(-0.5, 0.5)
        minutes = self._random.choice((30, 45, 60, 75))
        intensity = self._random.choices(
            ("light", "medium", "heavy"), weights=(3, 4, 2)
        )[0]
        drop = {"light": 25.0, "medium": 45.0, "heavy": 70.0}[intensity]
        self.intakes.append(
            Intake(
                ident=self._next_ident(),
                time=self._at(hour),
                event_type="exercise",
                sub_type=intensity,
                amount=float(minutes),
                unit="minutes",
                effect=-drop * self._profile.exercise_effect * minutes / 45,
                theta=minutes * 60,
            )
        )

    def health(self, sub_type: str) -> None:
        self.intakes.append(
            Intake(
                ident=self._next_ident(),
                time=self._at(self._random.uniform(8.0, 11.0)),
                event_type="health",
                sub_type=sub_type,
                amount=None,
                unit="unknown",
                effect=0.0,
                theta=1.0,
            )
        )

    def basal(self) -> None:
        self.intakes.append(
            Intake(
                ident=self._next_ident(),
                time=self._at(21.5 + self._random.uniform(-0.5, 0.5)),
                event_type="insulin",
                sub_type="longActing",
                amount=float(self._random.randint(16, 24)),
                unit="units",
                effect=0.0,
                theta=1.0,
            )
        )

    def mistaken_entry(self) -> None:
        """Add a carb entry the user deleted again (listed with eventStatus deleted)."""
        self.intakes.append(
            Intake(
                ident=self._next_ident(),
                time=self._at(self._random.uniform(8.0, 21.0)),
                event_type="carbs",
                sub_type=None,
                amount=float(self._random.randint(20, 60)),
                unit="grams",
                effect=0.0,
                theta=1.0,
                status="deleted",
            )
        )
