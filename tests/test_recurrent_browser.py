"""The recurrent page in real Chromium: train a small model and see its hidden-state heatmap."""

import shutil

import pytest
from playwright.sync_api import expect

from tests.browser_support import CHROMIUM, chromium_page, enter_value, running_app

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


def test_train_a_small_forecaster_and_see_the_hidden_state_heatmap():
    with running_app() as url, chromium_page(height=2400) as page:
        page.goto(f"{url}/recurrent?task=forecast&data=sine&cell=gru&units=6&window=8")
        page.get_by_role("button", name="Train", exact=True).wait_for(timeout=120_000)
        enter_value(page.get_by_label("Epochs", exact=True), "2")
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text("3 · Look inside").wait_for(timeout=240_000)
        expect(page.get_by_text("Finished 2 epochs")).to_have_count(1, timeout=30_000)
        page.get_by_role("tab", name="Hidden state over time").click()
        heatmap = page.locator(".js-plotly-plot").filter(has_text="hidden state h_t")
        heatmap.first.wait_for(timeout=60_000)
        shape = page.evaluate(
            """() => {
                const plot = [...document.querySelectorAll('.js-plotly-plot')]
                    .find(p => p.textContent.includes('hidden state h_t'));
                const z = plot._fullData[0].z;
                return [z.length, z[0].length];
            }""")
        assert shape == [6, 8]  # 6 units × 8 time steps
        expect(page.get_by_text("update gate z_t").first).to_be_visible(timeout=30_000)
