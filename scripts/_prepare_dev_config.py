"""Make config/ ready for scripts/develop: on 127.0.0.1, onboarded, a dev login, the app.

Everything goes through Home Assistant's own storage, auth and collection
classes, so the files are exactly what this Home Assistant version writes.
Run with Home Assistant stopped; users, credentials, settings and the UI's
automations, scripts and scenes already there are kept, only the HTTP address
is always reset.
"""

import argparse
import asyncio
from collections.abc import Sequence
import logging
from pathlib import Path
import sys

from homeassistant import loader, runner
from homeassistant.auth import auth_manager_from_config
from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.auth.models import User
from homeassistant.auth.providers.homeassistant import HassAuthProvider
from homeassistant.components import application_credentials as app_creds
from homeassistant.components.frontend.storage import UserStore
from homeassistant.components.http.config import HTTP_STORAGE_SCHEMA, HTTPConfigStore
from homeassistant.components.http.const import CONF_SERVER_HOST, CONF_SERVER_PORT
from homeassistant.components.onboarding import (
    STORAGE_KEY as ONBOARDING_KEY,
    STORAGE_VERSION as ONBOARDING_VERSION,
    OnboardingStorage,
)
from homeassistant.components.onboarding.const import STEPS
from homeassistant.config import (
    AUTOMATION_CONFIG_PATH,
    SCENE_CONFIG_PATH,
    SCRIPT_CONFIG_PATH,
)
from homeassistant.config_entries import ConfigEntries
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    collection,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.storage import Store

DOMAIN = "dexcom_oauth"
CREDENTIAL_NAME = "Dexcom simulator"
# The files configuration.yaml includes and the UI editors save to, with the
# content Home Assistant gives them in a new installation.
EDITOR_FILES = {
    AUTOMATION_CONFIG_PATH: "[]",
    SCRIPT_CONFIG_PATH: "",
    SCENE_CONFIG_PATH: "",
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("config"))
    parser.add_argument("--host", default="127.0.0.1", help="HTTP server address")
    parser.add_argument("--port", type=int, default=8123, help="HTTP server port")
    parser.add_argument("--username", default="dev")
    parser.add_argument("--password", default="dev")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    return parser.parse_args(argv)


async def ensure_user(
    hass: HomeAssistant, provider: HassAuthProvider, username: str, password: str
) -> User:
    """Return the user who logs in as username, creating them as owner and admin."""
    credentials = await provider.async_get_or_create_credentials({"username": username})
    if not credentials.is_new:
        user = await hass.auth.async_get_user_by_credentials(credentials)
        if user is not None:
            return user
    assert provider.data is not None
    known = provider.data.normalize_username(username)
    if all(
        provider.data.normalize_username(auth["username"]) != known
        for auth in provider.data.users
    ):
        await provider.async_add_auth(username, password)
    user = await hass.auth.async_create_user(username, group_ids=[GROUP_ID_ADMIN])
    await hass.auth.async_link_user(user, credentials)
    print(f"Created the owner {username!r}")
    return user


def ensure_editor_files(config_dir: Path) -> None:
    """Create the files automation:, script: and scene: include, if missing.

    Without them Home Assistant cannot load configuration.yaml.
    """
    for name, content in EDITOR_FILES.items():
        path = config_dir / name
        if not path.exists():
            path.write_text(content, encoding="utf-8")
            print(f"Created {name}")


async def ensure_http(hass: HomeAssistant, host: str, port: int) -> None:
    """Make host:port the confirmed HTTP config.

    Since 2026.10 the HTTP settings live in storage: an `http:` section in
    configuration.yaml is only migrated once, as an unconfirmed trial that
    asks for confirmation in the UI and, unconfirmed, reverts after five
    minutes to the default of listening on all interfaces.
    """
    store = HTTPConfigStore(hass)
    await store.async_load()
    wanted = HTTP_STORAGE_SCHEMA({CONF_SERVER_HOST: [host], CONF_SERVER_PORT: port})
    await store.async_set_pending(wanted)
    if store.pending is not None:
        await store.async_promote_pending()
        print(f"Set Home Assistant's HTTP server to {host}:{port}")
    if not store.yaml_migration_done:
        await store.async_mark_yaml_migration_done()


async def complete_onboarding(hass: HomeAssistant) -> None:
    """Mark every onboarding step done, so the UI opens on the login page."""
    store = OnboardingStorage(hass, ONBOARDING_VERSION, ONBOARDING_KEY, private=True)
    data = await store.async_load() or {"done": []}
    if missing := [step for step in STEPS if step not in data["done"]]:
        data["done"].extend(missing)
        await store.async_save(data)
        print("Marked onboarding done")


async def ensure_advanced_mode(hass: HomeAssistant, user: User) -> None:
    """Turn on the user's advanced mode, as the profile page's toggle does."""
    store = UserStore(hass, user.id)
    await store.async_load()
    core = dict(store.data.get("core") or {})
    if core.get("showAdvanced") is not True:
        core["showAdvanced"] = True
        await store.async_set_item("core", core)
        print("Turned on advanced mode")


async def ensure_credential(hass: HomeAssistant, client_id: str, secret: str) -> None:
    """Import the simulator's client id and secret as an application credential."""
    credentials = app_creds.ApplicationCredentialsStorageCollection(
        Store(hass, app_creds.STORAGE_VERSION, app_creds.STORAGE_KEY),
        collection.IDManager(),
    )
    await credentials.async_load()
    existing = credentials.async_client_credentials(DOMAIN).values()
    if any(c.client_id == client_id for c in existing):
        return
    hass.data[app_creds.DATA_COMPONENT] = credentials
    await app_creds.async_import_client_credential(
        hass,
        DOMAIN,
        app_creds.ClientCredential(client_id, secret, name=CREDENTIAL_NAME),
    )
    print(f"Imported the application credential {CREDENTIAL_NAME!r}")


async def prepare(args: argparse.Namespace) -> None:
    """Bring config/ to the state scripts/develop promises."""
    config_dir = args.config.resolve()
    ensure_editor_files(config_dir)
    # Custom integrations are found as the package custom_components there.
    sys.path.insert(0, str(config_dir))
    hass = HomeAssistant(str(config_dir))
    loader.async_setup(hass)
    # The auth store reads the device registry, which waits for config entries.
    hass.config_entries = ConfigEntries(hass, {})
    await hass.config_entries.async_initialize()
    dr.async_setup(hass)
    await asyncio.gather(dr.async_load(hass), er.async_load(hass))
    hass.auth = await auth_manager_from_config(hass, [{"type": "homeassistant"}], [])
    provider = hass.auth.auth_providers[0]
    assert isinstance(provider, HassAuthProvider)
    await provider.async_initialize()

    await ensure_http(hass, args.host, args.port)
    user = await ensure_user(hass, provider, args.username, args.password)
    await complete_onboarding(hass)
    await ensure_advanced_mode(hass, user)
    await ensure_credential(hass, args.client_id, args.client_secret)
    # Stopping runs the final write of the delayed saves (auth, credentials);
    # force, as this Home Assistant never started.
    await hass.async_stop(force=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    # Home Assistant's warnings, e.g. about loading a custom integration, are noise here.
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(prepare(parse_args(argv)), loop_factory=runner.create_event_loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
