"""In real Chromium, a digit drawn with the mouse on the inspector's canvas is read by the demo model."""

import shutil

import pytest

from tests.browser_support import CHROMIUM, chromium_page, draw_on_canvas, running_app

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")

SEVEN = [[(60, 50), (170, 50), (100, 190)]]  # canvas pixels: a bar across the top, then down to the left


def draw_a_seven(page, url: str) -> None:
    """Open the inspector, switch its input to the canvas, and draw a 7 with the mouse."""
    page.goto(f"{url}/inspect")
    page.get_by_text("Overview: every layer").wait_for(timeout=180_000)
    page.get_by_test_id("stRadio").filter(has_text="Dataset sample").get_by_text("Draw", exact=True).click()
    draw_on_canvas(page, SEVEN)


def test_a_seven_drawn_with_the_mouse_is_read_as_seven():
    with running_app() as url, chromium_page(height=1800) as page:
        draw_a_seven(page, url)
        page.get_by_text("How your picture became that input").wait_for(timeout=60_000)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stMetricValue]')?.innerText.trim() === '7'", timeout=60_000)
        steps = page.locator(".js-plotly-plot").filter(has_text="strokes redrawn")
        steps.first.wait_for(timeout=60_000)  # the strip: each preparation step as a small picture
        assert steps.count() == 1 and "centred by mass" in steps.inner_text()


def test_a_reset_canvas_shows_no_prediction_left_over():
    with running_app() as url, chromium_page(height=1800) as page:
        draw_a_seven(page, url)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stMetricValue]')?.innerText.trim() === '7'", timeout=60_000)
        page.get_by_role("button", name="Reset canvas & history").click()
        page.get_by_text("Choose an input image above").wait_for(timeout=60_000)
        assert page.locator('[data-testid="stMetricValue"]').count() == 0  # no "7 (100%)" from the erased drawing
        assert page.get_by_text("Overview: every layer").count() == 0
