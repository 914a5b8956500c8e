"""Take a full-page screenshot of every page into assets/screenshots/ (run from the repo root)."""

import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import ROOT, chromium_page, draw_on_canvas, running_app  # noqa: E402

PAGES = {"home": "", "playground": "playground", "train": "train", "inspect": "inspect", "graphs": "graphs?arch=ResNet50&view=layer",
         "graphs_stage": "graphs?arch=ResNet50&view=layer", "graphs_block": "graphs?arch=ResNet50&view=layer",
         "recurrent": "recurrent", "why": "why?model=demo&class=3&index=1&method=gradcam", "inspect_drawing": "inspect",
         "playground_tensorflow": "playground?preset=" + quote("TensorFlow 1 code: the notes' first example in a session"),
         "boltzmann": "boltzmann", "autoencoders": "autoencoders"}
SEVEN = [[(60, 50), (170, 50), (100, 190)], [(85, 122), (160, 122)]]  # a 7 with a bar across, drawn with the mouse


def train_recurrent(page) -> None:
    """The recurrent page with its default model trained on the sunspots and the hidden state shown."""
    page.set_viewport_size({"width": 1400, "height": 3400})
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("3 · Look inside").wait_for(timeout=600_000)
    page.get_by_role("tab", name="Hidden state over time").click()
    page.locator(".js-plotly-plot").filter(has_text="hidden state h_t").first.wait_for(timeout=60_000)


OPEN = {"graphs_stage": ["conv3 ("], "graphs_block": ["conv3 (", "conv3_block2 ("]}  # groups opened, in order


def open_groups(page, labels: list[str]) -> None:
    """Open ResNet50's groups one by one, as a visitor would with "Open a group"."""
    for label in labels:
        page.get_by_test_id("stSelectbox").filter(has_text="Open a group").click()
        page.get_by_role("option").filter(has_text=label).first.click()
        page.locator(".st-key-graph_open button").click()
        page.wait_for_timeout(2500)


def main() -> None:
    out = ROOT / "assets" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    wanted = sys.argv[1:] or list(PAGES)
    with running_app() as url, chromium_page(height=2200) as page:
        for name in wanted:
            page.set_viewport_size({"width": 1400, "height": 2200})
            page.goto(f"{url}/{PAGES[name]}")
            if name == "recurrent":  # nothing is drawn before a training
                page.get_by_role("button", name="Train", exact=True).wait_for(timeout=90_000)
                train_recurrent(page)
            if name == "boltzmann":  # nothing is drawn before training: train an RBM with the defaults first
                page.get_by_role("button", name="Train").click(timeout=120_000)
                page.get_by_text("hidden units shown").wait_for(timeout=300_000)
            page.wait_for_selector(".js-plotly-plot", timeout=90_000)
            if name == "home":  # wait for the tensors to be re-made with TensorFlow
                page.get_by_text("EagerTensor · shape (2, 3, 3, 3)").wait_for(timeout=90_000)
            if name == "why":  # wait for the map over the picture
                page.locator(".js-plotly-plot").filter(has_text="Grad-CAM: why").wait_for(timeout=90_000)
            if name == "inspect_drawing":  # the canvas with a digit drawn, and how it became the model's input
                page.get_by_test_id("stRadio").filter(has_text="Dataset sample").get_by_text("Draw", exact=True).click()
                draw_on_canvas(page, SEVEN)
                page.get_by_text("How your picture became that input").wait_for(timeout=60_000)
            if name.startswith("graphs"):
                page.get_by_text("in TensorFlow's graph; showing").wait_for(timeout=240_000)
                open_groups(page, OPEN.get(name, []))
            if name == "autoencoders":  # train the default autoencoder, then show its code space
                page.get_by_role("button", name="Train", exact=True).click()
                page.get_by_text("What it learned").wait_for(timeout=900_000)
                page.get_by_role("tab", name="Code space").click()
                page.get_by_text("decoded at (").wait_for(timeout=60_000)
                page.get_by_role("tab", name="Code space").evaluate("tab => tab.scrollIntoView({block: 'start'})")
                page.wait_for_timeout(1000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")


if __name__ == "__main__":
    main()
