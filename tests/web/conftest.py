"""Browser fixtures for the portal tests: Debian's Chromium driven by Playwright (sync API).

Never `playwright install`: the browser is the system package /usr/bin/chromium.
The `live_stack` fixture (whole portal + API, sent emails) comes from tests/conftest.py.
"""

from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.web.contract import Recorder

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Generous waits: the tests wait on what the page shows, and a loaded machine (other stacks, other test
# runs) makes the API and moto slow. A wait ends as soon as the page shows what is expected.
ACTION_TIMEOUT_MS = 30_000
EXPECT_TIMEOUT_MS = 30_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium package "
            "(apt-get install -y chromium, as the Makefile does). Never run `playwright install`.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def portal_page(browser, timeout_ms: int = ACTION_TIMEOUT_MS):
    """A fresh browser context (own sessionStorage), French locale, desktop size: one person's browser.

    Uncaught JavaScript errors in the portal fail the test, and so does any JSON body the portal sent
    that its API route's own pydantic model refuses (tests/web/contract.py).
    """
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    calls = Recorder().attach(context)
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    js_errors = []
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not js_errors, f"JavaScript errors in the portal: {js_errors}"
    broken = calls.violations()
    assert not broken, "bodies the portal sent that their route's model refuses:\n" + "\n".join(broken)


@pytest.fixture
def page(browser):
    """The test's own browser (:func:`portal_page`); a second person's is ``with portal_page(browser)``."""
    with portal_page(browser) as page:
        yield page


@pytest.fixture(scope="session")
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
