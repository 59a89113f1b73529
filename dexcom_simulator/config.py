"""Configuration of a simulator instance: client registration, timing, stalls, faults."""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

type ClockMode = Literal["real", "simulated"]
type FaultScope = Literal["data", "token", "all"]
FAULT_SCOPES: tuple[FaultScope, ...] = ("data", "token", "all")

DEFAULT_REDIRECT_URIS = (
    "http://127.0.0.1:8123/auth/external/callback",
    "http://localhost:8123/auth/external/callback",
)
DEFAULT_HISTORY_START = datetime(2020, 1, 1, tzinfo=UTC)
MAX_STALL_SECONDS = 2 * 86400


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Stall:
    """The phone was offline: readings taken in [start, start + duration) upload at its end."""

    start: datetime
    duration: float
    user: str | None = None

    def __post_init__(self) -> None:
        """Reject naive times and durations the lookup cannot handle."""
        _require_aware(self.start, "stall start")
        if not 0 < self.duration <= MAX_STALL_SECONDS:
            raise ValueError("stall duration must be in (0, 2 days]")


@dataclass(frozen=True, slots=True)
class RandomStalls:
    """Random offline periods per user: Poisson count per day, uniform duration."""

    per_day: float
    min_duration: float = 600.0
    max_duration: float = 4 * 3600.0

    def __post_init__(self) -> None:
        """Keep durations in the range the lookup supports."""
        if self.per_day < 0:
            raise ValueError("stall rate must not be negative")
        if not 0 < self.min_duration <= self.max_duration <= MAX_STALL_SECONDS:
            raise ValueError("stall durations must satisfy 0 < min <= max <= 2 days")


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultSettings:
    """Injected failures on the API endpoints in `scope`.

    Each request draws once from the seeded generator: the error rates, the
    429 rate, the timeout rate and the malformed-body rate are disjoint slices
    of [0, 1), so their sum must not exceed 1.
    """

    error_rates: Mapping[int, float] = field(default_factory=dict)
    latency: float = 0.0
    timeout_rate: float = 0.0
    hang_seconds: float = 300.0
    malformed_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: int = 60
    scope: FaultScope = "data"

    def __post_init__(self) -> None:
        """Validate and freeze the error-rate mapping."""
        rates = {int(status): float(rate) for status, rate in self.error_rates.items()}
        for status in rates:
            if not 400 <= status <= 599:
                raise ValueError("error statuses must be 4xx or 5xx")
        object.__setattr__(self, "error_rates", MappingProxyType(rates))
        shares = [
            *rates.values(),
            self.timeout_rate,
            self.malformed_rate,
            self.rate_limit_rate,
        ]
        if any(not 0.0 <= share <= 1.0 for share in shares) or sum(shares) > 1.0 + 1e-9:
            raise ValueError("fault rates must be in [0, 1] and sum to at most 1")
        if self.latency < 0 or self.hang_seconds <= 0 or self.retry_after < 0:
            raise ValueError("latency, hang_seconds and retry_after must be positive")
        if self.scope not in FAULT_SCOPES:
            raise ValueError("scope must be data, token or all")

    def to_json(self) -> dict[str, Any]:
        """Return the settings as the admin endpoint shows them."""
        return {
            "error_rates": {str(k): v for k, v in sorted(self.error_rates.items())},
            "latency": self.latency,
            "timeout_rate": self.timeout_rate,
            "hang_seconds": self.hang_seconds,
            "malformed_rate": self.malformed_rate,
            "rate_limit_rate": self.rate_limit_rate,
            "retry_after": self.retry_after,
            "scope": self.scope,
        }

    def updated(self, changes: Mapping[str, Any]) -> FaultSettings:
        """Return a copy with `changes` applied (admin JSON keys); raises ValueError."""
        known = {item.name for item in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        values = {name: getattr(self, name) for name in known}
        for name, value in changes.items():
            values[name] = _coerce(name, value)
        return FaultSettings(**values)


def _coerce(name: str, value: Any) -> Any:
    """Check JSON types before they reach the dataclass (TypeError is a ValueError here)."""
    try:
        return _coerce_value(name, value)
    except TypeError as err:
        raise ValueError(f"{name}: {err}") from err


def _coerce_value(name: str, value: Any) -> Any:
    if name == "error_rates":
        if not isinstance(value, Mapping):
            raise ValueError("error_rates must be an object of status: rate")
        try:
            return {int(status): _number(rate) for status, rate in value.items()}
        except (TypeError, ValueError) as err:
            raise ValueError("error_rates must map status codes to rates") from err
    if name == "scope":
        if not isinstance(value, str):
            raise ValueError("scope must be a string")
        return value
    if name == "retry_after":
        return int(_number(value))
    return _number(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("expected a number")
    return float(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatorConfig:
    """Everything that defines a simulator run; durations are in seconds.

    `state_file` keeps the OAuth codes and tokens across restarts (None: in
    memory only); fault settings and statistics are never saved.
    """

    client_id: str = "dev-client-id"
    client_secret: str = "dev-client-secret"
    redirect_uris: tuple[str, ...] = DEFAULT_REDIRECT_URIS
    delay: float = 3600.0
    jitter: float = 60.0
    token_lifetime: float = 7200.0
    refresh_token_lifetime: float = 365 * 86400.0
    code_lifetime: float = 600.0
    seed: int = 0
    clock: ClockMode = "real"
    start: datetime | None = None
    history_start: datetime = DEFAULT_HISTORY_START
    stalls: tuple[Stall, ...] = ()
    random_stalls: RandomStalls | None = None
    faults: FaultSettings = field(default_factory=FaultSettings)
    state_file: Path | None = None

    def __post_init__(self) -> None:
        """Reject values that would make the simulator misbehave quietly."""
        if self.delay < 0 or self.jitter < 0:
            raise ValueError("delay and jitter must not be negative")
        if self.token_lifetime <= 0 or self.refresh_token_lifetime <= 0:
            raise ValueError("token lifetimes must be positive")
        if self.code_lifetime <= 0:
            raise ValueError("code lifetime must be positive")
        if self.clock not in ("real", "simulated"):
            raise ValueError("clock must be real or simulated")
        if self.start is not None:
            _require_aware(self.start, "start")
        _require_aware(self.history_start, "history_start")
        if not self.redirect_uris:
            raise ValueError("at least one redirect URI is required")
