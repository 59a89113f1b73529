"""Ambulatory glucose profile: percentiles by local time of day.

Readings are binned by the local clock time (Home Assistant's time zone) at
which they were taken, so that a profile over days with a DST change still
puts breakfast at breakfast: on the day clocks go back the repeated hour adds
readings to its bins, on the day they go forward the skipped hour adds none.
Percentiles interpolate linearly between ranks (numpy's and R's default,
which iglu uses).

Pure on purpose: no Home Assistant imports, no clock.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from homeassistant.util.json import JsonValueType

BIN_MINUTES: Final = 15
PERCENTILES: Final = (5, 25, 50, 75, 95)


@dataclass(frozen=True, slots=True)
class AgpBin:
    """The percentiles of one time-of-day bin; None without readings."""

    minute: int
    readings: int
    percentiles: tuple[float, ...] | None

    def as_dict(self) -> dict[str, JsonValueType]:
        """Return it JSON-safe, for the action's response."""
        result: dict[str, JsonValueType] = {
            "time": f"{self.minute // 60:02d}:{self.minute % 60:02d}",
            "readings": self.readings,
        }
        for share, value in zip(
            PERCENTILES, self.percentiles or (None,) * len(PERCENTILES), strict=True
        ):
            result[f"p{share}"] = None if value is None else round(value, 1)
        return result


def percentile(ordered: Sequence[int], share: float) -> float:
    """Return the `share` (0-100) percentile of sorted values, interpolated."""
    rank = (len(ordered) - 1) * share / 100
    low = int(rank)
    if low + 1 >= len(ordered):
        return float(ordered[-1])
    return ordered[low] + (rank - low) * (ordered[low + 1] - ordered[low])


def agp(
    series: Iterable[tuple[datetime, int]],
    time_zone: tzinfo,
    bin_minutes: int = BIN_MINUTES,
) -> list[AgpBin]:
    """Return the profile of (time, mg/dL) readings, one bin per `bin_minutes`."""
    bins: list[list[int]] = [[] for _ in range(24 * 60 // bin_minutes)]
    for time, value in series:
        local = time.astimezone(time_zone)
        bins[(local.hour * 60 + local.minute) // bin_minutes].append(value)
    profile = []
    for index, values in enumerate(bins):
        values.sort()
        profile.append(
            AgpBin(
                minute=index * bin_minutes,
                readings=len(values),
                percentiles=tuple(percentile(values, p) for p in PERCENTILES)
                if values
                else None,
            )
        )
    return profile
