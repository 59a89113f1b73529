"""Kinds of API trouble, as the connection entity and diagnostics name them.

Only the kind is kept, never the error's text: it is enough to act on and
cannot carry a secret.
"""

from dataclasses import dataclass
from datetime import datetime

from .client import (
    DexcomAuthError,
    DexcomError,
    DexcomRateLimitError,
    DexcomRequestError,
    DexcomResponseError,
    DexcomUnauthorizedError,
)

PROBLEM_KINDS = [
    "reauth_required",
    "unauthorized",
    "rate_limited",
    "request_refused",
    "bad_response",
    "connection",
]


@dataclass(frozen=True, slots=True)
class ApiProblem:
    """The trouble of the last poll and since when it lasts."""

    kind: str
    since: datetime


def problem_kind(err: DexcomError) -> str:
    """Name the kind of a client error."""
    if isinstance(err, DexcomAuthError):
        return "reauth_required"
    if isinstance(err, DexcomUnauthorizedError):
        return "unauthorized"
    if isinstance(err, DexcomRateLimitError):
        return "rate_limited"
    if isinstance(err, DexcomRequestError):
        return "request_refused"
    if isinstance(err, DexcomResponseError):
        return "bad_response"
    return "connection"
