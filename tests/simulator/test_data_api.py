"""The v3 data endpoints: validation, envelope and record shapes."""

from datetime import datetime, timedelta
import re
import uuid

from aiohttp.test_utils import TestClient

from dexcom_simulator import Simulator

from .common import EGVS, START, get_data, tokens

SYSTEM_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
WINDOWED = ("egvs", "events", "calibrations", "alerts")


BAD_WINDOWS = [
    {"startDate": "2026-11-22T00:00", "endDate": "2026-11-23T00:00:00"},
    {"startDate": "2026-11-22T00:00:00Z", "endDate": "2026-11-23T00:00:00"},
    {"startDate": "2026-11-22 00:00:00", "endDate": "2026-11-23T00:00:00"},
    {"startDate": "2026-11-22T00:00:00", "endDate": "2026-11-23T00:00:00+00:00"},
    {"startDate": "2026-13-22T00:00:00", "endDate": "2026-11-23T00:00:00"},
    {"startDate": "2026-11-23T00:00:00", "endDate": "2026-11-23T00:00:00"},
    {"startDate": "2026-11-23T00:00:01", "endDate": "2026-11-23T00:00:00"},
    {"startDate": "2026-10-24T00:00:00", "endDate": "2026-11-23T00:00:01"},
    {"startDate": "2026-11-22T00:00:00"},
    {"endDate": "2026-11-23T00:00:00"},
    {},
]


async def test_bad_windows_are_400(client: TestClient) -> None:
    """Only YYYY-MM-DDThh:mm:ss, start < end, at most 30 days; dates required."""
    access = (await tokens(client))["access_token"]
    for query in BAD_WINDOWS:
        for endpoint in WINDOWED:
            status, body = await get_data(client, access, endpoint, **query)
            assert status == 400, (endpoint, query)
            assert body["error"] == "invalid_request"


async def test_thirty_days_exactly_is_allowed(client: TestClient) -> None:
    """The 30-day limit is inclusive."""
    access = (await tokens(client))["access_token"]
    status, body = await get_data(
        client, access, "egvs", START - timedelta(days=30), START
    )
    assert status == 200
    assert len(body["records"]) > 25 * 288 * 0.9


BAD_DEVICE_QUERIES = [
    {"startDate": "2026-11-22T00:00"},
    {"startDate": "x", "endDate": "y"},
]


async def test_devices_validates_optional_window(client: TestClient) -> None:
    """Devices takes no dates, but given ones must be valid."""
    access = (await tokens(client))["access_token"]
    for query in BAD_DEVICE_QUERIES:
        assert (await get_data(client, access, "devices", **query))[0] == 400, query
    assert (await get_data(client, access, "devices"))[0] == 200


async def test_data_range_validates_last_sync_time(client: TestClient) -> None:
    """lastSyncTime, when present, uses the query format."""
    access = (await tokens(client))["access_token"]
    ok = await get_data(client, access, "dataRange", lastSyncTime="2026-11-01T00:00:00")
    assert ok[0] == 200
    bad = await get_data(client, access, "dataRange", lastSyncTime="yesterday")
    assert bad[0] == 400


async def test_egv_envelope_and_record_shape(
    client: TestClient, simulator: Simulator
) -> None:
    """Envelope and every documented egv field, newest record first."""
    access = (await tokens(client, "SandboxUser7"))["access_token"]
    status, body = await get_data(
        client, access, "egvs", START - timedelta(hours=6), START
    )
    assert status == 200
    assert body["recordType"] == "egv"
    assert body["recordVersion"] == "3.0"
    assert body["userId"] == simulator.user_id("SandboxUser7")
    records = body["records"]
    assert len(records) > 50
    times = [r["systemTime"] for r in records]
    assert times == sorted(times, reverse=True)
    record = records[0]
    assert set(record) == {
        "recordId",
        "systemTime",
        "displayTime",
        "transmitterId",
        "transmitterTicks",
        "value",
        "status",
        "trend",
        "trendRate",
        "unit",
        "rateUnit",
        "displayDevice",
        "transmitterGeneration",
        "displayApp",
    }
    uuid.UUID(record["recordId"])
    assert SYSTEM_TIME.fullmatch(record["systemTime"])
    assert re.fullmatch(r"[0-9a-f]{64}", record["transmitterId"])
    assert isinstance(record["transmitterTicks"], int)
    assert (record["unit"], record["rateUnit"]) == ("mg/dL", "mg/dL/min")
    assert record["transmitterGeneration"] == "g7"
    assert len({r["recordId"] for r in records}) == len(records)


async def test_display_time_follows_the_user_timezone(client: TestClient) -> None:
    """Local display times: receiver users without offset, Android users with it."""
    window = (START - timedelta(hours=4), START)
    seven = (await tokens(client, "SandboxUser7"))["access_token"]
    record = (await get_data(client, seven, "egvs", *window))[1]["records"][0]
    system = datetime.fromisoformat(record["systemTime"])
    assert datetime.fromisoformat(record["displayTime"]) == system - timedelta(hours=7)
    two = (await tokens(client, "SandboxUser2"))["access_token"]
    record = (await get_data(client, two, "egvs", *window))[1]["records"][0]
    assert record["displayTime"].endswith("+01:00")
    local = datetime.fromisoformat(record["displayTime"]).replace(tzinfo=None)
    assert local == datetime.fromisoformat(record["systemTime"]) + timedelta(hours=1)


async def test_mmol_accounts_keep_mg_dl_values(client: TestClient) -> None:
    """mmol/L accounts report unit mmol/L but values and rates stay in mg/dL."""
    access = (await tokens(client, "SandboxUser2"))["access_token"]
    records = (
        await get_data(client, access, "egvs", START - timedelta(days=1), START)
    )[1]["records"]
    assert {r["unit"] for r in records} == {"mmol/L"}
    assert {r["rateUnit"] for r in records} == {"mg/dL/min"}
    values = [r["value"] for r in records if r["value"] is not None]
    assert min(values) >= 40
    assert sum(values) / len(values) > 60


async def test_user_id_is_stable_per_client_and_user(simulator: Simulator) -> None:
    """The userId depends on app and account only."""
    assert simulator.user_id("SandboxUser1") == simulator.user_id("SandboxUser1")
    assert simulator.user_id("SandboxUser1") != simulator.user_id("SandboxUser2")
    other = Simulator(simulator.config.__class__(client_id="another-app"))
    assert other.user_id("SandboxUser1") != simulator.user_id("SandboxUser1")


async def test_events_are_user_entered_records(client: TestClient) -> None:
    """Events carry the documented fields; meals come with carbs and insulin."""
    access = (await tokens(client, "SandboxUser1"))["access_token"]
    body = (await get_data(client, access, "events", START - timedelta(days=7), START))[
        1
    ]
    assert body["recordType"] == "event"
    records = body["records"]
    assert {r["eventType"] for r in records} >= {"carbs", "insulin"}
    for record in records:
        assert set(record) == {
            "recordId",
            "systemTime",
            "displayTime",
            "eventStatus",
            "eventType",
            "eventSubType",
            "value",
            "unit",
        }
        assert record["eventStatus"] in {"created", "updated", "deleted"}
    carbs = [r for r in records if r["eventType"] == "carbs"]
    assert {r["unit"] for r in carbs} == {"grams"}
    insulin = [r for r in records if r["eventType"] == "insulin"]
    assert {r["eventSubType"] for r in insulin} <= {"fastActing", "longActing"}


async def test_event_value_encodings_vary_by_user(client: TestClient) -> None:
    """Some users' event values are strings, and some times omit seconds."""
    access = (await tokens(client, "SandboxUser5"))["access_token"]
    records = (
        await get_data(client, access, "events", START - timedelta(days=5), START)
    )[1]["records"]
    valued = [r for r in records if r["value"] is not None]
    assert valued
    assert all(isinstance(r["value"], str) for r in valued)
    assert all(re.fullmatch(r"\S+T\d\d:\d\d", r["systemTime"]) for r in records)
    silent = (await tokens(client, "SandboxUser3"))["access_token"]
    body = (await get_data(client, silent, "events", START - timedelta(days=5), START))[
        1
    ]
    assert body["records"] == []


async def test_calibrations_only_for_g6_users(client: TestClient) -> None:
    """G6 users calibrate now and then; G7 users never do."""
    window = (START - timedelta(days=30), START)
    g6 = (await tokens(client, "SandboxUser6"))["access_token"]
    records = (await get_data(client, g6, "calibrations", *window))[1]["records"]
    assert 3 <= len(records) <= 40
    assert {r["transmitterGeneration"] for r in records} == {"g6"}
    assert all(40 <= r["value"] <= 400 for r in records)
    g7 = (await tokens(client, "SandboxUser7"))["access_token"]
    assert (await get_data(client, g7, "calibrations", *window))[1]["records"] == []


async def test_alerts_match_the_user_thresholds(
    client: TestClient, simulator: Simulator
) -> None:
    """A high/low alert fires on a reading beyond the threshold after one that was not."""
    window = (START - timedelta(days=3), START)
    access = (await tokens(client, "SandboxUser4"))["access_token"]
    alerts = (await get_data(client, access, "alerts", *window))[1]["records"]
    egvs = (await get_data(client, access, "egvs", *window))[1]["records"]
    by_time = {r["systemTime"]: r for r in egvs}
    thresholds = simulator.user("SandboxUser4").profile.alerts
    names = {a["alertName"] for a in alerts}
    assert {"high", "low"} <= names
    for alert in alerts:
        assert alert["alertState"] in {"activeAlarming", "activeSnoozed", "inactive"}
        reading = by_time.get(alert["systemTime"])
        if alert["alertName"] == "high":
            assert reading is not None
            assert reading["status"] == "high" or reading["value"] > thresholds.high
        if alert["alertName"] == "low":
            assert reading is not None
            assert reading["status"] == "low" or reading["value"] < thresholds.low


async def test_devices_lists_the_sensor_and_alert_settings(client: TestClient) -> None:
    """The device record carries the user's alert schedules with thresholds."""
    access = (await tokens(client, "SandboxUser6"))["access_token"]
    body = (await get_data(client, access, "devices"))[1]
    assert body["recordType"] == "device"
    (device,) = body["records"]
    assert device["transmitterGeneration"] == "g6"
    assert SYSTEM_TIME.fullmatch(device["lastUploadDate"])
    schedule = device["alertSchedules"][0]
    assert schedule["alertScheduleSettings"]["isDefaultSchedule"] is True
    settings = {s["alertName"]: s for s in schedule["alertSettings"]}
    assert settings["high"]["value"] == 220
    assert settings["low"]["value"] == 75
    assert settings["urgentLow"]["value"] == 55
    assert settings["rise"]["unit"] == "mg/dL/min"


async def test_data_range_covers_visible_data(client: TestClient) -> None:
    """The dataRange ends at the newest visible record, starts at history start."""
    access = (await tokens(client, "SandboxUser6"))["access_token"]
    body = (await get_data(client, access, "dataRange"))[1]
    assert body["recordType"] == "dataRange"
    assert {"egvs", "events", "calibrations"} <= set(body)
    newest = (
        await get_data(client, access, "egvs", START - timedelta(hours=3), START)
    )[1]["records"][0]
    assert body["egvs"]["end"] == {
        "systemTime": newest["systemTime"],
        "displayTime": newest["displayTime"],
    }
    assert body["egvs"]["start"]["systemTime"] < "2020-01-03"
    assert body["egvs"]["end"]["systemTime"] <= (START - timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    seven = (await tokens(client, "SandboxUser7"))["access_token"]
    assert "calibrations" not in (await get_data(client, seven, "dataRange"))[1]


async def test_unknown_endpoint_is_404(client: TestClient) -> None:
    """Only the documented endpoints exist."""
    access = (await tokens(client))["access_token"]
    response = await client.get(
        "/v3/users/self/glucose", headers={"Authorization": f"Bearer {access}"}
    )
    assert response.status == 404
    assert (await client.post(EGVS)).status == 405


async def test_devices_with_production_quirks(client: TestClient) -> None:
    """One user's settings carry the quirks production clients reported."""
    access = (await tokens(client, "SandboxUser4"))["access_token"]
    (device,) = (await get_data(client, access, "devices"))[1]["records"]
    schedule = device["alertSchedules"][0]
    days = schedule["alertScheduleSettings"]["daysOfWeek"]
    assert "" in days
    assert len(days) > len(set(days))
    settings = {s["alertName"]: s for s in schedule["alertSettings"]}
    assert settings["fall"]["value"] < 0
    assert settings["high"]["snooze"] == 28
