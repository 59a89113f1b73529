"""Admin endpoints (JSON, simulator only): faults, bursts, revocation, clock, stats, stalls.

GET / and GET /admin list them, each with what it does, an example body and
a curl line (admin_index); the list is made from the routes registered here.
Bad input answers 400 (404 for unknown users) with {"error": "..."}.
"""

from collections.abc import Awaitable, Callable
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .admin_index import EXAMPLE_USER, Endpoint, index_response
from .config import Stall
from .profiles import PROFILES, profile_for
from .timefmt import iso_utc, parse_iso

if TYPE_CHECKING:
    from .simulator import Simulator

type Handler = Callable[[web.Request], Awaitable[web.Response]]
type JsonHandler = Callable[[web.Request], Awaitable[Any]]
type Route = tuple[Endpoint, JsonHandler]


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
    """Register the /admin endpoints and their index at / and /admin."""
    routes = [
        *_fault_routes(simulator),
        *_user_routes(simulator),
        *_clock_routes(simulator),
        *_stats_and_stall_routes(simulator),
    ]
    for endpoint, handler in routes:
        app.router.add_route(endpoint.method, endpoint.path, _json_route(handler))
    endpoints = [endpoint for endpoint, _ in routes]

    async def index(request: web.Request) -> web.Response:
        return index_response(request, endpoints)

    app.router.add_get("/", index)
    app.router.add_get("/admin", index)


def _fault_routes(simulator: Simulator) -> list[Route]:
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
        (Endpoint("GET", "/admin/faults", "Show the fault settings."), get_faults),
        (
            Endpoint(
                "PUT",
                "/admin/faults",
                "Change fault settings; keys left out keep their value. Keys: "
                "error_rates (status: share), latency (s), timeout_rate, "
                "hang_seconds, malformed_rate, rate_limit_rate, retry_after (s), "
                "scope (data, token or all); the shares sum to at most 1.",
                {"error_rates": {"503": 0.1}, "latency": 0.5},
            ),
            put_faults,
        ),
        (
            Endpoint("DELETE", "/admin/faults", "Remove every fault and any burst."),
            delete_faults,
        ),
        (
            Endpoint(
                "POST",
                "/admin/faults/burst",
                "Answer the next count requests in scope with status (4xx or 5xx) "
                "and Retry-After; status and retry_after are optional.",
                {"count": 3, "status": 429, "retry_after": 60},
            ),
            post_burst,
        ),
    ]


def _user_routes(simulator: Simulator) -> list[Route]:
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
        (
            Endpoint(
                "GET", "/admin/users", "List the sandbox users with their userId."
            ),
            get_users,
        ),
        (
            Endpoint(
                "POST",
                "/admin/users/{user}/revoke",
                "Revoke every token of the user, as unlinking the app at Dexcom "
                "does; answers how many were live.",
            ),
            revoke,
        ),
        (
            Endpoint(
                "POST",
                "/admin/users/{user}/tokens",
                "Issue tokens for the user without the login page; answers the "
                "token response.",
            ),
            issue,
        ),
    ]


def _clock_routes(simulator: Simulator) -> list[Route]:
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
        (
            Endpoint(
                "GET", "/admin/clock", "Show the simulator's time and clock mode."
            ),
            get_clock,
        ),
        (
            Endpoint(
                "POST",
                "/admin/clock/advance",
                "Move the simulated clock forward (--clock simulated only).",
                {"seconds": 3600},
            ),
            advance_clock,
        ),
        (
            Endpoint(
                "POST",
                "/admin/clock/set",
                "Set the simulated clock (--clock simulated only).",
                {"now": "2026-11-23T18:00:00Z"},
            ),
            set_clock,
        ),
    ]


def _stats_and_stall_routes(simulator: Simulator) -> list[Route]:
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
        (
            Endpoint(
                "GET",
                "/admin/stats",
                "Count API requests per endpoint and status, and response bytes.",
            ),
            get_stats,
        ),
        (Endpoint("DELETE", "/admin/stats", "Reset the counts."), delete_stats),
        (
            Endpoint("GET", "/admin/stalls", "List the phone-offline periods."),
            get_stalls,
        ),
        (
            Endpoint(
                "POST",
                "/admin/stalls",
                "Take the phone offline from start for duration seconds (at most "
                "2 days): readings of that time upload at its end; user null or "
                "left out means every user.",
                {
                    "start": "2026-11-23T15:00:00Z",
                    "duration": 3600,
                    "user": EXAMPLE_USER,
                },
            ),
            post_stall,
        ),
        (
            Endpoint("DELETE", "/admin/stalls", "Remove every stall."),
            delete_stalls,
        ),
    ]
