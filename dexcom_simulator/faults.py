"""Fault injection on the API endpoints: errors, latency, hangs, bad bodies, 429 bursts."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
import json
import random
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Middleware

from .config import FaultScope, FaultSettings

type Sleep = Callable[[float], Awaitable[None]]
type EndpointKind = Literal["data", "token"]
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_SCOPES: dict[FaultScope, tuple[EndpointKind, ...]] = {
    "data": ("data",),
    "token": ("token",),
    "all": ("data", "token"),
}


@dataclass(frozen=True, slots=True)
class Burst:
    """The next `remaining` requests in scope answer `status` with Retry-After."""

    remaining: int = 0
    status: int = 429
    retry_after: int = 60

    def to_json(self) -> dict[str, int]:
        """Admin representation."""
        return {
            "remaining": self.remaining,
            "status": self.status,
            "retry_after": self.retry_after,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do instead of answering normally."""

    kind: Literal["error", "timeout", "malformed"]
    status: int = 200
    retry_after: int | None = None


def endpoint_kind(path: str) -> EndpointKind | None:
    """Which fault scope a request path belongs to (None: never faulted)."""
    if path.startswith("/v3/"):
        return "data"
    if path == "/v2/oauth2/token":
        return "token"
    return None


class FaultState:
    """Current fault settings, the seeded generator and in-flight hangs."""

    def __init__(self, settings: FaultSettings, seed: int, sleep: Sleep) -> None:
        """Start with the configured settings; random choices come from `seed`."""
        self.settings = settings
        self.burst = Burst()
        self._random = random.Random(seed)
        self._sleep = sleep
        self._released = asyncio.Event()
        self.hanging = 0

    def update(self, changes: Mapping[str, Any]) -> FaultSettings:
        """Apply a partial update (admin JSON keys); raises ValueError."""
        self.settings = self.settings.updated(changes)
        return self.settings

    def reset(self) -> None:
        """Remove every fault, including a pending burst."""
        self.settings = FaultSettings()
        self.burst = Burst()

    def start_burst(
        self, count: int, status: int = 429, retry_after: int = 60
    ) -> Burst:
        """Make the next `count` requests in scope fail with `status`."""
        if count < 0 or not 400 <= status <= 599 or retry_after < 0:
            raise ValueError(
                "burst needs count >= 0, a 4xx/5xx status, retry_after >= 0"
            )
        self.burst = Burst(count, status, retry_after)
        return self.burst

    def to_json(self) -> dict[str, Any]:
        """Admin representation of settings, burst and hangs."""
        return {
            **self.settings.to_json(),
            "burst": self.burst.to_json(),
            "hanging": self.hanging,
        }

    def open(self) -> None:
        """Allow hangs again (app startup)."""
        self._released.clear()

    def release(self) -> None:
        """End all hangs now (app shutdown), so the server can stop promptly."""
        self._released.set()

    def draw(self, kind: EndpointKind) -> Decision | None:
        """Decide the fate of one request; None means answer normally."""
        if kind not in _SCOPES[self.settings.scope]:
            return None
        if self.burst.remaining > 0:
            burst = self.burst
            self.burst = Burst(burst.remaining - 1, burst.status, burst.retry_after)
            return Decision("error", burst.status, burst.retry_after)
        settings = self.settings
        roll = self._random.random()
        for status, rate in sorted(settings.error_rates.items()):
            if roll < rate:
                retry = settings.retry_after if status in (429, 503) else None
                return Decision("error", status, retry)
            roll -= rate
        slices: tuple[tuple[float, Decision], ...] = (
            (settings.rate_limit_rate, Decision("error", 429, settings.retry_after)),
            (settings.timeout_rate, Decision("timeout")),
            (settings.malformed_rate, Decision("malformed")),
        )
        for rate, decision in slices:
            if roll < rate:
                return decision
            roll -= rate
        return None

    async def delay(self, kind: EndpointKind) -> None:
        """Add the configured fixed latency to a request in scope."""
        if self.settings.latency > 0 and kind in _SCOPES[self.settings.scope]:
            await self._sleep(self.settings.latency)

    async def hang(self) -> web.Response:
        """Hold the request until hang_seconds pass or the server shuts down."""
        self.hanging += 1
        try:
            async with asyncio.timeout(self.settings.hang_seconds):
                await self._released.wait()
        except TimeoutError:
            pass
        finally:
            self.hanging -= 1
        return web.Response(
            status=504, text="Gateway Timeout", content_type="text/plain"
        )

    def malformed(self) -> web.Response:
        """Answer 200 with a body that is not valid JSON (two flavours proxies produce)."""
        if self._random.random() < 0.5:
            return web.Response(
                status=200,
                body=b'{"recordType": "egv", "recordVersion": "3.0", "records": [{"recordId": ',
                content_type="application/json",
            )
        return web.Response(
            status=200,
            text="<html><body><h1>Scheduled maintenance</h1></body></html>",
            content_type="text/html",
        )


def error_response(status: int, retry_after: int | None) -> web.Response:
    """Build an injected error in the shape a gateway would send (not always JSON)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if status >= 500:
        reason = web.Response(status=status).reason
        return web.Response(
            status=status,
            text=f"<html><body><h1>{status} {reason}</h1></body></html>",
            content_type="text/html",
            headers=headers,
        )
    if status == 429:
        fault = {
            "faultstring": "Rate limit quota violation. Quota limit exceeded.",
            "detail": {"errorcode": "policies.ratelimit.QuotaViolation"},
        }
    else:
        fault = {
            "faultstring": f"Injected error {status}",
            "detail": {"errorcode": "simulator.injected"},
        }
    return web.Response(
        status=status,
        text=json.dumps({"fault": fault}),
        content_type="application/json",
        headers=headers,
    )


def fault_middleware(
    faults: FaultState,
) -> Middleware:
    """Middleware that applies `faults` before the API handlers run."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        kind = endpoint_kind(request.path)
        if kind is None:
            return await handler(request)
        await faults.delay(kind)
        decision = faults.draw(kind)
        if decision is None:
            return await handler(request)
        if decision.kind == "timeout":
            return await faults.hang()
        if decision.kind == "malformed":
            return faults.malformed()
        return error_response(decision.status, decision.retry_after)

    return middleware
