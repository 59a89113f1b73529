"""Request statistics per endpoint: counts by status and response bytes."""

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    """A copy of the counters at one moment."""

    requests: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    response_bytes: Mapping[str, int] = field(default_factory=dict)

    @property
    def total_requests(self) -> int:
        """All counted requests."""
        return sum(sum(by_status.values()) for by_status in self.requests.values())

    @property
    def total_response_bytes(self) -> int:
        """All response body bytes."""
        return sum(self.response_bytes.values())

    def count(self, endpoint: str, status: int | None = None) -> int:
        """Count requests to `endpoint` (a path), optionally only those answered `status`."""
        by_status = self.requests.get(endpoint, {})
        if status is None:
            return sum(by_status.values())
        return by_status.get(status, 0)

    def to_json(self) -> dict[str, Any]:
        """Admin representation."""
        return {
            "requests": {
                endpoint: {str(status): n for status, n in sorted(by_status.items())}
                for endpoint, by_status in sorted(self.requests.items())
            },
            "response_bytes": dict(sorted(self.response_bytes.items())),
            "total_requests": self.total_requests,
            "total_response_bytes": self.total_response_bytes,
        }


class Stats:
    """Mutable counters; the admin endpoints themselves are not counted."""

    def __init__(self) -> None:
        """Start empty."""
        self._requests: dict[str, Counter[int]] = {}
        self._bytes: Counter[str] = Counter()

    def record(self, endpoint: str, status: int, size: int) -> None:
        """Count one response."""
        self._requests.setdefault(endpoint, Counter())[status] += 1
        self._bytes[endpoint] += size

    def snapshot(self) -> StatsSnapshot:
        """Copy the counters."""
        return StatsSnapshot(
            requests={k: dict(v) for k, v in self._requests.items()},
            response_bytes=dict(self._bytes),
        )

    def reset(self) -> None:
        """Zero all counters."""
        self._requests.clear()
        self._bytes.clear()


def _endpoint(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def _size(response: web.StreamResponse) -> int:
    body = response.body if isinstance(response, web.Response) else None
    if isinstance(body, (bytes, bytearray)):
        return len(body)
    return response.content_length or 0


def stats_middleware(
    stats: Stats,
) -> Middleware:
    """Middleware that counts every API response, including injected faults.

    The admin endpoints and the index at / are not counted: a test that reads
    the counts sees only what the client under test sent.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/" or request.path.startswith("/admin"):
            return await handler(request)
        endpoint = _endpoint(request)
        try:
            response = await handler(request)
        except web.HTTPException as err:
            stats.record(endpoint, err.status, _size(err))
            raise
        stats.record(endpoint, response.status, _size(response))
        return response

    return middleware
