"""Tests for parsing Dexcom's v3 payloads."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from custom_components.dexcom_oauth.client import (
    AlertName,
    AlertSchedule,
    AlertSetting,
    AlertState,
    DexcomResponseError,
    EventStatus,
    EventSubType,
    EventType,
    EventUnit,
    GlucoseReading,
    GlucoseStatus,
    GlucoseUnit,
    ParseProblem,
    TimeRange,
    Trend,
    Weekday,
)
from custom_components.dexcom_oauth.client.parse import (
    merge_problems,
    parse_alerts,
    parse_data_range,
    parse_devices,
    parse_display_time,
    parse_egvs,
    parse_events,
    parse_time,
)
from tests.common import sample_record

# Times whose offset moves them off the calendar when converted to UTC.
CALENDAR_EDGES = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00")


def egv(record_id: object = "r1", **fields: Any) -> dict[str, Any]:
    """Return the sample egv record (like Dexcom's documentation shows), with changes."""
    return {**sample_record("egvs.json"), "recordId": record_id, **fields}


def one(record: dict[str, Any]) -> GlucoseReading:
    """Parse a payload holding one record and return its only reading."""
    batch = parse_egvs({"records": [record]})
    assert batch.skipped == 0
    assert len(batch.readings) == 1
    return batch.readings[0]


def problems_of(record: dict[str, Any]) -> dict[str, ParseProblem]:
    """Parse one record and return its problems by kind."""
    return {
        problem.kind: problem for problem in parse_egvs({"records": [record]}).problems
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23T17:05:11", datetime(2026, 11, 23, 17, 5, 11, tzinfo=UTC)),
        (
            "2026-11-23T17:05:11.123",
            datetime(2026, 11, 23, 17, 5, 11, 123000, tzinfo=UTC),
        ),
        (
            "2026-11-23T17:05:11.1234567Z",
            datetime(2026, 11, 23, 17, 5, 11, 123456, tzinfo=UTC),
        ),
        ("2026-11-23T17:05:11Z", datetime(2026, 11, 23, 17, 5, 11, tzinfo=UTC)),
        ("2026-11-23T17:05:11z", datetime(2026, 11, 23, 17, 5, 11, tzinfo=UTC)),
        ("2024-05-30T09:15:00-07:00", datetime(2024, 5, 30, 16, 15, tzinfo=UTC)),
        ("2024-05-30T09:15:00+05:30", datetime(2024, 5, 30, 3, 45, tzinfo=UTC)),
        ("2024-05-30T09:15:00+0530", datetime(2024, 5, 30, 3, 45, tzinfo=UTC)),
        ("2024-05-30T09:15:00+02", datetime(2024, 5, 30, 7, 15, tzinfo=UTC)),
        ("2021-02-03T14:15Z", datetime(2021, 2, 3, 14, 15, tzinfo=UTC)),
        ("2021-02-03T14:15", datetime(2021, 2, 3, 14, 15, tzinfo=UTC)),
        ("2021-02-03T14:15-01:00", datetime(2021, 2, 3, 15, 15, tzinfo=UTC)),
        (" 2021-02-03 14:15:16 ", datetime(2021, 2, 3, 14, 15, 16, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    """Every documented time format becomes an aware UTC datetime."""
    parsed = parse_time(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "2026-11-23",
        "2026-11-23T17",
        "2026-13-01T00:00:00",
        "2026-11-23T25:00:00",
        "2026-11-23T17:05:11+24:00",
        "2026-11-23T17:05:11+05:60",
        "2026-11-23T17:05:11 UTC",
        "1700000000",
        "２０２６-11-23T17:05:11",
        "2026-11-23T17:05:11+٠٥:٣٠",
        *CALENDAR_EDGES,
    ],
)
def test_parse_time_rejects(text: str) -> None:
    """Text that is not a full date and time in UTC's calendar is refused."""
    with pytest.raises(ValueError):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0001-01-01T00:00:00", datetime.min.replace(tzinfo=UTC)),
        ("0001-01-01T00:00:00-01:00", datetime(1, 1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59+01:00", datetime(9999, 12, 31, 22, 59, 59, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999Z", datetime.max.replace(tzinfo=UTC)),
    ],
)
def test_parse_time_at_calendar_edges(text: str, expected: datetime) -> None:
    """Edge times that stay on the calendar in UTC are still read."""
    assert parse_time(text) == expected


def test_parse_display_time_without_offset_stays_naive() -> None:
    """A receiver's local time has no zone, so none is invented."""
    parsed = parse_display_time("2026-11-23T09:05:11")
    assert parsed == datetime(2026, 11, 23, 9, 5, 11)  # noqa: DTZ001
    assert parsed.tzinfo is None


def test_parse_display_time_keeps_offset() -> None:
    """A phone's local time keeps its offset and wall-clock value."""
    parsed = parse_display_time("2024-05-30T09:15:00-07:00")
    assert parsed.hour == 9
    assert parsed.utcoffset() == timedelta(hours=-7)
    assert parse_display_time("2021-02-03T14:15Z") == datetime(
        2021, 2, 3, 14, 15, tzinfo=UTC
    )


def test_parse_display_time_rejects_garbage() -> None:
    """Garbage is refused, not guessed."""
    with pytest.raises(ValueError):
        parse_display_time("yesterday")


def test_full_record() -> None:
    """Every documented field lands in the reading; extra fields are ignored."""
    reading = one(egv(somethingNew={"nested": True}, anotherField=[1, 2]))
    assert reading == GlucoseReading(
        record_id="r1",
        system_time=datetime(2026, 11, 23, 17, 5, 11, tzinfo=UTC),
        display_time=datetime(2026, 11, 23, 9, 5, 11),  # noqa: DTZ001
        value=132,
        status=GlucoseStatus.OK,
        trend=Trend.FORTY_FIVE_UP,
        trend_rate=1.2,
        unit=GlucoseUnit.MG_DL,
        transmitter_id="abc123hash",
        transmitter_generation="g7",
        display_device="iOS",
        display_app="G7",
    )


def test_envelope_user_id() -> None:
    """The userId of the envelope is kept; a non-string one is dropped."""
    assert parse_egvs({"userId": "u-1", "records": []}).user_id == "u-1"
    assert parse_egvs({"userId": 5, "records": []}).user_id is None
    assert parse_egvs({"userId": "  ", "records": []}).user_id is None


def test_phone_record_with_offsets() -> None:
    """A systemTime with an offset moves to UTC; a displayTime keeps it."""
    reading = one(
        egv(
            systemTime="2024-05-30T16:15:00Z",
            displayTime="2024-05-30T09:15:00-07:00",
        )
    )
    assert reading.system_time == datetime(2024, 5, 30, 16, 15, tzinfo=UTC)
    assert reading.display_time == datetime(
        2024, 5, 30, 9, 15, tzinfo=timezone(timedelta(hours=-7))
    )


@pytest.mark.parametrize("display_time", [None, "not a time", 17, ""])
def test_unusable_display_time_keeps_reading(display_time: object) -> None:
    """A reading without a usable displayTime still counts."""
    assert one(egv(displayTime=display_time)).display_time is None


@pytest.mark.parametrize(
    ("status", "value", "expected_status", "expected_value"),
    [
        ("low", None, GlucoseStatus.LOW, None),
        ("high", None, GlucoseStatus.HIGH, None),
        ("low", 40, GlucoseStatus.LOW, 40),
        ("high", 400, GlucoseStatus.HIGH, 400),
        ("low", 39, GlucoseStatus.LOW, None),
        ("high", 401, GlucoseStatus.HIGH, None),
        ("low", 0, GlucoseStatus.LOW, None),
        ("ok", None, GlucoseStatus.OK, None),
    ],
)
def test_out_of_range_readings_keep_status_and_value(
    status: str,
    value: int | None,
    expected_status: GlucoseStatus,
    expected_value: int | None,
) -> None:
    """Out-of-range readings keep their status; a value beyond 40..400 is dropped.

    The status alone tells the integration to show the bound.
    """
    reading = one(egv(status=status, value=value))
    assert reading.status is expected_status
    assert reading.value == expected_value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("weird", GlucoseStatus.UNKNOWN),
        (None, GlucoseStatus.UNKNOWN),
        (3, GlucoseStatus.UNKNOWN),
        ("unknown", GlucoseStatus.UNKNOWN),
        ("HIGH", GlucoseStatus.HIGH),
    ],
)
def test_status_values(raw: object, expected: GlucoseStatus) -> None:
    """Unknown or null statuses become UNKNOWN; case does not matter.

    Only a status that is there but not understood is a problem.
    """
    record = egv(status=raw)
    assert one(record).status is expected
    reported = raw not in (None, "unknown", "HIGH")
    assert problems_of(record) == (
        {"status": ParseProblem("status", repr(raw), 1)} if reported else {}
    )


def test_absent_status_is_unknown() -> None:
    """A record without status has status UNKNOWN."""
    record = egv()
    del record["status"]
    assert one(record).status is GlucoseStatus.UNKNOWN


@pytest.mark.parametrize("trend", list(Trend))
def test_every_trend(trend: Trend) -> None:
    """Every documented trend is recognised."""
    assert one(egv(trend=trend.value)).trend is trend


@pytest.mark.parametrize("raw", ["sideways", "tripleUpX", 1, ""])
def test_unknown_trend(raw: object) -> None:
    """Anything else is UNKNOWN rather than an error, and reported."""
    record = egv(trend=raw)
    assert one(record).trend is Trend.UNKNOWN
    assert problems_of(record) == {"trend": ParseProblem("trend", repr(raw), 1)}


def test_null_trend_is_no_problem() -> None:
    """A null trend is UNKNOWN; Dexcom documents it as optional."""
    record = egv(trend=None)
    assert one(record).trend is Trend.UNKNOWN
    assert problems_of(record) == {}


def test_trend_ignores_case() -> None:
    """Case differences do not lose the arrow."""
    assert one(egv(trend="DOUBLEDOWN")).trend is Trend.DOUBLE_DOWN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("mg/dL", GlucoseUnit.MG_DL), ("mmol/l", GlucoseUnit.MMOL_L)],
)
def test_units(raw: str, expected: GlucoseUnit) -> None:
    """Known units are recognised regardless of case."""
    assert one(egv(unit=raw, value=150)).unit is expected


@pytest.mark.parametrize(
    ("raw", "reported"),
    [("mg/100ml", True), (7, True), ("", True), (None, False), ("unknown", False)],
)
def test_unknown_unit_keeps_value(raw: object, reported: bool) -> None:
    """An unknown unit is UNKNOWN and the value is taken as mg/dL, untouched.

    Only a unit that is there but not understood is a problem: null and the
    documented "unknown" are not.
    """
    record = egv(unit=raw, value=150.2)
    reading = one(record)
    assert reading.unit is GlucoseUnit.UNKNOWN
    assert reading.value == 150
    problems = problems_of(record)
    assert problems.pop("unit", None) == (
        ParseProblem("unit", repr(raw), 1) if reported else None
    )
    assert not problems


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (132, 132),
        (132.0, 132),
        (132.4, 132),
        (132.5, 133),
        ("132", 132),
        (" 98 ", 98),
        ("98.6", 99),
        (None, None),
        ("abc", None),
        ("", None),
        ("NaN", None),
        ("inf", None),
        (float("nan"), None),
        (float("-inf"), None),
        (10**400, None),
        (True, None),
        ([132], None),
        ({"value": 132}, None),
        (0, None),
        (-5, None),
        (0.3, None),
        (1e300, None),
        (39, None),
        (39.4, None),
        (39.5, 40),
        (40, 40),
        (400, 400),
        (400.4, 400),
        (400.5, None),
        (401, None),
        ("1e300", None),
    ],
)
def test_value_forms(raw: object, expected: int | None) -> None:
    """Numbers in any JSON form are read; only whole mg/dL within 40..400 count.

    Anything else that is there is reported as a value problem; null is not.
    """
    record = egv(value=raw)
    assert one(record).value == expected
    problems = problems_of(record)
    if expected is None and raw is not None:
        assert problems.keys() == {"value"}
        assert problems["value"].count == 1
        if len(repr(raw)) <= 40:
            assert problems["value"].example == repr(raw)
    else:
        assert problems == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (7.2, 130),  # 129.73 mg/dL
        ("5.5", 99),  # 99.10 mg/dL
        (6, 108),  # integer but far below any mg/dL reading
        (2.2, 40),  # 39.64 mg/dL
        (2.19, None),  # 39.46 mg/dL: below the sensor's range
        (22.2, 400),  # 400.00 mg/dL
        (22.3, None),  # 401.81 mg/dL: above the sensor's range
        (34, None),  # just below the mmol/L ceiling: 613 mg/dL
        (35, None),  # an mg/dL number, but below the sensor's range
        (120, 120),  # mmol/L account that sends mg/dL: untouched
        (120.5, 121),  # fractional, but 2171 mg/dL as mmol/L: mg/dL
        (35.4, None),
        (34.9, None),
        ("250", 250),
        (120.0, 120),
        (None, None),
    ],
)
def test_mmol_account_values(raw: object, expected: int | None) -> None:
    """mmol/L numbers are converted to mg/dL; mg/dL numbers stay.

    Whatever the conversion gives must still be within 40..400.
    """
    reading = one(egv(unit="mmol/L", value=raw))
    assert reading.value == expected
    assert reading.unit is GlucoseUnit.MMOL_L


def test_mg_dl_account_small_value_not_converted() -> None:
    """Only mmol/L accounts get the conversion; 7.2 mg/dL is no reading."""
    record = egv(unit="mg/dL", value=7.2)
    assert one(record).value is None
    assert problems_of(record) == {"value": ParseProblem("value", "7.2", 1)}


@pytest.mark.parametrize(
    ("rate", "rate_unit", "expected"),
    [
        (1.2, "mg/dL/min", 1.2),
        (-2, "mg/dL/min", -2.0),
        ("0.5", None, 0.5),
        (0.1, "mmol/L/min", 1.8),
        (-0.2, "MMOL/L/MIN", -3.6),
        (None, "mmol/L/min", None),
        (1.0, "unknown", 1.0),
        (20, "mg/dL/min", 20.0),
        (-20.0, "mg/dL/min", -20.0),
        (1.1, "mmol/L/min", 19.82),
        (-1.11, "mmol/L/min", -20.0),
    ],
)
def test_trend_rate(rate: object, rate_unit: object, expected: float | None) -> None:
    """Trend rates are in mg/dL/min, converted from mmol/L/min."""
    record = egv(trendRate=rate, rateUnit=rate_unit)
    assert one(record).trend_rate == expected
    assert problems_of(record) == {}


@pytest.mark.parametrize(
    ("rate", "rate_unit"),
    [
        ("fast", "mg/dL/min"),
        (float("nan"), "mg/dL/min"),
        (float("inf"), "mg/dL/min"),
        (True, "mg/dL/min"),
        (20.01, "mg/dL/min"),
        (-21, "mg/dL/min"),
        (1e308, "mg/dL/min"),
        (1.2, "mmol/L/min"),
        (1e308, "mmol/L/min"),
        (-1e308, "mmol/L/min"),
    ],
)
def test_implausible_trend_rate(rate: object, rate_unit: str) -> None:
    """A rate that is not a finite number within ±20 mg/dL/min is reported."""
    record = egv(trendRate=rate, rateUnit=rate_unit)
    assert one(record).trend_rate is None
    assert problems_of(record) == {
        "trend_rate": ParseProblem("trend_rate", repr(rate), 1)
    }


@pytest.mark.parametrize("rate_unit", [5, "mg/dL/s", ""])
def test_unknown_rate_unit(rate_unit: object) -> None:
    """An unknown rate unit is reported; the rate is taken as mg/dL/min."""
    record = egv(trendRate=1.5, rateUnit=rate_unit)
    assert one(record).trend_rate == 1.5
    assert problems_of(record) == {"unit": ParseProblem("unit", repr(rate_unit), 1)}


def test_optional_text_fields() -> None:
    """Non-string device fields become None instead of breaking the record."""
    reading = one(
        egv(
            transmitterId=None, transmitterGeneration=7, displayDevice="", displayApp=[]
        )
    )
    assert reading.transmitter_id is None
    assert reading.transmitter_generation is None
    assert reading.display_device is None
    assert reading.display_app is None


def test_missing_records_is_empty() -> None:
    """No records key means no data, not an error."""
    batch = parse_egvs({"recordType": "egv", "userId": "u"})
    assert batch.readings == ()
    assert batch.skipped == 0
    assert batch.user_id == "u"


@pytest.mark.parametrize(
    "payload",
    [None, [], "records", 3, {"records": None}, {"records": {}}, {"records": "x"}],
)
def test_wrong_shape(payload: object) -> None:
    """A payload that is not an object, or records that are not a list, fail."""
    with pytest.raises(DexcomResponseError):
        parse_egvs(payload)


def test_unusable_records_are_skipped_and_counted() -> None:
    """Records that cannot be identified or placed in time are counted."""
    no_id = egv()
    del no_id["recordId"]
    no_time = egv("r3")
    del no_time["systemTime"]
    batch = parse_egvs(
        {
            "records": [
                egv("good"),
                no_id,
                no_time,
                egv("", systemTime="2026-11-23T17:10:11"),
                egv(None),
                egv(42),
                egv("r4", systemTime="soon"),
                egv("r5", systemTime=None),
                egv("r6", systemTime=1700000000),
                "not a record",
                None,
            ]
        }
    )
    assert [reading.record_id for reading in batch.readings] == ["good"]
    assert batch.skipped == 10
    assert batch.problems == (
        ParseProblem("no_id_or_time", "'2026-11-23T17:05:11'", 10),
    )


@pytest.mark.parametrize(
    ("records", "example"),
    [
        ([egv("r1", systemTime=None)], "None"),
        (["secret-record-id"], "<str>"),
        ([None, egv("r2", systemTime="soon")], "<NoneType>"),
        ([egv("r3", systemTime={"recordId": "secret-record-id"})], "<dict>"),
        ([egv("r4", systemTime=["secret-user"])], "<list>"),
        (
            [egv("secret-record-id", systemTime="x" * 80)],
            "'" + "x" * 17 + "..." + "x" * 18 + "'",
        ),
    ],
)
def test_dropped_record_examples_show_only_the_time(
    records: list[object], example: str
) -> None:
    """A dropped record is shown by its raw systemTime, never its id or user."""
    batch = parse_egvs({"userId": "secret-user", "records": records})
    (problem,) = batch.problems
    assert problem == ParseProblem("no_id_or_time", example, len(records))
    assert "secret" not in problem.example


@pytest.mark.parametrize("system_time", CALENDAR_EDGES)
def test_record_at_calendar_edge_is_dropped(system_time: str) -> None:
    """A systemTime that cannot be placed in UTC drops the record, no exception."""
    batch = parse_egvs({"records": [egv(systemTime=system_time), egv("r2")]})
    assert [reading.record_id for reading in batch.readings] == ["r2"]
    assert batch.skipped == 1
    assert batch.problems == (ParseProblem("no_id_or_time", repr(system_time), 1),)


def test_problems_one_per_kind_in_order_with_first_example() -> None:
    """Each kind is reported once with its count and first raw value."""
    batch = parse_egvs(
        {
            "records": [
                egv("a", value="abc", trend="tripleUpX"),
                egv("b", value=-5, status="weird", systemTime="2026-11-23T17:10:11"),
                egv(
                    "c", unit="mg/100ml", trendRate=99, systemTime="2026-11-23T17:15:11"
                ),
                egv("d", trend="sideways", systemTime="2026-11-23T17:20:11"),
                egv("e", rateUnit="furlongs", systemTime="2026-11-23T17:25:11"),
                egv(None),
            ]
        }
    )
    assert len(batch.readings) == 5
    assert batch.problems == (
        ParseProblem("value", "'abc'", 2),
        ParseProblem("trend", "'tripleUpX'", 2),
        ParseProblem("status", "'weird'", 1),
        ParseProblem("unit", "'mg/100ml'", 2),
        ParseProblem("trend_rate", "99", 1),
        ParseProblem("no_id_or_time", "'2026-11-23T17:05:11'", 1),
    )


@pytest.mark.parametrize(
    ("raw", "example"),
    [
        ("y" * 100, "'" + "y" * 17 + "..." + "y" * 18 + "'"),
        (10**300, "1" + "0" * 17 + "..." + "0" * 19),
        (["a" * 50, "b" * 50], "['" + "a" * 17 + "..." + "a" * 15 + "..."),
        ([[[[1]]]], "[[...]]"),
        ({"a": {"b": 1}, "c": 2, "d": 3}, "{'a': {...}, 'c': 2, ...}"),
        (list(range(10**5)), "[0, 1, ...]"),
    ],
)
def test_problem_examples_are_short(raw: object, example: str) -> None:
    """Examples stay within 40 characters, however large or deep the value."""
    (problem,) = parse_egvs({"records": [egv(value=raw)]}).problems
    assert problem.example == example
    assert len(problem.example) <= 40


WINDOW_START = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def test_window_keeps_bounds_and_drops_the_rest() -> None:
    """Readings from earliest to latest, both included, stay; the rest is reported."""
    batch = parse_egvs(
        {
            "records": [
                egv("early", systemTime="2026-11-23T16:59:59.999", value="abc"),
                egv("first", systemTime="2026-11-23T17:00:00"),
                egv("last", systemTime="2026-11-23T18:00:00"),
                egv("late", systemTime="2026-11-23T19:00:00+00:00:01"),
                egv("later", systemTime="2026-11-23T18:00:01"),
            ]
        },
        earliest=WINDOW_START,
        latest=WINDOW_END,
    )
    assert [reading.record_id for reading in batch.readings] == ["first", "last"]
    assert batch.skipped == 1
    assert batch.problems == (
        ParseProblem("outside_window", "'2026-11-23T16:59:59.999'", 2),
        ParseProblem("no_id_or_time", "'2026-11-23T19:00:00+00:00:01'", 1),
    )


def test_window_bounds_are_optional() -> None:
    """Without bounds every placeable reading stays; with one, only that side counts."""
    records = {
        "records": [
            egv("old", systemTime="1999-01-01T00:00:00"),
            egv("new", systemTime="2099-01-01T00:00:00"),
        ]
    }
    assert len(parse_egvs(records).readings) == 2
    assert [
        r.record_id for r in parse_egvs(records, earliest=WINDOW_START).readings
    ] == ["new"]
    assert [r.record_id for r in parse_egvs(records, latest=WINDOW_END).readings] == [
        "old"
    ]


def test_merge_problems() -> None:
    """Counts add up per kind; the first example and first order stay."""
    assert merge_problems(
        [
            (ParseProblem("value", "'a'", 1), ParseProblem("trend", "'x'", 2)),
            (),
            (ParseProblem("unit", "'u'", 1), ParseProblem("value", "'b'", 3)),
        ]
    ) == (
        ParseProblem("value", "'a'", 4),
        ParseProblem("trend", "'x'", 2),
        ParseProblem("unit", "'u'", 1),
    )
    assert merge_problems([]) == ()


def test_duplicates_and_order() -> None:
    """Readings are unique by recordId (last copy wins) and in time order."""
    batch = parse_egvs(
        {
            "records": [
                egv("c", systemTime="2026-11-23T17:15:00", value=150),
                egv("a", systemTime="2026-11-23T17:05:00", value=100),
                egv("b", systemTime="2026-11-23T17:10:00", value=120),
                egv("a", systemTime="2026-11-23T17:05:00", value=101),
                egv("d", systemTime="2026-11-23T17:10:00", value=121),
            ]
        }
    )
    assert [(r.record_id, r.value) for r in batch.readings] == [
        ("a", 101),
        ("b", 120),
        ("d", 121),
        ("c", 150),
    ]
    assert batch.skipped == 0


def _range(start: str, end: str) -> dict[str, Any]:
    """Build a dataRange section."""
    return {
        "start": {"systemTime": start, "displayTime": start},
        "end": {"systemTime": end, "displayTime": end},
    }


def test_data_range_full() -> None:
    """All three sections are read as UTC ranges."""
    parsed = parse_data_range(
        {
            "recordType": "dataRange",
            "recordVersion": "3.0",
            "userId": "u-1",
            "calibrations": _range("2026-11-01T00:00:00", "2026-11-02T00:00:00"),
            "egvs": _range("2026-11-01T00:05:00", "2026-11-23T17:05:11Z"),
            "events": _range("2026-11-03T10:00:00-05:00", "2026-11-04T10:00:00"),
        }
    )
    assert parsed.user_id == "u-1"
    assert parsed.egvs == TimeRange(
        start=datetime(2026, 11, 1, 0, 5, tzinfo=UTC),
        end=datetime(2026, 11, 23, 17, 5, 11, tzinfo=UTC),
    )
    assert parsed.events == TimeRange(
        start=datetime(2026, 11, 3, 15, 0, tzinfo=UTC),
        end=datetime(2026, 11, 4, 10, 0, tzinfo=UTC),
    )
    assert parsed.calibrations == TimeRange(
        start=datetime(2026, 11, 1, tzinfo=UTC),
        end=datetime(2026, 11, 2, tzinfo=UTC),
    )


@pytest.mark.parametrize("edge", CALENDAR_EDGES)
def test_data_range_at_calendar_edges(edge: str) -> None:
    """A section whose time leaves the calendar in UTC is no section."""
    parsed = parse_data_range(
        {
            "egvs": _range(edge, "2026-11-02T00:00:00"),
            "events": _range("2026-11-01T00:00:00", edge),
        }
    )
    assert parsed.egvs is None
    assert parsed.events is None


def test_data_range_missing_sections() -> None:
    """Missing, empty or broken sections mean no data there."""
    parsed = parse_data_range(
        {
            "egvs": {"start": {"systemTime": "2026-11-01T00:00:00"}},
            "events": {"start": "x", "end": {"systemTime": "2026-11-01T00:00:00"}},
            "calibrations": [],
        }
    )
    assert parsed.user_id is None
    assert parsed.egvs is None
    assert parsed.events is None
    assert parsed.calibrations is None
    empty = parse_data_range({})
    assert (empty.egvs, empty.events, empty.calibrations) == (None, None, None)


@pytest.mark.parametrize("payload", [None, [], "dataRange"])
def test_data_range_wrong_shape(payload: object) -> None:
    """A dataRange answer must be an object."""
    with pytest.raises(DexcomResponseError):
        parse_data_range(payload)


def _alert(name: object, value: object, **fields: Any) -> dict[str, Any]:
    """Build an alertSettings entry."""
    entry: dict[str, Any] = {
        "systemTime": "2026-11-01T00:00:00",
        "displayTime": "2026-11-01T01:00:00",
        "alertName": name,
        "value": value,
        "unit": "mg/dL",
        "snooze": 30,
        "enabled": True,
    }
    entry.update(fields)
    return entry


def _schedule(alerts: object, **settings: Any) -> dict[str, Any]:
    """Build an alertSchedules entry."""
    return {
        "alertScheduleSettings": {
            "alertScheduleName": "schedule",
            "isEnabled": True,
            "isDefaultSchedule": False,
            "isActive": False,
            "daysOfWeek": ["monday"],
            **settings,
        },
        "alertSettings": alerts,
    }


def test_devices_full() -> None:
    """A device's fields and its active schedule's alerts are read."""
    parsed = parse_devices(
        {
            "recordType": "device",
            "userId": "u-1",
            "records": [
                {
                    "lastUploadDate": "2026-11-23T17:10:00",
                    "transmitterId": "tx-hash",
                    "transmitterGeneration": "g7",
                    "displayDevice": "android",
                    "displayApp": "G7Android",
                    "unexpected": 1,
                    "alertSchedules": [
                        _schedule(
                            [_alert("high", 180), _alert("low", 70)],
                            isDefaultSchedule=True,
                        ),
                        _schedule(
                            [
                                _alert("high", 250),
                                _alert("urgentLow", "55", unit="mg/dL"),
                                _alert("rise", 2.0, unit="mg/dL/min", enabled="yes"),
                                _alert("noReadings", None, unit=None),
                            ],
                            isActive=True,
                        ),
                    ],
                }
            ],
        }
    )
    assert parsed.user_id == "u-1"
    (device,) = parsed.devices
    assert device.transmitter_id == "tx-hash"
    assert device.transmitter_generation == "g7"
    assert device.display_device == "android"
    assert device.display_app == "G7Android"
    assert device.last_upload_date == datetime(2026, 11, 23, 17, 10, tzinfo=UTC)
    assert device.alert_settings == (
        AlertSetting("high", 250.0, "mg/dL", True),
        AlertSetting("urgentLow", 55.0, "mg/dL", True),
        AlertSetting("rise", 2.0, "mg/dL/min", None),
        AlertSetting("noReadings", None, None, True),
    )


def test_devices_default_schedule_without_active() -> None:
    """Without an active schedule the default one is used."""
    parsed = parse_devices(
        {
            "records": [
                {
                    "alertSchedules": [
                        _schedule([_alert("low", 80)]),
                        _schedule([_alert("low", 70)], isDefaultSchedule=True),
                    ]
                }
            ]
        }
    )
    assert parsed.devices[0].alert_settings == (
        AlertSetting("low", 70.0, "mg/dL", True),
    )


def test_devices_first_schedule_without_flags() -> None:
    """Without any flag the first schedule is used; junk entries are ignored."""
    parsed = parse_devices(
        {
            "records": [
                {
                    "alertSchedules": [
                        "junk",
                        {
                            "alertScheduleSettings": "junk",
                            "alertSettings": [_alert("low", 65)],
                        },
                        _schedule([_alert("low", 80)]),
                    ]
                }
            ]
        }
    )
    assert parsed.devices[0].alert_settings == (
        AlertSetting("low", 65.0, "mg/dL", True),
    )


def test_devices_alert_dedupe_newest_wins() -> None:
    """Per alert name the newest setting wins, then the later one on ties."""
    parsed = parse_devices(
        {
            "records": [
                {
                    "alertSchedules": [
                        _schedule(
                            [
                                _alert("low", 70, systemTime="2026-11-02T00:00:00"),
                                _alert("high", 200),
                                _alert("low", 60, systemTime="2026-11-01T00:00:00"),
                                _alert("high", 190),
                                _alert("fall", 2, systemTime=None),
                                _alert("fall", 3, systemTime="bad"),
                                _alert(None, 1),
                                _alert("", 1),
                                "junk",
                            ],
                            isActive=True,
                        )
                    ]
                }
            ]
        }
    )
    assert parsed.devices[0].alert_settings == (
        AlertSetting("low", 70.0, "mg/dL", True),
        AlertSetting("high", 190.0, "mg/dL", True),
        AlertSetting("fall", 3.0, "mg/dL", True),
    )


@pytest.mark.parametrize(
    "schedules",
    [
        None,
        "x",
        [],
        ["junk"],
        [_schedule(None, isActive=True)],
        [{"alertSettings": {}}],
    ],
)
def test_devices_without_usable_alerts(schedules: object) -> None:
    """Missing or broken schedules give no alerts, not an error."""
    parsed = parse_devices({"records": [{"alertSchedules": schedules}]})
    assert parsed.devices[0].alert_settings == ()


def test_devices_records() -> None:
    """Missing records mean no devices; non-object records are ignored."""
    assert parse_devices({}).devices == ()
    parsed = parse_devices({"records": ["junk", None, {"lastUploadDate": "bad"}]})
    assert len(parsed.devices) == 1
    device = parsed.devices[0]
    assert device.last_upload_date is None
    assert device.transmitter_id is None
    assert device.alert_settings == ()


@pytest.mark.parametrize("edge", CALENDAR_EDGES)
def test_devices_at_calendar_edges(edge: str) -> None:
    """Times off the calendar in UTC are unknown, not an exception."""
    parsed = parse_devices(
        {
            "records": [
                {
                    "lastUploadDate": edge,
                    "alertSchedules": [
                        _schedule(
                            [
                                _alert("low", 70, systemTime=edge),
                                _alert("low", 65, systemTime="2026-11-01T00:00:00"),
                            ],
                            isActive=True,
                        )
                    ],
                }
            ]
        }
    )
    (device,) = parsed.devices
    assert device.last_upload_date is None
    assert device.alert_settings == (AlertSetting("low", 65.0, "mg/dL", True),)


@pytest.mark.parametrize("payload", [None, [], {"records": None}, {"records": 1}])
def test_devices_wrong_shape(payload: object) -> None:
    """A devices answer must be an object with a list of records."""
    with pytest.raises(DexcomResponseError):
        parse_devices(payload)


def test_alert_schedules_all_kept() -> None:
    """Every schedule is kept with its window, days and override; junk is skipped."""
    parsed = parse_devices(
        {
            "records": [
                {
                    "alertSchedules": [
                        "junk",
                        _schedule(
                            [_alert("low", 80)],
                            alertScheduleName="Night",
                            startTime="22:00",
                            endTime="24:00",
                            daysOfWeek=["Friday", "", "monday", "monday", 3, "funday"],
                            isDefaultSchedule=False,
                            override={
                                "isOverrideEnabled": True,
                                "mode": "quiet",
                                "endTime": "2021-07-05T10:49:22.123-07:00",
                            },
                        ),
                        {"alertScheduleSettings": "junk", "alertSettings": []},
                        _schedule(
                            [],
                            startTime="7:5",
                            endTime="24:01",
                            daysOfWeek="monday",
                            isActive="yes",
                            override={"isOverrideEnabled": False},
                        ),
                        _schedule([], startTime="06:30:00.5", endTime="25:00"),
                    ]
                }
            ]
        }
    )
    night, junk, odd, seconds = parsed.devices[0].alert_schedules
    assert night == AlertSchedule(
        name="Night",
        enabled=True,
        is_default=False,
        is_active=False,
        start=22 * 60,
        end=0,
        days=(Weekday.MONDAY, Weekday.FRIDAY),
        override_until=datetime(2021, 7, 5, 17, 49, 22, 123000, tzinfo=UTC),
        alert_settings=(AlertSetting("low", 80.0, "mg/dL", True),),
    )
    assert junk.name is None and junk.start is None and not junk.is_default
    assert (odd.start, odd.end, odd.days, odd.is_active, odd.override_until) == (
        None,
        None,
        (),
        None,
        None,
    )
    assert (seconds.start, seconds.end) == (6 * 60 + 30, None)


def test_alerts_parsed_defensively() -> None:
    """Alerts keep their time and name; unknown names and states are reported."""
    batch = parse_alerts(
        {
            "records": [
                {
                    "recordId": "a2",
                    "systemTime": "2022-12-05T15:00:25.438Z",
                    "displayTime": "2022-12-05T07:00:25",
                    "alertName": "URGENTLOW",
                    "alertState": "activeAlarming",
                    "displayDevice": "receiver",
                    "transmitterGeneration": "g6",
                },
                {
                    "recordId": "a1",
                    "systemTime": "2022-12-05T14:00:00",
                    "alertName": "x",
                },
                {
                    "recordId": "a3",
                    "systemTime": "2022-12-05T16:00:00",
                    "alertState": 7,
                },
                {"systemTime": [1]},
                "junk",
            ]
        }
    )
    assert [(a.record_id, a.alert_name, a.alert_state) for a in batch.records] == [
        ("a1", AlertName.UNKNOWN, AlertState.UNKNOWN),
        ("a2", AlertName.URGENT_LOW, AlertState.ACTIVE_ALARMING),
        ("a3", AlertName.UNKNOWN, AlertState.UNKNOWN),
    ]
    assert batch.records[1].system_time == datetime(
        2022, 12, 5, 15, 0, 25, 438000, tzinfo=UTC
    )
    assert batch.problems == (
        ParseProblem("alert_name", "'x'", 1),
        ParseProblem("alert_state", "7", 1),
        ParseProblem("no_id_or_time", "<list>", 2),
    )


def test_events_parsed_defensively() -> None:
    """Values as strings or numbers, odd enums and negative values never fail."""
    base = {"systemTime": "2026-11-23T10:00:00", "eventStatus": "created"}
    batch = parse_events(
        {
            "records": [
                {
                    **base,
                    "recordId": "e1",
                    "eventType": "carbs",
                    "value": "45",
                    "unit": "grams",
                },
                {
                    **base,
                    "recordId": "e2",
                    "eventType": "insulin",
                    "eventSubType": "fastActing",
                    "value": 4.5,
                    "unit": "units",
                },
                {
                    **base,
                    "recordId": "e3",
                    "eventType": "insulin",
                    "eventSubType": "superActing",
                    "value": -2,
                    "unit": "ml",
                    "eventStatus": "edited",
                },
                {**base, "recordId": "e4", "eventType": "meal", "value": "lots"},
                {**base, "recordId": "e5", "eventType": "exercise", "value": None},
            ]
        },
        earliest=datetime(2026, 11, 23, tzinfo=UTC),
    )
    e1, e2, e3, e4, e5 = batch.records
    assert (e1.event_type, e1.value, e1.unit, e1.sub_type) == (
        EventType.CARBS,
        45.0,
        EventUnit.GRAMS,
        None,
    )
    assert (e2.sub_type, e2.value, e2.status) == (
        EventSubType.FAST_ACTING,
        4.5,
        EventStatus.CREATED,
    )
    assert (e3.sub_type, e3.value, e3.unit, e3.status) == (
        EventSubType.UNKNOWN,
        None,
        EventUnit.UNKNOWN,
        EventStatus.UNKNOWN,
    )
    assert (e4.event_type, e4.value) == (EventType.UNKNOWN, None)
    assert e5.value is None
    assert batch.problems == (
        ParseProblem("event_value", "-2", 2),
        ParseProblem("event_status", "'edited'", 1),
        ParseProblem("event_sub_type", "'superActing'", 1),
        ParseProblem("event_unit", "'ml'", 1),
        ParseProblem("event_type", "'meal'", 1),
    )
