"""OAuth2 state: authorization codes, access tokens and rotating refresh tokens.

Times come from the simulator clock, so code and token expiry follow a
simulated or frozen clock in tests. With a state file configured the tables
are loaded at start and saved after every change, so a restart keeps them.
"""

from dataclasses import dataclass
from datetime import timedelta
import logging
import secrets
import uuid

from .clock import Now
from .config import SimulatorConfig
from .oauth_state import Code, OAuthTables, Token
from .state_file import StateFile

_LOGGER = logging.getLogger(__name__)


class OAuthError(Exception):
    """A token request that must be refused with an OAuth2 error code."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """Keep the OAuth2 `error`, a description without secrets, and the HTTP status."""
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


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
        """Use the simulator clock `now` for every expiry; load the state file if any."""
        self._config = config
        self._now = now
        self._file = None if config.state_file is None else StateFile(config.state_file)
        self._tables = OAuthTables()
        if self._file is not None:
            loaded = self._file.load(OAuthTables.from_json)
            if loaded is not None:
                self._tables = loaded
                _LOGGER.info(
                    "Loaded %d access and %d refresh tokens from %s",
                    len(loaded.access),
                    len(loaded.refresh),
                    self._file.path,
                )

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
        self._tables.codes[code] = Code(
            user=user,
            client_id=client_id,
            redirect_uri=redirect_uri,
            expires_at=self._now() + timedelta(seconds=self._config.code_lifetime),
        )
        self._save()
        return code

    def exchange_code(
        self, code: str, client_id: str, redirect_uri: str | None
    ) -> TokenGrant:
        """Trade a code for tokens; the code is spent even if the request fails."""
        entry = self._tables.codes.get(code)
        if entry is None or entry.used or entry.client_id != client_id:
            raise OAuthError(
                "invalid_grant", "authorization code is invalid or was already used"
            )
        entry.used = True
        try:
            if self._now() >= entry.expires_at:
                raise OAuthError("invalid_grant", "authorization code expired")
            if redirect_uri != entry.redirect_uri:
                raise OAuthError(
                    "invalid_grant",
                    "redirect_uri does not match the authorization request",
                )
            return self._issue(entry.user, client_id)
        finally:
            self._save()

    def refresh(self, refresh_token: str, client_id: str) -> TokenGrant:
        """Rotate: spend the refresh token and issue a new pair."""
        entry = self._tables.refresh.pop(refresh_token, None)
        if entry is None:
            raise OAuthError(
                "invalid_grant", "refresh token is invalid or was already used"
            )
        try:
            if entry.client_id != client_id or entry.revoked:
                raise OAuthError(
                    "invalid_grant", "refresh token is invalid or was already used"
                )
            if self._now() >= entry.expires_at:
                raise OAuthError("invalid_grant", "refresh token expired")
            return self._issue(entry.user, client_id)
        finally:
            self._save()

    def authenticate(self, access_token: str) -> str | None:
        """Return the user of a live access token, or None."""
        entry = self._tables.access.get(access_token)
        if entry is None or entry.revoked or self._now() >= entry.expires_at:
            return None
        return entry.user

    def token_expired(self, access_token: str) -> bool:
        """Whether the token is known and only failed by expiry (for the 401 message)."""
        entry = self._tables.access.get(access_token)
        return (
            entry is not None and not entry.revoked and self._now() >= entry.expires_at
        )

    def revoke_user(self, user: str) -> int:
        """Revoke every token and pending code of `user`; return how many tokens died."""
        count = 0
        now = self._now()
        for table in (self._tables.access, self._tables.refresh):
            for entry in table.values():
                if entry.user == user and not entry.revoked and now < entry.expires_at:
                    entry.revoked = True
                    count += 1
        for code in self._tables.codes.values():
            if code.user == user:
                code.used = True
        self._save()
        return count

    def issue(self, user: str) -> TokenGrant:
        """Issue tokens directly, skipping the login page (tests, benchmark)."""
        grant = self._issue(user, self._config.client_id)
        self._save()
        return grant

    def _issue(self, user: str, client_id: str) -> TokenGrant:
        self._prune()
        now = self._now()
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        lifetime = self._config.token_lifetime
        refresh_lifetime = self._config.refresh_token_lifetime
        self._tables.access[access] = Token(
            user, client_id, now + timedelta(seconds=lifetime)
        )
        self._tables.refresh[refresh] = Token(
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
        for table in (self._tables.access, self._tables.refresh):
            for key in [k for k, v in table.items() if v.expires_at < horizon]:
                del table[key]
        codes = self._tables.codes
        for key in [k for k, v in codes.items() if v.expires_at < horizon]:
            del codes[key]

    def _save(self) -> None:
        """Write the tables to the state file, if one is configured.

        Synchronously, on purpose: the tables are a few kilobytes (pruned a day
        after expiry) and the write goes to the page cache without fsync, well
        under a millisecond; saves happen only on logins and token requests.
        Writing in an executor instead would need sequencing so that an older
        snapshot never replaces a newer one. A failed save is logged and the
        request still succeeds: the memory state stays authoritative, and
        failing would lose the tokens just issued to the client.
        """
        if self._file is not None:
            self._file.save(self._tables.to_json())
