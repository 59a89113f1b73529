"""Consensus glycemic measures over a window of readings.

Pure on purpose: no Home Assistant imports, no clock, no pandas or numpy, so
the measures are cheap on every new reading and are checked in tests against
iglu-python. Values are mg/dL as `glucose_value` gives them: a LOW reading is
40 and a HIGH one 400, which count below 54 and above 250, and which the mean
and SD use as stand-ins for the unknown true value.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import sqrt
from typing import Final

# A CGM reading stands for five minutes.
READING_SPAN: Final = timedelta(minutes=5)
# Consensus: measures need 70 % of the expected readings (Battelino 2019).
SUFFICIENT_PERCENT: Final = 70.0
MG_DL_PER_MMOL_L: Final = 18.0182


@dataclass(frozen=True, slots=True)
class RangeBounds:
    """The target range and the level-2 bounds, in mg/dL (consensus defaults)."""

    very_low: float = 54
    low: float = 70
    high: float = 180
    very_high: float = 250


@dataclass(frozen=True, slots=True)
class Measures:
    """The consensus measures of one window; glucose ones None without readings."""

    start: datetime
    end: datetime
    readings: int
    expected: int
    active_percent: float
    in_range: float | None
    below_level_1: float | None
    below_level_2: float | None
    above_level_1: float | None
    above_level_2: float | None
    mean: float | None
    sd: float | None
    cv: float | None

    @property
    def sufficient(self) -> bool:
        """Whether the window has the consensus share of expected readings."""
        return self.active_percent >= SUFFICIENT_PERCENT

    @property
    def below_range(self) -> float | None:
        """Share below the target range (both levels)."""
        return _total(self.below_level_1, self.below_level_2)

    @property
    def above_range(self) -> float | None:
        """Share above the target range (both levels)."""
        return _total(self.above_level_1, self.above_level_2)

    @property
    def gmi_percent(self) -> float | None:
        """Glucose management indicator in % (Bergenstal 2018)."""
        return None if self.mean is None else gmi_percent(self.mean)

    @property
    def gmi_mmol_mol(self) -> float | None:
        """Glucose management indicator in mmol/mol (Bergenstal 2018)."""
        return None if self.mean is None else gmi_mmol_mol(self.mean)


def gmi_percent(mean_mg_dl: float) -> float:
    """GMI (%) = 3.31 + 0.02392 × mean glucose in mg/dL."""
    return 3.31 + 0.02392 * mean_mg_dl


def gmi_mmol_mol(mean_mg_dl: float) -> float:
    """GMI (mmol/mol) = 12.71 + 4.70587 × mean glucose in mmol/L."""
    return 12.71 + 4.70587 * mean_mg_dl / MG_DL_PER_MMOL_L


def expected_readings(start: datetime, end: datetime) -> int:
    """How many five-minute readings a CGM takes from start to end."""
    return max(0, int((end - start) / READING_SPAN))


def measures(
    values: Sequence[int],
    start: datetime,
    end: datetime,
    bounds: RangeBounds = RangeBounds(),  # noqa: B008 - frozen, so safe to share
) -> Measures:
    """Compute the measures of the values (mg/dL) read from start to end.

    Percentages are of the readings present, as the consensus and iglu count
    them; CGM active is readings present over expected readings, at most 100.
    The SD is the sample SD (n - 1), as iglu and most CGM software use.
    """
    count = len(values)
    expected = expected_readings(start, end)
    active = min(100.0, 100.0 * count / expected) if expected else 0.0
    if not count:
        return Measures(
            start,
            end,
            0,
            expected,
            active,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )
    very_low = low = in_range = high = very_high = 0
    total = 0
    for value in values:
        total += value
        if value < bounds.low:
            if value < bounds.very_low:
                very_low += 1
            else:
                low += 1
        elif value <= bounds.high:
            in_range += 1
        elif value <= bounds.very_high:
            high += 1
        else:
            very_high += 1
    mean = total / count
    sd = (
        sqrt(sum((value - mean) ** 2 for value in values) / (count - 1))
        if count > 1
        else None
    )
    share = 100.0 / count
    return Measures(
        start=start,
        end=end,
        readings=count,
        expected=expected,
        active_percent=active,
        in_range=in_range * share,
        below_level_1=low * share,
        below_level_2=very_low * share,
        above_level_1=high * share,
        above_level_2=very_high * share,
        mean=mean,
        sd=sd,
        cv=None if sd is None or not mean else 100.0 * sd / mean,
    )


def _total(level_1: float | None, level_2: float | None) -> float | None:
    return None if level_1 is None or level_2 is None else level_1 + level_2
