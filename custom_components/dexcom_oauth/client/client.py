"""Async access to Dexcom's v3 data endpoints.

The client knows HTTP and Dexcom's rules (30-day windows, UTC query times,
one retry after a 401) but nothing about tokens' storage or refresh: the
caller passes a TokenProvider, so the client stays free of Home Assistant.
Every failure of its own, a body that cannot be parsed included, becomes one
of the errors in `errors`, whose messages never carry tokens, user ids or
response bodies; what the TokenProvider raises reaches the caller unchanged.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
import json
import logging
import math
from typing import Final, Protocol

import aiohttp

from .errors import (
    DexcomConnectionError,
    DexcomError,
    DexcomRateLimitError,
    DexcomRequestError,
    DexcomResponseError,
    DexcomUnauthorizedError,
)
from .models import AlertRecord, DataRange, Devices, EgvBatch, EventRecord, RecordBatch
from .parse import (
    merge_problems,
    merge_readings,
    parse_alerts,
    parse_data_range,
    parse_devices,
    parse_egvs,
    parse_events,
)

type _WindowParser[T] = Callable[..., RecordBatch[T]]


class _Record(Protocol):
    """What every windowed record has: an id and a time."""

    @property
    def record_id(self) -> str:
        """Dexcom's unique id of the record."""
        ...

    @property
    def system_time(self) -> datetime:
        """The record's true time (UTC)."""
        ...


_LOGGER = logging.getLogger(__name__)

type TokenProvider = Callable[[str | None], Awaitable[str]]
"""Returns a valid access token.

Called with None for the current token, or with a token Dexcom just
rejected (401) to force a refresh. Raises DexcomAuthError when the account
must be linked again and DexcomConnectionError when a refresh failed for now.
"""

MAX_WINDOW: Final = timedelta(days=30)
# Readings may be stamped a little after the asked end: device clocks drift.
CLOCK_SKEW: Final = timedelta(minutes=5)
_QUERY_TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"
_ONE_SECOND: Final = timedelta(seconds=1)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Read Retry-After as seconds from `now` (delta-seconds or HTTP-date).

    Returns None when the header is absent or unreadable; a date in the past
    means 0.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except TypeError, ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _query_time(moment: datetime) -> str:
    """Format a time the way Dexcom's startDate/endDate expect."""
    return moment.strftime(_QUERY_TIME_FORMAT)


def _floor_second(moment: datetime) -> datetime:
    """Drop sub-second precision, which the query format cannot carry."""
    return moment.replace(microsecond=0)


def _ceil_second(moment: datetime) -> datetime:
    """Round up to a whole second so that no data at the end is lost."""
    floored = _floor_second(moment)
    return floored if floored == moment else floored + _ONE_SECOND


def parse_body[T](endpoint: str, body: bytes, parse: Callable[[object], T]) -> T:
    """Decode a 2xx body as JSON and parse it; any failure is a response error.

    The causes are left out: their messages may quote the body.
    """
    try:
        payload = json.loads(body)
    except ValueError, RecursionError:
        raise DexcomResponseError(f"{endpoint}: answer is not JSON") from None
    try:
        return parse(payload)
    except DexcomError:
        raise
    except Exception as err:  # noqa: BLE001 - a parser bug becomes a response error too
        raise DexcomResponseError(
            f"{endpoint}: answer could not be parsed ({type(err).__name__})"
        ) from None


def egv_windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Split [start, end] into consecutive UTC windows of at most 30 days.

    Raises ValueError for naive datetimes or when start is not before end.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if start >= end:
        raise ValueError("start must be before end")
    cursor = _floor_second(start.astimezone(UTC))
    stop = _ceil_second(end.astimezone(UTC))
    windows: list[tuple[datetime, datetime]] = []
    while cursor < stop:
        window_end = min(cursor + MAX_WINDOW, stop)
        windows.append((cursor, window_end))
        cursor = window_end
    return windows


class DexcomClient:
    """Reads one account's data from one Dexcom region.

    `bytes_received` adds up the body bytes of all successful answers, so
    callers can watch how much data polling costs.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        access_token: TokenProvider,
        *,
        request_timeout: float = 30.0,
    ) -> None:
        """Use `session` for requests to `base_url` (e.g. https://api.dexcom.com)."""
        if not math.isfinite(request_timeout) or request_timeout <= 0:
            raise ValueError("request_timeout must be a positive number")
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._access_token = access_token
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self.bytes_received: int = 0

    async def egvs(self, start: datetime, end: datetime) -> EgvBatch:
        """Fetch the readings between start and end (aware datetimes).

        Ranges longer than 30 days are fetched in several requests and merged.
        Only readings from `start` (to the second) to `end` plus CLOCK_SKEW
        are returned; others are reported as outside_window problems.
        """
        windows = egv_windows(start, end)
        earliest = windows[0][0]
        latest = end.astimezone(UTC) + CLOCK_SKEW

        def parse(payload: object) -> EgvBatch:
            return parse_egvs(payload, earliest=earliest, latest=latest)

        batches = [
            await self._get(
                "egvs",
                parse,
                {
                    "startDate": _query_time(window_start),
                    "endDate": _query_time(window_end),
                },
            )
            for window_start, window_end in windows
        ]
        return EgvBatch(
            user_id=next(
                (batch.user_id for batch in batches if batch.user_id is not None),
                None,
            ),
            readings=merge_readings(
                reading for batch in batches for reading in batch.readings
            ),
            skipped=sum(batch.skipped for batch in batches),
            problems=merge_problems(batch.problems for batch in batches),
        )

    async def data_range(self) -> DataRange:
        """Fetch the time ranges for which the account has data."""
        return await self._get("dataRange", parse_data_range)

    async def devices(self) -> Devices:
        """Fetch the account's devices and alert settings."""
        return await self._get("devices", parse_devices)

    async def alerts(self, start: datetime, end: datetime) -> RecordBatch[AlertRecord]:
        """Fetch the alerts that fired between start and end."""
        return await self._records("alerts", parse_alerts, start, end)

    async def events(self, start: datetime, end: datetime) -> RecordBatch[EventRecord]:
        """Fetch the user-entered events (carbs, insulin...) between start and end."""
        return await self._records("events", parse_events, start, end)

    async def _records[T: _Record](
        self, endpoint: str, parser: _WindowParser[T], start: datetime, end: datetime
    ) -> RecordBatch[T]:
        """Fetch a windowed endpoint in 30-day requests and merge by recordId."""
        windows = egv_windows(start, end)
        earliest = windows[0][0]
        latest = end.astimezone(UTC) + CLOCK_SKEW

        def parse(payload: object) -> RecordBatch[T]:
            return parser(payload, earliest=earliest, latest=latest)

        batches = [
            await self._get(
                endpoint,
                parse,
                {
                    "startDate": _query_time(window_start),
                    "endDate": _query_time(window_end),
                },
            )
            for window_start, window_end in windows
        ]
        merged = {
            record.record_id: record for batch in batches for record in batch.records
        }
        return RecordBatch(
            records=tuple(
                sorted(merged.values(), key=lambda r: (r.system_time, r.record_id))
            ),
            problems=merge_problems(batch.problems for batch in batches),
        )

    async def _get[T](
        self,
        endpoint: str,
        parse: Callable[[object], T],
        params: dict[str, str] | None = None,
    ) -> T:
        """GET an endpoint and parse its JSON, refreshing the token once on a 401."""
        token = await self._access_token(None)
        status, body, retry_after = await self._request(endpoint, params, token)
        if status == 401:
            token = await self._access_token(token)
            status, body, retry_after = await self._request(endpoint, params, token)
            if status == 401:
                raise DexcomUnauthorizedError(
                    f"{endpoint}: HTTP 401 after a token refresh"
                )
        if status == 429:
            raise DexcomRateLimitError(retry_after)
        if status >= 500:
            raise DexcomConnectionError(f"{endpoint}: HTTP {status}")
        if status >= 400:
            raise DexcomRequestError(status)
        if not 200 <= status < 300:
            raise DexcomResponseError(f"{endpoint}: unexpected HTTP {status}")
        return parse_body(endpoint, body, parse)

    async def _request(
        self, endpoint: str, params: dict[str, str] | None, token: str
    ) -> tuple[int, bytes, float | None]:
        """Send one GET; return status, body (2xx only) and Retry-After."""
        url = f"{self._base_url}/v3/users/self/{endpoint}"
        try:
            async with self._session.get(
                url,
                params=params,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json",
                },
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                status = response.status
                _LOGGER.debug("GET %s: HTTP %s", endpoint, status)
                if not 200 <= status < 300:
                    return (
                        status,
                        b"",
                        parse_retry_after(
                            response.headers.get("Retry-After"), datetime.now(UTC)
                        ),
                    )
                body = await response.read()
        except TimeoutError as err:
            raise DexcomConnectionError(f"{endpoint}: timed out") from err
        except aiohttp.ClientError as err:
            raise DexcomConnectionError(f"{endpoint}: {type(err).__name__}") from err
        self.bytes_received += len(body)
        return status, body, None
