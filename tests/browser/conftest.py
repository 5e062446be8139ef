"""Browser tests: Playwright driving Debian's chromium against a live server on 127.0.0.1.

The CDN copy of htmx is blocked on purpose, so every browser test also proves the local fallback.
A failing test keeps a screenshot in test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.conftest import reconfigure

CHROMIUM = os.environ.get("HOSTICO_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]

def pytest_collection_modifyitems(items):
    """Every browser test is slow (a real chromium against a live server)."""
    for item in items:
        if "/tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.slow)


ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts")


@pytest.fixture(scope="session")
def playwright_instance():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make browser-deps`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def live_server(app):
    """Serve the test app on a free port of 127.0.0.1 in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    reconfigure(app, BASE_URL=f"http://127.0.0.1:{server.server_port}")
    yield app.config["BASE_URL"]
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server, viewport={"width": 1200, "height": 900})
    context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def browser_login(page, email: str, password: str) -> None:
    """Log in through the real login page."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def browser_staff_login(page, email: str, password: str, totp_secret: str, start: str = "/staff/") -> None:
    """Log a staff user in through the real staff login: password, then the authenticator's code."""
    import pyotp

    page.goto(start)
    page.wait_for_url("**/staff/login**")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/login/code")
    page.fill("input[name=code]", pyotp.TOTP(totp_secret).now())
    page.click("button[type=submit]")
