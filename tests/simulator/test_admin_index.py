"""GET / and GET /admin list the admin endpoints; the README shows the same list."""

import json
from pathlib import Path
import re
import shlex
from typing import Any

from aiohttp.test_utils import TestClient
from yarl import URL

from dexcom_simulator import Simulator

README = Path(__file__).parent.parent.parent / "README.md"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def admin_routes(simulator: Simulator) -> set[tuple[str, str]]:
    """Return the (method, path) of every admin endpoint the app serves."""
    return {
        (route.method, route.resource.canonical)
        for route in simulator.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/admin/")
        and route.method != "HEAD"
    }


async def index(client: TestClient, path: str = "/admin") -> dict[str, Any]:
    """GET the index as curl does and return its JSON."""
    response = await client.get(path, headers={"Accept": "*/*"})
    assert response.status == 200
    assert response.content_type == "application/json"
    body: dict[str, Any] = await response.json()
    return body


def parse_curl(line: str) -> tuple[str, str, Any]:
    """Return method, URL and JSON body of a curl line the index shows."""
    words = shlex.split(line)
    assert words[:2] == ["curl", "-s"]
    method, body, rest = "GET", None, words[2:]
    while len(rest) > 1:
        option, value, *rest = rest
        if option == "-X":
            method = value
        elif option == "-d":
            body = json.loads(value)
        else:
            assert (option, value) == ("-H", "Content-Type: application/json")
    return method, rest[0], body


async def test_root_and_admin_list_every_admin_endpoint(
    client: TestClient, simulator: Simulator
) -> None:
    """Both answer the same list, which is exactly what the router serves."""
    listed = await index(client)
    assert await index(client, "/") == listed
    endpoints = listed["admin"]
    assert {(e["method"], e["path"]) for e in endpoints} == admin_routes(simulator)
    assert all(e["does"] for e in endpoints)
    assert "400" in listed["errors"]


async def test_every_curl_example_works(client: TestClient) -> None:
    """Run the examples in the listed order on a fresh simulator: each is a 200."""
    base = str(client.make_url(""))
    for endpoint in (await index(client))["admin"]:
        method, url, body = parse_curl(endpoint["curl"])
        assert method == endpoint["method"]
        assert url.startswith(base)
        assert (body is None) == (endpoint["body"] is None)
        assert body == endpoint["body"]
        response = await client.request(method, URL(url).path, json=body)
        assert response.status == 200, (endpoint["curl"], await response.text())


async def test_api_routes_listed_without_admin_or_head(client: TestClient) -> None:
    """The OAuth and data routes, each once, as the router has them."""
    api = (await index(client))["api"]
    assert {"method": "POST", "path": "/v2/oauth2/token"} in api
    assert {"method": "GET", "path": "/v3/users/self/egvs"} in api
    assert len(api) == len({(r["method"], r["path"]) for r in api})
    assert not [r for r in api if r["method"] == "HEAD" or r["path"] == "/"]
    assert not [r for r in api if r["path"].startswith("/admin")]


async def test_a_browser_gets_a_page(client: TestClient) -> None:
    """Accept: text/html answers HTML with every path and curl line."""
    response = await client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    for endpoint in (await index(client))["admin"]:
        assert f"<code>{endpoint['path']}</code>" in page
        assert "curl -s" in page
    assert "<code>/v2/oauth2/login</code>" in page


async def test_the_index_is_not_counted(
    client: TestClient, simulator: Simulator
) -> None:
    """Reading the list does not show up in the API request counts."""
    await client.get("/")
    await client.get("/admin")
    assert simulator.read_stats().requests == {}


async def test_readme_documents_every_endpoint(client: TestClient) -> None:
    """The README's simulator section: a row and a curl example (default port) each."""
    section = README.read_text().split("### The simulator\n", 1)[1].split("\n## ")[0]
    base = str(client.make_url("")).rstrip("/")
    endpoints = (await index(client))["admin"]
    rows = set(re.findall(r"^\| `([A-Z]+ /admin/\S+)` \|", section, re.MULTILINE))
    assert rows == {f"{e['method']} {e['path']}" for e in endpoints}
    for endpoint in endpoints:
        line = endpoint["curl"].replace(base, "http://127.0.0.1:8765")
        assert f"\n{line}\n" in section, line
