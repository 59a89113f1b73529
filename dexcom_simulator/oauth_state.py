"""The OAuth tables (codes, access and refresh tokens) and their saved JSON form.

A spent refresh token is removed from its table, so a restored table refuses
it just as before the restart; revocation is a flag on each token.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from .state_file import StateFormatError

FORMAT_VERSION = 1


@dataclass(slots=True)
class Code:
    """A single-use authorization code."""

    user: str
    client_id: str
    redirect_uri: str
    expires_at: datetime
    used: bool = False


@dataclass(slots=True)
class Token:
    """An access or refresh token."""

    user: str
    client_id: str
    expires_at: datetime
    revoked: bool = False


@dataclass(slots=True)
class OAuthTables:
    """Everything the token endpoint and the data API check, keyed by the secret."""

    codes: dict[str, Code] = field(default_factory=dict)
    access: dict[str, Token] = field(default_factory=dict)
    refresh: dict[str, Token] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the saved form."""
        return {
            "version": FORMAT_VERSION,
            "codes": {key: _entry_json(code) for key, code in self.codes.items()},
            "access_tokens": {k: _entry_json(v) for k, v in self.access.items()},
            "refresh_tokens": {k: _entry_json(v) for k, v in self.refresh.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> OAuthTables:
        """Rebuild the tables; StateFormatError unless every entry is well formed."""
        document = _object(data, "the state")
        if document.get("version") != FORMAT_VERSION:
            raise StateFormatError("unknown state format version")
        return cls(
            codes={
                key: _record(Code, _object(value, "a code"))
                for key, value in _table(document, "codes").items()
            },
            access={
                key: _record(Token, _object(value, "an access token"))
                for key, value in _table(document, "access_tokens").items()
            },
            refresh={
                key: _record(Token, _object(value, "a refresh token"))
                for key, value in _table(document, "refresh_tokens").items()
            },
        )


def _entry_json(entry: Code | Token) -> dict[str, Any]:
    """Return the saved form of a code or token: every field, times in ISO 8601."""
    return {item.name: _saved(getattr(entry, item.name)) for item in fields(entry)}


def _saved(value: str | bool | datetime) -> str | bool:
    return value.isoformat() if isinstance(value, datetime) else value


def _record[R: (Code, Token)](kind: type[R], entry: Mapping[str, Any]) -> R:
    """Rebuild a code or token, each field read by the checker for its type."""
    return kind(
        **{item.name: _READERS[item.type](entry, item.name) for item in fields(kind)}
    )


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise StateFormatError(f"{what} is not a JSON object")
    return value


def _table(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return _object(document.get(name), name)


def _text(entry: Mapping[str, Any], name: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value:
        raise StateFormatError(f"{name} is not a non-empty string")
    return value


def _flag(entry: Mapping[str, Any], name: str) -> bool:
    value = entry.get(name)
    if not isinstance(value, bool):
        raise StateFormatError(f"{name} is not true or false")
    return value


def _time(entry: Mapping[str, Any], name: str) -> datetime:
    text = _text(entry, name)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as err:
        # fromisoformat's message quotes the text; keep it out of the log.
        raise StateFormatError(f"{name} is not an ISO 8601 time") from err
    if value.tzinfo is None:
        raise StateFormatError(f"{name} has no time zone")
    return value


# How each field type of Code and Token is read back; the records' own
# annotations choose the checker, so a new field is saved and loaded alike.
_READERS: dict[object, Callable[[Mapping[str, Any], str], Any]] = {
    str: _text,
    bool: _flag,
    datetime: _time,
}
