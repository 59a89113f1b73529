"""Deterministic pseudo-randomness keyed by integers.

The trace must be the same for a given seed, user and time no matter which
window is requested first, so every random draw is derived from a hash of
its coordinates instead of from a shared generator's state.
"""

import math
import random

_MASK = (1 << 64) - 1
_SCALE = 1.0 / float(1 << 64)


def _splitmix(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def mix(*parts: int) -> int:
    """Hash integer coordinates to a 64-bit integer."""
    state = 0
    for part in parts:
        state = _splitmix(state ^ (part & _MASK))
    return state


def unit(*parts: int) -> float:
    """Hash integer coordinates to a float in [0, 1)."""
    return mix(*parts) * _SCALE


def rng(*parts: int) -> random.Random:
    """Return a generator seeded from integer coordinates (for short sequences)."""
    return random.Random(mix(*parts))


class Noise:
    """Smooth noise in [-1, 1]: hashed knots every `period` seconds, eased in between.

    Knot values are memoised because neighbouring readings share their knots.
    """

    __slots__ = ("_knots", "_period", "_state")

    def __init__(self, period: float, *key: int) -> None:
        """Fix the knot spacing and the coordinates that make this field unique."""
        self._period = period
        self._state = mix(*key)
        self._knots: dict[int, float] = {}

    def _knot(self, knot: int) -> float:
        value = self._knots.get(knot)
        if value is None:
            if len(self._knots) > 4096:
                self._knots.clear()
            value = _splitmix(self._state ^ (knot & _MASK)) * _SCALE * 2.0 - 1.0
            self._knots[knot] = value
        return value

    def __call__(self, t: float) -> float:
        """Return the noise value at time `t`."""
        x = t / self._period
        knot = math.floor(x)
        frac = x - knot
        left = self._knot(knot)
        right = self._knot(knot + 1)
        return left + (right - left) * frac * frac * (3.0 - 2.0 * frac)


class Stream:
    """Independent uniform draws indexed by an integer, under a fixed key."""

    __slots__ = ("_state",)

    def __init__(self, *key: int) -> None:
        """Fix the coordinates that make this stream unique."""
        self._state = mix(*key)

    def __call__(self, index: int) -> float:
        """Return the draw number `index`, in [0, 1)."""
        return _splitmix(self._state ^ (index & _MASK)) * _SCALE

    def bits(self, index: int) -> int:
        """Return the draw number `index` as 64 random bits."""
        return _splitmix(self._state ^ (index & _MASK))


def poisson(generator: random.Random, mean: float) -> int:
    """Draw a Poisson-distributed count (Knuth; means here are small)."""
    if mean <= 0:
        return 0
    limit = math.exp(-mean)
    count = 0
    product = generator.random()
    while product > limit:
        count += 1
        product *= generator.random()
    return count
