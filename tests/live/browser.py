"""What the user's browser does on the simulator's login page."""

from html.parser import HTMLParser

from aiohttp import ClientSession
from yarl import URL


class LoginForm(HTMLParser):
    """The login form as a browser sees it: action, hidden fields, buttons."""

    def __init__(self) -> None:
        """Start with no form seen."""
        super().__init__()
        self.action = ""
        self.hidden: dict[str, str] = {}
        self.buttons: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect the form's action, hidden inputs and submit buttons."""
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = attributes["action"]
        elif tag == "input" and attributes.get("type") == "hidden":
            self.hidden[attributes["name"]] = attributes["value"]
        elif tag == "button" and attributes.get("type") == "submit":
            self.buttons.append((attributes["name"], attributes["value"]))


async def choose_user(authorize_url: str, user: str) -> URL:
    """Open the authorize URL, press the user's button; return where it redirects."""
    url = URL(authorize_url)
    async with ClientSession() as session:
        page = await session.get(url)
        assert page.status == 200
        form = LoginForm()
        form.feed(await page.text())
        assert ("user", user) in form.buttons
        answer = await session.post(
            url.join(URL(form.action)),
            data={**form.hidden, "user": user},
            allow_redirects=False,
        )
    assert answer.status == 302
    return URL(answer.headers["Location"])
