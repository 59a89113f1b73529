"""Tests for the Dexcom HTTP client against a fake Dexcom server."""

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
import json
import logging
import socket
from typing import Any, cast

from aiohttp import (
    ClientConnectionError,
    ClientResponse,
    ClientSession,
    ClientTimeout,
    ServerTimeoutError,
)
import pytest

from custom_components.dexcom_oauth.client import (
    DexcomAuthError,
    DexcomClient,
    DexcomConnectionError,
    DexcomError,
    DexcomRateLimitError,
    DexcomRequestError,
    DexcomResponseError,
    DexcomUnauthorizedError,
    ParseProblem,
    Trend,
    client as client_module,
)
from custom_components.dexcom_oauth.client.client import CLOCK_SKEW, parse_retry_after

from .conftest import FakeDexcom, FakeTokens

EGVS = "/v3/users/self/egvs"
DATA_RANGE = "/v3/users/self/dataRange"
DEVICES = "/v3/users/self/devices"
USER_ID = "secret-user-id-42"
START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
END = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def egvs_body(
    *records: tuple[str, str], user_id: str | None = USER_ID
) -> dict[str, Any]:
    """Build an egvs answer holding (recordId, systemTime) readings."""
    return {
        "recordType": "egv",
        "recordVersion": "3.0",
        "userId": user_id,
        "records": [
            {
                "recordId": record_id,
                "systemTime": system_time,
                "displayTime": system_time,
                "value": 110,
                "status": "ok",
                "trend": "flat",
                "trendRate": 0.1,
                "unit": "mg/dL",
                "rateUnit": "mg/dL/min",
            }
            for record_id, system_time in records
        ],
    }


def windows(dexcom: FakeDexcom) -> list[tuple[str, str]]:
    """Return (startDate, endDate) of every egvs request, in order."""
    assert set(dexcom.paths()) == {EGVS}
    return [(seen.query["startDate"], seen.query["endDate"]) for seen in dexcom.seen]


async def test_egvs_single_window(
    client: DexcomClient, dexcom: FakeDexcom, tokens: FakeTokens
) -> None:
    """A short range is one GET with UTC dates and a bearer token."""
    body = json.dumps(egvs_body(("a", "2026-11-23T12:05:00"))).encode()
    dexcom.reply("egvs", body=body)

    batch = await client.egvs(START, END)

    assert batch.user_id == USER_ID
    assert [r.record_id for r in batch.readings] == ["a"]
    assert batch.readings[0].trend is Trend.FLAT
    assert batch.readings[0].value == 110
    assert batch.skipped == 0
    assert client.bytes_received == len(body)
    assert tokens.calls == [None]
    (seen,) = dexcom.seen
    assert seen.query == {
        "startDate": "2026-11-23T12:00:00",
        "endDate": "2026-11-23T18:00:00",
    }
    assert seen.raw_query.replace("%3A", ":") == (
        "startDate=2026-11-23T12:00:00&endDate=2026-11-23T18:00:00"
    )
    assert seen.authorization == "Bearer token-1"


async def test_egvs_converts_to_utc_and_whole_seconds(
    client: DexcomClient, dexcom: FakeDexcom
) -> None:
    """Aware local times are sent as UTC; the window only ever grows."""
    local = timezone(timedelta(hours=-7))
    dexcom.reply("egvs", payload=egvs_body())

    batch = await client.egvs(
        datetime(2026, 11, 23, 10, 0, 0, 900000, tzinfo=local),
        datetime(2026, 11, 23, 11, 0, 0, 1, tzinfo=local),
    )

    assert batch.readings == ()
    assert windows(dexcom) == [("2026-11-23T17:00:00", "2026-11-23T18:00:01")]


async def test_egvs_within_one_second(client: DexcomClient, dexcom: FakeDexcom) -> None:
    """Two times inside one second still give a valid, non-empty window."""
    dexcom.reply("egvs", payload=egvs_body())

    await client.egvs(START.replace(microsecond=1), START.replace(microsecond=2))

    assert windows(dexcom) == [("2026-11-23T12:00:00", "2026-11-23T12:00:01")]


async def test_egvs_splits_65_days(client: DexcomClient, dexcom: FakeDexcom) -> None:
    """65 days are three consecutive requests of 30, 30 and 5 days, merged."""
    start = datetime(2026, 1, 1, 6, 30, tzinfo=UTC)
    dexcom.reply(
        "egvs",
        payload=egvs_body(
            ("b", "2026-01-31T06:30:00"), ("a", "2026-01-01T06:35:00"), user_id=None
        ),
    )
    second = egvs_body(("b", "2026-01-31T06:30:00"), ("c", "2026-02-15T00:00:00"))
    second["records"].append({"recordId": "no-time"})
    dexcom.reply("egvs", payload=second)
    third = egvs_body(
        ("d", "2026-03-07T06:00:00"),
        ("too-late", "2026-03-07T06:35:01"),
        user_id="other",
    )
    third["records"].append({"systemTime": "2026-03-07T06:05:00"})
    third["records"][0]["trend"] = "tripleUpX"
    dexcom.reply("egvs", payload=third)

    batch = await client.egvs(start, start + timedelta(days=65))

    assert windows(dexcom) == [
        ("2026-01-01T06:30:00", "2026-01-31T06:30:00"),
        ("2026-01-31T06:30:00", "2026-03-02T06:30:00"),
        ("2026-03-02T06:30:00", "2026-03-07T06:30:00"),
    ]
    assert [r.record_id for r in batch.readings] == ["a", "b", "c", "d"]
    assert batch.skipped == 2
    assert batch.problems == (
        ParseProblem("no_id_or_time", "None", 2),
        ParseProblem("trend", "'tripleUpX'", 1),
        ParseProblem("outside_window", "'2026-03-07T06:35:01'", 1),
    )
    assert batch.user_id == USER_ID


async def test_egvs_only_returns_the_asked_window(
    client: DexcomClient, dexcom: FakeDexcom
) -> None:
    """Records before start (to the second) or past end + skew never arrive.

    They are reported, with their raw time only, as outside_window.
    """
    assert timedelta(minutes=5) == CLOCK_SKEW
    dexcom.reply(
        "egvs",
        payload=egvs_body(
            ("too-early", "2026-11-23T11:59:59.999"),
            ("first", "2026-11-23T12:00:00"),
            ("phone", "2026-11-23T05:00:00.5-07:00"),
            ("last", "2026-11-23T18:05:00"),
            ("too-late", "2026-11-23T18:05:00.001"),
            ("future", "2099-01-01T00:00:00"),
            ("ancient", "1970-01-01T00:00:00"),
        ),
    )

    batch = await client.egvs(START.replace(microsecond=500000), END)

    assert [r.record_id for r in batch.readings] == ["first", "phone", "last"]
    assert batch.problems == (
        ParseProblem("outside_window", "'2026-11-23T11:59:59.999'", 4),
    )
    assert batch.skipped == 0
    assert USER_ID not in repr(batch.problems)


@pytest.mark.parametrize(
    "system_time", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]
)
async def test_times_at_calendar_edges(
    client: DexcomClient, dexcom: FakeDexcom, system_time: str
) -> None:
    """Times that leave the calendar in UTC are unusable, not an exception."""
    dexcom.reply(
        "egvs", payload=egvs_body(("edge", system_time), ("a", "2026-11-23T12:05:00"))
    )
    dexcom.reply("devices", payload={"records": [{"lastUploadDate": system_time}]})
    dexcom.reply(
        "dataRange",
        payload={
            "egvs": {
                "start": {"systemTime": system_time},
                "end": {"systemTime": "2026-11-23T17:05:11"},
            }
        },
    )

    batch = await client.egvs(START, END)
    devices = await client.devices()
    data_range = await client.data_range()

    assert [r.record_id for r in batch.readings] == ["a"]
    assert batch.problems == (ParseProblem("no_id_or_time", repr(system_time), 1),)
    assert devices.devices[0].last_upload_date is None
    assert data_range.egvs is None


async def test_egvs_exactly_30_days_is_one_request(
    client: DexcomClient, dexcom: FakeDexcom
) -> None:
    """A window of exactly 30 days is not split."""
    dexcom.reply("egvs", payload=egvs_body(user_id=None))

    batch = await client.egvs(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC)
    )

    assert windows(dexcom) == [("2026-01-01T00:00:00", "2026-01-31T00:00:00")]
    assert batch.user_id is None


async def test_egvs_failure_in_later_window(
    client: DexcomClient, dexcom: FakeDexcom
) -> None:
    """A failed window fails the whole call instead of returning a gap."""
    dexcom.reply("egvs", payload=egvs_body(("a", "2026-01-01T00:05:00")))
    dexcom.reply("egvs", status=503)

    with pytest.raises(DexcomConnectionError):
        await client.egvs(
            datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 5, tzinfo=UTC)
        )

    assert len(dexcom.seen) == 2


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (START.replace(tzinfo=None), END),
        (START, END.replace(tzinfo=None)),
        (END, START),
        (START, START),
    ],
)
async def test_egvs_rejects_bad_ranges(
    client: DexcomClient,
    dexcom: FakeDexcom,
    tokens: FakeTokens,
    start: datetime,
    end: datetime,
) -> None:
    """Naive datetimes and empty ranges are programming errors: no request."""
    with pytest.raises(ValueError):
        await client.egvs(start, end)
    assert dexcom.seen == []
    assert tokens.calls == []


async def test_data_range(client: DexcomClient, dexcom: FakeDexcom) -> None:
    """Fetch dataRange without parameters and parse it."""
    dexcom.reply(
        "dataRange",
        payload={
            "userId": USER_ID,
            "egvs": {
                "start": {"systemTime": "2026-11-01T00:00:00"},
                "end": {"systemTime": "2026-11-23T17:05:11"},
            },
        },
    )

    data_range = await client.data_range()

    assert data_range.user_id == USER_ID
    assert data_range.egvs is not None
    assert data_range.egvs.end == datetime(2026, 11, 23, 17, 5, 11, tzinfo=UTC)
    assert data_range.events is None
    assert data_range.calibrations is None
    assert dexcom.paths() == [DATA_RANGE]
    assert dexcom.seen[0].query == {}


async def test_devices(client: DexcomClient, dexcom: FakeDexcom) -> None:
    """Fetch devices and parse them."""
    dexcom.reply(
        "devices",
        payload={
            "records": [
                {
                    "displayApp": "G7Android",
                    "alertSchedules": [
                        {
                            "alertScheduleSettings": {"isDefaultSchedule": True},
                            "alertSettings": [{"alertName": "low", "value": 70}],
                        }
                    ],
                }
            ]
        },
    )

    devices = await client.devices()

    assert devices.devices[0].display_app == "G7Android"
    assert devices.devices[0].alert_settings[0].value == 70.0
    assert dexcom.paths() == [DEVICES]


async def test_bytes_received_accumulates(
    client: DexcomClient, dexcom: FakeDexcom
) -> None:
    """bytes_received adds up the bodies of successful answers only."""
    first = b'{"records": []}'
    second = b'{"userId": "x"}'
    dexcom.reply("dataRange", body=first)
    dexcom.reply("dataRange", status=500, body=b"x" * 50)
    dexcom.reply("dataRange", body=second)

    await client.data_range()
    with pytest.raises(DexcomConnectionError):
        await client.data_range()
    await client.data_range()

    assert client.bytes_received == len(first) + len(second)


async def test_401_refreshes_once_and_retries(
    client: DexcomClient, dexcom: FakeDexcom, tokens: FakeTokens
) -> None:
    """A 401 asks the provider for a new token, passing the rejected one."""
    dexcom.reply("dataRange", status=401, body="expired", content_type="text/plain")
    dexcom.reply("dataRange", payload={"userId": USER_ID})

    data_range = await client.data_range()

    assert data_range.user_id == USER_ID
    assert tokens.calls == [None, "token-1"]
    assert [seen.authorization for seen in dexcom.seen] == [
        "Bearer token-1",
        "Bearer token-2",
    ]


async def test_401_after_refresh_is_transient(
    client: DexcomClient, dexcom: FakeDexcom, tokens: FakeTokens
) -> None:
    """A 401 even with a fresh token is a passing failure, not a re-link.

    The refresh itself worked, so the refresh token is fine; the client
    neither refreshes a second time nor claims the account needs linking.
    """
    dexcom.reply("devices", status=401)
    dexcom.reply("devices", status=401)

    with pytest.raises(DexcomUnauthorizedError) as caught:
        await client.devices()

    assert isinstance(caught.value, DexcomConnectionError)
    assert not isinstance(caught.value, DexcomAuthError)
    assert tokens.calls == [None, "token-1"]
    assert [seen.authorization for seen in dexcom.seen] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert "token-" not in str(caught.value)
    assert "devices" in str(caught.value)


async def test_401_then_other_error(client: DexcomClient, dexcom: FakeDexcom) -> None:
    """The retried request's own failure is reported as such."""
    dexcom.reply("devices", status=401)
    dexcom.reply("devices", status=429, headers={"Retry-After": "5"})

    with pytest.raises(DexcomRateLimitError) as caught:
        await client.devices()

    assert caught.value.retry_after == 5.0


@pytest.mark.parametrize(
    "error",
    [
        DexcomAuthError("re-link"),
        DexcomConnectionError("token endpoint down"),
        RuntimeError("anything"),
    ],
)
async def test_provider_errors_pass_through(
    session: ClientSession, dexcom: FakeDexcom, error: Exception
) -> None:
    """Errors raised by the token provider reach the caller unchanged."""

    async def failing(rejected: str | None) -> str:
        raise error

    client = DexcomClient(session, dexcom.base_url, failing)

    with pytest.raises(type(error)) as caught:
        await client.data_range()

    assert caught.value is error
    assert dexcom.seen == []


async def test_provider_error_on_refresh_passes_through(
    session: ClientSession, dexcom: FakeDexcom
) -> None:
    """A failed refresh after a 401 is the provider's error, not ours."""
    error = DexcomAuthError("invalid_grant")

    async def provider(rejected: str | None) -> str:
        if rejected is not None:
            raise error
        return "token-1"

    client = DexcomClient(session, dexcom.base_url, provider)
    dexcom.reply("dataRange", status=401)

    with pytest.raises(DexcomAuthError) as caught:
        await client.data_range()

    assert caught.value is error


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"Retry-After": "120"}, 120.0), ({}, None), ({"Retry-After": "soon"}, None)],
)
async def test_429(
    client: DexcomClient,
    dexcom: FakeDexcom,
    headers: dict[str, str],
    expected: float | None,
) -> None:
    """429 is a rate limit with the server's Retry-After when readable."""
    dexcom.reply(
        "dataRange",
        status=429,
        headers=headers,
        body="slow down",
        content_type="text/plain",
    )

    with pytest.raises(DexcomRateLimitError) as caught:
        await client.data_range()

    assert caught.value.retry_after == expected


async def test_429_with_http_date(client: DexcomClient, dexcom: FakeDexcom) -> None:
    """Retry-After as an HTTP-date is turned into seconds from now."""
    when = datetime.now(UTC) + timedelta(hours=1)
    dexcom.reply(
        "dataRange",
        status=429,
        headers={"Retry-After": format_datetime(when, usegmt=True)},
    )

    with pytest.raises(DexcomRateLimitError) as caught:
        await client.data_range()

    assert caught.value.retry_after is not None
    assert 3540 <= caught.value.retry_after <= 3600


NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        (" 30 ", 30.0),
        ("Mon, 23 Nov 2026 18:01:00 GMT", 60.0),
        ("Mon, 23 Nov 2026 19:01:00 +0100", 60.0),
        ("Mon, 23 Nov 2026 18:01:00 -0000", 60.0),
        ("Mon, 23 Nov 2026 17:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("３０", None),
        ("tomorrow", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    """Both Retry-After forms are read; anything else is None."""
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize("status", [400, 403, 404, 405, 422])
async def test_refused_requests(
    client: DexcomClient, dexcom: FakeDexcom, status: int
) -> None:
    """Other 4xx answers are request errors carrying the status."""
    dexcom.reply("egvs", status=status, body="<p>nope</p>", content_type="text/html")

    with pytest.raises(DexcomRequestError) as caught:
        await client.egvs(START, END)

    assert caught.value.status == status


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_with_non_json_body(
    client: DexcomClient, dexcom: FakeDexcom, status: int
) -> None:
    """5xx answers, whatever their body, are temporary connection errors."""
    dexcom.reply(
        "devices",
        status=status,
        body="<html>Service Unavailable</html>",
        content_type="text/html",
    )

    with pytest.raises(DexcomConnectionError) as caught:
        await client.devices()

    assert str(status) in str(caught.value)
    assert "Unavailable" not in str(caught.value)


@pytest.mark.parametrize("status", [302, 307])
async def test_redirects_are_not_followed(
    client: DexcomClient, dexcom: FakeDexcom, status: int
) -> None:
    """A redirect could carry the token elsewhere; it is an unusable answer."""
    dexcom.reply("devices", status=status, headers={"Location": "/elsewhere"})

    with pytest.raises(DexcomResponseError):
        await client.devices()

    assert dexcom.paths() == [DEVICES]


@pytest.mark.parametrize(
    "body",
    [
        b"<html>maintenance</html>",
        b"",
        b'{"records": [',
        b"\xff\xfe\x00",
        b"[]",
        b'"text"',
        b'{"records": {"a": 1}}',
    ],
)
async def test_unusable_200_bodies(
    client: DexcomClient, dexcom: FakeDexcom, body: bytes
) -> None:
    """A 200 that is not JSON, or not the expected shape, is a response error."""
    dexcom.reply("devices", body=body, content_type="text/html")

    with pytest.raises(DexcomResponseError) as caught:
        await client.devices()

    assert "maintenance" not in str(caught.value)
    assert caught.value.__cause__ is None


async def test_deeply_nested_json(client: DexcomClient, dexcom: FakeDexcom) -> None:
    """JSON nested beyond what the decoder can take is an unusable answer."""
    dexcom.reply("egvs", body=b"[" * 1_000_000 + b"]" * 1_000_000)

    with pytest.raises(DexcomResponseError) as caught:
        await client.egvs(START, END)

    assert str(caught.value) == "egvs: answer is not JSON"
    assert caught.value.__cause__ is None


async def test_nested_record(client: DexcomClient, dexcom: FakeDexcom) -> None:
    """A deeply nested record that decodes is dropped, shown by its type only."""
    dexcom.reply("egvs", body=b'{"records": ' + b"[" * 500 + b"]" * 500 + b"}")

    batch = await client.egvs(START, END)

    assert batch.readings == ()
    assert batch.problems == (ParseProblem("no_id_or_time", "<list>", 1),)


async def test_parser_failure_is_a_response_error(
    client: DexcomClient, dexcom: FakeDexcom, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a parser ever fail unexpectedly, the caller still gets our error.

    Its message names the exception type only: the details could quote the body.
    """

    def broken(payload: object) -> object:
        raise IndexError(f"{USER_ID} token-1")

    monkeypatch.setattr(client_module, "parse_devices", broken)
    dexcom.reply("devices", payload={"userId": USER_ID})

    with pytest.raises(DexcomResponseError) as caught:
        await client.devices()

    assert str(caught.value) == "devices: answer could not be parsed (IndexError)"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


async def test_connection_refused(
    session: ClientSession, tokens: FakeTokens, socket_enabled: None
) -> None:
    """A host that refuses connections gives a connection error."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = DexcomClient(session, f"http://127.0.0.1:{port}", tokens)

    with pytest.raises(DexcomConnectionError) as caught:
        await client.devices()

    assert isinstance(caught.value.__cause__, ClientConnectionError)
    assert "devices" in str(caught.value)


async def test_body_cut_off(client: DexcomClient, dexcom: FakeDexcom) -> None:
    """A connection lost while reading the body gives a connection error."""
    dexcom.reply("devices", body=b'{"records": [', truncate=True)

    with pytest.raises(DexcomConnectionError):
        await client.devices()

    assert client.bytes_received == 0


class SpySession:
    """Stands in for ClientSession: records each get() and may fail it."""

    def __init__(
        self, session: ClientSession, error: BaseException | None = None
    ) -> None:
        """Delegate to `session`, or raise `error` instead of connecting."""
        self.calls: list[dict[str, Any]] = []
        self._session = session
        self._error = error

    def get(
        self, url: str, **kwargs: Any
    ) -> AbstractAsyncContextManager[ClientResponse]:
        """Record the call, then fail or make the real request."""
        self.calls.append(kwargs)
        if self._error is not None:
            raise self._error
        return self._session.get(url, **kwargs)


def spy_client(
    spy: SpySession, base_url: str, tokens: FakeTokens, **kwargs: float
) -> DexcomClient:
    """Build a client that sends its requests through a spy."""
    return DexcomClient(cast("ClientSession", spy), base_url, tokens, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "total"), [({}, 30.0), ({"request_timeout": 4.5}, 4.5)]
)
async def test_every_request_has_a_timeout(
    session: ClientSession,
    dexcom: FakeDexcom,
    tokens: FakeTokens,
    kwargs: dict[str, float],
    total: float,
) -> None:
    """Each request, retries included, carries the client's timeout."""
    spy = SpySession(session)
    client = spy_client(spy, dexcom.base_url, tokens, **kwargs)
    dexcom.reply("devices", status=401)
    dexcom.reply("devices", payload={})

    await client.devices()

    assert [call["timeout"] for call in spy.calls] == [ClientTimeout(total=total)] * 2
    assert all(call["allow_redirects"] is False for call in spy.calls)


@pytest.mark.parametrize(
    "error", [TimeoutError(), ServerTimeoutError("Timeout on reading data")]
)
async def test_timeouts(
    session: ClientSession, tokens: FakeTokens, error: Exception
) -> None:
    """Timeouts are temporary connection errors that name the endpoint."""
    client = spy_client(SpySession(session, error), "http://127.0.0.1:9", tokens)

    with pytest.raises(DexcomConnectionError) as caught:
        await client.data_range()

    assert caught.value.__cause__ is error
    assert str(caught.value) == "dataRange: timed out"


@pytest.fixture
def leaks(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """Collect texts that must not contain secrets; check them afterwards."""
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    yield texts
    records = caplog.get_records("call")
    logged = [record.getMessage() for record in records]
    assert "GET dataRange: HTTP" in "".join(
        record.getMessage()
        for record in records
        if record.name.startswith("custom_components.dexcom_oauth.client")
    )
    for text in texts + logged:
        assert "token-" not in text
        assert USER_ID not in text
        assert "Bearer" not in text
        assert "body-marker" not in text


@pytest.mark.parametrize(
    "answer",
    [
        (400, {}, f"body-marker bad request for token-1 user {USER_ID}"),
        (403, {}, f"body-marker forbidden {USER_ID}"),
        (429, {"Retry-After": "token-1"}, "body-marker token-1"),
        (500, {}, f"body-marker error token-1 {USER_ID}"),
        (200, {}, f"body-marker not json token-1 {USER_ID}"),
        (200, {}, json.dumps([USER_ID, "body-marker token-1"])),
    ],
)
async def test_errors_and_logs_never_leak_secrets(
    client: DexcomClient,
    dexcom: FakeDexcom,
    leaks: list[str],
    answer: tuple[int, dict[str, str], str],
) -> None:
    """Neither messages nor debug logs contain tokens, the userId or the body."""
    status, headers, body = answer
    dexcom.reply(
        "dataRange",
        status=status,
        headers=headers,
        body=body,
        content_type="text/plain",
    )

    with pytest.raises(DexcomError) as caught:
        await client.data_range()

    leaks.extend([str(caught.value), repr(caught.value)])


async def test_unauthorized_error_never_leaks_secrets(
    client: DexcomClient, dexcom: FakeDexcom, leaks: list[str]
) -> None:
    """The error for a 401 after a refresh names neither token."""
    for _ in range(2):
        dexcom.reply("dataRange", status=401, body=f"body-marker token-2 {USER_ID}")

    with pytest.raises(DexcomUnauthorizedError) as caught:
        await client.data_range()

    leaks.extend([str(caught.value), repr(caught.value)])


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf")])
async def test_invalid_timeout(
    session: ClientSession, tokens: FakeTokens, timeout: float
) -> None:
    """Every request must have a finite, positive timeout."""
    with pytest.raises(ValueError):
        DexcomClient(session, "https://api.dexcom.com", tokens, request_timeout=timeout)


@pytest.mark.parametrize("endpoint", ["alerts", "events"])
async def test_log_endpoints_split_and_merge(
    client: DexcomClient, dexcom: FakeDexcom, endpoint: str
) -> None:
    """Alerts and events are asked for in 30-day windows and merged."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    first = {"records": [{"recordId": "b", "systemTime": "2026-01-30T00:00:00"}]}
    second = {
        "records": [
            {"recordId": "b", "systemTime": "2026-01-30T00:00:00"},
            {"recordId": "a", "systemTime": "2026-01-02T00:00:00"},
            {"recordId": "late", "systemTime": "2026-02-10T00:10:00"},
        ]
    }
    dexcom.reply(endpoint, payload=first)
    dexcom.reply(endpoint, payload=second)

    batch = await getattr(client, endpoint)(start, start + timedelta(days=40))

    assert set(dexcom.paths()) == {f"/v3/users/self/{endpoint}"}
    assert [
        (seen.query["startDate"], seen.query["endDate"]) for seen in dexcom.seen
    ] == [
        ("2026-01-01T00:00:00", "2026-01-31T00:00:00"),
        ("2026-01-31T00:00:00", "2026-02-10T00:00:00"),
    ]
    assert [r.record_id for r in batch.records] == ["a", "b"]
    assert batch.problems == (
        ParseProblem("outside_window", "'2026-02-10T00:10:00'", 1),
    )
