"""A real headless Chromium (Debian's package) driven by Playwright against the live server.

Without a Chromium the browser tests are skipped with a reason, except in
CI (CI is set), where a missing browser fails the run.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
# The flags a root, network-less machine needs (see the README's testing section).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


# Module scope, not session: while Playwright's event loop lives in this
# thread, Django's connection handler sees an async context and would give
# later, unrelated tests a second connection that outlives the test database.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        reason = "No Chromium found (install Debian's chromium or set CHROMIUM_PATH)."
        if os.environ.get("CI"):
            pytest.fail(f"{reason} CI must run every browser test.")
        pytest.skip(f"{reason} Browser tests skipped.")
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # that tests make around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(live_server: object, browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(base_url=str(live_server), locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(10_000)
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.csp_violations = csp_violations  # type: ignore[attr-defined]
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
