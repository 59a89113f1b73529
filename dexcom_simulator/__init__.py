"""A local stand-in for Dexcom's OAuth2 and v3 data API, for development and tests.

It serves the sandbox login page, the token endpoint with rotating refresh
tokens, and /v3/users/self/* with realistic, deterministic glucose traces that
appear with Dexcom's data delay. Faults, the clock and statistics can be driven
in-process or through /admin endpoints.
"""

from .app import create_app
from .clock import SimulatedClock, wall_clock
from .config import (
    DEFAULT_REDIRECT_URIS,
    FaultSettings,
    RandomStalls,
    SimulatorConfig,
    Stall,
)
from .faults import Burst
from .oauth import TokenGrant
from .profiles import PROFILES, USER_NAMES, UserProfile
from .simulator import Simulator
from .stats import StatsSnapshot

__all__ = [
    "DEFAULT_REDIRECT_URIS",
    "PROFILES",
    "USER_NAMES",
    "Burst",
    "FaultSettings",
    "RandomStalls",
    "SimulatedClock",
    "Simulator",
    "SimulatorConfig",
    "Stall",
    "StatsSnapshot",
    "TokenGrant",
    "UserProfile",
    "create_app",
    "wall_clock",
]
