"""Builders for Dexcom payloads and mocked endpoints shared by the tests."""

from datetime import datetime, timedelta
from typing import Any

from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

CLIENT_ID = "test-client-id-5d1a"
CLIENT_SECRET = "test-client-secret-93bc"
ACCESS_TOKEN = "test-access-token-7e21"
REFRESH_TOKEN = "test-refresh-token-4f08"
USER_ID = "a1b2c3d4-user-id-0001"
OTHER_USER_ID = "e5f6a7b8-user-id-0002"
TRANSMITTER_ID = "tx-secret-8c7d6e"
BASE_URL = "https://api.dexcom.com"
SANDBOX_URL = "https://sandbox-api.dexcom.com"
TOKEN_URL = f"{BASE_URL}/v2/oauth2/token"
AUTHORIZE_URL = f"{BASE_URL}/v2/oauth2/login"

SECRETS = (
    CLIENT_SECRET,
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    USER_ID,
    OTHER_USER_ID,
    TRANSMITTER_ID,
)


def egv(
    system_time: datetime,
    value: int | None = 120,
    *,
    trend: str = "flat",
    trend_rate: float | None = 0.1,
    status: str | None = "ok",
    unit: str = "mg/dL",
    record_id: str | None = None,
) -> dict[str, Any]:
    """Return one v3 egv record as Dexcom sends it."""
    return {
        "recordId": record_id or f"rec-{system_time:%Y%m%d%H%M%S}",
        "systemTime": system_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "displayTime": (system_time - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S"),
        "transmitterId": TRANSMITTER_ID,
        "transmitterTicks": 5234012,
        "value": value,
        "status": status,
        "trend": trend,
        "trendRate": trend_rate,
        "unit": unit,
        "rateUnit": "mg/dL/min",
        "displayDevice": "iOS",
        "transmitterGeneration": "g7",
        "displayApp": "G7",
    }


def egvs_payload(
    records: list[dict[str, Any]], user_id: str = USER_ID
) -> dict[str, Any]:
    """Wrap records in the v3 envelope."""
    return {
        "recordType": "egv",
        "recordVersion": "3.0",
        "userId": user_id,
        "records": records,
    }


def series(
    end: datetime, count: int, start_value: int = 110, step: int = 2
) -> list[dict[str, Any]]:
    """Return `count` readings five minutes apart, the newest at `end`."""
    return [
        egv(end - timedelta(minutes=5 * (count - 1 - i)), start_value + step * i)
        for i in range(count)
    ]


def data_range_payload(user_id: str = USER_ID) -> dict[str, Any]:
    """Return a dataRange answer for an account."""
    span = {
        "start": {
            "systemTime": "2026-10-01T00:00:00",
            "displayTime": "2026-09-30T17:00:00",
        },
        "end": {
            "systemTime": "2026-11-23T17:00:00",
            "displayTime": "2026-11-23T09:00:00",
        },
    }
    return {
        "recordType": "dataRange",
        "recordVersion": "3.0",
        "userId": user_id,
        "egvs": span,
        "events": span,
        "calibrations": span,
    }


def devices_payload(generation: str = "g7") -> dict[str, Any]:
    """Return a devices answer with one device and its alert settings."""
    return {
        "recordType": "device",
        "recordVersion": "3.0",
        "userId": USER_ID,
        "records": [
            {
                "lastUploadDate": "2026-11-23T17:00:00",
                "transmitterId": TRANSMITTER_ID,
                "transmitterGeneration": generation,
                "displayDevice": "iOS",
                "displayApp": "G7",
                "alertSchedules": [
                    {
                        "alertScheduleSettings": {
                            "alertScheduleName": "Default",
                            "isEnabled": True,
                            "isDefaultSchedule": True,
                            "startTime": "00:00",
                            "endTime": "00:00",
                            "daysOfWeek": ["monday"],
                            "isActive": True,
                        },
                        "alertSettings": [
                            {
                                "systemTime": "2026-11-01T00:00:00",
                                "displayTime": "2026-10-31T17:00:00",
                                "alertName": "low",
                                "value": 70,
                                "unit": "mg/dL",
                                "snooze": 30,
                                "enabled": True,
                            }
                        ],
                    }
                ],
            }
        ],
    }


def mock_api(
    aioclient_mock: AiohttpClientMocker,
    records: list[dict[str, Any]],
    base_url: str = BASE_URL,
    generation: str = "g7",
) -> None:
    """Answer the data endpoints of one account."""
    aioclient_mock.get(f"{base_url}/v3/users/self/egvs", json=egvs_payload(records))
    aioclient_mock.get(
        f"{base_url}/v3/users/self/devices", json=devices_payload(generation)
    )
    aioclient_mock.get(f"{base_url}/v3/users/self/dataRange", json=data_range_payload())
