"""Take a full-page screenshot of every page into assets/screenshots/ (run from the repo root)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser_support import ROOT, chromium_page, running_app  # noqa: E402

PAGES = {"home": "", "playground": "playground", "train": "train", "inspect": "inspect", "graphs": "graphs?arch=ResNet50&view=layer",
         "graphs_stage": "graphs?arch=ResNet50&view=layer", "graphs_block": "graphs?arch=ResNet50&view=layer"}
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
            page.goto(f"{url}/{PAGES[name]}")
            page.wait_for_selector(".js-plotly-plot", timeout=90_000)
            if name == "home":  # wait for the tensors to be re-made with TensorFlow
                page.get_by_text("EagerTensor · shape (2, 3, 3, 3)").wait_for(timeout=90_000)
            if name.startswith("graphs"):
                page.get_by_text("in TensorFlow's graph; showing").wait_for(timeout=240_000)
                open_groups(page, OPEN.get(name, []))
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")


if __name__ == "__main__":
    main()
