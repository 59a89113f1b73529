"""Home Assistant's websocket and REST APIs, as the logged-in dev user."""

import json
import time
from typing import Any
import urllib.error
import urllib.request

from playwright.sync_api import Page

HA_PORT = 8123
SIMULATOR_PORT = 8765
HA_URL = f"http://127.0.0.1:{HA_PORT}"
SIMULATOR_URL = f"http://127.0.0.1:{SIMULATOR_PORT}"
USERNAME = "dev"
PASSWORD = "dev"
DOMAIN = "dexcom_oauth"


class Hass:
    """The websocket through the page's own connection; REST with a token of its own."""

    def __init__(self, page: Page) -> None:
        """Make a long-lived token through the websocket, for the REST calls."""
        self.page = page
        self.token: str = self.ws(
            {
                "type": "auth/long_lived_access_token",
                "client_name": "e2e",
                "lifespan": 1,
            }
        )

    def ws(self, message: dict[str, Any]) -> Any:
        """Send a websocket command through the frontend; return its result."""
        self.page.wait_for_function(
            "() => document.querySelector('home-assistant')?.hass?.connected"
        )
        return self.page.evaluate(
            "m => document.querySelector('home-assistant').hass.callWS(m)", message
        )

    def _request(self, path: str, body: dict[str, Any] | None = None) -> str:
        request = urllib.request.Request(
            f"{HA_URL}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (127.0.0.1)
            return str(response.read().decode())

    def get(self, path: str) -> Any:
        """GET a REST path; return its JSON."""
        return json.loads(self._request(path))

    def template(self, template: str) -> str:
        """Render a template, as the REST API does."""
        return self._request("/api/template", {"template": template}).strip()

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """Return an entity's state object, or None while it does not exist."""
        try:
            return dict(self.get(f"/api/states/{entity_id}"))
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return None
            raise

    def states(self, entity_ids: list[str], timeout: float = 60) -> dict[str, Any]:
        """Poll until every entity exists; return their states by entity id."""
        deadline = time.monotonic() + timeout
        while True:
            found = {entity_id: self.state(entity_id) for entity_id in entity_ids}
            missing = [entity_id for entity_id, state in found.items() if not state]
            if not missing:
                return found
            assert time.monotonic() < deadline, f"entities missing: {missing}"
            time.sleep(1)

    def config_entries(self) -> list[dict[str, Any]]:
        """Return the integration's config entries."""
        return list(self.get(f"/api/config/config_entries/entry?domain={DOMAIN}"))

    def entry_id(self, title: str) -> str:
        """Return the id of the config entry titled `title`."""
        entries = self.config_entries()
        ids = [entry["entry_id"] for entry in entries if entry["title"] == title]
        assert len(ids) == 1, f"one entry titled {title}: {entries}"
        return str(ids[0])

    def device_id(self, title: str) -> str:
        """Return the id of the device of the config entry titled `title`."""
        entry_id = self.entry_id(title)
        devices = self.ws({"type": "config/device_registry/list"})
        ids = [d["id"] for d in devices if entry_id in d["config_entries"]]
        assert len(ids) == 1, f"one device for {title}: {ids}"
        return str(ids[0])

    def registry(self, title: str) -> list[dict[str, Any]]:
        """Return the entity registry entries of the config entry titled `title`."""
        entry_id = self.entry_id(title)
        return [
            entity
            for entity in self.ws({"type": "config/entity_registry/list"})
            if entity["config_entry_id"] == entry_id
        ]

    def statistic_ids(
        self, kind: str, wanted: list[str], timeout: float = 60
    ) -> list[Any]:
        """Poll the recorder's statistic ids of `kind` until all of `wanted` are listed."""
        deadline = time.monotonic() + timeout
        while True:
            listed = self.ws(
                {"type": "recorder/list_statistic_ids", "statistic_type": kind}
            )
            ours = [s for s in listed if s["statistic_id"] in wanted]
            if len(ours) == len(wanted) or time.monotonic() > deadline:
                return ours
            time.sleep(1)

    def dashboard(
        self, url_path: str, title: str, icon: str, config: dict[str, Any]
    ) -> None:
        """Create a storage dashboard shown in the sidebar and save its config."""
        self.ws(
            {
                "type": "lovelace/dashboards/create",
                "url_path": url_path,
                "title": title,
                "icon": icon,
                "mode": "storage",
                "show_in_sidebar": True,
                "require_admin": False,
            }
        )
        self.ws(
            {"type": "lovelace/config/save", "url_path": url_path, "config": config}
        )
