"""Fixtures for the Dexcom client tests: a fake Dexcom server and token source.

The fake server is a real aiohttp server on 127.0.0.1, so requests go through
aiohttp's own URL encoding, headers, redirects and timeouts.
"""

from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
import pytest

from custom_components.dexcom_oauth.client import DexcomClient


@dataclass(frozen=True, slots=True)
class Seen:
    """One request the fake server received."""

    path: str
    query: dict[str, str]
    raw_query: str
    authorization: str | None


@dataclass(slots=True)
class Answer:
    """One queued answer of the fake server."""

    status: int
    body: bytes
    headers: dict[str, str]
    content_type: str
    truncate: bool


@dataclass
class FakeDexcom:
    """Serves queued answers per path and records every request."""

    base_url: str = ""
    seen: list[Seen] = field(default_factory=list)
    answers: dict[str, deque[Answer]] = field(
        default_factory=lambda: defaultdict(deque)
    )

    def reply(
        self,
        endpoint: str,
        status: int = 200,
        *,
        payload: Any = None,
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        truncate: bool = False,
    ) -> None:
        """Queue an answer for /v3/users/self/<endpoint>."""
        if payload is not None:
            body = json.dumps(payload)
        self.answers[f"/v3/users/self/{endpoint}"].append(
            Answer(
                status=status,
                body=body.encode() if isinstance(body, str) else body,
                headers=headers or {},
                content_type=content_type,
                truncate=truncate,
            )
        )

    def paths(self) -> list[str]:
        """Return the requested paths, in order."""
        return [seen.path for seen in self.seen]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Record the request and send the next queued answer for its path."""
        self.seen.append(
            Seen(
                path=request.path,
                query=dict(request.query),
                raw_query=request.query_string,
                authorization=request.headers.get("Authorization"),
            )
        )
        queue = self.answers.get(request.path)
        if not queue:
            return web.Response(status=418, text="no answer queued")
        answer = queue.popleft()
        if answer.truncate:
            response = web.StreamResponse(status=answer.status)
            response.content_length = len(answer.body) + 100
            await response.prepare(request)
            await response.write(answer.body)
            assert request.transport is not None
            request.transport.close()
            return response
        return web.Response(
            status=answer.status,
            body=answer.body,
            headers=answer.headers,
            content_type=answer.content_type,
        )


@pytest.fixture
async def dexcom(socket_enabled: None) -> AsyncIterator[FakeDexcom]:
    """Serve a fake Dexcom API on 127.0.0.1; every queued answer must be used.

    Home Assistant's test plugin blocks sockets; `socket_enabled` lifts that
    while connections stay limited to 127.0.0.1.
    """
    fake = FakeDexcom()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()
    assert not any(fake.answers.values()), "queued answers were not requested"


class FakeTokens:
    """A TokenProvider that hands out token-1, token-2, ... on each refresh."""

    def __init__(self) -> None:
        """Start with token-1."""
        self.calls: list[str | None] = []
        self._issued = 1

    @property
    def current(self) -> str:
        """The token the provider returns now."""
        return f"token-{self._issued}"

    async def __call__(self, rejected: str | None) -> str:
        """Return the current token, or a new one if `rejected` is current."""
        self.calls.append(rejected)
        if rejected == self.current:
            self._issued += 1
        return self.current


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    """Provide a real aiohttp session, closed after the test."""
    async with ClientSession() as client_session:
        yield client_session


@pytest.fixture
def tokens() -> FakeTokens:
    """Provide a fresh fake token provider."""
    return FakeTokens()


@pytest.fixture
def client(
    session: ClientSession, tokens: FakeTokens, dexcom: FakeDexcom
) -> DexcomClient:
    """Provide a client for the fake server, with a trailing slash to strip."""
    return DexcomClient(session, f"{dexcom.base_url}/", tokens, request_timeout=12.5)
