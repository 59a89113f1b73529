"""GET / and GET /admin: what the simulator serves, with a curl line per admin endpoint.

A browser (Accept: text/html) gets a page; curl and scripts get JSON.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
import json
import shlex
from typing import Any

from aiohttp import hdrs, web

# The user in the examples of /admin/users/{user}/... paths.
EXAMPLE_USER = "SandboxUser7"
ERRORS = (
    'Answers are JSON. Bad input is a 400 with {"error": "..."}, an unknown user '
    "a 404, driving the clock while the simulator runs on the wall clock a 409."
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An admin endpoint as the index shows it; `body` is an example to send."""

    method: str
    path: str
    does: str
    body: dict[str, Any] | None = None

    def curl(self, base: str) -> str:
        """Return a curl command line that calls this endpoint on `base`."""
        words = ["curl", "-s"]
        if self.method != "GET":
            words += ["-X", self.method]
        if self.body is not None:
            words += ["-H", shlex.quote("Content-Type: application/json")]
            words += ["-d", shlex.quote(json.dumps(self.body))]
        words.append(base + self.path.replace("{user}", EXAMPLE_USER))
        return " ".join(words)

    def to_json(self, base: str) -> dict[str, Any]:
        """Return the index entry."""
        return {
            "method": self.method,
            "path": self.path,
            "does": self.does,
            "body": self.body,
            "curl": self.curl(base),
        }


def _api_routes(app: web.Application) -> list[dict[str, str]]:
    """Return the OAuth and data routes, read from the router so the list cannot go stale."""
    seen: list[dict[str, str]] = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method == hdrs.METH_HEAD or path == "/" or path.startswith("/admin"):
            continue
        entry = {"method": route.method, "path": path}
        if entry not in seen:
            seen.append(entry)
    return seen


def _html(base: str, endpoints: Sequence[Endpoint], api: list[dict[str, str]]) -> str:
    rows = "".join(
        f"<tr><td>{escape(e.method)}</td><td><code>{escape(e.path)}</code></td>"
        f"<td>{escape(e.does)}<pre>{escape(e.curl(base))}</pre></td></tr>"
        for e in endpoints
    )
    routes = "".join(
        f"<li>{escape(r['method'])} <code>{escape(r['path'])}</code></li>" for r in api
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Dexcom API simulator</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}"
        "td{border-top:1px solid #ccc;padding:.4rem;vertical-align:top}"
        "pre{background:#f4f6f8;padding:.3rem;white-space:pre-wrap;margin:.3rem 0}"
        "</style></head><body><h1>Dexcom API simulator</h1>"
        f"<h2>Admin endpoints</h2><p>{escape(ERRORS)} The same list as JSON: "
        f"<code>curl -s {escape(base)}/admin</code></p>"
        f"<table>{rows}</table><h2>Dexcom API</h2><ul>{routes}</ul>"
        "</body></html>\n"
    )


def index_response(request: web.Request, endpoints: Sequence[Endpoint]) -> web.Response:
    """Answer the index as HTML to a browser, as JSON to everyone else."""
    base = str(request.url.origin())
    api = _api_routes(request.app)
    if "text/html" in request.headers.get(hdrs.ACCEPT, ""):
        return web.Response(text=_html(base, endpoints, api), content_type="text/html")
    body = {
        "name": "Dexcom API simulator",
        "errors": ERRORS,
        "admin": [endpoint.to_json(base) for endpoint in endpoints],
        "api": api,
    }
    return web.json_response(body, dumps=lambda value: json.dumps(value, indent=2))
