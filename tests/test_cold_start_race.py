"""A classroom arriving at a cold server: several pages at once while TensorFlow is still loading.

Each round starts a fresh server, opens one page and, within a second of it showing, two TensorFlow
pages in other browser contexts (other visitors) while TensorFlow is still loading; then visits every
page. No page may ever show an exception, and the server must still answer afterwards.
"""

import shutil
import urllib.request

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, PAGE_READY, running_app, settled

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")

ROUNDS = [("", "inspect", "playground"), ("inspect", "graphs", "train"), ("playground", "train", "inspect")]


@pytest.mark.parametrize("first", ROUNDS, ids=["home-first", "inspect-first", "playground-first"])
def test_pages_opened_at_once_on_a_cold_server_never_break_it(first):
    from playwright.sync_api import sync_playwright

    with running_app() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            visitors = [browser.new_context(viewport={"width": 1400, "height": 1200}).new_page() for _ in first]
            visitors[0].goto(f"{url}/{first[0]}")
            visitors[0].locator("h1").first.wait_for(timeout=60_000)  # the first visitor's page is showing...
            visitors[0].wait_for_timeout(800)
            for page, path in zip(visitors[1:], first[1:]):  # ...and two more arrive while TensorFlow loads
                page.goto(f"{url}/{path}", wait_until="commit")
            for page, path in zip(visitors, first):
                settled(page, path)
            tour = visitors[0]
            for path in PAGE_READY:
                tour.goto(f"{url}/{path}")
                settled(tour, path)
        finally:
            browser.close()
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
            assert response.read().decode().strip() == "ok"
