"""The simulator served on 127.0.0.1, remembering what it answered and issued."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from dexcom_simulator import Simulator

EGVS = "/v3/users/self/egvs"
TOKEN = "/v2/oauth2/token"


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer the simulator sent, at the (frozen) wall-clock time."""

    at: datetime
    path: str
    status: int


@dataclass
class LiveSimulator:
    """A served simulator, its answers, and every secret it handed out."""

    simulator: Simulator
    base_url: str = ""
    answers: list[Answer] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)

    def answers_to(self, path: str) -> list[Answer]:
        """Return the answers to one path, oldest first."""
        return [answer for answer in self.answers if answer.path == path]

    def visible(self, user: str, start: datetime, end: datetime) -> list[Any]:
        """Return the readings the API shows now in [start, end), oldest first."""
        return self.simulator.records("egvs", user, start, end)

    async def refresh_error(
        self, refresh_token: str, client_id: str, client_secret: str
    ) -> str | None:
        """Offer a refresh token to the token endpoint; return its OAuth2 error."""
        async with ClientSession() as session:
            response = await session.post(
                f"{self.base_url}{TOKEN}",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                    "client_id": client_id,
                    "client_secret": client_secret,
                },
            )
            body: dict[str, str] = await response.json()
        return body.get("error")


@asynccontextmanager
async def serve(simulator: Simulator) -> AsyncIterator[LiveSimulator]:
    """Serve `simulator` on a free 127.0.0.1 port until the block ends."""
    served = LiveSimulator(simulator)

    async def record(request: web.Request, response: web.StreamResponse) -> None:
        served.answers.append(Answer(datetime.now(UTC), request.path, response.status))
        if (
            request.path == TOKEN
            and response.status == 200
            and isinstance(response, web.Response)
            and isinstance(response.body, bytes)
        ):
            grant = json.loads(response.body)
            served.secrets.update((grant["access_token"], grant["refresh_token"]))

    simulator.app.on_response_prepare.append(record)
    server = TestServer(simulator.app, host="127.0.0.1")
    # aiohttp's access log cannot read the local time zone under freezegun.
    await server.start_server(access_log=None)
    served.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield served
    finally:
        await server.close()
