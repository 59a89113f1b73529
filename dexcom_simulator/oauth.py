"""OAuth2 state: authorization codes, access tokens and rotating refresh tokens.

Times come from the simulator clock, so code and token expiry follow a
simulated or frozen clock in tests.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
import secrets
import uuid

from .clock import Now
from .config import SimulatorConfig


class OAuthError(Exception):
    """A token request that must be refused with an OAuth2 error code."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """Keep the OAuth2 `error`, a description without secrets, and the HTTP status."""
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(slots=True)
class _Code:
    user: str
    client_id: str
    redirect_uri: str
    expires_at: datetime
    used: bool = False


@dataclass(slots=True)
class _Token:
    user: str
    client_id: str
    expires_at: datetime
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """Tokens issued by one successful token request."""

    user: str
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int

    def to_json(self) -> dict[str, object]:
        """Return the token response body, with Keycloak-style extras."""
        return {
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
            "refresh_token": self.refresh_token,
            "refresh_expires_in": self.refresh_expires_in,
            "scope": "offline_access",
            "session_state": str(uuid.uuid4()),
        }


class OAuthStore:
    """Issues and checks codes and tokens for the one registered client."""

    def __init__(self, config: SimulatorConfig, now: Now) -> None:
        """Use the simulator clock `now` for every expiry."""
        self._config = config
        self._now = now
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Token] = {}

    def client_ok(self, client_id: str | None, client_secret: str | None) -> bool:
        """Whether the client credentials are the registered ones."""
        if client_id is None or client_secret is None:
            return False
        return secrets.compare_digest(
            client_id.encode(), self._config.client_id.encode()
        ) and secrets.compare_digest(
            client_secret.encode(), self._config.client_secret.encode()
        )

    def redirect_ok(self, client_id: str | None, redirect_uri: str | None) -> bool:
        """Whether a login request names the registered client and a registered redirect."""
        return (
            client_id == self._config.client_id
            and redirect_uri in self._config.redirect_uris
        )

    def create_code(self, user: str, client_id: str, redirect_uri: str) -> str:
        """Issue a single-use authorization code for `user`."""
        self._prune()
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(
            user=user,
            client_id=client_id,
            redirect_uri=redirect_uri,
            expires_at=self._now() + timedelta(seconds=self._config.code_lifetime),
        )
        return code

    def exchange_code(
        self, code: str, client_id: str, redirect_uri: str | None
    ) -> TokenGrant:
        """Trade a code for tokens; the code is spent even if the request fails."""
        entry = self._codes.get(code)
        if entry is None or entry.used or entry.client_id != client_id:
            raise OAuthError(
                "invalid_grant", "authorization code is invalid or was already used"
            )
        entry.used = True
        if self._now() >= entry.expires_at:
            raise OAuthError("invalid_grant", "authorization code expired")
        if redirect_uri != entry.redirect_uri:
            raise OAuthError(
                "invalid_grant", "redirect_uri does not match the authorization request"
            )
        return self._issue(entry.user, client_id)

    def refresh(self, refresh_token: str, client_id: str) -> TokenGrant:
        """Rotate: spend the refresh token and issue a new pair."""
        entry = self._refresh.pop(refresh_token, None)
        if entry is None or entry.client_id != client_id or entry.revoked:
            raise OAuthError(
                "invalid_grant", "refresh token is invalid or was already used"
            )
        if self._now() >= entry.expires_at:
            raise OAuthError("invalid_grant", "refresh token expired")
        return self._issue(entry.user, client_id)

    def authenticate(self, access_token: str) -> str | None:
        """Return the user of a live access token, or None."""
        entry = self._access.get(access_token)
        if entry is None or entry.revoked or self._now() >= entry.expires_at:
            return None
        return entry.user

    def token_expired(self, access_token: str) -> bool:
        """Whether the token is known and only failed by expiry (for the 401 message)."""
        entry = self._access.get(access_token)
        return (
            entry is not None and not entry.revoked and self._now() >= entry.expires_at
        )

    def revoke_user(self, user: str) -> int:
        """Revoke every token and pending code of `user`; return how many tokens died."""
        count = 0
        now = self._now()
        for table in (self._access, self._refresh):
            for entry in table.values():
                if entry.user == user and not entry.revoked and now < entry.expires_at:
                    entry.revoked = True
                    count += 1
        for code in self._codes.values():
            if code.user == user:
                code.used = True
        return count

    def issue(self, user: str) -> TokenGrant:
        """Issue tokens directly, skipping the login page (tests, benchmark)."""
        return self._issue(user, self._config.client_id)

    def _issue(self, user: str, client_id: str) -> TokenGrant:
        self._prune()
        now = self._now()
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        lifetime = self._config.token_lifetime
        refresh_lifetime = self._config.refresh_token_lifetime
        self._access[access] = _Token(
            user, client_id, now + timedelta(seconds=lifetime)
        )
        self._refresh[refresh] = _Token(
            user, client_id, now + timedelta(seconds=refresh_lifetime)
        )
        return TokenGrant(
            user=user,
            access_token=access,
            refresh_token=refresh,
            expires_in=int(lifetime),
            refresh_expires_in=int(refresh_lifetime),
        )

    def _prune(self) -> None:
        """Drop long-dead entries so a multi-day benchmark does not grow without bound."""
        horizon = self._now() - timedelta(days=1)
        for table in (self._access, self._refresh):
            for key in [k for k, v in table.items() if v.expires_at < horizon]:
                del table[key]
        for key in [k for k, v in self._codes.items() if v.expires_at < horizon]:
            del self._codes[key]
