"""Dexcom v3 API client, kept free of Home Assistant so it can be tested alone."""

from .client import DexcomClient, TokenProvider
from .errors import (
    DexcomAuthError,
    DexcomConnectionError,
    DexcomError,
    DexcomRateLimitError,
    DexcomRequestError,
    DexcomResponseError,
    DexcomUnauthorizedError,
)
from .models import (
    AlertSetting,
    DataRange,
    Device,
    Devices,
    EgvBatch,
    GlucoseReading,
    GlucoseStatus,
    GlucoseUnit,
    TimeRange,
    Trend,
)

__all__ = [
    "AlertSetting",
    "DataRange",
    "Device",
    "Devices",
    "DexcomAuthError",
    "DexcomClient",
    "DexcomConnectionError",
    "DexcomError",
    "DexcomRateLimitError",
    "DexcomRequestError",
    "DexcomResponseError",
    "DexcomUnauthorizedError",
    "EgvBatch",
    "GlucoseReading",
    "GlucoseStatus",
    "GlucoseUnit",
    "TimeRange",
    "TokenProvider",
    "Trend",
]
