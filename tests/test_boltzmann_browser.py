"""The Boltzmann machines page in real Chromium: a short training, then the filter grid is drawn."""

import shutil

import pytest
from playwright.sync_api import expect

from tests.browser_support import CHROMIUM, chromium_page, enter_value, running_app

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


def test_train_an_rbm_and_see_its_filter_grid():
    with running_app() as url, chromium_page(height=2400) as page:
        page.goto(f"{url}/boltzmann")
        page.get_by_role("button", name="Train").wait_for(timeout=120_000)
        enter_value(page.get_by_label("Epochs"), "2")
        page.get_by_role("button", name="Train").click()
        page.get_by_role("tab", name="What it learned").wait_for(timeout=300_000)
        expect(page.get_by_text("Finished 2 epochs", exact=True)).to_have_count(1, timeout=30_000)
        grid = page.wait_for_function(
            """() => {
                const plot = [...document.querySelectorAll('.js-plotly-plot')].find(p => p._fullData &&
                    p._fullData.some(t => t.type === 'heatmap' && t.colorscale && JSON.stringify(t.colorscale).includes('rgb(5,48,97)')));
                if (!plot) return null;
                const z = plot._fullData.find(t => t.type === 'heatmap').z;
                return [z.length, z[0].length];
            }""", timeout=120_000).json_value()
        assert grid == [89, 89]  # 100 hidden units: 10 × 10 filters of 8 × 8 pixels, one-pixel gaps
        expect(page.get_by_text("100 of 100 hidden units shown")).to_have_count(1, timeout=30_000)
