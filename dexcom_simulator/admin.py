"""Admin endpoints (JSON, simulator only): faults, bursts, revocation, clock, stats, stalls.

GET/PUT/DELETE /admin/faults        settings (PUT merges keys of FaultSettings)
POST /admin/faults/burst            {"count": N, "status": 429, "retry_after": 60}
GET  /admin/users                   sandbox users with their userId
POST /admin/users/{user}/revoke     {"user": ..., "revoked_tokens": n}
POST /admin/users/{user}/tokens     a token response, skipping the login page
GET  /admin/clock                   {"now": "...Z", "mode": "simulated" | "real"}
POST /admin/clock/advance           {"seconds": 3600}  (409 with the wall clock)
POST /admin/clock/set               {"now": "2026-11-23T18:00:00Z"}
GET/DELETE /admin/stats             counts per endpoint and status, response bytes
GET/POST/DELETE /admin/stalls       {"start": ISO, "duration": seconds, "user": name | null}

Bad input answers 400 (404 for unknown users) with {"error": "..."}.
"""

from collections.abc import Awaitable, Callable
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .config import Stall
from .profiles import PROFILES, profile_for
from .timefmt import iso_utc, parse_iso

if TYPE_CHECKING:
    from .simulator import Simulator

type Handler = Callable[[web.Request], Awaitable[web.Response]]
type JsonHandler = Callable[[web.Request], Awaitable[Any]]


class AdminError(Exception):
    """A bad admin request; answered with `status` and a JSON error."""

    def __init__(self, message: str, status: int = 400) -> None:
        """Keep the message and HTTP status."""
        super().__init__(message)
        self.status = status


def _json_route(handler: JsonHandler) -> Handler:
    """Serialise a handler's result; turn bad input into a JSON 4xx."""

    async def wrapped(request: web.Request) -> web.Response:
        try:
            return web.json_response(await handler(request))
        except AdminError as err:
            return web.json_response({"error": str(err)}, status=err.status)
        except ValueError as err:
            return web.json_response({"error": str(err)}, status=400)

    return wrapped


async def _json_object(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError as err:
        raise AdminError("body must be JSON") from err
    if not isinstance(body, dict):
        raise AdminError("body must be a JSON object")
    return body


def _int(body: dict[str, Any], name: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdminError(f"{name} must be an integer")
    return value


def _number(body: dict[str, Any], name: str) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AdminError(f"{name} must be a number")
    return float(value)


def _string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise AdminError(f"{name} must be an ISO 8601 string")
    return value


def _known_user(name: str) -> str:
    if profile_for(name) is None:
        raise AdminError("unknown user", 404)
    return name


def _stall_json(stall: Stall) -> dict[str, Any]:
    return {
        "start": iso_utc(stall.start),
        "duration": stall.duration,
        "user": stall.user,
    }


def add_routes(app: web.Application, simulator: Simulator) -> None:
    """Register the /admin endpoints."""
    for method, path, handler in (
        *_fault_routes(simulator),
        *_user_routes(simulator),
        *_clock_routes(simulator),
        *_stats_and_stall_routes(simulator),
    ):
        app.router.add_route(method, path, _json_route(handler))


def _fault_routes(simulator: Simulator) -> list[tuple[str, str, JsonHandler]]:
    async def get_faults(_: web.Request) -> dict[str, Any]:
        return simulator.faults.to_json()

    async def put_faults(request: web.Request) -> dict[str, Any]:
        simulator.set_faults(**await _json_object(request))
        return simulator.faults.to_json()

    async def delete_faults(_: web.Request) -> dict[str, Any]:
        simulator.clear_faults()
        return simulator.faults.to_json()

    async def post_burst(request: web.Request) -> dict[str, Any]:
        body = await _json_object(request)
        simulator.burst(
            _int(body, "count"),
            status=_int(body, "status", 429),
            retry_after=_int(body, "retry_after", 60),
        )
        return simulator.faults.to_json()

    return [
        ("GET", "/admin/faults", get_faults),
        ("PUT", "/admin/faults", put_faults),
        ("DELETE", "/admin/faults", delete_faults),
        ("POST", "/admin/faults/burst", post_burst),
    ]


def _user_routes(simulator: Simulator) -> list[tuple[str, str, JsonHandler]]:
    async def get_users(_: web.Request) -> list[dict[str, Any]]:
        return [
            {
                "name": p.name,
                "description": p.description,
                "generation": p.generation,
                "unit": p.unit,
                "utc_offset_minutes": p.utc_offset_minutes,
                "user_id": simulator.user_id(p.name),
            }
            for p in PROFILES
        ]

    async def revoke(request: web.Request) -> dict[str, Any]:
        name = _known_user(request.match_info["user"])
        return {"user": name, "revoked_tokens": simulator.revoke_user(name)}

    async def issue(request: web.Request) -> dict[str, object]:
        name = _known_user(request.match_info["user"])
        return simulator.issue_tokens(name).to_json()

    return [
        ("GET", "/admin/users", get_users),
        ("POST", "/admin/users/{user}/revoke", revoke),
        ("POST", "/admin/users/{user}/tokens", issue),
    ]


def _clock_routes(simulator: Simulator) -> list[tuple[str, str, JsonHandler]]:
    def clock_json() -> dict[str, Any]:
        mode = "simulated" if simulator.clock is not None else "real"
        return {"now": iso_utc(simulator.now()), "mode": mode}

    async def get_clock(_: web.Request) -> dict[str, Any]:
        return clock_json()

    async def advance_clock(request: web.Request) -> dict[str, Any]:
        seconds = _number(await _json_object(request), "seconds")
        try:
            simulator.advance_clock(seconds)
        except RuntimeError as err:
            raise AdminError(str(err), 409) from err
        return clock_json()

    async def set_clock(request: web.Request) -> dict[str, Any]:
        value = parse_iso(_string(await _json_object(request), "now"))
        try:
            simulator.set_clock(value)
        except RuntimeError as err:
            raise AdminError(str(err), 409) from err
        return clock_json()

    return [
        ("GET", "/admin/clock", get_clock),
        ("POST", "/admin/clock/advance", advance_clock),
        ("POST", "/admin/clock/set", set_clock),
    ]


def _stats_and_stall_routes(simulator: Simulator) -> list[tuple[str, str, JsonHandler]]:
    async def get_stats(_: web.Request) -> dict[str, Any]:
        return simulator.stats.snapshot().to_json()

    async def delete_stats(_: web.Request) -> dict[str, Any]:
        simulator.reset_stats()
        return simulator.stats.snapshot().to_json()

    async def get_stalls(_: web.Request) -> list[dict[str, Any]]:
        return [_stall_json(stall) for stall in simulator.stall_book.stalls]

    async def post_stall(request: web.Request) -> dict[str, Any]:
        body = await _json_object(request)
        user = body.get("user")
        if user is not None:
            user = _known_user(str(user))
        start = parse_iso(_string(body, "start"))
        return _stall_json(simulator.add_stall(start, _number(body, "duration"), user))

    async def delete_stalls(_: web.Request) -> list[dict[str, Any]]:
        simulator.stall_book.clear()
        return []

    return [
        ("GET", "/admin/stats", get_stats),
        ("DELETE", "/admin/stats", delete_stats),
        ("GET", "/admin/stalls", get_stalls),
        ("POST", "/admin/stalls", post_stall),
        ("DELETE", "/admin/stalls", delete_stalls),
    ]
