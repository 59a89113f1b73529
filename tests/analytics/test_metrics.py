"""The measures: definitions, edge cases, and cross-checks against iglu-python.

iglu-python (the Python port of the iglu R package) is the reference. Both get
the same readings: the 14 days up to the newest reading, LOW as 40 and HIGH as
400. Percentages, mean, SD, CV and GMI must agree to 1e-9; CGM active within
0.05 percentage points, as iglu's window [end - 14 d, end] includes both ends
where ours, (end - 14 d, end], holds exactly 14 × 288 five-minute slots.
"""

from datetime import datetime, timedelta
import math

import iglu_python as iglu
import pandas as pd
import pytest

from custom_components.dexcom_oauth.analytics.history import ReadingHistory
from custom_components.dexcom_oauth.analytics.metrics import (
    Measures,
    RangeBounds,
    gmi_mmol_mol,
    measures,
)
from custom_components.dexcom_oauth.client import GlucoseReading, GlucoseStatus
from custom_components.dexcom_oauth.readings import glucose_value
from tests.common import reading

from .common import END, FIVE, USERS, random_trace, simulator_trace

SPAN = timedelta(days=14)
EXACT = 1e-9
ACTIVE_TOLERANCE = 0.05


def frame(readings: list[tuple[datetime, int]]) -> pd.DataFrame:
    """Return the readings as iglu takes them: id, time, gl."""
    return pd.DataFrame(
        {
            "id": "subject",
            "time": pd.to_datetime([time for time, _ in readings], utc=True),
            "gl": [float(value) for _, value in readings],
        }
    )


def ours(
    trace: tuple[GlucoseReading, ...],
) -> tuple[Measures, list[tuple[datetime, int]]]:
    """Return the measures of the 14 days up to the newest reading, via ReadingHistory."""
    history = ReadingHistory(SPAN)
    history.add(trace)
    newest = history.newest
    assert newest is not None
    kept = [(t, v) for t, v, _ in history.series() if t > newest - SPAN]
    return measures(history.values(newest - SPAN, newest), newest - SPAN, newest), kept


def iglu_value(result: pd.DataFrame, column: str) -> float:
    """One subject's value of an iglu result."""
    return float(result[column].iloc[0])


def cross_check(trace: tuple[GlucoseReading, ...]) -> None:
    """Every measure equals iglu's on the same readings."""
    mine, kept = ours(trace)
    data = frame(kept)
    assert mine.readings == len(kept)
    expected = {
        "in_range": iglu_value(
            iglu.in_range_percent(data, target_ranges=[[70, 180]]), "in_range_70_180"
        ),
        "below_level_2": iglu_value(
            iglu.below_percent(data, targets_below=[54]), "below_54"
        ),
        "below_range": iglu_value(
            iglu.below_percent(data, targets_below=[70]), "below_70"
        ),
        "above_range": iglu_value(
            iglu.above_percent(data, targets_above=[180]), "above_180"
        ),
        "above_level_2": iglu_value(
            iglu.above_percent(data, targets_above=[250]), "above_250"
        ),
        "mean": iglu_value(iglu.mean_glu(data), "mean"),
        "sd": iglu_value(iglu.sd_glu(data), "SD"),
        "cv": iglu_value(iglu.cv_glu(data), "CV"),
        "gmi_percent": iglu_value(iglu.gmi(data), "GMI"),
    }
    for name, value in expected.items():
        assert getattr(mine, name) == pytest.approx(value, rel=EXACT, abs=EXACT), name
    assert mine.below_level_1 == pytest.approx(
        expected["below_range"] - expected["below_level_2"], abs=EXACT
    )
    assert mine.above_level_1 == pytest.approx(
        expected["above_range"] - expected["above_level_2"], abs=EXACT
    )
    # iglu's manual range counts [newest - 14 d, newest], both ends included.
    active = iglu.active_percent(
        frame([(t, v) for t, v, _ in all_readings(trace)]),
        dt0=5,
        range_type="manual",
        ndays=14,
        tz="UTC",
    )
    assert mine.active_percent == pytest.approx(
        min(100.0, iglu_value(active, "active_percent")), abs=ACTIVE_TOLERANCE
    )


def all_readings(
    trace: tuple[GlucoseReading, ...],
) -> list[tuple[datetime, int, str]]:
    """Every de-duplicated reading of a trace (a history longer than the trace)."""
    history = ReadingHistory(timedelta(days=400))
    history.add(trace)
    return history.series()


@pytest.mark.parametrize("user", USERS)
def test_simulator_users_match_iglu(user: str) -> None:
    """Each sandbox user's 14 days agree with iglu on every measure."""
    cross_check(simulator_trace(user))


@pytest.mark.parametrize("seed", range(8))
def test_random_traces_with_gaps_match_iglu(seed: int) -> None:
    """Random traces with gaps, LOW/HIGH and jitter agree with iglu."""
    trace = random_trace(seed)
    cross_check(trace)


def test_random_traces_have_what_they_test() -> None:
    """The random traces hold LOW and HIGH readings and gaps."""
    trace = [r for seed in range(8) for r in random_trace(seed)]
    assert any(r.status is GlucoseStatus.LOW for r in trace)
    assert any(r.status is GlucoseStatus.HIGH for r in trace)
    assert max(
        (b.system_time - a.system_time for a, b in zip(trace, trace[1:], strict=False)),
    ) > timedelta(hours=1)


def test_duplicates_count_once() -> None:
    """A record sent twice, or re-sent under a new id, counts once."""
    trace = list(random_trace(3, days=2))
    again = [
        reading(r.system_time, glucose_value(r), record_id=f"new-{r.record_id}")
        for r in trace[::7]
    ]
    plain, _ = ours(tuple(trace))
    doubled, _ = ours((*trace, *trace[::5], *again))
    assert doubled == plain


def test_bounds_follow_the_consensus() -> None:
    """54-69 is level 1 below, < 54 level 2; 181-250 level 1 above, > 250 level 2."""
    values = [40, 53, 54, 69, 70, 180, 181, 250, 251, 400]
    result = measures(values, END - 10 * FIVE, END)
    assert result.below_level_2 == 20
    assert result.below_level_1 == 20
    assert result.in_range == 20
    assert result.above_level_1 == 20
    assert result.above_level_2 == 20
    assert result.below_range == 40
    assert result.above_range == 40
    assert result.active_percent == 100
    assert result.sufficient


def test_other_bounds() -> None:
    """Bounds from the options move the counts."""
    result = measures(
        [63, 65, 140, 200], END - 4 * FIVE, END, RangeBounds(55, 63, 140, 200)
    )
    assert (result.below_level_1, result.in_range, result.above_level_1) == (0, 75, 25)


def test_no_readings_and_one_reading() -> None:
    """Nothing to measure is None; one reading has no SD or CV."""
    empty = measures([], END - SPAN, END)
    assert empty.mean is None
    assert empty.in_range is None
    assert empty.below_range is None
    assert empty.gmi_percent is None
    assert empty.gmi_mmol_mol is None
    assert empty.active_percent == 0
    assert not empty.sufficient
    one = measures([100], END - FIVE, END)
    assert (one.mean, one.sd, one.cv) == (100, None, None)
    assert measures([], END, END).active_percent == 0


def test_gmi() -> None:
    """GMI 7.0 % is 53 mmol/mol (Bergenstal 2018: mean 154 mg/dL)."""
    result = measures([154], END - FIVE, END)
    assert result.gmi_percent == pytest.approx(6.99368)
    assert result.gmi_mmol_mol == pytest.approx(52.93, abs=0.01)
    assert gmi_mmol_mol(154) == result.gmi_mmol_mol


def test_history_drops_what_is_older_than_its_span() -> None:
    """Kept readings end a span before the newest; late and bulk ones merge in order."""
    history = ReadingHistory(timedelta(hours=1))
    assert history.newest is None
    assert not history.add([reading(END, None)])
    for minutes in range(0, 120, 5):
        assert history.add([reading(END + timedelta(minutes=minutes), 100 + minutes)])
    assert len(history) == 13
    assert history.span == timedelta(hours=1)
    late = reading(END + timedelta(minutes=112), 90)
    assert history.add([late])
    assert [t for t, _, _ in history.series()] == sorted(
        t for t, _, _ in history.series()
    )
    assert not history.add([late])
    bulk = ReadingHistory(timedelta(hours=1))
    bulk.add(
        [reading(END + timedelta(minutes=m), 100 + m) for m in range(0, 120, 5)]
        + [late]
    )
    assert bulk.series() == history.series()
    assert math.isclose(
        sum(history.values(END, END + timedelta(hours=2))),
        sum(v for _, v, _ in bulk.series()),
    )


def test_history_replaces_a_record_re_sent_under_a_new_id() -> None:
    """A new id at a kept reading's moment replaces it; the old id may come back."""
    history = ReadingHistory()
    history.add([reading(END, 100, record_id="a"), reading(END + FIVE, 110)])
    assert history.add([reading(END, 105, record_id="b")])
    assert history.values(END - FIVE, END + FIVE) == [105, 110]
    assert history.add([reading(END, 100, record_id="a")])
    assert history.values(END - FIVE, END + FIVE) == [100, 110]
