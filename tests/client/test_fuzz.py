"""Seeded fuzzing: no answer, however broken, gets past the client unchecked.

Every mutated payload must end either in one of the client's documented
errors or in a result whose invariants hold: glucose values are whole mg/dL
within 40..400 or None, trend rates finite and plausible, times aware UTC
and, for egvs, within the asked window. The seeds are fixed, so a failure
reproduces; the parsers are called directly for the large counts.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
import json
import math
import random
from typing import Any

import pytest

from custom_components.dexcom_oauth.client import (
    GLUCOSE_MAX_MG_DL,
    GLUCOSE_MIN_MG_DL,
    MAX_TREND_RATE,
    DataRange,
    Devices,
    DexcomClient,
    DexcomError,
    DexcomResponseError,
    EgvBatch,
    GlucoseStatus,
    GlucoseUnit,
    TimeRange,
    Trend,
)
from custom_components.dexcom_oauth.client.client import CLOCK_SKEW, parse_body
from custom_components.dexcom_oauth.client.parse import (
    parse_data_range,
    parse_devices,
    parse_egvs,
)

from .conftest import FakeDexcom

EARLIEST = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
LATEST = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
PROBLEM_KINDS = {
    "no_id_or_time",
    "outside_window",
    "value",
    "status",
    "trend",
    "trend_rate",
    "unit",
}
TIMES = (
    "2026-11-23T17:05:11",
    "2026-11-23T17:05:11Z",
    "2026-11-23T16:00:00",
    "2026-11-23T15:59:59.999999",
    "2026-11-23T18:00:00.000001Z",
    "2026-11-23T09:05:11-07:00",
    "2026-11-23T17:05:11.1234567+05:30",
    "2026-11-23 17:05",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00-01:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999Z",
    "2026-02-30T00:00:00",
    "2026-11-23T24:00:00",
    "2026-11-23T17:05:11+24:00",
    "2026-11-23T17:05:11-06:59:59",
    "２０２６-11-23T17:05:11",
    "soon",
)
NASTY: tuple[object, ...] = (
    None,
    True,
    False,
    0,
    -1,
    0.3,
    -5,
    39,
    39.5,
    40,
    120,
    400,
    400.5,
    401,
    2.2,
    22.3,
    34.9,
    1e300,
    -1e300,
    1e308,
    -1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
    10**400,
    "",
    " ",
    "abc",
    "NaN",
    "inf",
    "-Infinity",
    "1e999",
    " 98 ",
    "5.5",
    "٣٩",
    "mg/dL",
    "mmol/L",
    "MMOL/L/MIN",
    "mg/dL/min",
    "unknown",
    "low",
    "HIGH",
    "tripleUpX",
    "doubleUp",
    "x" * 500,
    *TIMES,
)
# Containers are made afresh each time: a shared one would grow across payloads.
CONTAINERS: tuple[Callable[[], object], ...] = (
    list,
    dict,
    lambda: [1, [2, [3]]],
    lambda: {"systemTime": "2026-11-23T17:05:11"},
)
EGV_FIELDS = (
    "recordId",
    "systemTime",
    "displayTime",
    "value",
    "status",
    "trend",
    "trendRate",
    "unit",
    "rateUnit",
    "transmitterId",
    "transmitterGeneration",
    "displayDevice",
    "displayApp",
)
OTHER_FIELDS = (
    "records",
    "userId",
    "egvs",
    "events",
    "calibrations",
    "start",
    "end",
    "lastUploadDate",
    "alertSchedules",
    "alertScheduleSettings",
    "alertSettings",
    "isActive",
    "isDefaultSchedule",
    "alertName",
    "enabled",
)


def random_time(rng: random.Random) -> str:
    """Return a time string, sometimes valid, sometimes at or off the edges."""
    if rng.random() < 0.5:
        return rng.choice(TIMES)
    moment = EARLIEST + timedelta(seconds=rng.uniform(-7200, 7200))
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if rng.random() < 0.3:
        text += f".{rng.randrange(10**9)}"
    if rng.random() < 0.4:
        text += rng.choice(
            ("Z", "+00:00", "-07:00", "+05:30", "+0130", "+14", "-23:59")
        )
    if rng.random() < 0.1:
        text = f"{rng.randrange(1, 10000):04d}{text[4:]}"
    return text


def nasty(rng: random.Random) -> object:
    """Return one awkward JSON value."""
    roll = rng.random()
    if roll < 0.2:
        return random_time(rng)
    if roll < 0.3:
        return rng.choice(CONTAINERS)()
    return rng.choice(NASTY)


def egv_record(rng: random.Random, index: int) -> dict[str, Any]:
    """Return a plausible egv record near the window."""
    return {
        "recordId": f"rec-{index}",
        "systemTime": random_time(rng),
        "displayTime": random_time(rng),
        "transmitterId": "tx",
        "value": rng.randint(30, 420),
        "status": rng.choice(("ok", "low", "high", "unknown", None)),
        "trend": rng.choice(tuple(Trend)).value,
        "trendRate": round(rng.uniform(-4, 4), 1),
        "unit": rng.choice(("mg/dL", "mmol/L", "unknown")),
        "rateUnit": rng.choice(("mg/dL/min", "mmol/L/min")),
        "displayDevice": "iOS",
        "transmitterGeneration": "g7",
        "displayApp": "G7",
    }


def egvs_payload(rng: random.Random) -> dict[str, Any]:
    """Return a plausible egvs answer."""
    return {
        "recordType": "egv",
        "recordVersion": "3.0",
        "userId": "user",
        "records": [egv_record(rng, index) for index in range(rng.randint(0, 6))],
    }


def devices_payload(rng: random.Random) -> dict[str, Any]:
    """Return a plausible devices answer."""
    return {
        "userId": "user",
        "records": [
            {
                "lastUploadDate": random_time(rng),
                "transmitterId": "tx",
                "transmitterGeneration": "g7",
                "displayDevice": "android",
                "displayApp": "G7Android",
                "alertSchedules": [
                    {
                        "alertScheduleSettings": {
                            "isActive": rng.random() < 0.5,
                            "isDefaultSchedule": rng.random() < 0.5,
                        },
                        "alertSettings": [
                            {
                                "systemTime": random_time(rng),
                                "alertName": rng.choice(("low", "high", "rise")),
                                "value": rng.randint(-3, 400),
                                "unit": "mg/dL",
                                "enabled": True,
                            }
                            for _ in range(rng.randint(0, 3))
                        ],
                    }
                    for _ in range(rng.randint(0, 2))
                ],
            }
            for _ in range(rng.randint(0, 2))
        ],
    }


def data_range_payload(rng: random.Random) -> dict[str, Any]:
    """Return a plausible dataRange answer."""
    return {
        "userId": "user",
        **{
            section: {
                "start": {"systemTime": random_time(rng)},
                "end": {"systemTime": random_time(rng)},
            }
            for section in ("egvs", "events", "calibrations")
        },
    }


def containers(value: object) -> Iterator[dict[str, Any] | list[Any]]:
    """Yield every dict and list inside a JSON value, itself included."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            yield node
            stack.extend(node)


def mutate(rng: random.Random, payload: dict[str, Any]) -> object:
    """Apply a few random changes anywhere in the payload; return the result."""
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.03:
            return nasty(rng)  # the whole answer is something else
        node = rng.choice(list(containers(payload)))
        if isinstance(node, dict):
            key = (
                rng.choice(list(node))
                if node and roll < 0.7
                else rng.choice(EGV_FIELDS + OTHER_FIELDS)
            )
            if roll < 0.15:
                node.pop(key, None)
            elif roll < 0.25 and key in node:
                node[key] = [node[key]]
            else:
                node[key] = nasty(rng)
        elif node and roll < 0.4:
            del node[rng.randrange(len(node))]
        elif node and roll < 0.7:
            node[rng.randrange(len(node))] = nasty(rng)
        else:
            node.append(nasty(rng))
    return payload


def is_utc(moment: datetime) -> bool:
    """Whether a datetime is timezone-aware and in UTC."""
    return moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


def check_egvs(batch: EgvBatch, earliest: datetime, latest: datetime) -> None:
    """Assert everything an egvs result promises."""
    ids = [reading.record_id for reading in batch.readings]
    assert len(ids) == len(set(ids))
    times = [reading.system_time for reading in batch.readings]
    assert times == sorted(times)
    for reading in batch.readings:
        assert isinstance(reading.record_id, str)
        assert reading.record_id.strip()
        assert is_utc(reading.system_time)
        assert earliest <= reading.system_time <= latest
        value = reading.value
        assert value is None or (
            type(value) is int and GLUCOSE_MIN_MG_DL <= value <= GLUCOSE_MAX_MG_DL
        )
        rate = reading.trend_rate
        assert rate is None or (
            type(rate) is float and math.isfinite(rate) and abs(rate) <= MAX_TREND_RATE
        )
        assert reading.status in GlucoseStatus
        assert reading.trend in Trend
        assert reading.unit in GlucoseUnit
    kinds = [problem.kind for problem in batch.problems]
    assert len(kinds) == len(set(kinds))
    assert set(kinds) <= PROBLEM_KINDS
    for problem in batch.problems:
        assert problem.count >= 1
        assert isinstance(problem.example, str)
        assert len(problem.example) <= 40
    dropped = {p.kind: p.count for p in batch.problems}.get("no_id_or_time", 0)
    assert batch.skipped == dropped


def check_devices(devices: Devices) -> None:
    """Assert everything a devices result promises."""
    for device in devices.devices:
        assert device.last_upload_date is None or is_utc(device.last_upload_date)
        for setting in device.alert_settings:
            assert isinstance(setting.alert_name, str)
            assert setting.value is None or (
                type(setting.value) is float and math.isfinite(setting.value)
            )


def check_range(section: TimeRange | None) -> None:
    """Assert a dataRange section is absent or two UTC times."""
    if section is not None:
        assert is_utc(section.start)
        assert is_utc(section.end)


def check_data_range(data_range: DataRange) -> None:
    """Assert everything a dataRange result promises."""
    for section in (data_range.egvs, data_range.events, data_range.calibrations):
        check_range(section)


def parse_window(payload: object) -> EgvBatch:
    """Parse egvs for the fuzzed window and check the result."""
    batch = parse_egvs(payload, earliest=EARLIEST, latest=LATEST)
    check_egvs(batch, EARLIEST, LATEST)
    return batch


def parse_checked_devices(payload: object) -> Devices:
    """Parse devices and check the result."""
    devices = parse_devices(payload)
    check_devices(devices)
    return devices


def parse_checked_data_range(payload: object) -> DataRange:
    """Parse dataRange and check the result."""
    data_range = parse_data_range(payload)
    check_data_range(data_range)
    return data_range


CASES: dict[
    str, tuple[Callable[[random.Random], dict[str, Any]], Callable[[object], object]]
] = {
    "egvs": (egvs_payload, parse_window),
    "devices": (devices_payload, parse_checked_devices),
    "dataRange": (data_range_payload, parse_checked_data_range),
}


@pytest.mark.parametrize(
    ("endpoint", "count", "seed"),
    [("egvs", 20_000, 1), ("devices", 10_000, 2), ("dataRange", 10_000, 3)],
)
def test_mutated_payloads(endpoint: str, count: int, seed: int) -> None:
    """Each mutated payload parses with its invariants, or is a response error."""
    build, parse = CASES[endpoint]
    rng = random.Random(seed)
    parsed = refused = 0
    for _ in range(count):
        payload = mutate(rng, build(rng))
        try:
            parse(payload)
        except DexcomResponseError:
            refused += 1
        else:
            parsed += 1
    # The mutations must exercise both outcomes, or the test proves little.
    assert parsed > count // 2
    assert refused > 0


def mutate_bytes(rng: random.Random, body: bytes) -> bytes:
    """Corrupt a JSON body: flips, cuts, splices, junk and deep nesting."""
    data = bytearray(body)
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        at = rng.randrange(len(data) + 1)
        if roll < 0.3 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif roll < 0.45:
            del data[at : at + rng.randint(1, 20)]
        elif roll < 0.6:
            data[at:at] = data[rng.randrange(len(data) + 1) :][: rng.randint(1, 40)]
        elif roll < 0.98:
            data[at:at] = rng.choice(
                (
                    b"[",
                    b"{",
                    b'"',
                    b"\\",
                    b"\xff\xfe",
                    b"NaN",
                    b"-Infinity",
                    b"1e999",
                    b"0" * 5000,
                    b'"\\ud800"',
                    b"\x00",
                    b", null",
                    b'"value": 1e400, ',
                    b'"systemTime": "9999-12-31T23:59:59-01:00", ',
                )
            )
        else:
            depth = rng.choice((500, 100_000))
            data[at:at] = b"[" * depth + b"]" * depth
    return bytes(data)


def test_mutated_bodies() -> None:
    """Each corrupted body decodes and parses with its invariants, or is refused."""
    rng = random.Random(4)
    outcomes = {"parsed": 0, "refused": 0}
    for _ in range(5_000):
        endpoint = rng.choice(list(CASES))
        build, parse = CASES[endpoint]
        body = mutate_bytes(rng, json.dumps(build(rng)).encode())
        try:
            parse_body(endpoint, body, parse)
        except DexcomResponseError:
            outcomes["refused"] += 1
        else:
            outcomes["parsed"] += 1
    assert outcomes["parsed"] > 500
    assert outcomes["refused"] > 500


STATUSES = (200, 200, 200, 200, 200, 204, 301, 400, 401, 404, 429, 500, 503)


async def test_mutated_answers_over_http(
    client: DexcomClient, dexcom: FakeDexcom
) -> None:
    """Through the real HTTP path too, only our errors or checked results come out."""
    rng = random.Random(5)
    start, end = EARLIEST, LATEST - CLOCK_SKEW
    results: dict[str, int] = {}
    for _ in range(300):
        endpoint = rng.choice(list(CASES))
        build, _ = CASES[endpoint]
        statuses = [rng.choice(STATUSES)]
        if statuses[0] == 401:
            statuses.append(rng.choice(STATUSES))
        for status in statuses:
            body = json.dumps(mutate(rng, build(rng)), allow_nan=True).encode()
            dexcom.reply(
                endpoint,
                status,
                body=mutate_bytes(rng, body) if rng.random() < 0.3 else body,
                headers={"Retry-After": rng.choice(("5", "soon", "-1", "１"))},
            )
        try:
            if endpoint == "egvs":
                check_egvs(await client.egvs(start, end), start, LATEST)
            elif endpoint == "devices":
                check_devices(await client.devices())
            else:
                check_data_range(await client.data_range())
        except DexcomError as err:
            outcome = type(err).__name__
        else:
            outcome = "parsed"
        results[outcome] = results.get(outcome, 0) + 1
    assert results["parsed"] > 50
    assert results["DexcomResponseError"] > 10
