"""The real app in real Chromium: the pages load, draw Plotly figures and answer clicks."""

import shutil
import time

import pytest
from playwright.sync_api import expect

from tests.browser_support import CHROMIUM, choose_option, chromium_page, enter_value, running_app
from tests.zip_support import class_folders

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


def test_home_page_shows_tensor_ranks(app_url):
    with chromium_page() as page:
        page.goto(app_url)
        page.get_by_text("Tensors, rank by rank").wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=90_000)  # drawn at once, from NumPy
        # ...then re-made as real tf.constant tensors once TensorFlow has loaded in the background.
        page.get_by_text("EagerTensor · shape (2, 3, 3, 3) · rank 4").wait_for(timeout=90_000)


def test_playground_click_a_node_to_inspect_it(app_url):
    with chromium_page(height=1400) as page:
        page.goto(f"{app_url}/playground")
        graph = page.locator(".js-plotly-plot").first
        graph.wait_for(timeout=90_000)
        page.get_by_text("∂loss/∂b").wait_for(timeout=30_000)  # the last node, db, is inspected first
        # Click the marker of node "y" (an operation) by its position in Plotly's own layout.
        box = page.evaluate(
            """() => {
                const plot = document.querySelector('.js-plotly-plot');
                const layout = plot._fullLayout;
                for (const trace of plot._fullData) {
                    const rows = trace.customdata || [];
                    for (let i = 0; i < rows.length; i++) {
                        if (rows[i][0] === 'y') {
                            const rect = plot.getBoundingClientRect();
                            return {x: rect.left + layout.xaxis._offset + layout.xaxis.l2p(trace.x[i]),
                                    y: rect.top + layout.yaxis._offset + layout.yaxis.l2p(trace.y[i])};
                        }
                    }
                }
                return null;
            }"""
        )
        assert box is not None
        page.mouse.click(box["x"], box["y"])
        page.get_by_text("relu(add)").first.wait_for(timeout=30_000)
        assert page.get_by_text("in Eager (TF2 default) it is a").count() >= 1


def test_train_one_epoch_and_see_the_curves(app_url):
    with chromium_page(height=3200) as page:
        page.goto(f"{app_url}/train")
        page.get_by_role("button", name="Train").wait_for(timeout=90_000)
        enter_value(page.get_by_label("Epochs"), "1")
        page.get_by_role("button", name="Train").click()
        page.get_by_text("Test accuracy").wait_for(timeout=120_000)
        page.get_by_text("Finished 1 epoch").wait_for(timeout=30_000)
        assert page.get_by_text("Finished 1 epoch").count() == 1
        curves = page.locator(".js-plotly-plot").filter(has_text="Loss (lower is better)")
        expect(curves).to_have_count(2, timeout=30_000)  # the run's live curves, and the comparison of every run (one so far)
        points = page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot')]
                .filter(p => p.textContent.includes('Loss (lower is better)'))[0]
                ._fullData.filter(t => t.name === 'training').map(t => t.y.length)"""
        )
        assert points == [1, 1]


def test_inspector_shows_feature_maps_and_follows_a_new_input(app_url):
    with chromium_page(height=2400) as page:
        page.goto(f"{app_url}/inspect")
        page.get_by_text("Overview: every layer").wait_for(timeout=90_000)
        page.locator(".js-plotly-plot").filter(has_text="after relu").wait_for(timeout=60_000)
        prediction = page.get_by_test_id("stMetricValue").first
        assert prediction.inner_text().strip() == "0"
        choose_option(page, "Class", "7", exact=True)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stMetricValue]')?.innerText.trim() === '7'", timeout=60_000
        )
        page.locator(".js-plotly-plot").filter(has_text="after relu").first.wait_for(timeout=60_000)


def graph_points(page) -> dict:
    """Names of the drawn nodes and the highlighted ones (full opacity while others fade)."""
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')].some(p => p._fullData &&
        p._fullData.some(t => t.customdata && t.customdata.length))""", timeout=90_000)
    return page.evaluate(
        """() => {
            const plot = [...document.querySelectorAll('.js-plotly-plot')].find(p => p._fullData &&
                p._fullData.some(t => t.customdata && t.customdata.length));
            const names = [], lit = [];
            for (const trace of plot._fullData) {
                (trace.customdata || []).forEach((row, i) => {
                    names.push(row[0]);
                    const opacity = Array.isArray(trace.marker.opacity) ? trace.marker.opacity[i] : 1;
                    if (opacity === 1) lit.push(row[0]);
                });
            }
            return {names, lit};
        }"""
    )


def graph_points_once(page, condition, timeout: float = 60.0) -> dict:
    """The drawn graph's points as soon as they meet condition (a rerun may still be redrawing), or the last seen."""
    deadline = time.monotonic() + timeout
    points = graph_points(page)
    while not condition(points) and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        points = graph_points(page)
    return points


def test_resnet50_op_graph_opens_groups_and_searches(app_url):
    with chromium_page(height=1600) as page:
        page.goto(f"{app_url}/graphs?arch=ResNet50&view=op")
        page.get_by_text("869 ops and").wait_for(timeout=180_000)
        before = graph_points_once(page, lambda points: "resnet50_1/conv3_*/" in points["names"])["names"]
        assert "resnet50_1/conv3_*/" in before and len(before) <= 60
        choose_option(page, "Open a group", "conv3 (")
        page.locator(".st-key-graph_open button").click()
        page.wait_for_function(
            """() => [...document.querySelectorAll('.js-plotly-plot')].some(p => p._fullData && p._fullData.some(
                t => (t.customdata || []).some(r => r[0] === 'resnet50_1/conv3_block2_*/')))""", timeout=60_000)
        search = page.get_by_label("Search (regular expression over names and op types)")
        search.fill("conv5_block3")
        search.press("Enter")
        page.get_by_text("match").first.wait_for(timeout=60_000)
        points = graph_points_once(page, lambda points: points["lit"] == ["resnet50_1/conv5_*/"])
        assert points["lit"] == ["resnet50_1/conv5_*/"]  # the hits sit inside the folded stage


def click_node(page, name: str) -> None:
    """Click a graph node by its position in Plotly's own layout."""
    box = page.evaluate(
        """(name) => {
            for (const plot of document.querySelectorAll('.js-plotly-plot')) {
                const layout = plot._fullLayout;
                for (const trace of plot._fullData || []) {
                    const rows = trace.customdata || [];
                    for (let i = 0; i < rows.length; i++) {
                        if (rows[i][0] === name) {
                            const rect = plot.getBoundingClientRect();
                            return {x: rect.left + layout.xaxis._offset + layout.xaxis.l2p(trace.x[i]),
                                    y: rect.top + layout.yaxis._offset + layout.yaxis.l2p(trace.y[i])};
                        }
                    }
                }
            }
            return null;
        }""", name)
    assert box is not None, name
    page.mouse.click(box["x"], box["y"])


def test_a_layer_link_goes_to_the_inspector_and_back_to_its_ops(app_url):
    with chromium_page(height=1800) as page:
        page.goto(f"{app_url}/graphs?model=Demo+CNN&view=layer")
        page.get_by_text("layers and").first.wait_for(timeout=120_000)
        names = graph_points_once(page, lambda points: any(name.startswith("conv2d") for name in points["names"]))["names"]
        layer = next(name for name in names if name.startswith("conv2d"))
        click_node(page, layer)
        page.get_by_text(f"{layer}: its outputs in the inspector").click(timeout=60_000)
        page.wait_for_function(f"() => location.pathname.endsWith('/inspect') && location.search.includes('layer={layer}')",
                               timeout=60_000)
        page.get_by_text("Overview: every layer").wait_for(timeout=90_000)
        chosen = page.get_by_test_id("stSelectbox").filter(has_text="Open a layer").get_by_role("combobox")
        assert chosen.input_value().startswith(f"{layer} (Conv2D")
        page.get_by_text(f"{layer}: its ops in TensorFlow graphs").click(timeout=60_000)
        page.wait_for_function("() => location.pathname.endsWith('/graphs') && location.search.includes('view=op')",
                               timeout=60_000)
        page.get_by_text("ops and").first.wait_for(timeout=90_000)
        points = graph_points_once(page, lambda points: bool(points["lit"]) and len(points["lit"]) < len(points["names"]))
        assert points["lit"] and len(points["lit"]) < len(points["names"])
        assert all(f"/{layer}_" in name for name in points["lit"])


XSS = "<img src=x onerror=alert(1)>"


def test_a_class_folder_named_like_html_shows_literally(app_url):
    dialogs = []
    with chromium_page(height=2000) as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{app_url}/train")
        page.get_by_role("button", name="Train").wait_for(timeout=90_000)
        choose_option(page, "Dataset", "Your own images (zip or .npz)")
        page.get_by_text("Upload a zip (one folder of images per class)").wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        page.locator("input[type=file]").first.set_input_files(
            files=[{"name": "classes.zip", "mimeType": "application/zip", "buffer": class_folders({XSS: 30, "plain": 220}, side=8)}])
        page.get_by_text("in 2 classes").wait_for(timeout=60_000)
        page.wait_for_function(
            "(xss) => [...document.querySelectorAll('.js-plotly-plot text')].some(t => t.textContent === xss)", arg=XSS,
            timeout=60_000)
        assert not dialogs
        assert page.locator("img[src='x']").count() == 0
        labels = page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot text')].map(t => t.textContent)")
        assert XSS in labels


def test_links_open_the_same_view_and_follow_changes(app_url):
    with chromium_page(height=1600) as page:
        page.goto(f"{app_url}/inspect?class=7&index=2&layer=conv2d_3")
        page.get_by_text("Overview: every layer").wait_for(timeout=90_000)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stMetricValue]')?.innerText.trim() === '7'", timeout=60_000)
        page.get_by_text("so 32 filters give 32 feature maps").wait_for(timeout=60_000)  # conv2d_3, not conv2d_1
        choose_option(page, "Open a layer", "maxpool2d_4")
        page.wait_for_function("() => location.search.includes('layer=maxpool2d_4')", timeout=60_000)
        shared = page.url
        assert "class=7" in shared and "index=2" in shared
    with chromium_page(height=1600) as other:
        other.goto(shared)
        other.get_by_text("Overview: every layer").wait_for(timeout=90_000)
        other.get_by_role("tab", name="Max pooling").wait_for(timeout=60_000)
        other.goto(f"{app_url}/playground?preset=nonsense&mode=eager")
        other.get_by_text("is not one of").wait_for(timeout=60_000)
        assert other.get_by_text("Computation-graph playground").count() == 1


def test_playground_reads_pasted_tensorflow_code_and_writes_it_back(app_url):
    from urllib.parse import quote

    notes_code = ("import numpy as np\nimport tensorflow as tf\n\na = np.array([1, 2, 3])\nb = np.array([4, 5, 6])\n"
                  "c = tf.multiply(a, b)\nwith tf.Session() as sess:\n    result = sess.run(c)\n    print(result)\n")
    with chromium_page(height=1800) as page:
        page.goto(f"{app_url}/playground?program={quote(notes_code)}")
        page.get_by_text("[ 4 10 18]").wait_for(timeout=120_000)  # the output panel, as a notebook prints it
        page.get_by_text("in TensorFlow 2 this is tf.compat.v1.Session").wait_for(timeout=30_000)
        assert page.get_by_role("radio", name="TF1 Session").is_checked()
        page.get_by_role("tab", name="As TensorFlow code").click()
        page.get_by_text("TensorFlow 1 (graph + session)").click()
        page.get_by_text("with tf.compat.v1.Session(graph=graph) as sess:").wait_for(timeout=60_000)
        hostile = 'import tensorflow as tf\nx = tf.constant(1.0, dtype="[Session expired](https://evil.example)")'
        page.goto(f"{app_url}/playground?program={quote(hostile)}&node={quote('[sign in](https://evil.example)')}")
        page.get_by_text("The program has a mistake").wait_for(timeout=120_000)
        page.get_by_text("Line 2, column 28").wait_for(timeout=30_000)
        assert page.get_by_text("Line 2, column 28").count() == 1
        assert page.locator("a[href*='evil.example']").count() == 0  # text from a link or a program never becomes a link


def test_why_page_draws_a_grad_cam_overlay_for_the_demo_model(app_url):
    with chromium_page(height=1600) as page:
        page.goto(f"{app_url}/why?model=demo&method=gradcam")
        page.get_by_text("Explain the class").wait_for(timeout=120_000)
        overlay = page.locator(".js-plotly-plot").filter(has_text="Grad-CAM: why")
        overlay.wait_for(timeout=90_000)
        traces = page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot')]
                .filter(p => p.textContent.includes('Grad-CAM: why'))[0]._fullData
                .map(t => ({type: t.type, opacity: t.opacity, hover: t.hovertemplate || '', rows: (t.z || []).length}))"""
        )
        assert [t["type"] for t in traces] == ["heatmap", "heatmap"]  # the picture, then the map over it
        assert "attribution" in traces[1]["hover"] and traces[1]["rows"] == 28 and 0 < traces[1]["opacity"] < 1
        page.get_by_role("tab", name="Sanity check").click()
        page.locator(".js-plotly-plot").filter(has_text="ρ").first.wait_for(timeout=90_000)  # the randomised maps, with ρ
        enter_value(page.locator(".st-key-why_shuffled_epochs input"), "1")
        page.get_by_role("button", name="Train a copy on shuffled labels").click()
        # the copy trains in the background; when it ends the page reruns by itself and shows what lies below the bar
        page.get_by_text("The shuffled-label copy scores").wait_for(timeout=180_000)
        assert page.locator(".js-plotly-plot").filter(has_text="shuffled labels: ρ").count() == 1
