"""scripts/develop and Debian's chromium for the browser tests, once per run."""

from collections.abc import Generator
import os
from pathlib import Path
import shutil

from playwright.sync_api import Browser, Page, sync_playwright
import pytest

from tests.scripts.develop import RUN_DIR, Develop, listening

from .hass import HA_PORT, HA_URL, PASSWORD, SIMULATOR_PORT, USERNAME, Hass

# Debian's chromium, never a browser Playwright downloads.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """No Home Assistant test instance: these tests drive a real one."""


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Generator[Develop]:
    """Run scripts/develop on a fresh configuration for the whole run."""
    if request.config.pluginmanager.has_plugin("homeassistant"):
        pytest.fail("Run the browser tests with scripts/e2e (-p no:homeassistant).")
    for port in (HA_PORT, SIMULATOR_PORT):
        assert not listening(port), f"port {port} is busy: stop scripts/develop first"
    develop = Develop("config", HA_PORT, SIMULATOR_PORT)
    develop.start(timeout=600)
    yield develop
    # The stop's own checks are tests/scripts/test_develop_stop.py's.
    try:
        develop.stop(timeout=150)
    finally:
        print(f"scripts/develop's output: {develop.output}")  # noqa: T201


@pytest.fixture(scope="session")
def browser() -> Generator[Browser]:
    """Launch Debian's chromium, headless."""
    assert Path(CHROMIUM).is_file(), (
        "Debian's chromium is needed: scripts/e2e installs it"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def page(stack: Develop, browser: Browser) -> Page:
    """One tab for the whole run, as one person would use, logged in as dev."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{HA_URL}/")
    page.get_by_role("textbox", name="Username").fill(USERNAME)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/auth/" not in url, timeout=60_000)
    return page


@pytest.fixture(scope="session")
def ha(page: Page) -> Hass:
    """Home Assistant's APIs through the logged-in frontend."""
    return Hass(page)


@pytest.fixture(autouse=True)
def screenshot_at_the_end(
    request: pytest.FixtureRequest, page: Page
) -> Generator[None]:
    """Keep what the browser showed at the end of each test, for failures (.e2e-run/)."""
    yield
    page.screenshot(path=RUN_DIR / f"{request.node.name[:60]}.png")
