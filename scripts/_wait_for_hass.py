"""Wait until Home Assistant has started: logs in and polls /api/config.

The HTTP server answers long before the integrations are set up, so only
the core state RUNNING (outside recovery mode) counts as started.
Exit status 0 when started, 1 on recovery mode or when the time runs out.
"""

import argparse
from collections.abc import Sequence
import json
import sys
import time
from typing import Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen

REQUEST_TIMEOUT = 10.0
POLL_INTERVAL = 1.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--username", default="dev")
    parser.add_argument("--password", default="dev")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds")
    parser.add_argument("--domain", action="append", default=[], help="must be loaded")
    return parser.parse_args(argv)


def _call(request: Request) -> Any:
    with urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310 (our own URL)
        return json.load(response)


def _post_json(url: str, body: dict[str, Any]) -> Any:
    return _call(
        Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
    )


def access_token(base: str, username: str, password: str) -> str:
    """Log in through the login flow, as the frontend does, and return a token."""
    client_id = f"{base}/"
    flow = _post_json(
        f"{base}/auth/login_flow",
        {
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": client_id,
        },
    )
    result = _post_json(
        f"{base}/auth/login_flow/{flow['flow_id']}",
        {"client_id": client_id, "username": username, "password": password},
    )
    if result.get("type") != "create_entry":
        raise PermissionError(f"login as {username!r} failed: {result.get('errors')}")
    form = {
        "grant_type": "authorization_code",
        "code": result["result"],
        "client_id": client_id,
    }
    token = _call(Request(f"{base}/auth/token", data=urlencode(form).encode()))
    return str(token["access_token"])


def core_config(base: str, token: str) -> dict[str, Any]:
    """Return /api/config."""
    request = Request(
        f"{base}/api/config", headers={"Authorization": f"Bearer {token}"}
    )
    config: dict[str, Any] = _call(request)
    return config


def wait(args: argparse.Namespace) -> int:
    """Poll until started; return the exit status."""
    base = args.url.rstrip("/")
    deadline = time.monotonic() + args.timeout
    token: str | None = None
    while time.monotonic() < deadline:
        try:
            token = token or access_token(base, args.username, args.password)
            config = core_config(base, token)
        except PermissionError as err:
            print(err, file=sys.stderr)
            return 1
        except OSError, ValueError, KeyError:
            # Not listening yet, or auth not set up yet (404, HTML pages).
            token = None
        else:
            if config.get("recovery_mode"):
                print("Home Assistant started in recovery mode", file=sys.stderr)
                return 1
            if config.get("state") == "RUNNING":
                if missing := set(args.domain) - set(config.get("components", [])):
                    print(f"Not loaded: {', '.join(sorted(missing))}", file=sys.stderr)
                    return 1
                return 0
        time.sleep(POLL_INTERVAL)
    print(f"Home Assistant did not start within {args.timeout:.0f} s", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    return wait(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
