"""HTML of the sandbox login: pick a simulated user or deny access."""

from collections.abc import Mapping, Sequence
from html import escape

from .profiles import UserProfile

LOGIN_FIELDS = ("client_id", "redirect_uri", "response_type", "scope", "state")

_STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}
main{max-width:32rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;
box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{color:#58a618;font-size:1.4rem}button{display:block;width:100%;margin:.4rem 0;
padding:.7rem;font-size:1rem;border:1px solid #58a618;border-radius:4px;background:#fff;
text-align:left;cursor:pointer}button small{color:#666;display:block}
#deny{border-color:#b00;color:#b00;text-align:center;margin-top:1.2rem}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def login_page(query: Mapping[str, str], users: Sequence[UserProfile]) -> str:
    """Render the login form; the OAuth parameters travel as hidden fields."""
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(query.get(name, ""))}">'
        for name in LOGIN_FIELDS
        if name in query
    )
    buttons = "".join(
        f'<button type="submit" name="user" value="{escape(user.name)}" '
        f'id="user-{escape(user.name)}">{escape(user.name)}'
        f"<small>{escape(user.description)}</small></button>"
        for user in users
    )
    body = (
        "<h1>Dexcom Sandbox Login</h1>"
        "<p>Simulated accounts, no password. Choose a sandbox user to authorize "
        "this application, or deny access.</p>"
        f'<form method="post" action="/v2/oauth2/login" id="login">{hidden}{buttons}'
        '<button type="submit" name="deny" value="1" id="deny">Deny access</button>'
        "</form>"
    )
    return _page("Dexcom Sandbox Login", body)


def error_page(message: str) -> str:
    """Shown instead of redirecting when the client or redirect URI is not trusted."""
    return _page(
        "Dexcom Sandbox - Error",
        f'<h1>Request rejected</h1><p id="error">{escape(message)}</p>',
    )
