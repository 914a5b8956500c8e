"""Text from users and files never becomes a link or an image: Markdown in links, names and files, in Chromium."""

import shutil
import urllib.parse

import pytest

from tests.browser_support import CHROMIUM, chromium_page, running_app

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")

EVIL_LINK = "[Session expired - sign in](https://evil.example/login)"
EVIL_IMAGE = "![x](https://evil.example/pixel.png)"
HOSTILE = [
    ("train", {"dataset": EVIL_LINK, "preset": EVIL_IMAGE}),
    ("inspect", {"layer": EVIL_LINK, "class": EVIL_IMAGE}),
    ("graphs", {"view": EVIL_LINK, "arch": EVIL_IMAGE, "layer": EVIL_LINK}),
    ("playground", {"preset": EVIL_LINK, "node": EVIL_IMAGE, "program": f"x = constant(1)\n{EVIL_LINK} = 2"}),
    ("why", {"layer": EVIL_LINK, "model": EVIL_IMAGE}),
    ("autoencoders", {"dataset": EVIL_LINK}),
    ("recurrent", {"task": EVIL_LINK}),
    ("boltzmann", {"dataset": EVIL_IMAGE}),
]


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


@pytest.mark.parametrize(("path", "query"), HOSTILE, ids=[path for path, _ in HOSTILE])
def test_markdown_in_a_link_shows_as_text_never_as_a_link_or_image(app_url, path, query):
    with chromium_page(height=1600) as page:
        page.goto(f"{app_url}/{path}?{urllib.parse.urlencode(query)}")
        page.locator("h1").first.wait_for(timeout=120_000)
        page.wait_for_timeout(4000)  # let TensorFlow pages finish their first run
        assert page.locator('a[href*="evil.example"]').count() == 0
        assert page.locator('img[src*="evil.example"]').count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
