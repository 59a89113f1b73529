"""The v3 data endpoints: bearer authentication, query validation, records."""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web

from . import records
from .records import Json
from .timefmt import parse_query_time, to_timestamp
from .users import UserData

if TYPE_CHECKING:
    from .simulator import Simulator

MAX_WINDOW = timedelta(days=30)
DATA_ENDPOINTS = ("egvs", "dataRange", "devices", "events", "calibrations", "alerts")

type WindowRecords = Callable[[UserData, float, float, float], list[Json]]


class QueryError(ValueError):
    """A query the API answers with 400."""


def parse_window(query: Mapping[str, str]) -> tuple[datetime, datetime]:
    """Validate startDate/endDate: both present, exact format, start < end, <= 30 days."""
    raw_start, raw_end = query.get("startDate"), query.get("endDate")
    if raw_start is None or raw_end is None:
        raise QueryError("startDate and endDate are required")
    try:
        start, end = parse_query_time(raw_start), parse_query_time(raw_end)
    except ValueError as err:
        raise QueryError("dates must be formatted YYYY-MM-DDThh:mm:ss") from err
    if start >= end:
        raise QueryError("startDate must be before endDate")
    if end - start > MAX_WINDOW:
        raise QueryError("the date range must not exceed 30 days")
    return start, end


def _egvs(user: UserData, start: float, end: float, now: float) -> list[Json]:
    return [records.egv(user, r) for r in reversed(user.egvs(start, end, now))]


def _events(user: UserData, start: float, end: float, now: float) -> list[Json]:
    return [records.event(user, e) for e in reversed(user.events(start, end, now))]


def _calibrations(user: UserData, start: float, end: float, now: float) -> list[Json]:
    return [
        records.calibration(user, c)
        for c in reversed(user.calibrations(start, end, now))
    ]


def _alerts(user: UserData, start: float, end: float, now: float) -> list[Json]:
    return [records.alert(user, a) for a in reversed(user.alerts(start, end, now))]


WINDOW_RECORDS: dict[str, tuple[str, WindowRecords]] = {
    "egvs": ("egv", _egvs),
    "events": ("event", _events),
    "calibrations": ("calibration", _calibrations),
    "alerts": ("alert", _alerts),
}


def _unauthorized(expired: bool) -> web.Response:
    """Apigee-style 401, as Dexcom's gateway answers."""
    if expired:
        fault = {
            "faultstring": "Access Token expired",
            "detail": {"errorcode": "keymanagement.service.access_token_expired"},
        }
    else:
        fault = {
            "faultstring": "Invalid Access Token",
            "detail": {"errorcode": "keymanagement.service.invalid_access_token"},
        }
    return web.json_response(
        {"fault": fault},
        status=401,
        headers={hdrs.WWW_AUTHENTICATE: 'Bearer error="invalid_token"'},
    )


def _bad_request(message: str) -> web.Response:
    return web.json_response(
        {"error": "invalid_request", "error_description": message}, status=400
    )


def add_routes(app: web.Application, simulator: Simulator) -> None:
    """Register /v3/users/self/<endpoint> for every data endpoint."""

    def authenticate(request: web.Request) -> str | web.Response:
        header = request.headers.get(hdrs.AUTHORIZATION, "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized(expired=False)
        user = simulator.oauth.authenticate(token.strip())
        if user is None:
            return _unauthorized(expired=simulator.oauth.token_expired(token.strip()))
        return user

    def handler(name: str) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            user = authenticate(request)
            if isinstance(user, web.Response):
                return user
            try:
                body = _body(simulator, name, user, request.query)
            except QueryError as err:
                return _bad_request(str(err))
            return web.json_response(body)

        return handle

    for name in DATA_ENDPOINTS:
        app.router.add_get(f"/v3/users/self/{name}", handler(name))


def _body(simulator: Simulator, name: str, user: str, query: Mapping[str, str]) -> Json:
    now = simulator.now()
    data = simulator.user(user)
    owner = simulator.user_id(user)
    if name == "dataRange":
        if (last_sync := query.get("lastSyncTime")) is not None:
            try:
                parse_query_time(last_sync)
            except ValueError as err:
                raise QueryError(
                    "lastSyncTime must be formatted YYYY-MM-DDThh:mm:ss"
                ) from err
        return records.data_range(data, owner, now)
    if name == "devices":
        if "startDate" in query or "endDate" in query:
            parse_window(query)
        return records.envelope("device", owner, records.devices(data, now))
    window = parse_window(query)
    record_type, build = WINDOW_RECORDS[name]
    found = build(
        data, to_timestamp(window[0]), to_timestamp(window[1]), to_timestamp(now)
    )
    return records.envelope(record_type, owner, found)
