"""The autoencoder page in real Chromium: train a small model, click the code plane where there is no dot,
and see the image decoded at that place."""

import shutil

import pytest

from tests.browser_support import CHROMIUM, chromium_page, enter_value, running_app

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")

DECODED = ("() => ([...document.querySelectorAll('.js-plotly-plot')].map(p => ((p._fullLayout || {}).title || {}).text || '')"
           ".find(text => text.includes('decoded at')) || '').replace(/<[^>]*>/g, '')")
PLANE = "[...document.querySelectorAll('.js-plotly-plot')].find(p => p._fullData && p._fullData.some(t => t.name === 'anywhere'))"


def test_train_then_click_anywhere_in_the_code_plane_to_decode_it():
    with running_app() as url, chromium_page(height=1400) as page:
        page.goto(f"{url}/autoencoders")
        page.get_by_role("button", name="Train", exact=True).wait_for(timeout=120_000)
        for label, value in (("Filters per convolution", "8, 16"), ("Dense layer before the code", "32"), ("Epochs", "3")):
            enter_value(page.get_by_label(label, exact=True).and_(page.locator("input")), value, settle_ms=1200)
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text("What it learned").wait_for(timeout=300_000)
        page.get_by_role("tab", name="Code space").click()
        page.wait_for_function(f"() => !!({PLANE}) && ({DECODED})() !== ''", timeout=60_000)
        page.evaluate(f"() => ({PLANE}).scrollIntoView({{block: 'center'}})")
        page.wait_for_timeout(1500)
        for across, up in ((0.27, 0.73), (0.8, 0.15)):  # two places, between the dots or not
            before = page.evaluate(DECODED)
            assert before.startswith("decoded at (")
            target = page.evaluate(f"""() => {{
                const plot = {PLANE};
                const xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis, box = plot.getBoundingClientRect();
                const u = xa.range[0] + {across} * (xa.range[1] - xa.range[0]);
                const v = ya.range[0] + {up} * (ya.range[1] - ya.range[0]);
                return {{u, v, x: box.left + xa._offset + xa.l2p(u), y: box.top + ya._offset + ya.l2p(v),
                         du: (xa.range[1] - xa.range[0]) / 47, dv: (ya.range[1] - ya.range[0]) / 47}};
            }}""")
            page.mouse.move(target["x"], target["y"])
            page.wait_for_timeout(300)
            page.mouse.click(target["x"], target["y"])
            page.wait_for_function(f"() => {{ const t = ({DECODED})(); return t && t !== {before!r}; }}", timeout=60_000)
            page.wait_for_timeout(1000)
            title = page.evaluate(DECODED)
            u, v = (float(part) for part in title.split("(")[1].rstrip(")").split(","))
            # the nearest point of the invisible grid, or a dot the click landed on
            assert abs(u - target["u"]) <= target["du"] and abs(v - target["v"]) <= target["dv"], (title, target)
            marker = f"(({PLANE}) || {{_fullData: []}})._fullData.find(t => t.name === 'decoded')"
            page.wait_for_function(f"() => {{ const t = {marker}; return t && Math.abs(t.x[0] - {u}) < 0.006; }}",
                                   timeout=60_000)
            assert page.evaluate(f"() => {{ const t = {marker}; return [t.x[0], t.y[0]]; }}") == pytest.approx([u, v], abs=0.006)
        pixels = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
            .find(p => ((p._fullLayout || {}).title?.text || '').includes('decoded at'))._fullData[0].z.reduce((count, row) => count + row.length, 0)""")
        assert pixels == 64  # the decoded 8×8 image is drawn
