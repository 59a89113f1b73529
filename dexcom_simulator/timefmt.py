"""Time formats of the Dexcom API: query parameters and record timestamps."""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
import re

_QUERY_FORMAT = "%Y-%m-%dT%H:%M:%S"
_QUERY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=1024)
def _day_text(day: int) -> str:
    return date.fromordinal(_EPOCH_ORDINAL + day).isoformat()


def parse_query_time(text: str) -> datetime:
    """Parse `YYYY-MM-DDThh:mm:ss` (UTC, no offset); anything else raises ValueError."""
    if not _QUERY_PATTERN.fullmatch(text):
        raise ValueError("expected YYYY-MM-DDThh:mm:ss")
    return datetime.strptime(text, _QUERY_FORMAT).replace(tzinfo=UTC)


def from_timestamp(ts: float) -> datetime:
    """Convert epoch seconds to an aware UTC datetime."""
    return _EPOCH + timedelta(seconds=ts)


def to_timestamp(value: datetime) -> float:
    """Convert an aware datetime to epoch seconds."""
    return (value - _EPOCH).total_seconds()


def system_time(ts: float, *, seconds: bool = True) -> str:
    """Format a UTC record time without offset, as Dexcom's `systemTime`."""
    day, second = divmod(int(ts), 86400)
    hours, rest = divmod(second, 3600)
    minutes, secs = divmod(rest, 60)
    if not seconds:
        return f"{_day_text(day)}T{hours:02d}:{minutes:02d}"
    return f"{_day_text(day)}T{hours:02d}:{minutes:02d}:{secs:02d}"


def display_time(
    ts: float, offset_seconds: int, *, with_offset: bool, seconds: bool = True
) -> str:
    """Format local time as the phone or receiver showed it, optionally with its UTC offset."""
    text = system_time(ts + offset_seconds, seconds=seconds)
    if not with_offset:
        return text
    sign = "-" if offset_seconds < 0 else "+"
    hours, minutes = divmod(abs(offset_seconds) // 60, 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


def iso_utc(value: datetime) -> str:
    """Format an aware datetime for the admin API (ISO 8601 with Z)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601 for the admin API and CLI; naive values are taken as UTC."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
