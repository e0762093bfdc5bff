"""A real browser (Debian's chromium, driven by Playwright) on the real server's web page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.keyed_server import KeyedServer

CHROMIUM = Path("/usr/bin/chromium")
# test-artifacts/ is gitignored; CI keeps it. A few of these are copied into docs/images/.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Package-scoped, not session: Playwright's sync API keeps an event loop running on this thread
    while it is open, and tests that run after tests/web in the same process (pytest-xdist) call
    asyncio.run, which refuses to start inside a running loop."""
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium; .ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def open_page(browser: Browser, server: KeyedServer, viewport: dict[str, int] = DESKTOP) -> Page:
    """A fresh browser context (empty localStorage) on the server's page."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(server.base_url + "/")
    return page


@pytest.fixture
def page(browser: Browser, server: KeyedServer) -> Iterator[Page]:
    page = open_page(browser, server)
    yield page
    page.context.close()


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
