"""Constants for the Dexcom OAuth integration."""

from datetime import timedelta
from enum import StrEnum
from typing import Final

DOMAIN: Final = "dexcom_oauth"

CONF_REGION: Final = "region"
CONF_BASE_URL: Final = "base_url"
CONF_DEVELOPMENT_SERVERS: Final = "development_servers"

OAUTH_SCOPE: Final = "offline_access"
AUTHORIZE_PATH: Final = "/v2/oauth2/login"
TOKEN_PATH: Final = "/v2/oauth2/token"


class Region(StrEnum):
    """Dexcom's servers; each issues its own app credentials."""

    US = "us"
    OUTSIDE_US = "outside_us"
    JAPAN = "japan"
    SANDBOX = "sandbox"
    CUSTOM = "custom"


REGION_BASE_URLS: Final[dict[Region, str]] = {
    Region.US: "https://api.dexcom.com",
    Region.OUTSIDE_US: "https://api.dexcom.eu",
    Region.JAPAN: "https://api.dexcom.jp",
    Region.SANDBOX: "https://sandbox-api.dexcom.com",
}

DEVELOPER_PORTAL_URL: Final = "https://developer.dexcom.com/"
DOCUMENTATION_URL: Final = "https://github.com/dexcom-oauth/dexcom_oauth"

# A CGM takes a reading every five minutes.
READING_INTERVAL: Final = timedelta(minutes=5)
# The first refresh fetches this much history; later ones only what is newer.
INITIAL_WINDOW: Final = timedelta(hours=24)
# Readings kept in memory for the entities and diagnostics.
KEPT_WINDOW: Final = timedelta(hours=24)
# Later refreshes reach back this far before the newest reading, for late records.
FETCH_OVERLAP: Final = timedelta(minutes=15)
# Dexcom documents delays of up to three hours; assumed until one is learned.
DEFAULT_DATA_DELAY: Final = timedelta(hours=3)
MAX_DATA_DELAY: Final = timedelta(hours=3)
# Value and trend turn unavailable when no reading came for the delay plus this.
STALE_MARGIN: Final = timedelta(minutes=30)
# Devices (the model and alert settings) change rarely.
DEVICES_REFRESH_INTERVAL: Final = timedelta(hours=12)
# Each request to Dexcom gives up after this many seconds.
REQUEST_TIMEOUT: Final = 30.0
