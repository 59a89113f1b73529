"""The benchmark's records: the simulated days, one run, and what it measured."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from dexcom_simulator import SimulatorConfig, Stall

JITTER = 20.0
PROJECT = "this project"
DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Scenario:
    """The simulated days every schedule sees for one data delay."""

    user: str
    seed: int
    delay: float
    start: datetime
    end: datetime
    stalls: tuple[Stall, ...]
    sensor_changes: tuple[float, ...]
    warmup: float

    def config(self) -> SimulatorConfig:
        """Return the simulator configuration of these days."""
        return SimulatorConfig(
            seed=self.seed, delay=self.delay, jitter=JITTER, stalls=self.stalls
        )


@dataclass(frozen=True, slots=True)
class Arrival:
    """One reading: when it was taken and when the API first shows it."""

    record_id: str
    taken: float
    available: float
    held: bool  # uploaded late because the phone was offline (a stall's backlog)


@dataclass(frozen=True, slots=True)
class Job:
    """One schedule on one scenario; `interval` None is this project's schedule."""

    scenario: Scenario
    interval: int | None

    @property
    def label(self) -> str:
        """How the table names the schedule."""
        return PROJECT if self.interval is None else f"fixed {self.interval} s"


@dataclass(slots=True)
class Result:
    """What one job measured."""

    job: Job
    calls: int = 0
    by_endpoint: dict[str, int] = field(default_factory=dict)
    new_readings: int = 0
    lags: list[float] = field(default_factory=list)
    lags_in_time: list[float] = field(default_factory=list)
    missed: int = 0
    bytes_received: int = 0
    cpu_seconds: list[float] = field(default_factory=list)
    window_bytes: int = 0
    stall_lags: list[float] = field(default_factory=list)
    sensor_lags: list[float] = field(default_factory=list)
    worst: list[tuple[float, datetime, datetime]] = field(default_factory=list)
    missed_examples: list[tuple[datetime, datetime]] = field(default_factory=list)
    polls: Counter[str] = field(default_factory=Counter)
    failures: int = 0
    refused: int = 0
    wall_seconds: float = 0.0

    @property
    def days(self) -> float:
        """Simulated days polled."""
        span = self.job.scenario.end - self.job.scenario.start
        return span.total_seconds() / DAY
