"""The simulator object: configuration, clock, state, and the in-process control API."""

import asyncio
from datetime import datetime
from typing import Any, Literal

from aiohttp import web

from . import records
from .app import create_app
from .clock import Now, SimulatedClock, as_utc, wall_clock
from .config import FaultSettings, SimulatorConfig, Stall
from .faults import Burst, FaultState, Sleep
from .oauth import OAuthStore, TokenGrant
from .profiles import profile_for
from .stats import Stats, StatsSnapshot
from .timefmt import to_timestamp
from .uploads import StallBook
from .users import UserData

type RecordKind = Literal["egvs", "events", "calibrations", "alerts"]


class Simulator:
    """A local stand-in for Dexcom's API.

    `now` is the clock every expiry and visibility decision uses (aware UTC);
    by default the wall clock (which follows pytest's `freezer`), or a
    `SimulatedClock` when the config asks for one. Pass a `SimulatedClock` to
    drive it from the admin endpoint too. `sleep` implements injected latency.
    With `config.state_file` set, the OAuth state is loaded here and saved on
    every change.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        now: Now | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        """Create the state; nothing runs until the app is served."""
        self.config = config or SimulatorConfig()
        if now is None:
            now = (
                SimulatedClock(self.config.start)
                if self.config.clock == "simulated"
                else wall_clock
            )
        self._now = now
        self.clock = now if isinstance(now, SimulatedClock) else None
        self.oauth = OAuthStore(self.config, self.now)
        self.faults = FaultState(
            self.config.faults, self.config.seed, sleep or asyncio.sleep
        )
        self.stats = Stats()
        self.stall_book = StallBook(self.config.stalls, self.config.random_stalls)
        self._users: dict[str, UserData] = {}
        self._app: web.Application | None = None

    @property
    def app(self) -> web.Application:
        """The aiohttp application (created once)."""
        if self._app is None:
            self._app = create_app(self)
        return self._app

    def now(self) -> datetime:
        """Return the simulator's current time (aware UTC)."""
        return as_utc(self._now())

    # Users --------------------------------------------------------------------

    def user(self, name: str) -> UserData:
        """Return the data source of a sandbox user; KeyError for unknown names."""
        data = self._users.get(name)
        if data is None:
            profile = profile_for(name)
            if profile is None:
                raise KeyError(name)
            data = UserData(profile, self.config, self.stall_book)
            self._users[name] = data
        return data

    def user_id(self, name: str) -> str:
        """Return the `userId` the API reports for `name` to the configured client."""
        return records.user_id(self.config.client_id, name)

    def records(
        self,
        kind: RecordKind,
        user: str,
        start: datetime,
        end: datetime,
        *,
        visible_only: bool = True,
    ) -> list[records.Json]:
        """Return records as the API would (oldest first), or the full truth.

        With visible_only=False the data delay and stalls are ignored: what the
        sensor recorded, for comparing against what a client stored.
        """
        data = self.user(user)
        first, last = to_timestamp(start), to_timestamp(end)
        now = to_timestamp(self.now()) if visible_only else float("inf")
        if kind == "egvs":
            return [records.egv(data, r) for r in data.egvs(first, last, now)]
        if kind == "events":
            return [records.event(data, e) for e in data.events(first, last, now)]
        if kind == "calibrations":
            return [
                records.calibration(data, c)
                for c in data.calibrations(first, last, now)
            ]
        return [records.alert(data, a) for a in data.alerts(first, last, now)]

    # Faults -------------------------------------------------------------------

    def set_faults(self, **changes: Any) -> FaultSettings:
        """Change fault settings (names as in `FaultSettings`); raises ValueError."""
        return self.faults.update(changes)

    def clear_faults(self) -> None:
        """Remove every fault and any pending burst."""
        self.faults.reset()

    def burst(self, count: int, status: int = 429, retry_after: int = 60) -> Burst:
        """Make the next `count` requests in scope answer `status` with Retry-After."""
        return self.faults.start_burst(count, status, retry_after)

    # Tokens -------------------------------------------------------------------

    def revoke_user(self, user: str) -> int:
        """Revoke all tokens of `user`; return how many were live."""
        return self.oauth.revoke_user(user)

    def issue_tokens(self, user: str) -> TokenGrant:
        """Issue tokens for `user` without the login page."""
        if profile_for(user) is None:
            raise KeyError(user)
        return self.oauth.issue(user)

    def create_code(self, user: str, redirect_uri: str | None = None) -> str:
        """Issue an authorization code for `user`, as the login page would."""
        if profile_for(user) is None:
            raise KeyError(user)
        uri = redirect_uri or self.config.redirect_uris[0]
        return self.oauth.create_code(user, self.config.client_id, uri)

    # Stats --------------------------------------------------------------------

    def read_stats(self) -> StatsSnapshot:
        """Return requests per endpoint and status, and response bytes."""
        return self.stats.snapshot()

    def reset_stats(self) -> None:
        """Zero the request statistics."""
        self.stats.reset()

    # Stalls and clock ---------------------------------------------------------

    def add_stall(
        self, start: datetime, duration: float, user: str | None = None
    ) -> Stall:
        """Take the phone offline for `duration` seconds from `start` (all users if None)."""
        stall = Stall(start=start, duration=duration, user=user)
        self.stall_book.add(stall)
        return stall

    def advance_clock(self, seconds: float) -> datetime:
        """Move the simulated clock forward."""
        return self._simulated().advance(seconds)

    def set_clock(self, value: datetime) -> datetime:
        """Set the simulated clock."""
        return self._simulated().set(value)

    def _simulated(self) -> SimulatedClock:
        if self.clock is None:
            raise RuntimeError("the simulator does not use a simulated clock")
        return self.clock
