"""Exceptions raised by the Dexcom API client.

They separate what the caller must do: re-link the account, back off,
retry later, or treat the answer as unusable.
"""


class DexcomError(Exception):
    """Base class for every error the client raises."""


class DexcomAuthError(DexcomError):
    """The account must be linked again: its refresh token was refused.

    The client never raises it itself; token providers do (invalid_grant and
    the like) and the client passes it on. A data request rejected even after
    a refresh is a DexcomUnauthorizedError instead.
    """


class DexcomRateLimitError(DexcomError):
    """Dexcom answered 429; wait `retry_after` seconds when it says so."""

    def __init__(self, retry_after: float | None) -> None:
        """Keep the server's Retry-After, if any."""
        super().__init__(
            "rate limited"
            if retry_after is None
            else f"rate limited, retry after {retry_after:g} s"
        )
        self.retry_after = retry_after


class DexcomConnectionError(DexcomError):
    """A failure that may pass: retry later.

    Timeouts, connection errors and 5xx answers, a token refresh that failed
    for such a reason, and a 401 right after a refresh (the subclass
    DexcomUnauthorizedError).
    """


class DexcomUnauthorizedError(DexcomConnectionError):
    """A data request got 401 again right after a successful token refresh.

    The refresh token still works, so this is no reason to re-link: Dexcom's
    API may be briefly out of step with its token server. Callers retry later
    and decide themselves when a persistent 401 needs attention.
    """


class DexcomRequestError(DexcomError):
    """Dexcom refused the request itself (400, 403, 404 and other 4xx)."""

    def __init__(self, status: int) -> None:
        """Keep the HTTP status."""
        super().__init__(f"request refused with HTTP {status}")
        self.status = status


class DexcomResponseError(DexcomError):
    """Dexcom's answer could not be understood (not JSON, wrong shape)."""
